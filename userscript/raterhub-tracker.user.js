// ==UserScript==
// @name         RaterHub Tracker
// @namespace    https://github.com/raterhub-tracker
// @version      1.0.0
// @description  Times every RaterHub task (NEXT / PAUSE / EXIT / UNDO) against your own RaterHub Tracker server. Works offline; never double-counts.
// @author       RaterHub Tracker
// @license      MIT
// @match        https://*.raterhub.com/*
// @match        https://raterhub.com/*
// @run-at       document-idle
// @grant        GM_xmlhttpRequest
// @grant        GM.xmlHttpRequest
// @grant        GM_getValue
// @grant        GM_setValue
// @grant        GM_deleteValue
// @grant        GM_listValues
// @grant        GM_addValueChangeListener
// @connect      __RHT_HOST__
// @downloadURL  __RHT_ORIGIN__/userscript/raterhub-tracker.user.js
// @updateURL    __RHT_ORIGIN__/userscript/raterhub-tracker.user.js
// ==/UserScript==

/*
 * Layout of this file (no build step, no dependencies):
 *   1. OPS: every GraphQL operation the overlay sends (the server's tests validate this block).
 *   2. Pure logic: AET parsing, task ids, hotkeys, timer maths, the event reducer, the queue,
 *      clock-offset learning and response classification. No DOM, no GM_*: loads in Node.
 *   3. The tracker core: queue + sync engine over injected storage/transport (still no DOM).
 *   4. The edge: GM_* adapters, the overlay (shadow DOM), hotkeys, page detection.
 * At the bottom: in Node, module.exports gets parts 1-3; in a browser, the overlay boots.
 *
 * NDA: only the task id (from the URL's taskIds parameter), the AET (as seconds) and
 * timestamps ever leave the page. Never page content, never URLs.
 */

'use strict';

const OPS = {
  login: `mutation Login($email: String!, $password: String!, $deviceName: String) {
  login(email: $email, password: $password, deviceName: $deviceName) {
    token
    user { email }
  }
}`,
  status: `query Status {
  serverTime
  me { email targetSeconds }
  activeSession {
    id
    questionCount
    averageSeconds
    pace { emoji label ratio }
    current { index startedAt pausedSeconds isPaused pausedAt targetSeconds taskId }
  }
  day { activeSeconds questionCount }
  week { activeSeconds goalSeconds }
}`,
  recordEvents: `mutation RecordEvents($inputs: [EventInput!]!) {
  recordEvents(inputs: $inputs) {
    duplicate
    serverTime
    error { code message }
    question { index activeSeconds }
    session { id isActive questionCount }
  }
}`,
};

// Filled in by the server when it serves this file; an unfilled placeholder means "ask the user".
const DEFAULT_SERVER_URL = '__RHT_ORIGIN__';
const SCRIPT_VERSION = '1.0.0';

// ------------------------------------------------------------------------------------------------
// 2. Pure logic
// ------------------------------------------------------------------------------------------------

const KEYS = {
  auth: 'rht.auth', // { server, email, token, deviceName }
  settings: 'rht.settings',
  ui: 'rht.ui', // { left, top, collapsed }
  clock: 'rht.clock', // { offsetMs, rttMs, at }
  base: 'rht.base', // last server snapshot: { session, day, week, me, at }
  seenTasks: 'rht.seenTasks', // task ids that already had a NEXT (auto mode), newest last
  notice: 'rht.notice', // { text, level, at } shown in every tab for a few seconds
  lastSentAt: 'rht.lastSentAt', // server-clock ms of the newest event sent
  lock: 'rht.lock', // { tab, until }: which tab is sending right now
  queuePrefix: 'rht.q.', // one key per queued event
  tabPrefix: 'rht.tab.', // one heartbeat key per open tab
};

const DEFAULT_SETTINGS = Object.freeze({
  hotkeys: Object.freeze({ next: 'Ctrl+Q', pause: 'Ctrl+Shift+P', exit: 'Ctrl+Shift+X', undo: 'Ctrl+Shift+Q' }),
  alertSound: false,
  alertFlash: false,
  alertSeconds: 30,
  detectTask: false,
  autoNext: false,
});

const DEFAULT_TARGET_SECONDS = 330;
const MAX_BATCH = 50;
const MAX_BACKOFF_MS = 30000;
// Background tabs may run timers only once a minute (Chrome's intensive throttling).
const TAB_STALE_MS = 75000;
const EVENT_TYPES = ['NEXT', 'PAUSE', 'EXIT', 'UNDO'];
// Codes with which the server rejects one event for good: drop it, show it, never retry it.
const REJECT_CODES = ['NO_ACTIVE_SESSION', 'NOTHING_TO_UNDO', 'BAD_USER_INPUT', 'NOT_FOUND', 'FORBIDDEN'];

function mergeSettings(stored) {
  const s = stored && typeof stored === 'object' ? stored : {};
  const hk = s.hotkeys && typeof s.hotkeys === 'object' ? s.hotkeys : {};
  const hotkeys = {};
  for (const a of Object.keys(DEFAULT_SETTINGS.hotkeys)) {
    hotkeys[a] = typeof hk[a] === 'string' ? hk[a] : DEFAULT_SETTINGS.hotkeys[a];
  }
  const secs = Number(s.alertSeconds);
  return {
    hotkeys,
    alertSound: !!s.alertSound,
    alertFlash: !!s.alertFlash,
    alertSeconds: Number.isFinite(secs) && secs >= 0 && secs <= 3600 ? secs : DEFAULT_SETTINGS.alertSeconds,
    detectTask: !!s.detectTask,
    autoNext: !!s.autoNext,
  };
}

/**
 * The AET shown by RaterHub, in seconds, taking the upper bound of a range:
 * "3 - 4 minutes" → 240, "90 seconds" → 90, "1.5 minutes" → 90, "1 hour" → 3600.
 * A number without a unit is taken as minutes. Returns null when there is no number.
 */
function parseAet(text) {
  if (text == null) return null;
  const s = String(text).toLowerCase().replace(/,/g, '.');
  const nums = s.match(/\d+(?:\.\d+)?/g);
  if (!nums) return null;
  const upper = Math.max(...nums.map(Number));
  if (!Number.isFinite(upper) || upper <= 0) return null;
  // The unit is the first one after the last number ("3 - 4 minutes"), else any unit in the text.
  const after = s.slice(s.lastIndexOf(nums[nums.length - 1]) + nums[nums.length - 1].length);
  const unitOf = (t) => {
    const m = t.match(/\b(h|hr|hrs|hours?|m|mins?|minutes?|s|secs?|seconds?)\b/);
    if (!m) return null;
    const u = m[1];
    if (u[0] === 'h') return 3600;
    if (u[0] === 'm') return 60;
    return 1;
  };
  const mult = unitOf(after) || unitOf(s) || 60;
  return Math.round(upper * mult * 1000) / 1000;
}

/** The task id from a RaterHub URL's `taskIds` parameter (the first id of a list), or null. */
function taskIdFromUrl(url) {
  try {
    const u = new URL(String(url));
    const raw = u.searchParams.get('taskIds') || u.searchParams.get('taskId');
    if (!raw) return null;
    const first = raw.split(/[,\s]+/).map((x) => x.trim()).filter(Boolean)[0];
    return first ? first.slice(0, 200) : null;
  } catch (_) {
    return null;
  }
}

/** Whether a URL is a task page (used for the "two task tabs" warning). */
function isTaskUrl(url) {
  if (taskIdFromUrl(url)) return true;
  try {
    return /\/task(\/|s\/|$)/i.test(new URL(String(url)).pathname);
  } catch (_) {
    return false;
  }
}

// --- hotkeys ---

const MOD_ORDER = ['Ctrl', 'Alt', 'Shift', 'Meta'];

/** "ctrl + shift + p" → { ctrl, alt, shift, meta, key: "P" } or null. */
function parseCombo(str) {
  if (typeof str !== 'string' || !str.trim()) return null;
  const parts = str.split('+').map((p) => p.trim()).filter(Boolean);
  if (!parts.length) return null;
  const combo = { ctrl: false, alt: false, shift: false, meta: false, key: '' };
  if (/\+\s*$/.test(str) && parts.length > 0 && str.trim() !== '+') return null; // "Ctrl+" has no key
  const mods = { ctrl: 'ctrl', control: 'ctrl', alt: 'alt', option: 'alt', shift: 'shift', meta: 'meta', cmd: 'meta', command: 'meta', win: 'meta' };
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i].toLowerCase();
    if (i < parts.length - 1) {
      if (!mods[p]) return null; // two non-modifier keys
      combo[mods[p]] = true;
      continue;
    }
    if (mods[p]) return null; // a modifier alone is no hotkey
    combo.key = normalizeKeyName(parts[i]);
  }
  return combo.key ? combo : null;
}

