// The view model: everything the overlay prints, as plain data computed from the rules' state.
import { DEFAULT_SETTINGS, DEFAULT_TARGET_SECONDS } from './settings.mjs';
import { formatClock, formatDuration, formatHours } from './format.mjs';
import { reduceState } from './rules.mjs';
import { bankedLabel, bankedToday, capView, earningsLabel } from './toolkit.mjs';

/** Active time of the running question at server time nowMs, and its countdown. */
export function timerView(st, nowMs) {
  if (!st || !st.active || st.startedAt == null) {
    return { running: false, paused: false, activeSeconds: 0, targetSeconds: null, remaining: null, phase: 'idle', main: '--:--', elapsed: '00:00' };
  }
  // An open pause is excluded by stopping the clock where it began.
  const end = st.pausedAt != null ? st.pausedAt : nowMs;
  const activeSeconds = Math.max(0, (end - st.startedAt) / 1000 - st.pausedSeconds);
  const target = st.targetSeconds || DEFAULT_TARGET_SECONDS;
  const remaining = target - activeSeconds;
  const warnAt = Math.min(target / 2, 90, Math.max(30, target * 0.2));
  let phase = 'ok';
  if (remaining < 0) phase = 'over';
  else if (remaining <= warnAt) phase = 'warn';
  const main = remaining < 0 ? `\u2212${formatClock(Math.floor(-remaining))}` : formatClock(Math.ceil(remaining));
  return {
    running: st.pausedAt == null, paused: st.pausedAt != null, activeSeconds, targetSeconds: target, remaining, phase,
    main, elapsed: formatClock(activeSeconds),
  };
}

/** Everything the overlay prints, as plain data (unit-testable). */
export function buildView(input) {
  const { base, events, clock, nowLocal, auth, offline, retryInMs, notice, otherTaskTabs, isTaskTab, sending, hotkeys } = input;
  const offset = clock && Number.isFinite(clock.offsetMs) ? clock.offsetMs : 0;
  const nowMs = nowLocal + offset;
  const { state, predicted } = reduceState(base, events, clock, nowMs);
  const timer = timerView(state, nowMs);
  const n = events.length;
  const hk = hotkeys || DEFAULT_SETTINGS.hotkeys;
  let status;
  let statusLevel;
  const queued = `${n} event${n === 1 ? '' : 's'} queued`;
  if (!auth || !auth.token) {
    status = n ? `Signed out \u2014 ${queued}; sign in to send` : 'Signed out \u2014 sign in below';
    statusLevel = 'signedout';
  } else if (offline === null) {
    status = n ? `Connecting\u2026 \u2014 ${queued}` : 'Connecting\u2026';
    statusLevel = 'syncing';
  } else if (offline) {
    const secs = retryInMs > 0 ? Math.ceil(retryInMs / 1000) : 0;
    status = `Offline \u2014 ${n ? queued : 'server unreachable'}${secs ? ` \u00b7 retry in ${secs}s` : ''}`;
    statusLevel = 'offline';
  } else if (n) {
    status = sending ? `Connected \u2014 sending ${n}\u2026` : `Connected \u2014 ${queued}`;
    statusLevel = 'syncing';
  } else {
    status = 'Connected';
    statusLevel = 'ok';
  }
  const avg = state.questionCount > 0 ? state.sumActive / state.questionCount : null;
  const day = base && base.day;
  const week = base && base.week;
  // The server's pace covers the questions it knows; hide it while queued ones change the count.
  const serverCount = base && base.session ? Number(base.session.questionCount) || 0 : 0;
  const pace = state.questionCount === serverCount ? state.pace : null;
  return {
    state,
    predicted,
    timer,
    taskLabel: state.active ? `Task #${state.index}${state.uncertain ? ' (syncing)' : ''}` : 'No session',
    hint: state.active ? '' : `Press NEXT (${hk.next}) to start`,
    avgLabel: avg != null ? `Avg ${formatClock(avg)} ${pace ? `${pace.emoji} ${pace.label}` : ''}`.trim() : 'Avg \u2013',
    todayLabel: day ? `Today ${formatDuration(day.activeSeconds)} \u00b7 ${day.questionCount} q` : 'Today \u2013',
    weekLabel: week ? `Week ${formatHours(week.activeSeconds)} / ${formatHours(week.goalSeconds)}` : 'Week \u2013',
    weekRatio: week && week.goalSeconds > 0 ? Math.min(1, week.activeSeconds / week.goalSeconds) : 0,
    status,
    statusLevel,
    queued: n,
    notice: notice && notice.text && nowLocal - notice.at < 12000 ? notice : null,
    tabsWarning: isTaskTab && otherTaskTabs > 0
      ? `${otherTaskTabs + 1} RaterHub task tabs are open \u2014 they share one timer`
      : otherTaskTabs > 1 ? `${otherTaskTabs} RaterHub task tabs are open \u2014 they share one timer` : '',
    pauseLabel: timer.paused ? 'RESUME' : 'PAUSE',
    ...toolkitView(day, week, state, input.settings),
  };
}

/** Banked time, credited hours against the week's cap, cap warnings and (opt-in) earnings. */
export function toolkitView(day, week, state, settings) {
  const banked = day ? bankedLabel(bankedToday(day, state)) : null;
  const dayCap = day ? capView(day.creditedSeconds, day.capSeconds, 'Daily') : capView(0, null, '');
  const weekCap = week ? capView(week.creditedSeconds, week.capSeconds, 'Weekly') : capView(0, null, '');
  const worst = [dayCap, weekCap].find((c) => c.level === 'full') || [dayCap, weekCap].find((c) => c.level === 'near');
  const credited = week && Number.isFinite(week.creditedSeconds) ? formatHours(week.creditedSeconds) : null;
  return {
    banked,
    creditedLabel: credited ? `Credited ${credited}${Number.isFinite(week.capSeconds) ? ` / ${formatHours(week.capSeconds)}` : ''}` : '',
    capWarning: worst ? worst.warning : '',
    capLevel: worst ? worst.level : '',
    earnings: settings && settings.showEarnings && day ? earningsLabel(day.earnings) : null,
  };
}
