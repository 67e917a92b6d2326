// A scripted stand-in for the tracker server, for the queue/sync unit tests. It uses the userscript's own reducer as its "engine", so it
// is no test of the server's rules: the browser e2e tests run against the real server.
import { loadScript } from './load.mjs';

const S = await loadScript();

/** A tiny stand-in for the real server: idempotent ids, in-order apply, a skewed clock. */
export function fakeServer(time, { skewMs = 0 } = {}) {
  const srv = {
    up: true,
    skewMs,
    applied: [], // inputs in the order applied
    byId: new Map(),
    requests: [],
    revoked: false,
    loseNextResponse: false, // apply, then pretend the answer was lost
    reject: new Map(), // type → code to reject with
    topLevelError: null,
    tokens: new Set(),
    now: () => time.now() + srv.skewMs,
  };
  srv.transport = async (req) => {
    srv.requests.push(req);
    if (!srv.up) return { status: 0, text: '' };
    const { query, variables } = JSON.parse(req.body);
    const token = (req.headers.Authorization || '').replace(/^Bearer /, '');
    const reply = (body) => ({ status: 200, text: JSON.stringify(body) });
    const iso = () => new Date(srv.now()).toISOString();
    if (query.includes('login(')) {
      if (variables.password !== 'correct horse battery') return reply({ data: null, errors: [{ message: 'Invalid credentials', extensions: { code: 'INVALID_CREDENTIALS' } }] });
      const t = `rht_${srv.tokens.size + 1}`;
      srv.tokens.add(t);
      return reply({ data: { login: { token: t, user: { email: variables.email } } } });
    }
    if (srv.revoked || !srv.tokens.has(token)) return reply({ data: null, errors: [{ message: 'Token revoked', extensions: { code: 'UNAUTHENTICATED' } }] });
    if (query.includes('recordEvents(')) {
      if (srv.topLevelError && variables.inputs.length > 1) return reply({ data: null, errors: [{ message: 'batch refused', extensions: { code: srv.topLevelError } }] });
      if (srv.topLevelError) {
        const inp = variables.inputs[0];
        if (srv.reject.has(inp.type)) return reply({ data: null, errors: [{ message: 'rejected', extensions: { code: srv.reject.get(inp.type) } }] });
      }
      const results = variables.inputs.map((inp) => {
        if (srv.byId.has(inp.clientEventId)) return { ...srv.byId.get(inp.clientEventId), duplicate: true, serverTime: iso() };
        if (srv.reject.has(inp.type)) return { duplicate: false, serverTime: iso(), error: { code: srv.reject.get(inp.type), message: 'no' }, session: null, question: null };
        srv.applied.push(inp);
        const r = { duplicate: false, serverTime: iso(), error: null, session: null, question: null };
        srv.byId.set(inp.clientEventId, r);
        return r;
      });
      if (srv.loseNextResponse) { srv.loseNextResponse = false; return { status: 0, text: '' }; }
      return reply({ data: { recordEvents: results } });
    }
    if (query.includes('query Status')) {
      const events = srv.applied.map((i) => ({ id: i.clientEventId, type: i.type, at: Date.parse(i.occurredAt), off: 0, taskId: i.taskId, targetSeconds: i.targetSeconds }));
      const st = S.reduceState(null, events, null, srv.now()).state;
      const session = st.active ? {
        id: 's1', questionCount: st.questionCount, averageSeconds: st.questionCount ? st.sumActive / st.questionCount : 0,
        pace: { emoji: '💜✅', label: 'on target', ratio: 1 },
        current: { index: st.index, startedAt: new Date(st.startedAt).toISOString(), pausedSeconds: st.pausedSeconds, isPaused: st.pausedAt != null, pausedAt: st.pausedAt ? new Date(st.pausedAt).toISOString() : null, targetSeconds: st.targetSeconds, taskId: st.taskId },
      } : null;
      return reply({ data: { serverTime: iso(), me: { email: 'a@b.c', targetSeconds: 330 }, activeSession: session, day: { activeSeconds: 0, questionCount: st.questionCount }, week: { activeSeconds: 0, goalSeconds: 144000 } } });
    }
    return reply({ data: null, errors: [{ message: 'unknown op' }] });
  };
  return srv;
}

