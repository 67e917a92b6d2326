import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadScript } from '../testlib/load.mjs';

const S = await loadScript();

test('AET: the upper bound of a range, in seconds', () => {
  assert.equal(S.parseAet('3 - 4 minutes'), 240);
  assert.equal(S.parseAet('3-4 minutes'), 240);
  assert.equal(S.parseAet('90 seconds'), 90);
  assert.equal(S.parseAet('30 - 45 seconds'), 45);
  assert.equal(S.parseAet('1 minute'), 60);
  assert.equal(S.parseAet('1.5 minutes'), 90);
  assert.equal(S.parseAet('2,5 min'), 150);
  assert.equal(S.parseAet('  5  Minutes '), 300);
  assert.equal(S.parseAet('1 hour'), 3600);
  assert.equal(S.parseAet('AET: 6'), 360, 'a bare number means minutes');
  assert.equal(S.parseAet('Estimated: 1 - 2 min'), 120);
  assert.equal(S.parseAet(''), null);
  assert.equal(S.parseAet('unknown'), null);
  assert.equal(S.parseAet(null), null);
  assert.equal(S.parseAet('0 minutes'), null);
});

test('task id comes from the taskIds parameter only', () => {
  assert.equal(S.taskIdFromUrl('https://www.raterhub.com/evaluation/rater/task/show?taskIds=abc123'), 'abc123');
  assert.equal(S.taskIdFromUrl('https://www.raterhub.com/evaluation/rater/task/show?x=1&taskIds=t1,t2'), 't1');
  assert.equal(S.taskIdFromUrl('https://www.raterhub.com/evaluation/rater'), null);
  assert.equal(S.taskIdFromUrl('not a url'), null);
  assert.equal(S.isTaskUrl('https://www.raterhub.com/evaluation/rater/task/show?taskIds=abc'), true);
  assert.equal(S.isTaskUrl('https://www.raterhub.com/evaluation/rater/task/abc123'), true);
  assert.equal(S.isTaskUrl('https://www.raterhub.com/evaluation/rater'), false);
});

function key(code, mods = {}) {
  const key = code.startsWith('Key') ? code.slice(3).toLowerCase() : code;
  return { code, key: mods.shiftKey ? key.toUpperCase() : key, ctrlKey: false, shiftKey: false, altKey: false, metaKey: false, ...mods };
}

test('hotkeys: the defaults, exact modifier match', () => {
  const hk = S.DEFAULT_SETTINGS.hotkeys;
  assert.equal(S.hotkeyAction(key('KeyQ', { ctrlKey: true }), hk), 'next');
  assert.equal(S.hotkeyAction(key('KeyZ', { ctrlKey: true, shiftKey: true }), hk), 'undo');
  assert.equal(S.hotkeyAction(key('KeyQ', { ctrlKey: true, shiftKey: true }), hk), null, 'Ctrl+Shift+Q quits Chrome: no default');
  assert.equal(S.hotkeyAction(key('KeyP', { ctrlKey: true, shiftKey: true }), hk), 'pause');
  assert.equal(S.hotkeyAction(key('KeyX', { ctrlKey: true, shiftKey: true }), hk), 'exit');
  assert.equal(S.hotkeyAction(key('KeyQ'), hk), null);
  assert.equal(S.hotkeyAction(key('KeyQ', { ctrlKey: true, altKey: true }), hk), null);
  assert.equal(S.hotkeyAction(key('KeyP', { ctrlKey: true }), hk), null, 'Ctrl+P stays the browser\'s print');
  assert.equal(S.hotkeyAction({ ...key('KeyQ', { ctrlKey: true }), isComposing: true }, hk), null, 'IME composition');
  assert.equal(S.hotkeyAction({ ...key('KeyQ', { ctrlKey: true }), repeat: true }, hk), null, 'auto-repeat');
});

test('hotkeys: letters match by physical key, so other layouts work', () => {
  // AZERTY: the key labelled A sits on code KeyQ; a Cyrillic layout yields key "й".
  assert.equal(S.matchesCombo({ code: 'KeyQ', key: 'й', ctrlKey: true }, 'Ctrl+Q'), true);
  assert.equal(S.matchesCombo({ code: 'Digit1', key: '!', ctrlKey: true, shiftKey: true }, 'Ctrl+Shift+1'), true);
  assert.equal(S.matchesCombo({ code: 'F2', key: 'F2', altKey: true }, 'Alt+F2'), true);
});

