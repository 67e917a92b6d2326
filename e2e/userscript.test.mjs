// Browser end-to-end tests of the userscript overlay: headless Debian Chromium (playwright-core),
// a fake RaterHub task page served by request routing, the script injected with GM_* shims
// (lib/gm-harness.mjs), and the real server binary on a fresh SQLite database.
//
//   cd e2e && node --test --test-concurrency=1 userscript.test.mjs
//
// Screenshots go to e2e/artifacts/userscript-*.png.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { resolve, dirname } from 'node:path';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { TestServer } from './lib/server.mjs';
import { launchBrowser, artifact } from './lib/browser.mjs';
import { installUserscript } from './lib/gm-harness.mjs';
import { routeRaterHub, taskUrl, RATERHUB } from './fixtures/raterhub.mjs';

const SRC_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'userscript', 'src');
const PASSWORD = 'correct horse battery staple';

let server;
let servedScript; // the userscript as the server serves it
let userCounter = 0;

before(async () => {
  server = new TestServer();
  await server.start();
  const res = await fetch(`${server.url}/userscript/raterhub-tracker.user.js`);
  assert.equal(res.status, 200, 'the server serves the userscript');
  servedScript = await res.text();
});

after(async () => {
  if (server) await server.stop();
});

// --- helpers ---------------------------------------------------------------------------------

async function gql(query, variables, token) {
  const r = await server.gql(query, variables, token);
  if (r.errors) throw new Error(`GraphQL: ${JSON.stringify(r.errors)}`);
  return r.data;
}

/** A fresh user: { email, jwt } (the JWT from register is the dashboard's kind of token). */
async function newUser(prefix = 'rater') {
  userCounter += 1;
  const email = `${prefix}${userCounter}-${Date.now()}@example.com`;
  const { token } = await server.register(email, PASSWORD);
  return { email, jwt: token };
}

async function deviceToken(email, deviceName = 'e2e seeded device') {
  const d = await gql('mutation($e:String!,$p:String!,$d:String){login(email:$e,password:$p,deviceName:$d){token}}', { e: email, p: PASSWORD, d: deviceName });
  return d.login.token;
}

const QUESTION = 'index startedAt endedAt rawSeconds activeSeconds pausedSeconds targetSeconds taskId';
async function serverState(token) {
  return gql(`{
    activeSession { id questionCount isPaused current { index startedAt pausedSeconds isPaused targetSeconds taskId } questions { ${QUESTION} } }
    sessions(limit: 5) { id isActive questionCount questions { ${QUESTION} } }
  }`, {}, token);
}

/**
 * Opens a browser with the fake RaterHub and the userscript. `signedIn` seeds a device token
 * (the sign-in flow itself is tested once, through the form). Returns helpers.
 */
async function openTracker({ user, signedIn = true, settings, aet, viewport, beforeScript, api } = {}) {
  const ctx = await launchBrowser(viewport ? { viewport } : {});
  const served = await routeRaterHub(ctx, { aet });
  if (beforeScript) await ctx.addInitScript(beforeScript);
  const store = {};
  if (signedIn) store['rht.auth'] = { server: server.url, email: user.email, deviceName: 'e2e', token: await deviceToken(user.email) };
  if (settings) store['rht.settings'] = settings;
  const h = await installUserscript(ctx, { source: servedScript, origin: server.url, store, api });
  const errors = [];
  const watch = (page) => {
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  };
  ctx.on('page', watch);
  const page = await ctx.newPage();
  return { ctx, page, h, served, errors, token: signedIn ? store['rht.auth'].token : null };
}

const sel = (name) => `#rht-overlay [data-rht="${name}"]`;
const text = (page, name) => page.locator(sel(name)).textContent();

async function waitText(page, name, pred, timeout = 20_000) {
  const test = typeof pred === 'string' ? (t) => t === pred : pred instanceof RegExp ? (t) => pred.test(t) : pred;
  const start = Date.now();
  let last;
  for (;;) {
    last = await page.locator(sel(name)).textContent().catch(() => null);
    if (last != null && test(last)) return last;
    if (Date.now() - start > timeout) throw new Error(`[data-rht=${name}] never matched ${pred}; last: ${JSON.stringify(last)}`);
    await page.waitForTimeout(50);
  }
}

async function waitFor(fn, what, timeout = 20_000) {
  const start = Date.now();
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() - start > timeout) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Waits until the overlay's once-a-second loop (tab heartbeat, auto NEXT, queue check) has run
 * `n` more times in some tab: the observable proof that a check had its chance to act.
 */
