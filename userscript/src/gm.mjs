// The userscript manager's APIs, in either form: the classic synchronous GM_* functions
// (Tampermonkey, Violentmonkey) or the promise-based GM.* object (Greasemonkey 4, FireMonkey,
// and the others). Everything above this module sees one synchronous storage and one transport.

/** The storage the tracker uses: { get, set, del, keys, listen(key, cb(remote)) }. */
export function syncStorage(api) {
  return {
    get: (k, d) => {
      const v = api.GM_getValue(k, undefined);
      return v === undefined ? d : v;
    },
    set: (k, v) => api.GM_setValue(k, v),
    del: (k) => (typeof api.GM_deleteValue === 'function' ? api.GM_deleteValue(k) : api.GM_setValue(k, undefined)),
    keys: () => (typeof api.GM_listValues === 'function' ? api.GM_listValues() : []),
    listen: (k, cb) => {
      if (typeof api.GM_addValueChangeListener === 'function') api.GM_addValueChangeListener(k, (_k, _o, _n, remote) => cb(!!remote));
    },
    refresh: async () => {},
  };
}

/**
 * A synchronous cache over GM.getValue / GM.setValue. Writes go to the cache at once and to the
 * manager in the background; refresh() reloads every value and tells listeners what another
 * tab changed (the overlay calls it every second where GM.addValueChangeListener is missing).
 */
export async function cachedStorage(GM) {
  const cache = new Map();
  const listeners = new Map();
  const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);
  const fire = (k, remote) => (listeners.get(k) || []).forEach((cb) => { try { cb(remote); } catch (_) { /* keep going */ } });
  const load = async () => {
    const keys = await GM.listValues();
    const fresh = new Map();
    for (const k of keys) fresh.set(k, await GM.getValue(k));
    return fresh;
  };
  for (const [k, v] of await load()) cache.set(k, v);
  const native = typeof GM.addValueChangeListener === 'function';
  return {
    get: (k, d) => (cache.has(k) ? JSON.parse(JSON.stringify(cache.get(k))) : d),
    set: (k, v) => { cache.set(k, v); Promise.resolve(GM.setValue(k, v)).catch(() => {}); fire(k, false); },
    del: (k) => { cache.delete(k); Promise.resolve(GM.deleteValue(k)).catch(() => {}); fire(k, false); },
    keys: () => [...cache.keys()],
    listen: (k, cb) => {
      if (!listeners.has(k)) listeners.set(k, []);
      listeners.get(k).push(cb);
      if (native) GM.addValueChangeListener(k, (_k, _o, n, remote) => { if (remote) { cache.set(k, n); cb(true); } });
    },
    refresh: async () => {
      const fresh = await load();
      for (const k of [...cache.keys()]) if (!fresh.has(k)) { cache.delete(k); fire(k, true); }
      for (const [k, v] of fresh) if (!same(cache.get(k), v)) { cache.set(k, v); fire(k, true); }
    },
    needsPolling: !native,
  };
}

/** Storage from whichever API the manager grants. */
export async function gmStorage(api) {
  if (typeof api.GM_getValue === 'function' && typeof api.GM_setValue === 'function') return syncStorage(api);
  if (api.GM && typeof api.GM.getValue === 'function') return cachedStorage(api.GM);
  throw new Error('the userscript manager grants no storage (GM_getValue or GM.getValue)');
}

/** The transport over GM_xmlhttpRequest or GM.xmlHttpRequest (no cookies, no CORS). */
export function gmTransport(api) {
  const xhr = typeof api.GM_xmlhttpRequest === 'function' ? api.GM_xmlhttpRequest
    : api.GM && typeof api.GM.xmlHttpRequest === 'function' ? api.GM.xmlHttpRequest.bind(api.GM) : null;
  return (req) => new Promise((resolve) => {
    if (!xhr) { resolve({ status: 0, text: '' }); return; }
    let done = false;
    const finish = (v) => { if (!done) { done = true; resolve(v); } };
    try {
      const r = xhr({
        method: 'POST',
        url: req.url,
        headers: req.headers,
        data: req.body,
        timeout: 20000,
        anonymous: true, // no cookies: the Bearer device token is the only credential
        onload: (res) => finish({ status: res.status, text: res.responseText }),
        onerror: () => finish({ status: 0, text: '' }),
        ontimeout: () => finish({ status: 0, text: '' }),
        onabort: () => finish({ status: 0, text: '' }),
      });
      // GM.xmlHttpRequest may return a promise that rejects instead of calling onerror.
      if (r && typeof r.catch === 'function') r.catch(() => finish({ status: 0, text: '' }));
    } catch (_) {
      finish({ status: 0, text: '' });
    }
  });
}
