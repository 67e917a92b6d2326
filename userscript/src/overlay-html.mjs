// The overlay's markup and style, inside a shadow root so the page's CSS cannot reach it.

export const CSS = `
:host { all: initial; }
.rht { position: fixed; z-index: 2147483000; width: 264px; box-sizing: border-box;
  font: 13px/1.35 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1f1933;
  background: rgba(255,255,255,0.97); border: 2px solid #7c3aed; border-radius: 10px;
  box-shadow: 0 6px 24px rgba(40,20,80,0.25); user-select: none; }
.rht * { box-sizing: border-box; }
/* The box always fits the window: its body scrolls; render() tightens max-height further. */
.rht { display: flex; flex-direction: column; max-height: calc(100vh - 16px); }
.rht.collapsed { width: auto; min-width: 150px; }
.rht.flash { animation: rht-flash 0.5s ease-in-out 4; }
@keyframes rht-flash { 50% { border-color: #f59e0b; box-shadow: 0 0 0 6px rgba(245,158,11,0.45); } }
.hdr { display: flex; align-items: center; gap: 6px; padding: 5px 6px 5px 10px; cursor: move;
  background: #7c3aed; color: #fff; border-radius: 7px 7px 0 0; touch-action: none; }
.collapsed .hdr { border-radius: 7px; }
.title { font-weight: 600; flex: 1; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.mini { display: none; font-variant-numeric: tabular-nums; font-weight: 700; flex: 1; white-space: nowrap; }
.collapsed .title { display: none; }
.collapsed .mini { display: block; }
.mini.warn { color: #fde68a; } .mini.over { color: #fecaca; }
.icon { all: unset; cursor: pointer; width: 22px; height: 22px; line-height: 22px; text-align: center;
  border-radius: 5px; font-size: 14px; color: #fff; }
.icon:hover, .icon:focus-visible { background: rgba(255,255,255,0.2); }
.body { padding: 8px 10px 8px; overflow-y: auto; min-height: 0; }
.collapsed .body { display: none; }
.clock { display: flex; align-items: baseline; justify-content: space-between; }
.count { font-size: 30px; font-weight: 700; font-variant-numeric: tabular-nums; letter-spacing: 0.5px; }
.count.warn { color: #b45309; } .count.over { color: #dc2626; } .count.idle { color: #9ca3af; }
.count.paused { opacity: 0.55; }
.task { font-weight: 600; color: #5b21b6; text-align: right; }
.sub { color: #555; font-size: 12px; font-variant-numeric: tabular-nums; }
.badge { display: inline-block; font-size: 10px; font-weight: 700; color: #fff; background: #6b7280;
  border-radius: 4px; padding: 0 4px; margin-left: 4px; vertical-align: middle; }
.line { margin-top: 3px; font-size: 12px; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.bar { height: 4px; background: #ede9fe; border-radius: 2px; margin-top: 2px; overflow: hidden; }
.bar > div { height: 100%; background: #7c3aed; width: 0; }
.btns { display: grid; grid-template-columns: 1.4fr 1fr 1fr 1fr; gap: 4px; margin-top: 8px; }
.btn { all: unset; cursor: pointer; text-align: center; font-size: 11px; font-weight: 700; padding: 6px 2px;
  border-radius: 6px; background: #ede9fe; color: #4c1d95; }
.btn:hover, .btn:focus-visible { background: #ddd6fe; }
.btn.primary { background: #7c3aed; color: #fff; } .btn.primary:hover { background: #6d28d9; }
.status { margin-top: 7px; font-size: 11.5px; display: flex; gap: 5px; align-items: baseline; }
.dot { width: 8px; height: 8px; border-radius: 50%; background: #9ca3af; flex: none; }
.status.ok .dot { background: #16a34a; } .status.syncing .dot { background: #2563eb; }
.status.offline .dot { background: #d97706; } .status.signedout .dot { background: #9ca3af; }
.status.offline { color: #92400e; }
.notice { margin-top: 5px; font-size: 11.5px; padding: 4px 6px; border-radius: 5px; background: #fee2e2; color: #991b1b; }
.notice.ok { background: #dcfce7; color: #166534; } .notice.warn { background: #fef3c7; color: #92400e; }
.tabs { margin-top: 5px; font-size: 11.5px; padding: 4px 6px; border-radius: 5px; background: #fef3c7; color: #92400e; }
.form { margin-top: 8px; padding-top: 6px; border-top: 1px solid #e5e7eb; user-select: text; }
.form h4 { margin: 0 0 4px; font-size: 12px; }
.form label { display: block; font-size: 11px; color: #444; margin-top: 4px; }
.form input[type=text], .form input[type=email], .form input[type=password], .form input[type=url],
.form input[type=number] { width: 100%; font: inherit; font-size: 12px; padding: 3px 5px;
  border: 1px solid #c4b5fd; border-radius: 4px; background: #fff; color: #111; }
.form .row { display: flex; gap: 6px; align-items: center; margin-top: 4px; font-size: 12px; }
.form .row label { margin: 0; font-size: 12px; color: #222; }
.form .hk { display: grid; grid-template-columns: 60px 1fr; gap: 3px 6px; align-items: center; font-size: 12px; }
.form .hk input { width: 100%; font: inherit; font-size: 12px; padding: 2px 5px; border: 1px solid #c4b5fd; border-radius: 4px; }
.form .actions { display: flex; gap: 6px; margin-top: 6px; flex-wrap: wrap; }
.form .small { font-size: 11px; color: #555; margin-top: 5px; }
.account { white-space: nowrap; overflow: hidden; text-overflow: ellipsis; max-width: 100%; }
.err { color: #b91c1c; font-size: 11.5px; margin-top: 4px; min-height: 0; }
.hidden { display: none !important; }
.banked.ahead { color: #15803d; font-weight: 600; } .banked.behind { color: #b91c1c; font-weight: 600; }
.capwarn { margin-top: 4px; padding: 3px 6px; border-radius: 6px; background: #fef3c7; color: #92400e; }
.capwarn.full { background: #fee2e2; color: #991b1b; }
.away { margin-top: 6px; padding: 6px; border-radius: 6px; background: #ede9fe; color: #4c1d95; }
`;