test('hotkeys: parsing, normalising and recording', () => {
  assert.deepEqual(S.parseCombo('ctrl + shift + p'), { ctrl: true, alt: false, shift: true, meta: false, key: 'P' });
  assert.equal(S.comboToString(S.parseCombo('shift+ctrl+p')), 'Ctrl+Shift+P');
  assert.equal(S.comboToString(S.parseCombo('Alt+Space')), 'Alt+Space');
  assert.equal(S.parseCombo('Ctrl+A+B'), null);
  assert.equal(S.parseCombo(''), null);
  assert.equal(S.parseCombo('Ctrl+'), null);
  assert.equal(S.comboFromEvent(key('KeyN', { altKey: true, shiftKey: true })), 'Alt+Shift+N');
  assert.equal(S.comboFromEvent({ code: 'ShiftLeft', key: 'Shift', shiftKey: true }), '', 'a lone modifier is no combo');
  const custom = S.mergeSettings({ hotkeys: { next: 'Alt+N' } }).hotkeys;
  assert.equal(custom.next, 'Alt+N');
  assert.equal(custom.pause, 'Ctrl+Shift+P', 'unset keys keep their defaults');
  assert.equal(S.hotkeyAction(key('KeyN', { altKey: true }), custom), 'next');
  assert.equal(S.hotkeyAction(key('KeyQ', { ctrlKey: true }), custom), null);
});

test('hotkeys are ignored while typing', () => {
  const el = (tagName, extra = {}) => ({ nodeType: 1, tagName, parentElement: null, getAttribute: () => null, ...extra });
  assert.equal(S.isTypingTarget(el('TEXTAREA')), true);
  assert.equal(S.isTypingTarget(el('INPUT', { type: 'text' })), true);
  assert.equal(S.isTypingTarget(el('INPUT', { type: 'search' })), true);
  assert.equal(S.isTypingTarget(el('INPUT', { type: 'checkbox' })), false);
  assert.equal(S.isTypingTarget(el('SELECT')), true);
  assert.equal(S.isTypingTarget(el('DIV', { isContentEditable: true })), true);
  const editable = el('DIV', { getAttribute: (a) => (a === 'contenteditable' ? '' : null) });
  assert.equal(S.isTypingTarget(el('SPAN', { parentElement: editable })), true, 'inside a contenteditable');
  assert.equal(S.isTypingTarget(el('DIV')), false);
  assert.equal(S.isTypingTarget(el('BUTTON')), false);
  assert.equal(S.isTypingTarget(null), false);
});

test('formatting', () => {
  assert.equal(S.formatClock(0), '00:00');
  assert.equal(S.formatClock(59.9), '00:59');
  assert.equal(S.formatClock(75), '01:15');
  assert.equal(S.formatClock(3725), '1:02:05');
  assert.equal(S.formatClock(-42), '00:42');
  assert.equal(S.formatDuration(45), '45s');
  assert.equal(S.formatDuration(780), '13m');
  assert.equal(S.formatDuration(7980), '2h 13m');
  assert.equal(S.formatHours(12.4 * 3600), '12.4h');
  assert.equal(S.formatHours(40 * 3600), '40h');
});

test('clock offset: midpoint of the request, smallest round trip wins', () => {
  const c1 = S.learnClock(null, { serverMs: 10_500, sentAt: 1_000, receivedAt: 1_200 });
  assert.deepEqual(c1, { offsetMs: 9_400, rttMs: 200, at: 1_200 });
  const slow = S.learnClock(c1, { serverMs: 12_000, sentAt: 2_000, receivedAt: 3_000 });
  assert.equal(slow, c1, 'a slow sample that agrees does not replace a fast one');
  const fast = S.learnClock(c1, { serverMs: 13_420, sentAt: 4_000, receivedAt: 4_040 });
  assert.equal(fast.offsetMs, 9_400, '13420 - 4020');
  assert.equal(fast.rttMs, 40);
  const jumped = S.learnClock(fast, { serverMs: 70_000, sentAt: 5_000, receivedAt: 5_400 });
  assert.equal(jumped.offsetMs, 64_800, 'a clock jump is followed even on a slower sample');
  const old = S.learnClock(fast, { serverMs: 700_000 + 9_500, sentAt: 700_000, receivedAt: 700_200 });
  assert.equal(old.at, 700_200, 'old samples expire');
  assert.equal(S.learnClock(c1, { serverMs: NaN, sentAt: 1, receivedAt: 2 }), c1);
});

