// Size profile of a wasm file that still has its name section (the wasm-bindgen output
// before wasm-opt): the biggest functions, and code bytes grouped by crate.
//   node e2e/tools/wasm-sizes.mjs target/.../dashboard_bg.wasm [top N]
import { readFileSync } from 'node:fs';

const bytes = readFileSync(process.argv[2]);
const top = Number(process.argv[3] ?? 25);
let pos = 8;
const skip = () => { const len = u32(); pos += len; };
const u32 = () => { let r = 0, s = 0, b; do { b = bytes[pos++]; r |= (b & 0x7f) << s; s += 7; } while (b & 0x80); return r >>> 0; };
let imported = 0; const bodies = []; const names = new Map(); const sections = {};
while (pos < bytes.length) {
  const id = bytes[pos++]; const size = u32(); const end = pos + size;
  if (id === 2) { // imports: functions among them shift the index space
    for (let n = u32(); n > 0; n--) { skip(); skip(); const kind = bytes[pos++];
      if (kind === 0) { u32(); imported++; } else if (kind === 1) { pos++; const f = u32(); u32(); if (f & 1) u32(); }
      else if (kind === 2) { const f = u32(); u32(); if (f & 1) u32(); } else if (kind === 3) { pos += 2; } else { pos++; u32(); } }
  } else if (id === 10) {
    for (let n = u32(), i = 0; i < n; i++) { const len = u32(); bodies.push(len); pos += len; }
  } else if (id === 0) {
    const nameLen = u32(); const name = bytes.toString('utf8', pos, pos + nameLen); pos += nameLen;
    if (name === 'name') while (pos < end) { const sub = bytes[pos++]; const len = u32(); const subEnd = pos + len;
      if (sub === 1) for (let n = u32(); n > 0; n--) { const idx = u32(); const l = u32(); names.set(idx, bytes.toString('utf8', pos, pos + l)); pos += l; }
      pos = subEnd; }
    sections['custom:' + name] = size;
  }
  sections[id] = (sections[id] ?? 0) + size; pos = end;
}
const fns = bodies.map((len, i) => ({ len, name: names.get(i + imported) ?? `func[${i + imported}]` }));
fns.sort((a, b) => b.len - a.len);
const total = bodies.reduce((a, b) => a + b, 0);
console.log(`file ${bytes.length} B, code ${total} B in ${bodies.length} functions, data ${sections[11] ?? 0} B`);
console.log(`\ntop ${top} functions:`);
for (const f of fns.slice(0, top)) console.log(String(f.len).padStart(8), f.name.slice(0, 150));
const crate = (name) => { const m = name.match(/^(?:<)?(?:_?<?&?(?:dyn )?)?([a-z_][a-z0-9_]*)::/); return m ? m[1] : '(other)'; };
const byCrate = new Map();
for (const f of fns) byCrate.set(crate(f.name), (byCrate.get(crate(f.name)) ?? 0) + f.len);
console.log('\ncode by crate (first path segment):');
for (const [c, n] of [...byCrate].sort((a, b) => b[1] - a[1]).slice(0, 20)) console.log(String(n).padStart(8), c);
