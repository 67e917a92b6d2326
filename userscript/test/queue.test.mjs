// The persistent queue and the sync engine, against a scripted fake server and fake timers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadScript, memoryStorage, fakeTime, settle } from '../testlib/load.mjs';
import { fakeServer } from '../testlib/fake-server.mjs';

const S = await loadScript();
const SERVER = 'http://127.0.0.1:8000';

function setup({ skewMs = 0, signedIn = true, storage } = {}) {
  const time = fakeTime();
  const srv = fakeServer(time, { skewMs });
  if (signedIn) srv.tokens.add('rht_seed');
  const store = storage || memoryStorage(signedIn ? { 'rht.auth': { server: SERVER, email: 'a@b.c', token: 'rht_seed', deviceName: 'test' } } : {});
  const make = (tabId) => S.createTracker({ storage: store, transport: srv.transport, now: time.now, setTimeout: time.setTimeout, clearTimeout: time.clearTimeout, random: () => 0.5, tabId });
  return { time, srv, store, tracker: make('tab1'), make };
}

test('a press is queued at once with its own id and time, and the overlay moves without the network', async () => {
  const { time, srv, store, tracker } = setup();
  srv.up = false;
  const e = tracker.record('NEXT', { taskId: 't1', targetSeconds: 240 });
  assert.equal(e.at, time.now());
  assert.equal(tracker.queued().length, 1);
  const stored = store.dump();
  const qkeys = Object.keys(stored).filter((k) => k.startsWith('rht.q.'));
  assert.equal(qkeys.length, 1);
  assert.deepEqual(stored[qkeys[0]], { id: e.id, type: 'NEXT', at: e.at, off: null, taskId: 't1', targetSeconds: 240 });
  const v = tracker.view();
  assert.equal(v.taskLabel, 'Task #1');
  assert.equal(v.timer.main, '04:00');
});

test('server down: three NEXTs survive a reload and arrive exactly once with their original times', async () => {
  const { time, srv, store, tracker, make } = setup();
  srv.up = false;
  const presses = [];
  for (let i = 0; i < 3; i++) {
    presses.push(tracker.record('NEXT').at);
    await time.advance(7_000);
  }
  assert.equal(tracker.queued().length, 3);
  assert.equal(tracker.offline, true);
  assert.equal(srv.applied.length, 0);
  const v = tracker.view();
  assert.equal(v.taskLabel, 'Task #3');
  assert.match(v.status, /^Offline — 3 events queued/);
  const attempts = srv.requests.length;
  assert.ok(attempts >= 3 && attempts <= 6, `backs off instead of hammering (${attempts} attempts in 21 s)`);

  // "Reload": a new tracker over the same storage.
  const reloaded = make('tab2');
  assert.equal(reloaded.queued().length, 3);
  srv.up = true;
  await time.advance(31_000); // the longest backoff
  await reloaded.refresh(); // what the overlay does when it loads
  await reloaded.flush();
  await tracker.flush();
  await settle();
  assert.equal(srv.applied.length, 3, 'exactly three events, no duplicates');
  assert.deepEqual(srv.applied.map((i) => Date.parse(i.occurredAt)), presses, 'original press times');
  assert.equal(new Set(srv.applied.map((i) => i.clientEventId)).size, 3);
  assert.equal(reloaded.queued().length, 0);
  assert.equal(Object.keys(store.dump()).filter((k) => k.startsWith('rht.q.')).length, 0);
  const after = reloaded.view();
  assert.equal(after.taskLabel, 'Task #3');
  assert.equal(after.status, 'Connected');
});

test('a lost response is retried with the same id and counted once', async () => {
  const { time, srv, tracker } = setup();
  srv.loseNextResponse = true;
  tracker.record('NEXT');
  await time.advance(0);
  assert.equal(srv.applied.length, 1, 'the server applied it');
  assert.equal(tracker.queued().length, 1, 'but the overlay never heard back');
  await time.advance(2_000);
  assert.equal(tracker.queued().length, 0);
  assert.equal(srv.applied.length, 1);
  const sent = srv.requests.filter((r) => r.body.includes('recordEvents'));
  assert.equal(sent.length, 2);
  assert.equal(JSON.parse(sent[0].body).variables.inputs[0].clientEventId, JSON.parse(sent[1].body).variables.inputs[0].clientEventId);
});