export const TEMPLATE = `<div class="rht" part="box" role="region" aria-label="RaterHub Tracker">
  <div class="hdr" data-rht="header">
    <span class="title">RaterHub Tracker</span>
    <span class="mini" data-rht="mini"></span>
    <button class="icon" data-rht="gear" title="Settings" aria-label="Settings">\u2699</button>
    <button class="icon" data-rht="toggle" title="Collapse" aria-label="Collapse">\u25be</button>
  </div>
  <div class="body">
    <div class="clock">
      <span class="count" data-rht="countdown">--:--</span>
      <span class="task" data-rht="task">No session</span>
    </div>
    <div class="sub"><span data-rht="elapsed"></span><span class="badge hidden" data-rht="paused">PAUSED</span></div>
    <div class="line" data-rht="avg"></div>
    <div class="line" data-rht="today"></div>
    <div class="line">Banked today <span class="banked" data-rht="banked">–</span> <span data-rht="earnings"></span></div>
    <div class="line" data-rht="week"></div>
    <div class="bar"><div data-rht="weekbar"></div></div>
    <div class="line" data-rht="credited"></div>
    <div class="capwarn hidden" data-rht="capwarn" role="status"></div>
    <div class="away hidden" data-rht="away" role="alertdialog">
      <span data-rht="away-text"></span>
      <div class="actions"><button class="btn" type="button" data-rht="away-count">Count it</button>
        <button class="btn" type="button" data-rht="away-skip">Don't count</button></div>
    </div>
    <div class="btns">
      <button class="btn primary" data-rht="btn-next">NEXT</button>
      <button class="btn" data-rht="btn-pause">PAUSE</button>
      <button class="btn" data-rht="btn-exit">EXIT</button>
      <button class="btn" data-rht="btn-undo">UNDO</button>
    </div>
    <div class="status" data-rht="status-line"><span class="dot"></span><span data-rht="status"></span></div>
    <div class="tabs hidden" data-rht="tabs-warning"></div>
    <div class="notice hidden" data-rht="notice"></div>
    <form class="form hidden" data-rht="signin" autocomplete="off">
      <h4>Sign in to your tracker</h4>
      <label>Server URL <input type="url" data-rht="server" spellcheck="false"></label>
      <label>Email <input type="email" data-rht="email" spellcheck="false"></label>
      <label>Password <input type="password" data-rht="password" autocomplete="off"></label>
      <label>Device name <input type="text" data-rht="device" spellcheck="false"></label>
      <div class="actions"><button class="btn primary" type="submit" data-rht="signin-btn">Sign in</button></div>
      <div class="err" data-rht="signin-error"></div>
      <div class="small">Only a revocable device token is kept in this browser, never the password.</div>
    </form>
    <div class="form hidden" data-rht="settings">
      <h4>Hotkeys <span class="small">(click a box, press the keys)</span></h4>
      <div class="hk">
        <span>NEXT</span><input readonly data-rht="hk-next">
        <span>PAUSE</span><input readonly data-rht="hk-pause">
        <span>EXIT</span><input readonly data-rht="hk-exit">
        <span>UNDO</span><input readonly data-rht="hk-undo">
      </div>
      <h4 style="margin-top:8px">Alerts before the target</h4>
      <div class="row"><input type="checkbox" data-rht="alert-sound" id="rht-as"><label for="rht-as">Sound</label>
        <input type="checkbox" data-rht="alert-flash" id="rht-af"><label for="rht-af">Flash</label></div>
      <div class="row"><span>Alert</span><input type="number" min="0" max="3600" step="5" style="width:64px" data-rht="alert-seconds"><span>s before the target</span></div>
      <h4 style="margin-top:8px">Task detection</h4>
      <div class="row"><input type="checkbox" data-rht="detect" id="rht-dt"><label for="rht-dt">Send the task id and AET with NEXT</label></div>
      <div class="row"><input type="checkbox" data-rht="auto" id="rht-au"><label for="rht-au">Auto: NEXT when a new task opens</label></div>
      <div class="small">Only the task id, the AET and timestamps leave the page \u2014 never page content or URLs.</div>
      <div class="row"><span>Task type selector</span><input type="text" style="width:120px" data-rht="type-selector" spellcheck="false" placeholder="none"></div>
      <div class="small">Opt-in: the trimmed text (up to 64 characters) of the one element this CSS selector names is sent with NEXT as the task type. Nothing else from the page is read.</div>
      <h4 style="margin-top:8px">Toolkit</h4>
      <div class="row"><span>Ask about away time after</span><input type="number" min="0" max="240" step="1" style="width:56px" data-rht="away-minutes"><span>min (0 = never)</span></div>
      <div class="row"><input type="checkbox" data-rht="show-earnings" id="rht-se"><label for="rht-se">Show today's earnings</label></div>
      <div class="actions">
        <button class="btn primary" type="button" data-rht="save-settings">Save</button>
        <button class="btn" type="button" data-rht="reset-hotkeys">Default keys</button>
        <button class="btn" type="button" data-rht="reset-position">Reset position</button>
        <button class="btn" type="button" data-rht="signout-btn">Sign out</button>
      </div>
      <div class="err" data-rht="settings-error"></div>
      <div class="small account" data-rht="account"></div>
    </div>
  </div>
</div>`;
