//! Pattern entries (docs/semantics.md §3.3): a `blocklist.csv` row of kind
//! `email_domain`, `ip_range` or `phone_prefix` names a class of identifiers. Two
//! halves that must agree, so they live together:
//!
//! - [`canonical`] (compile time) writes a row's value in the one spelling that is
//!   hashed, or says why it is no pattern of its kind (a compile error at the cell);
//!   [`length`] is the length it is looked up by (labels, prefix bits, digits);
//! - [`candidate_into`] (check time) writes, for an order's identifier already
//!   normalized by [`super::identifier_into`], the spelling an entry of a given length
//!   would have if it held the identifier. The engine hashes one candidate per length
//!   the snapshot holds entries of, so a lookup costs as many hashes as there are
//!   distinct lengths, not entries.
//!
//! Both sides go through the identifier normalizers of §3.2 (e-mail, phone, IP), so a
//! pattern meets exactly the identifiers that normalize into its class: `ＥＸＡＭＰＬＥ.com`
//! and `mail.example.com` meet `example.com`, `badexample.com` does not.

use super::{
    email_into, folded, parse_ip, phone_into, push_decimal, trim, write_ip, Groups, Rules,
};
use crate::model::{IdKind, PlusTags};

/// Longest phone prefix, in digits (E.164 numbers have at most 15).
pub const MAX_PHONE_PREFIX: usize = 15;
/// The most labels a domain can have (253 characters, one-letter labels).
pub const MAX_DOMAIN_LABELS: usize = 127;
/// An IPv4 range's prefix length plus this is its length as an IPv4-mapped IPv6 range,
/// the one scale lengths of both families are kept on.
const V4_MAPPED_BITS: u32 = 96;

/// The canonical spelling of a pattern entry's `raw` value, or why it is none. `kind`
/// must be a pattern kind ([`IdKind::is_pattern`]).
pub fn canonical(kind: IdKind, raw: &str, rules: &Rules<'_>) -> Result<String, String> {
    match kind {
        IdKind::EmailDomain => domain(raw),
        IdKind::IpRange => ip_range(raw),
        IdKind::PhonePrefix => phone_prefix(raw, rules),
        _ => Err(format!("`{kind}` is not a pattern kind")),
    }
}

/// The length a canonical pattern is looked up by: a domain's labels, a range's prefix
/// bits (IPv4 as IPv4-mapped IPv6: `/24` is 120), a phone prefix's digits. Always in
/// `1..=128`; `None` for text [`canonical`] never writes.
pub fn length(kind: IdKind, canonical: &str) -> Option<u32> {
    let n = match kind {
        IdKind::EmailDomain => canonical.split('.').count(),
        IdKind::PhonePrefix => canonical.len(),
        IdKind::IpRange => {
            let (addr, bits) = canonical.rsplit_once('/')?;
            let bits: u32 = bits.parse().ok()?;
            let v4 = !addr.contains(':');
            return Some(if v4 { bits + V4_MAPPED_BITS } else { bits })
                .filter(|b| (1..=128).contains(b));
        }
        _ => return None,
    };
    u32::try_from(n).ok().filter(|n| (1..=128).contains(n))
}

/// Writes into `out` (cleared first) the spelling an entry of `kind` and `length` has
/// if it holds `identifier` (normalized as §3.2 does for the kind's identifier: an
/// e-mail address, an IP address, a phone number). False, `out` empty, when none can:
/// the identifier is shorter than `length`, or no address.
pub fn candidate_into(kind: IdKind, identifier: &str, length: u32, out: &mut String) -> bool {
    out.clear();
    let Ok(n) = usize::try_from(length) else {
        return false;
    };
    match kind {
        IdKind::EmailDomain => {
            // A byte search: `rsplit_once` on a `char` goes through the generic searcher.
            let Some(at) = identifier.bytes().rposition(|b| b == b'@') else {
                return false;
            };
            let domain = identifier.get(at + 1..).unwrap_or("");
            if domain.is_empty() {
                return false;
            }
            // The suffix of `n` labels starts after the `n`-th dot from the end, or is
            // the whole domain when it has exactly `n` labels.
            let mut dots = domain
                .bytes()
                .enumerate()
                .rev()
                .filter(|&(_, b)| b == b'.')
                .map(|(i, _)| i);
            let start = match n.checked_sub(1).map(|k| dots.nth(k)) {
                Some(Some(dot)) => dot + 1,
                // Labels are dots + 1 (bytes: `split` on a `char` is the generic searcher).
                Some(None) if domain.bytes().filter(|&b| b == b'.').count() + 1 == n => 0,
                _ => return false,
            };
            match domain.get(start..) {
                Some(suffix) if !suffix.is_empty() => {
                    out.push_str(suffix);
                    true
                }
                _ => false,
            }
        }
        IdKind::PhonePrefix => match identifier.get(..n) {
            Some(prefix) if identifier.bytes().all(|b| b.is_ascii_digit()) => {
                out.push_str(prefix);
                true
            }
            _ => false,
        },
        IdKind::IpRange => match parse_ip(identifier) {
            // The usual IPv4 address and range: masked and written as 32 bits.
            Some([0, 0, 0, 0, 0, 0xffff, hi, lo]) if length >= V4_MAPPED_BITS => {
                v4_range_into(hi, lo, length - V4_MAPPED_BITS, out);
                true
            }
            Some(groups) => {
                range_into(&mask(groups, length), length, out);
                true
            }
            None => false,
        },
        _ => false,
    }
}