function normalizeKeyName(k) {
  if (k.length === 1) return k.toUpperCase();
  const low = k.toLowerCase();
  const named = { space: 'Space', esc: 'Escape', escape: 'Escape', enter: 'Enter', tab: 'Tab' };
  if (named[low]) return named[low];
  return k[0].toUpperCase() + k.slice(1);
}

/** The key of a KeyboardEvent, layout-independent for letters and digits (uses `code`). */
function eventKeyName(e) {
  const code = e.code || '';
  let m = code.match(/^Key([A-Z])$/);
  if (m) return m[1];
  m = code.match(/^(?:Digit|Numpad)(\d)$/);
  if (m) return m[1];
  const k = e.key || '';
  if (k === ' ') return 'Space';
  if (['Control', 'Shift', 'Alt', 'Meta', 'AltGraph', 'OS'].includes(k)) return '';
  return normalizeKeyName(k || code);
}

function comboToString(c) {
  if (!c) return '';
  const mods = MOD_ORDER.filter((m) => c[m.toLowerCase()]);
  return [...mods, c.key].join('+');
}

/** The combo a KeyboardEvent represents ("" for a lone modifier). */
function comboFromEvent(e) {
  const key = eventKeyName(e);
  if (!key) return '';
  return comboToString({ ctrl: !!e.ctrlKey, alt: !!e.altKey, shift: !!e.shiftKey, meta: !!e.metaKey, key });
}

/** Exact match: Ctrl+Q does not fire on Ctrl+Shift+Q. */
function matchesCombo(e, comboStr) {
  const c = typeof comboStr === 'string' ? parseCombo(comboStr) : comboStr;
  if (!c) return false;
  return !!e.ctrlKey === c.ctrl && !!e.altKey === c.alt && !!e.shiftKey === c.shift &&
    !!e.metaKey === c.meta && eventKeyName(e) === c.key;
}

/** Which action ('next' | 'pause' | 'exit' | 'undo') a key event triggers, or null. */
function hotkeyAction(e, hotkeys) {
  if (!e || e.isComposing || e.repeat) return null;
  for (const action of ['next', 'pause', 'exit', 'undo']) {
    if (hotkeys[action] && matchesCombo(e, hotkeys[action])) return action;
  }
  return null;
}

/** True for inputs, textareas, selects and contenteditable areas (hotkeys are ignored there). */
function isTypingTarget(el) {
  for (let n = el; n && n.nodeType === 1; n = n.parentElement) {
    const tag = (n.tagName || '').toUpperCase();
    if (tag === 'TEXTAREA' || tag === 'SELECT') return true;
    if (tag === 'INPUT') {
      const t = String(n.type || 'text').toLowerCase();
      return !['button', 'submit', 'reset', 'checkbox', 'radio', 'range', 'color', 'file', 'image'].includes(t);
    }
    if (n.isContentEditable) return true;
    const ce = n.getAttribute && n.getAttribute('contenteditable');
    if (ce != null && ce !== 'false') return true;
  }
  return false;
}

// --- formatting ---

function pad2(n) {
  return String(n).padStart(2, '0');
}

/** 75 → "01:15", 3725 → "1:02:05". Negative values are shown as their magnitude. */
function formatClock(seconds) {
  let s = Math.floor(Math.abs(Number(seconds) || 0));
  const h = Math.floor(s / 3600);
  s -= h * 3600;
  const m = Math.floor(s / 60);
  const sec = s - m * 60;
  return h ? `${h}:${pad2(m)}:${pad2(sec)}` : `${pad2(m)}:${pad2(sec)}`;
}

/** Totals: 7980 → "2h 13m", 780 → "13m", 45 → "45s". */
function formatDuration(seconds) {
  const s = Math.max(0, Math.round(Number(seconds) || 0));
  if (s < 60) return `${s}s`;
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return h ? `${h}h ${pad2(m)}m` : `${m}m`;
}

function formatHours(seconds) {
  const h = (Number(seconds) || 0) / 3600;
  return `${h < 100 ? String(Math.round(h * 10) / 10) : Math.round(h)}h`;
}

// --- clock offset ---

/**
 * Learns the browser clock's offset from the server's: offset = serverTime − midpoint of the
 * request. Keeps the sample with the smallest round trip among recent ones (a short RTT bounds
 * the error), but always accepts a fresh sample when the stored one is old.
 */
function learnClock(prev, sample) {
  const { serverMs, sentAt, receivedAt } = sample;
  if (!Number.isFinite(serverMs) || !Number.isFinite(sentAt) || !Number.isFinite(receivedAt)) return prev || null;
  const rtt = Math.max(0, receivedAt - sentAt);
  const offsetMs = Math.round(serverMs - (sentAt + receivedAt) / 2);
  const fresh = { offsetMs, rttMs: rtt, at: receivedAt };
  if (!prev || !Number.isFinite(prev.offsetMs)) return fresh;
  const age = receivedAt - (prev.at || 0);
  if (rtt <= prev.rttMs * 1.25 + 5 || age > 10 * 60 * 1000 || age < 0) return fresh;
  // A slower sample that disagrees by more than its own uncertainty means the clock jumped.
  if (Math.abs(offsetMs - prev.offsetMs) > rtt / 2 + prev.rttMs / 2 + 1000) return fresh;
  return prev;
}

function parseTime(v) {
  if (v == null) return null;
  const t = typeof v === 'number' ? v : Date.parse(v);
  return Number.isFinite(t) ? t : null;
}

/** Server-clock ms of a queued event: the press time, corrected by the offset known then or now. */
function eventServerMs(ev, clock) {
  const off = Number.isFinite(ev.off) ? ev.off : clock && Number.isFinite(clock.offsetMs) ? clock.offsetMs : 0;
  return ev.at + off;
}

/** GraphQL inputs for a batch, in order, with non-decreasing times (the server refuses going back). */
function buildInputs(events, clock, lastSentAt) {
  let prev = Number.isFinite(lastSentAt) ? lastSentAt : -Infinity;
  const inputs = [];
  let newest = prev;
  for (const ev of events) {
    const t = Math.max(eventServerMs(ev, clock), prev);
    prev = t;
    newest = Math.max(newest, t);
    const input = { type: ev.type, clientEventId: ev.id, occurredAt: new Date(t).toISOString() };
    if (ev.taskId) input.taskId = String(ev.taskId);
    if (Number.isFinite(ev.targetSeconds) && ev.targetSeconds > 0) input.targetSeconds = ev.targetSeconds;
    inputs.push(input);
  }
  return { inputs, newest };
}

function backoffMs(failures, random = Math.random) {
  if (failures <= 0) return 0;
  const base = Math.min(MAX_BACKOFF_MS, 1000 * 2 ** (failures - 1));
  return Math.round(base * (0.75 + 0.5 * random()));
}

/** Sorts a GraphQL HTTP answer into ok / auth (signed out) / error (GraphQL error) / network. */
function classifyResponse(status, text) {
  if (!status) return { kind: 'network', message: 'server unreachable' };
  let body = null;
  try {
    body = JSON.parse(text);
  } catch (_) {
    body = null;
  }
  const errors = body && Array.isArray(body.errors) ? body.errors : [];
  const codeOf = (e) => (e && e.extensions && e.extensions.code) || null;
  if (status === 401 || errors.some((e) => codeOf(e) === 'UNAUTHENTICATED')) {
    const e = errors.find((x) => codeOf(x) === 'UNAUTHENTICATED');
    return { kind: 'auth', message: (e && e.message) || 'signed out' };
  }
  if (!body) {
    return { kind: status >= 500 || status === 408 || status === 429 ? 'network' : 'error', code: `HTTP_${status}`, message: `HTTP ${status}` };
  }
  if (errors.length) {
    const code = codeOf(errors[0]) || 'GRAPHQL_ERROR';
    return { kind: 'error', code, message: errors[0].message || code, data: body.data || null };
  }
  if (status >= 500) return { kind: 'network', message: `HTTP ${status}` };
  return { kind: 'ok', data: body.data || {} };
}

// --- the reducer: server snapshot + queued events → what the overlay shows ---

/** Internal state from the server's `activeSession` (null → no session). */
function stateFromServer(session, nowMs) {
  const st = {
    active: false, sessionId: null, index: 0, startedAt: null, pausedSeconds: 0, pausedAt: null,
    targetSeconds: null, taskId: null, questionCount: 0, sumActive: 0, pace: null, history: [],
    localStart: false, exitAt: null, uncertain: false,
  };
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
  }
  return st;
}

function cloneState(st) {
  return { ...st, history: st.history.slice() };
}

function closeQuestion(st, t) {
  if (st.pausedAt != null) {
    st.pausedSeconds += Math.max(0, (t - st.pausedAt) / 1000);
    st.pausedAt = null;
  }
  const raw = Math.max(0, (t - st.startedAt) / 1000);
  const active = Math.max(0, raw - st.pausedSeconds);
  st.history.push({
    index: st.index, startedAt: st.startedAt, pausedSeconds: st.pausedSeconds, targetSeconds: st.targetSeconds,
    taskId: st.taskId, endedAt: t, active,
  });
  st.questionCount += 1;
  st.sumActive += active;
}

