// Talking to the server: clock offset, request inputs, backoff and answer classification.
import { MAX_BACKOFF_MS } from './settings.mjs';

/**
 * Learns the browser clock's offset from the server's: offset = serverTime − midpoint of the
 * request. Keeps the sample with the smallest round trip among recent ones (a short RTT bounds
 * the error), but always accepts a fresh sample when the stored one is old.
 */
export function learnClock(prev, sample) {
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

export function parseTime(v) {
  if (v == null) return null;
  const t = typeof v === 'number' ? v : Date.parse(v);
  return Number.isFinite(t) ? t : null;
}

/** Server-clock ms of a queued event: the press time, corrected by the offset known then or now. */
export function eventServerMs(ev, clock) {
  const off = Number.isFinite(ev.off) ? ev.off : clock && Number.isFinite(clock.offsetMs) ? clock.offsetMs : 0;
  return ev.at + off;
}

/** GraphQL inputs for a batch, in order, with non-decreasing times (the server refuses going back). */
export function buildInputs(events, clock, lastSentAt) {
  let prev = Number.isFinite(lastSentAt) ? lastSentAt : -Infinity;
  const inputs = [];
  let newest = prev;
  for (const ev of events) {
    const t = Math.max(eventServerMs(ev, clock), prev);
    prev = t;
    newest = Math.max(newest, t);
    const input = { type: ev.type, clientEventId: ev.id, occurredAt: new Date(t).toISOString() };
    if (ev.taskId) input.taskId = String(ev.taskId);
    if (ev.taskType) input.taskType = String(ev.taskType);
    if (Number.isFinite(ev.targetSeconds) && ev.targetSeconds > 0) input.targetSeconds = ev.targetSeconds;
    inputs.push(input);
  }
  return { inputs, newest };
}

export function backoffMs(failures, random = Math.random) {
  if (failures <= 0) return 0;
  const base = Math.min(MAX_BACKOFF_MS, 1000 * 2 ** (failures - 1));
  return Math.round(base * (0.75 + 0.5 * random()));
}

/** Sorts a GraphQL HTTP answer into ok / auth (signed out) / error (GraphQL error) / network. */
export function classifyResponse(status, text) {
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

export function newId(random = Math.random) {
  const c = typeof crypto !== 'undefined' ? crypto : null;
  if (c && typeof c.randomUUID === 'function') return c.randomUUID();
  const h = () => Math.floor(random() * 0x10000).toString(16).padStart(4, '0');
  return `${h()}${h()}-${h()}-4${h().slice(1)}-${((8 + Math.floor(random() * 4)).toString(16))}${h().slice(1)}-${h()}${h()}${h()}`;
}

export function eventNotice(type, err) {
  const human = {
    NO_ACTIVE_SESSION: 'no active session (press NEXT to start one)',
    NOTHING_TO_UNDO: 'nothing to undo',
  };
  return `${type} rejected: ${human[err.code] || err.message || err.code}`;
}