/// `example.com`: the domain of an address `x@example.com` as e-mail normalization
/// writes it (folded, lowercased, trailing dots dropped, `googlemail.com` as
/// `gmail.com`); a leading `@` or `*.` is allowed and dropped.
fn domain(raw: &str) -> Result<String, String> {
    let text = folded(raw);
    let t = trim(&text);
    let t = t
        .strip_prefix('@')
        .or_else(|| t.strip_prefix("*."))
        .unwrap_or(t);
    if t.contains('@') {
        return Err(format!(
            "`{t}` is an address; an `email_domain` entry is the domain alone (`example.com`); list an address as `email`"
        ));
    }
    let mut address = String::new();
    email_into(&format!("x@{t}"), PlusTags::Providers, &mut address);
    let canonical = address.get(2..).unwrap_or("").to_string();
    let labels_ok = canonical.split('.').all(|label| {
        !label.is_empty()
            && label.len() <= 63
            && label.chars().all(|c| c == '-' || c.is_alphanumeric())
    });
    if canonical.is_empty() || !labels_ok || canonical.len() > 253 {
        return Err(format!(
            "`{}` is not a domain; write labels of letters, digits and `-` separated by dots (`example.com`)",
            raw.trim()
        ));
    }
    Ok(canonical)
}

/// `203.0.113.0/24`, `2001:db8::/32`: the network address as IP normalization writes it
/// (an IPv4-mapped IPv6 range as the IPv4 range), `/`, the prefix length. A length out
/// of range or host bits set is refused, with the range that was probably meant.
fn ip_range(raw: &str) -> Result<String, String> {
    let text = folded(raw);
    let t = trim(&text);
    let Some((addr, bits)) = t.rsplit_once('/') else {
        return Err(format!(
            "`{t}` has no prefix length; write a range as ADDRESS/LENGTH (`203.0.113.0/24`), or list one address as `ip`"
        ));
    };
    let addr = trim(addr);
    let groups =
        parse_ip(addr).ok_or_else(|| format!("`{addr}` is not an IPv4 or IPv6 address"))?;
    let written_v4 = !addr.contains(':');
    let (family, max) = if written_v4 {
        ("IPv4", 32)
    } else {
        ("IPv6", 128)
    };
    let bits: u32 = trim(bits)
        .parse()
        .ok()
        .filter(|b| (1..=max).contains(b))
        .ok_or_else(|| {
            format!(
                "the prefix length `{}` is out of range: an {family} range has 1 to {max}",
                trim(bits)
            )
        })?;
    let length = if written_v4 {
        bits + V4_MAPPED_BITS
    } else {
        bits
    };
    let network = mask(groups, length);
    let mut out = String::new();
    range_into(&network, length, &mut out);
    if network != groups {
        return Err(format!(
            "`{t}` has host bits set (bits after the first {bits} are not zero); the range is `{out}`"
        ));
    }
    Ok(out)
}

