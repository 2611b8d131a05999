//! Differential tests of `Timestamp`'s own RFC 3339 parser and formatter, and of its
//! calendar fields (`Timestamp::civil`, behind the rule language's `getHours()` …), against chrono,
//! which the crate used before (chrono is a native dev-dependency only): the same
//! output for every `i64` of nanoseconds, and the same result — the same instant, or
//! an error with the same message — for text in and near the RFC 3339 grammar.
#![cfg(not(target_arch = "wasm32"))]

use checkout_guard::Timestamp;
use chrono::{DateTime, SecondsFormat, Utc};
use proptest::prelude::*;

/// The chrono-based implementation this crate shipped before, verbatim.
fn chrono_parse(text: &str) -> Result<Timestamp, String> {
    let parsed = DateTime::parse_from_rfc3339(text.trim()).map_err(|e| {
        format!("`{text}` is not an RFC 3339 timestamp ({e}); write e.g. `2026-11-22T10:00:00Z`")
    })?;
    parsed
        .with_timezone(&Utc)
        .timestamp_nanos_opt()
        .map(Timestamp)
        // The one message changed since (issue 11): a well-formed timestamp beyond the
        // range says "out of range", with the range's exact ends.
        .ok_or_else(|| {
            format!("`{text}` is out of range: timestamps run from 1677-09-21T00:12:43.145224192Z to 2262-04-11T23:47:16.854775807Z")
        })
}

