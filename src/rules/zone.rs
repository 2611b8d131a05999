//! The time zones the timestamp accessors take (`t.getHours("Asia/Shanghai")`,
//! docs/rules.md): a fixed offset `±HH:MM` (the sign optional, as CEL's conformance
//! tests write `"02:00"`), `UTC`, or one of a few IANA names of zones without daylight
//! saving time. A zone with daylight saving time needs its rules and their history
//! (tzdb), which costs the WebAssembly module far more than a table of offsets; those
//! names are refused, with a hint to write the offset.
//!
//! The offsets are the zones' current ones, unchanged since at least 1992; instants
//! before that (Asia/Shanghai's daylight saving time of 1986–1991, say) read at the
//! current offset.

/// The named zones, with their offset east of UTC in seconds.
pub const ZONES: &[(&str, i32)] = &[
    ("UTC", 0),
    ("Asia/Shanghai", 8 * 3600),
    ("Asia/Hong_Kong", 8 * 3600),
    ("Asia/Macau", 8 * 3600),
    ("Asia/Taipei", 8 * 3600),
    ("Asia/Singapore", 8 * 3600),
    ("Asia/Kuala_Lumpur", 8 * 3600),
    ("Asia/Manila", 8 * 3600),
    ("Asia/Tokyo", 9 * 3600),
    ("Asia/Seoul", 9 * 3600),
    ("Asia/Bangkok", 7 * 3600),
    ("Asia/Ho_Chi_Minh", 7 * 3600),
    ("Asia/Jakarta", 7 * 3600),
    ("Asia/Kolkata", 5 * 3600 + 1800),
    ("Asia/Kathmandu", 5 * 3600 + 2700),
    ("Asia/Dubai", 4 * 3600),
];

/// The offset east of UTC, in seconds, of `zone`: a name of [`ZONES`] or `±HH:MM`
/// (hours up to 23, minutes up to 59).
pub fn offset_of(zone: &str) -> Option<i32> {
    if let Some(&(_, offset)) = ZONES.iter().find(|(name, _)| *name == zone) {
        return Some(offset);
    }
    let (sign, hhmm) = match zone.as_bytes().first() {
        Some(b'+') => (1, zone.get(1..)?),
        Some(b'-') => (-1, zone.get(1..)?),
        _ => (1, zone),
    };
    // Two ASCII digits, read by hand: `str::parse` would add its code to the module.
    let digits = |s: &str| -> Option<i32> {
        match s.as_bytes() {
            [a @ b'0'..=b'9', b @ b'0'..=b'9'] => {
                Some(i32::from(a - b'0') * 10 + i32::from(b - b'0'))
            }
            _ => None,
        }
    };
    let (h, m) = hhmm.split_once(':')?;
    let (h, m) = (digits(h)?, digits(m)?);
    (h <= 23 && m <= 59).then_some(sign * (h * 3600 + m * 60))
}

/// What an unknown zone's diagnostic or error says to do.
pub fn help(zone: &str) -> String {
    let names: Vec<&str> = ZONES.iter().map(|(n, _)| *n).collect();
    let dst = if zone.contains('/') || zone.len() > 2 {
        " (zones with daylight saving time are not carried: write the offset in force, e.g. `\"-05:00\"`)"
    } else {
        ""
    };
    format!(
        "write a fixed offset such as `\"+08:00\"`, or one of {}{dst}",
        names.join(", ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_offsets() {
        assert_eq!(offset_of("Asia/Shanghai"), Some(8 * 3600));
        assert_eq!(offset_of("Asia/Kathmandu"), Some(5 * 3600 + 45 * 60));
        assert_eq!(offset_of("UTC"), Some(0));
        assert_eq!(offset_of("+08:00"), Some(8 * 3600));
        assert_eq!(offset_of("-02:30"), Some(-(2 * 3600 + 1800)));
        assert_eq!(offset_of("02:00"), Some(7200));
        assert_eq!(offset_of("-00:00"), Some(0));
        for bad in [
            "",
            "+",
            "+8:00",
            "+08:0",
            "+08:60",
            "+24:00",
            "+08",
            "+08:00:00",
            "asia/shanghai",
            "America/New_York",
            "+٠٨:00",
        ] {
            assert_eq!(offset_of(bad), None, "{bad:?}");
        }
        assert!(help("America/New_York").contains("daylight saving"));
        assert!(help("America/New_York").contains("Asia/Shanghai"));
    }
}
