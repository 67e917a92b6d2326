// Browser end-to-end tests of the Yew dashboard: headless Debian Chromium (playwright-core)
// against the real server binary on a fresh SQLite database, serving the built dist/.
//
//   cargo xtask dist --release && cargo build -p server
//   cd e2e && node --test --test-concurrency=1 dashboard.test.mjs
//
// Steps follow the issue: register, record events through the API with explicit timestamps,
// check Today, a session's question table and the live update, delete a question, change the
// timezone and see the day regroup, export CSV. Screenshots: e2e/artifacts/dashboard-*.png.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { resolve, dirname } from 'node:path';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { TestServer } from './lib/server.mjs';
import { launchBrowser, artifact } from './lib/browser.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const DIST = resolve(ROOT, 'dist');
const PASSWORD = 'correct horse battery staple';
const EMAIL = `dash-${Date.now()}@example.com`;
// Generous limits: a busy shared machine may be slow, and only a missing update reaches them.
// That an update came live (pushed, not polled) is proven by the WebSocket frame that carried
// it; the latency is printed, not asserted.
const WAIT_MS = 60_000;

let server;
let context;
let page;
let token; // API token for recording events, as the overlay would

// A past day D (UTC) whose session starts at 23:00Z: day D in UTC, day D+1 in Asia/Tokyo.
const DAY_MS = 86_400_000;
const isoDate = (ms) => new Date(ms).toISOString().slice(0, 10);
const dayD = isoDate(Date.now() - 3 * DAY_MS);
const dayD1 = isoDate(Date.parse(`${dayD}T00:00:00Z`) + DAY_MS);
const at = (hms) => `${dayD}T${hms}Z`;

before(async () => {
  assert.ok(existsSync(resolve(DIST, 'index.html')), 'dist/ is built (cargo xtask dist --release)');
  server = new TestServer({ env: { DIST_DIR: DIST } });
  await server.start();
  context = await launchBrowser({ timezoneId: 'UTC', locale: 'en-GB' });
  page = context.pages()[0] ?? (await context.newPage());
  page.on('pageerror', (e) => console.error('[page error]', e.message));
  page.on('console', (m) => { if (m.type() === 'error') console.error('[console]', m.text()); });
});

after(async () => {
  if (context) await context.close();
  if (server) await server.stop();
});

async function gql(query, variables = {}) {
  const r = await server.gql(query, variables, token);
  if (r.errors) throw new Error(`GraphQL: ${JSON.stringify(r.errors)}`);
  return r.data;
}

async function record(type, occurredAt, extra = {}) {
  return gql('mutation($i:EventInput!){recordEvent(input:$i){duplicate}}', {
    i: { type, occurredAt, clientEventId: `e2e-${type}-${occurredAt}-${Math.random()}`, ...extra },
  });
}

const text = async (selector) => (await page.locator(selector).innerText()).trim();
const shot = (name) => page.screenshot({ path: artifact(`dashboard-${name}.png`), fullPage: true });
const cardValue = (id) => text(`#${id} .value`);

test('register: inline errors, then an account', async () => {
  await page.goto(`${server.url}/`);
  await page.waitForSelector('#login-form');
  await shot('signin');
  await page.click('text=Create one');
  await page.waitForSelector('#register-form');
  await page.fill('#email', EMAIL);
  await page.fill('#password', 'short');
  await page.click('#register-form button[type=submit]');
  assert.match(await text('#password-error'), /12 characters/);
  // Long enough for the form, too weak for the server: its WEAK_PASSWORD shows by the field.
  await page.fill('#password', 'aaaaaaaaaaaaaaaa');
  await page.click('#register-form button[type=submit]');
  await page.waitForFunction(() => !/12 characters/.test(document.querySelector('#password-error')?.textContent ?? '12 characters'));
  const weak = await text('#password-error');
  assert.ok(weak.length > 0, 'a server-side password error is shown inline');
  await shot('register-weak');
  await page.fill('#password', PASSWORD);
  await page.click('#register-form button[type=submit]');
  await page.waitForSelector('nav[aria-label=Main]');
  assert.match(await text('#day-title'), /^Today/);
  await page.waitForSelector('#no-sessions');
  const login = await server.gql('mutation($e:String!,$p:String!){login(email:$e,password:$p){token user{timezone}}}', { e: EMAIL, p: PASSWORD });
  token = login.data.login.token;
  assert.equal(login.data.login.user.timezone, 'UTC', 'the browser zone is sent at registration');
});

