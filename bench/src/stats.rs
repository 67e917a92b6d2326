//! Latency samples, percentiles and Markdown tables.

use std::time::Duration;

/// Latencies in microseconds.
#[derive(Default, Clone)]
pub struct Samples {
    micros: Vec<u64>,
    sorted: bool,
}

impl Samples {
    pub fn with_capacity(n: usize) -> Self {
        Samples { micros: Vec::with_capacity(n), sorted: true }
    }

    pub fn push(&mut self, d: Duration) {
        self.micros.push(d.as_micros() as u64);
        self.sorted = false;
    }

    pub fn extend(&mut self, other: Samples) {
        self.micros.extend(other.micros);
        self.sorted = false;
    }

    pub fn len(&self) -> usize {
        self.micros.len()
    }

    fn sort(&mut self) {
        if !self.sorted {
            self.micros.sort_unstable();
            self.sorted = true;
        }
    }

    /// Nearest-rank percentile, in milliseconds (0 when empty).
    pub fn pct_ms(&mut self, q: f64) -> f64 {
        self.sort();
        if self.micros.is_empty() {
            return 0.0;
        }
        let rank = ((q / 100.0) * self.micros.len() as f64).ceil().max(1.0) as usize;
        self.micros[rank.min(self.micros.len()) - 1] as f64 / 1000.0
    }

    pub fn max_ms(&mut self) -> f64 {
        self.sort();
        self.micros.last().map_or(0.0, |&m| m as f64 / 1000.0)
    }

    pub fn mean_ms(&self) -> f64 {
        if self.micros.is_empty() {
            return 0.0;
        }
        self.micros.iter().sum::<u64>() as f64 / self.micros.len() as f64 / 1000.0
    }
}

/// A Markdown table that lines up in a terminal too.
pub struct Table {
    headers: Vec<String>,
    rows: Vec<Vec<String>>,
    /// Right-align this column (numbers).
    right: Vec<bool>,
}

impl Table {
    pub fn new(headers: &[&str]) -> Self {
        Table { headers: headers.iter().map(|s| s.to_string()).collect(), rows: Vec::new(), right: headers.iter().enumerate().map(|(i, _)| i > 0).collect() }
    }

    pub fn row(&mut self, cells: Vec<String>) {
        assert_eq!(cells.len(), self.headers.len(), "table row width");
        self.rows.push(cells);
    }

    pub fn render(&self) -> String {
        let widths: Vec<usize> = (0..self.headers.len())
            .map(|c| self.rows.iter().map(|r| r[c].chars().count()).chain([self.headers[c].chars().count()]).max().unwrap_or(0))
            .collect();
        let line = |cells: &[String]| {
            let parts: Vec<String> = cells
                .iter()
                .enumerate()
                .map(|(c, s)| {
                    let pad = widths[c].saturating_sub(s.chars().count());
                    if self.right[c] { format!("{}{}", " ".repeat(pad), s) } else { format!("{}{}", s, " ".repeat(pad)) }
                })
                .collect();
            format!("| {} |", parts.join(" | "))
        };
        let mut out = line(&self.headers);
        out.push('\n');
        let sep: String = widths
            .iter()
            .enumerate()
            .map(|(c, w)| if self.right[c] { format!("{}:|", "-".repeat(w + 1)) } else { format!("{}|", "-".repeat(w + 2)) })
            .collect();
        out.push('|');
        out.push_str(&sep);
        out.push('\n');
        for row in &self.rows {
            out.push_str(&line(row));
            out.push('\n');
        }
        out
    }

    pub fn print(&self) {
        println!("{}", self.render());
    }
}

pub fn ms(v: f64) -> String {
    if v >= 100.0 {
        format!("{v:.0}")
    } else if v >= 10.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.2}")
    }
}

/// CPU time per event in milliseconds.
pub fn per_event(cpu: Duration, events: u64) -> String {
    format!("{:.3}", cpu.as_secs_f64() * 1000.0 / events.max(1) as f64)
}

pub fn mb(bytes: u64) -> String {
    format!("{:.1} MB", bytes as f64 / 1_048_576.0)
}

pub fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, ch) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

pub fn median(values: &mut [f64]) -> f64 {
    if values.is_empty() {
        return 0.0;
    }
    values.sort_by(|a, b| a.total_cmp(b));
    let n = values.len();
    if n % 2 == 1 { values[n / 2] } else { (values[n / 2 - 1] + values[n / 2]) / 2.0 }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_use_nearest_rank() {
        let mut s = Samples::default();
        for i in 1..=100u64 {
            s.push(Duration::from_micros(i * 1000));
        }
        assert_eq!(s.pct_ms(50.0), 50.0);
        assert_eq!(s.pct_ms(99.0), 99.0);
        assert_eq!(s.pct_ms(100.0), 100.0);
        assert_eq!(s.max_ms(), 100.0);
    }

    #[test]
    fn thousands_groups_digits() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(1234), "1,234");
        assert_eq!(thousands(1234567), "1,234,567");
    }

    #[test]
    fn table_aligns() {
        let mut t = Table::new(&["a", "bb"]);
        t.row(vec!["x".into(), "1".into()]);
        assert_eq!(t.render(), "| a | bb |\n|---|---:|\n| x |  1 |\n");
    }
}
