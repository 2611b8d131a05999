//! Instants and spans of time as the engine sees them: whole nanoseconds in an `i64`,
//! which covers 1677-09-21 to 2262-04-11 — every order a shop will see — and makes
//! comparisons and arithmetic plain integer operations on the hot path.
//!
//! RFC 3339 parsing and formatting are done here (no date library in the runtime: it
//! would weigh more in the WebAssembly module than all of this); they accept and print
//! exactly what chrono's `DateTime::parse_from_rfc3339` and
//! `to_rfc3339_opts(SecondsFormat::AutoSi, true)` do, which tests/time_rfc3339.rs checks
//! against chrono. Policy settings such as `valid_for = "7d"` use
//! [`parse_setting_duration`], CEL's `duration()` uses [`parse_cel_duration`] (Go
//! syntax, no `d` unit, as in the CEL spec).

use serde::{Deserialize, Serialize};
use std::fmt;

const NANOS_PER_SECOND: i64 = 1_000_000_000;
const NANOS_PER_DAY: i64 = 86_400 * NANOS_PER_SECOND;

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

/// The first and last instants a [`Timestamp`] holds, as RFC 3339.
pub const TIMESTAMP_RANGE: (&str, &str) = (
    "1677-09-21T00:12:43.145224192Z",
    "2262-04-11T23:47:16.854775807Z",
);

