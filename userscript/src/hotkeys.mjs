// Hotkeys: parsing, matching key events (layout-independent) and where they are ignored.


export const MOD_ORDER = ['Ctrl', 'Alt', 'Shift', 'Meta'];

/** "ctrl + shift + p" → { ctrl, alt, shift, meta, key: "P" } or null. */
export function parseCombo(str) {
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

export function normalizeKeyName(k) {
  if (k.length === 1) return k.toUpperCase();
  const low = k.toLowerCase();
  const named = { space: 'Space', esc: 'Escape', escape: 'Escape', enter: 'Enter', tab: 'Tab' };
  if (named[low]) return named[low];
  return k[0].toUpperCase() + k.slice(1);
}

/** The key of a KeyboardEvent, layout-independent for letters and digits (uses `code`). */
export function eventKeyName(e) {
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

export function comboToString(c) {
  if (!c) return '';
  const mods = MOD_ORDER.filter((m) => c[m.toLowerCase()]);
  return [...mods, c.key].join('+');
}

/** The combo a KeyboardEvent represents ("" for a lone modifier). */
export function comboFromEvent(e) {
  const key = eventKeyName(e);
  if (!key) return '';
  return comboToString({ ctrl: !!e.ctrlKey, alt: !!e.altKey, shift: !!e.shiftKey, meta: !!e.metaKey, key });
}

/** Exact match: Ctrl+Q does not fire on Ctrl+Shift+Q. */
export function matchesCombo(e, comboStr) {
  const c = typeof comboStr === 'string' ? parseCombo(comboStr) : comboStr;
  if (!c) return false;
  return !!e.ctrlKey === c.ctrl && !!e.altKey === c.alt && !!e.shiftKey === c.shift &&
    !!e.metaKey === c.meta && eventKeyName(e) === c.key;
}

/** Which action ('next' | 'pause' | 'exit' | 'undo') a key event triggers, or null. */
export function hotkeyAction(e, hotkeys) {
  if (!e || e.isComposing || e.repeat) return null;
  for (const action of ['next', 'pause', 'exit', 'undo']) {
    if (hotkeys[action] && matchesCombo(e, hotkeys[action])) return action;
  }
  return null;
}

/** True for inputs, textareas, selects and contenteditable areas (hotkeys are ignored there). */
export function isTypingTarget(el) {
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