test('record a past session through the API, check Today numbers', async () => {
  // q1 240 s; q2 390 s raw with a 60 s pause = 330 s active; q3 240 s; q4 330 s (EXIT).
  await record('NEXT', at('23:00:00'), { taskId: 'task-1', targetSeconds: 300 });
  await record('NEXT', at('23:04:00'), { taskId: 'task-2', targetSeconds: 300 });
  await record('PAUSE', at('23:05:00'));
  await record('PAUSE', at('23:06:00'));
  await record('NEXT', at('23:10:30'), { taskId: 'task-3', targetSeconds: 300 });
  await record('NEXT', at('23:14:30'), { taskId: 'task-4', targetSeconds: 300 });
  await record('EXIT', at('23:20:00'));

  await page.goto(`${server.url}/day/${dayD}`);
  await page.waitForSelector('#day-cards');
  assert.equal(await cardValue('card-sessions'), '1');
  assert.equal(await cardValue('card-questions'), '4');
  assert.equal(await cardValue('card-active'), '19:00');
  assert.equal(await cardValue('card-average'), '4:45');
  assert.match(await text('#card-average'), /target 5:00/);
  assert.match(await text('#card-pace'), /on target/);
  const card = page.locator('.session-card');
  assert.equal(await card.count(), 1);
  assert.match(await card.locator('.when').innerText(), /23:00\s*–\s*23:20/);
  assert.equal((await card.locator('.q-count').innerText()).trim(), '4');
  // The hourly chart has a bar with activity at 23:00.
  assert.match(await page.locator('svg.hourly').innerHTML(), /23:00 – 19:00 active, 4 questions/);
  await shot('day');
});

test("a session's question table, Δ coloured", async () => {
  await page.click('.session-card >> text=Details');
  await page.waitForSelector('#questions');
  const rows = page.locator('#questions tbody tr');
  assert.equal(await rows.count(), 4);
  const cells = async (n) => (await page.locator(`#q-${n} td`).allInnerTexts()).map((s) => s.trim());
  const q1 = await cells(1);
  assert.deepEqual(q1.slice(0, 7), ['23:00:00', '23:04:00', '4:00', '0:00', '5:00', '−1:00', 'task-1']);
  const q2 = await cells(2);
  assert.deepEqual(q2.slice(0, 7), ['23:04:00', '23:10:30', '5:30', '1:00', '5:00', '+0:30', 'task-2']);
  assert.match(await page.locator('#q-1 td.delta').getAttribute('class'), /under/);
  assert.match(await page.locator('#q-2 td.delta').getAttribute('class'), /over/);
  assert.equal(await page.locator('svg.questions line.target').count(), 4);
  assert.equal(await cardValue('s-active'), '19:00');
  assert.equal(await page.locator('#report-pdf').getAttribute('href'), `/reports/day/${dayD}.pdf`, "the session's day report");
  await shot('session');
});

/** Prints the page as Chromium's print does (CDP Page.printToPDF: print media, A4, no
 *  backgrounds), keeps the PDF and a PNG of each page as artifacts, returns the text. */
async function printed(name) {
  const cdp = await context.newCDPSession(page);
  try {
    const { data } = await cdp.send('Page.printToPDF', { paperWidth: 8.27, paperHeight: 11.69, printBackground: false });
    const pdf = artifact(`print-${name}.pdf`);
    writeFileSync(pdf, Buffer.from(data, 'base64'));
    execFileSync('pdftoppm', ['-png', '-r', '60', pdf, artifact(`print-${name}`)]);
    return execFileSync('pdftotext', ['-layout', pdf, '-'], { encoding: 'utf8' });
  } finally {
    await cdp.detach();
  }
}

