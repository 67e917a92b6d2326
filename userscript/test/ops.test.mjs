// The OPS block: the exact shape the server's contract test extracts, and a light check of every
// operation against schema.graphql (fields, arguments, variables). The server test then runs them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadScript, SOURCES, SRC_DIR } from '../testlib/load.mjs';

const S = await loadScript();
const SCHEMA = readFileSync(join(SRC_DIR, '..', '..', 'schema.graphql'), 'utf8');

function tokenize(src) {
  const out = [];
  const re = /"""[\s\S]*?"""|"(?:[^"\\]|\\.)*"|#[^\n]*|\.\.\.|[A-Za-z_][A-Za-z0-9_]*|-?\d+(?:\.\d+)?|[{}()\[\]:!$=@,|&]|\s+/g;
  let m;
  let pos = 0;
  while ((m = re.exec(src))) {
    if (m.index !== pos) throw new Error(`unexpected character at ${pos}: ${src.slice(pos, pos + 20)}`);
    pos = re.lastIndex;
    const t = m[0];
    if (/^\s+$/.test(t) || t.startsWith('#') || t === ',' || t.startsWith('"')) continue;
    out.push(t);
  }
  if (pos !== src.length) throw new Error(`unexpected character at ${pos}`);
  return out;
}

function parseSchema(src) {
  const t = tokenize(src);
  const types = {};
  let i = 0;
  const typeRef = () => {
    let s = '';
    if (t[i] === '[') { i++; s = `[${typeRef()}]`; i++; } else s = t[i++];
    if (t[i] === '!') { i++; s += '!'; }
    return s;
  };
  const skipParens = () => {
    if (t[i] !== '(') return;
    let depth = 0;
    do { if (t[i] === '(') depth++; else if (t[i] === ')') depth--; i++; } while (depth > 0);
  };
  const skipDirectives = () => { while (t[i] === '@') { i += 2; skipParens(); } };
  while (i < t.length) {
    const kw = t[i++];
    if (kw === 'scalar') { types[t[i++]] = { kind: 'scalar' }; skipDirectives(); continue; }
    if (kw === 'directive') {
      i += 2; // @name
      skipParens();
      i++; // on
      i++; // first location
      while (t[i] === '|') i += 2;
      continue;
    }
    if (kw === 'schema') { while (t[i] !== '}') i++; i++; continue; }
    if (kw === 'union') { const name = t[i++]; skipDirectives(); i++; const members = []; while (/^[A-Za-z_]/.test(t[i] || '') && !['type', 'input', 'enum', 'scalar', 'union', 'interface', 'directive', 'schema'].includes(t[i])) { members.push(t[i++]); if (t[i] === '|') i++; } types[name] = { kind: 'union', members }; continue; }
    if (kw === 'enum') { const name = t[i++]; skipDirectives(); i++; const values = []; while (t[i] !== '}') { values.push(t[i++]); skipDirectives(); } i++; types[name] = { kind: 'enum', values }; continue; }
    if (kw === 'type' || kw === 'input' || kw === 'interface') {
      const name = t[i++];
      while (t[i] !== '{') i++;
      i++;
      const fields = {};
      while (t[i] !== '}') {
        const f = t[i++];
        const args = {};
        if (t[i] === '(') {
          i++;
          while (t[i] !== ')') { const a = t[i++]; i++; args[a] = typeRef(); if (t[i] === '=') { i += 2; } skipDirectives(); }
          i++;
        }
        i++; // :
        fields[f] = { type: typeRef(), args };
        if (t[i] === '=') i += 2; // input default
        skipDirectives();
      }
      i++;
      types[name] = { kind: kw === 'interface' ? 'type' : kw, fields };
      continue;
    }
    throw new Error(`schema: unexpected ${kw}`);
  }
  return types;
}

const named = (ref) => ref.replace(/[[\]!]/g, '');