/// `+86 170`, `0086170`, `170`: the digits a phone number normalized by §3.2 starts with.
/// Normalized as a phone number is (digits of any script, leading `00` dropped), so a
/// national mobile prefix starting with `1` gets the policy's country code in front as
/// an 11-digit mobile number does; any other prefix stays as written (`021` meets the
/// landline numbers that normalize to `021…`).
fn phone_prefix(raw: &str, rules: &Rules<'_>) -> Result<String, String> {
    let text = folded(raw);
    let t = trim(&text);
    let ok = t.chars().enumerate().all(|(i, c)| {
        super::decimal_digit(c).is_some()
            || matches!(c, ' ' | '-' | '(' | ')' | '.')
            || (c == '+' && i == 0)
    });
    let mut digits = String::new();
    phone_into(t, "", &mut digits);
    if !ok || digits.is_empty() {
        return Err(format!(
            "`{t}` is not a phone prefix; write digits, in international form if not a mobile prefix (`+86 170`, `170`)"
        ));
    }
    let international = t.starts_with('+') || t.starts_with("00");
    if !international && digits.starts_with('1') {
        let code: String = rules
            .default_country_code
            .chars()
            .filter(char::is_ascii_digit)
            .collect();
        digits.insert_str(0, &code);
    }
    if digits.len() > MAX_PHONE_PREFIX {
        return Err(format!(
            "`{t}` has {} digits; a phone prefix has at most {MAX_PHONE_PREFIX}",
            digits.len()
        ));
    }
    Ok(digits)
}

/// `g` with every bit after the first `bits` cleared.
fn mask(g: Groups, bits: u32) -> Groups {
    let mut out = g;
    for (i, group) in out.iter_mut().enumerate() {
        let start = 16 * i as u32;
        let keep = bits.saturating_sub(start).min(16);
        *group &= if keep == 0 {
            0
        } else {
            u16::MAX << (16 - keep)
        };
    }
    out
}

/// The IPv4 range of `bits` (0–32) holding the address whose halves are `hi`, `lo`, as
/// [`range_into`] writes it for the mapped address and length `bits + 96`.
fn v4_range_into(hi: u16, lo: u16, bits: u32, out: &mut String) {
    let address = (u32::from(hi) << 16) | u32::from(lo);
    let mask = u32::MAX.checked_shl(32 - bits.min(32)).unwrap_or(0);
    let network = address & mask;
    // Masked as 32 bits, written as the mapped address it is (`write_ip`'s dotted quad).
    let (hi, lo) = ((network >> 16) as u16, network as u16);
    write_ip(&[0, 0, 0, 0, 0, 0xffff, hi, lo], out);
    out.push('/');
    push_decimal(u8::try_from(bits).unwrap_or(32), out);
}

