//! The value of a JSON number token exactly as `serde_json` (built without its
//! `float_roundtrip` feature, as this crate builds it) reads it, and where it refuses one
//! as out of range.
//!
//! Why a copy of its algorithm rather than a correctly rounded parse (`str::parse`):
//! `serde_json` multiplies or divides the decimal significand by a power of ten, which
//! for a long decimal may land one unit in the last place off the correctly rounded
//! value, and every price and setting was read that way before — the numbers must not
//! move. Why not `serde_json` itself: it was the last serde deserializer the wasm
//! runtime linked (docs/BENCHMARKS.md, "Issue 10: the runtime without serde"). A
//! property test holds this to `serde_json` on random tokens.

/// The number's value as `serde_json::Number::as_f64` gives it, or `Err(at)`: `serde_json`
/// refuses it as out of range at byte `at` of `token` (after the whole number, or inside
/// an exponent too long for an `i32`). `token` is a well-formed JSON number (as
/// `Reader::number` checked it).
pub(crate) fn value(token: &str) -> Result<f64, usize> {
    let mut n = Digits {
        bytes: token.as_bytes(),
        pos: 0,
    };
    let positive = !n.eat(b'-');
    let mut significand = 0u64;
    let mut exponent = 0i32;
    // The integer part: kept exact while it fits a u64; further digits only scale it.
    let mut long = false;
    while let Some(d) = n.digit() {
        if long || overflows(significand, d) {
            long = true;
            exponent += 1;
        } else {
            significand = significand * 10 + d;
        }
    }
    if !long && n.peek().is_none() {
        // A plain integer: `u64`, `i64` or (`-0`, below `i64::MIN`) `f64`, each as `f64`.
        let f = significand as f64;
        return Ok(if positive { f } else { -f });
    }
    if n.eat(b'.') {
        // Fraction digits join the significand while it fits; the rest are dropped.
        let mut dropping = false;
        while let Some(d) = n.digit() {
            if dropping || overflows(significand, d) {
                dropping = true;
            } else {
                significand = significand * 10 + d;
                exponent -= 1;
            }
        }
    }
    if n.eat(b'e') || n.eat(b'E') {
        let positive_exp = !n.eat(b'-');
        if positive_exp {
            n.eat(b'+');
        }
        let mut exp = 0i32;
        while let Some(d) = n.digit() {
            let d = d as i32;
            if exp >= i32::MAX / 10 && (exp > i32::MAX / 10 || d > i32::MAX % 10) {
                // An exponent beyond an i32: infinite unless it shrinks or scales zero.
                if significand != 0 && positive_exp {
                    return Err(n.pos);
                }
                return Ok(if positive { 0.0 } else { -0.0 });
            }
            exp = exp * 10 + d;
        }
        exponent = if positive_exp {
            exponent.saturating_add(exp)
        } else {
            exponent.saturating_sub(exp)
        };
    }
    let f = from_parts(significand, exponent).ok_or(n.pos)?;
    Ok(if positive { f } else { -f })
}

/// `significand * 10 + digit` would not fit a `u64` (`serde_json`'s `overflow!`).
fn overflows(significand: u64, digit: u64) -> bool {
    significand >= u64::MAX / 10 && (significand > u64::MAX / 10 || digit > u64::MAX % 10)
}

/// `significand × 10^exponent` the way `serde_json` computes it: one multiplication or
/// division by a power of ten from its table (dividing by 1e308 first while the power
/// is beyond it); `None` when it is infinite.
fn from_parts(significand: u64, mut exponent: i32) -> Option<f64> {
    let mut f = significand as f64;
    loop {
        match POW10.get(exponent.unsigned_abs() as usize) {
            Some(&pow) => {
                if exponent >= 0 {
                    f *= pow;
                    if f.is_infinite() {
                        return None;
                    }
                } else {
                    f /= pow;
                }
                return Some(f);
            }
            None => {
                if f == 0.0 {
                    return Some(f);
                }
                if exponent >= 0 {
                    return None;
                }
                f /= 1e308;
                exponent += 308;
            }
        }
    }
}

/// A cursor over a number token.
struct Digits<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl Digits<'_> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    /// Consumes `b` if it is next.
    fn eat(&mut self, b: u8) -> bool {
        let next = self.peek() == Some(b);
        self.pos += usize::from(next);
        next
    }

    /// Consumes the next byte if it is a digit, giving its value.
    fn digit(&mut self) -> Option<u64> {
        let d = self.peek().filter(u8::is_ascii_digit)?;
        self.pos += 1;
        Some(u64::from(d - b'0'))
    }
}

