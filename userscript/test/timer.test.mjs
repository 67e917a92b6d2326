// The event reducer (server snapshot + queued events) and the timer maths, pauses included.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadScript } from '../testlib/load.mjs';

const S = await loadScript();
const T0 = Date.parse('2026-11-26T10:00:00.000Z');
const s = (sec) => T0 + sec * 1000;
let n = 0;
const ev = (type, sec, extra = {}) => ({ id: `e${++n}`, type, at: s(sec), off: 0, ...extra });
const reduce = (events, base = null) => S.reduceState(base, events, { offsetMs: 0 }, s(10_000)).state;

test('NEXT starts a session at the press time; later NEXTs close questions', () => {
  const st = reduce([ev('NEXT', 0, { targetSeconds: 240, taskId: 'a' }), ev('NEXT', 300), ev('NEXT', 400, { taskId: 'c' })]);
  assert.equal(st.active, true);
  assert.equal(st.index, 3);
  assert.equal(st.questionCount, 2);
  assert.equal(st.startedAt, s(400));
  assert.equal(st.taskId, 'c');
  assert.equal(st.targetSeconds, 330, 'the default target when the NEXT carries none');
  assert.deepEqual(st.history.map((q) => [q.index, q.active, q.targetSeconds, q.taskId]), [[1, 300, 240, 'a'], [2, 100, 330, null]]);
  assert.equal(st.sumActive / st.questionCount, 200);
});

test('the user target from the server is the default for new questions', () => {
  const st = S.reduceState({ session: null, me: { targetSeconds: 200 } }, [ev('NEXT', 0)], null, s(1)).state;
  assert.equal(st.targetSeconds, 200);
});

test('timer: active time excludes pauses; NEXT and EXIT close an open pause', () => {
  // The original app's worked example (issue 2 semantics).
  const events = [ev('NEXT', 0), ev('NEXT', 300), ev('PAUSE', 400), ev('PAUSE', 460), ev('NEXT', 700)];
  let st = reduce(events);
  assert.deepEqual(st.history.map((q) => [q.active, q.pausedSeconds]), [[300, 0], [340, 60]]);
  st = reduce([...events, ev('PAUSE', 750), ev('NEXT', 800)]);
  assert.deepEqual(st.history.at(-1).pausedSeconds, 50, 'NEXT closed the pause at its own time');
  assert.equal(st.history.at(-1).active, 50);
  st = reduce([ev('NEXT', 0), ev('PAUSE', 10), ev('EXIT', 100)]);
  assert.equal(st.active, false);
  assert.deepEqual([st.history[0].active, st.history[0].pausedSeconds], [10, 90]);
});

test('timerView: countdown, warning near the end, red minus when over, frozen while paused', () => {
  const st = reduce([ev('NEXT', 0, { targetSeconds: 240 })]);
  let v = S.timerView(st, s(100));
  assert.deepEqual([v.main, v.phase, v.elapsed, v.running], ['02:20', 'ok', '01:40', true]);
  v = S.timerView(st, s(200.2));
  assert.deepEqual([v.main, v.phase], ['00:40', 'warn'], 'the last 20% (at least 30 s) is amber');
  v = S.timerView(st, s(240));
  assert.deepEqual([v.main, v.phase], ['00:00', 'warn']);
  v = S.timerView(st, s(282.5));
  assert.deepEqual([v.main, v.phase], ['\u221200:42', 'over']);
  const paused = reduce([ev('NEXT', 0, { targetSeconds: 240 }), ev('PAUSE', 60)]);
  v = S.timerView(paused, s(5_000));
  assert.deepEqual([v.elapsed, v.paused, v.running, v.main], ['01:00', true, false, '03:00']);
  const resumed = reduce([ev('NEXT', 0, { targetSeconds: 240 }), ev('PAUSE', 60), ev('PAUSE', 160)]);
  assert.equal(S.timerView(resumed, s(200)).elapsed, '01:40');
  assert.equal(S.timerView(reduce([]), s(1)).phase, 'idle');
});

