// Runs a userscript in a Playwright browser context the way Tampermonkey would:
//  - only in frames whose URL matches an @match pattern, at DOMContentLoaded (document-idle);
//  - GM_getValue/GM_setValue/GM_deleteValue/GM_listValues over one store shared by every tab,
//    held in Node (so a test can read and seed it) and mirrored into each frame;
//  - GM_addValueChangeListener fires in the writing frame (remote=false) and in all others (remote=true);
//  - GM_xmlhttpRequest is performed by Node's fetch, outside the page, like the extension's
//    background request: no CORS, no Local Network Access checks;
//  - with `api: 'gm4'` only the promise-based GM.* object is granted (Greasemonkey 4 style):
//    no GM_* functions and no value change listeners.
// The script source is served like the server serves it: __RHT_ORIGIN__/__RHT_HOST__ filled in.
import { readFileSync } from 'node:fs';

export function parseHeader(src) {
  const block = src.match(/\/\/ ==UserScript==([\s\S]*?)\/\/ ==\/UserScript==/);
  if (!block) throw new Error('no ==UserScript== header');
  const meta = {};
  for (const line of block[1].split('\n')) {
    const m = line.match(/^\/\/\s*@(\S+)\s*(.*)$/);
    if (m) (meta[m[1]] ||= []).push(m[2].trim());
  }
  return meta;
}

