// The persistent queue and its sync with the server, over injected storage and transport (no DOM).
//
// storage: { get(key, def), set(key, value), del(key), keys() }
// transport: ({ url, headers, body }) => Promise<{ status, text }>   (status 0 = network failure)
import { OPS } from './ops.mjs';
import { KEYS, MAX_BATCH, EVENT_TYPES, REJECT_CODES, LEASE_MS, LEASE_RENEW_MS } from './settings.mjs';
import { dontCountTimes } from './toolkit.mjs';
import { learnClock, parseTime, buildInputs, backoffMs, classifyResponse, newId, eventNotice } from './wire.mjs';
import { buildView } from './view.mjs';

/** Queued events in press order (the key sorts by press time, then a per-tab sequence). */
export function readQueue(storage) {
  const out = [];
  for (const k of storage.keys()) {
    if (!k.startsWith(KEYS.queuePrefix)) continue;
    const ev = storage.get(k, null);
    if (ev && ev.id && EVENT_TYPES.includes(ev.type) && Number.isFinite(ev.at)) out.push({ key: k, ...ev });
  }
  out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return out;
}

/**
 * The send lease. Sends are idempotent (clientEventId), so the lease only keeps tabs from
 * sending the same events at once; it is short and renewed while sending, so a tab that is
 * closed or frozen mid-send stops holding the queue within LEASE_MS.
 */
export class SendLease {
  constructor(storage, tabId, now) {
    Object.assign(this, { storage, tabId, now });
  }

  /** 0 when this tab holds the lease now, else the ms until the holder's lease ends. */
  acquire() {
    const l = this.storage.get(KEYS.lock, null);
    const t = this.now();
    if (l && l.tab !== this.tabId && l.until > t && l.until - t <= LEASE_MS) return l.until - t;
    this.renew();
    return 0;
  }

  renew() {
    const t = this.now();
    this.storage.set(KEYS.lock, { tab: this.tabId, at: t, until: t + LEASE_MS });
  }

  release() {
    const l = this.storage.get(KEYS.lock, null);
    if (l && l.tab === this.tabId) this.storage.del(KEYS.lock);
  }
}

function timers(opts) {
  return {
    now: opts.now || (() => Date.now()),
    set: opts.setTimeout || ((f, ms) => setTimeout(f, ms)),
    clear: opts.clearTimeout || ((h) => clearTimeout(h)),
  };
}

export class Tracker {
  constructor(opts) {
    this.storage = opts.storage;
    this.transport = opts.transport;
    this.time = timers(opts);
    this.now = this.time.now;
    this.random = opts.random || Math.random;
    this.tabId = opts.tabId || newId(this.random).slice(0, 8);
    this.lease = new SendLease(this.storage, this.tabId, this.now);
    this.listeners = new Set();
    Object.assign(this, { seq: 0, flushing: false, failures: 0, retryAt: 0, retryTimer: null, soonTimer: null, renewTimer: null });
    this.offline = null; // null: no answer from the server yet
    this.batchLimit = MAX_BATCH;
    this.lastError = null;
  }

  emit() {
    this.listeners.forEach((f) => { try { f(); } catch (_) { /* a view error must not stop sync */ } });
  }

  onChange(f) {
    this.listeners.add(f);
    return () => this.listeners.delete(f);
  }

  getAuth() {
    return this.storage.get(KEYS.auth, null);
  }

  queued() {
    return readQueue(this.storage);
  }

  notify(text, level = 'error') {
    this.storage.set(KEYS.notice, { text, level, at: this.now() });
    this.emit();
  }

