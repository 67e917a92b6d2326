// Browser end-to-end tests of the rater toolkit in the overlay: the away prompt (both answers,
// online and offline), today's banked time against the server's figure after a reload, and the
// cap warning. Real server binary, headless Chromium, the served userscript. Then the
// dashboard's side: Settings → Pay and caps (server errors inline, a preset previewed then
// applied), and the figures on Today and History against the API's numbers. Screenshots at
// 1280 and 390 px: e2e/artifacts/toolkit-*.png.
//
//   cd e2e && node --test --test-concurrency=1 toolkit.test.mjs
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { resolve, dirname } from 'node:path';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { cookieLogin } from './lib/cookie-login.mjs';
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

const DIST = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'dist');

before(async () => {
  assert.ok(existsSync(resolve(DIST, 'index.html')), 'dist/ is built (cargo xtask dist --release)');
  server = new TestServer({ env: { DIST_DIR: DIST } });
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

// ---------------------------------------------------------------------------------------------
// The dashboard's toolkit figures and settings.

/** `format::duration`: m:ss under an hour, h:mm:ss from one hour. */
function duration(secs) {
  const s = Math.max(0, Math.round(secs));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}
/** `format::delta`: a text sign, U+2212 for minus. */
function delta(secs) {
  const r = Math.round(secs);
  return r > 0 ? `+${duration(r)}` : r < 0 ? `\u2212${duration(-r)}` : '±0:00';
}
const hours = (secs) => `${(Math.round(Math.max(0, secs) / 360) / 10).toFixed(1)} h`;
const money = (m) => `${m.amount.toFixed(m.currency === 'JPY' ? 0 : 2)} ${m.currency}`;

const FIGURES = 'bankedSeconds creditedSeconds earnings{amount currency} capSeconds remainingSeconds';

test('dashboard: pay and caps with server errors inline, figures on Today and History equal the API, a preset previewed then applied', async () => {
  counter += 1;
  const email = `figures${counter}-${Date.now()}@example.com`;
  const { token } = await server.register(email, PASSWORD, 'UTC');
  const ctx = await launchBrowser({ timezoneId: 'UTC', locale: 'en-GB' });
  const page = ctx.pages()[0] ?? (await ctx.newPage());
  page.on('pageerror', (e) => console.error('[page error]', e.message));
  const text = async (selector) => (await page.locator(selector).innerText()).trim();
  const phone = async (name) => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.waitForTimeout(100); // one frame for the resize listener's re-render
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `${name}: no horizontal scrolling at 390 px (overflow ${overflow}px)`);
    await page.screenshot({ path: artifact(`toolkit-${name}-390.png`), fullPage: true });
    await page.setViewportSize({ width: 1280, height: 900 });
  };
  try {
    assert.equal((await cookieLogin(page, server.url, email, PASSWORD)).errors, undefined);
    await page.goto(`${server.url}/settings`);
    await page.waitForSelector('#pay-form');
    // Each bad value is refused by the server with its code, shown by its field; nothing is saved.
    const refused = async (fill, field, words) => {
      for (const [id, v] of Object.entries(fill)) await page.fill(`#${id}`, v);
      await page.click('#save-pay');
      await page.waitForSelector(`#${field}-error`);
      assert.match(await text(`#${field}-error`), words);
    };
    await refused({ 'hourly-rate': '-5' }, 'hourly-rate', /0 or more/);
    await refused({ 'hourly-rate': '18.5', currency: 'XYZ' }, 'currency', /Unknown currency/);
    await refused({ currency: 'eur', 'daily-cap': '30' }, 'daily-cap', /0 to 24 hours/);
    await refused({ 'daily-cap': '', 'weekly-cap': '200' }, 'weekly-cap', /0 to 168 hours/);
    let me = (await gql('{me{hourlyRate currency dailyCapHours weeklyCapHours}}', {}, token)).me;
    assert.deepEqual(me, { hourlyRate: null, currency: 'USD', dailyCapHours: null, weeklyCapHours: null }, 'nothing saved');
    await page.screenshot({ path: artifact('toolkit-settings-errors.png'), fullPage: true });
    // 0.1 h = 360 s a day; 1 h a week.
    await page.fill('#daily-cap', '0.1');
    await page.fill('#weekly-cap', '1');
    await page.click('#save-pay');
    await page.waitForSelector('#pay-notice');
    assert.equal(await page.inputValue('#currency'), 'EUR', 'the saved code, normalised by the server');
    assert.equal(await page.locator('.field-error').count(), 0);
    me = (await gql('{me{hourlyRate currency dailyCapHours weeklyCapHours}}', {}, token)).me;
    assert.deepEqual(me, { hourlyRate: 18.5, currency: 'EUR', dailyCapHours: 0.1, weeklyCapHours: 1 });

    // A past day: three finished questions with targets 100 + 100 + 130 = 330 s credited
    // (91 % of the daily cap) and active 80 + 160 + 110: banked 20 − 60 + 20 = −20 s.
    const day = new Date(Date.now() - 2 * 86_400_000).toISOString().slice(0, 10);
    const at = (s) => new Date(Date.parse(`${day}T10:00:00Z`) + s * 1000).toISOString();
    const ev = (type, s, extra = {}) => ({ type, occurredAt: at(s), clientEventId: `fig-${type}-${s}-${Math.random()}`, ...extra });
    const results = (await gql('mutation($i:[EventInput!]!){recordEvents(inputs:$i){duplicate error{code}}}', {
      i: [ev('NEXT', 0, { taskId: 't1', targetSeconds: 100, taskType: 'Rating A' }), ev('NEXT', 80, { taskId: 't2', targetSeconds: 100, taskType: 'Rating A' }),
        ev('NEXT', 240, { taskId: 't3', targetSeconds: 130, taskType: 'Side by side' }), ev('EXIT', 350)],
    }, token)).recordEvents;
    assert.deepEqual(results.map((r) => r.error), [null, null, null, null]);
    const api = (await gql(`query($d:Date!){day(date:$d){${FIGURES}} week(start:$d){start end ${FIGURES} questionCount activeSeconds days{date ${FIGURES}}}}`, { d: day }, token));
    assert.equal(Math.round(api.day.bankedSeconds), -20, JSON.stringify(api.day));
    assert.equal(api.day.creditedSeconds, 330);

    await page.goto(`${server.url}/day/${day}`);
    await page.waitForSelector('#day-figures');
    assert.equal(await text('#day-banked .value'), delta(api.day.bankedSeconds));
    assert.equal(await text('#day-banked .value'), '\u22120:20');
    assert.match(await page.locator('#day-banked .banked').getAttribute('class'), /behind/);
    assert.equal(await text('#day-credited .value'), hours(api.day.creditedSeconds));
    assert.equal(await text('#day-credited .detail'), duration(api.day.creditedSeconds));
    assert.equal(await text('#day-earnings .value'), money(api.day.earnings));
    assert.equal(await text('#day-earnings .value'), '1.70 EUR');
    assert.match(await text('#day-cap'), /91% of the daily cap · nearly there, 0:30 left/);
    assert.match(await page.locator('#day-cap .cap').getAttribute('class'), /near/);
    assert.equal(Math.round(api.day.remainingSeconds), 30);
    assert.match(await text('#week-cap'), /9% of the weekly cap/);
    await page.screenshot({ path: artifact('toolkit-today-1280.png'), fullPage: true });
    await phone('today');

    await page.goto(`${server.url}/history/week/${day}`);
    await page.waitForSelector('#week-days');
    await page.waitForSelector('#type-stats');
    assert.equal(await text('#w-banked .value'), delta(api.week.bankedSeconds));
    assert.equal(await text('#w-credited .value'), hours(api.week.creditedSeconds));
    assert.equal(await text('#w-earnings .value'), money(api.week.earnings));
    const row = page.locator('#week-days tbody tr', { has: page.locator(`a[href="/day/${day}"]`) });
    const cells = (await row.locator('td').allInnerTexts()).map((s) => s.trim());
    const apiDay = api.week.days.find((d) => d.date === day);
    assert.deepEqual(cells, ['3', duration(350), duration(apiDay.creditedSeconds), delta(apiDay.bankedSeconds), money(apiDay.earnings), '91% near']);
    const total = (await page.locator('#week-days tfoot td').allInnerTexts()).map((s) => s.trim());
    assert.deepEqual(total.slice(0, 5), [String(api.week.questionCount), duration(api.week.activeSeconds), duration(api.week.creditedSeconds),
      delta(api.week.bankedSeconds), money(api.week.earnings)]);
    // By task type, against typeStats for the week shown.
    const types = (await gql('query($f:Date!,$t:Date!){typeStats(from:$f,to:$t){taskType count activeSeconds targetSeconds averageSeconds bankedSeconds pace{label score emoji}}}',
      { f: api.week.start, t: api.week.end }, token)).typeStats;
    assert.equal(types.length, 2);
    const shown = await page.locator('#type-stats tbody tr').evaluateAll((rows) => rows.map((r) => [...r.children].map((c) => c.textContent.trim())));
    assert.deepEqual(shown, types.map((t) => [t.taskType ?? '(no type)', String(t.count), duration(t.activeSeconds), duration(t.targetSeconds),
      duration(t.averageSeconds), delta(t.bankedSeconds), `${t.pace.emoji} ${t.pace.label} · ${t.pace.score}/100`]));
    await page.screenshot({ path: artifact('toolkit-history-1280.png'), fullPage: true });
    await phone('history');

    // A preset: the preview shows what it would set, nothing changes until "Apply".
    const presets = (await gql('{presets{name weekStartsOn timezone payBasis dailyCapHours weeklyCapHours}}', {}, token)).presets;
    const raterhub = presets.find((p) => p.name === 'raterhub');
    await page.goto(`${server.url}/settings`);
    await page.waitForSelector('#preset-raterhub .preview-preset');
    await page.click('#preset-raterhub .preview-preset');
    await page.waitForSelector('#preset-preview');
    const preview = await page.locator('#preset-preview tbody tr').evaluateAll((rows) => rows.map((r) => [...r.children].map((c) => c.textContent.trim())));
    const after = Object.fromEntries(preview.map(([what, , to]) => [what, to.replace(' (unchanged)', '')]));
    assert.equal(after['Timezone'], raterhub.timezone);
    assert.equal(after['Week starts on'].toUpperCase(), raterhub.weekStartsOn);
    assert.equal(after['Daily cap'], `${raterhub.dailyCapHours} h`);
    assert.equal(after['Weekly cap'], `${raterhub.weeklyCapHours} h`);
    assert.deepEqual(preview.find(([what]) => what === 'Daily cap').slice(1), ['0.1 h', `${raterhub.dailyCapHours} h`]);
    me = (await gql('{me{timezone dailyCapHours}}', {}, token)).me;
    assert.deepEqual(me, { timezone: 'UTC', dailyCapHours: 0.1 }, 'a preview changes nothing');
    await page.screenshot({ path: artifact('toolkit-settings-1280.png'), fullPage: true });
    await phone('settings');
    await page.click('#preset-raterhub .apply-preset');
    await page.waitForFunction(() => /Applied/.test(document.querySelector('#pay-notice')?.textContent ?? ''));
    me = (await gql('{me{timezone weekStartsOn payBasis dailyCapHours weeklyCapHours hourlyRate currency}}', {}, token)).me;
    assert.deepEqual(me, { timezone: raterhub.timezone, weekStartsOn: raterhub.weekStartsOn, payBasis: raterhub.payBasis,
      dailyCapHours: raterhub.dailyCapHours, weeklyCapHours: raterhub.weeklyCapHours, hourlyRate: 18.5, currency: 'EUR' });
    assert.equal(await page.inputValue('#daily-cap'), String(raterhub.dailyCapHours), 'the form shows the applied values');
    assert.equal(await text('#tz-selected'), raterhub.timezone, 'the preferences follow the preset');
    // Clearing the rate sends null: earnings disappear.
    await page.fill('#hourly-rate', '');
    await page.click('#save-pay');
    await page.waitForFunction(() => document.querySelector('#pay-notice')?.textContent === 'Saved.');
    assert.equal((await gql('{me{hourlyRate}}', {}, token)).me.hourlyRate, null);
  } finally {
    await ctx.close();
  }
});
