// Browser end-to-end tests of the rater toolkit in the overlay: the away prompt (both answers,
// online and offline), today's banked time against the server's figure after a reload, and the
// cap warning. Real server binary, headless Chromium, the served userscript.
//
//   cd e2e && node --test --test-concurrency=1 toolkit.test.mjs
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { TestServer } from './lib/server.mjs';
import { launchBrowser, artifact } from './lib/browser.mjs';
import { installUserscript } from './lib/gm-harness.mjs';
import { routeRaterHub, taskUrl } from './fixtures/raterhub.mjs';

const PASSWORD = 'correct horse battery staple';
// 3 seconds: the prompt's threshold is minutes, and fractions are allowed.
const AWAY_MINUTES = 0.05;

let server;
let servedScript;
let counter = 0;

before(async () => {
  server = new TestServer();
  await server.start();
  servedScript = await (await fetch(`${server.url}/userscript/raterhub-tracker.user.js`)).text();
});

after(async () => {
  if (server) await server.stop();
});

async function gql(query, variables, token) {
  const r = await server.gql(query, variables, token);
  if (r.errors) throw new Error(`GraphQL: ${JSON.stringify(r.errors)}`);
  return r.data;
}

async function open(settings = {}) {
  counter += 1;
  const email = `toolkit${counter}-${Date.now()}@example.com`;
  await server.register(email, PASSWORD);
  const token = (await gql('mutation($e:String!,$p:String!){login(email:$e,password:$p,deviceName:"e2e"){token}}', { e: email, p: PASSWORD })).login.token;
  const ctx = await launchBrowser();
  await routeRaterHub(ctx, {});
  const store = { 'rht.auth': { server: server.url, email, deviceName: 'e2e', token }, 'rht.settings': settings };
  const h = await installUserscript(ctx, { source: servedScript, origin: server.url, store });
  const page = await ctx.newPage();
  await page.goto(taskUrl('task-001'));
  await page.locator(sel('status')).waitFor();
  await waitText(page, 'status', 'Connected');
  return { ctx, page, h, token };
}

const sel = (name) => `#rht-overlay [data-rht="${name}"]`;

async function waitFor(fn, what, timeout = 30_000) {
  const start = Date.now();
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() - start > timeout) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function waitText(page, name, pred, timeout = 30_000) {
  const ok = typeof pred === 'string' ? (t) => t === pred : (t) => pred.test(t);
  let last;
  try {
    await waitFor(async () => {
      last = await page.locator(sel(name)).textContent().catch(() => null);
      return last != null && ok(last);
    }, `[data-rht=${name}]`, timeout);
  } catch (_) {
    throw new Error(`[data-rht=${name}] never matched ${pred}; last: ${JSON.stringify(last)}`);
  }
  return last;
}

const visible = (page, name) => page.locator(sel(name)).isVisible();
const recorded = (h) => h.requests.filter((r) => r.body.includes('recordEvents') && r.status === 200).flatMap((r) => JSON.parse(r.body).variables.inputs);

/** Leaves the page without input past the threshold, then clicks it: the prompt shows. */
async function comeBack(page) {
  await page.waitForTimeout(AWAY_MINUTES * 60_000 + 500); // the threshold is a minimum: waiting longer only adds away time
  await page.mouse.click(5, 5);
  return waitText(page, 'away-text', /^Away 00:0\d\. Count it\?$/);
}

async function current(token) {
  return (await gql('{activeSession{isPaused current{pausedSeconds isPaused startedAt}}}', {}, token)).activeSession;
}