/// What [`Timestamp::parse_rfc3339`] says of a valid RFC 3339 timestamp outside
/// [`TIMESTAMP_RANGE`]: not "not RFC 3339", which would send the writer looking for a
/// typo in text that is well formed.
fn out_of_range_message(text: &str) -> String {
    let (first, last) = TIMESTAMP_RANGE;
    format!("`{text}` is out of range: timestamps run from {first} to {last}")
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
    ///
    /// The grammar is chrono's: `YYYY-MM-DD`, then `T`, `t` or a space, `HH:MM:SS`, an
    /// optional `.` and one or more fraction digits (digits past the ninth are ignored),
    /// then `Z`, `z` or `±HH:MM` (the minus may also be U+2212). A leap second `:60`
    /// reads as the first second of the next minute.
    pub fn parse_rfc3339(text: &str) -> Result<Timestamp, TimeError> {
        let nanos = parse_rfc3339_nanos(text.trim()).map_err(|e| {
            TimeError(format!(
                "`{text}` is not an RFC 3339 timestamp ({}); write e.g. `2026-11-22T10:00:00Z`",
                e.message()
            ))
        })?;
        i64::try_from(nanos)
            .map(Timestamp)
            .map_err(|_| TimeError(out_of_range_message(text)))
    }

    /// Whether `text` is a valid RFC 3339 timestamp that [`Timestamp`] cannot hold
    /// (before 1677-09-21 or after 2262-04-11, such as CEL's `9999-12-31T23:59:59Z`):
    /// [`Timestamp::parse_rfc3339`] then fails with its own "out of range" message, and
    /// callers that word their own error (the rule checker) tell the two apart with this.
    pub fn is_rfc3339_out_of_range(text: &str) -> bool {
        parse_rfc3339_nanos(text.trim()).is_ok_and(|n| i64::try_from(n).is_err())
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

    /// The current time from the system clock (JavaScript's `Date.now()` in WebAssembly),
    /// saturating at the ends of the range.
    #[cfg(not(target_arch = "wasm32"))]
    pub fn now() -> Timestamp {
        use std::time::{SystemTime, UNIX_EPOCH};
        match SystemTime::now().duration_since(UNIX_EPOCH) {
            Ok(after) => Timestamp(i64::try_from(after.as_nanos()).unwrap_or(i64::MAX)),
            Err(before) => Timestamp(
                i64::try_from(before.duration().as_nanos())
                    .map(|n| -n)
                    .unwrap_or(i64::MIN),
            ),
        }
    }

    /// The current time from the system clock (JavaScript's `Date.now()` in WebAssembly),
    /// saturating at the ends of the range.
    #[cfg(target_arch = "wasm32")]
    pub fn now() -> Timestamp {
        // Whole milliseconds; `as` saturates (and maps NaN to 0), never traps.
        Timestamp::from_millis(js_sys::Date::now() as i64)
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

    /// The UTC calendar date `(year, month, day)` of this instant.
    pub fn civil_date(self) -> (i64, i64, i64) {
        // |days| <= 106,752 for any i64 of nanoseconds, so the cast is exact.
        civil_from_days(self.0.div_euclid(NANOS_PER_DAY) as i32)
    }

    /// RFC 3339 in UTC with a `Z` and as many fraction digits as needed (none for whole
    /// seconds, else 3, 6 or 9), which is how CEL prints timestamps.
    pub fn to_rfc3339(self) -> String {
        let days = self.0.div_euclid(NANOS_PER_DAY);
        let in_day = self.0.rem_euclid(NANOS_PER_DAY);
        let secs = in_day / NANOS_PER_SECOND;
        let nano = in_day % NANOS_PER_SECOND;
        // |days| <= 106,752 for any i64 of nanoseconds, so the cast is exact.
        let (year, month, day) = civil_from_days(days as i32);
        let (hour, min, sec) = (secs / 3_600, secs / 60 % 60, secs % 60);
        let fraction = match nano {
            0 => String::new(),
            n if n % 1_000_000 == 0 => format!(".{:03}", n / 1_000_000),
            n if n % 1_000 == 0 => format!(".{:06}", n / 1_000),
            n => format!(".{n:09}"),
        };
        format!("{year:04}-{month:02}-{day:02}T{hour:02}:{min:02}:{sec:02}{fraction}Z")
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

/// Why text is not RFC 3339, in chrono's words (the error messages predate this parser).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ParseError {
    OutOfRange,
    Invalid,
    TooShort,
    TooLong,
}

impl ParseError {
    fn message(self) -> &'static str {
        match self {
            ParseError::OutOfRange => "input is out of range",
            ParseError::Invalid => "input contains invalid characters",
            ParseError::TooShort => "premature end of input",
            ParseError::TooLong => "trailing input",
        }
    }
}

/// The digit at `index` of `bytes`, if there is one.
fn digit(bytes: &[u8], index: usize) -> Result<u8, ParseError> {
    match bytes.get(index) {
        Some(b) if b.is_ascii_digit() => Ok(b - b'0'),
        _ => Err(ParseError::Invalid),
    }
}

/// Two digits at `index` and `index + 1` as a number.
fn two_digits(bytes: &[u8], index: usize) -> Result<u8, ParseError> {
    let tens = digit(bytes, index)?;
    Ok(tens * 10 + digit(bytes, index + 1)?)
}

/// `bytes[index] == expected`, else chrono's "invalid characters".
fn expect_byte(bytes: &[u8], index: usize, expected: u8) -> Result<(), ParseError> {
    match bytes.get(index) {
        Some(&b) if b == expected => Ok(()),
        _ => Err(ParseError::Invalid),
    }
}

fn is_leap_year(year: u16) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

fn days_in_month(year: u16, month: u8) -> u8 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap_year(year) => 29,
        2 => 28,
        _ => 0,
    }
}

/// Days from 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's
/// `days_from_civil`). The argument types bound every intermediate far inside `i64`.
fn days_from_civil(year: u16, month: u8, day: u8) -> i64 {
    let (month, day) = (i64::from(month), i64::from(day));
    let y = i64::from(year) - i64::from(month <= 2);
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400); // [0, 399]
    let mp = (month + 9) % 12; // March = 0
    let doy = (153 * mp + 2) / 5 + day - 1; // [0, 365]
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy; // [0, 146096]
    era * 146_097 + doe - 719_468
}