async function ticks(h, n) {
  const beats = () => Object.entries(h.store).filter(([k]) => k.startsWith('rht.tab.')).map(([, v]) => v.seen).sort().join();
  for (let i = 0; i < n; i++) {
    const seen = beats();
    await waitFor(() => beats() !== seen, 'the overlay\'s next one-second tick');
  }
}

const recordedInputs = (h) => h.requests.filter((r) => r.body.includes('recordEvents')).flatMap((r) => JSON.parse(r.body).variables.inputs);

async function gotoTask(page, taskId) {
  await page.goto(taskUrl(taskId));
  await page.locator(sel('status')).waitFor();
}

async function connected(page) {
  await waitText(page, 'status', 'Connected');
}

const shot = (page, name) => page.screenshot({ path: artifact(`userscript-${name}.png`) });

/** Everything the script sent to the server, for the "nothing from the page leaks" checks. */
function assertNoPageContentSent(h) {
  for (const r of h.requests) {
    assert.ok(r.url.startsWith(`${server.url}/graphql`), `only the tracker's /graphql is called (${r.url})`);
    assert.ok(!/confidential|raterhub\.com|Rate the result|Notes/i.test(r.body), `no page content or URL in ${r.body}`);
  }
}

// --- tests -----------------------------------------------------------------------------------

test('the server serves the script with its own URL in the header', () => {
  const served = servedScript;
  const header = served.slice(0, served.indexOf('// ==/UserScript=='));
  assert.match(header, /^\/\/ @connect\s+127\.0\.0\.1$/m);
  assert.ok(header.includes(`// @downloadURL  ${server.url}/userscript/raterhub-tracker.user.js`), header);
  assert.ok(header.includes(`// @updateURL    ${server.url}/userscript/raterhub-tracker.user.js`), header);
  assert.ok(!served.includes('__RHT_'), 'no placeholder left');
  assert.ok(served.startsWith('// ==UserScript==\n'), 'the metadata block first');
  assert.ok(served.includes(`const DEFAULT_SERVER_URL = '${server.url}';`));
  // One self-contained file: every module of userscript/src, no module syntax left.
  for (const f of readdirSync(SRC_DIR).filter((x) => x.endsWith('.mjs'))) assert.ok(served.includes(`// ---- ${f} ----`), f);
  assert.ok(!/^(import|export) /m.test(served), 'no import/export left');
});

test('on the tracker\'s own Overlay page the script only announces itself, for the dashboard\'s "is it running?" check', async () => {
  const user = await newUser();
  const { ctx, page, h } = await openTracker({ user });
  try {
    await page.goto(`${server.url}/overlay`);
    const version = await waitFor(() => page.evaluate(() => document.documentElement.dataset.rhtUserscript), 'the running-script marker');
    assert.match(version, /^\d+\.\d+\.\d+$/);
    assert.ok(servedScript.includes(`// @version      ${version}\n`), 'the marker carries the installed version');
    assert.equal(await page.evaluate(() => document.documentElement.dataset.rhtUserscriptApi), 'GM_*');
    assert.equal(await page.locator('#rht-overlay').count(), 0, 'no overlay box on the tracker itself');
    assert.equal(h.requests.length, 0, 'nothing sent from the tracker page');
  } finally {
    await ctx.close();
  }
});

test('sign-in through the overlay stores only a device token, never the password', async () => {
  const user = await newUser();
  const { ctx, page, h, errors } = await openTracker({ user, signedIn: false });
  try {
    await gotoTask(page, 'task-001');
    await waitText(page, 'status', /^Signed out/);
    assert.equal(await page.locator(sel('server')).inputValue(), server.url, 'the served script defaults to its server');
    await shot(page, '01-signed-out');
    await page.fill(sel('email'), user.email);
    await page.fill(sel('password'), 'wrong password!!');
    await page.click(sel('signin-btn'));
    await waitText(page, 'signin-error', 'Wrong email or password');
    await page.fill(sel('password'), PASSWORD);
    await page.fill(sel('device'), 'Chromium e2e');
    await page.click(sel('signin-btn'));
    await connected(page);
    assert.equal(await page.locator(sel('password')).inputValue(), '', 'the form forgets the password');
    assert.ok(await page.locator(sel('signin')).isHidden());
    const auth = h.store['rht.auth'];
    assert.match(auth.token, /^rht_/);
    assert.deepEqual(Object.keys(auth).sort(), ['deviceName', 'email', 'server', 'token']);
    assert.ok(!JSON.stringify(h.store).includes(PASSWORD), 'no password in GM storage');
    const { deviceTokens } = await gql('{ deviceTokens { id name } }', {}, user.jwt);
    assert.ok(deviceTokens.some((d) => d.name === 'Chromium e2e'), JSON.stringify(deviceTokens));
    await shot(page, '02-signed-in');
    assertNoPageContentSent(h);
    assert.deepEqual(errors, []);
  } finally {
    await ctx.close();
  }
});