test('inputs: corrected by the offset, in order, never going back in time', () => {
  const at = Date.parse('2026-11-26T10:00:00.000Z');
  const events = [
    { id: 'a', type: 'NEXT', at, off: 5_000, taskId: 't1', targetSeconds: 240 },
    { id: 'b', type: 'PAUSE', at: at + 1_000, off: null },
    { id: 'c', type: 'NEXT', at: at + 2_000, off: 1_000 },
  ];
  const { inputs, newest } = S.buildInputs(events, { offsetMs: 3_000 }, null);
  assert.deepEqual(inputs.map((i) => i.occurredAt), [
    '2026-11-26T10:00:05.000Z', // offset known at the press
    '2026-11-26T10:00:05.000Z', // 10:00:04 with today's offset, clamped to the previous event
    '2026-11-26T10:00:05.000Z', // 10:00:03, clamped
  ]);
  assert.deepEqual(inputs[0], { type: 'NEXT', clientEventId: 'a', occurredAt: '2026-11-26T10:00:05.000Z', taskId: 't1', targetSeconds: 240 });
  assert.equal(inputs[1].taskId, undefined);
  assert.equal(newest, at + 5_000);
  const later = S.buildInputs([{ id: 'd', type: 'EXIT', at, off: 0 }], null, at + 60_000).inputs[0];
  assert.equal(later.occurredAt, '2026-11-26T10:01:00.000Z', 'not before the last event sent');
});

test('backoff grows to 30 s with jitter', () => {
  const mid = () => 0.5;
  assert.deepEqual([0, 1, 2, 3, 4, 5, 6, 9].map((n) => S.backoffMs(n, mid)), [0, 1000, 2000, 4000, 8000, 16000, 30000, 30000]);
  assert.equal(S.backoffMs(1, () => 0), 750);
  assert.equal(S.backoffMs(1, () => 0.999), 1250);
});

test('responses: network, signed out, GraphQL error, ok', () => {
  assert.equal(S.classifyResponse(0, '').kind, 'network');
  assert.equal(S.classifyResponse(502, '<html>bad gateway</html>').kind, 'network');
  assert.equal(S.classifyResponse(503, '{"data":null}').kind, 'network');
  const unauth = JSON.stringify({ data: null, errors: [{ message: 'token revoked', extensions: { code: 'UNAUTHENTICATED' } }] });
  assert.equal(S.classifyResponse(200, unauth).kind, 'auth');
  assert.equal(S.classifyResponse(401, 'nope').kind, 'auth');
  const bad = S.classifyResponse(200, JSON.stringify({ data: null, errors: [{ message: 'no session', extensions: { code: 'NO_ACTIVE_SESSION' } }] }));
  assert.deepEqual([bad.kind, bad.code, bad.message], ['error', 'NO_ACTIVE_SESSION', 'no session']);
  const ok = S.classifyResponse(200, JSON.stringify({ data: { serverTime: 'x' } }));
  assert.deepEqual(ok, { kind: 'ok', data: { serverTime: 'x' } });
});

test('ids are unique UUIDs', () => {
  const ids = new Set(Array.from({ length: 1000 }, () => S.newId()));
  assert.equal(ids.size, 1000);
  assert.match([...ids][0], /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
});

test('settings: defaults are off, bad values fall back', () => {
  const d = S.mergeSettings(undefined);
  assert.equal(d.alertSound, false);
  assert.equal(d.alertFlash, false);
  assert.equal(d.detectTask, false);
  assert.equal(d.autoNext, false);
  assert.equal(d.alertSeconds, 30);
  assert.equal(S.mergeSettings({ alertSeconds: -3 }).alertSeconds, 30);
  assert.equal(S.mergeSettings({ alertSeconds: '45' }).alertSeconds, 45);
});
