//! Instants and spans of time as the engine sees them: whole nanoseconds in an `i64`,
//! which covers 1677-09-21 to 2262-04-11 — every order a shop will see — and makes
//! comparisons and arithmetic plain integer operations on the hot path.
//!
//! Parsing and formatting go through chrono (RFC 3339); policy settings such as
//! `valid_for = "7d"` use [`parse_setting_duration`], CEL's `duration()` uses
//! [`parse_cel_duration`] (Go syntax, no `d` unit, as in the CEL spec).

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;

const NANOS_PER_SECOND: i64 = 1_000_000_000;

/// An instant: nanoseconds since 1970-01-01T00:00:00Z. Serializes as RFC 3339 text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Timestamp(pub i64);

impl Serialize for Timestamp {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_rfc3339())
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Timestamp, D::Error> {
        let text = String::deserialize(d)?;
        Timestamp::parse_rfc3339(&text).map_err(serde::de::Error::custom)
    }
}

/// A signed span of time in nanoseconds.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Duration(pub i64);

/// Why a time could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimeError(pub String);

impl fmt::Display for TimeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for TimeError {}

impl Timestamp {
    /// Parses an RFC 3339 timestamp (`2026-11-22T10:00:00Z`, `2026-11-22T18:00:00+08:00`).
    pub fn parse_rfc3339(text: &str) -> Result<Timestamp, TimeError> {
        let parsed = DateTime::parse_from_rfc3339(text.trim()).map_err(|e| {
            TimeError(format!(
                "`{text}` is not an RFC 3339 timestamp ({e}); write e.g. `2026-11-22T10:00:00Z`"
            ))
        })?;
        parsed
            .with_timezone(&Utc)
            .timestamp_nanos_opt()
            .map(Timestamp)
            .ok_or_else(|| TimeError(format!("`{text}` is outside 1677-09-21..2262-04-11")))
    }

    /// From whole seconds since the epoch (saturating).
    pub fn from_seconds(seconds: i64) -> Timestamp {
        Timestamp(seconds.saturating_mul(NANOS_PER_SECOND))
    }

    /// From milliseconds since the epoch (saturating), as JavaScript's `Date` gives.
    pub fn from_millis(millis: i64) -> Timestamp {
        Timestamp(millis.saturating_mul(1_000_000))
    }

    /// Whole seconds since the epoch, rounded towards negative infinity.
    pub fn seconds(self) -> i64 {
        self.0.div_euclid(NANOS_PER_SECOND)
    }

    /// The current time from the system clock.
    pub fn now() -> Timestamp {
        Timestamp(Utc::now().timestamp_nanos_opt().unwrap_or(i64::MAX))
    }

    /// This instant moved by `d`, or `None` on overflow.
    pub fn checked_add(self, d: Duration) -> Option<Timestamp> {
        self.0.checked_add(d.0).map(Timestamp)
    }

    /// This instant moved by `d`, saturating at the ends of the range.
    pub fn saturating_add(self, d: Duration) -> Timestamp {
        Timestamp(self.0.saturating_add(d.0))
    }

    /// The span from `earlier` to `self`, or `None` on overflow.
    pub fn checked_since(self, earlier: Timestamp) -> Option<Duration> {
        self.0.checked_sub(earlier.0).map(Duration)
    }

    /// RFC 3339 in UTC with a `Z` and as many fraction digits as needed (none for whole
    /// seconds), which is how CEL prints timestamps.
    pub fn to_rfc3339(self) -> String {
        DateTime::<Utc>::from_timestamp_nanos(self.0).to_rfc3339_opts(SecondsFormat::AutoSi, true)
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_rfc3339())
    }
}

impl Duration {
    /// From whole seconds (saturating).
    pub fn from_seconds(seconds: i64) -> Duration {
        Duration(seconds.saturating_mul(NANOS_PER_SECOND))
    }

    /// Whole seconds, truncated towards zero.
    pub fn seconds(self) -> i64 {
        self.0 / NANOS_PER_SECOND
    }
}

impl fmt::Display for Duration {
    /// Seconds with an `s` suffix, as CEL's `string(duration)` prints (`600s`, `1.5s`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let whole = self.0 / NANOS_PER_SECOND;
        let frac = (self.0 % NANOS_PER_SECOND).unsigned_abs();
        if frac == 0 {
            write!(f, "{whole}s")
        } else {
            let sign = if self.0 < 0 && whole == 0 { "-" } else { "" };
            let digits = format!("{frac:09}");
            write!(f, "{sign}{whole}.{}s", digits.trim_end_matches('0'))
        }
    }
}

