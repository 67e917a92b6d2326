// The manager adapters: the synchronous GM_* functions and the promise-based GM.* object.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gmStorage, gmTransport } from '../src/gm.mjs';

/** A GM.* object over one Map shared by "tabs", like Greasemonkey 4 (no change listeners). */
function gm4(shared = new Map()) {
  return {
    shared,
    getValue: async (k, d) => (shared.has(k) ? structuredClone(shared.get(k)) : d),
    setValue: async (k, v) => { shared.set(k, structuredClone(v)); },
    deleteValue: async (k) => { shared.delete(k); },
    listValues: async () => [...shared.keys()],
  };
}

test('GM.* only: a synchronous cache that writes through and learns other tabs\' writes on refresh', async () => {
  const shared = new Map([['rht.auth', { token: 't' }]]);
  const tab1 = await gmStorage({ GM: gm4(shared) });
  const tab2 = await gmStorage({ GM: gm4(shared) });
  assert.deepEqual(tab1.get('rht.auth'), { token: 't' }, 'loaded at start');
  assert.equal(tab1.needsPolling, true);
  tab1.set('rht.q.1', { id: 'a' });
  assert.deepEqual(tab1.get('rht.q.1'), { id: 'a' }, 'readable at once');
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(shared.get('rht.q.1'), { id: 'a' }, 'written through');
  const heard = [];
  tab2.listen('rht.q.1', (remote) => heard.push(['q', remote]));
  tab2.listen('rht.auth', (remote) => heard.push(['auth', remote]));
  assert.equal(tab2.get('rht.q.1', null), null, 'not yet seen by the other tab');
  tab1.del('rht.auth');
  await new Promise((r) => setImmediate(r));
  await tab2.refresh();
  assert.deepEqual(tab2.get('rht.q.1'), { id: 'a' });
  assert.equal(tab2.get('rht.auth', null), null);
  assert.deepEqual(heard.sort(), [['auth', true], ['q', true]]);
  assert.deepEqual(tab2.keys(), ['rht.q.1']);
});

test('GM_* preferred when granted; no storage at all is a clear error', async () => {
  const data = new Map();
  const api = {
    GM_getValue: (k, d) => (data.has(k) ? data.get(k) : d), GM_setValue: (k, v) => data.set(k, v),
    GM_deleteValue: (k) => data.delete(k), GM_listValues: () => [...data.keys()],
    GM: gm4(),
  };
  const s = await gmStorage(api);
  s.set('x', 1);
  assert.equal(data.get('x'), 1);
  assert.equal(api.GM.shared.size, 0, 'GM.* untouched');
  await assert.rejects(gmStorage({}), /grants no storage/);
});

test('the transport uses GM_xmlhttpRequest or GM.xmlHttpRequest, without cookies', async () => {
  const seen = [];
  const classic = gmTransport({ GM_xmlhttpRequest: (d) => { seen.push(d); d.onload({ status: 200, responseText: '{"data":{}}' }); } });
  assert.deepEqual(await classic({ url: 'http://s/graphql', headers: {}, body: '{}' }), { status: 200, text: '{"data":{}}' });
  assert.equal(seen[0].anonymous, true);
  assert.equal(seen[0].method, 'POST');
  const modern = gmTransport({ GM: { xmlHttpRequest: (d) => { d.onload({ status: 201, responseText: 'ok' }); return Promise.resolve(); } } });
  assert.deepEqual(await modern({ url: 'u', headers: {}, body: '' }), { status: 201, text: 'ok' });
  const rejecting = gmTransport({ GM: { xmlHttpRequest: () => Promise.reject(new Error('blocked')) } });
  assert.deepEqual(await rejecting({ url: 'u', headers: {}, body: '' }), { status: 0, text: '' }, 'a rejected promise is a network failure');
  assert.deepEqual(await gmTransport({})({ url: 'u' }), { status: 0, text: '' }, 'no request API: offline, not a crash');
});
