// Settings, default hotkeys per browser, the ⚙ hotkey form and the box's corner layout.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_SETTINGS, defaultHotkeys, mergeSettings } from '../src/settings.mjs';
import { readHotkeys } from '../src/overlay-forms.mjs';
import { cornerLayout } from '../src/overlay.mjs';

const CHROME_LINUX = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36';
const FIREFOX_LINUX = 'Mozilla/5.0 (X11; Linux x86_64; rv:150.0) Gecko/20100101 Firefox/150.0';
const FIREFOX_WINDOWS = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:150.0) Gecko/20100101 Firefox/150.0';

test('no default is a key the browser keeps: UNDO is Ctrl+Shift+Z; Firefox gets Alt+Shift+P, and Alt+Q on Linux', () => {
  const all = [CHROME_LINUX, FIREFOX_LINUX, FIREFOX_WINDOWS].map(defaultHotkeys);
  for (const hk of all) assert.ok(!Object.values(hk).includes('Ctrl+Shift+Q'));
  assert.deepEqual(defaultHotkeys(CHROME_LINUX), { next: 'Ctrl+Q', pause: 'Ctrl+Shift+P', exit: 'Ctrl+Shift+X', undo: 'Ctrl+Shift+Z' });
  assert.equal(defaultHotkeys(FIREFOX_LINUX).next, 'Alt+Q');
  assert.equal(defaultHotkeys(FIREFOX_WINDOWS).next, 'Ctrl+Q');
  for (const ua of [FIREFOX_LINUX, FIREFOX_WINDOWS]) assert.equal(defaultHotkeys(ua).pause, 'Alt+Shift+P');
  assert.equal(defaultHotkeys(CHROME_LINUX).pause, 'Ctrl+Shift+P');
  assert.equal(DEFAULT_SETTINGS.hotkeys.next, 'Ctrl+Q', 'the frozen defaults are not changed by the per-browser copy');
});

test('a saved hotkey wins over the default, the old Ctrl+Shift+Q stays assignable', () => {
  const s = mergeSettings({ hotkeys: { undo: 'Ctrl+Shift+Q' } }, defaultHotkeys(FIREFOX_LINUX));
  assert.equal(s.hotkeys.undo, 'Ctrl+Shift+Q');
  assert.equal(s.hotkeys.next, 'Alt+Q');
  assert.deepEqual(readHotkeys({ next: 'ctrl+q', pause: '', exit: 'Shift+Ctrl+X', undo: 'Ctrl+Shift+Q' }).hotkeys,
    { next: 'Ctrl+Q', pause: '', exit: 'Ctrl+Shift+X', undo: 'Ctrl+Shift+Q' });
  assert.deepEqual(readHotkeys({ next: 'Ctrl+Q', undo: 'ctrl + q' }), { error: 'Ctrl+Q is used twice' });
  assert.deepEqual(readHotkeys({ next: 'Ctrl+' }), { error: 'Invalid hotkey for NEXT' });
});

test('corner layout: the box sits above Submit and is capped to the space left', () => {
  // 1024x600: a sticky button bar whose buttons start 50 px above the bottom edge.
  const submit = { left: 900, right: 1000, top: 550, bottom: 586, width: 100, height: 36 };
  const c = cornerLayout(600, 1024 - 16 - 264, 1024, [submit]);
  assert.equal(c.bottom, 58, 'its bottom edge 8 px above the button');
  assert.equal(c.maxHeight, 600 - 58 - 8, 'never taller than the space above');
  assert.ok(600 - c.bottom <= submit.top, 'does not reach the button');
  assert.deepEqual(cornerLayout(600, 744, 1024, [{ ...submit, left: 10, right: 100 }]), { bottom: 16, maxHeight: 576 }, 'a button elsewhere is no reason to move');
  assert.deepEqual(cornerLayout(600, 744, 1024, [{ ...submit, width: 0 }]), { bottom: 16, maxHeight: 576 }, 'hidden buttons do not count');
});