/// The proleptic Gregorian date `days` after 1970-01-01 (Howard Hinnant's
/// `civil_from_days`). An `i32` of days bounds every intermediate far inside `i64`.
fn civil_from_days(days: i32) -> (i64, i64, i64) {
    let z = i64::from(days) + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097); // [0, 146096]
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365; // [0, 399]
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100); // [0, 365]
    let mp = (5 * doy + 2) / 153; // [0, 11], March = 0
    let day = doy - (153 * mp + 2) / 5 + 1; // [1, 31]
    let month = if mp < 10 { mp + 3 } else { mp - 9 }; // [1, 12]
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// A wall-clock reading of an instant at a fixed offset from UTC: what CEL's timestamp
/// accessors (`getHours()` …, docs/rules.md) return, in CEL's numbering.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Civil {
    /// The year (`getFullYear`).
    pub year: i64,
    /// 0 = January (`getMonth`).
    pub month0: i64,
    /// 1 = the first (`getDate`; `getDayOfMonth` is this minus one).
    pub day: i64,
    /// 0 = 1 January (`getDayOfYear`).
    pub day_of_year0: i64,
    /// 0 = Sunday (`getDayOfWeek`).
    pub weekday: i64,
    /// 0–23.
    pub hour: i64,
    /// 0–59.
    pub minute: i64,
    /// 0–59 (no leap seconds: the epoch count has none).
    pub second: i64,
    /// 0–999.
    pub millisecond: i64,
}

impl Timestamp {
    /// The wall-clock reading of this instant at `offset_seconds` east of UTC.
    pub fn civil(self, offset_seconds: i32) -> Civil {
        const NANOS_PER_DAY: i64 = 86_400 * 1_000_000_000;
        // Whole days and the nanoseconds into the UTC day, then the offset applied to
        // the seconds: all within `i64` (no 128-bit division in the wasm module), and
        // the day count within ±106,752 days of the epoch.
        let (utc_days, nanos) = (
            self.0.div_euclid(NANOS_PER_DAY),
            self.0.rem_euclid(NANOS_PER_DAY),
        );
        let local_secs = nanos / 1_000_000_000 + i64::from(offset_seconds);
        let days = utc_days + local_secs.div_euclid(86_400);
        let secs = local_secs.rem_euclid(86_400);
        let days = i32::try_from(days).unwrap_or(0);
        let (year, month, day) = civil_from_days(days);
        let jan1 = days_from_civil(u16::try_from(year).unwrap_or(1970), 1, 1);
        Civil {
            year,
            month0: month - 1,
            day,
            day_of_year0: i64::from(days) - jan1,
            // 1970-01-01 was a Thursday (4).
            weekday: (i64::from(days) + 4).rem_euclid(7),
            hour: secs / 3600,
            minute: secs / 60 % 60,
            second: secs % 60,
            millisecond: nanos / 1_000_000 % 1000,
        }
    }
}

/// RFC 3339 text to nanoseconds since the epoch (not yet range-checked against `i64`),
/// with the same grammar, checks and check order as chrono's `parse_rfc3339`, so the
/// same inputs fail with the same reason.
fn parse_rfc3339_nanos(s: &str) -> Result<i128, ParseError> {
    let bytes = s.as_bytes();
    if bytes.len() < 19 {
        return Err(ParseError::TooShort);
    }
    let year = u16::from(two_digits(bytes, 0)?) * 100 + u16::from(two_digits(bytes, 2)?);
    expect_byte(bytes, 4, b'-')?;
    let month = two_digits(bytes, 5)?;
    expect_byte(bytes, 7, b'-')?;
    let day = two_digits(bytes, 8)?;
    if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
        return Err(ParseError::OutOfRange);
    }
    if !matches!(bytes.get(10), Some(b'T' | b't' | b' ')) {
        return Err(ParseError::Invalid);
    }
    let hour = two_digits(bytes, 11)?;
    expect_byte(bytes, 13, b':')?;
    let min = two_digits(bytes, 14)?;
    expect_byte(bytes, 16, b':')?;
    // A leap second `:60` is second 59 plus a whole extra second, as in chrono.
    let (sec, mut nano) = match two_digits(bytes, 17)? {
        60 => (59, NANOS_PER_SECOND),
        sec => (sec, 0),
    };
    let mut rest = bytes.get(19..).unwrap_or_default();
    if let Some((b'.', fraction)) = rest.split_first() {
        let digits = fraction.iter().take_while(|b| b.is_ascii_digit()).count();
        if digits == 0 {
            return Err(if fraction.is_empty() {
                ParseError::TooShort
            } else {
                ParseError::Invalid
            });
        }
        let mut scale = NANOS_PER_SECOND;
        for &b in fraction.iter().take(digits.min(9)) {
            scale /= 10;
            nano += i64::from(b - b'0') * scale;
        }
        rest = fraction.get(digits..).unwrap_or_default();
    }
    if hour >= 24 || min >= 60 || sec >= 60 {
        return Err(ParseError::OutOfRange);
    }
    let offset = parse_offset(&mut rest)?;
    if !rest.is_empty() {
        return Err(ParseError::TooLong);
    }
    if offset.abs() >= 86_400 {
        return Err(ParseError::OutOfRange);
    }
    let seconds = days_from_civil(year, month, day) * 86_400
        + i64::from(hour) * 3_600
        + i64::from(min) * 60
        + i64::from(sec)
        - offset;
    Ok(i128::from(seconds) * i128::from(NANOS_PER_SECOND) + i128::from(nano))
}

