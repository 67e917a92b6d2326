// The GraphQL playground works offline: GraphiQL comes from the server binary, not a CDN.
// Every request to another host is blocked (and recorded); GraphiQL must still render, read
// the schema through introspection, and run a query with the session cookie.
//
//   cargo xtask dist --release && cargo build -p server
//   cd e2e && node --test playground.test.mjs
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TestServer } from './lib/server.mjs';
import { cookieLogin } from './lib/cookie-login.mjs';
import { launchBrowser, artifact } from './lib/browser.mjs';

const DIST = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'dist');
const EMAIL = `playground-${Date.now()}@example.com`;
const PASSWORD = 'correct horse battery staple';

let server;
let context;
let page;
const elsewhere = [];

before(async () => {
  server = new TestServer({ env: { DIST_DIR: DIST } });
  await server.start();
  await server.register(EMAIL, PASSWORD);
  context = await launchBrowser({ timezoneId: 'UTC', locale: 'en-GB' });
  const ours = new URL(server.url).host;
  await context.route('**/*', (route) => {
    const url = new URL(route.request().url());
    if (url.host === ours) return route.continue();
    elsewhere.push(url.href);
    return route.abort();
  });
  page = context.pages()[0] ?? (await context.newPage());
  page.on('pageerror', (e) => console.error('[page error]', e.message));
});

after(async () => {
  if (context) await context.close();
  if (server) await server.stop();
});

test('GraphiQL renders offline, lists the Query fields and runs { me { email } } with the cookie', async () => {
  // Sign in the way the dashboard does: a same-origin POST that sets the HttpOnly cookie.
  const login = await cookieLogin(page, server.url, EMAIL, PASSWORD);
  assert.equal(login.data?.login?.user?.email, EMAIL, JSON.stringify(login));
  await page.evaluate(() => localStorage.setItem('graphiql:query', '{ me { email } }'));

  await page.goto(`${server.url}/graphql`);
  await page.waitForSelector('.graphiql-container', { timeout: 20_000 });

  await page.click('[aria-label="Show Documentation Explorer"]');
  await page.waitForSelector('.graphiql-doc-explorer a.graphiql-doc-explorer-type-name:has-text("Query")', { timeout: 20_000 });
  await page.click('.graphiql-doc-explorer a.graphiql-doc-explorer-type-name:has-text("Query")');
  const fields = await page.locator('.graphiql-doc-explorer-field-name').allInnerTexts();
  for (const field of ['me', 'serverTime']) assert.ok(fields.includes(field), `docs list Query.${field}: ${fields}`);

  await page.click('.graphiql-execute-button');
  await page.waitForFunction((email) => document.querySelector('.graphiql-response')?.textContent.includes(email), EMAIL, { timeout: 20_000 });
  await page.screenshot({ path: artifact('playground.png') });
  assert.deepEqual(elsewhere, [], 'nothing was requested from another host');
});
