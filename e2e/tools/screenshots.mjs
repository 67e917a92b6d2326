// Screenshots of Today, Session, History and Settings at 1280 and 390 px, to compare two
// builds by eye (e.g. before and after a refactor). Not a test.
//
//   node e2e/tools/screenshots.mjs --out after [--dist DIR] [--bin SERVER_BINARY]
// writes e2e/artifacts/<out>-<page>-<width>.png
import { parseArgs } from 'node:util';
import { resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TestServer } from '../lib/server.mjs';
import { cookieLogin } from '../lib/cookie-login.mjs';
import { launchBrowser, artifact } from '../lib/browser.mjs';

const { values: args } = parseArgs({ options: { out: { type: 'string', default: 'shot' }, dist: { type: 'string' }, bin: { type: 'string' } } });
if (args.bin) process.env.RHT_BIN = resolve(args.bin);
const DIST = resolve(args.dist ?? resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'dist'));
const EMAIL = `shots-${Date.now()}@example.com`;
const PASSWORD = 'correct horse battery staple';

const server = await new TestServer({ env: { DIST_DIR: DIST } }).start();
const { token } = await server.register(EMAIL, PASSWORD);
// A fixed past morning, so both builds show the same numbers.
const day = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
for (const [type, hms] of [['NEXT', '09:00:00'], ['NEXT', '09:05:10'], ['NEXT', '09:11:00'], ['PAUSE', '09:15:00'], ['NEXT', '09:20:00'], ['EXIT', '09:24:30']]) {
  const r = await server.gql('mutation($i:EventInput!){recordEvent(input:$i){duplicate}}', { i: { type, occurredAt: `${day}T${hms}Z`, clientEventId: `shot-${hms}` } }, token);
  if (r.errors) throw new Error(JSON.stringify(r.errors));
}
const sessions = await server.gql('{ sessions(limit: 1) { id } }', {}, token);
const sessionId = sessions.data.sessions[0].id;
// The server is stopped even when a load fails, so no process is left behind.
let context;
try {
  context = await launchBrowser({ timezoneId: 'UTC', locale: 'en-GB' });
  const page = context.pages()[0] ?? (await context.newPage());
  await cookieLogin(page, server.url, EMAIL, PASSWORD);
  const pages = [
    ['today', `/day/${day}`, '#card-questions .value'],
    ['session', `/sessions/${sessionId}`, 'table'],
    ['history', '/history', 'main h1'],
    ['settings', '/settings', 'form'],
  ];
  for (const width of [1280, 390]) {
    await page.setViewportSize({ width, height: 900 });
    for (const [name, path, ready] of pages) {
      await page.goto(`${server.url}${path}`);
      await page.waitForSelector(ready, { timeout: 20_000 });
      await page.waitForTimeout(300); // let charts settle; these are pictures, not assertions
      await page.screenshot({ path: artifact(`${args.out}-${name}-${width}.png`), fullPage: true });
    }
  }
  console.log(`wrote e2e/artifacts/${args.out}-{today,session,history,settings}-{1280,390}.png`);
} finally {
  await context?.close();
  await server.stop();
}