/// `Z`, `z` or `±HH:MM` at the start of `rest` (consumed) as seconds east of UTC.
fn parse_offset(rest: &mut &[u8]) -> Result<i64, ParseError> {
    let (negative, after_sign) = match *rest {
        [b'Z' | b'z', tail @ ..] => {
            *rest = tail;
            return Ok(0);
        }
        [b'+', tail @ ..] => (false, tail),
        [b'-', tail @ ..] => (true, tail),
        // U+2212 MINUS SIGN, which chrono accepts too.
        [0xE2, 0x88, 0x92, tail @ ..] => (true, tail),
        [] => return Err(ParseError::TooShort),
        _ => return Err(ParseError::Invalid),
    };
    let hours = match after_sign {
        [h1 @ b'0'..=b'9', h2 @ b'0'..=b'9', ..] => i64::from((h1 - b'0') * 10 + (h2 - b'0')),
        [_, _, ..] => return Err(ParseError::Invalid),
        _ => return Err(ParseError::TooShort),
    };
    let after_colon = match after_sign.get(2..) {
        Some([b':', tail @ ..]) => tail,
        Some([]) | None => return Err(ParseError::TooShort),
        Some(_) => return Err(ParseError::Invalid),
    };
    let minutes = match after_colon {
        [m1 @ b'0'..=b'5', m2 @ b'0'..=b'9', ..] => i64::from((m1 - b'0') * 10 + (m2 - b'0')),
        [b'6'..=b'9', b'0'..=b'9', ..] => return Err(ParseError::OutOfRange),
        [_, _, ..] => return Err(ParseError::Invalid),
        _ => return Err(ParseError::TooShort),
    };
    *rest = after_colon.get(2..).unwrap_or_default();
    let seconds = hours * 3_600 + minutes * 60;
    Ok(if negative { -seconds } else { seconds })
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
    fn valid_timestamps_beyond_the_range_are_out_of_range_not_malformed() {
        for text in [
            "9999-12-31T23:59:59Z",
            "0001-01-01T00:00:00Z",
            "2262-04-11T23:47:16.854775808Z",
        ] {
            let e = Timestamp::parse_rfc3339(text).unwrap_err().0;
            assert_eq!(
                e,
                format!("`{text}` is out of range: timestamps run from 1677-09-21T00:12:43.145224192Z to 2262-04-11T23:47:16.854775807Z")
            );
            assert!(Timestamp::is_rfc3339_out_of_range(text), "{text}");
        }
        for text in ["2026-13-01T00:00:00Z", "9999-12-31", "2026-11-22T10:00:00Z"] {
            assert!(!Timestamp::is_rfc3339_out_of_range(text), "{text}");
        }
        let e = Timestamp::parse_rfc3339("9999-12-31").unwrap_err().0;
        assert!(e.contains("not an RFC 3339 timestamp"), "{e}");
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
