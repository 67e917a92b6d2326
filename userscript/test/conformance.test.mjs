// The shared conformance fixture against the overlay's rules (rules.mjs). The server's engine
// runs the same file (server/tests/api/conformance.rs), so the two can never drift.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SRC_DIR } from '../testlib/load.mjs';
import { applyEvent, cloneState, stateFromServer } from '../src/rules.mjs';

const FIXTURE = JSON.parse(readFileSync(join(SRC_DIR, '..', '..', 'server', 'tests', 'fixtures', 'engine-conformance.json'), 'utf8'));
const T0 = Date.parse(FIXTURE.t0);
const RULES = { defaultTarget: FIXTURE.defaultTargetSeconds, idleMs: FIXTURE.idleTimeoutMinutes * 60000 };
const ms = (seconds) => T0 + Math.round(seconds * 1000);
const secs = (t) => (t - T0) / 1000;

function runningOf(st) {
  if (!st.active) return null;
  return {
    index: st.index, startedAt: secs(st.startedAt), paused: st.pausedSeconds,
    pausedSince: st.pausedAt == null ? null : secs(st.pausedAt), target: st.targetSeconds, taskId: st.taskId,
  };
}

const questionsOf = (st) => st.history.map((q) => ({
  index: q.index, raw: (q.endedAt - q.startedAt) / 1000, paused: q.pausedSeconds, active: q.active, target: q.targetSeconds, taskId: q.taskId,
}));

/** Replays a case event by event, keeping every session the way the server lists them. */
function run(events) {
  let st = stateFromServer(null);
  const results = [];
  const sessions = [];
  for (const [type, at, extra = {}] of events) {
    const next = cloneState(st);
    const ev = { type, ...(extra.targetSeconds ? { targetSeconds: extra.targetSeconds } : {}), ...(extra.taskId ? { taskId: extra.taskId } : {}) };
    const res = applyEvent(next, ev, ms(at), RULES, extra.now == null ? null : ms(extra.now));
    results.push(res.ok ? 'ok' : res.code);
    if (!res.ok) continue;
    st = next;
    if (type === 'NEXT' && st.index === 1 && st.history.length === 0) {
      if (sessions.length) sessions.at(-1).running = null; // an earlier session ended or was forgotten
      sessions.push({});
    } else if (type === 'UNDO' && !st.active && st.index === 0) {
      sessions.pop(); // the empty session was discarded
      continue;
    }
    Object.assign(sessions.at(-1), { questions: questionsOf(st), running: runningOf(st) });
  }
  return { results, sessions };
}

/** Equal up to floating-point noise in the seconds. */
function close(actual, expected, path) {
  if (typeof expected === 'number') {
    assert.ok(typeof actual === 'number' && Math.abs(actual - expected) < 1e-6, `${path}: ${actual} ≠ ${expected}`);
  } else if (expected && typeof expected === 'object') {
    assert.ok(actual && typeof actual === 'object', `${path}: ${JSON.stringify(actual)} ≠ ${JSON.stringify(expected)}`);
    assert.deepEqual(Object.keys(actual).sort(), Object.keys(expected).sort(), path);
    for (const k of Object.keys(expected)) close(actual[k], expected[k], `${path}.${k}`);
  } else {
    assert.equal(actual, expected, path);
  }
}

test('the fixture has at least 40 cases, rule cases and generated ones', () => {
  assert.ok(FIXTURE.cases.length >= 40);
  const rules = new Set(FIXTURE.cases.map((c) => String(c.rule)));
  for (const r of ['1', '2', '3', '4', '5', '6', '9', '10', 'generated']) assert.ok(rules.has(r), `rule ${r}`);
});

for (const c of FIXTURE.cases) {
  test(`conformance: ${c.name}`, () => {
    const got = run(c.events);
    assert.deepEqual(got.results, c.expect.results, 'each event\'s result');
    close(got.sessions, c.expect.sessions, 'sessions');
  });
}
