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
