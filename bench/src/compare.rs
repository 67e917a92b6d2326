//! `--side-by-side`: ingestion on SQLite and PostgreSQL in one table, with what PostgreSQL
//! itself manages on this machine in the same run (`pgbench -N`: one update, one select and
//! one insert per transaction, one commit each) as the reference.

use anyhow::{Context, bail};

use crate::Level;
use crate::cpu;
use crate::server::Backend;
use crate::stats::{Table, median, ms, per_event, thousands};

/// The pgbench command line, as printed.
pub const PGBENCH: &str = "pgbench -N -c 100 -j 2 -T 10";

/// What `PGBENCH` did and what it cost the machine.
pub struct Reference {
    pub tps: f64,
    pub transactions: u64,
    pub machine: cpu::Usage,
}

/// `PGBENCH` on a scratch database, or why there is no figure.
pub async fn pgbench(admin_url: &str) -> Result<Reference, String> {
    let backend = Backend::Postgres { admin_url: admin_url.to_owned() };
    let db = backend.fresh("pgbench").await.map_err(|e| e.to_string())?;
    let url = db.url.clone();
    let result = tokio::task::spawn_blocking(move || run_pgbench(&url)).await.map_err(|e| e.to_string()).and_then(|r| r.map_err(|e| format!("{e:#}")));
    backend.destroy(&db, false).await;
    result
}

fn run_pgbench(url: &str) -> anyhow::Result<Reference> {
    let init = std::process::Command::new("pgbench").args(["-i", "-q", url]).output().context("running pgbench (is it installed?)")?;
    if !init.status.success() {
        bail!("pgbench -i failed: {}", String::from_utf8_lossy(&init.stderr));
    }
    let mut args: Vec<&str> = PGBENCH.split_whitespace().skip(1).collect();
    args.push(url);
    let before = cpu::Snapshot::take();
    let run = std::process::Command::new("pgbench").args(&args).output()?;
    let machine = cpu::Snapshot::take().since(&before);
    let out = String::from_utf8_lossy(&run.stdout);
    if !run.status.success() {
        bail!("{PGBENCH} failed: {}{}", out, String::from_utf8_lossy(&run.stderr));
    }
    let tps = parse_tps(&out).with_context(|| format!("no tps in pgbench's output: {out}"))?;
    let transactions = parse_transactions(&out).with_context(|| format!("no transaction count in pgbench's output: {out}"))?;
    Ok(Reference { tps, transactions, machine })
}

/// The `number of transactions actually processed: N` figure.
fn parse_transactions(out: &str) -> Option<u64> {
    out.lines().find_map(|l| l.strip_prefix("number of transactions actually processed: ")?.split_whitespace().next()?.parse().ok())
}

/// The `tps = N (without initial connection time)` figure.
fn parse_tps(out: &str) -> Option<f64> {
    out.lines().filter_map(|l| l.strip_prefix("tps = ")).find_map(|rest| rest.split_whitespace().next()?.parse().ok())
}

/// Median events/s and median p99 of the runs at `users`.
fn at(levels: &[Level], users: usize) -> Option<(f64, f64)> {
    let mut rates: Vec<f64> = levels.iter().filter(|l| l.users == users).map(|l| l.rate).collect();
    let mut p99s: Vec<f64> = levels.iter().filter(|l| l.users == users).map(|l| l.p99).collect();
    if rates.is_empty() {
        return None;
    }
    Some((median(&mut rates), median(&mut p99s)))
}

pub fn print(sqlite: &[Level], postgres: &[Level], reference: &Result<Reference, String>) {
    let mut users: Vec<usize> = sqlite.iter().chain(postgres).map(|l| l.users).collect();
    users.sort_unstable();
    users.dedup();
    let mut table = Table::new(&["users", "SQLite events/s", "SQLite p99 ms", "PostgreSQL events/s", "PostgreSQL p99 ms", "PostgreSQL / pgbench"]);
    let cell = |v: Option<(f64, f64)>, rate: bool| v.map_or("-".to_owned(), |(r, p)| if rate { thousands(r.round() as u64) } else { ms(p) });
    for u in users {
        let (lite, pg) = (at(sqlite, u), at(postgres, u));
        let ratio = match (pg, reference) {
            (Some((rate, _)), Ok(r)) if r.tps > 0.0 => format!("{:.0}%", 100.0 * rate / r.tps),
            _ => "-".into(),
        };
        table.row(vec![u.to_string(), cell(lite, true), cell(lite, false), cell(pg, true), cell(pg, false), ratio]);
    }
    println!("\n## 1b. SQLite and PostgreSQL side by side (median of the runs per level)\n");
    table.print();
    match reference {
        Ok(r) => println!(
            "Reference from this run: `{PGBENCH}` on a scratch database: {} transactions/s; per transaction, PostgreSQL CPU {} ms, \
             whole machine {} ms (pgbench included), machine busy {:.0}%.",
            thousands(r.tps.round() as u64),
            per_event(r.machine.postgres, r.transactions),
            per_event(r.machine.busy, r.transactions),
            r.machine.busy_percent()
        ),
        Err(e) => println!("Reference: `{PGBENCH}` failed: {e}"),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn tps_is_read_from_pgbench_output() {
        let out = "latency average = 19.9 ms\ninitial connection time = 95.1 ms\ntps = 5023.377871 (without initial connection time)\n";
        assert_eq!(super::parse_tps(out), Some(5023.377871));
        assert_eq!(super::parse_tps("no figure"), None);
    }

    #[test]
    fn transaction_count_is_read_from_pgbench_output() {
        let out = "number of failed transactions: 0 (0.000%)\nnumber of transactions actually processed: 52083\nlatency average = 19.9 ms\n";
        assert_eq!(super::parse_transactions(out), Some(52083));
        assert_eq!(super::parse_transactions("tps = 1"), None);
    }
}
