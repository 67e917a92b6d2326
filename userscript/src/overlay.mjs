// The overlay box: DOM, position, buttons, hotkeys, sign-in and settings forms, alerts.
import { KEYS, mergeSettings } from './settings.mjs';
import { SCRIPT_VERSION } from './meta.mjs';
import { hotkeyAction, isTypingTarget } from './hotkeys.mjs';
import { CSS, TEMPLATE } from './overlay-html.mjs';
import { bindSignin, bindSettings, fillSettings } from './overlay-forms.mjs';
import { detectTask, rememberTask, autoTick, heartbeat } from './overlay-page.mjs';
import { render } from './overlay-render.mjs';
import { awayToAsk, readTaskType } from './toolkit.mjs';

export const RH_ORIGIN = /^https:\/\/([a-z0-9-]+\.)*raterhub\.com$/i;
const ACTIONS = ['next', 'pause', 'exit', 'undo'];
const MARGIN = 16;
// Labels of the page's own buttons the box must never cover.
const PAGE_BUTTONS = /submit|next task|done|skip|release/;

/** Where the box goes at its default corner: lifted above the page's buttons, height capped. */
export function cornerLayout(viewHeight, boxLeft, viewWidth, buttons) {
  let lift = 0;
  for (const r of buttons) {
    if (!r.width || !r.height || r.right < boxLeft || r.left > viewWidth - MARGIN) continue;
    const fromBottom = viewHeight - r.top; // the box's bottom edge must sit above the button
    if (fromBottom > 0 && fromBottom < viewHeight / 2) lift = Math.max(lift, fromBottom + 8 - MARGIN);
  }
  return { bottom: MARGIN + lift, maxHeight: Math.max(120, viewHeight - MARGIN - lift - 8) };
}

export class Overlay {
  constructor({ storage, tracker, defaults }) {
    Object.assign(this, { storage, tracker, defaults });
    this.settings = this.loadSettings();
    Object.assign(this, { audio: null, alertedFor: '', showSettings: false, drag: null, corner: null });
    this.taskFirstSeen = new Map();
    this.host = document.createElement('div');
    this.host.id = 'rht-overlay';
    this.host.setAttribute('data-rht-version', SCRIPT_VERSION);
    // The page's own CSS must not hide or transform the host (a transform would break position: fixed).
    this.host.setAttribute('style', 'all: initial !important; display: block !important;');
    this.root = this.host.attachShadow({ mode: 'open' });
    this.root.innerHTML = `<style>${CSS}</style>\n${TEMPLATE}`;
    this.box = this.root.querySelector('.rht');
    document.documentElement.appendChild(this.host);
  }

  $(name) {
    return this.root.querySelector(`[data-rht="${name}"]`);
  }

  loadSettings() {
    return mergeSettings(this.storage.get(KEYS.settings, null), this.defaults);
  }

  ui() {
    return { left: null, top: null, collapsed: false, ...(this.storage.get(KEYS.ui, null) || {}) };
  }

  saveUi(patch) {
    this.storage.set(KEYS.ui, { ...this.ui(), ...patch });
  }

  /** Puts the box where the user left it (kept inside the window) or at the default corner. */
  place() {
    const u = this.ui();
    this.box.classList.toggle('collapsed', !!u.collapsed);
    this.$('toggle').textContent = u.collapsed ? '\u25b4' : '\u25be';
    this.$('toggle').title = u.collapsed ? 'Expand' : 'Collapse';
    const w = this.box.offsetWidth || 264;
    const h = this.box.offsetHeight || 200;
    if (Number.isFinite(u.left) && Number.isFinite(u.top)) {
      const left = Math.max(0, Math.min(u.left, window.innerWidth - w));
      const top = Math.max(0, Math.min(u.top, window.innerHeight - h));
      this.box.style.maxHeight = `${Math.max(120, window.innerHeight - top - 8)}px`;
      Object.assign(this.box.style, { left: `${left}px`, top: `${top}px`, right: 'auto', bottom: 'auto' });
      return;
    }
    const c = this.corner || { bottom: MARGIN, maxHeight: window.innerHeight - 2 * MARGIN };
    Object.assign(this.box.style, { left: 'auto', top: 'auto', right: `${MARGIN}px`, bottom: `${c.bottom}px`, maxHeight: `${c.maxHeight}px` });
  }