test('print: a day and a week page print as a report (figures, no navigation or buttons)', async () => {
  const api = await gql('query($d:Date!){day(date:$d){date questionCount activeSeconds averageSeconds bankedSeconds creditedSeconds} week(start:$d){start end questionCount activeSeconds}}', { d: dayD });
  await page.goto(`${server.url}/day/${dayD}`);
  await page.waitForSelector('#day-figures');
  for (const ext of ['pdf', 'csv']) assert.equal(await page.locator(`#report-${ext}`).getAttribute('href'), `/reports/day/${dayD}.${ext}`);
  const title = await text('#day-title');
  const day = await printed('day');
  assert.ok(day.includes(`RaterHub Tracker · ${EMAIL} · ${title} · UTC`), `the page header names who, when and the zone:\n${day}`);
  // Cards print in a grid (labels on one line, values under them): check each is there.
  for (const label of [/Questions/i, /Active\s+time/i, /Average\s+\/\s+question/i, /Banked/i, /Credited/i]) assert.match(day, label);
  for (const figure of [String(api.day.questionCount), '19:00', '4:45', '0.3 h', '20:00']) assert.ok(day.includes(figure), `${figure} printed:\n${day}`);
  // Banked with its sign and, on paper, its word: targets 4 × 5:00 − 19:00 active.
  assert.equal(Math.round(api.day.bankedSeconds), 60);
  assert.match(day, /\+1:00\s+ahead/);
  assert.ok(day.includes('Session 1') && day.includes('23:00'), day);
  for (const absent of ['History', 'Export', 'Overlay', 'Settings', 'Download PDF', 'Delete', 'Prev', 'Next ›', 'Skip to content']) {
    assert.ok(!day.includes(absent), `"${absent}" is not printed:\n${day}`);
  }

  await page.goto(`${server.url}/history/week/${dayD}`);
  await page.waitForSelector('#week-days');
  await page.waitForSelector('#type-stats, #no-types');
  for (const ext of ['pdf', 'csv']) assert.match(await page.locator(`#report-${ext}`).getAttribute('href'), new RegExp(`^/reports/week/${api.week.start}\\.${ext}$`));
  const week = await printed('week');
  const weekTitle = await text('#week-title-h');
  assert.ok(week.includes(`RaterHub Tracker · ${EMAIL} · ${weekTitle} · UTC`), week);
  assert.match(week, /Day by day/);
  assert.match(week, new RegExp(`Week\\s+${api.week.questionCount}\\s+19:00\\s+20:00\\s+\\+1:00`), 'the week row: questions, active, credited, banked');
  assert.match(week, /By task type/);
  for (const absent of ['Download CSV', 'Export', 'Month', 'Prev']) assert.ok(!week.includes(absent), `"${absent}" is not printed:\n${week}`);

  // Export has its range's report links too.
  await page.goto(`${server.url}/export`);
  await page.waitForSelector('#export-form');
  assert.match(await page.locator('#report-pdf').getAttribute('href'), /^\/reports\/range\.pdf\?from=\d{4}-\d\d-\d\d&to=\d{4}-\d\d-\d\d$/);
});

test('live update: an overlay event is pushed to Today over the WebSocket', async () => {
  // Events 40 s in the past must fall on today's UTC date: avoid the first minute of a day.
  const sinceMidnight = Date.now() % DAY_MS;
  if (sinceMidnight < 60_000) await new Promise((r) => setTimeout(r, 61_000 - sinceMidnight));
  const pushed = [];
  page.on('websocket', (ws) => ws.on('framereceived', (f) => pushed.push(String(f.payload))));
  await page.goto(`${server.url}/`);
  await page.waitForSelector('#no-sessions');
  await page.waitForFunction(() => document.querySelector('#live-status')?.textContent === 'live', null, { timeout: WAIT_MS });
  const now = Date.now();
  let sent = Date.now();
  await record('NEXT', new Date(now - 40_000).toISOString());
  await page.waitForSelector('.session-card.active', { timeout: WAIT_MS });
  const firstLatency = Date.now() - sent;
  assert.ok(pushed.some((p) => p.includes('NEXT')), `the NEXT came over the WebSocket: ${pushed}`);
  assert.match(await page.locator('.session-card .badge').innerText(), /running/);
  sent = Date.now();
  await record('NEXT', new Date(now - 20_000).toISOString());
  await page.waitForFunction(() => document.querySelector('.session-card .q-count')?.textContent === '1', null, { timeout: WAIT_MS });
  const secondLatency = Date.now() - sent;
  assert.ok(pushed.filter((p) => p.includes('NEXT')).length >= 2, 'the second NEXT was pushed too');
  // The running question's timer ticks.
  const t1 = await text('.live-timer');
  await page.waitForFunction((t) => document.querySelector('.live-timer')?.textContent !== t, t1, { timeout: WAIT_MS });
  assert.equal(await cardValue('card-questions'), '1');
  console.log(`# live update latency: ${firstLatency} ms, ${secondLatency} ms`);
  await shot('today-live');
});