test('buttons and hotkeys drive the server; hotkeys are ignored while typing', async () => {
  const user = await newUser();
  const { ctx, page, h, token, errors } = await openTracker({ user, settings: { detectTask: true }, aet: { 'task-001': '3 - 4 minutes' } });
  try {
    await gotoTask(page, 'task-001');
    await connected(page);
    await page.keyboard.press('Control+q');
    await waitText(page, 'task', 'Task #1');
    await connected(page);
    let s = await serverState(token);
    assert.equal(s.activeSession.current.index, 1);
    assert.equal(s.activeSession.current.targetSeconds, 240, 'the AET upper bound');
    assert.equal(s.activeSession.current.taskId, 'task-001');
    assert.match(await text(page, 'countdown'), /^0[34]:\d\d$/);

    // Typing in the page's textarea or the task frame's contenteditable never fires a hotkey.
    await page.click('#comment');
    await page.keyboard.press('Control+q');
    await page.keyboard.type('hello');
    const frame = page.frameLocator('iframe.ewok-task-frame');
    await frame.locator('#notes').click();
    await page.keyboard.press('Control+q');
    await page.keyboard.press('Control+Shift+X');

    // A hotkey pressed while the task frame has focus is relayed to the overlay. Keys are
    // handled in order, so once this NEXT is on the server, any hotkey typed above would be too.
    await frame.locator('#frame-focus').focus();
    await page.keyboard.press('Control+q');
    await waitText(page, 'task', 'Task #2');
    await connected(page);
    s = await serverState(token);
    assert.equal(s.activeSession.current.index, 2, 'no NEXT or EXIT came from the typing');
    assert.deepEqual(recordedInputs(h).map((i) => i.type), ['NEXT', 'NEXT']);

    await page.locator('body').click({ position: { x: 5, y: 5 } });
    await page.keyboard.press('Control+Shift+P');
    await waitText(page, 'btn-pause', 'RESUME');
    assert.ok(await page.locator(sel('paused')).isVisible());
    await connected(page);
    s = await serverState(token);
    assert.equal(s.activeSession.current.isPaused, true);
    await shot(page, '03-paused');
    const frozen = await text(page, 'elapsed');
    await ticks(h, 2); // more than a second, with renders every 250 ms
    assert.equal(await text(page, 'elapsed'), frozen, 'the timer stands still while paused');

    await page.click(sel('btn-pause'));
    await waitText(page, 'btn-pause', 'PAUSE');
    await connected(page);
    assert.equal((await serverState(token)).activeSession.current.isPaused, false);

    await page.keyboard.press('Control+Shift+Z'); // UNDO the second NEXT
    await waitText(page, 'task', 'Task #1');
    await connected(page);
    s = await serverState(token);
    assert.equal(s.activeSession.current.index, 1);
    assert.equal(s.activeSession.questionCount, 0);
    assert.ok(s.activeSession.current.pausedSeconds >= 1, 'the pause survives the UNDO as paused time');

    await page.click(sel('btn-next'));
    await waitText(page, 'task', 'Task #2');
    await page.keyboard.press('Control+Shift+X');
    await waitText(page, 'task', 'No session');
    await connected(page);
    s = await serverState(token);
    assert.equal(s.activeSession, null);
    assert.equal(s.sessions[0].isActive, false);
    assert.deepEqual(s.sessions[0].questions.map((q) => [q.index, q.taskId, q.targetSeconds]), [[1, 'task-001', 240], [2, 'task-001', 240]]);
    await waitText(page, 'today', /· 2 q$/);
    await shot(page, '04-session-ended');

    // An EXIT by mistake: UNDO reopens the session with its last question running.
    await page.keyboard.press('Control+Shift+Z');
    await waitText(page, 'task', 'Task #2');
    await connected(page);
    s = await serverState(token);
    assert.equal(s.activeSession.current.index, 2);
    assert.equal(s.activeSession.questionCount, 1);
    assertNoPageContentSent(h);
    assert.deepEqual(errors, []);
  } finally {
    await ctx.close();
  }
});

