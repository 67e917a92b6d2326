// The event rules (README "How time is counted") over a server snapshot plus queued events.
// Mirrors server/src/engine.rs; the shared conformance fixture keeps the two equal.
import { DEFAULT_TARGET_SECONDS, DEFAULT_IDLE_MINUTES } from './settings.mjs';
import { parseTime, eventServerMs } from './wire.mjs';

const MAX_FUTURE_MS = 5 * 60 * 1000;

function emptyState() {
  return {
    active: false, sessionId: null, index: 0, startedAt: null, pausedSeconds: 0, pausedAt: null,
    targetSeconds: null, taskId: null, questionCount: 0, sumActive: 0, pace: null, history: [],
    localStart: false, exitAt: null, uncertain: false, lastEventAt: null, aliveAt: null, floor: null, prevFloor: null,
  };
}

/**
 * Internal state from the server's `activeSession` (null → no session). The snapshot does not
 * say when the session's last event was: at least at the running question's start or pause
 * (`lastEventAt`, for the time-order rule), and the session was alive when it was fetched
 * (`aliveAt`, server clock), so it is only shown as forgotten once it surely is.
 */
export function stateFromServer(session, nowMs, { fetchedAt = null } = {}) {
  const st = emptyState();
  if (!session) return st;
  st.sessionId = session.id || null;
  st.questionCount = Number(session.questionCount) || 0;
  st.sumActive = (Number(session.averageSeconds) || 0) * st.questionCount;
  st.pace = session.pace || null;
  const c = session.current;
  if (c && session.isActive !== false) {
    st.active = true;
    st.index = Number(c.index) || st.questionCount + 1;
    st.startedAt = parseTime(c.startedAt);
    st.pausedSeconds = Number(c.pausedSeconds) || 0;
    st.pausedAt = c.isPaused ? parseTime(c.pausedAt) ?? nowMs ?? null : null;
    st.targetSeconds = Number.isFinite(c.targetSeconds) ? c.targetSeconds : null;
    st.taskId = c.taskId || null;
    st.lastEventAt = Math.max(...[st.startedAt, st.pausedAt].filter(Number.isFinite));
    st.aliveAt = Number.isFinite(fetchedAt) ? Math.max(fetchedAt, st.lastEventAt) : st.lastEventAt;
  }
  return st;
}

export function cloneState(st) {
  return { ...st, history: st.history.slice() };
}

function closePause(st, t) {
  if (st.pausedAt == null) return;
  st.pausedSeconds += Math.max(0, (t - st.pausedAt) / 1000);
  st.pausedAt = null;
}

function closeQuestion(st, t) {
  closePause(st, t);
  const raw = Math.max(0, (t - st.startedAt) / 1000);
  const active = raw - st.pausedSeconds;
  st.history.push({
    index: st.index, startedAt: st.startedAt, pausedSeconds: st.pausedSeconds, targetSeconds: st.targetSeconds,
    taskId: st.taskId, endedAt: t, active,
  });
  st.questionCount += 1;
  st.sumActive += active;
}

function startQuestion(st, ev, t, rules) {
  const target = Number.isFinite(ev.targetSeconds) && ev.targetSeconds > 0 ? ev.targetSeconds : null;
  Object.assign(st, { startedAt: t, pausedSeconds: 0, pausedAt: null, targetSeconds: target ?? rules.defaultTarget, taskId: ev.taskId || null });
}

/** Rule 9: an unpaused session without events for longer than the idle timeout was forgotten. */
function isForgotten(st, t, rules) {
  if (!st.active || st.pausedAt != null || st.lastEventAt == null) return false;
  return t - Math.max(st.lastEventAt, st.aliveAt ?? st.lastEventAt) > rules.idleMs;
}

/** The forgotten session ends at its last event; its open question is dropped. */
function forget(st) {
  Object.assign(st, { active: false, startedAt: null, pausedSeconds: 0, pausedAt: null, exitAt: null, floor: st.lastEventAt });
}

function applyNext(st, ev, t, rules) {
  if (!st.active) {
    if (st.floor != null && t < st.floor) return { ok: false, code: 'BAD_USER_INPUT' };
    const prevFloor = st.floor;
    Object.assign(st, emptyState(), { active: true, index: 1, localStart: true, prevFloor, floor: prevFloor });
  } else {
    closeQuestion(st, t);
    st.index += 1;
  }
  startQuestion(st, ev, t, rules);
  return { ok: true };
}

function applyPause(st, t) {
  if (st.pausedAt != null) closePause(st, t);
  else st.pausedAt = t;
  return { ok: true };
}

function applyExit(st, t) {
  closeQuestion(st, t);
  Object.assign(st, { active: false, exitAt: t, floor: t, startedAt: null, pausedSeconds: 0, pausedAt: null });
  return { ok: true };
}