/// A network and its length in the canonical spelling: IPv4 (mapped, length ≥ 96) as
/// `a.b.c.d/(length − 96)`, else RFC 5952 IPv6 `/length`.
fn range_into(network: &Groups, length: u32, out: &mut String) {
    write_ip(network, out);
    let v4 = length >= V4_MAPPED_BITS && !out.contains(':');
    let shown = if v4 { length - V4_MAPPED_BITS } else { length };
    out.push('/');
    // At most 128: three digits, written without a `String` of their own.
    push_decimal(u8::try_from(shown).unwrap_or(u8::MAX), out);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules() -> Rules<'static> {
        Rules::with_country_code("86")
    }

    fn canon(kind: IdKind, raw: &str) -> Result<String, String> {
        canonical(kind, raw, &rules())
    }

    /// The candidates of `identifier` (normalized as its kind) at the entry's length.
    fn meets(kind: IdKind, entry: &str, identifier_kind: IdKind, raw_identifier: &str) -> bool {
        let entry = canon(kind, entry).unwrap();
        let n = length(kind, &entry).unwrap();
        let identifier = super::super::identifier_with(identifier_kind, raw_identifier, &rules());
        let mut out = String::new();
        candidate_into(kind, &identifier, n, &mut out) && out == entry
    }

    #[test]
    fn domains_are_spelled_as_email_normalization_spells_them() {
        for (raw, want) in [
            (" ＥＸＡＭＰＬＥ.Com. ", "example.com"),
            ("@example.com", "example.com"),
            ("*.example.com", "example.com"),
            ("googlemail.com", "gmail.com"),
            ("例子.中国", "例子.中国"),
        ] {
            assert_eq!(canon(IdKind::EmailDomain, raw).unwrap(), want, "{raw}");
        }
        assert_eq!(length(IdKind::EmailDomain, "mail.example.com"), Some(3));
        for bad in [
            "a@example.com",
            "exa!mple.com",
            "example..com",
            ".",
            "ex_ample.com",
        ] {
            assert!(canon(IdKind::EmailDomain, bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn ranges_are_canonical_and_bad_ones_are_refused() {
        let r = IdKind::IpRange;
        assert_eq!(canon(r, "203.0.113.0/24").unwrap(), "203.0.113.0/24");
        assert_eq!(canon(r, " ２０３.0.113.0/24").unwrap(), "203.0.113.0/24");
        assert_eq!(
            canon(r, "::FFFF:203.0.113.0/120").unwrap(),
            "203.0.113.0/24"
        );
        assert_eq!(canon(r, "2001:DB8:0::/32").unwrap(), "2001:db8::/32");
        assert_eq!(length(r, "203.0.113.0/24"), Some(120));
        assert_eq!(length(r, "2001:db8::/32"), Some(32));
        let err = canon(r, "203.0.113.5/24").unwrap_err();
        assert!(
            err.contains("host bits") && err.contains("`203.0.113.0/24`"),
            "{err}"
        );
        assert!(canon(r, "203.0.113.0/33").unwrap_err().contains("1 to 32"));
        assert!(canon(r, "203.0.113.0/0")
            .unwrap_err()
            .contains("out of range"));
        assert!(canon(r, "2001:db8::/129").unwrap_err().contains("1 to 128"));
        assert!(canon(r, "203.0.113.0")
            .unwrap_err()
            .contains("ADDRESS/LENGTH"));
        assert!(canon(r, "203.0.113/24")
            .unwrap_err()
            .contains("not an IPv4"));
        assert!(canon(r, "203.0.113.0/2x").is_err());
    }

    #[test]
    fn phone_prefixes_are_normalized_as_phones() {
        let p = IdKind::PhonePrefix;
        assert_eq!(canon(p, "170").unwrap(), "86170");
        assert_eq!(canon(p, "+86 170").unwrap(), "86170");
        assert_eq!(canon(p, "0086-170").unwrap(), "86170");
        assert_eq!(canon(p, "１７０").unwrap(), "86170");
        assert_eq!(canon(p, "+44 20").unwrap(), "4420");
        assert_eq!(canon(p, "021").unwrap(), "021");
        assert_eq!(length(p, "86170"), Some(5));
        for bad in ["", "abc", "17o", "+86+170", "1234567890123456"] {
            assert!(canon(p, bad).is_err(), "{bad}");
        }
    }

    /// (entry, identifier, whether the entry holds it): every spelling a listed person
    /// would try meets the entry, its neighbours do not.
    #[test]
    fn patterns_meet_their_class_and_not_its_neighbours() {
        let (d, r, p) = (IdKind::EmailDomain, IdKind::IpRange, IdKind::PhonePrefix);
        let cases = [
            (d, "example.com", "A.Buyer@EXAMPLE.COM", true),
            (d, "example.com", "a@mail.example.com", true),
            (d, "example.com", "a@x.y.example.com.", true),
            (d, "example.com", "a@ｅｘａｍｐｌｅ．ｃｏｍ", true),
            (d, "example.com", "a@badexample.com", false),
            (d, "example.com", "a@example.com.cn", false),
            (d, "example.com", "a@example.co", false),
            (d, "example.com", "example.com", false),
            (d, "mail.example.com", "a@example.com", false),
            (d, "googlemail.com", "x@gmail.com", true),
            (d, "com", "a@example.com", true),
            (r, "203.0.113.0/24", "203.0.113.77", true),
            (r, "203.0.113.0/24", "::ffff:203.0.113.77", true),
            (r, "203.0.113.0/24", "[::FFFF:CB00:714D]:443", true),
            (r, "203.0.113.0/24", "203.0.113.9:8080", true),
            (r, "203.0.113.0/24", "203.0.112.255", false),
            (r, "203.0.113.0/24", "203.0.114.0", false),
            (r, "203.0.113.0/24", "2001:db8::cb00:714d", false),
            (r, "10.0.0.0/8", "10.255.1.2", true),
            (r, "203.0.113.77/32", "203.0.113.77", true),
            (r, "2001:db8::/32", "2001:DB8:0:0:1::1", true),
            (r, "2001:db8::/32", "2001:db9::1", false),
            (r, "2001:db8:abcd::/48", "[2001:db8:abcd::7]", true),
            (r, "2001:db8::/32", "not an address", false),
            (p, "170", "17012345678", true),
            (p, "170", "+86 170-1234-5678", true),
            (p, "170", "１７０ １２３４ ５６７８", true),
            (p, "+86 170", "0086 17012345678", true),
            (p, "170", "17112345678", false),
            (p, "170", "+1 170 555 0100", false),
            (p, "+44 20", "+44 20 7946 0958", true),
            (p, "021", "021-6234 5678", true),
            // A number shorter than the prefix.
            (p, "17012", "170", false),
        ];
        for (kind, entry, raw, want) in cases {
            let of = match kind {
                IdKind::EmailDomain => IdKind::Email,
                IdKind::IpRange => IdKind::Ip,
                _ => IdKind::Phone,
            };
            assert_eq!(meets(kind, entry, of, raw), want, "{kind} {entry} {raw}");
        }
    }
}