test('an event the server rejects is shown clearly and dropped from the queue', async () => {
  const user = await newUser();
  const { ctx, page, h, token } = await openTracker({ user });
  try {
    await gotoTask(page, 'task-001');
    await connected(page);
    await page.click(sel('btn-pause'));
    await waitText(page, 'notice', /^PAUSE rejected: no active session/);
    // Dropped from the queue, it has nothing left to be retried from; the NEXT after it
    // goes out on its own.
    await waitFor(() => h.queued().length === 0, 'queue drained');
    await page.click(sel('btn-next'));
    await waitText(page, 'task', 'Task #1');
    await connected(page);
    assert.deepEqual(recordedInputs(h).map((i) => i.type), ['PAUSE', 'NEXT'], 'the PAUSE was sent once');
    assert.equal((await serverState(token)).activeSession.current.index, 1);
    await shot(page, '05-rejected');
  } finally {
    await ctx.close();
  }
});

test('server down: three NEXTs are queued across a reload and arrive exactly once with their original times', async () => {
  const user = await newUser();
  const { ctx, page, h, token } = await openTracker({ user });
  try {
    await gotoTask(page, 'task-001');
    await connected(page);
    await page.click(sel('btn-next'));
    await waitText(page, 'task', 'Task #1');
    await connected(page);

    await server.stop();
    const presses = [];
    await page.click(sel('btn-next'));
    await waitText(page, 'task', 'Task #2');
    await page.keyboard.press('Control+q');
    await waitText(page, 'task', 'Task #3');
    await waitText(page, 'status', /^Offline — 2 events queued/);
    await page.reload(); // the queue lives in GM storage, not in the page
    await page.locator(sel('status')).waitFor();
    await waitText(page, 'task', 'Task #3');
    await page.click(sel('btn-next'));
    await waitText(page, 'task', 'Task #4');
    await waitText(page, 'status', /^Offline — 3 events queued/);
    for (const ev of h.queued()) presses.push(ev.at + (ev.off || 0));
    assert.equal(presses.length, 3);
    await shot(page, '06-offline-queued');

    // Two failed retries after the last press: the replay comes well after the presses.
    const failedSends = () => h.requests.filter((r) => r.body.includes('recordEvents') && r.status === 'network-error').length;
    const failedBefore = failedSends();
    await waitFor(() => failedSends() >= failedBefore + 2, 'two more failed retries', 60_000);
    const sentBefore = h.requests.length;
    await server.start();
    await waitFor(() => h.queued().length === 0, 'the queue to drain after the restart', 60_000);
    const replay = h.requests.slice(sentBefore).find((r) => r.body.includes('recordEvents') && r.status === 200);
    await connected(page);
    const s = await serverState(token);
    const qs = s.activeSession.questions;
    assert.equal(s.activeSession.questionCount, 3, 'exactly three questions');
    assert.deepEqual(qs.map((q) => q.index), [1, 2, 3]);
    assert.equal(s.activeSession.current.index, 4);
    const ended = qs.map((q) => Date.parse(q.endedAt));
    ended.forEach((t, i) => {
      assert.ok(Math.abs(t - presses[i]) < 1000, `question ${i + 1} ended at its press (${new Date(t).toISOString()} vs ${new Date(presses[i]).toISOString()})`);
      assert.ok(t < replay.at - 1000, 'not at replay time');
    });
    assert.equal(await text(page, 'task'), 'Task #4');
    await shot(page, '07-back-online');
  } finally {
    await ctx.close();
    if (!server.proc) await server.start();
  }
});

test('a lost response is retried with the same id and never counted twice', async () => {
  const user = await newUser();
  const { ctx, page, h, token } = await openTracker({ user });
  try {
    let dropped = 0;
    h.setNetwork((req) => (req.body.includes('recordEvents') && dropped++ === 0 ? 'drop-response' : undefined));
    await gotoTask(page, 'task-001');
    await connected(page);
    await page.click(sel('btn-next'));
    await waitFor(() => h.queued().length === 0, 'the retry to succeed', 15_000);
    const sends = h.requests.filter((r) => r.body.includes('recordEvents'));
    assert.equal(sends.length, 2);
    const ids = sends.map((r) => JSON.parse(r.body).variables.inputs[0].clientEventId);
    assert.equal(ids[0], ids[1]);
    assert.match(sends[1].response, /"duplicate":true/);
    const s = await serverState(token);
    assert.equal(s.activeSession.current.index, 1);
    assert.equal(s.sessions.length, 1);
  } finally {
    await ctx.close();
  }
});

