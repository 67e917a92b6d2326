// Rater toolkit in the overlay: banked time, cap progress, earnings, the away prompt and the
// opt-in task type. Pure functions: the overlay draws what they return.
import { formatClock, formatHours } from './format.mjs';

export const MAX_TASK_TYPE = 64;

/** Banked seconds as "+4:10" (ahead, green) or "−2:30" (behind, red). */
export function bankedLabel(seconds) {
  const s = Number(seconds) || 0;
  const rounded = Math.round(s);
  if (rounded === 0) return { text: '\u00b10:00', level: 'even' };
  const clock = formatClock(Math.abs(rounded)).replace(/^0(\d:)/, '$1');
  return rounded > 0 ? { text: `+${clock}`, level: 'ahead' } : { text: `\u2212${clock}`, level: 'behind' };
}

/**
 * Today's banked seconds, live: the server's figure for the questions it knows, plus the
 * questions closed locally since (queued, not yet in the server's day).
 */
export function bankedToday(day, state) {
  const server = day && Number.isFinite(day.bankedSeconds) ? day.bankedSeconds : 0;
  // The state's history holds only questions closed by queued events, replayed on the server's base.
  const local = state && Array.isArray(state.history) ? state.history : [];
  return local.reduce((sum, q) => sum + ((Number(q.targetSeconds) || 0) - (Number(q.active) || 0)), server);
}

/** Progress against a cap, with a gentle warning at 90 % and 100 %. */
export function capView(creditedSeconds, capSeconds, name) {
  if (!Number.isFinite(capSeconds) || capSeconds <= 0) return { ratio: 0, warning: '', level: '' };
  const ratio = (Number(creditedSeconds) || 0) / capSeconds;
  if (ratio >= 1) return { ratio, warning: `${name} cap reached (${formatHours(capSeconds)})`, level: 'full' };
  if (ratio >= 0.9) return { ratio, warning: `${Math.floor(ratio * 100)}% of the ${name.toLowerCase()} cap (${formatHours(capSeconds)})`, level: 'near' };
  return { ratio, warning: '', level: '' };
}

/** "$12.34", "¥1,235": null without earnings. */
export function earningsLabel(money) {
  if (!money || !Number.isFinite(money.amount) || !money.currency) return null;
  try {
    return new Intl.NumberFormat(undefined, { style: 'currency', currency: money.currency }).format(money.amount);
  } catch (_) {
    return `${money.amount} ${money.currency}`;
  }
}

/**
 * Whether to ask about away time on return: no input for `minutes` (0 = never) while a
 * question runs unpaused. Times are local milliseconds.
 */
export function awayToAsk({ minutes, lastInputAt, nowMs, running }) {
  if (!(minutes > 0) || !running || !Number.isFinite(lastInputAt)) return null;
  const away = nowMs - lastInputAt;
  return away >= minutes * 60000 ? { since: lastInputAt, seconds: Math.floor(away / 1000), text: `Away ${formatClock(away / 1000)}. Count it?` } : null;
}

/**
 * "Don't count": a PAUSE when input stopped and a PAUSE now. The first is never earlier than
 * the session's last event (the server refuses events before it), and never after now.
 */
export function dontCountTimes({ since, nowMs, lastEventAt }) {
  const floor = Number.isFinite(lastEventAt) ? lastEventAt : -Infinity;
  const first = Math.min(nowMs, Math.max(since, floor));
  return [first, nowMs];
}

/** The task type: the trimmed text of the one element `selector` names, or null. */
export function readTaskType(doc, selector) {
  const sel = String(selector || '').trim();
  if (!sel || !doc) return null;
  let el = null;
  try {
    el = doc.querySelector(sel);
  } catch (_) {
    return null; // an invalid selector reads nothing
  }
  const text = el && typeof el.textContent === 'string' ? el.textContent.replace(/\s+/g, ' ').trim() : '';
  return text ? Array.from(text).slice(0, MAX_TASK_TYPE).join('') : null;
}