/** Tampermonkey-style @match glob → RegExp source. A host without a port matches any port. */
export function matchToRegex(pattern) {
  const esc = pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
  const re = esc.replace(/^(\w+):\/\/\\?\*\\\./, '$1://(?:[^/]+\\.)?').replace(/^\*:\/\//, '(?:http|https)://');
  return `^${re.replace(/^([^/]*:\/\/[^/:]+)\//, '$1(?::\\d+)?/').replace(/\*/g, '.*')}$`;
}

/**
 * Installs the userscript into a context. Options:
 *   source (the script text, e.g. as served by the server) or scriptPath (the file; then
 *   origin, the tracker server's URL, is substituted for __RHT_ORIGIN__ and its host for __RHT_HOST__),
 *   store (initial GM values).
 * Returns a handle: { store, requests, setNetwork(fn), waitForValue(pred) }.
 */
export async function installUserscript(context, { scriptPath, source, origin, store = {}, api: apiStyle = 'gm' }) {
  const host = new URL(origin).hostname;
  // `source`: the script as the server served it; else the file with the placeholders filled in.
  const src = source ?? readFileSync(scriptPath, 'utf8').replaceAll('__RHT_ORIGIN__', origin).replaceAll('__RHT_HOST__', host);
  const meta = parseHeader(src);
  const matches = (meta.match || []).map(matchToRegex);
  const connect = meta.connect || [];
  const gm = {
    store: structuredClone(store),
    requests: [], // every GM_xmlhttpRequest: { url, body, status }
    /** Optional hook: (request) => 'drop-response' | 'fail' | { holdAnswer: Promise } | undefined */
    network: null,
    log: [],
  };

  const broadcast = async (source, key, value, deleted) => {
    for (const page of context.pages()) {
      for (const frame of page.frames()) {
        if (source && frame === source.frame) continue;
        frame.evaluate(
          ([k, v, d]) => { if (window.__gm_notify) window.__gm_notify(k, v, d); },
          [key, value === undefined ? null : value, deleted],
        ).catch(() => {});
      }
    }
  };

  await context.exposeBinding('__gm_snapshot', () => gm.store);
  await context.exposeBinding('__gm_set', (source, key, value) => {
    gm.store[key] = value;
    broadcast(source, key, value, false);
  });
  await context.exposeBinding('__gm_del', (source, key) => {
    delete gm.store[key];
    broadcast(source, key, undefined, true);
  });
  await context.exposeBinding('__gm_log', (_s, msg) => { gm.log.push(msg); });
  await context.exposeBinding('__gm_xhr', async (_source, d) => {
    const u = new URL(d.url);
    if (!connect.includes(u.hostname) && !connect.includes('*')) {
      // Tampermonkey would ask the user; the test treats it as a failure to notice.
      gm.requests.push({ url: d.url, body: d.data, status: 'not-in-@connect' });
      return { error: `@connect does not allow ${u.hostname}` };
    }
    const entry = { url: d.url, body: d.data, status: null, at: Date.now() };
    gm.requests.push(entry);
    const verdict = gm.network ? gm.network(entry) : undefined;
    if (verdict === 'fail') { entry.status = 'failed-by-test'; return { error: 'network error (test)' }; }
    const ctrl = new AbortController();
    const timer = setTimeout(() => ctrl.abort(), d.timeout || 30000);
    try {
      const res = await fetch(d.url, { method: d.method || 'GET', headers: d.headers || {}, body: d.data, signal: ctrl.signal });
      const text = await res.text();
      entry.status = res.status;
      entry.response = text;
      // The server has answered; the page gets the answer only when the test lets it go.
      if (verdict && verdict.holdAnswer) await verdict.holdAnswer;
      if (verdict === 'drop-response') { entry.status = `dropped-${res.status}`; return { error: 'connection reset (test)' }; }
      return {
        status: res.status, statusText: res.statusText, responseText: text, finalUrl: res.url, readyState: 4,
        responseHeaders: [...res.headers].map(([k, v]) => `${k}: ${v}`).join('\r\n'),
      };
    } catch (e) {
      entry.status = 'network-error';
      return { error: String(e && e.message ? e.message : e) };
    } finally {
      clearTimeout(timer);
    }
  });

  const boot = `(() => {
    const MATCHES = ${JSON.stringify(matches)};
    if (!MATCHES.some((r) => new RegExp(r).test(location.href))) return;
    const SRC = ${JSON.stringify(src)};
    const clone = (v) => (v === undefined ? undefined : JSON.parse(JSON.stringify(v)));
    let store = null;
    const early = [];
    const listeners = new Map();
    let nextListener = 1;
    const fire = (key, oldV, newV, remote) => {
      for (const l of listeners.values()) if (l.key === key) { try { l.cb(key, oldV, newV, remote); } catch (e) { console.error(e); } }
    };
    const applyRemote = (key, value, deleted) => {
      const old = store[key];
      if (deleted) delete store[key]; else store[key] = value;
      fire(key, old, deleted ? undefined : value, true);
    };
    window.__gm_notify = (key, value, deleted) => { if (store) applyRemote(key, value, deleted); else early.push([key, value, deleted]); };
    const api = {
      GM_getValue: (key, def) => (Object.prototype.hasOwnProperty.call(store, key) ? clone(store[key]) : def),
      GM_setValue: (key, value) => {
        if (value === undefined) return api.GM_deleteValue(key);
        const old = store[key];
        store[key] = clone(value);
        window.__gm_set(key, store[key]);
        fire(key, old, clone(value), false);
      },
      GM_deleteValue: (key) => {
        const old = store[key];
        delete store[key];
        window.__gm_del(key);
        fire(key, old, undefined, false);
      },
      GM_listValues: () => Object.keys(store),
      GM_addValueChangeListener: (key, cb) => { const id = nextListener++; listeners.set(id, { key, cb }); return id; },
      GM_removeValueChangeListener: (id) => listeners.delete(id),
      GM_xmlhttpRequest: (d) => {
        let aborted = false;
        window.__gm_xhr({ url: d.url, method: d.method, headers: d.headers, data: d.data, timeout: d.timeout }).then((r) => {
          if (aborted) return;
          if (r.error) { if (d.onerror) d.onerror({ error: r.error, status: 0, readyState: 4 }); }
          else if (d.onload) d.onload(r);
        }, (e) => { if (!aborted && d.onerror) d.onerror({ error: String(e), status: 0 }); });
        return { abort() { aborted = true; if (d.onabort) d.onabort(); } };
      },
      GM_info: { script: { name: 'RaterHub Tracker' }, scriptHandler: 'gm-harness', version: 'test' },
    };
    api.GM = { xmlHttpRequest: api.GM_xmlhttpRequest };
    if (${JSON.stringify(apiStyle)} === 'gm4') {
      const classic = { ...api };
      api.GM = {
        getValue: async (k, d) => classic.GM_getValue(k, d),
        setValue: async (k, v) => classic.GM_setValue(k, v),
        deleteValue: async (k) => classic.GM_deleteValue(k),
        listValues: async () => classic.GM_listValues(),
        xmlHttpRequest: classic.GM_xmlhttpRequest,
        info: classic.GM_info,
      };
      for (const k of Object.keys(classic)) if (k.startsWith('GM_')) api[k] = undefined;
    }
    const run = async () => {
      store = await window.__gm_snapshot();
      for (const [k, v, d] of early.splice(0)) applyRemote(k, v, d);
      const names = Object.keys(api);
      try {
        new Function(...names, 'unsafeWindow', SRC)(...names.map((n) => api[n]), window);
      } catch (e) {
        window.__gm_log('script error: ' + (e && e.stack || e));
        throw e;
      }
    };
    if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', run);
    else run();
  })();`;
  await context.addInitScript({ content: boot });

  return {
    gm,
    get store() { return gm.store; },
    get requests() { return gm.requests; },
    /** Queue keys currently stored. */
    queued() { return Object.keys(gm.store).filter((k) => k.startsWith('rht.q.')).sort().map((k) => gm.store[k]); },
    setNetwork(fn) { gm.network = fn; },
  };
}