test('an event the server rejects is shown and dropped, the rest of the batch applies', async () => {
  const { time, srv, tracker } = setup();
  srv.up = false;
  srv.reject.set('PAUSE', 'NO_ACTIVE_SESSION');
  tracker.record('PAUSE');
  await time.advance(100);
  tracker.record('NEXT');
  srv.up = true;
  await time.advance(5_000);
  assert.equal(tracker.queued().length, 0, 'not retried forever');
  assert.deepEqual(srv.applied.map((i) => i.type), ['NEXT']);
  const v = tracker.view();
  assert.equal(v.notice.text, 'PAUSE rejected: no active session (press NEXT to start one)');
});

test('a batch refused as a whole falls back to one event at a time', async () => {
  const { time, srv, tracker } = setup();
  srv.up = false;
  srv.topLevelError = 'BAD_USER_INPUT';
  srv.reject.set('UNDO', 'NOTHING_TO_UNDO');
  tracker.record('UNDO');
  await time.advance(10);
  tracker.record('NEXT');
  await time.advance(10);
  tracker.record('NEXT');
  srv.up = true;
  await time.advance(5_000);
  assert.deepEqual(srv.applied.map((i) => i.type), ['NEXT', 'NEXT']);
  assert.equal(tracker.queued().length, 0);
  assert.match(tracker.view().notice.text, /^UNDO rejected: nothing to undo/);
});

test('a revoked token signs the overlay out and keeps the queue; signing in sends it', async () => {
  const { time, srv, store, tracker } = setup();
  srv.revoked = true;
  tracker.record('NEXT');
  await time.advance(100);
  assert.equal(tracker.getAuth().token, null);
  assert.equal(tracker.queued().length, 1);
  assert.equal(tracker.view().statusLevel, 'signedout');
  srv.revoked = false;
  const bad = await tracker.login({ server: SERVER, email: 'a@b.c', password: 'wrong', deviceName: 'Chrome' });
  assert.deepEqual(bad, { ok: false, message: 'Wrong email or password' });
  const ok = await tracker.login({ server: `${SERVER}/`, email: ' a@b.c ', password: 'correct horse battery', deviceName: 'Chrome' });
  assert.deepEqual(ok, { ok: true });
  await time.advance(100);
  assert.equal(srv.applied.length, 1);
  assert.equal(tracker.queued().length, 0);
  const dump = JSON.stringify(store.dump());
  assert.ok(!dump.includes('correct horse battery'), 'the password is never stored');
  assert.deepEqual(store.get('rht.auth'), { server: SERVER, email: 'a@b.c', deviceName: 'Chrome', token: 'rht_2' });
  const login = srv.requests.find((r) => r.body.includes('login('));
  assert.equal(JSON.parse(login.body).variables.deviceName, 'Chrome');
});

test('times are corrected by the learned clock offset', async () => {
  const { time, srv, tracker } = setup({ skewMs: 10 * 60_000 }); // the server is 10 minutes ahead
  srv.up = false;
  const early = tracker.record('NEXT'); // pressed before any offset is known
  srv.up = true;
  await tracker.refresh();
  await time.advance(2_000);
  const late = tracker.record('NEXT');
  await time.advance(2_000);
  assert.deepEqual(srv.applied.map((i) => Date.parse(i.occurredAt)), [early.at + 600_000, late.at + 600_000]);
  assert.equal(late.off, 600_000, 'the offset known at the press travels with the event');
});

test('two tabs share one queue: every event is sent once, in press order', async () => {
  const { time, srv, make } = setup();
  const a = make('A');
  const b = make('B');
  srv.up = false;
  a.record('NEXT');
  await time.advance(5);
  b.record('PAUSE');
  await time.advance(5);
  a.record('PAUSE');
  await time.advance(5);
  b.record('NEXT');
  assert.equal(a.view().taskLabel, 'Task #2');
  assert.equal(b.view().taskLabel, 'Task #2', 'both tabs show the same state');
  srv.up = true;
  await Promise.all([a.flush(), b.flush()]);
  await time.advance(40_000);
  assert.deepEqual(srv.applied.map((i) => i.type), ['NEXT', 'PAUSE', 'PAUSE', 'NEXT']);
  assert.equal(a.queued().length + b.queued().length, 0);
});

test('after a flush the view comes from the server snapshot', async () => {
  const { time, tracker } = setup();
  tracker.record('NEXT', { targetSeconds: 240 });
  await time.advance(1_000);
  await time.advance(60_000);
  const v = tracker.view();
  assert.equal(v.queued, 0);
  assert.equal(v.taskLabel, 'Task #1');
  assert.equal(v.timer.elapsed, '01:01');
  assert.equal(v.timer.main, '02:59');
  assert.equal(v.status, 'Connected');
});

