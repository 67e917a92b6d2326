// Boot: in the top RaterHub window the overlay starts; in a sub-frame (the task frame) the
// script only relays hotkeys to the top window.
/* global GM_getValue, GM_setValue, GM_deleteValue, GM_listValues, GM_addValueChangeListener, GM_xmlhttpRequest, GM */
import { KEYS, defaultHotkeys, mergeSettings } from './settings.mjs';
import { hotkeyAction, isTypingTarget } from './hotkeys.mjs';
import { newId } from './wire.mjs';
import { createTracker } from './queue.mjs';
import { gmStorage, gmTransport } from './gm.mjs';
import { Overlay } from './overlay.mjs';

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

if (typeof window !== 'undefined' && typeof document !== 'undefined' && !window.__rhtTrackerLoaded) {
  window.__rhtTrackerLoaded = true;
  const api = grantedApis();
  const fail = (e) => console.error('[RaterHub Tracker]', e);
  if (isTopFrame()) {
    const start = () => { if (document.documentElement) bootOverlay(api).catch(fail); };
    if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
    else start();
  } else {
    bootFrameRelay(api).catch(fail);
  }
}