test('live update falls back to polling when the WebSocket fails', async () => {
  const other = await context.newPage();
  try {
    // Every subscription socket is refused, as by a proxy that does not pass WebSockets.
    await other.routeWebSocket(/\/graphql\/ws/, (ws) => ws.close({ code: 1011, reason: 'blocked by test' }));
    await other.goto(`${server.url}/`);
    await other.waitForSelector('.session-card.active');
    await other.waitForFunction(() => document.querySelector('#live-status')?.textContent === 'polling', null, { timeout: WAIT_MS });
    const before = await other.locator('.session-card .q-count').innerText();
    const sent = Date.now();
    await record('NEXT', new Date(Date.now() - 5_000).toISOString());
    await other.waitForFunction((b) => document.querySelector('.session-card .q-count')?.textContent === String(Number(b) + 1), before, { timeout: WAIT_MS });
    console.log(`# polling update latency: ${Date.now() - sent} ms`);
  } finally {
    await other.close();
  }
});

test('delete the running session from its Today card (with confirmation)', async () => {
  await page.goto(`${server.url}/`);
  await page.waitForSelector('.session-card.active');
  await page.click('.session-card button.delete');
  await page.waitForSelector('.session-card .confirm-yes');
  // Focus moved to Cancel, so Enter there would be the safe choice; confirm instead.
  assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Cancel');
  await page.click('.session-card .confirm-yes');
  await page.waitForSelector('#no-sessions');
  assert.equal(await cardValue('card-sessions'), '0');
});

test('delete a question (with confirmation); later ones are renumbered', async () => {
  await page.goto(`${server.url}/day/${dayD}`);
  await page.click('.session-card >> text=Details');
  await page.waitForSelector('#q-4');
  await page.click('#q-2 button.delete');
  await page.waitForSelector('#q-2 .confirm-yes');
  await shot('delete-confirm');
  await page.click('#q-2 .confirm-yes');
  await page.waitForFunction(() => document.querySelectorAll('#questions tbody tr').length === 3);
  assert.equal(await cardValue('s-questions'), '3');
  assert.deepEqual(
    (await page.locator('#questions tbody td.task').allInnerTexts()).map((s) => s.trim()),
    ['task-1', 'task-3', 'task-4'],
  );
  assert.equal(await page.locator('#q-4').count(), 0);
  assert.equal(await cardValue('s-active'), '13:30');
});

test('change the timezone in Settings and see the day regroup', async () => {
  await page.goto(`${server.url}/settings`);
  await page.waitForSelector('#timezone option');
  await page.fill('#tz-search', 'tokyo');
  await page.selectOption('#timezone', 'Asia/Tokyo');
  assert.equal(await text('#tz-selected'), 'Asia/Tokyo');
  await shot('settings');
  await page.click('#save-prefs');
  await page.waitForSelector('#prefs-saved');

  await page.goto(`${server.url}/day/${dayD}`);
  await page.waitForSelector('#day-cards');
  assert.equal(await cardValue('card-questions'), '0', 'in Tokyo the session is on the next day');
  await page.goto(`${server.url}/day/${dayD1}`);
  await page.waitForSelector('.session-card');
  assert.equal(await cardValue('card-questions'), '3');
  assert.match(await page.locator('.session-card .when').innerText(), /08:00\s*–\s*08:20/);
  assert.match(await page.locator('svg.hourly').innerHTML(), /08:00 – 13:30 active, 3 questions/);
  await shot('day-tokyo');
});

test('export CSV as a file download', async () => {
  await page.goto(`${server.url}/export`);
  await page.waitForSelector('#export-form');
  await page.fill('#export-from', dayD);
  await page.fill('#export-to', dayD1);
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#export-button')]);
  assert.match(download.suggestedFilename(), /^raterhub-questions-.*\.csv$/);
  const csv = readFileSync(await download.path(), 'utf8');
  const lines = csv.trim().split(/\r?\n/);
  assert.equal(lines.length, 1 + 3 + 1, `header + 3 questions + TOTAL:\n${csv}`);
  assert.match(lines[1], /task-1/);
  assert.match(lines.at(-1), /^TOTAL,,3,/);
  assert.ok(lines.slice(1, -1).every((l) => l.includes(dayD1)), `dates are Tokyo-local:\n${csv}`);
  await page.waitForSelector('#export-done');
  await shot('export');

  await page.check('input[value=DAILY]');
  const [daily] = await Promise.all([page.waitForEvent('download'), page.click('#export-button')]);
  const dcsv = readFileSync(await daily.path(), 'utf8').trim().split(/\r?\n/);
  assert.ok(dcsv.length >= 2, `daily export has rows: ${dcsv.join('\n')}`);
  assert.ok(dcsv.some((l) => l.includes(dayD1)), dcsv.join('\n'));
});