function checkOperation(types, src) {
  const t = tokenize(src);
  let i = 0;
  const kind = t[i++];
  assert.ok(kind === 'query' || kind === 'mutation', `operation kind ${kind}`);
  const opName = t[i] !== '{' && t[i] !== '(' ? t[i++] : null;
  assert.ok(opName, 'operations are named');
  const vars = {};
  if (t[i] === '(') {
    i++;
    while (t[i] !== ')') {
      assert.equal(t[i++], '$');
      const v = t[i++];
      assert.equal(t[i++], ':');
      let ref = '';
      while (t[i] !== '$' && t[i] !== ')') ref += t[i++];
      vars[v] = ref;
      assert.ok(types[named(ref)] || ['String', 'Int', 'Float', 'Boolean', 'ID'].includes(named(ref)), `variable type ${ref}`);
    }
    i++;
  }
  const used = new Set();
  const selection = (typeName, path) => {
    assert.equal(t[i++], '{', `${path}: selection set`);
    while (t[i] !== '}') {
      const f = t[i++];
      const type = types[typeName];
      assert.ok(type && type.fields[f], `${path}.${f} exists in schema.graphql`);
      const field = type.fields[f];
      if (t[i] === '(') {
        i++;
        while (t[i] !== ')') {
          const a = t[i++];
          assert.ok(field.args[a], `${path}.${f}(${a}:) is an argument`);
          assert.equal(t[i++], ':');
          if (t[i] === '$') {
            i++;
            const v = t[i++];
            assert.ok(vars[v], `$${v} is declared`);
            assert.equal(named(vars[v]), named(field.args[a]), `$${v} has the argument's type`);
            if (field.args[a].endsWith('!')) assert.ok(vars[v].endsWith('!'), `$${v} must be non-null for ${a}`);
            used.add(v);
          } else i++;
        }
        i++;
      }
      for (const [a, ref] of Object.entries(field.args)) {
        if (ref.endsWith('!')) assert.ok(src.includes(`${a}:`), `${path}.${f} needs ${a}`);
      }
      const inner = types[named(field.type)];
      if (inner && inner.kind === 'type') selection(named(field.type), `${path}.${f}`);
      else assert.notEqual(t[i], '{', `${path}.${f} is a leaf`);
    }
    i++;
  };
  selection(kind === 'query' ? 'Query' : 'Mutation', kind);
  assert.equal(i, t.length, 'one operation per entry');
  for (const v of Object.keys(vars)) assert.ok(used.has(v), `$${v} is used`);
}

test('the OPS block has the shape the server test extracts', () => {
  const SOURCE = SOURCES['ops.mjs'];
  const start = SOURCE.indexOf('\nexport const OPS = {\n');
  assert.ok(start >= 0, '`export const OPS = {` at the start of a line');
  const end = SOURCE.indexOf('\n};\n', start);
  assert.ok(end > start, 'closed by `};` at the start of a line');
  const block = SOURCE.slice(start, end + 3);
  assert.ok(!block.includes('${'), 'no template substitutions inside operations');
  const entries = [...block.matchAll(/^ {2}(\w+): `([^`]*)`,$/gm)];
  assert.deepEqual(entries.map((m) => m[1]), Object.keys(S.OPS));
  for (const [, name, text] of entries) assert.equal(text, S.OPS[name]);
});

test('every operation matches schema.graphql', () => {
  const types = parseSchema(SCHEMA);
  for (const [name, op] of Object.entries(S.OPS)) {
    try {
      checkOperation(types, op);
    } catch (e) {
      e.message = `OPS.${name}: ${e.message}`;
      throw e;
    }
  }
});

test('the header is ready for the server to fill in its URL', () => {
  const meta = SOURCES['meta.mjs'];
  assert.ok(meta.startsWith('// ==UserScript==\n'), 'the metadata block comes first');
  const header = meta.slice(0, meta.indexOf('// ==/UserScript=='));
  assert.match(header, /^\/\/ @connect\s+__RHT_HOST__$/m);
  assert.match(header, /^\/\/ @downloadURL\s+__RHT_ORIGIN__\/userscript\/raterhub-tracker\.user\.js$/m);
  assert.match(header, /^\/\/ @updateURL\s+__RHT_ORIGIN__\/userscript\/raterhub-tracker\.user\.js$/m);
  assert.match(header, /^\/\/ @match\s+https:\/\/\*\.raterhub\.com\/\*$/m);
  assert.match(header, /^\/\/ @grant\s+GM_xmlhttpRequest$/m);
  assert.match(header, /^\/\/ @match\s+\*:\/\/__RHT_HOST__\/overlay\*$/m, 'the tracker\'s Overlay page, for its "is it running?" check');
  assert.match(header, /^\/\/ @grant\s+GM\.xmlHttpRequest$/m);
  for (const f of ['getValue', 'setValue', 'deleteValue', 'listValues', 'addValueChangeListener']) {
    assert.match(header, new RegExp(`^// @grant\\s+GM_${f}$`, 'm'));
    assert.match(header, new RegExp(`^// @grant\\s+GM\\.${f}$`, 'm'));
  }
  assert.equal(S.DEFAULT_SERVER_URL, '__RHT_ORIGIN__');
  assert.equal(header.match(/^\/\/ @version\s+(\S+)$/m)[1], S.SCRIPT_VERSION, '@version and SCRIPT_VERSION agree');
});

test('no plain fetch or XMLHttpRequest: Chromium blocks page requests to a local server', () => {
  for (const [file, src] of Object.entries(SOURCES)) {
    assert.ok(!/\bfetch\s*\(/.test(src), file);
    assert.ok(!/new XMLHttpRequest/.test(src), file);
  }
});
