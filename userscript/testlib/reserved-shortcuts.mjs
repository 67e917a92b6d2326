// Keys the browsers keep for themselves: a page never sees them (or cannot stop the browser's
// action), so none may be an overlay default. Data only, in one place; the unit test checks
// every default against it and e2e/tools/hotkeys-real.mjs prints it next to what real key
// presses showed.
//
// Chrome / Chromium / Edge: the commands BrowserCommandController::IsReservedCommandOrKey
// (chrome/browser/ui/browser_command_controller.cc) never lets a page override: close tab,
// close window, new incognito window, new tab, new window, restore tab, next/previous tab and
// exit; their keys from chrome/browser/ui/views/accelerator_table.cc and Chrome's help page
// "Chrome keyboard shortcuts" (https://support.google.com/chrome/answer/157179).
// Firefox: the <key reserved="true"> entries of browser/base/content/browser-sets.inc (read
// from Firefox ESR 153's omni.ja: new window, new tab, close, close window, private window,
// quit; Ctrl+Tab, Ctrl+PageUp/PageDown are the tab strip's own), keys from Mozilla's
// "Keyboard shortcuts" (https://support.mozilla.org/kb/keyboard-shortcuts-perform-firefox-tasks-quickly):
// Quit is Ctrl+Q on Linux, Ctrl+Shift+Q on Windows, Cmd+Q on macOS.
// Alt+F4 / Cmd+Q style window-manager keys are listed where the browser binds them too.

const PC = ['linux', 'windows'];

/** { combo, browser: 'chrome' | 'firefox', os: [..], what } in the overlay's combo spelling. */
export const RESERVED_SHORTCUTS = [
  // Chrome, Chromium, Edge on Linux and Windows
  ...[
    ['Ctrl+N', 'new window'], ['Ctrl+Shift+N', 'new incognito window'], ['Ctrl+T', 'new tab'],
    ['Ctrl+Shift+T', 'reopen closed tab'], ['Ctrl+W', 'close tab'], ['Ctrl+F4', 'close tab'],
    ['Ctrl+Shift+W', 'close window'], ['Alt+F4', 'close window'], ['Ctrl+Tab', 'next tab'],
    ['Ctrl+PageDown', 'next tab'], ['Ctrl+Shift+Tab', 'previous tab'], ['Ctrl+PageUp', 'previous tab'],
    // Exit is reserved, but Chromium 156 on Linux binds no key to it (its menu shows none and
    // tools/hotkeys-real.mjs saw the key reach the page); Chrome long quit on this one: kept.
    ['Ctrl+Shift+Q', 'quit'],
  ].map(([combo, what]) => ({ combo, browser: 'chrome', os: PC, what })),
  // Chrome on macOS
  ...[
    ['Meta+N', 'new window'], ['Shift+Meta+N', 'new incognito window'], ['Meta+T', 'new tab'],
    ['Shift+Meta+T', 'reopen closed tab'], ['Meta+W', 'close tab'], ['Shift+Meta+W', 'close window'],
    ['Ctrl+Tab', 'next tab'], ['Alt+Meta+Right', 'next tab'], ['Ctrl+Shift+Tab', 'previous tab'],
    ['Alt+Meta+Left', 'previous tab'], ['Meta+Q', 'quit'],
  ].map(([combo, what]) => ({ combo, browser: 'chrome', os: ['mac'], what })),
  // Firefox on Linux and Windows
  ...[
    ['Ctrl+N', 'new window'], ['Ctrl+T', 'new tab'], ['Ctrl+W', 'close tab'], ['Ctrl+F4', 'close tab'],
    ['Ctrl+Shift+W', 'close window'], ['Alt+F4', 'close window'], ['Ctrl+Shift+P', 'new private window'],
    ['Ctrl+Tab', 'next tab'], ['Ctrl+PageDown', 'next tab'], ['Ctrl+Shift+Tab', 'previous tab'], ['Ctrl+PageUp', 'previous tab'],
  ].map(([combo, what]) => ({ combo, browser: 'firefox', os: PC, what })),
  { combo: 'Ctrl+Q', browser: 'firefox', os: ['linux'], what: 'quit' },
  { combo: 'Ctrl+Shift+Q', browser: 'firefox', os: ['windows'], what: 'quit' },
  // Firefox on macOS
  ...[
    ['Meta+N', 'new window'], ['Meta+T', 'new tab'], ['Meta+W', 'close tab'], ['Shift+Meta+W', 'close window'],
    ['Shift+Meta+P', 'new private window'], ['Meta+Q', 'quit'], ['Ctrl+Tab', 'next tab'], ['Ctrl+Shift+Tab', 'previous tab'],
  ].map(([combo, what]) => ({ combo, browser: 'firefox', os: ['mac'], what })),
];

/** User agents of today's browsers on each system, for the checks. */
export const UA = {
  chromeLinux: 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36',
  chromeWindows: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36',
  chromeMac: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36',
  edgeWindows: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36 Edg/156.0.0.0',
  firefoxLinux: 'Mozilla/5.0 (X11; Linux x86_64; rv:153.0) Gecko/20100101 Firefox/153.0',
  firefoxWindows: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:153.0) Gecko/20100101 Firefox/153.0',
  firefoxMac: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10.15; rv:153.0) Gecko/20100101 Firefox/153.0',
};

/** { browser, os } of a user agent string. */
export function platformOf(ua) {
  const browser = /Firefox\//.test(ua) ? 'firefox' : 'chrome';
  const os = /Windows/.test(ua) ? 'windows' : /Mac OS X|Macintosh/.test(ua) ? 'mac' : 'linux';
  return { browser, os };
}

/** The combos the browser of `ua` keeps on its system. */
export function reservedBy(ua) {
  const { browser, os } = platformOf(ua);
  return RESERVED_SHORTCUTS.filter((r) => r.browser === browser && r.os.includes(os)).map((r) => r.combo);
}