test('a tab closed before the server answers never holds the queue; the next tab shows the server state', async () => {
  const user = await newUser();
  const { ctx, page, h, token } = await openTracker({ user });
  try {
    let letGo;
    const answer = new Promise((r) => { letGo = r; });
    h.setNetwork((req) => (req.body.includes('recordEvents') ? { holdAnswer: answer } : undefined));
    await gotoTask(page, 'task-001');
    await connected(page);
    await page.click(sel('btn-next'));
    // The server applied the NEXT; its answer is held, so the tab still has it queued and sending.
    const first = await waitFor(() => h.requests.find((r) => r.body.includes('recordEvents') && r.status === 200), 'the NEXT to reach the server');
    const lease = h.store['rht.lock'];
    assert.ok(lease, 'the sending tab holds the lease');
    assert.ok(lease.until - lease.at <= 3000, `a short lease (${JSON.stringify(lease)})`);
    await page.close({ runBeforeUnload: true }); // closed before the answer: pagehide runs
    letGo();
    assert.equal(h.queued().length, 1, 'the closed tab never saw the answer: the NEXT is still queued');
    assert.equal((await serverState(token)).activeSession.current.index, 1);
    await waitFor(() => !h.store['rht.lock'] || h.store['rht.lock'].until <= Date.now(), 'the closed tab\'s lease to end');

    const opened = Date.now();
    // Every task label the new tab ever shows, recorded in the page as it changes.
    await ctx.addInitScript(() => {
      window.__taskLabels = [];
      const watch = () => {
        const el = document.querySelector('#rht-overlay')?.shadowRoot?.querySelector('[data-rht="task"]');
        if (!el) return false;
        const note = () => window.__taskLabels.push(el.textContent);
        note();
        new MutationObserver(note).observe(el, { childList: true, characterData: true, subtree: true });
        return true;
      };
      const wait = new MutationObserver(() => { if (watch()) wait.disconnect(); });
      wait.observe(document, { childList: true, subtree: true });
    });
    const page2 = await ctx.newPage();
    h.setNetwork(null);
    await gotoTask(page2, 'task-002');
    await waitFor(() => h.queued().length === 0, 'the new tab to send the queued NEXT');
    const sentAfter = Date.now() - opened;
    await waitText(page2, 'task', 'Task #1');
    await connected(page2);
    const labels = await page2.evaluate(() => window.__taskLabels);
    assert.ok(labels.length > 0);
    assert.ok(!labels.includes('Task #2'), `the new tab never showed the NEXT twice (${labels})`);
    const resend = h.requests.filter((r) => r.body.includes('recordEvents')).at(-1);
    assert.notEqual(resend, first);
    assert.equal(JSON.parse(resend.body).variables.inputs[0].clientEventId, JSON.parse(first.body).variables.inputs[0].clientEventId);
    assert.match(resend.response, /"duplicate":true/, 'the resend is recognised, not counted again');
    const s = await serverState(token);
    assert.equal(s.activeSession.current.index, 1);
    assert.equal(s.activeSession.questionCount, 0);
    assert.equal(s.sessions.length, 1);
    console.log(`# closed-tab case: the new tab sent the queued NEXT ${sentAfter} ms after it opened`);
    await shot(page2, '17-after-closed-tab');
  } finally {
    await ctx.close();
  }
});

test('a manager that grants only the GM.* API (promises, no value listeners) works too', async () => {
  const user = await newUser();
  const { ctx, page, h, token, errors } = await openTracker({ user, api: 'gm4' });
  try {
    await gotoTask(page, 'task-001');
    await connected(page);
    await page.click(sel('btn-next'));
    await waitText(page, 'task', 'Task #1');
    await connected(page);
    assert.equal((await serverState(token)).activeSession.current.index, 1);
    assert.equal(h.queued().length, 0);
    // A second tab learns of a press in the first by reading the storage again.
    const page2 = await ctx.newPage();
    await gotoTask(page2, 'task-002');
    await waitText(page2, 'task', 'Task #1');
    await page2.click(sel('btn-next'));
    await waitText(page, 'task', 'Task #2');
    assert.deepEqual(errors, []);
  } finally {
    await ctx.close();
  }
});

test('after a reload the overlay restores the running timer from the server', async () => {
  const user = await newUser();
  const { ctx, page, h } = await openTracker({ user });
  try {
    await gotoTask(page, 'task-001');
    await connected(page);
    await page.click(sel('btn-next'));
    await page.click(sel('btn-next'));
    await waitText(page, 'task', 'Task #2');
    await connected(page);
    await waitText(page, 'elapsed', /^active 00:0[2-9]/);
    // Forget the local snapshot too: the timer must come from activeSession.current.
    await page.evaluate(() => window.__gm_del('rht.base'));
    delete h.store['rht.base'];
    await page.reload();
    await waitText(page, 'task', 'Task #2');
    const elapsed = await waitText(page, 'elapsed', /^active 00:0[2-9]/);
    assert.match(elapsed, /target 05:30$/);
  } finally {
    await ctx.close();
  }
});