  /** Records a press at once (time of the press, fresh id) in the persistent queue. */
  record(type, extra = {}) {
    if (!EVENT_TYPES.includes(type)) throw new Error(`unknown event type ${type}`);
    // A backdated event (the away prompt's first PAUSE) is never later than now.
    const at = Number.isFinite(extra.at) ? Math.min(extra.at, this.now()) : this.now();
    const clock = this.storage.get(KEYS.clock, null);
    const ev = { id: newId(this.random), type, at, off: clock && Number.isFinite(clock.offsetMs) ? clock.offsetMs : null };
    if (extra.taskId) ev.taskId = String(extra.taskId).slice(0, 200);
    if (extra.taskType) ev.taskType = Array.from(String(extra.taskType)).slice(0, 64).join('');
    if (Number.isFinite(extra.targetSeconds) && extra.targetSeconds > 0) ev.targetSeconds = extra.targetSeconds;
    this.seq = (this.seq + 1) % 1000;
    const key = `${KEYS.queuePrefix}${String(at).padStart(15, '0')}.${String(this.seq).padStart(3, '0')}.${this.tabId}.${ev.id}`;
    this.storage.set(key, ev);
    this.emit();
    this.flushSoon(0);
    return ev;
  }

  /**
   * The away prompt's "Don't count": a PAUSE at `since` (local ms, when input stopped) and a
   * PAUSE now, both queued with their own ids, so they survive going offline. The first is
   * never earlier than the session's last event.
   */
  dontCount(since) {
    const clock = this.storage.get(KEYS.clock, null);
    const offset = clock && Number.isFinite(clock.offsetMs) ? clock.offsetMs : 0;
    const last = this.queued().reduce((m, ev) => Math.max(m, ev.at), -Infinity);
    const st = this.view().state;
    const serverLast = Number.isFinite(st.lastEventAt) ? st.lastEventAt - offset : -Infinity;
    const [first, second] = dontCountTimes({ since, nowMs: this.now(), lastEventAt: Math.max(last, serverLast) });
    return [this.record('PAUSE', { at: first }), this.record('PAUSE', { at: second })];
  }

  async gql(query, variables, token) {
    const a = this.getAuth();
    const server = ((a && a.server) || '').replace(/\/+$/, '');
    if (!server) return { kind: 'auth', message: 'no server configured' };
    const headers = { 'Content-Type': 'application/json', Accept: 'application/json' };
    if (token) headers.Authorization = `Bearer ${token}`;
    const sentAt = this.now();
    let res;
    try {
      res = await this.transport({ url: `${server}/graphql`, headers, body: JSON.stringify({ query, variables }) });
    } catch (_) {
      res = { status: 0, text: '' };
    }
    return { ...classifyResponse(res.status, res.text), sentAt, receivedAt: this.now() };
  }

  learnFrom(serverTime, r) {
    const serverMs = parseTime(serverTime);
    if (serverMs == null) return;
    const prev = this.storage.get(KEYS.clock, null);
    const next = learnClock(prev, { serverMs, sentAt: r.sentAt, receivedAt: r.receivedAt });
    if (next !== prev) this.storage.set(KEYS.clock, next);
  }

  signOutLocally(reason) {
    const a = this.getAuth();
    if (a && a.token) this.storage.set(KEYS.auth, { server: a.server, email: a.email, deviceName: a.deviceName, token: null });
    this.offline = false;
    this.notify(reason || 'Signed out: the device token was revoked or expired. Sign in again.', 'error');
  }

  setOnline() {
    if (this.offline === false) return;
    this.offline = false;
    this.emit();
  }

  after(ms, f) {
    return this.time.set(f, ms);
  }

  scheduleRetry() {
    this.failures += 1;
    const delay = backoffMs(this.failures, this.random);
    this.retryAt = this.now() + delay;
    if (this.retryTimer) this.time.clear(this.retryTimer);
    this.retryTimer = this.after(delay, () => { this.retryTimer = null; this.flush(); });
    this.emit();
  }

  flushSoon(ms) {
    if (this.soonTimer) return;
    this.soonTimer = this.after(ms || 0, () => { this.soonTimer = null; this.flush(); });
  }

  /** Retry now (e.g. when the browser says it is back online). */
  retryNow() {
    if (this.retryTimer) { this.time.clear(this.retryTimer); this.retryTimer = null; }
    this.flush();
  }

  startLease() {
    const wait = this.lease.acquire();
    if (wait) return wait;
    const renew = () => {
      this.renewTimer = this.after(LEASE_RENEW_MS, () => { if (this.flushing) { this.lease.renew(); renew(); } });
    };
    renew();
    return 0;
  }

