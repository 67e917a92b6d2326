// Rater toolkit in the overlay: banked label, caps, earnings, away prompt, task type.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadScript, memoryStorage, fakeTime, settle } from '../testlib/load.mjs';
import { fakeServer } from '../testlib/fake-server.mjs';

const S = await loadScript();
const SERVER = 'http://127.0.0.1:8000';

test('banked time reads +m:ss ahead in green and −m:ss behind in red', () => {
  assert.deepEqual(S.bankedLabel(250), { text: '+4:10', level: 'ahead' });
  assert.deepEqual(S.bankedLabel(-150), { text: '\u22122:30', level: 'behind' });
  assert.deepEqual(S.bankedLabel(3725), { text: '+1:02:05', level: 'ahead' });
  assert.equal(S.bankedLabel(0.2).level, 'even');
});

test("today's banked time adds questions closed locally to the server's figure", () => {
  const state = { history: [{ targetSeconds: 300, active: 100 }, { targetSeconds: 60, active: 100 }] };
  assert.equal(S.bankedToday({ bankedSeconds: 50 }, state), 50 + 200 - 40);
  assert.equal(S.bankedToday(null, { history: [] }), 0);
});

test('cap warnings at 90 % and 100 %, none below or without a cap', () => {
  assert.equal(S.capView(3000, 3600, 'Daily').warning, '');
  assert.equal(S.capView(3240, 3600, 'Daily').level, 'near');
  assert.match(S.capView(3240, 3600, 'Daily').warning, /^90% of the daily cap/);
  assert.equal(S.capView(3600, 3600, 'Weekly').level, 'full');
  assert.equal(S.capView(99999, null, 'Weekly').warning, '');
  const v = S.toolkitView({ bankedSeconds: -10, creditedSeconds: 100, capSeconds: 3600, earnings: { amount: 3.5, currency: 'USD' } }, { creditedSeconds: 36 * 3600, capSeconds: 40 * 3600 }, { history: [] }, {});
  assert.equal(v.capLevel, 'near');
  assert.equal(v.creditedLabel, 'Credited 36h / 40h');
  assert.equal(v.banked.level, 'behind');
  assert.equal(v.earnings, null, 'earnings are off by default');
  assert.ok(S.toolkitView({ earnings: { amount: 3.5, currency: 'USD' } }, null, { history: [] }, { showEarnings: true }).earnings.includes('3.50'));
});

test('settings: away prompt after 5 minutes by default, 0 turns it off; earnings off; no selector', () => {
  const s = S.mergeSettings({});
  assert.equal(s.awayPromptMinutes, 5);
  assert.equal(s.showEarnings, false);
  assert.equal(s.taskTypeSelector, '');
  assert.equal(S.mergeSettings({ awayPromptMinutes: 0 }).awayPromptMinutes, 0);
  assert.equal(S.mergeSettings({ awayPromptMinutes: -3 }).awayPromptMinutes, 5);
});

test('the away prompt asks only after the threshold, while running, and not when off', () => {
  const at = Date.parse('2026-11-26T10:00:00Z');
  assert.equal(S.awayToAsk({ minutes: 5, lastInputAt: at, nowMs: at + 299_000, running: true }), null);
  const ask = S.awayToAsk({ minutes: 5, lastInputAt: at, nowMs: at + 860_000, running: true });
  assert.equal(ask.text, 'Away 14:20. Count it?');
  assert.equal(S.awayToAsk({ minutes: 0, lastInputAt: at, nowMs: at + 9e6, running: true }), null);
  assert.equal(S.awayToAsk({ minutes: 5, lastInputAt: at, nowMs: at + 9e6, running: false }), null);
  assert.deepEqual(S.dontCountTimes({ since: at, nowMs: at + 100, lastEventAt: at + 40 }), [at + 40, at + 100]);
});

test("\"Don't count\" queues two PAUSEs offline, never before the last event, sent once when back", async () => {
  const time = fakeTime();
  const srv = fakeServer(time);
  srv.tokens.add('rht_seed');
  const store = memoryStorage({ 'rht.auth': { server: SERVER, email: 'a@b.c', token: 'rht_seed', deviceName: 'test' } });
  const tracker = S.createTracker({ storage: store, transport: srv.transport, now: time.now, setTimeout: time.setTimeout, clearTimeout: time.clearTimeout, random: () => 0.5, tabId: 'tab1' });
  srv.up = false;
  const next = tracker.record('NEXT');
  await time.advance(60_000);
  // Input stopped before the NEXT: the first PAUSE moves up to the NEXT.
  const [p1, p2] = tracker.dontCount(next.at - 30_000);
  assert.equal(p1.type, 'PAUSE');
  assert.equal(p1.at, next.at);
  assert.equal(p2.at, time.now());
  assert.notEqual(p1.id, p2.id);
  assert.equal(tracker.queued().length, 3);
  const v = tracker.view();
  assert.equal(v.timer.paused, false, 'two toggles: running again');
  assert.equal(v.timer.activeSeconds, 0, 'the away minute does not count');
  srv.up = true;
  await time.advance(31_000);
  await tracker.flush();
  await settle();
  assert.deepEqual(srv.applied.map((e) => e.type), ['NEXT', 'PAUSE', 'PAUSE']);
});

test('the task type is read only from the opted-in selector and trimmed to 64 characters', () => {
  const doc = { querySelector: (sel) => (sel === '.type' ? { textContent: `  ${'Search '.repeat(20)} ` } : null) };
  assert.equal(S.readTaskType(doc, ''), null, 'no selector reads nothing');
  assert.equal(S.readTaskType(doc, '.other'), null);
  const t = S.readTaskType(doc, '.type');
  assert.equal(t.length, 64);
  assert.ok(t.startsWith('Search Search'));
  assert.equal(S.readTaskType({ querySelector: () => { throw new Error('bad'); } }, '[['), null);
});
