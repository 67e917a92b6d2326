// The default hotkeys reach the page when pressed on a keyboard, not just when a test injects
// them: headful Debian Chromium on a virtual display (Xvfb), started without any automation
// protocol on a fresh profile, the served userscript in the fake RaterHub task page over HTTPS,
// and real X11 key presses (xdotool, XTEST). Browser shortcuts act on these; injected
// (CDP) keys skip them. The full table, Firefox too, comes from tools/hotkeys-real.mjs.
//
//   cd e2e && node --test hotkeys-real.test.mjs        (HOTKEYS_BROWSER=firefox for Firefox ESR)
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { TestServer } from './lib/server.mjs';
import { startRealKeys, isKeydown, queuedTypes } from './lib/real-keys.mjs';
import { defaultHotkeys } from '../userscript/src/settings.mjs';

const BROWSER = process.env.HOTKEYS_BROWSER || 'chromium';
const ACTIONS = ['next', 'pause', 'exit', 'undo'];
let rk;

before(async () => {
  const server = await new TestServer().start();
  const source = await (await fetch(`${server.url}/userscript/raterhub-tracker.user.js`)).text();
  await server.stop();
  rk = await startRealKeys({ source });
});

after(async () => {
  if (rk) await rk.stop();
});

test(`every default hotkey, pressed on a real (virtual) keyboard, reaches the overlay in ${BROWSER}`, async () => {
  const page = await rk.open(BROWSER); // nothing stored: the script picks its defaults for this browser
  try {
    await page.ready();
    const defaults = defaultHotkeys(page.readyReport.ua);
    const combos = ACTIONS.map((a) => defaults[a]);
    const { delivered, log, titles } = await page.press(combos);
    assert.ok(delivered, `the key after the hotkeys never reached the page: a hotkey moved the focus or quit the browser (windows: ${titles.join(' | ')})`);
    const keydowns = log.filter((r) => r.kind === 'keydown');
    for (const combo of combos) {
      const seen = keydowns.filter((r) => isKeydown(r, combo));
      assert.equal(seen.length, 1, `${combo} reached the page once (the browser kept it otherwise)`);
      assert.equal(seen[0].trusted, true, `${combo} arrived as a trusted (real) event`);
    }
    assert.deepEqual(queuedTypes(log), ACTIONS.map((a) => a.toUpperCase()), 'the overlay queued one event per hotkey, in order');
  } finally {
    await page.close();
  }
});
