//! Time-zone aware formatting. In the browser this uses `Intl.DateTimeFormat` (no tz database
//! in the wasm); natively (SSR tests) it uses chrono-tz.

use crate::time::{Date, Instant};

/// `HH:MM` in `tz`.
pub fn hm(t: &Instant, tz: &str) -> String {
    imp::format(t, tz, false)
}

/// `HH:MM:SS` in `tz`.
pub fn hms(t: &Instant, tz: &str) -> String {
    imp::format(t, tz, true)
}

/// The calendar date of `t` in `tz`.
pub fn local_date(t: &Instant, tz: &str) -> Date {
    imp::local_date(t, tz)
}

/// The current instant (from the JS clock in the browser).
pub fn now() -> Instant {
    imp::now()
}

/// The browser's own IANA zone, if it reports one.
pub fn browser_zone() -> Option<String> {
    imp::browser_zone()
}

#[cfg(target_arch = "wasm32")]
mod imp {
    use super::*;
    use js_sys::{Array, Date as JsDate, Function, Intl, Object, Reflect};
    use std::cell::RefCell;
    use std::collections::HashMap;
    use wasm_bindgen::{JsCast, JsValue};

    thread_local! {
        static CACHE: RefCell<HashMap<(String, u8), Function>> = RefCell::new(HashMap::new());
    }

    /// kind 0 = HH:MM, 1 = HH:MM:SS, 2 = YYYY-MM-DD (en-CA).
    fn formatter(tz: &str, kind: u8) -> Option<Function> {
        CACHE.with(|c| {
            if let Some(f) = c.borrow().get(&(tz.to_string(), kind)) {
                return Some(f.clone());
            }
            let opts = Object::new();
            let set = |k: &str, v: &str| {
                let _ = Reflect::set(&opts, &JsValue::from_str(k), &JsValue::from_str(v));
            };
            set("timeZone", tz);
            let locale = if kind == 2 {
                set("year", "numeric");
                set("month", "2-digit");
                set("day", "2-digit");
                "en-CA"
            } else {
                set("hour", "2-digit");
                set("minute", "2-digit");
                if kind == 1 {
                    set("second", "2-digit");
                }
                set("hourCycle", "h23");
                "en-GB"
            };
            let locales = Array::of1(&JsValue::from_str(locale));
            // An unknown zone throws a RangeError: catch it instead of aborting.
            let ctor: Function = Intl::DateTimeFormat::new(&Array::new(), &Object::new()).constructor();
            let made = Reflect::construct(&ctor, &Array::of2(&locales, &opts)).ok()?;
            let dtf: Intl::DateTimeFormat = made.unchecked_into();
            let f = dtf.format();
            c.borrow_mut().insert((tz.to_string(), kind), f.clone());
            Some(f)
        })
    }

    fn run(t: &Instant, tz: &str, kind: u8) -> Option<String> {
        let f = formatter(tz, kind).or_else(|| formatter("UTC", kind))?;
        let d = JsDate::new(&JsValue::from_f64(t.timestamp_millis() as f64));
        f.call1(&JsValue::NULL, &d).ok()?.as_string()
    }

    pub fn format(t: &Instant, tz: &str, seconds: bool) -> String {
        run(t, tz, u8::from(seconds)).unwrap_or_else(|| {
            let (h, m, s) = t.utc_hms();
            if seconds { format!("{h:02}:{m:02}:{s:02}") } else { format!("{h:02}:{m:02}") }
        })
    }

    pub fn local_date(t: &Instant, tz: &str) -> Date {
        run(t, tz, 2).and_then(|s| crate::dates::parse_date(&s)).unwrap_or_else(|| t.utc_date())
    }

    pub fn now() -> Instant {
        Instant::from_timestamp_millis(JsDate::now() as i64)
    }

    pub fn browser_zone() -> Option<String> {
        let dtf = Intl::DateTimeFormat::new(&Array::new(), &Object::new());
        Reflect::get(&dtf.resolved_options(), &JsValue::from_str("timeZone")).ok()?.as_string()
    }
}

#[cfg(not(target_arch = "wasm32"))]
mod imp {
    use super::*;
    use chrono::{Datelike, TimeZone, Utc};
    use chrono_tz::Tz;

    fn zoned(t: &Instant, tz: &str) -> chrono::DateTime<Tz> {
        let zone: Tz = tz.parse().unwrap_or(Tz::UTC);
        Utc.timestamp_millis_opt(t.timestamp_millis()).single().unwrap_or_default().with_timezone(&zone)
    }

    pub fn format(t: &Instant, tz: &str, seconds: bool) -> String {
        zoned(t, tz).format(if seconds { "%H:%M:%S" } else { "%H:%M" }).to_string()
    }

    pub fn local_date(t: &Instant, tz: &str) -> Date {
        let d = zoned(t, tz).date_naive();
        Date::from_ymd_opt(d.year(), d.month(), d.day()).expect("a calendar date")
    }

    pub fn now() -> Instant {
        Instant::from_timestamp_millis(Utc::now().timestamp_millis())
    }

    pub fn browser_zone() -> Option<String> {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_in_the_users_zone() {
        let t: Instant = "2026-11-26T23:30:05Z".parse().unwrap();
        assert_eq!(hm(&t, "UTC"), "23:30");
        assert_eq!(hms(&t, "Asia/Tokyo"), "08:30:05");
        assert_eq!(local_date(&t, "UTC").to_string(), "2026-11-26");
        assert_eq!(local_date(&t, "Asia/Tokyo").to_string(), "2026-11-27");
        assert_eq!(hm(&t, "Not/AZone"), "23:30");
    }
}