/**
 * Applies one event at server-clock time t, mirroring the server's rules (issue 2), so the
 * overlay moves at once. Returns { ok } or { ok: false, code } for an event the server will
 * probably reject (it is still sent: the server decides).
 */
function applyEvent(st, ev, t, defaultTarget) {
  const target = Number.isFinite(ev.targetSeconds) && ev.targetSeconds > 0 ? ev.targetSeconds : null;
  switch (ev.type) {
    case 'NEXT':
      if (!st.active) {
        Object.assign(st, {
          active: true, sessionId: null, index: 1, startedAt: t, pausedSeconds: 0, pausedAt: null,
          targetSeconds: target ?? defaultTarget, taskId: ev.taskId || null, questionCount: 0, sumActive: 0,
          pace: null, history: [], localStart: true, exitAt: null,
        });
        return { ok: true };
      }
      closeQuestion(st, t);
      st.index += 1;
      st.startedAt = t;
      st.pausedSeconds = 0;
      st.pausedAt = null;
      st.targetSeconds = target ?? defaultTarget;
      st.taskId = ev.taskId || null;
      return { ok: true };
    case 'PAUSE':
      if (!st.active) return { ok: false, code: 'NO_ACTIVE_SESSION' };
      if (st.pausedAt != null) {
        st.pausedSeconds += Math.max(0, (t - st.pausedAt) / 1000);
        st.pausedAt = null;
      } else {
        st.pausedAt = t;
      }
      return { ok: true };
    case 'EXIT':
      if (!st.active) return { ok: false, code: 'NO_ACTIVE_SESSION' };
      closeQuestion(st, t);
      st.active = false;
      st.exitAt = t;
      return { ok: true };
    case 'UNDO': {
      if (!st.active) {
        if (st.exitAt != null && st.history.length) {
          const q = st.history.pop();
          Object.assign(st, {
            active: true, index: q.index, startedAt: q.startedAt,
            pausedSeconds: q.pausedSeconds + Math.max(0, (t - st.exitAt) / 1000), pausedAt: null,
            targetSeconds: q.targetSeconds, taskId: q.taskId, exitAt: null,
          });
          st.questionCount -= 1;
          st.sumActive -= q.active;
          return { ok: true };
        }
        return { ok: false, code: 'NOTHING_TO_UNDO' };
      }
      if (st.history.length) {
        const q = st.history.pop();
        st.pausedSeconds += q.pausedSeconds; // both parts' pauses stay paused time
        st.index = q.index;
        st.startedAt = q.startedAt;
        st.targetSeconds = q.targetSeconds;
        st.taskId = q.taskId;
        st.questionCount -= 1;
        st.sumActive -= q.active;
        return { ok: true };
      }
      if (st.localStart && st.index === 1) {
        Object.assign(st, stateFromServer(null));
        return { ok: true };
      }
      st.uncertain = true; // the previous question is only known to the server: wait for it
      return { ok: true };
    }
    default:
      return { ok: false, code: 'BAD_USER_INPUT' };
  }
}

/** The state to show: the server snapshot with every queued event replayed over it. */
function reduceState(base, events, clock, nowMs) {
  const session = base && base.session;
  let st = stateFromServer(session, nowMs);
  const defaultTarget = (base && base.me && Number(base.me.targetSeconds)) || DEFAULT_TARGET_SECONDS;
  const predicted = [];
  const all = base && Array.isArray(base.replay) ? base.replay.concat(events) : events;
  for (const ev of all) {
    const t = eventServerMs(ev, clock);
    st = cloneState(st);
    predicted.push({ id: ev.id, ...applyEvent(st, ev, t, defaultTarget) });
  }
  if (st.active && st.targetSeconds == null) st.targetSeconds = defaultTarget;
  return { state: st, predicted };
}

/** Active time of the running question at server time nowMs, and its countdown. */
function timerView(st, nowMs) {
  if (!st || !st.active || st.startedAt == null) {
    return { running: false, paused: false, activeSeconds: 0, targetSeconds: null, remaining: null, phase: 'idle', main: '--:--', elapsed: '00:00' };
  }
  // An open pause is excluded by stopping the clock where it began.
  const end = st.pausedAt != null ? st.pausedAt : nowMs;
  const activeSeconds = Math.max(0, (end - st.startedAt) / 1000 - st.pausedSeconds);
  const target = st.targetSeconds || DEFAULT_TARGET_SECONDS;
  const remaining = target - activeSeconds;
  const warnAt = Math.min(target / 2, 90, Math.max(30, target * 0.2));
  let phase = 'ok';
  if (remaining < 0) phase = 'over';
  else if (remaining <= warnAt) phase = 'warn';
  const main = remaining < 0 ? `\u2212${formatClock(Math.floor(-remaining))}` : formatClock(Math.ceil(remaining));
  return {
    running: st.pausedAt == null, paused: st.pausedAt != null, activeSeconds, targetSeconds: target, remaining, phase,
    main, elapsed: formatClock(activeSeconds),
  };
}

/** Everything the overlay prints, as plain data (unit-testable). */
function buildView(input) {
  const { base, events, clock, nowLocal, auth, offline, retryInMs, notice, otherTaskTabs, isTaskTab, sending, hotkeys } = input;
  const offset = clock && Number.isFinite(clock.offsetMs) ? clock.offsetMs : 0;
  const nowMs = nowLocal + offset;
  const { state, predicted } = reduceState(base, events, clock, nowMs);
  const timer = timerView(state, nowMs);
  const n = events.length;
  const hk = hotkeys || DEFAULT_SETTINGS.hotkeys;
  let status;
  let statusLevel;
  const queued = `${n} event${n === 1 ? '' : 's'} queued`;
  if (!auth || !auth.token) {
    status = n ? `Signed out \u2014 ${queued}; sign in to send` : 'Signed out \u2014 sign in below';
    statusLevel = 'signedout';
  } else if (offline === null) {
    status = n ? `Connecting\u2026 \u2014 ${queued}` : 'Connecting\u2026';
    statusLevel = 'syncing';
  } else if (offline) {
    const secs = retryInMs > 0 ? Math.ceil(retryInMs / 1000) : 0;
    status = `Offline \u2014 ${n ? queued : 'server unreachable'}${secs ? ` \u00b7 retry in ${secs}s` : ''}`;
    statusLevel = 'offline';
  } else if (n) {
    status = sending ? `Connected \u2014 sending ${n}\u2026` : `Connected \u2014 ${queued}`;
    statusLevel = 'syncing';
  } else {
    status = 'Connected';
    statusLevel = 'ok';
  }
  const avg = state.questionCount > 0 ? state.sumActive / state.questionCount : null;
  const day = base && base.day;
  const week = base && base.week;
  // The server's pace covers the questions it knows; hide it while queued ones change the count.
  const serverCount = base && base.session ? Number(base.session.questionCount) || 0 : 0;
  const pace = state.questionCount === serverCount ? state.pace : null;
  return {
    state,
    predicted,
    timer,
    taskLabel: state.active ? `Task #${state.index}${state.uncertain ? ' (syncing)' : ''}` : 'No session',
    hint: state.active ? '' : `Press NEXT (${hk.next}) to start`,
    avgLabel: avg != null ? `Avg ${formatClock(avg)} ${pace ? `${pace.emoji} ${pace.label}` : ''}`.trim() : 'Avg \u2013',
    todayLabel: day ? `Today ${formatDuration(day.activeSeconds)} \u00b7 ${day.questionCount} q` : 'Today \u2013',
    weekLabel: week ? `Week ${formatHours(week.activeSeconds)} / ${formatHours(week.goalSeconds)}` : 'Week \u2013',
    weekRatio: week && week.goalSeconds > 0 ? Math.min(1, week.activeSeconds / week.goalSeconds) : 0,
    status,
    statusLevel,
    queued: n,
    notice: notice && notice.text && nowLocal - notice.at < 12000 ? notice : null,
    tabsWarning: isTaskTab && otherTaskTabs > 0
      ? `${otherTaskTabs + 1} RaterHub task tabs are open \u2014 they share one timer`
      : otherTaskTabs > 1 ? `${otherTaskTabs} RaterHub task tabs are open \u2014 they share one timer` : '',
    pauseLabel: timer.paused ? 'RESUME' : 'PAUSE',
  };
}

function newId(random = Math.random) {
  const c = typeof crypto !== 'undefined' ? crypto : null;
  if (c && typeof c.randomUUID === 'function') return c.randomUUID();
  const h = () => Math.floor(random() * 0x10000).toString(16).padStart(4, '0');
  return `${h()}${h()}-${h()}-4${h().slice(1)}-${((8 + Math.floor(random() * 4)).toString(16))}${h().slice(1)}-${h()}${h()}${h()}`;
}

