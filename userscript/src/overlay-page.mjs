// What the overlay learns from the page and the other tabs: task detection, auto NEXT, and
// the open-tab heartbeats behind the "tabs share one timer" warning.
import { KEYS, TAB_STALE_MS } from './settings.mjs';
import { parseAet, taskIdFromUrl, isTaskUrl } from './page.mjs';

export function detectTask() {
  const el = document.querySelector('.ewok-estimated-task-weight');
  return { taskId: taskIdFromUrl(location.href), targetSeconds: el ? parseAet(el.textContent) : null };
}

function seenTasks(storage) {
  const v = storage.get(KEYS.seenTasks, []);
  return Array.isArray(v) ? v : [];
}

export function rememberTask(storage, id) {
  const list = seenTasks(storage).filter((x) => x !== id);
  list.push(id);
  storage.set(KEYS.seenTasks, list.slice(-300));
}

/** Auto mode: NEXT once for each task id never seen before, after the AET shows (or 3 s). */
export function autoTick(o) {
  if (!o.settings.detectTask) return;
  const task = detectTask();
  if (!o.settings.autoNext || !task.taskId) return;
  const id = task.taskId;
  if (seenTasks(o.storage).includes(id)) return;
  const v = o.tracker.view();
  if (v.state.active && v.state.taskId === id) { rememberTask(o.storage, id); return; }
  if (!o.taskFirstSeen.has(id)) o.taskFirstSeen.set(id, Date.now());
  if (!task.targetSeconds && Date.now() - o.taskFirstSeen.get(id) < 3000) return;
  o.press('next', 'auto');
}

export const isTaskTab = () => isTaskUrl(location.href);

export function heartbeat(o) {
  o.storage.set(`${KEYS.tabPrefix}${o.tracker.tabId}`, { seen: Date.now(), task: isTaskTab() });
}

export function otherTaskTabs(o) {
  const t = Date.now();
  const mine = `${KEYS.tabPrefix}${o.tracker.tabId}`;
  let n = 0;
  for (const k of o.storage.keys()) {
    if (!k.startsWith(KEYS.tabPrefix) || k === mine) continue;
    const v = o.storage.get(k, null);
    if (!v || t - v.seen > TAB_STALE_MS * 2) { o.storage.del(k); continue; }
    if (v.task && t - v.seen <= TAB_STALE_MS) n += 1;
  }
  return n;
}
