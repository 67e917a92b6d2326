// Size profile of a wasm file that still has its name section (the wasm-bindgen output
// before wasm-opt, or `wasm-opt -Oz -g` on cargo's output): the biggest functions, code bytes
// grouped by crate, and by the categories of README's performance section (name patterns).
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

// Categories by name pattern, first match wins. In a pattern `..` matches both the `..` that
// stands for `::` inside generic names and the length digits of mangled paths (`3yew10dom_bundle`).
const CATEGORIES = [
  ['serde: decode_any and Deserialize impls', /serde|decode_any|Deserialize|Visitor|deserialize/],
  ['component views (html! bodies)', /Stateful\$GT\$4view|4view17/],
  ['Yew components and hooks', /yew..html..component|yew..functional|HookProvider|yew..html/],
  ['Yew DOM and scheduler', /yew..dom_bundle|yew..virtual_dom|yew..scheduler/],
  ['gloo', /gloo/],
  ['core::fmt', /core..fmt|3fmt|fmt\.\.|Display|Debug/],
  ['wasm-bindgen, js-sys, web-sys', /wasm_bindgen|js_sys|web_sys/],
  ['alloc, drop glue', /alloc|dlmalloc|drop_in_place|core..ptr/],
  ['closures', /closure/],
  ['dashboard (plain functions)', /dashboard/],
];
const byCategory = new Map();
for (const f of fns) {
  const c = (CATEGORIES.find(([, re]) => re.test(f.name)) ?? ['everything else'])[0];
  byCategory.set(c, (byCategory.get(c) ?? 0) + f.len);
}
console.log('\ncode by category:');
for (const [c, n] of [...byCategory].sort((a, b) => b[1] - a[1])) console.log(String(n).padStart(8), c);
console.log(String(sections[11] ?? 0).padStart(8), 'data segments');