fn chrono_format(t: Timestamp) -> String {
    DateTime::<Utc>::from_timestamp_nanos(t.0).to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

fn ours(text: &str) -> Result<Timestamp, String> {
    Timestamp::parse_rfc3339(text).map_err(|e| e.0)
}

fn assert_same(text: &str) {
    assert_eq!(ours(text), chrono_parse(text), "parsing {text:?}");
}

/// Two digits, mostly in range, sometimes not, rarely not digits at all.
fn two(max: u32) -> BoxedStrategy<String> {
    prop_oneof![
        8 => (0..=max).prop_map(|n| format!("{n:02}")),
        2 => (0u32..100).prop_map(|n| format!("{n:02}")),
        1 => "[0-9]",
        1 => "[0-9a-z:+ ]{2}",
    ]
    .boxed()
}

fn year() -> BoxedStrategy<String> {
    prop_oneof![
        4 => (1600u32..2400).prop_map(|n| format!("{n:04}")),
        2 => prop::sample::select(vec![
            "0000", "0001", "1600", "1677", "1700", "1900", "1970", "2000", "2024", "2100",
            "2262", "2263", "9999",
        ])
        .prop_map(str::to_owned),
        1 => (0u32..10_000).prop_map(|n| format!("{n:04}")),
        1 => "[0-9a-]{3,5}",
    ]
    .boxed()
}

fn separator() -> BoxedStrategy<String> {
    prop_oneof![
        6 => Just("T"),
        1 => Just("t"),
        1 => Just(" "),
        1 => prop::sample::select(vec!["", "_", "TT", "  ", "\t", "x"]),
    ]
    .prop_map(str::to_owned)
    .boxed()
}

fn fraction() -> BoxedStrategy<String> {
    prop_oneof![
        4 => Just(String::new()),
        4 => "\\.[0-9]{1,12}",
        1 => "\\.[0-9]{0,3}[a-z:]?",
        1 => "[.,][0-9]{0,4}",
    ]
    .boxed()
}

fn offset() -> BoxedStrategy<String> {
    let sign = prop::sample::select(vec!["+", "-", "\u{2212}"]);
    prop_oneof![
        3 => prop::sample::select(vec!["Z", "z"]).prop_map(str::to_owned),
        5 => (sign.clone(), 0u32..24, 0u32..60)
            .prop_map(|(s, h, m)| format!("{s}{h:02}:{m:02}")),
        2 => (sign.clone(), 0u32..100, 0u32..100)
            .prop_map(|(s, h, m)| format!("{s}{h:02}:{m:02}")),
        1 => (sign, "[0-9]{0,4}", "[:]?").prop_map(|(s, d, c)| format!("{s}{c}{d}")),
        1 => prop::sample::select(vec!["", "UTC", "+24:00", "-23:59", "+00:6", "+0:00", "Zz"])
            .prop_map(str::to_owned),
    ]
    .boxed()
}

fn near_rfc3339() -> impl Strategy<Value = String> {
    // Month ends (February above all) as often as the rest, for the calendar checks.
    let month = prop_oneof![3 => two(12), 1 => Just("02".to_owned())];
    let day = prop_oneof![3 => two(31), 2 => (28u32..=31).prop_map(|d| d.to_string())];
    let date = (year(), month, day);
    let time = (two(23), two(59), two(60));
    let ends = (
        prop::sample::select(vec!["", "", "", "", " ", "\n"]),
        prop::sample::select(vec!["", "", "", "", "", " ", "x", "0", ":00"]),
    );
    (date, separator(), time, fraction(), offset(), ends).prop_map(
        |((y, mo, d), sep, (h, mi, s), frac, off, (lead, trail))| {
            format!("{lead}{y}-{mo}-{d}{sep}{h}:{mi}:{s}{frac}{off}{trail}")
        },
    )
}

/// A valid timestamp with one byte replaced, removed or inserted.
fn mutated() -> impl Strategy<Value = String> {
    let valid = (
        any::<i64>(),
        prop::sample::select(vec!["Z", "+05:30", "-08:00", "z"]),
    )
        .prop_map(|(n, off)| {
            let text = Timestamp(n).to_rfc3339();
            format!("{}{off}", text.trim_end_matches('Z'))
        });
    (valid, any::<prop::sample::Index>(), 0u8..3, "[0-9:.+ TZ-]").prop_map(|(text, at, how, ch)| {
        let mut chars: Vec<char> = text.chars().collect();
        let i = at.index(chars.len() + 1);
        match how {
            0 if i < chars.len() => {
                chars.remove(i);
            }
            1 if i < chars.len() => chars[i] = ch.chars().next().unwrap(),
            _ => chars.insert(i, ch.chars().next().unwrap()),
        }
        chars.into_iter().collect()
    })
}

/// Any `i64`, with whole seconds, milliseconds and microseconds as likely as the rest,
/// so that every fraction width is formatted.
fn nanos() -> impl Strategy<Value = i64> {
    prop_oneof![
        any::<i64>(),
        any::<i64>().prop_map(|n| n / 1_000_000_000 * 1_000_000_000),
        any::<i64>().prop_map(|n| n / 1_000_000 * 1_000_000),
        any::<i64>().prop_map(|n| n / 1_000 * 1_000),
        (-4_000_000_000_000_000_000i64..4_000_000_000_000_000_000)
            .prop_map(|n| n / 1_000_000_000 * 1_000_000_000),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(4096))]

    #[test]
    fn formatting_matches_chrono_and_round_trips(n in nanos()) {
        let t = Timestamp(n);
        let text = t.to_rfc3339();
        prop_assert_eq!(&text, &chrono_format(t));
        prop_assert_eq!(Timestamp::parse_rfc3339(&text), Ok(t));
        prop_assert_eq!(serde_json::to_string(&t).unwrap(), format!("\"{text}\""));
    }

    /// The wall-clock fields behind the rule language's timestamp accessors
    /// (`getHours("+08:00")` …) agree with chrono's calendar at every instant and offset.
    #[test]
    fn civil_fields_match_chrono(n in nanos(), offset in -86_399i32..86_400) {
        use chrono::{Datelike, FixedOffset, Timelike};
        let zone = FixedOffset::east_opt(offset).unwrap();
        let theirs = DateTime::<Utc>::from_timestamp_nanos(n).with_timezone(&zone);
        let c = Timestamp(n).civil(offset);
        prop_assert_eq!(c.year, i64::from(theirs.year()));
        prop_assert_eq!(c.month0, i64::from(theirs.month0()));
        prop_assert_eq!(c.day, i64::from(theirs.day()));
        prop_assert_eq!(c.day_of_year0, i64::from(theirs.ordinal0()));
        prop_assert_eq!(c.weekday, i64::from(theirs.weekday().num_days_from_sunday()));
        prop_assert_eq!(c.hour, i64::from(theirs.hour()));
        prop_assert_eq!(c.minute, i64::from(theirs.minute()));
        prop_assert_eq!(c.second, i64::from(theirs.second()));
        prop_assert_eq!(c.millisecond, i64::from(theirs.nanosecond() / 1_000_000));
    }

    #[test]
    fn parsing_near_the_grammar_matches_chrono(text in near_rfc3339()) {
        prop_assert_eq!(ours(&text), chrono_parse(&text), "parsing {:?}", text);
    }

    #[test]
    fn parsing_mutated_timestamps_matches_chrono(text in mutated()) {
        prop_assert_eq!(ours(&text), chrono_parse(&text), "parsing {:?}", text);
    }

    #[test]
    fn parsing_arbitrary_text_matches_chrono(text in "\\PC{0,40}") {
        prop_assert_eq!(ours(&text), chrono_parse(&text), "parsing {:?}", text);
    }
}