/** A tab whose timers never run again and whose request never gets an answer: a closed tab. */
function deadTab({ srv, store, time }, tabId) {
  const frozen = { setTimeout: () => 0, clearTimeout: () => {} };
  const transport = (req) => { srv.transport(req); return new Promise(() => {}); };
  return S.createTracker({ storage: store, transport, now: time.now, ...frozen, random: () => 0.5, tabId });
}

test('a tab that dies mid-send (no pagehide) stops holding the queue within the lease; the next tab sends within 5 s', async () => {
  const env = setup();
  const { time, srv, store, make } = env;
  const dead = deadTab(env, 'dead');
  dead.record('NEXT');
  dead.flush(); // reaches the server, never hears back
  await settle();
  assert.equal(srv.applied.length, 1, 'the server applied it');
  const lease = store.get('rht.lock');
  assert.equal(lease.tab, 'dead');
  assert.ok(lease.until - lease.at <= S.LEASE_MS);
  await time.advance(100);
  const opened = time.now();
  const fresh = make('fresh');
  const labels = [];
  fresh.onChange(() => labels.push(fresh.view().taskLabel));
  fresh.flush(); // what a new tab does first when it finds a queue
  let sentAt = null;
  for (let i = 0; i < 50 && sentAt == null; i++) {
    await time.advance(100);
    if (!fresh.queued().length) sentAt = time.now();
  }
  assert.ok(sentAt != null && sentAt - opened <= 5000, `sent ${sentAt - opened} ms after the tab opened`);
  assert.equal(srv.applied.length, 1, 'the resend was a duplicate');
  assert.equal(fresh.view().taskLabel, 'Task #1');
  assert.equal(fresh.view().status, 'Connected');
  assert.ok(labels.length > 0 && !labels.includes('Task #2'), `never counted twice on screen (${labels})`);
});

test('the sent events leave the queue in the same step as the new server state arrives', async () => {
  const { time, store, tracker } = setup();
  const seen = [];
  const set = store.set;
  // Every time a snapshot is stored, what would a redraw show?
  store.set = (k, v) => { set(k, v); if (k === 'rht.base') seen.push(tracker.view().taskLabel); };
  tracker.record('NEXT');
  tracker.record('NEXT');
  await time.advance(100);
  assert.deepEqual(seen, ['Task #2']);
  assert.equal(tracker.queued().length, 0);
});

test('pagehide gives up the lease at once: the next tab sends without waiting', async () => {
  const env = setup();
  const { time, srv, store, make } = env;
  const dead = deadTab(env, 'dead');
  dead.record('NEXT');
  dead.flush();
  await settle();
  dead.dispose();
  assert.equal(store.get('rht.lock', null), null);
  const fresh = make('fresh');
  await fresh.refresh({ quiet: true });
  await time.advance(0);
  assert.equal(fresh.queued().length, 0);
  assert.equal(srv.applied.length, 1);
  assert.equal(fresh.view().taskLabel, 'Task #1');
});

test('a tab still sending renews its lease, so another tab does not send the same events meanwhile', async () => {
  const { time, srv, store, make } = setup();
  const slow = (req) => new Promise((resolve) => time.setTimeout(() => resolve(srv.transport(req)), 8000));
  const a = S.createTracker({ storage: store, transport: slow, now: time.now, setTimeout: time.setTimeout, clearTimeout: time.clearTimeout, random: () => 0.5, tabId: 'A' });
  const b = make('B');
  a.record('NEXT');
  await time.advance(1000);
  b.flush();
  await time.advance(6000); // past the first lease: only renewals keep it
  assert.equal(store.get('rht.lock').tab, 'A');
  assert.equal(srv.requests.filter((r) => r.body.includes('recordEvents')).length, 0, 'B waited');
  await time.advance(20_000); // the answer, then the status refresh, 8 s each
  assert.equal(a.queued().length, 0);
  assert.equal(srv.applied.length, 1);
  assert.equal(store.get('rht.lock', null), null, 'released when done');
});

test('a lock written by an older version (25 s) does not hold the queue', async () => {
  const { time, store, srv, tracker } = setup();
  store.set('rht.lock', { tab: 'old-version-tab', until: time.now() + 25000 });
  tracker.record('NEXT');
  await time.advance(100);
  assert.equal(tracker.queued().length, 0);
  assert.equal(srv.applied.length, 1);
});