  /** At the default corner, sit above the page's Submit/Release buttons and shrink to fit. */
  avoidSubmit() {
    const u = this.ui();
    if (Number.isFinite(u.left) && Number.isFinite(u.top)) return;
    const rects = [];
    for (const b of document.querySelectorAll('button, input[type=submit], input[type=button], [role=button], a.button')) {
      const label = `${b.textContent || ''} ${b.value || ''} ${b.id || ''} ${b.className || ''}`.toLowerCase();
      if (PAGE_BUTTONS.test(label)) rects.push(b.getBoundingClientRect());
    }
    const w = this.box.offsetWidth || 264;
    const c = cornerLayout(window.innerHeight, window.innerWidth - MARGIN - w, window.innerWidth, rects);
    if (this.corner && c.bottom === this.corner.bottom && c.maxHeight === this.corner.maxHeight) return;
    this.corner = c;
    this.place();
  }

  bindDrag() {
    const header = this.$('header');
    header.addEventListener('pointerdown', (e) => {
      if (e.button !== 0 || e.target.closest('button')) return;
      const r = this.box.getBoundingClientRect();
      this.drag = { dx: e.clientX - r.left, dy: e.clientY - r.top, moved: false };
      try { header.setPointerCapture(e.pointerId); } catch (_) { /* ignore */ }
      e.preventDefault();
    });
    header.addEventListener('pointermove', (e) => {
      const d = this.drag;
      if (!d) return;
      d.left = Math.max(0, Math.min(e.clientX - d.dx, window.innerWidth - this.box.offsetWidth));
      d.top = Math.max(0, Math.min(e.clientY - d.dy, window.innerHeight - this.box.offsetHeight));
      d.moved = true;
      Object.assign(this.box.style, { left: `${d.left}px`, top: `${d.top}px`, right: 'auto', bottom: 'auto' });
    });
    const endDrag = () => {
      if (this.drag && this.drag.moved) this.saveUi({ left: this.drag.left, top: this.drag.top });
      this.drag = null;
      this.place();
    };
    header.addEventListener('pointerup', endDrag);
    header.addEventListener('pointercancel', endDrag);
  }

  bindButtons() {
    this.$('toggle').addEventListener('click', () => {
      this.saveUi({ collapsed: !this.ui().collapsed });
      this.place();
      this.render();
    });
    this.$('gear').addEventListener('click', () => {
      if (this.ui().collapsed) this.saveUi({ collapsed: false });
      this.showSettings = !this.showSettings;
      if (this.showSettings) this.fillSettings();
      this.place();
      this.render();
    });
    for (const a of ACTIONS) this.$(`btn-${a}`).addEventListener('click', () => this.press(a, 'click'));
    window.addEventListener('resize', () => { this.place(); this.avoidSubmit(); });
  }

  bindHotkeys() {
    window.addEventListener('keydown', (e) => {
      const path = e.composedPath ? e.composedPath() : [];
      if (isTypingTarget(path[0] || e.target)) return;
      const action = hotkeyAction(e, this.settings.hotkeys);
      if (!action) return;
      e.preventDefault();
      e.stopPropagation();
      this.press(action, 'key');
    }, true);
    window.addEventListener('message', (e) => {
      const d = e.data;
      if (!d || typeof d.rhtHotkey !== 'string' || !RH_ORIGIN.test(e.origin || '')) return;
      if (ACTIONS.includes(d.rhtHotkey)) this.press(d.rhtHotkey, 'frame');
    });
  }

  unlockAudio() {
    if (this.audio || !this.settings.alertSound) return;
    try {
      const Ctx = window.AudioContext || window.webkitAudioContext;
      if (Ctx) this.audio = new Ctx();
    } catch (_) { this.audio = null; }
  }