  endLease() {
    if (this.renewTimer) this.time.clear(this.renewTimer);
    this.renewTimer = null;
    this.lease.release();
  }

  /** The tab goes away (pagehide): give up the lease so another tab sends at once. */
  dispose() {
    this.endLease();
  }

  /** Sends the queue in order; resolves when this round is done. Safe to call any time. */
  async flush() {
    if (this.flushing) return;
    const auth = this.getAuth();
    if (!auth || !auth.token) return;
    if (this.retryTimer && this.now() < this.retryAt) return; // a retry is already scheduled
    if (!this.queued().length) {
      // Nothing to send (another tab may have sent it): still find out whether we are online.
      if (this.offline !== false) await this.refresh({ quiet: true });
      return;
    }
    const wait = this.startLease();
    if (wait) {
      if (!this.retryTimer) this.retryTimer = this.after(wait + 50, () => { this.retryTimer = null; this.flush(); });
      return;
    }
    this.flushing = true;
    this.emit();
    try {
      await this.sendAll(auth.token);
    } finally {
      this.flushing = false;
      this.endLease();
      this.emit();
    }
  }

  /** Sends batches until the queue is empty or a batch fails. */
  async sendAll(token) {
    let events = this.queued();
    while (events.length) {
      const batch = events.slice(0, this.batchLimit);
      const clock = this.storage.get(KEYS.clock, null);
      const { inputs, newest } = buildInputs(batch, clock, this.storage.get(KEYS.lastSentAt, null));
      const r = await this.gql(OPS.recordEvents, { inputs }, token);
      const more = r.kind === 'ok' ? await this.accepted(batch, r, newest) : this.failed(batch, r);
      if (!more) return;
      events = this.queued();
    }
  }

  /** A failed request; true when the queue should be tried again at once. */
  failed(batch, r) {
    if (r.kind === 'network') {
      this.offline = true;
      this.lastError = r.message;
      this.scheduleRetry();
      return false;
    }
    if (r.kind === 'auth') {
      this.signOutLocally();
      return false;
    }
    // The whole request failed. One event at a time finds the culprit; a lone event the
    // server rejects for good is dropped (and shown) instead of retried forever.
    this.setOnline();
    if (batch.length === 1 && REJECT_CODES.includes(r.code)) {
      this.storage.del(batch[0].key);
      this.notify(eventNotice(batch[0].type, r));
      return true;
    }
    this.batchLimit = 1;
    this.lastError = r.message;
    if (batch.length > 1) return true;
    this.notify(`Server error (${r.code}); will retry`, 'warn');
    this.scheduleRetry();
    return false;
  }

  /** The server answered a batch; true when the rest of the queue may follow at once. */
  async accepted(batch, r, newest) {
    const results = (r.data && r.data.recordEvents) || [];
    this.setOnline();
    this.failures = 0;
    this.batchLimit = MAX_BATCH;
    let last = null;
    const rejected = [];
    results.forEach((res, i) => {
      if (!res || i >= batch.length) return;
      if (res.serverTime) last = res.serverTime;
      if (res.error) rejected.push(eventNotice(batch[i].type, res.error));
    });
    if (last) this.learnFrom(last, r);
    const sent = batch.slice(0, Math.min(batch.length, results.length));
    const prevSent = this.storage.get(KEYS.lastSentAt, null);
    this.storage.set(KEYS.lastSentAt, Math.max(Number.isFinite(prevSent) ? prevSent : 0, newest));
    // The sent events leave the queue in the same step as the new server state (which has them)
    // arrives: never the old state without them, never the new state with them counted twice.
    // Deleted first, so other tabs, which redraw when the state arrives, see both changes.
    const dropSent = () => { for (const ev of sent) this.storage.del(ev.key); };
    if (!(await this.refresh({ quiet: true, beforeStore: dropSent }))) {
      dropSent();
      this.keepReplaying(sent);
    }
    if (rejected.length) this.notify(rejected.join(' \u00b7 '));
    this.emit();
    if (sent.length < batch.length) { this.scheduleRetry(); return false; }
    return true;
  }

