// Storage keys, defaults and the stored settings' validation.

export const KEYS = {
  auth: 'rht.auth', // { server, email, token, deviceName }
  settings: 'rht.settings',
  ui: 'rht.ui', // { left, top, collapsed }
  clock: 'rht.clock', // { offsetMs, rttMs, at }
  base: 'rht.base', // last server snapshot: { session, day, week, me, at }
  seenTasks: 'rht.seenTasks', // task ids that already had a NEXT (auto mode), newest last
  notice: 'rht.notice', // { text, level, at } shown in every tab for a few seconds
  lastSentAt: 'rht.lastSentAt', // server-clock ms of the newest event sent
  lock: 'rht.lock', // { tab, at, until }: a short lease, renewed while a tab is sending
  queuePrefix: 'rht.q.', // one key per queued event
  tabPrefix: 'rht.tab.', // one heartbeat key per open tab
};

/*
 * Keys a browser keeps for itself never reach the page. Ctrl+Shift+Q quits Chrome on Linux and
 * Windows (and Firefox on Windows): UNDO defaults to Ctrl+Shift+Z. Firefox keeps Ctrl+Shift+P
 * (new private window): PAUSE is Alt+Shift+P there; and it quits on Ctrl+Q on Linux: NEXT is
 * Alt+Q there. The original keys stay assignable in ⚙.
 */
export const DEFAULT_SETTINGS = Object.freeze({
  hotkeys: Object.freeze({ next: 'Ctrl+Q', pause: 'Ctrl+Shift+P', exit: 'Ctrl+Shift+X', undo: 'Ctrl+Shift+Z' }),
  alertSound: false,
  alertFlash: false,
  alertSeconds: 30,
  detectTask: false,
  autoNext: false,
  // Ask "Away 14:20. Count it?" after this many minutes without input; 0 = never.
  awayPromptMinutes: 5,
  // Money stays off screen unless the rater asks for it.
  showEarnings: false,
  // Opt-in: the CSS selector of the element whose text is the task type. Nothing else is read.
  taskTypeSelector: '',
});

/** The default hotkeys for a browser (its user agent string). */
export function defaultHotkeys(userAgent = '') {
  const ua = String(userAgent || '');
  const hotkeys = { ...DEFAULT_SETTINGS.hotkeys };
  if (!/Firefox\//.test(ua)) return hotkeys;
  hotkeys.pause = 'Alt+Shift+P';
  if (/Linux/.test(ua) && !/Android/.test(ua)) hotkeys.next = 'Alt+Q';
  return hotkeys;
}

export const DEFAULT_TARGET_SECONDS = 330;
export const DEFAULT_IDLE_MINUTES = 60;
export const MAX_BATCH = 50;
export const MAX_BACKOFF_MS = 30000;
// Background tabs may run timers only once a minute (Chrome's intensive throttling).
export const TAB_STALE_MS = 75000;
// The send lease: a tab that is gone stops holding the queue within this time.
export const LEASE_MS = 3000;
export const LEASE_RENEW_MS = 1000;
export const EVENT_TYPES = ['NEXT', 'PAUSE', 'EXIT', 'UNDO'];
// Codes with which the server rejects one event for good: drop it, show it, never retry it.
export const REJECT_CODES = ['NO_ACTIVE_SESSION', 'NOTHING_TO_UNDO', 'BAD_USER_INPUT', 'NOT_FOUND', 'FORBIDDEN'];

export function mergeSettings(stored, defaults = DEFAULT_SETTINGS.hotkeys) {
  const s = stored && typeof stored === 'object' ? stored : {};
  const hk = s.hotkeys && typeof s.hotkeys === 'object' ? s.hotkeys : {};
  const hotkeys = {};
  for (const a of Object.keys(DEFAULT_SETTINGS.hotkeys)) {
    hotkeys[a] = typeof hk[a] === 'string' ? hk[a] : defaults[a];
  }
  const secs = Number(s.alertSeconds);
  return {
    hotkeys,
    alertSound: !!s.alertSound,
    alertFlash: !!s.alertFlash,
    alertSeconds: Number.isFinite(secs) && secs >= 0 && secs <= 3600 ? secs : DEFAULT_SETTINGS.alertSeconds,
    detectTask: !!s.detectTask,
    autoNext: !!s.autoNext,
    awayPromptMinutes: Number.isFinite(Number(s.awayPromptMinutes)) && Number(s.awayPromptMinutes) >= 0 && Number(s.awayPromptMinutes) <= 240
      ? Number(s.awayPromptMinutes) : DEFAULT_SETTINGS.awayPromptMinutes,
    showEarnings: !!s.showEarnings,
    taskTypeSelector: typeof s.taskTypeSelector === 'string' ? s.taskTypeSelector.slice(0, 200) : '',
  };
}