/** UNDO of an EXIT: the last question runs again; the time since the EXIT counts as paused. */
function undoExit(st, t, rules) {
  if (st.exitAt == null || !st.history.length || t < st.exitAt) return { ok: false, code: t < (st.exitAt ?? t) ? 'BAD_USER_INPUT' : 'NOTHING_TO_UNDO' };
  if (t - st.exitAt > rules.idleMs) return { ok: false, code: 'NOTHING_TO_UNDO' };
  const q = st.history.pop();
  Object.assign(st, {
    active: true, index: q.index, startedAt: q.startedAt, pausedSeconds: q.pausedSeconds + (t - q.endedAt) / 1000,
    pausedAt: null, targetSeconds: q.targetSeconds, taskId: q.taskId, exitAt: null, floor: st.prevFloor,
  });
  st.questionCount -= 1;
  st.sumActive -= q.active;
  return { ok: true };
}

/** UNDO of a NEXT: the previous question runs again from its start; paused time stays paused. */
function undoNext(st) {
  if (st.history.length) {
    const q = st.history.pop();
    const gap = Math.max(0, (st.startedAt - q.endedAt) / 1000);
    Object.assign(st, {
      index: q.index, startedAt: q.startedAt, pausedSeconds: q.pausedSeconds + gap + st.pausedSeconds,
      targetSeconds: q.targetSeconds, taskId: q.taskId,
    });
    st.questionCount -= 1;
    st.sumActive -= q.active;
    return { ok: true };
  }
  if (st.index === 1 && st.questionCount === 0) {
    Object.assign(st, emptyState(), { floor: st.prevFloor });
    return { ok: true };
  }
  st.uncertain = true; // the previous question is only known to the server: wait for it
  return { ok: true };
}

/**
 * Applies one event at server-clock time t (nowMs: server time now), mirroring the server's
 * rules so the overlay moves at once. Returns { ok } or { ok: false, code } for an event the
 * server will reject (it is still sent: the server decides). On a rejection `st` is unchanged.
 */
export function applyEvent(st, ev, t, rules, nowMs = null) {
  const r = typeof rules === 'number' || rules == null ? { defaultTarget: rules ?? DEFAULT_TARGET_SECONDS, idleMs: DEFAULT_IDLE_MINUTES * 60000 } : rules;
  if (nowMs != null && t > nowMs + MAX_FUTURE_MS) return { ok: false, code: 'BAD_USER_INPUT' };
  if (!['NEXT', 'PAUSE', 'EXIT', 'UNDO'].includes(ev.type)) return { ok: false, code: 'BAD_USER_INPUT' };
  const before = cloneState(st);
  if (isForgotten(st, t, r)) forget(st);
  let res;
  if (st.active && t < st.lastEventAt) res = { ok: false, code: 'BAD_USER_INPUT' };
  else if (ev.type === 'NEXT') res = applyNext(st, ev, t, r);
  else if (!st.active) res = ev.type === 'UNDO' ? undoExit(st, t, r) : { ok: false, code: 'NO_ACTIVE_SESSION' };
  else if (ev.type === 'PAUSE') res = applyPause(st, t);
  else if (ev.type === 'EXIT') res = applyExit(st, t);
  else res = undoNext(st);
  if (!res.ok) Object.assign(st, before);
  else if (st.active) Object.assign(st, { lastEventAt: t, aliveAt: Math.max(st.aliveAt ?? t, t) });
  return res;
}

/** The rules' parameters a snapshot implies: the user's default target and idle timeout. */
export function rulesOf(base) {
  const me = base && base.me;
  const idle = me && Number(me.idleTimeoutMinutes) > 0 ? Number(me.idleTimeoutMinutes) : DEFAULT_IDLE_MINUTES;
  return { defaultTarget: (me && Number(me.targetSeconds)) || DEFAULT_TARGET_SECONDS, idleMs: idle * 60000 };
}

/** The state to show: the server snapshot with every queued event replayed over it. */
export function reduceState(base, events, clock, nowMs) {
  const rules = rulesOf(base);
  const offset = clock && Number.isFinite(clock.offsetMs) ? clock.offsetMs : 0;
  const fetchedAt = base && Number.isFinite(base.at) ? base.at + offset : null;
  let st = stateFromServer(base && base.session, nowMs, { fetchedAt });
  const predicted = [];
  const all = base && Array.isArray(base.replay) ? base.replay.concat(events) : events;
  for (const ev of all) {
    const next = cloneState(st);
    const res = applyEvent(next, ev, eventServerMs(ev, clock), rules);
    if (res.ok) st = next;
    predicted.push({ id: ev.id, ...res });
  }
  if (st.active && st.targetSeconds == null) st.targetSeconds = rules.defaultTarget;
  return { state: st, predicted };
}
