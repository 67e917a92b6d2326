// The in-page side of the real-key hotkey check, inlined first in every fixture page's <head>:
//  - a keydown logger on window (capture phase, registered before the userscript's own, so the
//    overlay's stopPropagation cannot hide a key from it);
//  - a minimal GM_* API over an in-memory store seeded by the check, whose writes are reported
//    (the overlay queueing an event is the proof it reacted). GM_xmlhttpRequest fails at once:
//    the check needs no tracker server, the event simply stays queued;
//  - then the userscript itself, run like a manager runs it.
// Every report is POSTed to /__report with a per-frame sequence number (fetches may finish out
// of order; the sequence numbers keep the page's order).

/**
 * The <script> element's text for one page: `source` is the userscript, `store` the GM values,
 * `tag` marks this browser run's reports.
 */
export function harnessScript({ source, store, tag = '' }) {
  return `(() => {
  const frame = window === window.top ? 'top' : 'frame';
  let seq = 0;
  const report = (entry) => {
    const body = JSON.stringify({ ...entry, tag: ${JSON.stringify(tag)}, frame, seq: ++seq, path: location.pathname });
    fetch('/__report', { method: 'POST', body, keepalive: true }).catch(() => {});
  };
  window.addEventListener('keydown', (e) => report({
    kind: 'keydown', code: e.code, key: e.key, ctrl: e.ctrlKey, alt: e.altKey, shift: e.shiftKey, meta: e.metaKey, trusted: e.isTrusted,
  }), true);
  window.addEventListener('focus', () => report({ kind: 'focus' }));
  const store = ${JSON.stringify(store)};
  const clone = (v) => (v === undefined ? undefined : JSON.parse(JSON.stringify(v)));
  const api = {
    GM_getValue: (k, d) => (Object.prototype.hasOwnProperty.call(store, k) ? clone(store[k]) : d),
    GM_setValue: (k, v) => { store[k] = clone(v); report({ kind: 'gm-set', gmKey: k, value: store[k] }); },
    GM_deleteValue: (k) => { delete store[k]; },
    GM_listValues: () => Object.keys(store),
    GM_addValueChangeListener: () => 0,
    GM_removeValueChangeListener: () => {},
    GM_xmlhttpRequest: (d) => { setTimeout(() => d.onerror && d.onerror({ error: 'offline (hotkey check)', status: 0 }), 0); return { abort() {} }; },
    GM_info: { script: { name: 'RaterHub Tracker' }, scriptHandler: 'hotkey-check', version: 'test' },
  };
  api.GM = { xmlHttpRequest: api.GM_xmlhttpRequest };
  const run = () => {
    new Function(...Object.keys(api), 'unsafeWindow', ${JSON.stringify(source)})(...Object.values(api), window);
    if (frame === 'top') {
      const ready = () => document.getElementById('rht-overlay') && (report({ kind: 'ready', ua: navigator.userAgent }), true);
      if (!ready()) new MutationObserver((_m, obs) => { if (ready()) obs.disconnect(); }).observe(document.documentElement, { childList: true, subtree: true });
    }
  };
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', run);
  else run();
})();`;
}

/** `html` with the harness as the first element of <head>. `<\/script` in the source is escaped. */
export function injectHarness(html, options) {
  const script = harnessScript(options).replace(/<\/script/gi, '<\\/script');
  return html.replace(/<head>/i, `<head><script>${script}</script>`);
}