function eventNotice(type, err) {
  const human = {
    NO_ACTIVE_SESSION: 'no active session (press NEXT to start one)',
    NOTHING_TO_UNDO: 'nothing to undo',
  };
  return `${type} rejected: ${human[err.code] || err.message || err.code}`;
}

// ------------------------------------------------------------------------------------------------
// 3. The tracker core: queue + sync over injected storage and transport (no DOM)
// ------------------------------------------------------------------------------------------------

/**
 * storage: { get(key, def), set(key, value), del(key), keys() }
 * transport: ({ url, headers, body }) => Promise<{ status, text }>   (status 0 = network failure)
 */
function createTracker(opts) {
  const storage = opts.storage;
  const transport = opts.transport;
  const now = opts.now || (() => Date.now());
  const random = opts.random || Math.random;
  const setT = opts.setTimeout || ((f, ms) => setTimeout(f, ms));
  const clearT = opts.clearTimeout || ((h) => clearTimeout(h));
  const tabId = opts.tabId || newId(random).slice(0, 8);
  const listeners = new Set();
  let seq = 0;
  let flushing = false;
  let failures = 0;
  let retryAt = 0;
  let retryTimer = null;
  let offline = null; // null: no answer from the server yet
  let batchLimit = MAX_BATCH;
  let lastError = null;

  const emit = () => listeners.forEach((f) => { try { f(); } catch (_) { /* a view error must not stop sync */ } });

  function getAuth() {
    return storage.get(KEYS.auth, null);
  }

  function serverUrl() {
    const a = getAuth();
    return (a && a.server) || '';
  }

  function queued() {
    const out = [];
    for (const k of storage.keys()) {
      if (!k.startsWith(KEYS.queuePrefix)) continue;
      const ev = storage.get(k, null);
      if (ev && ev.id && EVENT_TYPES.includes(ev.type) && Number.isFinite(ev.at)) out.push({ key: k, ...ev });
    }
    out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    return out;
  }

  function notify(text, level = 'error') {
    storage.set(KEYS.notice, { text, level, at: now() });
    emit();
  }

  /** Records a press at once (time of the press, fresh id) in the persistent queue. */
  function record(type, extra = {}) {
    if (!EVENT_TYPES.includes(type)) throw new Error(`unknown event type ${type}`);
    const at = now();
    const clock = storage.get(KEYS.clock, null);
    const ev = { id: newId(random), type, at, off: clock && Number.isFinite(clock.offsetMs) ? clock.offsetMs : null };
    if (extra.taskId) ev.taskId = String(extra.taskId).slice(0, 200);
    if (Number.isFinite(extra.targetSeconds) && extra.targetSeconds > 0) ev.targetSeconds = extra.targetSeconds;
    seq = (seq + 1) % 1000;
    const key = `${KEYS.queuePrefix}${String(at).padStart(15, '0')}.${String(seq).padStart(3, '0')}.${tabId}.${ev.id}`;
    storage.set(key, ev);
    emit();
    flushSoon(0);
    return ev;
  }

  async function gql(query, variables, token) {
    const server = serverUrl().replace(/\/+$/, '');
    if (!server) return { kind: 'auth', message: 'no server configured' };
    const headers = { 'Content-Type': 'application/json', Accept: 'application/json' };
    if (token) headers.Authorization = `Bearer ${token}`;
    const sentAt = now();
    let res;
    try {
      res = await transport({ url: `${server}/graphql`, headers, body: JSON.stringify({ query, variables }) });
    } catch (e) {
      res = { status: 0, text: '' };
    }
    const receivedAt = now();
    const out = classifyResponse(res.status, res.text);
    out.sentAt = sentAt;
    out.receivedAt = receivedAt;
    return out;
  }

  function learnFrom(serverTime, r) {
    const serverMs = parseTime(serverTime);
    if (serverMs == null) return;
    const prev = storage.get(KEYS.clock, null);
    const next = learnClock(prev, { serverMs, sentAt: r.sentAt, receivedAt: r.receivedAt });
    if (next !== prev) storage.set(KEYS.clock, next);
  }

  function signOutLocally(reason) {
    const a = getAuth();
    if (a && a.token) storage.set(KEYS.auth, { server: a.server, email: a.email, deviceName: a.deviceName, token: null });
    offline = false;
    notify(reason || 'Signed out: the device token was revoked or expired. Sign in again.', 'error');
  }

  function setOnline() {
    if (offline !== false) {
      offline = false;
      emit();
    }
  }

  function scheduleRetry() {
    failures += 1;
    const delay = backoffMs(failures, random);
    retryAt = now() + delay;
    if (retryTimer) clearT(retryTimer);
    retryTimer = setT(() => { retryTimer = null; flush(); }, delay);
    emit();
  }

  let soonTimer = null;
  function flushSoon(ms) {
    if (soonTimer) return;
    soonTimer = setT(() => { soonTimer = null; flush(); }, ms || 0);
  }

  function acquireLock() {
    const l = storage.get(KEYS.lock, null);
    const t = now();
    if (l && l.tab !== tabId && l.until > t) return l.until - t;
    storage.set(KEYS.lock, { tab: tabId, until: t + 25000 });
    return 0;
  }

  function releaseLock() {
    const l = storage.get(KEYS.lock, null);
    if (l && l.tab === tabId) storage.del(KEYS.lock);
  }

  /** Sends the queue in order; resolves when this round is done. Safe to call any time. */
  async function flush() {
    if (flushing) return;
    const auth = getAuth();
    if (!auth || !auth.token) return;
    let events = queued();
    if (retryTimer && now() < retryAt) return; // a retry is already scheduled
    if (!events.length) {
      // Nothing to send (another tab may have sent it): still find out whether we are online.
      if (offline !== false) await refresh({ quiet: true });
      return;
    }
    const wait = acquireLock();
    if (wait) {
      if (!retryTimer) retryTimer = setT(() => { retryTimer = null; flush(); }, Math.min(wait + 50, 5000));
      return;
    }
    flushing = true;
    emit();
    try {
      while (events.length) {
        const batch = events.slice(0, batchLimit);
        const clock = storage.get(KEYS.clock, null);
        const { inputs, newest } = buildInputs(batch, clock, storage.get(KEYS.lastSentAt, null));
        const r = await gql(OPS.recordEvents, { inputs }, auth.token);
        if (r.kind === 'network') {
          offline = true;
          lastError = r.message;
          scheduleRetry();
          return;
        }
        if (r.kind === 'auth') {
          signOutLocally();
          return;
        }
        if (r.kind === 'error') {
          // The whole request failed. One event at a time finds the culprit; a lone event
          // the server rejects for good is dropped (and shown) instead of retried forever.
          setOnline();
          if (batch.length === 1 && REJECT_CODES.includes(r.code)) {
            storage.del(batch[0].key);
            notify(eventNotice(batch[0].type, r));
            events = queued();
            continue;
          }
          batchLimit = 1;
          lastError = r.message;
          if (batch.length > 1) { events = queued(); continue; }
          notify(`Server error (${r.code}); will retry`, 'warn');
          scheduleRetry();
          return;
        }
        const results = (r.data && r.data.recordEvents) || [];
        setOnline();
        failures = 0;
        batchLimit = MAX_BATCH;
        let last = null;
        const rejected = [];
        results.forEach((res, i) => {
          if (!res || i >= batch.length) return;
          if (res.serverTime) last = res.serverTime;
          if (res.error) rejected.push(eventNotice(batch[i].type, res.error));
        });
        if (last) learnFrom(last, r);
        const sent = batch.slice(0, Math.min(batch.length, results.length));
        const prevSent = storage.get(KEYS.lastSentAt, null);
        storage.set(KEYS.lastSentAt, Math.max(Number.isFinite(prevSent) ? prevSent : 0, newest));
        // Fetch the new server state before dropping the sent events, so the view never shows
        // the old snapshot without them.
        if (!(await refresh({ quiet: true }))) {
          // No fresh snapshot: keep showing the sent events over the old one until there is.
          const b = storage.get(KEYS.base, null) || { session: null };
          const replay = (Array.isArray(b.replay) ? b.replay : []).concat(sent.map(({ key, ...ev }) => ev));
          storage.set(KEYS.base, { ...b, replay });
          setT(() => refresh({ quiet: true }), 2000);
        }
        for (const ev of sent) storage.del(ev.key);
        if (rejected.length) notify(rejected.join(' \u00b7 '));
        emit();
        if (sent.length < batch.length) { scheduleRetry(); return; }
        events = queued();
      }
    } finally {
      flushing = false;
      releaseLock();
      emit();
    }
  }

  /** Fetches the server snapshot (active session, today, week) and the server time. */
  async function refresh({ quiet } = {}) {
    const auth = getAuth();
    if (!auth || !auth.token) return false;
    const r = await gql(OPS.status, {}, auth.token);
    if (r.kind === 'auth') {
      signOutLocally();
      return false;
    }
    if (r.kind === 'network') {
      offline = true;
      if (!retryTimer) scheduleRetry(); // keep probing, with backoff
      emit();
      return false;
    }
    if (r.kind === 'error') {
      if (!quiet) notify(`Could not load status: ${r.message}`, 'warn');
      return false;
    }
    setOnline();
    const d = r.data;
    learnFrom(d.serverTime, r);
    storage.set(KEYS.base, { session: d.activeSession || null, day: d.day || null, week: d.week || null, me: d.me || null, at: now() });
    emit();
    if (!flushing && queued().length && !retryTimer) flushSoon(0);
    return true;
  }

  /** Signs in with a device name; stores only the device token, never the password. */
  async function login({ server, email, password, deviceName }) {
    const url = String(server || '').trim().replace(/\/+$/, '');
    if (!/^https?:\/\/[^\s/]+/i.test(url)) return { ok: false, message: 'Enter the server URL, e.g. https://tracker.example.com' };
    const em = String(email || '').trim();
    if (!em || !password) return { ok: false, message: 'Enter your email and password' };
    const prev = getAuth();
    storage.set(KEYS.auth, { server: url, email: em, deviceName, token: null });
    const r = await gql(OPS.login, { email: em, password: String(password), deviceName: deviceName || 'RaterHub userscript' });
    if (r.kind !== 'ok') {
      if (prev && prev.token && prev.server === url) storage.set(KEYS.auth, prev);
      const msg = r.kind === 'network' ? `Cannot reach ${url}` :
        r.code === 'INVALID_CREDENTIALS' || r.kind === 'auth' ? 'Wrong email or password' :
        r.code === 'RATE_LIMITED' ? 'Too many attempts; try again later' : r.message;
      emit();
      return { ok: false, message: msg };
    }
    const token = r.data && r.data.login && r.data.login.token;
    if (!token) return { ok: false, message: 'The server sent no token' };
    storage.set(KEYS.auth, { server: url, email: em, deviceName, token });
    failures = 0;
    offline = false;
    storage.set(KEYS.notice, { text: `Signed in as ${em}`, level: 'ok', at: now() });
    await refresh();
    flush();
    return { ok: true };
  }

  function logout() {
    const a = getAuth();
    storage.set(KEYS.auth, { server: a && a.server, email: a && a.email, deviceName: a && a.deviceName, token: null });
    storage.del(KEYS.base);
    emit();
  }

  function view(extra = {}) {
    return buildView({
      base: storage.get(KEYS.base, null),
      events: queued(),
      clock: storage.get(KEYS.clock, null),
      nowLocal: now(),
      auth: getAuth(),
      offline,
      retryInMs: retryTimer ? retryAt - now() : 0,
      notice: storage.get(KEYS.notice, null),
      sending: flushing,
      ...extra,
    });
  }

  return {
    tabId,
    record,
    flush,
    refresh,
    login,
    logout,
    queued,
    view,
    getAuth,
    notify,
    onChange(f) { listeners.add(f); return () => listeners.delete(f); },
    /** Retry now (e.g. when the browser says it is back online). */
    retryNow() {
      if (retryTimer) { clearT(retryTimer); retryTimer = null; }
      flush();
    },
    get offline() { return offline; },
    get failures() { return failures; },
    get lastError() { return lastError; },
  };
}

