// Drawing the view model into the box, and the alert before the target.
import { formatClock } from './format.mjs';
import { otherTaskTabs, isTaskTab } from './overlay-page.mjs';
import { fillSignin } from './overlay-forms.mjs';

function beep(audio) {
  if (!audio) return;
  try {
    if (audio.state === 'suspended') audio.resume();
    const t0 = audio.currentTime;
    for (const [i, f] of [[0, 880], [1, 1175]]) {
      const osc = audio.createOscillator();
      const g = audio.createGain();
      osc.frequency.value = f;
      g.gain.setValueAtTime(0.0001, t0 + i * 0.22);
      g.gain.exponentialRampToValueAtTime(0.25, t0 + i * 0.22 + 0.02);
      g.gain.exponentialRampToValueAtTime(0.0001, t0 + i * 0.22 + 0.18);
      osc.connect(g).connect(audio.destination);
      osc.start(t0 + i * 0.22);
      osc.stop(t0 + i * 0.22 + 0.2);
    }
  } catch (_) { /* no sound available */ }
}

function maybeAlert(o, v) {
  const s = o.settings;
  if (!s.alertSound && !s.alertFlash) return;
  const t = v.timer;
  if (!t.running || t.remaining == null) return;
  const key = `${v.state.sessionId || 'local'}:${v.state.index}:${v.state.startedAt}`;
  if (o.alertedFor === key || t.remaining > s.alertSeconds || t.remaining <= s.alertSeconds - 5) return;
  o.alertedFor = key;
  if (document.visibilityState === 'hidden') return;
  if (s.alertFlash) {
    o.box.classList.remove('flash');
    void o.box.offsetWidth;
    o.box.classList.add('flash');
  }
  if (s.alertSound) beep(o.audio);
}

function setText(o, name, text) {
  const el = o.$(name);
  if (el.textContent !== text) el.textContent = text;
}

function renderTimer(o, v) {
  const t = v.timer;
  setText(o, 'countdown', t.main);
  o.$('countdown').className = `count ${t.phase}${t.paused ? ' paused' : ''}`;
  setText(o, 'task', v.taskLabel);
  setText(o, 'elapsed', v.state.active ? `active ${t.elapsed} / target ${formatClock(t.targetSeconds)}` : v.hint);
  o.$('paused').classList.toggle('hidden', !t.paused);
  setText(o, 'avg', v.avgLabel);
  setText(o, 'today', v.todayLabel);
  setText(o, 'week', v.weekLabel);
  o.$('weekbar').style.width = `${Math.round(v.weekRatio * 100)}%`;
  setText(o, 'mini', `${t.main}${v.state.active ? `  #${v.state.index}` : ''}${t.paused ? '  \u23f8' : ''}${v.queued && v.statusLevel !== 'ok' ? `  \u21bb${v.queued}` : ''}`);
  o.$('mini').className = `mini ${t.phase}`;
  renderToolkit(o, v);
}

function renderToolkit(o, v) {
  setText(o, 'banked', v.banked ? v.banked.text : '\u2013');
  o.$('banked').className = `banked ${v.banked ? v.banked.level : ''}`;
  setText(o, 'earnings', v.earnings ? `\u00b7 ${v.earnings}` : '');
  setText(o, 'credited', v.creditedLabel);
  o.$('capwarn').classList.toggle('hidden', !v.capWarning);
  o.$('capwarn').className = `capwarn ${v.capLevel}${v.capWarning ? '' : ' hidden'}`;
  setText(o, 'capwarn', v.capWarning);
  o.$('away').classList.toggle('hidden', !o.away);
  if (o.away) setText(o, 'away-text', o.away.text);
}

function renderButtons(o, v) {
  setText(o, 'btn-pause', v.pauseLabel);
  const hk = o.settings.hotkeys;
  o.$('btn-next').title = `NEXT (${hk.next || 'no hotkey'})`;
  o.$('btn-pause').title = `PAUSE / RESUME (${hk.pause || 'no hotkey'})`;
  o.$('btn-exit').title = `EXIT: end the session (${hk.exit || 'no hotkey'})`;
  o.$('btn-undo').title = `UNDO the last NEXT or EXIT (${hk.undo || 'no hotkey'})`;
}

function renderStatus(o, v) {
  setText(o, 'status', v.status);
  o.$('status-line').className = `status ${v.statusLevel}`;
  o.$('tabs-warning').classList.toggle('hidden', !v.tabsWarning);
  setText(o, 'tabs-warning', v.tabsWarning);
  const n = o.$('notice');
  n.classList.toggle('hidden', !v.notice);
  if (v.notice) {
    setText(o, 'notice', v.notice.text);
    n.className = `notice ${v.notice.level || 'error'}`;
  }
}

function renderForms(o, v) {
  const signedOut = v.statusLevel === 'signedout';
  if (signedOut) fillSignin(o);
  o.$('signin').classList.toggle('hidden', !signedOut);
  o.$('settings').classList.toggle('hidden', !o.showSettings);
  const a = o.tracker.getAuth();
  const account = a && a.token ? `Signed in as ${a.email} on ${a.server}` : '';
  setText(o, 'account', account);
  o.$('account').title = account; // the full address when it is cut short
  o.$('signout-btn').classList.toggle('hidden', !(a && a.token));
}

export function render(o) {
  let v;
  try {
    v = o.tracker.view({ otherTaskTabs: otherTaskTabs(o), isTaskTab: isTaskTab(), hotkeys: o.settings.hotkeys, settings: o.settings });
  } catch (e) {
    setText(o, 'status', `Error: ${e.message}`);
    return;
  }
  renderTimer(o, v);
  renderButtons(o, v);
  renderStatus(o, v);
  renderForms(o, v);
  maybeAlert(o, v);
}
