// The userscript's modules, imported directly (the bundle is built by server/build.rs).
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname, join } from 'node:path';

export const SRC_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'src');
export const MODULE_FILES = readdirSync(SRC_DIR).filter((f) => f.endsWith('.mjs')).sort();
/** Every module's source text, by file name. */
export const SOURCES = Object.fromEntries(MODULE_FILES.map((f) => [f, readFileSync(join(SRC_DIR, f), 'utf8')]));

/** All modules' exports in one namespace (the names are unique across modules, as in the bundle). */
export async function loadScript() {
  const all = {};
  for (const f of MODULE_FILES) Object.assign(all, await import(pathToFileURL(join(SRC_DIR, f)).href));
  return all;
}

/** In-memory storage with the same surface as the GM_* adapter. */
export function memoryStorage(initial = {}) {
  const data = new Map(Object.entries(structuredClone(initial)));
  return {
    data,
    get: (k, d) => (data.has(k) ? structuredClone(data.get(k)) : d),
    set: (k, v) => { if (v === undefined) data.delete(k); else data.set(k, structuredClone(v)); },
    del: (k) => { data.delete(k); },
    keys: () => [...data.keys()],
    dump: () => Object.fromEntries(data),
  };
}
/** Manual clock + timers: advance() runs due timers in order. */
export function fakeTime(start = Date.parse('2026-11-26T10:00:00Z')) {
  let t = start;
  let nextId = 1;
  const timers = new Map();
  return {
    now: () => t,
    setTimeout: (f, ms) => { const id = nextId++; timers.set(id, { f, at: t + (ms || 0) }); return id; },
    clearTimeout: (id) => { timers.delete(id); },
    pending: () => [...timers.values()].map((x) => x.at - t).sort((a, b) => a - b),
    async advance(ms) {
      const end = t + ms;
      for (;;) {
        let best = null;
        for (const [id, x] of timers) if (x.at <= end && (!best || x.at < best[1].at)) best = [id, x];
        if (!best) break;
        timers.delete(best[0]);
        t = Math.max(t, best[1].at);
        await best[1].f();
        await settle();
      }
      t = end;
      await settle();
    },
  };
}

export async function settle() {
  for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
}