test("\"Don't count\" pauses from when input stopped to now; \"Count it\" records nothing", async () => {
  const { ctx, page, h, token } = await open({ awayPromptMinutes: AWAY_MINUTES });
  try {
    await page.click(sel('btn-next'));
    await waitText(page, 'task', 'Task #1');
    await waitText(page, 'status', 'Connected');
    const started = Date.parse((await current(token)).current.startedAt);

    await comeBack(page);
    assert.ok(await visible(page, 'away'));
    await page.screenshot({ path: artifact('toolkit-away-prompt.png') });
    const before = recorded(h).length;
    await page.click(sel('away-count'));
    assert.equal(await visible(page, 'away'), false);
    // Proof of absence: the next NEXT is the only event sent after "Count it".
    await page.click(sel('btn-next'));
    await waitFor(() => recorded(h).length > before, 'the NEXT to be sent');
    assert.deepEqual(recorded(h).slice(before).map((e) => e.type), ['NEXT']);
    await waitText(page, 'status', 'Connected');

    await comeBack(page);
    await page.click(sel('away-skip'));
    await waitFor(() => recorded(h).filter((e) => e.type === 'PAUSE').length === 2, 'two PAUSEs');
    const pauses = recorded(h).filter((e) => e.type === 'PAUSE');
    assert.notEqual(pauses[0].clientEventId, pauses[1].clientEventId);
    assert.ok(Date.parse(pauses[0].occurredAt) >= started, 'never earlier than the session\'s events');
    const c = await waitFor(async () => { const s = await current(token); return s && s.current.pausedSeconds > 0 && s; }, 'the pause to reach the server');
    assert.equal(c.current.isPaused, false, 'the two PAUSEs leave the question running');
    assert.ok(c.current.pausedSeconds >= AWAY_MINUTES * 60 - 0.5, `paused ${c.current.pausedSeconds}s`);
  } finally {
    await ctx.close();
  }
});

test("\"Don't count\" while offline is queued and sent once the server is back", async () => {
  const { ctx, page, h, token } = await open({ awayPromptMinutes: AWAY_MINUTES });
  try {
    await page.click(sel('btn-next'));
    await waitText(page, 'status', 'Connected');
    await server.stop();
    await comeBack(page);
    await page.click(sel('away-skip'));
    await waitText(page, 'status', /^Offline — 2 events queued/);
    assert.deepEqual(h.queued().map((e) => e.type), ['PAUSE', 'PAUSE']);
    await server.start();
    await waitFor(() => h.queued().length === 0, 'the queue to drain', 60_000);
    const c = await current(token);
    assert.equal(c.current.isPaused, false);
    assert.ok(c.current.pausedSeconds >= AWAY_MINUTES * 60 - 0.5, `paused ${c.current.pausedSeconds}s`);
  } finally {
    await ctx.close();
  }
});

test("today's banked time matches the server after a reload, and the cap warning shows", async () => {
  const { ctx, page, token } = await open({ awayPromptMinutes: 0 });
  try {
    // 0.1 h = 360 s caps: one finished question of the default 330 s target is 91 % of them.
    await gql('mutation{updateSettings(input:{weeklyCapHours:0.1, dailyCapHours:0.1}){weeklyCapHours}}', {}, token);
    await page.click(sel('btn-next'));
    await waitText(page, 'task', 'Task #1');
    await page.click(sel('btn-next'));
    await waitText(page, 'task', 'Task #2');
    await waitText(page, 'status', 'Connected');
    await page.reload();
    await page.locator(sel('status')).waitFor();
    await waitText(page, 'status', 'Connected');
    const day = (await gql('{day{bankedSeconds}}', {}, token)).day;
    const s = Math.round(day.bankedSeconds);
    const want = `+${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
    await waitText(page, 'banked', want);
    assert.match(await page.locator(sel('banked')).getAttribute('class'), /ahead/);
    await waitText(page, 'capwarn', /^91% of the daily cap/);
    assert.doesNotMatch(await page.locator(sel('capwarn')).getAttribute('class'), /full/);
    assert.ok(await visible(page, 'capwarn'));
    await page.screenshot({ path: artifact('toolkit-cap-warning.png') });
  } finally {
    await ctx.close();
  }
});
