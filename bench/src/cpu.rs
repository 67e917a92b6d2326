//! Where the machine's CPU went during a timed run: all cores together (`/proc/stat`) and
//! the local PostgreSQL server (every process named `postgres`). The server, PostgreSQL and
//! this load generator share the same cores, so the CPU all of them spend per event bounds
//! the rate: at full use, `cores × 1000 / (busy ms per event)` events/s.

use std::time::Duration;

/// CPU counters at one moment.
#[derive(Clone, Copy, Default)]
pub struct Snapshot {
    /// Time all cores spent on anything but idling or waiting for I/O.
    busy: Duration,
    /// Time all cores existed (busy + idle).
    total: Duration,
    /// User + system time of the PostgreSQL processes, including backends that have
    /// exited since (the postmaster collects their time when it reaps them).
    postgres: Duration,
}

/// What happened between two snapshots.
#[derive(Clone, Copy, Default)]
pub struct Usage {
    pub busy: Duration,
    pub total: Duration,
    pub postgres: Duration,
}

impl Usage {
    /// Share of all cores that were busy, in percent.
    pub fn busy_percent(&self) -> f64 {
        100.0 * self.busy.as_secs_f64() / self.total.as_secs_f64().max(1e-9)
    }
}

impl Snapshot {
    pub fn take() -> Self {
        let (busy, total) = std::fs::read_to_string("/proc/stat").ok().as_deref().and_then(machine_ticks).unwrap_or_default();
        Snapshot { busy: ticks(busy), total: ticks(total), postgres: ticks(postgres_ticks()) }
    }

    pub fn since(&self, earlier: &Snapshot) -> Usage {
        Usage {
            busy: self.busy.saturating_sub(earlier.busy),
            total: self.total.saturating_sub(earlier.total),
            postgres: self.postgres.saturating_sub(earlier.postgres),
        }
    }
}

/// Busy and total ticks from the `cpu` line of `/proc/stat`: user nice system idle iowait
/// irq softirq steal (guest time is already counted in user).
fn machine_ticks(stat: &str) -> Option<(u64, u64)> {
    let line = stat.lines().find(|l| l.starts_with("cpu "))?;
    let fields: Vec<u64> = line.split_whitespace().skip(1).take(8).map(|v| v.parse().unwrap_or(0)).collect();
    let total: u64 = fields.iter().sum();
    let idle = fields.get(3).copied().unwrap_or(0) + fields.get(4).copied().unwrap_or(0);
    Some((total - idle, total))
}

/// The fields of `/proc/<pid>/stat` after the command name, with that name.
fn parse_stat(text: &str) -> Option<(&str, Vec<&str>)> {
    let (head, rest) = text.rsplit_once(')')?;
    let name = head.split_once('(')?.1;
    Some((name, rest.split_whitespace().collect()))
}

/// User + system ticks of one process; with `children`, also those of its reaped children.
/// Fields counted from the one after the name: state is 0, utime 11, stime 12, cutime 13,
/// cstime 14.
pub fn process_ticks(fields: &[&str], children: bool) -> u64 {
    let at = |i: usize| fields.get(i).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
    at(11) + at(12) + if children { at(13) + at(14) } else { 0 }
}

/// Ticks of one process, read from `/proc`; zero once it is gone.
pub fn pid_ticks(pid: u32) -> u64 {
    let text = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    parse_stat(&text).map_or(0, |(_, fields)| process_ticks(&fields, false))
}

fn postgres_ticks() -> u64 {
    let Ok(dir) = std::fs::read_dir("/proc") else { return 0 };
    dir.filter_map(Result::ok)
        .filter(|entry| entry.file_name().to_str().is_some_and(|n| n.bytes().all(|b| b.is_ascii_digit())))
        .filter_map(|entry| std::fs::read_to_string(entry.path().join("stat")).ok())
        .filter_map(|text| parse_stat(&text).filter(|(name, _)| *name == "postgres").map(|(_, fields)| process_ticks(&fields, true)))
        .sum()
}

pub fn ticks(n: u64) -> Duration {
    // SAFETY: sysconf only reads a system setting.
    let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) }.max(1) as u64;
    Duration::from_millis(n * 1000 / hz)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn machine_line_splits_busy_from_idle_and_iowait() {
        let stat = "cpu  100 5 50 1000 20 3 2 1 7 0\ncpu0 50 2 25 500 10 1 1 0 0 0\n";
        // busy = user + nice + system + irq + softirq + steal; guest is inside user.
        assert_eq!(machine_ticks(stat), Some((161, 1181)));
    }

    #[test]
    fn process_fields_follow_a_name_with_spaces_and_parentheses() {
        let text = "4242 (postgres: a (b) c) S 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16";
        let (name, fields) = parse_stat(text).expect("parsed");
        assert_eq!(name, "postgres: a (b) c");
        assert_eq!(process_ticks(&fields, false), 11 + 12);
        assert_eq!(process_ticks(&fields, true), 11 + 12 + 13 + 14);
    }
}