// ------------------------------------------------------------------------------------------------
// 4. The edge: GM_* storage and requests, the overlay, hotkeys and page detection
// ------------------------------------------------------------------------------------------------

/* global GM_getValue, GM_setValue, GM_deleteValue, GM_listValues, GM_addValueChangeListener, GM_xmlhttpRequest, GM */

function gmStorage() {
  return {
    get: (k, d) => {
      const v = GM_getValue(k, undefined);
      return v === undefined ? d : v;
    },
    set: (k, v) => GM_setValue(k, v),
    del: (k) => (typeof GM_deleteValue === 'function' ? GM_deleteValue(k) : GM_setValue(k, undefined)),
    keys: () => (typeof GM_listValues === 'function' ? GM_listValues() : []),
  };
}

function gmTransport() {
  const xhr = typeof GM_xmlhttpRequest === 'function' ? GM_xmlhttpRequest
    : typeof GM !== 'undefined' && GM && typeof GM.xmlHttpRequest === 'function' ? GM.xmlHttpRequest.bind(GM) : null;
  return (req) => new Promise((resolve) => {
    if (!xhr) { resolve({ status: 0, text: '' }); return; }
    let done = false;
    const finish = (v) => { if (!done) { done = true; resolve(v); } };
    try {
      xhr({
        method: 'POST',
        url: req.url,
        headers: req.headers,
        data: req.body,
        timeout: 20000,
        anonymous: true, // no cookies: the Bearer device token is the only credential
        onload: (r) => finish({ status: r.status, text: r.responseText }),
        onerror: () => finish({ status: 0, text: '' }),
        ontimeout: () => finish({ status: 0, text: '' }),
        onabort: () => finish({ status: 0, text: '' }),
      });
    } catch (_) {
      finish({ status: 0, text: '' });
    }
  });
}

const CSS = `
:host { all: initial; }
.rht { position: fixed; z-index: 2147483000; width: 264px; box-sizing: border-box;
  font: 13px/1.35 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1f1933;
  background: rgba(255,255,255,0.97); border: 2px solid #7c3aed; border-radius: 10px;
  box-shadow: 0 6px 24px rgba(40,20,80,0.25); user-select: none; }
.rht * { box-sizing: border-box; }
.rht { display: flex; flex-direction: column; max-height: calc(100vh - 24px); }
.rht.collapsed { width: auto; min-width: 150px; }
.rht.flash { animation: rht-flash 0.5s ease-in-out 4; }
@keyframes rht-flash { 50% { border-color: #f59e0b; box-shadow: 0 0 0 6px rgba(245,158,11,0.45); } }
.hdr { display: flex; align-items: center; gap: 6px; padding: 5px 6px 5px 10px; cursor: move;
  background: #7c3aed; color: #fff; border-radius: 7px 7px 0 0; touch-action: none; }
.collapsed .hdr { border-radius: 7px; }
.title { font-weight: 600; flex: 1; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.mini { display: none; font-variant-numeric: tabular-nums; font-weight: 700; flex: 1; white-space: nowrap; }
.collapsed .title { display: none; }
.collapsed .mini { display: block; }
.mini.warn { color: #fde68a; } .mini.over { color: #fecaca; }
.icon { all: unset; cursor: pointer; width: 22px; height: 22px; line-height: 22px; text-align: center;
  border-radius: 5px; font-size: 14px; color: #fff; }
.icon:hover, .icon:focus-visible { background: rgba(255,255,255,0.2); }
.body { padding: 8px 10px 8px; overflow-y: auto; min-height: 0; }
.collapsed .body { display: none; }
.clock { display: flex; align-items: baseline; justify-content: space-between; }
.count { font-size: 30px; font-weight: 700; font-variant-numeric: tabular-nums; letter-spacing: 0.5px; }
.count.warn { color: #b45309; } .count.over { color: #dc2626; } .count.idle { color: #9ca3af; }
.count.paused { opacity: 0.55; }
.task { font-weight: 600; color: #5b21b6; text-align: right; }
.sub { color: #555; font-size: 12px; font-variant-numeric: tabular-nums; }
.badge { display: inline-block; font-size: 10px; font-weight: 700; color: #fff; background: #6b7280;
  border-radius: 4px; padding: 0 4px; margin-left: 4px; vertical-align: middle; }
.line { margin-top: 3px; font-size: 12px; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.bar { height: 4px; background: #ede9fe; border-radius: 2px; margin-top: 2px; overflow: hidden; }
.bar > div { height: 100%; background: #7c3aed; width: 0; }
.btns { display: grid; grid-template-columns: 1.4fr 1fr 1fr 1fr; gap: 4px; margin-top: 8px; }
.btn { all: unset; cursor: pointer; text-align: center; font-size: 11px; font-weight: 700; padding: 6px 2px;
  border-radius: 6px; background: #ede9fe; color: #4c1d95; }
.btn:hover, .btn:focus-visible { background: #ddd6fe; }
.btn.primary { background: #7c3aed; color: #fff; } .btn.primary:hover { background: #6d28d9; }
.status { margin-top: 7px; font-size: 11.5px; display: flex; gap: 5px; align-items: baseline; }
.dot { width: 8px; height: 8px; border-radius: 50%; background: #9ca3af; flex: none; }
.status.ok .dot { background: #16a34a; } .status.syncing .dot { background: #2563eb; }
.status.offline .dot { background: #d97706; } .status.signedout .dot { background: #9ca3af; }
.status.offline { color: #92400e; }
.notice { margin-top: 5px; font-size: 11.5px; padding: 4px 6px; border-radius: 5px; background: #fee2e2; color: #991b1b; }
.notice.ok { background: #dcfce7; color: #166534; } .notice.warn { background: #fef3c7; color: #92400e; }
.tabs { margin-top: 5px; font-size: 11.5px; padding: 4px 6px; border-radius: 5px; background: #fef3c7; color: #92400e; }
.form { margin-top: 8px; padding-top: 6px; border-top: 1px solid #e5e7eb; user-select: text; }
.form h4 { margin: 0 0 4px; font-size: 12px; }
.form label { display: block; font-size: 11px; color: #444; margin-top: 4px; }
.form input[type=text], .form input[type=email], .form input[type=password], .form input[type=url],
.form input[type=number] { width: 100%; font: inherit; font-size: 12px; padding: 3px 5px;
  border: 1px solid #c4b5fd; border-radius: 4px; background: #fff; color: #111; }
.form .row { display: flex; gap: 6px; align-items: center; margin-top: 4px; font-size: 12px; }
.form .row label { margin: 0; font-size: 12px; color: #222; }
.form .hk { display: grid; grid-template-columns: 60px 1fr; gap: 3px 6px; align-items: center; font-size: 12px; }
.form .hk input { width: 100%; font: inherit; font-size: 12px; padding: 2px 5px; border: 1px solid #c4b5fd; border-radius: 4px; }
.form .actions { display: flex; gap: 6px; margin-top: 6px; flex-wrap: wrap; }
.form .small { font-size: 11px; color: #555; margin-top: 5px; }
.err { color: #b91c1c; font-size: 11.5px; margin-top: 4px; min-height: 0; }
.hidden { display: none !important; }
`;