test('two RaterHub task tabs share one timer and both warn', async () => {
  const user = await newUser();
  const { ctx, page, token } = await openTracker({ user });
  try {
    await gotoTask(page, 'task-001');
    await connected(page);
    await page.click(sel('btn-next'));
    await waitText(page, 'task', 'Task #1');
    const page2 = await ctx.newPage();
    await gotoTask(page2, 'task-002');
    await waitText(page2, 'task', 'Task #1');
    await waitText(page, 'tabs-warning', '2 RaterHub task tabs are open — they share one timer');
    await waitText(page2, 'tabs-warning', '2 RaterHub task tabs are open — they share one timer');
    await page2.bringToFront();
    await page2.keyboard.press('Control+q');
    await waitText(page2, 'task', 'Task #2');
    await waitText(page, 'task', 'Task #2');
    await connected(page2);
    const s = await serverState(token);
    assert.equal(s.sessions.length, 1, 'one session');
    assert.equal(s.activeSession.current.index, 2);
    await shot(page2, '08-two-tabs');
    await page2.close({ runBeforeUnload: true }); // a real tab close: pagehide runs
    await waitFor(() => page.locator(sel('tabs-warning')).isHidden(), 'the warning to go', 15_000);
  } finally {
    await ctx.close();
  }
});

test('a revoked device token sends the overlay back to sign-in; queued presses survive it', async () => {
  const user = await newUser();
  const { ctx, page, h } = await openTracker({ user });
  try {
    await gotoTask(page, 'task-001');
    await connected(page);
    const { deviceTokens } = await gql('{ deviceTokens { id name } }', {}, user.jwt);
    for (const d of deviceTokens) await gql('mutation($id:ID!){revokeDeviceToken(id:$id)}', { id: d.id }, user.jwt);
    await page.click(sel('btn-next'));
    await waitText(page, 'status', 'Signed out — 1 event queued; sign in to send');
    assert.ok(await page.locator(sel('signin')).isVisible());
    assert.equal(h.store['rht.auth'].token, null);
    assert.equal(await page.locator(sel('email')).inputValue(), user.email);
    await waitText(page, 'task', 'Task #1');
    await shot(page, '09-revoked');
    await page.fill(sel('password'), PASSWORD);
    await page.click(sel('signin-btn'));
    await connected(page);
    await waitFor(() => h.queued().length === 0, 'queued NEXT sent after sign-in');
    const s = await serverState(h.store['rht.auth'].token);
    assert.equal(s.activeSession.current.index, 1);
  } finally {
    await ctx.close();
  }
});

test('times are corrected for a browser clock that is 7 minutes fast', async () => {
  const user = await newUser();
  const SKEW = 7 * 60_000;
  const { ctx, page, token } = await openTracker({
    user,
    beforeScript: `{ const real = Date.now.bind(Date); Date.now = () => real() + ${SKEW}; }`,
  });
  try {
    await gotoTask(page, 'task-001');
    await connected(page);
    const before = Date.now();
    await page.click(sel('btn-next'));
    await waitText(page, 'task', 'Task #1');
    await connected(page);
    const s = await serverState(token);
    assert.ok(s.activeSession, 'not rejected as "in the future"');
    const started = Date.parse(s.activeSession.current.startedAt);
    assert.ok(Math.abs(started - before) < 3000, `started ${new Date(started).toISOString()} ≈ ${new Date(before).toISOString()}`);
    assert.match(await text(page, 'elapsed'), /^active 00:0\d/, 'the timer is not 7 minutes off either');
  } finally {
    await ctx.close();
  }
});

