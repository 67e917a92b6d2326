// What the overlay reads from a RaterHub page: the AET and the task id. Never page content.

/**
 * The AET shown by RaterHub, in seconds, taking the upper bound of a range:
 * "3 - 4 minutes" → 240, "90 seconds" → 90, "1.5 minutes" → 90, "1 hour" → 3600.
 * A number without a unit is taken as minutes. Returns null when there is no number.
 */
export function parseAet(text) {
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
export function taskIdFromUrl(url) {
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
export function isTaskUrl(url) {
  if (taskIdFromUrl(url)) return true;
  try {
    return /\/task(\/|s\/|$)/i.test(new URL(String(url)).pathname);
  } catch (_) {
    return false;
  }
}