  /** No fresh snapshot: keep showing the sent events over the old one until there is. */
  keepReplaying(sent) {
    const b = this.storage.get(KEYS.base, null) || { session: null };
    const replay = (Array.isArray(b.replay) ? b.replay : []).concat(sent.map(({ key, ...ev }) => ev));
    this.storage.set(KEYS.base, { ...b, replay });
    this.after(2000, () => this.refresh({ quiet: true }));
  }

  /** Fetches the server snapshot (active session, today, week) and the server time. */
  async refresh({ quiet, beforeStore } = {}) {
    const auth = this.getAuth();
    if (!auth || !auth.token) return false;
    const r = await this.gql(OPS.status, {}, auth.token);
    if (r.kind === 'auth') {
      this.signOutLocally();
      return false;
    }
    if (r.kind === 'network') {
      this.offline = true;
      if (!this.retryTimer) this.scheduleRetry(); // keep probing, with backoff
      this.emit();
      return false;
    }
    if (r.kind === 'error') {
      if (!quiet) this.notify(`Could not load status: ${r.message}`, 'warn');
      return false;
    }
    this.setOnline();
    const d = r.data;
    this.learnFrom(d.serverTime, r);
    if (beforeStore) beforeStore();
    this.storage.set(KEYS.base, { session: d.activeSession || null, day: d.day || null, week: d.week || null, me: d.me || null, at: this.now() });
    this.emit();
    if (!this.flushing && this.queued().length && !this.retryTimer) this.flushSoon(0);
    return true;
  }

  /** Signs in with a device name; stores only the device token, never the password. */
  async login({ server, email, password, deviceName }) {
    const url = String(server || '').trim().replace(/\/+$/, '');
    if (!/^https?:\/\/[^\s/]+/i.test(url)) return { ok: false, message: 'Enter the server URL, e.g. https://tracker.example.com' };
    const em = String(email || '').trim();
    if (!em || !password) return { ok: false, message: 'Enter your email and password' };
    const prev = this.getAuth();
    this.storage.set(KEYS.auth, { server: url, email: em, deviceName, token: null });
    const r = await this.gql(OPS.login, { email: em, password: String(password), deviceName: deviceName || 'RaterHub userscript' });
    if (r.kind !== 'ok') {
      if (prev && prev.token && prev.server === url) this.storage.set(KEYS.auth, prev);
      this.emit();
      return { ok: false, message: loginFailure(r, url) };
    }
    const token = r.data && r.data.login && r.data.login.token;
    if (!token) return { ok: false, message: 'The server sent no token' };
    this.storage.set(KEYS.auth, { server: url, email: em, deviceName, token });
    this.failures = 0;
    this.offline = false;
    this.storage.set(KEYS.notice, { text: `Signed in as ${em}`, level: 'ok', at: this.now() });
    await this.refresh();
    this.flush();
    return { ok: true };
  }

  logout() {
    const a = this.getAuth();
    this.storage.set(KEYS.auth, { server: a && a.server, email: a && a.email, deviceName: a && a.deviceName, token: null });
    this.storage.del(KEYS.base);
    this.emit();
  }

  view(extra = {}) {
    const s = this.storage;
    return buildView({
      base: s.get(KEYS.base, null), events: this.queued(), clock: s.get(KEYS.clock, null), nowLocal: this.now(),
      auth: this.getAuth(), offline: this.offline, retryInMs: this.retryTimer ? this.retryAt - this.now() : 0,
      notice: s.get(KEYS.notice, null), sending: this.flushing, ...extra,
    });
  }
}

function loginFailure(r, url) {
  if (r.kind === 'network') return `Cannot reach ${url}`;
  if (r.code === 'INVALID_CREDENTIALS' || r.kind === 'auth') return 'Wrong email or password';
  if (r.code === 'RATE_LIMITED') return 'Too many attempts; try again later';
  return r.message;
}

/** The factory the tests and the overlay use. */
export function createTracker(opts) {
  return new Tracker(opts);
}