test('UNDO after NEXT reopens the previous question from its start, keeping both pauses paused', () => {
  const st = reduce([
    ev('NEXT', 0), ev('PAUSE', 10), ev('PAUSE', 30), // 20 s paused in question 1
    ev('NEXT', 100), ev('PAUSE', 150), ev('PAUSE', 250), // 100 s paused in question 2
    ev('UNDO', 300),
  ]);
  assert.equal(st.index, 1);
  assert.equal(st.startedAt, s(0));
  assert.equal(st.pausedSeconds, 120, 'pause time never turns into active time');
  assert.equal(st.questionCount, 0);
  assert.equal(S.timerView(st, s(400)).elapsed, '04:40');
});

test('UNDO keeps an open pause open', () => {
  const st = reduce([ev('NEXT', 0), ev('NEXT', 100), ev('PAUSE', 150), ev('UNDO', 200)]);
  assert.equal(st.index, 1);
  assert.equal(st.pausedAt, s(150));
  assert.equal(S.timerView(st, s(999)).elapsed, '02:30');
});

test('UNDO of the first NEXT discards the session; UNDO after EXIT reopens it with the gap paused', () => {
  assert.equal(reduce([ev('NEXT', 0), ev('UNDO', 5)]).active, false);
  const st = reduce([ev('NEXT', 0), ev('NEXT', 100), ev('EXIT', 160), ev('UNDO', 200)]);
  assert.equal(st.active, true);
  assert.equal(st.index, 2);
  assert.equal(st.startedAt, s(100));
  assert.equal(st.pausedSeconds, 40, 'the EXIT→UNDO gap is paused time');
  assert.equal(st.questionCount, 1);
});

test('events the server will reject are predicted, not applied', () => {
  const { state, predicted } = S.reduceState(null, [ev('PAUSE', 0), ev('EXIT', 1), ev('UNDO', 2)], null, s(3));
  assert.equal(state.active, false);
  assert.deepEqual(predicted.map((p) => p.code), ['NO_ACTIVE_SESSION', 'NO_ACTIVE_SESSION', 'NOTHING_TO_UNDO']);
});

test('a reload restores the running question from activeSession.current', () => {
  const session = {
    id: 's1', isActive: true, questionCount: 4, averageSeconds: 250, pace: { emoji: '🙂', label: 'slightly fast', ratio: 0.8 },
    current: { index: 5, startedAt: new Date(s(0)).toISOString(), pausedSeconds: 30, isPaused: false, pausedAt: null, targetSeconds: 300, taskId: 't5' },
  };
  const base = { session, day: { activeSeconds: 3600, questionCount: 14 }, week: { activeSeconds: 36000, goalSeconds: 144000 } };
  const st = S.stateFromServer(session, s(1));
  assert.deepEqual([st.active, st.index, st.pausedSeconds, st.targetSeconds, st.taskId], [true, 5, 30, 300, 't5']);
  assert.equal(S.timerView(st, s(130)).elapsed, '01:40');
  const paused = S.stateFromServer({ ...session, current: { ...session.current, isPaused: true, pausedAt: new Date(s(60)).toISOString() } }, s(1));
  assert.equal(S.timerView(paused, s(500)).elapsed, '00:30');
  // Queued events replay over the snapshot: NEXT closes question 5 and starts 6.
  const v = S.buildView({ base, events: [ev('NEXT', 130)], clock: { offsetMs: 0 }, nowLocal: s(140), auth: { token: 'rht_x' }, hotkeys: S.DEFAULT_SETTINGS.hotkeys });
  assert.equal(v.taskLabel, 'Task #6');
  assert.equal(v.state.questionCount, 5);
  assert.equal(v.avgLabel, 'Avg 03:40', 'question 5 ran 130 s with 30 s paused: (4×250 + 100) / 5 = 220 s; the server pace waits');
  const synced = S.buildView({ base, events: [], clock: { offsetMs: 0 }, nowLocal: s(140), auth: { token: 'rht_x' } });
  assert.equal(synced.avgLabel, 'Avg 04:10 🙂 slightly fast');
});