function isTopFrame() {
  try {
    return window.top === window.self;
  } catch (_) {
    return false;
  }
}

const RH_ORIGIN = /^https:\/\/([a-z0-9-]+\.)*raterhub\.com$/i;

/** In a sub-frame (the task frame), the script only relays hotkeys to the top window. */
function bootFrameRelay() {
  const storage = gmStorage();
  window.addEventListener('keydown', (e) => {
    const settings = mergeSettings(storage.get(KEYS.settings, null));
    const path = e.composedPath ? e.composedPath() : [];
    if (isTypingTarget(path[0] || e.target)) return;
    const action = hotkeyAction(e, settings.hotkeys);
    if (!action) return;
    e.preventDefault();
    e.stopPropagation();
    try {
      window.top.postMessage({ rhtHotkey: action, at: Date.now() }, '*');
    } catch (_) { /* cross-origin top we cannot reach */ }
  }, true);
}

function bootOverlay() {
  const storage = gmStorage();
  // One id per browser tab, kept across reloads (sessionStorage is per tab), so a reloaded tab
  // is not counted as a second one.
  let tabId = null;
  try {
    tabId = sessionStorage.getItem('rht.tabId');
    if (!tabId) sessionStorage.setItem('rht.tabId', (tabId = newId().slice(0, 8)));
  } catch (_) { tabId = null; }
  const tracker = createTracker({ storage, transport: gmTransport(), tabId: tabId || undefined });
  const pageUrl = () => location.href;
  let settings = mergeSettings(storage.get(KEYS.settings, null));
  let audio = null;
  let alertedFor = '';
  let showSettings = false;
  let pageTask = { taskId: null, targetSeconds: null };
  const taskFirstSeen = new Map();

  // --- DOM ---
  const host = document.createElement('div');
  host.id = 'rht-overlay';
  host.setAttribute('data-rht-version', SCRIPT_VERSION);
  // The page's own CSS must not hide or transform the host (a transform would break position: fixed).
  host.setAttribute('style', 'all: initial !important; display: block !important;');
  const root = host.attachShadow({ mode: 'open' });
  root.innerHTML = `<style>${CSS}</style>
<div class="rht" part="box" role="region" aria-label="RaterHub Tracker">
  <div class="hdr" data-rht="header">
    <span class="title">RaterHub Tracker</span>
    <span class="mini" data-rht="mini"></span>
    <button class="icon" data-rht="gear" title="Settings" aria-label="Settings">\u2699</button>
    <button class="icon" data-rht="toggle" title="Collapse" aria-label="Collapse">\u25be</button>
  </div>
  <div class="body">
    <div class="clock">
      <span class="count" data-rht="countdown">--:--</span>
      <span class="task" data-rht="task">No session</span>
    </div>
    <div class="sub"><span data-rht="elapsed"></span><span class="badge hidden" data-rht="paused">PAUSED</span></div>
    <div class="line" data-rht="avg"></div>
    <div class="line" data-rht="today"></div>
    <div class="line" data-rht="week"></div>
    <div class="bar"><div data-rht="weekbar"></div></div>
    <div class="btns">
      <button class="btn primary" data-rht="btn-next">NEXT</button>
      <button class="btn" data-rht="btn-pause">PAUSE</button>
      <button class="btn" data-rht="btn-exit">EXIT</button>
      <button class="btn" data-rht="btn-undo">UNDO</button>
    </div>
    <div class="status" data-rht="status-line"><span class="dot"></span><span data-rht="status"></span></div>
    <div class="tabs hidden" data-rht="tabs-warning"></div>
    <div class="notice hidden" data-rht="notice"></div>
    <form class="form hidden" data-rht="signin" autocomplete="off">
      <h4>Sign in to your tracker</h4>
      <label>Server URL <input type="url" data-rht="server" spellcheck="false"></label>
      <label>Email <input type="email" data-rht="email" spellcheck="false"></label>
      <label>Password <input type="password" data-rht="password" autocomplete="off"></label>
      <label>Device name <input type="text" data-rht="device" spellcheck="false"></label>
      <div class="actions"><button class="btn primary" type="submit" data-rht="signin-btn">Sign in</button></div>
      <div class="err" data-rht="signin-error"></div>
      <div class="small">Only a revocable device token is kept in this browser, never the password.</div>
    </form>
    <div class="form hidden" data-rht="settings">
      <h4>Hotkeys <span class="small">(click a box, press the keys)</span></h4>
      <div class="hk">
        <span>NEXT</span><input readonly data-rht="hk-next">
        <span>PAUSE</span><input readonly data-rht="hk-pause">
        <span>EXIT</span><input readonly data-rht="hk-exit">
        <span>UNDO</span><input readonly data-rht="hk-undo">
      </div>
      <h4 style="margin-top:8px">Alerts before the target</h4>
      <div class="row"><input type="checkbox" data-rht="alert-sound" id="rht-as"><label for="rht-as">Sound</label>
        <input type="checkbox" data-rht="alert-flash" id="rht-af"><label for="rht-af">Flash</label></div>
      <div class="row"><span>Alert</span><input type="number" min="0" max="3600" step="5" style="width:64px" data-rht="alert-seconds"><span>s before the target</span></div>
      <h4 style="margin-top:8px">Task detection</h4>
      <div class="row"><input type="checkbox" data-rht="detect" id="rht-dt"><label for="rht-dt">Send the task id and AET with NEXT</label></div>
      <div class="row"><input type="checkbox" data-rht="auto" id="rht-au"><label for="rht-au">Auto: NEXT when a new task opens</label></div>
      <div class="small">Only the task id, the AET and timestamps leave the page \u2014 never page content or URLs.</div>
      <div class="actions">
        <button class="btn primary" type="button" data-rht="save-settings">Save</button>
        <button class="btn" type="button" data-rht="reset-hotkeys">Default keys</button>
        <button class="btn" type="button" data-rht="reset-position">Reset position</button>
        <button class="btn" type="button" data-rht="signout-btn">Sign out</button>
      </div>
      <div class="err" data-rht="settings-error"></div>
      <div class="small" data-rht="account"></div>
    </div>
  </div>
</div>`;
  const $ = (name) => root.querySelector(`[data-rht="${name}"]`);
  const box = root.querySelector('.rht');
  document.documentElement.appendChild(host);

  // --- position and collapse ---
  const ui = () => ({ left: null, top: null, collapsed: false, ...(storage.get(KEYS.ui, null) || {}) });
  let avoidShift = 0;
  function place() {
    const u = ui();
    box.classList.toggle('collapsed', !!u.collapsed);
    $('toggle').textContent = u.collapsed ? '\u25b4' : '\u25be';
    $('toggle').title = u.collapsed ? 'Expand' : 'Collapse';
    const w = box.offsetWidth || 264;
    const h = box.offsetHeight || 200;
    if (Number.isFinite(u.left) && Number.isFinite(u.top)) {
      const left = Math.max(0, Math.min(u.left, window.innerWidth - w));
      const top = Math.max(0, Math.min(u.top, window.innerHeight - h));
      Object.assign(box.style, { left: `${left}px`, top: `${top}px`, right: 'auto', bottom: 'auto' });
    } else {
      Object.assign(box.style, { left: 'auto', top: 'auto', right: '16px', bottom: `${16 + avoidShift}px` });
    }
  }

  /** At the default corner, move up when the box would cover the page's submit buttons. */
  function avoidSubmit() {
    const u = ui();
    if (Number.isFinite(u.left) && Number.isFinite(u.top)) return;
    const buttons = document.querySelectorAll('button, input[type=submit], input[type=button], [role=button], a.button');
    const w = box.offsetWidth || 264;
    const h = box.offsetHeight || 200;
    const boxLeft = window.innerWidth - 16 - w;
    let shift = 0;
    for (const b of buttons) {
      if (host.contains(b)) continue;
      const label = `${b.textContent || ''} ${b.value || ''} ${b.id || ''} ${b.className || ''}`.toLowerCase();
      if (!/submit|next task|done|skip|release/.test(label)) continue;
      const r = b.getBoundingClientRect();
      if (!r.width || !r.height) continue;
      if (r.right < boxLeft || r.left > window.innerWidth - 16) continue; // no horizontal overlap
      const fromBottom = window.innerHeight - r.top; // space needed below the box's bottom edge
      if (r.bottom > window.innerHeight - 16 - h - 8 && fromBottom > 0 && fromBottom < window.innerHeight / 2) {
        shift = Math.max(shift, fromBottom + 8 - 16);
      }
    }
    shift = Math.max(0, Math.min(shift, window.innerHeight - 16 - h)); // never off the top
    if (shift !== avoidShift) {
      avoidShift = shift;
      place();
    }
  }

  let drag = null;
  $('header').addEventListener('pointerdown', (e) => {
    if (e.button !== 0 || e.target.closest('button')) return;
    const r = box.getBoundingClientRect();
    drag = { dx: e.clientX - r.left, dy: e.clientY - r.top, id: e.pointerId, moved: false };
    try { $('header').setPointerCapture(e.pointerId); } catch (_) { /* ignore */ }
    e.preventDefault();
  });
  $('header').addEventListener('pointermove', (e) => {
    if (!drag) return;
    const w = box.offsetWidth;
    const h = box.offsetHeight;
    const left = Math.max(0, Math.min(e.clientX - drag.dx, window.innerWidth - w));
    const top = Math.max(0, Math.min(e.clientY - drag.dy, window.innerHeight - h));
    drag.moved = true;
    drag.left = left;
    drag.top = top;
    Object.assign(box.style, { left: `${left}px`, top: `${top}px`, right: 'auto', bottom: 'auto' });
  });
  const endDrag = () => {
    if (drag && drag.moved) storage.set(KEYS.ui, { ...ui(), left: drag.left, top: drag.top });
    drag = null;
  };
  $('header').addEventListener('pointerup', endDrag);
  $('header').addEventListener('pointercancel', endDrag);
  $('toggle').addEventListener('click', () => {
    storage.set(KEYS.ui, { ...ui(), collapsed: !ui().collapsed });
    place();
    render();
  });
  $('gear').addEventListener('click', () => {
    if (ui().collapsed) storage.set(KEYS.ui, { ...ui(), collapsed: false });
    showSettings = !showSettings;
    if (showSettings) fillSettings();
    place();
    render();
  });
  window.addEventListener('resize', () => { place(); avoidSubmit(); });

  // --- actions ---
  function unlockAudio() {
    if (audio || !(settings.alertSound)) return;
    try {
      const Ctx = window.AudioContext || window.webkitAudioContext;
      if (Ctx) audio = new Ctx();
    } catch (_) { audio = null; }
  }

  function press(action, source) {
    unlockAudio();
    const type = action.toUpperCase();
    const extra = {};
    if (type === 'NEXT' && settings.detectTask) {
      const info = detectTask();
      if (info.taskId) {
        extra.taskId = info.taskId;
        rememberTask(info.taskId);
      }
      if (info.targetSeconds) extra.targetSeconds = info.targetSeconds;
    }
    tracker.record(type, extra);
    if (source !== 'auto') pulse();
    render();
  }

  function pulse() {
    box.animate && box.animate([{ borderColor: '#22c55e' }, { borderColor: '#7c3aed' }], { duration: 400 });
  }

  $('btn-next').addEventListener('click', () => press('next', 'click'));
  $('btn-pause').addEventListener('click', () => press('pause', 'click'));
  $('btn-exit').addEventListener('click', () => press('exit', 'click'));
  $('btn-undo').addEventListener('click', () => press('undo', 'click'));

  window.addEventListener('keydown', (e) => {
    const path = e.composedPath ? e.composedPath() : [];
    if (isTypingTarget(path[0] || e.target)) return;
    const action = hotkeyAction(e, settings.hotkeys);
    if (!action) return;
    e.preventDefault();
    e.stopPropagation();
    press(action, 'key');
  }, true);

  window.addEventListener('message', (e) => {
    const d = e.data;
    if (!d || typeof d.rhtHotkey !== 'string' || !RH_ORIGIN.test(e.origin || '')) return;
    if (!['next', 'pause', 'exit', 'undo'].includes(d.rhtHotkey)) return;
    press(d.rhtHotkey, 'frame');
  });

  // --- sign-in and settings forms ---
  function fillSignin() {
    const a = tracker.getAuth() || {};
    const defaultServer = /^https?:\/\//.test(DEFAULT_SERVER_URL) ? DEFAULT_SERVER_URL : '';
    if (!$('server').value) $('server').value = a.server || defaultServer;
    if (!$('email').value) $('email').value = a.email || '';
    if (!$('device').value) $('device').value = a.deviceName || defaultDeviceName();
  }

  function defaultDeviceName() {
    const ua = navigator.userAgent || '';
    const browser = /Firefox\//.test(ua) ? 'Firefox' : /Edg\//.test(ua) ? 'Edge' : /Chrom/.test(ua) ? 'Chrome' : /Safari\//.test(ua) ? 'Safari' : 'Browser';
    const os = /Windows/.test(ua) ? 'Windows' : /Mac OS X/.test(ua) ? 'macOS' : /CrOS/.test(ua) ? 'ChromeOS' : /Linux/.test(ua) ? 'Linux' : '';
    return `Userscript \u00b7 ${browser}${os ? ` on ${os}` : ''}`;
  }

  $('signin').addEventListener('submit', async (e) => {
    e.preventDefault();
    $('signin-error').textContent = '';
    $('signin-btn').textContent = 'Signing in\u2026';
    const password = $('password').value;
    $('password').value = ''; // never kept, not even in the form
    const res = await tracker.login({
      server: $('server').value, email: $('email').value, password, deviceName: $('device').value.trim() || defaultDeviceName(),
    });
    $('signin-btn').textContent = 'Sign in';
    if (!res.ok) $('signin-error').textContent = res.message;
    render();
  });

  const hkInputs = { next: $('hk-next'), pause: $('hk-pause'), exit: $('hk-exit'), undo: $('hk-undo') };
  for (const [action, input] of Object.entries(hkInputs)) {
    input.addEventListener('keydown', (e) => {
      if (e.key === 'Tab') return;
      e.preventDefault();
      e.stopPropagation();
      if ((e.key === 'Backspace' || e.key === 'Delete') && !e.ctrlKey && !e.altKey && !e.metaKey) { input.value = ''; return; }
      const combo = comboFromEvent(e);
      if (combo) input.value = combo;
      input.dataset.action = action;
    });
  }

  function fillSettings() {
    settings = mergeSettings(storage.get(KEYS.settings, null));
    for (const [a, input] of Object.entries(hkInputs)) input.value = settings.hotkeys[a];
    $('alert-sound').checked = settings.alertSound;
    $('alert-flash').checked = settings.alertFlash;
    $('alert-seconds').value = String(settings.alertSeconds);
    $('detect').checked = settings.detectTask;
    $('auto').checked = settings.autoNext;
    $('settings-error').textContent = '';
  }

  $('auto').addEventListener('change', () => { if ($('auto').checked) $('detect').checked = true; });
  $('detect').addEventListener('change', () => { if (!$('detect').checked) $('auto').checked = false; });
  $('save-settings').addEventListener('click', () => {
    const hotkeys = {};
    const seen = new Set();
    for (const [a, input] of Object.entries(hkInputs)) {
      const v = input.value.trim();
      if (v && !parseCombo(v)) { $('settings-error').textContent = `Invalid hotkey for ${a.toUpperCase()}`; return; }
      const norm = v ? comboToString(parseCombo(v)) : '';
      if (norm && seen.has(norm)) { $('settings-error').textContent = `${norm} is used twice`; return; }
      if (norm) seen.add(norm);
      hotkeys[a] = norm;
    }
    settings = mergeSettings({
      hotkeys, alertSound: $('alert-sound').checked, alertFlash: $('alert-flash').checked,
      alertSeconds: Number($('alert-seconds').value), detectTask: $('detect').checked, autoNext: $('auto').checked && $('detect').checked,
    });
    storage.set(KEYS.settings, settings);
    showSettings = false;
    unlockAudio();
    render();
  });
  $('reset-hotkeys').addEventListener('click', () => {
    for (const [a, input] of Object.entries(hkInputs)) input.value = DEFAULT_SETTINGS.hotkeys[a];
  });
  $('reset-position').addEventListener('click', () => {
    storage.set(KEYS.ui, { ...ui(), left: null, top: null });
    place();
  });
  $('signout-btn').addEventListener('click', () => {
    tracker.logout();
    showSettings = false;
    render();
  });

  // --- page detection (opt-in) ---
  function detectTask() {
    const el = document.querySelector('.ewok-estimated-task-weight');
    return { taskId: taskIdFromUrl(pageUrl()), targetSeconds: el ? parseAet(el.textContent) : null };
  }

  function seenTasks() {
    const v = storage.get(KEYS.seenTasks, []);
    return Array.isArray(v) ? v : [];
  }

  function rememberTask(id) {
    const list = seenTasks().filter((x) => x !== id);
    list.push(id);
    storage.set(KEYS.seenTasks, list.slice(-300));
  }

  function autoTick() {
    if (!settings.detectTask) return;
    pageTask = detectTask();
    if (!settings.autoNext || !pageTask.taskId) return;
    const id = pageTask.taskId;
    if (seenTasks().includes(id)) return;
    const v = tracker.view();
    if (v.state.active && v.state.taskId === id) { rememberTask(id); return; }
    // Give the page a moment to show the AET, then start the task's question anyway.
    if (!taskFirstSeen.has(id)) taskFirstSeen.set(id, Date.now());
    if (!pageTask.targetSeconds && Date.now() - taskFirstSeen.get(id) < 3000) return;
    press('next', 'auto');
  }

  // --- tabs ---
  const isTaskTab = () => isTaskUrl(pageUrl());
  function heartbeat() {
    storage.set(`${KEYS.tabPrefix}${tracker.tabId}`, { seen: Date.now(), task: isTaskTab() });
  }
  function otherTaskTabs() {
    const t = Date.now();
    let n = 0;
    for (const k of storage.keys()) {
      if (!k.startsWith(KEYS.tabPrefix) || k === `${KEYS.tabPrefix}${tracker.tabId}`) continue;
      const v = storage.get(k, null);
      if (!v || t - v.seen > TAB_STALE_MS * 2) { storage.del(k); continue; }
      if (v.task && t - v.seen <= TAB_STALE_MS) n += 1;
    }
    return n;
  }
  window.addEventListener('pagehide', () => storage.del(`${KEYS.tabPrefix}${tracker.tabId}`));

  // --- alerts ---
  function beep() {
    if (!audio) return;
    try {
      if (audio.state === 'suspended') audio.resume();
      const t0 = audio.currentTime;
      for (const [i, f] of [[0, 880], [1, 1175]]) {
        const o = audio.createOscillator();
        const g = audio.createGain();
        o.frequency.value = f;
        g.gain.setValueAtTime(0.0001, t0 + i * 0.22);
        g.gain.exponentialRampToValueAtTime(0.25, t0 + i * 0.22 + 0.02);
        g.gain.exponentialRampToValueAtTime(0.0001, t0 + i * 0.22 + 0.18);
        o.connect(g).connect(audio.destination);
        o.start(t0 + i * 0.22);
        o.stop(t0 + i * 0.22 + 0.2);
      }
    } catch (_) { /* no sound available */ }
  }

  function maybeAlert(v) {
    if (!settings.alertSound && !settings.alertFlash) return;
    const t = v.timer;
    if (!t.running || t.remaining == null) return;
    const key = `${v.state.sessionId || 'local'}:${v.state.index}:${v.state.startedAt}`;
    if (alertedFor === key) return;
    if (t.remaining <= settings.alertSeconds && t.remaining > settings.alertSeconds - 5) {
      alertedFor = key;
      if (document.visibilityState === 'hidden') return;
      if (settings.alertFlash) {
        box.classList.remove('flash');
        void box.offsetWidth;
        box.classList.add('flash');
      }
      if (settings.alertSound) beep();
    }
  }

  // --- render ---
  const set = (name, text) => { const el = $(name); if (el.textContent !== text) el.textContent = text; };
  function render() {
    let v;
    try {
      v = tracker.view({ otherTaskTabs: otherTaskTabs(), isTaskTab: isTaskTab(), hotkeys: settings.hotkeys });
    } catch (e) {
      set('status', `Error: ${e.message}`);
      return;
    }
    const t = v.timer;
    const cd = $('countdown');
    set('countdown', t.main);
    cd.className = `count ${t.phase}${t.paused ? ' paused' : ''}`;
    set('task', v.taskLabel);
    set('elapsed', v.state.active ? `active ${t.elapsed} / target ${formatClock(t.targetSeconds)}` : v.hint);
    $('paused').classList.toggle('hidden', !t.paused);
    set('avg', v.avgLabel);
    set('today', v.todayLabel);
    set('week', v.weekLabel);
    $('weekbar').style.width = `${Math.round(v.weekRatio * 100)}%`;
    set('btn-pause', v.pauseLabel);
    const hk = settings.hotkeys;
    $('btn-next').title = `NEXT (${hk.next || 'no hotkey'})`;
    $('btn-pause').title = `PAUSE / RESUME (${hk.pause || 'no hotkey'})`;
    $('btn-exit').title = `EXIT: end the session (${hk.exit || 'no hotkey'})`;
    $('btn-undo').title = `UNDO the last NEXT or EXIT (${hk.undo || 'no hotkey'})`;
    set('status', v.status);
    $('status-line').className = `status ${v.statusLevel}`;
    const mini = $('mini');
    set('mini', `${t.main}${v.state.active ? `  #${v.state.index}` : ''}${t.paused ? '  \u23f8' : ''}${v.queued && v.statusLevel !== 'ok' ? `  \u21bb${v.queued}` : ''}`);
    mini.className = `mini ${t.phase}`;
    $('tabs-warning').classList.toggle('hidden', !v.tabsWarning);
    set('tabs-warning', v.tabsWarning);
    const n = $('notice');
    n.classList.toggle('hidden', !v.notice);
    if (v.notice) {
      set('notice', v.notice.text);
      n.className = `notice ${v.notice.level || 'error'}`;
    }
    const signedOut = v.statusLevel === 'signedout';
    if (signedOut) fillSignin();
    $('signin').classList.toggle('hidden', !signedOut);
    $('settings').classList.toggle('hidden', !showSettings);
    const a = tracker.getAuth();
    set('account', a && a.token ? `Signed in as ${a.email} on ${a.server}` : '');
    $('signout-btn').classList.toggle('hidden', !(a && a.token));
    maybeAlert(v);
  }

  tracker.onChange(render);
  if (typeof GM_addValueChangeListener === 'function') {
    GM_addValueChangeListener(KEYS.settings, () => { settings = mergeSettings(storage.get(KEYS.settings, null)); render(); });
    GM_addValueChangeListener(KEYS.ui, (_k, _o, _n, remote) => { if (!remote) return; place(); });
    for (const k of [KEYS.base, KEYS.auth, KEYS.notice, KEYS.clock]) {
      GM_addValueChangeListener(k, (_k, _o, _n, remote) => { if (remote) render(); });
    }
  }

  place();
  heartbeat();
  render();
  avoidSubmit();
  setInterval(render, 250);
  setInterval(() => {
    heartbeat();
    autoTick();
    avoidSubmit();
    // Events queued by another tab (or left from before a reload) are sent by whoever is free.
    if (tracker.queued().length && !tracker.offline) tracker.flush();
  }, 1000);
  setInterval(() => { if (document.visibilityState !== 'hidden') tracker.refresh({ quiet: true }); }, 60000);
  window.addEventListener('online', () => tracker.retryNow());
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible') tracker.refresh({ quiet: true });
  });
  tracker.refresh({ quiet: true }).then(() => tracker.flush());
  autoTick();
}

// ------------------------------------------------------------------------------------------------
// Node (unit tests) gets the pure parts; a browser boots the overlay.
// ------------------------------------------------------------------------------------------------
if (typeof window === 'undefined') {
  if (typeof module !== 'undefined' && module.exports) {
    module.exports = {
      OPS, KEYS, DEFAULT_SETTINGS, DEFAULT_SERVER_URL, REJECT_CODES, mergeSettings, parseAet, taskIdFromUrl, isTaskUrl,
      parseCombo, comboToString, comboFromEvent, matchesCombo, hotkeyAction, isTypingTarget, eventKeyName,
      formatClock, formatDuration, formatHours, learnClock, eventServerMs, buildInputs, backoffMs,
      classifyResponse, stateFromServer, applyEvent, reduceState, timerView, buildView, newId, createTracker,
    };
  }
} else if (!window.__rhtTrackerLoaded) {
  window.__rhtTrackerLoaded = true;
  if (isTopFrame()) {
    const start = () => { if (document.documentElement) bootOverlay(); };
    if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
    else start();
  } else {
    bootFrameRelay();
  }
}