/// Parses a policy setting such as `valid_for = "7d"` or `duplicate_window = "10m"`:
/// one or more `<integer><unit>` groups with units `d`, `h`, `m`, `s`, e.g. `1h30m`.
pub fn parse_setting_duration(text: &str) -> Result<Duration, TimeError> {
    let bad = || {
        TimeError(format!(
            "`{text}` is not a duration; write a number and a unit: `7d`, `12h`, `10m`, `90s` or `1h30m`"
        ))
    };
    let mut rest = text.trim();
    if rest.is_empty() {
        return Err(bad());
    }
    let mut total: i64 = 0;
    while !rest.is_empty() {
        let digits = rest.len() - rest.trim_start_matches(|c: char| c.is_ascii_digit()).len();
        if digits == 0 {
            return Err(bad());
        }
        let (number, tail) = rest.split_at(digits);
        let value: i64 = number.parse().map_err(|_| bad())?;
        let mut chars = tail.chars();
        let unit_seconds = match chars.next() {
            Some('d') => 86_400,
            Some('h') => 3_600,
            Some('m') => 60,
            Some('s') => 1,
            _ => return Err(bad()),
        };
        total = value
            .checked_mul(unit_seconds)
            .and_then(|s| s.checked_mul(NANOS_PER_SECOND))
            .and_then(|n| total.checked_add(n))
            .ok_or_else(bad)?;
        rest = chars.as_str();
    }
    Ok(Duration(total))
}

/// Parses a CEL `duration()` literal: Go's syntax, an optional sign then one or more
/// decimal numbers each with a unit among `h`, `m`, `s`, `ms`, `us`, `µs`, `ns`
/// (`"1h30m"`, `"1.5s"`, `"-10m"`). CEL has no day unit; the error says to use hours.
pub fn parse_cel_duration(text: &str) -> Result<Duration, TimeError> {
    let bad = |why: &str| TimeError(format!("`{text}` is not a CEL duration: {why}"));
    let (negative, mut rest) = match text.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, text.strip_prefix('+').unwrap_or(text)),
    };
    if rest == "0" {
        return Ok(Duration(0));
    }
    if rest.is_empty() {
        return Err(bad("it is empty"));
    }
    let mut total: i128 = 0;
    while !rest.is_empty() {
        let number_len = rest.len()
            - rest
                .trim_start_matches(|c: char| c.is_ascii_digit() || c == '.')
                .len();
        if number_len == 0 {
            return Err(bad("expected a number"));
        }
        let (number, tail) = rest.split_at(number_len);
        let unit_len = tail.len()
            - tail
                .trim_start_matches(|c: char| c.is_alphabetic() || c == 'µ')
                .len();
        let (unit, after) = tail.split_at(unit_len);
        let nanos_per_unit: i128 = match unit {
            "h" => 3_600 * 1_000_000_000,
            "m" => 60 * 1_000_000_000,
            "s" => 1_000_000_000,
            "ms" => 1_000_000,
            "us" | "µs" => 1_000,
            "ns" => 1,
            "d" => {
                return Err(bad(
                    "CEL has no `d` unit; use hours, e.g. `168h` for 7 days",
                ))
            }
            "" => return Err(bad("a unit is missing (h, m, s, ms, us, ns)")),
            _ => return Err(bad("unknown unit (use h, m, s, ms, us, ns)")),
        };
        let (int_part, frac_part) = number.split_once('.').unwrap_or((number, ""));
        if (int_part.is_empty() && frac_part.is_empty()) || frac_part.contains('.') {
            return Err(bad("malformed number"));
        }
        let int_value: i128 = if int_part.is_empty() {
            0
        } else {
            int_part.parse().map_err(|_| bad("number too large"))?
        };
        let mut value = int_value
            .checked_mul(nanos_per_unit)
            .ok_or_else(|| bad("out of range"))?;
        let mut scale = nanos_per_unit;
        for digit in frac_part.chars().filter_map(|c| c.to_digit(10)) {
            scale /= 10;
            value += i128::from(digit) * scale;
        }
        total = total
            .checked_add(value)
            .ok_or_else(|| bad("out of range"))?;
        rest = after;
    }
    if negative {
        total = -total;
    }
    i64::try_from(total)
        .map(Duration)
        .map_err(|_| bad("out of range"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_round_trips_and_offsets_are_applied() {
        let t = Timestamp::parse_rfc3339("2026-11-22T18:00:00+08:00").unwrap();
        assert_eq!(t.to_rfc3339(), "2026-11-22T10:00:00Z");
        assert!(Timestamp::parse_rfc3339("2026-11-22").is_err());
    }

    #[test]
    fn setting_durations() {
        assert_eq!(
            parse_setting_duration("7d").unwrap(),
            Duration::from_seconds(604_800)
        );
        assert_eq!(
            parse_setting_duration("1h30m").unwrap(),
            Duration::from_seconds(5_400)
        );
        assert!(parse_setting_duration("10").is_err());
        assert!(parse_setting_duration("m").is_err());
        assert!(parse_setting_duration("99999999999999999d").is_err());
    }

    #[test]
    fn cel_durations() {
        assert_eq!(
            parse_cel_duration("1h30m").unwrap(),
            Duration::from_seconds(5_400)
        );
        assert_eq!(parse_cel_duration("1.5s").unwrap(), Duration(1_500_000_000));
        assert_eq!(
            parse_cel_duration("-10m").unwrap(),
            Duration::from_seconds(-600)
        );
        assert!(parse_cel_duration("7d").unwrap_err().0.contains("168h"));
        assert!(parse_cel_duration("").is_err());
        assert_eq!(Duration(1_500_000_000).to_string(), "1.5s");
        assert_eq!(Duration::from_seconds(600).to_string(), "600s");
    }
}
