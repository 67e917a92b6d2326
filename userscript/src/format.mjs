// Clocks and durations as the overlay prints them.


export function pad2(n) {
  return String(n).padStart(2, '0');
}

/** 75 → "01:15", 3725 → "1:02:05". Negative values are shown as their magnitude. */
export function formatClock(seconds) {
  let s = Math.floor(Math.abs(Number(seconds) || 0));
  const h = Math.floor(s / 3600);
  s -= h * 3600;
  const m = Math.floor(s / 60);
  const sec = s - m * 60;
  return h ? `${h}:${pad2(m)}:${pad2(sec)}` : `${pad2(m)}:${pad2(sec)}`;
}

/** Totals: 7980 → "2h 13m", 780 → "13m", 45 → "45s". */
export function formatDuration(seconds) {
  const s = Math.max(0, Math.round(Number(seconds) || 0));
  if (s < 60) return `${s}s`;
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return h ? `${h}h ${pad2(m)}m` : `${m}m`;
}

export function formatHours(seconds) {
  const h = (Number(seconds) || 0) / 3600;
  return `${h < 100 ? String(Math.round(h * 10) / 10) : Math.round(h)}h`;
}

