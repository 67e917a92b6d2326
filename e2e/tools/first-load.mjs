// First-load time of the signed-in Today page, cache off, until its numbers are on screen,
// under Chromium DevTools throttling. Prints figures; not a test (timings vary by machine).
//
//   node e2e/tools/first-load.mjs [--runs 5] [--dist DIR] [--bin SERVER_BINARY]
//
// Serves DIR (default dist/) with the given server binary (default: target/{debug,release}),
// registers a user with one recorded session, signs in with the cookie, then loads `/` under
// each profile. A second, cached load shows what a repeat visit downloads.
import { parseArgs } from 'node:util';
import { resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TestServer } from '../lib/server.mjs';
import { cookieLogin } from '../lib/cookie-login.mjs';
import { launchBrowser } from '../lib/browser.mjs';

const { values: args } = parseArgs({ options: { runs: { type: 'string', default: '5' }, dist: { type: 'string' }, bin: { type: 'string' } } });
if (args.bin) process.env.RHT_BIN = resolve(args.bin);
const DIST = resolve(args.dist ?? resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'dist'));
const PROFILES = [
  { name: '10 Mbit/s, 40 ms, 4x CPU', kbit: 10_000, latency: 40, cpu: 4 },
  { name: '1.6 Mbit/s, 150 ms, 4x CPU', kbit: 1_600, latency: 150, cpu: 4 },
];
const EMAIL = `load-${Date.now()}@example.com`;
const PASSWORD = 'correct horse battery staple';

const server = await new TestServer({ env: { DIST_DIR: DIST } }).start();
const { token } = await server.register(EMAIL, PASSWORD);
const now = Date.now();
for (const [type, ago] of [['NEXT', 600], ['NEXT', 300], ['EXIT', 0]]) {
  const occurredAt = new Date(now - ago * 1000).toISOString();
  await server.gql('mutation($i:EventInput!){recordEvent(input:$i){duplicate}}', { i: { type, occurredAt, clientEventId: `load-${ago}` } }, token);
}
// The server is stopped even when a load fails, so no process is left behind.
let context;
try {
  context = await launchBrowser({ timezoneId: 'UTC', locale: 'en-GB' });
  const page = context.pages()[0] ?? (await context.newPage());
  await cookieLogin(page, server.url, EMAIL, PASSWORD);

  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  let transferred = [];
  cdp.on('Network.loadingFinished', (e) => transferred.push(e.encodedDataLength));
  const urls = new Map();
  cdp.on('Network.requestWillBeSent', (e) => urls.set(e.requestId, e.request.url));
  const fromCache = new Set();
  cdp.on('Network.requestServedFromCache', (e) => fromCache.add(e.requestId));
  cdp.on('Network.responseReceived', (e) => { if (e.response.fromDiskCache || e.response.fromMemoryCache) fromCache.add(e.requestId); });

  /** Loads Today and returns ms from navigation start until the day's numbers show. */
  async function load() {
    transferred = [];
    await page.goto(`${server.url}/`, { waitUntil: 'commit' });
    await page.waitForFunction(() => /^\d+$/.test(document.querySelector('#card-questions .value')?.textContent.trim() ?? ''), null, { timeout: 60_000, polling: 10 })
      .catch(async (e) => { await page.screenshot({ path: '/tmp/first-load-fail.png' }); throw e; });
    return page.evaluate(() => performance.now());
  }

  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  for (const p of PROFILES) {
    await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: p.latency, downloadThroughput: (p.kbit * 1000) / 8, uploadThroughput: (p.kbit * 1000) / 8 });
    await cdp.send('Emulation.setCPUThrottlingRate', { rate: p.cpu });
    await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
    const times = [];
    let bytes = 0;
    for (let i = 0; i < Number(args.runs); i++) {
      times.push(await load());
      bytes = transferred.reduce((a, b) => a + b, 0);
    }
    await cdp.send('Network.setCacheDisabled', { cacheDisabled: false });
    await load(); // fills the cache
    fromCache.clear();
    urls.clear();
    const repeat = await load();
    const repeatBytes = transferred.reduce((a, b) => a + b, 0);
    const refetched = [...urls].filter(([id, url]) => !fromCache.has(id) && !url.endsWith('/graphql') && !url.includes('/graphql/ws')).map(([, url]) => new URL(url).pathname);
    console.log(`${p.name}: first load median ${Math.round(median(times))} ms (runs: ${times.map(Math.round).join(', ')}), ${bytes} B transferred; `
      + `repeat visit ${Math.round(repeat)} ms, ${repeatBytes} B transferred, non-API requests not from cache: ${refetched.length ? refetched.join(' ') : 'none'}`);
  }
} finally {
  await context?.close();
  await server.stop();
}
