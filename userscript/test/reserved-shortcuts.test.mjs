// No default hotkey is a shortcut the browser keeps for itself (testlib/reserved-shortcuts.mjs:
// Chrome and Firefox on Linux, Windows and macOS, from their own key tables and help pages).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultHotkeys } from '../src/settings.mjs';
import { parseCombo, comboToString } from '../src/hotkeys.mjs';
import { RESERVED_SHORTCUTS, UA, platformOf, reservedBy } from '../testlib/reserved-shortcuts.mjs';

test('the reserved list is spelled the way the overlay stores combos, so a match cannot be missed', () => {
  assert.ok(RESERVED_SHORTCUTS.length >= 40);
  for (const r of RESERVED_SHORTCUTS) {
    assert.equal(comboToString(parseCombo(r.combo)), r.combo, `${r.combo} is in normal form`);
    assert.ok(['chrome', 'firefox'].includes(r.browser) && r.os.length && r.what, JSON.stringify(r));
  }
  for (const os of ['linux', 'windows', 'mac']) {
    for (const browser of ['chrome', 'firefox']) {
      assert.ok(RESERVED_SHORTCUTS.some((r) => r.browser === browser && r.os.includes(os) && r.what === 'quit'), `${browser} on ${os} has its quit key listed`);
    }
  }
});

test('every user agent is told apart: browser and system', () => {
  assert.deepEqual(platformOf(UA.chromeLinux), { browser: 'chrome', os: 'linux' });
  assert.deepEqual(platformOf(UA.edgeWindows), { browser: 'chrome', os: 'windows' });
  assert.deepEqual(platformOf(UA.chromeMac), { browser: 'chrome', os: 'mac' });
  assert.deepEqual(platformOf(UA.firefoxLinux), { browser: 'firefox', os: 'linux' });
  assert.deepEqual(platformOf(UA.firefoxWindows), { browser: 'firefox', os: 'windows' });
  assert.deepEqual(platformOf(UA.firefoxMac), { browser: 'firefox', os: 'mac' });
  assert.ok(reservedBy(UA.firefoxLinux).includes('Ctrl+Q') && !reservedBy(UA.firefoxWindows).includes('Ctrl+Q'));
  assert.ok(reservedBy(UA.firefoxWindows).includes('Ctrl+Shift+Q') && reservedBy(UA.chromeLinux).includes('Ctrl+Shift+Q'));
});

for (const [name, ua] of Object.entries(UA)) {
  test(`no default hotkey is a key ${name} keeps for itself`, () => {
    const defaults = defaultHotkeys(ua);
    const reserved = new Set(reservedBy(ua));
    for (const [action, combo] of Object.entries(defaults)) {
      assert.ok(parseCombo(combo), `${action}: ${combo} parses`);
      assert.ok(!reserved.has(combo), `${action.toUpperCase()} defaults to ${combo}, which ${name} keeps for itself`);
    }
    assert.equal(new Set(Object.values(defaults)).size, 4, 'four different keys');
  });
}
