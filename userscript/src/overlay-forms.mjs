// The overlay's two forms: sign-in, and ⚙ settings (hotkeys, alerts, task detection).
import { KEYS, mergeSettings } from './settings.mjs';
import { DEFAULT_SERVER_URL } from './meta.mjs';
import { comboFromEvent, parseCombo, comboToString } from './hotkeys.mjs';

export function defaultDeviceName(ua) {
  const browser = /Firefox\//.test(ua) ? 'Firefox' : /Edg\//.test(ua) ? 'Edge' : /Chrom/.test(ua) ? 'Chrome' : /Safari\//.test(ua) ? 'Safari' : 'Browser';
  const os = /Windows/.test(ua) ? 'Windows' : /Mac OS X/.test(ua) ? 'macOS' : /CrOS/.test(ua) ? 'ChromeOS' : /Linux/.test(ua) ? 'Linux' : '';
  return `Userscript \u00b7 ${browser}${os ? ` on ${os}` : ''}`;
}

export function fillSignin(o) {
  const a = o.tracker.getAuth() || {};
  const defaultServer = /^https?:\/\//.test(DEFAULT_SERVER_URL) ? DEFAULT_SERVER_URL : '';
  if (!o.$('server').value) o.$('server').value = a.server || defaultServer;
  if (!o.$('email').value) o.$('email').value = a.email || '';
  if (!o.$('device').value) o.$('device').value = a.deviceName || defaultDeviceName(navigator.userAgent || '');
}

export function bindSignin(o) {
  o.$('signin').addEventListener('submit', async (e) => {
    e.preventDefault();
    o.$('signin-error').textContent = '';
    o.$('signin-btn').textContent = 'Signing in\u2026';
    const password = o.$('password').value;
    o.$('password').value = ''; // never kept, not even in the form
    const res = await o.tracker.login({
      server: o.$('server').value, email: o.$('email').value, password,
      deviceName: o.$('device').value.trim() || defaultDeviceName(navigator.userAgent || ''),
    });
    o.$('signin-btn').textContent = 'Sign in';
    if (!res.ok) o.$('signin-error').textContent = res.message;
    o.render();
  });
}

function hotkeyInputs(o) {
  return { next: o.$('hk-next'), pause: o.$('hk-pause'), exit: o.$('hk-exit'), undo: o.$('hk-undo') };
}

export function fillSettings(o) {
  o.settings = o.loadSettings();
  for (const [a, input] of Object.entries(hotkeyInputs(o))) input.value = o.settings.hotkeys[a];
  o.$('alert-sound').checked = o.settings.alertSound;
  o.$('alert-flash').checked = o.settings.alertFlash;
  o.$('alert-seconds').value = String(o.settings.alertSeconds);
  o.$('detect').checked = o.settings.detectTask;
  o.$('auto').checked = o.settings.autoNext;
  o.$('type-selector').value = o.settings.taskTypeSelector;
  o.$('away-minutes').value = String(o.settings.awayPromptMinutes);
  o.$('show-earnings').checked = o.settings.showEarnings;
  o.$('settings-error').textContent = '';
}

/** The hotkeys typed into ⚙, normalised, or an error message. */
export function readHotkeys(values) {
  const hotkeys = {};
  const seen = new Set();
  for (const [a, raw] of Object.entries(values)) {
    const v = String(raw || '').trim();
    if (v && !parseCombo(v)) return { error: `Invalid hotkey for ${a.toUpperCase()}` };
    const norm = v ? comboToString(parseCombo(v)) : '';
    if (norm && seen.has(norm)) return { error: `${norm} is used twice` };
    if (norm) seen.add(norm);
    hotkeys[a] = norm;
  }
  return { hotkeys };
}

function recordHotkey(input, e) {
  if (e.key === 'Tab') return;
  e.preventDefault();
  e.stopPropagation();
  if ((e.key === 'Backspace' || e.key === 'Delete') && !e.ctrlKey && !e.altKey && !e.metaKey) { input.value = ''; return; }
  const combo = comboFromEvent(e);
  if (combo) input.value = combo;
}

function saveSettings(o) {
  const inputs = hotkeyInputs(o);
  const read = readHotkeys(Object.fromEntries(Object.entries(inputs).map(([a, i]) => [a, i.value])));
  if (read.error) { o.$('settings-error').textContent = read.error; return; }
  o.settings = mergeSettings({
    hotkeys: read.hotkeys, alertSound: o.$('alert-sound').checked, alertFlash: o.$('alert-flash').checked,
    alertSeconds: Number(o.$('alert-seconds').value), detectTask: o.$('detect').checked, autoNext: o.$('auto').checked && o.$('detect').checked,
    taskTypeSelector: o.$('type-selector').value.trim(), awayPromptMinutes: Number(o.$('away-minutes').value), showEarnings: o.$('show-earnings').checked,
  }, o.defaults);
  o.storage.set(KEYS.settings, o.settings);
  o.showSettings = false;
  o.unlockAudio();
  o.render();
}

export function bindSettings(o) {
  const inputs = hotkeyInputs(o);
  for (const input of Object.values(inputs)) input.addEventListener('keydown', (e) => recordHotkey(input, e));
  o.$('auto').addEventListener('change', () => { if (o.$('auto').checked) o.$('detect').checked = true; });
  o.$('detect').addEventListener('change', () => { if (!o.$('detect').checked) o.$('auto').checked = false; });
  o.$('save-settings').addEventListener('click', () => saveSettings(o));
  o.$('reset-hotkeys').addEventListener('click', () => {
    for (const [a, input] of Object.entries(inputs)) input.value = o.defaults[a];
  });
  o.$('reset-position').addEventListener('click', () => {
    o.saveUi({ left: null, top: null });
    o.place();
  });
  o.$('signout-btn').addEventListener('click', () => {
    o.tracker.logout();
    o.showSettings = false;
    o.render();
  });
}