test('UNDO over a server snapshot without history waits for the server', () => {
  const session = { id: 's1', isActive: true, questionCount: 3, averageSeconds: 100, current: { index: 4, startedAt: new Date(s(0)).toISOString(), pausedSeconds: 0, isPaused: false, targetSeconds: 300 } };
  const st = S.reduceState({ session }, [ev('UNDO', 10)], null, s(11)).state;
  assert.equal(st.uncertain, true);
  assert.equal(st.index, 4);
});

test('view: status lines, totals and the two-tab warning', () => {
  const base = { session: null, day: { activeSeconds: 7980, questionCount: 31 }, week: { activeSeconds: 12.4 * 3600, goalSeconds: 40 * 3600 } };
  const common = { base, clock: null, nowLocal: s(0), hotkeys: S.DEFAULT_SETTINGS.hotkeys };
  let v = S.buildView({ ...common, events: [], auth: { token: 'rht_x' } });
  assert.deepEqual([v.status, v.statusLevel, v.taskLabel, v.hint], ['Connected', 'ok', 'No session', 'Press NEXT (Ctrl+Q) to start']);
  assert.equal(v.todayLabel, 'Today 2h 13m · 31 q');
  assert.equal(v.weekLabel, 'Week 12.4h / 40h');
  assert.equal(Math.round(v.weekRatio * 100), 31);
  const three = [ev('NEXT', 0), ev('NEXT', 1), ev('NEXT', 2)];
  v = S.buildView({ ...common, events: three, auth: { token: 'rht_x' }, offline: true, retryInMs: 3500 });
  assert.equal(v.status, 'Offline — 3 events queued · retry in 4s');
  assert.equal(v.taskLabel, 'Task #3', 'the overlay moves without the network');
  v = S.buildView({ ...common, events: three.slice(0, 1), auth: { token: null } });
  assert.equal(v.status, 'Signed out — 1 event queued; sign in to send');
  assert.equal(v.statusLevel, 'signedout');
  v = S.buildView({ ...common, events: [], auth: { token: 'x' }, otherTaskTabs: 1, isTaskTab: true });
  assert.equal(v.tabsWarning, '2 RaterHub task tabs are open — they share one timer');
  v = S.buildView({ ...common, events: [], auth: { token: 'x' }, otherTaskTabs: 0, isTaskTab: true });
  assert.equal(v.tabsWarning, '');
  v = S.buildView({ ...common, events: [], auth: { token: 'x' }, notice: { text: 'PAUSE rejected', at: s(-20) } });
  assert.equal(v.notice, null, 'notices fade after a few seconds');
});

test('idle rule over a server snapshot: only a session surely idle is shown as forgotten', () => {
  const session = (startedAt) => ({ id: 's', questionCount: 4, averageSeconds: 100, current: { index: 5, startedAt: new Date(startedAt).toISOString(), pausedSeconds: 0, isPaused: false } });
  const me = { targetSeconds: 330, idleTimeoutMinutes: 60 };
  // Started 2 h before the snapshot, which the server still called active: a pause and resume
  // (invisible in the snapshot) may have happened since, so a NEXT soon after is question 6.
  let base = { session: session(s(0)), me, at: s(7200) };
  let st = S.reduceState(base, [ev('NEXT', 7260)], { offsetMs: 0 }, s(7300)).state;
  assert.equal(st.index, 6);
  // A NEXT 61 minutes after the latest moment the session was known to be alive starts anew.
  st = S.reduceState(base, [ev('NEXT', 7200 + 3600 + 1)], { offsetMs: 0 }, s(20000)).state;
  assert.equal(st.index, 1);
  base = { session: session(s(0)), me, at: s(60) };
  st = S.reduceState(base, [ev('NEXT', 60 + 3600 + 61)], { offsetMs: 0 }, s(9000)).state;
  assert.deepEqual([st.index, st.questionCount, st.startedAt], [1, 0, s(60 + 3600 + 61)]);
  // The user's own idle timeout from the snapshot is used.
  st = S.reduceState({ ...base, me: { ...me, idleTimeoutMinutes: 240 } }, [ev('NEXT', 60 + 3600 + 61)], { offsetMs: 0 }, s(9000)).state;
  assert.equal(st.index, 6);
});