/// 10^0 … 10^308, each the nearest `f64` (as `serde_json`'s own table).
static POW10: [f64; 309] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18, 1e19, 1e20, 1e21, 1e22, 1e23, 1e24, 1e25, 1e26, 1e27, 1e28, 1e29, 1e30, 1e31, 1e32,
    1e33, 1e34, 1e35, 1e36, 1e37, 1e38, 1e39, 1e40, 1e41, 1e42, 1e43, 1e44, 1e45, 1e46, 1e47, 1e48,
    1e49, 1e50, 1e51, 1e52, 1e53, 1e54, 1e55, 1e56, 1e57, 1e58, 1e59, 1e60, 1e61, 1e62, 1e63, 1e64,
    1e65, 1e66, 1e67, 1e68, 1e69, 1e70, 1e71, 1e72, 1e73, 1e74, 1e75, 1e76, 1e77, 1e78, 1e79, 1e80,
    1e81, 1e82, 1e83, 1e84, 1e85, 1e86, 1e87, 1e88, 1e89, 1e90, 1e91, 1e92, 1e93, 1e94, 1e95, 1e96,
    1e97, 1e98, 1e99, 1e100, 1e101, 1e102, 1e103, 1e104, 1e105, 1e106, 1e107, 1e108, 1e109, 1e110,
    1e111, 1e112, 1e113, 1e114, 1e115, 1e116, 1e117, 1e118, 1e119, 1e120, 1e121, 1e122, 1e123,
    1e124, 1e125, 1e126, 1e127, 1e128, 1e129, 1e130, 1e131, 1e132, 1e133, 1e134, 1e135, 1e136,
    1e137, 1e138, 1e139, 1e140, 1e141, 1e142, 1e143, 1e144, 1e145, 1e146, 1e147, 1e148, 1e149,
    1e150, 1e151, 1e152, 1e153, 1e154, 1e155, 1e156, 1e157, 1e158, 1e159, 1e160, 1e161, 1e162,
    1e163, 1e164, 1e165, 1e166, 1e167, 1e168, 1e169, 1e170, 1e171, 1e172, 1e173, 1e174, 1e175,
    1e176, 1e177, 1e178, 1e179, 1e180, 1e181, 1e182, 1e183, 1e184, 1e185, 1e186, 1e187, 1e188,
    1e189, 1e190, 1e191, 1e192, 1e193, 1e194, 1e195, 1e196, 1e197, 1e198, 1e199, 1e200, 1e201,
    1e202, 1e203, 1e204, 1e205, 1e206, 1e207, 1e208, 1e209, 1e210, 1e211, 1e212, 1e213, 1e214,
    1e215, 1e216, 1e217, 1e218, 1e219, 1e220, 1e221, 1e222, 1e223, 1e224, 1e225, 1e226, 1e227,
    1e228, 1e229, 1e230, 1e231, 1e232, 1e233, 1e234, 1e235, 1e236, 1e237, 1e238, 1e239, 1e240,
    1e241, 1e242, 1e243, 1e244, 1e245, 1e246, 1e247, 1e248, 1e249, 1e250, 1e251, 1e252, 1e253,
    1e254, 1e255, 1e256, 1e257, 1e258, 1e259, 1e260, 1e261, 1e262, 1e263, 1e264, 1e265, 1e266,
    1e267, 1e268, 1e269, 1e270, 1e271, 1e272, 1e273, 1e274, 1e275, 1e276, 1e277, 1e278, 1e279,
    1e280, 1e281, 1e282, 1e283, 1e284, 1e285, 1e286, 1e287, 1e288, 1e289, 1e290, 1e291, 1e292,
    1e293, 1e294, 1e295, 1e296, 1e297, 1e298, 1e299, 1e300, 1e301, 1e302, 1e303, 1e304, 1e305,
    1e306, 1e307, 1e308,
];

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// What `serde_json` makes of `token`: the value, or the byte it refused it at.
    fn by_serde(token: &str) -> Result<f64, usize> {
        serde_json::from_str::<serde_json::Number>(token)
            .map(|n| n.as_f64().unwrap())
            .map_err(|e| {
                assert!(e.to_string().starts_with("number out of range"), "{e}");
                e.column()
            })
    }

    fn agree(token: &str) -> Result<(), TestCaseError> {
        let ours = value(token);
        let theirs = by_serde(token);
        match (ours, theirs) {
            (Ok(a), Ok(b)) => prop_assert_eq!(a.to_bits(), b.to_bits(), "{}", token),
            (a, b) => prop_assert_eq!(a, b, "{}", token),
        }
        Ok(())
    }

    #[test]
    fn edges_read_as_serde_json_reads_them() {
        for token in [
            "0",
            "-0",
            "1",
            "-1",
            "0.0",
            "-0.0",
            "18446744073709551615",
            "18446744073709551616",
            "-9223372036854775808",
            "-9223372036854775809",
            "184467440737095516150.7",
            "1844674407370955161.7",
            "0.1",
            "123.456",
            "1e308",
            "1.8e308",
            "1e309",
            "-1e309",
            "1e-400",
            "0e999999999999",
            "1e2147483647",
            "1e2147483648",
            "1e-2147483649",
            "0.30000000000000004",
            "4.35",
            "1E5",
            "1e+5",
            "2.2250738585072014e-308",
            "5e-324",
            "123456789012345678901234567890e-300",
            "0.000000000000000000000001e330",
        ] {
            agree(token).unwrap();
        }
    }

    proptest! {
        #[test]
        fn tokens_read_as_serde_json_reads_them(
            negative in any::<bool>(),
            int in "(0|[1-9][0-9]{0,25})",
            frac in prop::option::of("[0-9]{1,25}"),
            exp in prop::option::of(("[eE]", "[+-]?", "[0-9]{1,12}")),
        ) {
            let mut token = String::new();
            if negative {
                token.push('-');
            }
            token.push_str(&int);
            if let Some(frac) = frac {
                token.push('.');
                token.push_str(&frac);
            }
            if let Some((e, sign, digits)) = exp {
                token.push_str(&e);
                token.push_str(&sign);
                token.push_str(&digits);
            }
            agree(&token)?;
        }

        #[test]
        fn prices_read_as_serde_json_reads_them(cents in 0u64..100_000_000_000, places in 0usize..4) {
            let text = cents.to_string();
            let token = match text.len().checked_sub(places) {
                Some(at) if at > 0 && places > 0 => format!("{}.{}", &text[..at], &text[at..]),
                _ => text,
            };
            agree(&token)?;
        }
    }
}