  press(action, source) {
    this.unlockAudio();
    const type = action.toUpperCase();
    const extra = {};
    if (type === 'NEXT' && this.settings.detectTask) {
      const info = this.detectTask();
      if (info.taskId) {
        extra.taskId = info.taskId;
        this.rememberTask(info.taskId);
      }
      if (info.targetSeconds) extra.targetSeconds = info.targetSeconds;
    }
    if (type === 'NEXT') {
      const taskType = readTaskType(document, this.settings.taskTypeSelector);
      if (taskType) extra.taskType = taskType;
    }
    this.tracker.record(type, extra);
    if (source !== 'auto' && this.box.animate) this.box.animate([{ borderColor: '#22c55e' }, { borderColor: '#7c3aed' }], { duration: 400 });
    this.render();
  }
}

// The rest of the box lives in the overlay-*.mjs modules; these methods hand over to them.
Object.assign(Overlay.prototype, {
  render() { render(this); },
  fillSettings() { fillSettings(this); },
  detectTask() { return detectTask(); },
  rememberTask(id) { rememberTask(this.storage, id); },

  /** Wires everything up and starts the timers; the queue is sent as soon as the server answers. */
  start() {
    const { storage, tracker } = this;
    this.bindDrag();
    this.bindButtons();
    this.bindHotkeys();
    this.bindAway();
    bindSignin(this);
    bindSettings(this);
    tracker.onChange(() => this.render());
    storage.listen(KEYS.settings, () => { this.settings = this.loadSettings(); this.render(); });
    storage.listen(KEYS.ui, (remote) => { if (remote) this.place(); });
    for (const k of [KEYS.base, KEYS.auth, KEYS.notice, KEYS.clock]) storage.listen(k, (remote) => { if (remote) this.render(); });
    // A tab that goes away gives up the send lease and its heartbeat at once.
    window.addEventListener('pagehide', () => {
      tracker.dispose();
      storage.del(`${KEYS.tabPrefix}${tracker.tabId}`);
    });
    window.addEventListener('online', () => tracker.retryNow());
    document.addEventListener('visibilitychange', () => {
      if (document.visibilityState === 'visible') tracker.refresh({ quiet: true });
    });
    this.place();
    heartbeat(this);
    this.render();
    this.avoidSubmit();
    this.startTimers();
    // Send what is queued before asking for the server's state: a tab closed mid-send may have
    // delivered it already, and the answer says so, so the first state shown counts it once.
    const sent = tracker.queued().length ? tracker.flush() : Promise.resolve();
    sent.then(() => tracker.refresh({ quiet: true })).then(() => tracker.flush());
    autoTick(this);
  },

  /**
   * Away time: input (key or pointer) after a long enough silence while a question runs
   * unpaused asks whether the silence counts. No answer means it counts.
   */
  bindAway() {
    this.lastInputAt = this.tracker.now();
    const onInput = () => {
      const now = this.tracker.now();
      if (!this.away) {
        const t = this.tracker.view().timer;
        this.away = awayToAsk({ minutes: this.settings.awayPromptMinutes, lastInputAt: this.lastInputAt, nowMs: now, running: t.running });
        if (this.away) this.render();
      }
      this.lastInputAt = now;
    };
    for (const type of ['keydown', 'pointerdown']) window.addEventListener(type, onInput, true);
    this.$('away-count').addEventListener('click', () => { this.away = null; this.render(); });
    this.$('away-skip').addEventListener('click', () => {
      const since = this.away && this.away.since;
      this.away = null;
      if (Number.isFinite(since)) this.tracker.dontCount(since);
      this.render();
    });
  },

  startTimers() {
    const { storage, tracker } = this;
    setInterval(() => this.render(), 250);
    setInterval(async () => {
      if (storage.needsPolling) await storage.refresh();
      heartbeat(this);
      autoTick(this);
      this.avoidSubmit();
      // Events queued by another tab (or left from before a reload) are sent by whoever is free.
      if (tracker.queued().length && !tracker.offline) tracker.flush();
    }, 1000);
    setInterval(() => { if (document.visibilityState !== 'hidden') tracker.refresh({ quiet: true }); }, 60000);
  },
});
