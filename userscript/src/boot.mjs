// Boot: in the top RaterHub window the overlay starts; in a sub-frame (the task frame) the
// script only relays hotkeys to the top window.
/* global GM_getValue, GM_setValue, GM_deleteValue, GM_listValues, GM_addValueChangeListener, GM_xmlhttpRequest, GM */
import { KEYS, defaultHotkeys, mergeSettings } from './settings.mjs';
import { hotkeyAction, isTypingTarget } from './hotkeys.mjs';
import { newId } from './wire.mjs';
import { createTracker } from './queue.mjs';
import { gmStorage, gmTransport } from './gm.mjs';
import { Overlay, RH_ORIGIN } from './overlay.mjs';
import { SCRIPT_VERSION, TRACKER_OVERLAY_PATH } from './meta.mjs';

/** The manager's APIs as granted: the GM_* functions and/or the GM object. */
function grantedApis() {
  const fn = (f) => (typeof f === 'function' ? f : undefined);
  return {
    GM_getValue: typeof GM_getValue === 'undefined' ? undefined : fn(GM_getValue),
    GM_setValue: typeof GM_setValue === 'undefined' ? undefined : fn(GM_setValue),
    GM_deleteValue: typeof GM_deleteValue === 'undefined' ? undefined : fn(GM_deleteValue),
    GM_listValues: typeof GM_listValues === 'undefined' ? undefined : fn(GM_listValues),
    GM_addValueChangeListener: typeof GM_addValueChangeListener === 'undefined' ? undefined : fn(GM_addValueChangeListener),
    GM_xmlhttpRequest: typeof GM_xmlhttpRequest === 'undefined' ? undefined : fn(GM_xmlhttpRequest),
    GM: typeof GM === 'undefined' ? undefined : GM,
  };
}

function isTopFrame() {
  try {
    return window.top === window.self;
  } catch (_) {
    return false;
  }
}

/** One id per browser tab, kept across reloads (sessionStorage is per tab). */
function tabIdOfThisTab() {
  try {
    let id = sessionStorage.getItem('rht.tabId');
    if (!id) sessionStorage.setItem('rht.tabId', (id = newId().slice(0, 8)));
    return id;
  } catch (_) {
    return undefined;
  }
}

async function bootOverlay(api) {
  const storage = await gmStorage(api);
  const tracker = createTracker({ storage, transport: gmTransport(api), tabId: tabIdOfThisTab() });
  new Overlay({ storage, tracker, defaults: defaultHotkeys(navigator.userAgent) }).start();
}

async function bootFrameRelay(api) {
  const storage = await gmStorage(api);
  const defaults = defaultHotkeys(navigator.userAgent);
  window.addEventListener('keydown', (e) => {
    const path = e.composedPath ? e.composedPath() : [];
    if (isTypingTarget(path[0] || e.target)) return;
    const action = hotkeyAction(e, mergeSettings(storage.get(KEYS.settings, null), defaults).hotkeys);
    if (!action) return;
    e.preventDefault();
    e.stopPropagation();
    try {
      window.top.postMessage({ rhtHotkey: action, at: Date.now() }, '*');
    } catch (_) { /* cross-origin top we cannot reach */ }
  }, true);
}

/**
 * On the tracker's own Overlay page the script only says that it runs, so the dashboard can
 * tell "installed and running" from "installed but not running" (or not installed).
 */
function announceToDashboard(api) {
  const el = document.documentElement;
  el.dataset.rhtUserscript = SCRIPT_VERSION;
  el.dataset.rhtUserscriptApi = typeof api.GM_getValue === 'function' ? 'GM_*' : api.GM ? 'GM.*' : 'none';
  window.dispatchEvent(new CustomEvent('rht-userscript', { detail: { version: SCRIPT_VERSION } }));
}

function bootHere(api) {
  const fail = (e) => console.error('[RaterHub Tracker]', e);
  if (!RH_ORIGIN.test(location.origin)) {
    if (TRACKER_OVERLAY_PATH.test(location.pathname) && isTopFrame()) announceToDashboard(api);
    return;
  }
  if (!isTopFrame()) {
    bootFrameRelay(api).catch(fail);
    return;
  }
  const start = () => { if (document.documentElement) bootOverlay(api).catch(fail); };
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
}

if (typeof window !== 'undefined' && typeof document !== 'undefined' && !window.__rhtTrackerLoaded) {
  window.__rhtTrackerLoaded = true;
  bootHere(grantedApis());
}
