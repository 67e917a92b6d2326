// Does each hotkey reach the page, or does the browser keep it? Real key presses (xdotool
// through XTEST, the path a hardware keyboard's events take) on a virtual display (Xvfb) into
// headful Debian Chromium and Firefox ESR, started without any automation protocol, each on a
// fresh profile, showing the fake RaterHub task page over HTTPS with the built userscript
// running in it (lib/real-keys.mjs, lib/page-harness.mjs). Not a test: a check to run whenever
// the defaults or the browsers change; its table goes into userscript/README.md.
//
//   node e2e/tools/hotkeys-real.mjs [--browser chromium|firefox] [--key Ctrl+Shift+Q]... [--quick]
//                                   [--send-event] [--script FILE]
//
// Each key is pressed twice, each time in a fresh browser: once with the overlay using it, once
// with no hotkey on it (what the browser does with the key when no page takes it, e.g. when the
// script is not running). --quick skips the second. Windows are listed 2 s after the key, so
// that the browser's own action (a dialog, a window, quitting) shows. --send-event presses with
// `xdotool key --window` (XSendEvent) instead of XTEST. Without --script the userscript comes
// from the server binary, as served (like the e2e tests). Screenshots: e2e/artifacts/hotkeys-real/.
import { parseArgs } from 'node:util';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TestServer } from '../lib/server.mjs';
import { ARTIFACTS } from '../lib/browser.mjs';
import { startRealKeys, isKeydown, queuedTypes } from '../lib/real-keys.mjs';
import { browserVersion } from '../lib/desktop.mjs';
import { defaultHotkeys } from '../../userscript/src/settings.mjs';
import { reservedBy, UA } from '../../userscript/testlib/reserved-shortcuts.mjs';

// The original app's keys and every browser's defaults today: each is checked in each browser.
const ORIGINAL = { next: 'Ctrl+Q', pause: 'Ctrl+Shift+P', exit: 'Ctrl+Shift+X', undo: 'Ctrl+Shift+Q' };
const BROWSERS = { chromium: UA.chromeLinux, firefox: UA.firefoxLinux };

const { values: args } = parseArgs({ options: {
  browser: { type: 'string', multiple: true }, key: { type: 'string', multiple: true }, script: { type: 'string' },
  quick: { type: 'boolean' }, 'send-event': { type: 'boolean' },
} });

/** [{ combo, action }] for the original keys and every browser's defaults, without repeats. */
function candidates() {
  const seen = new Map();
  for (const set of [ORIGINAL, ...Object.values(BROWSERS).map(defaultHotkeys)]) {
    for (const [action, combo] of Object.entries(set)) if (!seen.has(combo)) seen.set(combo, action);
  }
  const all = [...seen].map(([combo, action]) => ({ combo, action }));
  return args.key ? all.filter((c) => args.key.includes(c.combo)) : all;
}

async function userscriptSource() {
  if (args.script) return readFileSync(args.script, 'utf8');
  const server = await new TestServer().start();
  try {
    return await (await fetch(`${server.url}/userscript/raterhub-tracker.user.js`)).text();
  } finally {
    await server.stop();
  }
}

/** The GM store for a run: the browser's defaults, with `combo` on `action` or on no action at all. */
function storeFor(browser, { combo, action }, claimed) {
  const hotkeys = { ...defaultHotkeys(BROWSERS[browser]) };
  for (const a of Object.keys(hotkeys)) if (hotkeys[a] === combo) hotkeys[a] = '';
  if (claimed) hotkeys[action] = combo;
  return { 'rht.settings': { hotkeys } };
}

/** What happened to the key: the page's reports (in its order) and the browser's state. */
function classify({ combo, action }, { delivered, log, titles }, quit) {
  const down = log.find((r) => isKeydown(r, combo));
  const seen = !!down;
  const extra = titles.filter((t) => !/^Rater Hub - Task/.test(t));
  const opened = extra.length ? ` (opened: ${extra.join(', ')})` : '';
  if (!delivered) {
    const then = quit ? 'the browser quit' : `the focus left the page${opened || ' (no new window: a dialog?)'}`;
    return seen ? `reaches the page, then ${then}` : `swallowed: ${then}`;
  }
  if (!seen) return `swallowed by the browser${opened}`;
  const type = action.toUpperCase();
  const queued = queuedTypes(log).includes(type) ? ` (${type} queued)` : '';
  const fake = down.trusted ? '' : ' as an untrusted event';
  return `reaches the page${fake}${queued}${quit ? ', then the browser quit' : opened}`;
}

/** One fresh browser, one key; `claimed`: the overlay has the key (and so stops the browser's default). */
async function checkOne(rk, browser, cand, claimed) {
  const page = await rk.open(browser, storeFor(browser, cand, claimed));
  try {
    await page.ready();
    const result = await page.press([cand.combo], { settleMs: 2000 });
    await page.screenshot(SHOTS, `${browser}-${cand.combo.replaceAll('+', '-')}${claimed ? '' : '-unclaimed'}.png`).catch(() => {});
    return classify(cand, result, page.quit);
  } catch (e) {
    return `check failed: ${e.message.split('\n')[0]}`;
  } finally {
    await page.close();
  }
}

/** Markdown: one row per hotkey, two columns per browser. */
function printTable(rows, versions) {
  const browsers = Object.keys(versions);
  const how = args['send-event'] ? 'xdotool key --window (XSendEvent)' : 'xdotool key (XTEST)';
  console.log(`\nReal X11 key presses (${how}) on Xvfb, ${new Date().toISOString().slice(0, 10)}: ${browsers.map((b) => versions[b]).join('; ')}\n`);
  console.log(`| hotkey | ${browsers.map((b) => `${b}: the overlay uses it | ${b}: no hotkey uses it`).join(' | ')} |`);
  console.log(`|---|${browsers.map(() => '---|---|').join('')}`);
  for (const combo of [...new Set(rows.map((r) => r.combo))]) {
    const cells = browsers.flatMap((b) => {
      const r = rows.find((x) => x.browser === b && x.combo === combo);
      if (!r) return ['', ''];
      return [`${r.claimed}${r.reserved ? ' [reserved list]' : ''}`, r.unclaimed ?? '-'];
    });
    console.log(`| \`${combo}\` | ${cells.join(' | ')} |`);
  }
}

const SHOTS = join(ARTIFACTS, 'hotkeys-real');
mkdirSync(SHOTS, { recursive: true });
const rk = await startRealKeys({ source: await userscriptSource(), sendEvent: !!args['send-event'] });
const rows = [];
const versions = {};
try {
  for (const browser of args.browser ?? Object.keys(BROWSERS)) {
    versions[browser] = await browserVersion(browser);
    for (const cand of candidates()) {
      const claimed = await checkOne(rk, browser, cand, true);
      const unclaimed = args.quick ? null : await checkOne(rk, browser, cand, false);
      rows.push({ browser, ...cand, claimed, unclaimed, reserved: reservedBy(BROWSERS[browser]).includes(cand.combo) });
      console.error(`${browser} ${cand.combo}: ${claimed}; no hotkey on it: ${unclaimed ?? '-'}`);
    }
  }
} finally {
  await rk.stop();
}
printTable(rows, versions);