#[test]
fn edge_cases_match_chrono() {
    for text in [
        // Range ends of i64 nanoseconds, and one nanosecond beyond.
        "1677-09-21T00:12:43.145224192Z",
        "1677-09-21T00:12:43.145224191Z",
        "2262-04-11T23:47:16.854775807Z",
        "2262-04-11T23:47:16.854775808Z",
        "1677-09-21T00:12:43.145224192+00:01",
        "1677-09-20T23:59:59-23:59",
        "2262-04-11T23:47:16.854775807-00:01",
        "0000-01-01T00:00:00Z",
        "9999-12-31T23:59:59.999999999Z",
        // Leap seconds, at and away from the end of a day, with fractions and offsets.
        "2016-12-31T23:59:60Z",
        "2016-12-31T23:59:60.5Z",
        "2016-12-31T23:59:60.999999999Z",
        "2026-11-22T10:17:60+05:30",
        "2026-11-22T10:17:61Z",
        "2262-04-11T23:47:60Z",
        // Fractions: more than nine digits are ignored, none is an error.
        "2026-11-22T10:00:00.1234567899999Z",
        "2026-11-22T10:00:00.Z",
        "2026-11-22T10:00:00.",
        "2026-11-22T10:00:00,5Z",
        // Calendar checks.
        "2024-02-29T00:00:00Z",
        "2023-02-29T00:00:00Z",
        "2100-02-29T00:00:00Z",
        "2000-02-29T00:00:00Z",
        "2026-02-30T00:00:00Z",
        "2026-04-31T00:00:00Z",
        "2026-00-10T00:00:00Z",
        "2026-13-10T00:00:00Z",
        "2026-12-00T00:00:00Z",
        "2026-11-22T24:00:00Z",
        "2026-11-22T23:60:00Z",
        // Separators, case and whitespace.
        "2026-11-22t10:00:00z",
        "2026-11-22 10:00:00Z",
        "  2026-11-22T10:00:00Z\n",
        "2026-11-22T10:00:00 Z",
        // Offsets.
        "2026-11-22T10:00:00+23:59",
        "2026-11-22T10:00:00+24:00",
        "2026-11-22T10:00:00+99:00",
        "2026-11-22T10:00:00\u{2212}05:00",
        "2026-11-22T10:00:00+0500",
        "2026-11-22T10:00:00+05",
        "2026-11-22T10:00:00+05:",
        "2026-11-22T10:00:00+05:6",
        "2026-11-22T10:00:00+05:60",
        "2026-11-22T10:00:00+05:30:00",
        "2026-11-22T10:00:00",
        "2026-11-22T10:00:00ZZ",
        // Short, long and non-ASCII text.
        "",
        "2026-11-22",
        "2026-11-22T10:00:0",
        "2026-11-22T10:00:00Z ",
        "２026-11-22T10:00:00Z",
        "2026-11-22T10:00:00.5\u{e9}",
    ] {
        assert_same(text);
    }
}

#[test]
fn leap_seconds_read_as_the_next_second() {
    let leap = Timestamp::parse_rfc3339("2016-12-31T23:59:60.25Z").unwrap();
    assert_eq!(leap.to_rfc3339(), "2017-01-01T00:00:00.250Z");
}

#[test]
fn fraction_widths() {
    let base = Timestamp::parse_rfc3339("2026-11-22T10:00:00Z").unwrap().0;
    for (plus, text) in [
        (0, "2026-11-22T10:00:00Z"),
        (500_000_000, "2026-11-22T10:00:00.500Z"),
        (1_000, "2026-11-22T10:00:00.000001Z"),
        (1, "2026-11-22T10:00:00.000000001Z"),
        (-1, "2026-11-22T09:59:59.999999999Z"),
    ] {
        assert_eq!(Timestamp(base + plus).to_rfc3339(), text);
    }
    assert_eq!(
        Timestamp(i64::MIN).to_rfc3339(),
        "1677-09-21T00:12:43.145224192Z"
    );
    assert_eq!(
        Timestamp(i64::MAX).to_rfc3339(),
        "2262-04-11T23:47:16.854775807Z"
    );
}

#[test]
fn now_reads_the_system_clock() {
    let before = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let now = Timestamp::now().0;
    let after = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    assert!(i128::from(now) >= before as i128 && i128::from(now) <= after as i128);
}