test('auto mode sends NEXT when a new task id appears, never twice for one task', async () => {
  const user = await newUser();
  const { ctx, page, h, token } = await openTracker({ user, aet: { 'task-A': '90 seconds', 'task-B': '1 - 2 minutes' } });
  try {
    await page.goto(`${RATERHUB}/evaluation/rater`);
    await connected(page);
    await page.click(sel('gear'));
    assert.equal(await page.locator(sel('detect')).isChecked(), false, 'detection is off by default');
    assert.equal(await page.locator(sel('auto')).isChecked(), false);
    await page.check(sel('auto'));
    assert.equal(await page.locator(sel('detect')).isChecked(), true, 'auto implies detection');
    await shot(page, '10-settings');
    await page.click(sel('save-settings'));
    assert.deepEqual({ ...h.store['rht.settings'], hotkeys: undefined }, {
      hotkeys: undefined, alertSound: false, alertFlash: false, alertSeconds: 30, detectTask: true, autoNext: true,
      awayPromptMinutes: 5, showEarnings: false, taskTypeSelector: '',
    });
    await ticks(h, 2); // the auto check runs on every tick
    assert.equal(h.queued().length, 0, 'no task on the home page, no NEXT');
    assert.equal(recordedInputs(h).length, 0);

    await gotoTask(page, 'task-A');
    await waitText(page, 'task', 'Task #1');
    await connected(page);
    await page.reload();
    await page.locator(sel('status')).waitFor();
    await ticks(h, 2);
    await gotoTask(page, 'task-A');
    await ticks(h, 2);
    assert.equal(await text(page, 'task'), 'Task #1', 'a reload of the same task sends nothing');
    assert.equal(h.queued().length + recordedInputs(h).length, 1, 'one NEXT in all');

    await gotoTask(page, 'task-B');
    await waitText(page, 'task', 'Task #2');
    await connected(page);
    await shot(page, '11-auto');
    const s = await serverState(token);
    assert.deepEqual(s.activeSession.questions.map((q) => [q.taskId, q.targetSeconds]), [['task-A', 90]]);
    assert.equal(s.activeSession.current.taskId, 'task-B');
    assert.equal(s.activeSession.current.targetSeconds, 120);
    const nexts = h.requests.filter((r) => r.body.includes('recordEvents')).flatMap((r) => JSON.parse(r.body).variables.inputs);
    assert.equal(nexts.length, 2);
    for (const i of nexts) assert.deepEqual(Object.keys(i).sort(), ['clientEventId', 'occurredAt', 'targetSeconds', 'taskId', 'type']);
    assertNoPageContentSent(h);
  } finally {
    await ctx.close();
  }
});

test('hotkeys can be reassigned in the settings', async () => {
  const user = await newUser();
  const { ctx, page, h } = await openTracker({ user });
  try {
    await gotoTask(page, 'task-001');
    await connected(page);
    await page.click(sel('gear'));
    await page.click(sel('hk-next'));
    await page.keyboard.press('Alt+n');
    assert.equal(await page.locator(sel('hk-next')).inputValue(), 'Alt+N');
    await page.click(sel('save-settings'));
    assert.equal(h.store['rht.settings'].hotkeys.next, 'Alt+N');
    await page.locator('body').click({ position: { x: 5, y: 5 } });
    await page.keyboard.press('Control+q');
    await page.keyboard.press('Alt+n');
    await waitText(page, 'task', 'Task #1');
    await connected(page);
    assert.deepEqual(recordedInputs(h).map((i) => i.type), ['NEXT'], 'the old key is free again: one NEXT only');
    assert.match(await page.locator(sel('btn-next')).getAttribute('title'), /Alt\+N/);
  } finally {
    await ctx.close();
  }
});

test('countdown turns amber near the target and red with a minus sign over it; sound and flash alerts', async () => {
  const user = await newUser();
  const { ctx, page } = await openTracker({
    user,
    settings: { detectTask: true, alertFlash: true, alertSound: true, alertSeconds: 3 },
    aet: { 'task-fast': '6 seconds' },
    // Count the beeps: headless Chromium has no speakers.
    beforeScript: `{ window.__beeps = 0; const o = AudioContext.prototype.createOscillator;
      AudioContext.prototype.createOscillator = function () { window.__beeps++; return o.call(this); }; }`,
  });
  try {
    await gotoTask(page, 'task-fast');
    await connected(page);
    await page.click(sel('btn-next'));
    await waitText(page, 'elapsed', /target 00:06$/);
    await waitFor(async () => /\bwarn\b/.test(await page.locator(sel('countdown')).getAttribute('class')), 'amber');
    await waitFor(async () => /\bflash\b/.test(await page.evaluate(() => document.querySelector('#rht-overlay').shadowRoot.querySelector('.rht').className)), 'the flash alert');
    await shot(page, '12-near-target');
    assert.equal(await page.evaluate(() => window.__beeps), 2, 'one two-tone beep');
    await waitText(page, 'countdown', /^\u221200:\d\d$/);
    assert.match(await page.locator(sel('countdown')).getAttribute('class'), /\bover\b/);
    const color = await page.locator(sel('countdown')).evaluate((el) => getComputedStyle(el).color);
    assert.equal(color, 'rgb(220, 38, 38)');
    await shot(page, '13-overtime');
  } finally {
    await ctx.close();
  }
});

function overlaps(a, b) {
  return a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
}

/** The box, when it is inside the viewport and covers neither Submit nor Release; else null. */
async function clearOfButtons(page, viewport) {
  const box = await page.locator('#rht-overlay .rht').boundingBox();
  for (const id of ['#ewok-buds-validation-submit', '#release']) {
    if (overlaps(box, await page.locator(id).boundingBox())) return null;
  }
  const inside = box.x >= 0 && box.y >= 0 && box.x + box.width <= viewport.width && box.y + box.height <= viewport.height;
  return inside ? box : null;
}