test('history, overlay page, phone width and dark mode', async () => {
  await page.goto(`${server.url}/history`);
  await page.waitForSelector('svg.week');
  assert.equal(await page.locator('svg.week g.bar').count(), 7);
  await shot('history-week');
  await page.goto(`${server.url}/history/month/${dayD1.slice(0, 7)}`);
  await page.waitForSelector('svg.heatmap');
  assert.ok((await page.locator('svg.heatmap g.cell').count()) >= 28);
  await shot('history-month');
  // Each day of the heat map is a link to that day.
  await page.click(`svg.heatmap a[href="/day/${dayD1}"]`);
  await page.waitForSelector('.session-card');
  assert.match(page.url(), new RegExp(`/day/${dayD1}$`));
  await page.goto(`${server.url}/overlay`);
  const href = await page.locator('#install-userscript').getAttribute('href');
  assert.equal(href, '/userscript/raterhub-tracker.user.js');
  const res = await fetch(`${server.url}${href}`);
  assert.equal(res.status, 200);
  await shot('overlay');

  await page.setViewportSize({ width: 360, height: 780 });
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.goto(`${server.url}/day/${dayD1}`);
  await page.waitForSelector('.session-card');
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `no horizontal scrolling at 360 px (overflow ${overflow}px)`);
  await shot('day-phone-dark');
  await page.click('.session-card >> text=Details');
  await page.waitForSelector('#questions');
  const overflow2 = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow2 <= 0, `session page: the table scrolls inside its box, not the page (overflow ${overflow2}px)`);
  await shot('session-phone-dark');
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.emulateMedia({ colorScheme: 'light' });
});

test('keyboard: skip link and focus reach the navigation', async () => {
  await page.goto(`${server.url}/`);
  await page.waitForSelector('nav[aria-label=Main]');
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Skip to content');
  await page.keyboard.press('Tab');
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Today');
});

test('expired session: sign-in appears in place and returns to the same page', async () => {
  await page.goto(`${server.url}/history`);
  await page.waitForSelector('svg.week');
  // Revoke every token from outside (as "sign out everywhere" on another device would).
  await gql('mutation{logout}');
  await page.click('text=Month');
  await page.waitForSelector('#login-form');
  assert.match(await text('.notice'), /expired/);
  assert.match(page.url(), /\/history\/month\//);
  await page.fill('#email', EMAIL);
  await page.fill('#password', 'wrong password!!');
  await page.click('#login-form button[type=submit]');
  await page.waitForSelector('#password-error');
  assert.match(await text('#password-error'), /Wrong email or password/);
  await page.fill('#password', PASSWORD);
  await page.click('#login-form button[type=submit]');
  await page.waitForSelector('svg.heatmap');
  assert.match(page.url(), /\/history\/month\//);
});

test('sign out everywhere, then the email is taken for a new account', async () => {
  await page.goto(`${server.url}/settings`);
  await page.click('text=Sign out everywhere >> nth=-1');
  await page.click('.confirm-yes');
  await page.waitForSelector('#login-form');
  await page.click('text=Create one');
  await page.fill('#email', EMAIL);
  await page.fill('#password', PASSWORD);
  await page.click('#register-form button[type=submit]');
  await page.waitForSelector('#email-error');
  assert.match(await text('#email-error'), /already exists/);
  await shot('register-taken');
});

test('rate limited sign-in says how long to wait', async () => {
  const limited = new TestServer({ env: { DIST_DIR: DIST, RATE_LIMIT_AUTH_PER_MINUTE: '2' } });
  await limited.start();
  const p = await context.newPage();
  try {
    await p.goto(`${limited.url}/`);
    await p.waitForSelector('#login-form');
    await p.fill('#email', 'nobody@example.com');
    await p.fill('#password', 'not the right password');
    let message = '';
    for (let i = 0; i < 4 && !/Too many attempts/.test(message); i += 1) {
      await p.click('#login-form button[type=submit]');
      await p.waitForSelector('#password-error, .form-error');
      await p.waitForFunction(() => !document.querySelector('#login-form button[disabled]'));
      message = await p.locator('#login-form').innerText();
    }
    assert.match(message, /Too many attempts\. Try again in \d+ (second|minute)/, message);
    await p.screenshot({ path: artifact('dashboard-rate-limited.png') });
  } finally {
    await p.close();
    await limited.stop();
  }
});
