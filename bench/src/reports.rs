//! Stage 4: report PDFs over HTTP on a seeded year: day and week PDF latency, and the
//! full-year range PDF's time and the server's peak memory while it is made.

use std::time::{Duration, Instant};

use anyhow::bail;
use http::{Method, StatusCode};

use crate::client::Conn;
use crate::reads::{Rng, SeedResult};
use crate::server::Server;
use crate::stats::Samples;

pub struct ReportTimes {
    pub day: Samples,
    pub week: Samples,
    pub year: Vec<Duration>,
    pub year_bytes: usize,
    /// The server's resident memory before the year PDFs.
    pub rss_before: u64,
    /// Peak resident memory (VmHWM, reset before each run) per year PDF.
    pub year_peak_rss: Vec<u64>,
}

async fn pdf(conn: &mut Conn, token: &str, path: &str) -> anyhow::Result<(Duration, usize)> {
    let started = Instant::now();
    let (status, body) = conn.request(Method::GET, path, Some(token), None).await?;
    let elapsed = started.elapsed();
    if status != StatusCode::OK || !body.starts_with(b"%PDF-") {
        bail!("GET {path}: {status} {}", String::from_utf8_lossy(&body[..body.len().min(200)]));
    }
    Ok((elapsed, body.len()))
}

/// Times `iterations` day and week PDFs on random seeded dates, then `year_runs` PDFs
/// of the whole seeded range.
pub async fn time_reports(server: &Server, seed: &SeedResult, iterations: usize, year_runs: usize) -> anyhow::Result<ReportTimes> {
    let mut conn = Conn::connect(server.addr).await?;
    let token = seed.main_token.as_str();
    let days = &seed.days;
    let mut rng = Rng::new(11);
    let warmup = (iterations / 10).clamp(2, 10);
    let mut run = async |kind: &str, rng: &mut Rng| -> anyhow::Result<Samples> {
        let mut samples = Samples::with_capacity(iterations);
        for i in 0..warmup + iterations {
            let date = days[rng.below(days.len() as u64) as usize];
            let (elapsed, _) = pdf(&mut conn, token, &format!("/reports/{kind}/{date}.pdf")).await?;
            if i >= warmup {
                samples.push(elapsed);
            }
        }
        Ok(samples)
    };
    let day = run("day", &mut rng).await?;
    let week = run("week", &mut rng).await?;
    let (first, last) = (days.iter().min().expect("seeded days"), days.iter().max().expect("seeded days"));
    let path = format!("/reports/range.pdf?from={first}&to={last}");
    let rss_before = server.rss().current;
    let (mut year, mut year_peak_rss, mut year_bytes) = (Vec::new(), Vec::new(), 0);
    for _ in 0..year_runs {
        server.reset_peak_rss();
        let (elapsed, bytes) = pdf(&mut conn, token, &path).await?;
        year.push(elapsed);
        year_peak_rss.push(server.rss().peak);
        year_bytes = bytes;
    }
    Ok(ReportTimes { day, week, year, year_bytes, rss_before, year_peak_rss })
}