test('the overlay never covers the submit buttons, even with ⚙ open at 1024x600; drag and collapse are kept', async () => {
  const user = await newUser('a-rater-with-a-rather-long-address-that-must-not-break-the-layout-');
  {
    const { ctx, page } = await openTracker({ user });
    try {
      await gotoTask(page, 'task-001');
      await connected(page);
      await page.click(sel('btn-next'));
      await waitText(page, 'task', 'Task #1');
      for (const viewport of [{ width: 1024, height: 768 }, { width: 1280, height: 800 }, { width: 1366, height: 768 }, { width: 1440, height: 900 }, { width: 1920, height: 1080 }, { width: 1280, height: 600 }, { width: 1024, height: 600 }]) {
        await page.setViewportSize(viewport);
        // The position check runs every second: poll until the box has moved clear.
        await waitFor(() => clearOfButtons(page, viewport), `${viewport.width}x${viewport.height}: the box clear of Submit and Release, inside the window`);
        if (viewport.width === 1280 || viewport.width === 1920) await shot(page, `14-layout-${viewport.width}x${viewport.height}`);
      }
      // ⚙ open at 1024x600: the box stays inside the window, clear of the buttons, and scrolls inside.
      const small = { width: 1024, height: 600 };
      await page.click(sel('gear'));
      await page.locator(sel('settings')).waitFor();
      const box = await waitFor(() => clearOfButtons(page, small), '⚙ open: the box clear of Submit and Release, inside the window');
      assert.ok(box.height < small.height, `fits (${box.height}px)`);
      const scroll = await page.evaluate(() => { const b = document.querySelector('#rht-overlay').shadowRoot.querySelector('.body'); return [b.scrollHeight, b.clientHeight]; });
      assert.ok(scroll[0] > scroll[1], `the body scrolls inside the box (${scroll})`);
      // A long address is cut short in one line, with the whole of it in the tooltip.
      const account = page.locator(sel('account'));
      await account.scrollIntoViewIfNeeded();
      assert.ok((await account.textContent()).includes(user.email));
      assert.equal(await account.getAttribute('title'), await account.textContent());
      const [aw, sw, lineHeight] = await account.evaluate((el) => [el.clientWidth, el.scrollWidth, el.getBoundingClientRect().height]);
      assert.ok(sw > aw && lineHeight < 20, `one ellipsised line (${aw}/${sw}px wide, ${lineHeight}px high)`);
      const abox = await account.boundingBox();
      assert.ok(abox.x + abox.width <= box.x + box.width, 'inside the box');
      await shot(page, '16-settings-1024x600');
    } finally {
      await ctx.close();
    }
  }

  const { ctx, page, h } = await openTracker({ user });
  try {
    await gotoTask(page, 'task-001');
    await connected(page);
    const hdr = page.locator(sel('header'));
    const hb = await hdr.boundingBox();
    const start = await page.locator('#rht-overlay .rht').boundingBox();
    await page.mouse.move(hb.x + 40, hb.y + 10);
    await page.mouse.down();
    await page.mouse.move(hb.x - 500, hb.y - 150, { steps: 8 });
    await page.mouse.up();
    const moved = await page.locator('#rht-overlay .rht').boundingBox();
    assert.ok(Math.abs(moved.x - (start.x - 540)) < 1.5 && Math.abs(moved.y - (start.y - 160)) < 1.5, `dragged to ${JSON.stringify(moved)}`);
    assert.deepEqual(Object.keys(h.store['rht.ui']).sort(), ['collapsed', 'left', 'top']);
    await page.click(sel('toggle'));
    await page.reload();
    await page.locator(sel('mini')).waitFor();
    const again = await page.locator('#rht-overlay .rht').boundingBox();
    assert.ok(Math.abs(again.x - moved.x) < 2 && Math.abs(again.y - moved.y) < 2, 'the position is kept');
    assert.ok(await page.locator(sel('countdown')).isHidden(), 'still collapsed');
    assert.ok(again.height < 40, `one line (${again.height}px)`);
    await waitText(page, 'mini', /^(--:--|\d\d:\d\d)/);
    await shot(page, '15-collapsed');
    // Hostile page CSS cannot hide or move the box.
    await page.addStyleTag({ content: 'html > div, #rht-overlay { display: none; transform: translate(-9999px, 0); opacity: 0; }' });
    const styled = await page.locator('#rht-overlay .rht').boundingBox();
    assert.deepEqual(styled, again);
    assert.ok(await page.locator(sel('mini')).isVisible());
  } finally {
    await ctx.close();
  }
});
