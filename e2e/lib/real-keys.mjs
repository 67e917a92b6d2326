// Real key presses into a real browser window, and what the page made of them. Used by the
// hotkey check (tools/hotkeys-real.mjs) and its short CI test (hotkeys-real.test.mjs).
//
// The page (lib/page-harness.mjs) reports every keydown and every GM value the userscript
// writes, numbered in the page's own order. A press is followed by a sentinel key: the page
// handles keys in order, so once the sentinel has arrived, every earlier key that reached the
// page has too. "The browser kept the key" is then a fact, not a timeout.
import { join } from 'node:path';
import { parseCombo } from '../../userscript/src/hotkeys.mjs';
import { startFakeRaterHub } from './raterhub-https.mjs';
import { injectHarness } from './page-harness.mjs';
import { startXvfb, xdo, findWindow, windowTitles, screenshot, launchDesktopBrowser } from './desktop.mjs';
import { taskUrl } from '../fixtures/raterhub.mjs';

const PROBE = 'J';
const SENTINEL = 'K';

/** xdotool's spelling of an overlay combo: "Ctrl+Shift+Q" → "ctrl+shift+q". */
export function xdoKey(combo) {
  const c = parseCombo(combo);
  return [c.ctrl && 'ctrl', c.alt && 'alt', c.shift && 'shift', c.meta && 'super', c.key.toLowerCase()].filter(Boolean).join('+');
}

/** True if report `r` is the keydown of `combo` (exact modifiers, physical key). */
export function isKeydown(r, combo) {
  const c = parseCombo(combo);
  return r.kind === 'keydown' && r.code === `Key${c.key}` && r.ctrl === c.ctrl && r.alt === c.alt && r.shift === c.shift && r.meta === c.meta;
}

/** The event types the overlay queued, in order. */
export function queuedTypes(log) {
  return log.filter((r) => r.kind === 'gm-set' && r.gmKey.startsWith('rht.q.')).map((r) => r.value.type);
}

async function poll(fn, ms) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v || Date.now() > end) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Starts Xvfb and the HTTPS fake RaterHub serving `source` (the userscript). Returns
 * { env, site, open(browser, store), stop() }. Options: sendEvent (xdotool key --window, i.e.
 * XSendEvent, instead of XTEST), limitMs (how long any one step may take before it is a failure).
 */
export async function startRealKeys({ source, sendEvent = false, limitMs = 20_000 }) {
  const x = await startXvfb();
  let current = { tag: '', store: {} }; // one browser at a time: its pages get its tag and GM store
  const site = await startFakeRaterHub({ decorate: (html) => injectHarness(html, { source, ...current }) });
  let runs = 0;
  const open = async (browser, store = {}) => {
    current = { tag: `${browser}-${++runs}`, store };
    const { tag } = current;
    const b = await launchDesktopBrowser(browser, { url: taskUrl('task-001'), env: x.env, proxyPort: site.proxyPort, caPath: site.caPath });
    return new BrowserPage({ env: x.env, site, tag, b, sendEvent, limitMs });
  };
  const stop = async () => {
    site.close();
    await x.stop();
  };
  return { env: x.env, site, open, stop };
}

/** One browser window showing the task page. */
class BrowserPage {
  constructor(o) { Object.assign(this, o); }

  get reports() { return this.site.reports.filter((r) => r.tag === this.tag); }

  get quit() { return this.b.proc.exitCode !== null || this.b.proc.signalCode !== null; }

  /** Waits for the overlay, finds the window and makes sure keys go to the page. */
  async ready() {
    this.readyReport = await this.site.waitForReport((r) => r.tag === this.tag && r.kind === 'ready', 3 * this.limitMs);
    if (!this.readyReport) throw new Error(`${this.tag}: the overlay never started\n${this.b.log.slice(-2000)}`);
    this.win = await poll(() => findWindow(this.env, /Rater Hub - Task/), this.limitMs);
    if (!this.win) throw new Error(`${this.tag}: no browser window`);
    for (let attempt = 0; attempt < 3; attempt++) {
      await xdo(this.env, 'windowfocus', '--sync', this.win).catch(() => {});
      if (await this.pressProbe()) return this;
      // Into the page's top bar, where a click does nothing, in case the focus sits in the browser's UI.
      await xdo(this.env, 'mousemove', '--window', this.win, '400', '160', 'click', '1');
    }
    throw new Error(`${this.tag}: key presses never reached the page`);
  }

  async pressProbe() {
    const old = new Set(this.reports.filter((r) => isKeydown(r, PROBE)));
    await this.key(xdoKey(PROBE));
    return this.site.waitForReport((r) => r.tag === this.tag && isKeydown(r, PROBE) && !old.has(r), this.limitMs / 4);
  }

  key(...keys) {
    return xdo(this.env, 'key', ...(this.sendEvent ? ['--window', this.win] : []), '--clearmodifiers', ...keys);
  }

  /**
   * Presses `combos`, then the sentinel. Resolves { delivered, log, titles }: delivered when the
   * sentinel reached the page; log is the page's reports in its order up to the sentinel (or
   * all reports that arrived, if it never did); titles are the display's windows, `settleMs`
   * after the sentinel (never part of a verdict on the page).
   */
  async press(combos, { settleMs = 0 } = {}) {
    await this.key(...combos.map(xdoKey));
    await this.key(xdoKey(SENTINEL)).catch(() => {}); // the display may have lost the window
    const sentinel = await Promise.race([
      this.site.waitForReport((r) => r.tag === this.tag && isKeydown(r, SENTINEL), this.limitMs / 2),
      this.b.exited.then(() => null),
    ]);
    // Only for describing what the browser did: its own action (a dialog, a window) may come later.
    if (settleMs) await new Promise((r) => setTimeout(r, settleMs));
    const titles = this.quit ? [] : await windowTitles(this.env);
    if (!sentinel) return { delivered: false, log: this.reports, titles };
    const log = await poll(() => this.inOrder(sentinel.seq), this.limitMs);
    if (!log) throw new Error(`${this.tag}: reports before #${sentinel.seq} never arrived`);
    return { delivered: true, log, titles };
  }

  /** The top frame's reports up to `seq`, once all of them have arrived (fetches race). */
  inOrder(seq) {
    const mine = this.reports.filter((r) => r.frame === 'top');
    const have = new Set(mine.map((r) => r.seq));
    for (let i = 1; i <= seq; i++) if (!have.has(i)) return null;
    return mine.sort((a, b) => a.seq - b.seq).filter((r) => r.seq <= seq);
  }

  async screenshot(dir, name) {
    if (!this.quit) await screenshot(this.env, join(dir, name));
  }

  close() { return this.b.stop(); }
}
