//! Normalization of identifiers before matching and hashing (docs/semantics.md §3.2): the same
//! function runs on blocklist values at compile time and on order fields at check
//! time, so `+86 138-0013-8000` and `13800138000` meet.
//!
//! Every function here is idempotent (normalizing a normalized value changes nothing;
//! a proptest guards it) and allocates at most the one `String` it returns, because the
//! engine calls it about eight times per order. [`identifier_into`] reuses a buffer.

use crate::model::{IdKind, PlusTags, Policy};
use std::borrow::Cow;

pub mod pattern;

/// The policy settings normalization depends on (docs/semantics.md §3.2).
#[derive(Debug, Clone, Copy)]
pub struct Rules<'a> {
    /// Put in front of an 11-digit number starting with `1` (`default_country_code`).
    pub default_country_code: &'a str,
    /// Where an e-mail `+tag` is dropped (`email_plus_tags`).
    pub plus_tags: PlusTags,
}

impl<'a> Rules<'a> {
    /// The rules `policy` sets.
    pub fn of(policy: &'a Policy) -> Rules<'a> {
        Rules {
            default_country_code: &policy.default_country_code,
            plus_tags: policy.email_plus_tags,
        }
    }

    /// The default rules with this country code.
    pub fn with_country_code(default_country_code: &'a str) -> Rules<'a> {
        Rules {
            default_country_code,
            plus_tags: PlusTags::Providers,
        }
    }
}

/// Normalizes `raw` as an identifier of `kind`; an empty result means "absent".
///
/// Every kind first drops invisible characters (format characters such as zero-width
/// spaces and a byte order mark, variation selectors, controls) and folds full-width
/// forms to ASCII ([`fold`]); then (docs/semantics.md §3.2):
///
/// - `email`: whitespace removed, lowercased, trailing dots of the domain dropped;
///   `googlemail.com` is `gmail.com`; at providers that deliver `name+tag` to `name`
///   the `+tag` is dropped, and at Gmail the dots of the name too;
/// - `phone`: digits only (digits of any script in [`decimal_digit`]), leading `00`
///   pairs dropped, a trunk `0` before an 11-digit number starting with `1` (alone or
///   after the default country code, as in `+86 (0) 139…`) dropped, and such an 11-digit
///   number gets `default_country_code` prepended;
/// - `address`: letters and digits only (any script), lowercased;
/// - `ip`: an IPv4 or IPv6 address in canonical form (IPv4-mapped IPv6 as IPv4, IPv6
///   compressed and lowercase, brackets, zone and port dropped); other text lowercased;
/// - `customer_id`, `device_id`, `payment_fingerprint`: trimmed (case is kept).
///
/// ```
/// use checkout_guard::model::IdKind;
/// use checkout_guard::normalize::identifier;
/// assert_eq!(identifier(IdKind::Phone, "+86 138-0013-8000", "86"), "8613800138000");
/// assert_eq!(identifier(IdKind::Phone, "+86 (0) 138 0013 8000", "86"), "8613800138000");
/// assert_eq!(identifier(IdKind::Email, "  A@B.cn ", "86"), "a@b.cn");
/// assert_eq!(identifier(IdKind::Email, "Bad.Buyer+x@GoogleMail.com", "86"), "badbuyer@gmail.com");
/// assert_eq!(identifier(IdKind::Ip, "::FFFF:203.0.113.7", "86"), "203.0.113.7");
/// ```
pub fn identifier(kind: IdKind, raw: &str, default_country_code: &str) -> String {
    identifier_with(kind, raw, &Rules::with_country_code(default_country_code))
}

/// [`identifier`] under a policy's [`Rules`].
pub fn identifier_with(kind: IdKind, raw: &str, rules: &Rules<'_>) -> String {
    let mut out = String::new();
    identifier_into(kind, raw, rules, &mut out);
    out
}

/// `s` without leading and trailing whitespace, like `str::trim`, with a fast path for
/// the usual case of text that starts and ends with a visible ASCII character (the
/// Unicode-aware trim decodes and classifies both ends; this runs ~15 times per check).
pub fn trim(s: &str) -> &str {
    let b = s.as_bytes();
    match (b.first(), b.last()) {
        (Some(f), Some(l)) if f.is_ascii_graphic() && l.is_ascii_graphic() => s,
        _ => s.trim(),
    }
}

/// Like [`identifier`], but writes into `out` (cleared first) so a caller normalizing
/// many values can reuse one buffer.
pub fn identifier_into(kind: IdKind, raw: &str, rules: &Rules<'_>, out: &mut String) {
    out.clear();
    match kind {
        IdKind::Email => email_into(raw, rules.plus_tags, out),
        IdKind::Phone => phone_into(raw, rules.default_country_code, out),
        IdKind::Address => {
            out.reserve(raw.len());
            push_address(raw, out);
        }
        IdKind::Ip => ip_into(raw, out),
        IdKind::CustomerId | IdKind::DeviceId | IdKind::PaymentFingerprint => {
            out.push_str(&folded(raw));
            trim_in_place(out);
        }
        // A pattern is no identifier an order holds: the compiler spells it with
        // `pattern::canonical` (which also says why a value is none), and a check looks
        // it up by the candidates of the identifier it is a class of. Empty: absent.
        IdKind::EmailDomain | IdKind::IpRange | IdKind::PhonePrefix => {}
    }
}

/// The order's address identifier: `province+city+district+line1`, normalized as an
/// `address` (without building the concatenation first).
///
/// ```
/// use checkout_guard::normalize::order_address;
/// assert_eq!(
///     order_address("浙江省", "杭州市", "西湖区", "文三路１２３号"),
///     "浙江省杭州市西湖区文三路123号"
/// );
/// ```
pub fn order_address(province: &str, city: &str, district: &str, line1: &str) -> String {
    let mut out = String::new();
    order_address_into([province, city, district, line1], &mut out);
    out
}

/// Like [`order_address`], but writes into `out` (cleared first), so the fact builder
/// reuses the buffer it normalizes the other identifiers into.
pub fn order_address_into(parts: [&str; 4], out: &mut String) {
    out.clear();
    out.reserve(parts.iter().map(|p| p.len()).sum());
    for part in parts {
        push_address(part, out);
    }
}

/// What a character becomes before any kind-specific step: `None` for a character
/// that is invisible in text (so a spelling with one inside looks the same as one
/// without) — format characters (Unicode category Cf: zero-width spaces and joiners,
/// bidirectional marks, the byte order mark, soft hyphen…), variation selectors, the
/// combining grapheme joiner, Hangul fillers and controls other than whitespace;
/// full-width ASCII (U+FF01–U+FF5E) as ASCII; the ideographic space and other Unicode
/// spaces as a space.
pub fn fold(c: char) -> Option<char> {
    let u = u32::from(c);
    match u {
        0x20..=0x7E => Some(c),
        0x09..=0x0D => Some(c),
        0x00..=0x1F | 0x7F..=0x9F => None,
        0xFF01..=0xFF5E => char::from_u32(u - 0xFEE0),
        0x3000 | 0x00A0 | 0x1680 | 0x2000..=0x200A | 0x202F | 0x205F => Some(' '),
        // Cf (format) characters and other invisibles, by range (Unicode 15).
        0x00AD
        | 0x034F
        | 0x0600..=0x0605
        | 0x061C
        | 0x06DD
        | 0x070F
        | 0x0890..=0x0891
        | 0x08E2
        | 0x115F..=0x1160
        | 0x17B4..=0x17B5
        | 0x180B..=0x180F
        | 0x200B..=0x200F
        | 0x2028..=0x202E
        | 0x2060..=0x206F
        | 0x3164
        | 0xFE00..=0xFE0F
        | 0xFEFF
        | 0xFFA0
        | 0xFFF0..=0xFFFB
        | 0x110BD
        | 0x110CD
        | 0x13430..=0x1343F
        | 0x1BCA0..=0x1BCA3
        | 0x1D173..=0x1D17A
        | 0xE0000..=0xE0FFF => None,
        _ => Some(c),
    }
}

/// `raw` with [`fold`] applied to each character; borrowed when it is printable ASCII,
/// the usual case, which has nothing to fold.
fn folded(raw: &str) -> Cow<'_, str> {
    if is_printable_ascii(raw) {
        Cow::Borrowed(raw)
    } else {
        Cow::Owned(raw.chars().filter_map(fold).collect())
    }
}

/// Whether every byte of `s` is printable ASCII (0x20–0x7E).
fn is_printable_ascii(s: &str) -> bool {
    all_ascii_from(s, 0x20)
}

/// Whether every byte of `s` is in `low..=0x7E` (`low` in 0x01–0x7E). Eight bytes at a
/// time, as one `u64` (this runs on most identifiers of every check; byte by byte it
/// cost ~14 instructions a byte): with no top bit set, adding `0x80 - low` to each byte
/// sets its top bit exactly when the byte is at least `low`, and adding 0x01 leaves it
/// clear exactly when the byte is at most 0x7E (no addition carries into the next byte).
fn all_ascii_from(s: &str, low: u8) -> bool {
    const TOP: u64 = 0x8080_8080_8080_8080;
    const ONES: u64 = 0x0101_0101_0101_0101;
    let to_top = u64::from(0x80u8.saturating_sub(low)) * ONES;
    let mut chunks = s.as_bytes().chunks_exact(8);
    for chunk in &mut chunks {
        // Always 8 bytes; the zero fallback would read as out of range.
        let w = u64::from_le_bytes(chunk.try_into().unwrap_or([0; 8]));
        let in_range =
            w & TOP == 0 && w.wrapping_add(to_top) & TOP == TOP && w.wrapping_add(ONES) & TOP == 0;
        if !in_range {
            return false;
        }
    }
    chunks.remainder().iter().all(|b| (low..0x7F).contains(b))
}

/// Removes leading and trailing whitespace from `s` without a new allocation.
fn trim_in_place(s: &mut String) {
    if trim(s).len() == s.len() {
        return;
    }
    let end = s.trim_end().len();
    s.truncate(end);
    let start = s.len() - s.trim_start().len();
    s.replace_range(..start, "");
}

/// Mail providers whose addresses ignore a `+tag` (sub-addressing), and whether they
/// also ignore dots in the name (Gmail only). Elsewhere the name is the provider's to
/// interpret, so `a+b@example.com` and `a@example.com` stay different addresses.
fn mail_provider(domain: &str) -> Option<bool> {
    match domain {
        "gmail.com" => Some(true),
        "outlook.com" | "hotmail.com" | "live.com" | "msn.com" | "icloud.com" | "me.com"
        | "mac.com" | "protonmail.com" | "proton.me" | "pm.me" | "fastmail.com" => Some(false),
        _ => None,
    }
}

fn email_into(raw: &str, plus_tags: PlusTags, out: &mut String) {
    out.reserve(raw.len());
    if all_ascii_from(raw, 0x21) {
        // The usual address: visible ASCII, which `fold` keeps and holds no whitespace;
        // lowercased in place instead of character by character.
        out.push_str(raw);
        out.make_ascii_lowercase();
    } else {
        push_email_chars(raw, out);
    }
    email_canonical(plus_tags, out);
}

/// The characters of an address that is not plain ASCII: folded, without whitespace,
/// lowercased.
fn push_email_chars(raw: &str, out: &mut String) {
    for c in raw.chars().filter_map(fold).filter(|c| !c.is_whitespace()) {
        if c.is_ascii() {
            out.push(c.to_ascii_lowercase());
        } else {
            out.extend(c.to_lowercase().filter(|&l| fold(l).is_some()));
        }
    }
}

/// The lowercased address in `out` with its provider's spelling rules applied
/// (`googlemail.com`, `+tags`, Gmail's dots).
fn email_canonical(plus_tags: PlusTags, out: &mut String) {
    // A byte search: `rfind` on a `char` goes through the generic searcher and
    // `memrchr`, which cost more than the ~10 bytes of a domain it walks back over.
    let Some(at) = out.bytes().rposition(|b| b == b'@') else {
        return;
    };
    let domain = out.get(at + 1..).unwrap_or("").trim_end_matches('.');
    let domain = if domain == "googlemail.com" {
        "gmail.com"
    } else {
        domain
    };
    let no_dots = match (mail_provider(domain), plus_tags) {
        (Some(no_dots), _) => no_dots,
        (None, PlusTags::Everywhere) => false,
        (None, PlusTags::Providers) => {
            let end = at + 1 + domain.len();
            out.truncate(end);
            return;
        }
    };
    let name = out.get(..at).unwrap_or("");
    let name = name.split('+').next().unwrap_or("");
    let mut canonical: String = if no_dots {
        name.chars().filter(|&c| c != '.').collect()
    } else {
        name.to_string()
    };
    canonical.push('@');
    canonical.push_str(domain);
    *out = canonical;
}

/// The value of a decimal digit of any common script: ASCII, full-width, Arabic-Indic
/// and extended Arabic-Indic, Devanagari, Bengali, Thai and the mathematical digits.
pub fn decimal_digit(c: char) -> Option<u8> {
    let u = u32::from(c);
    let zero = match u {
        0x30..=0x39 => 0x30,
        0xFF10..=0xFF19 => 0xFF10,
        0x0660..=0x0669 => 0x0660,
        0x06F0..=0x06F9 => 0x06F0,
        0x0966..=0x096F => 0x0966,
        0x09E6..=0x09EF => 0x09E6,
        0x0E50..=0x0E59 => 0x0E50,
        0x1D7CE..=0x1D7FF => return u8::try_from((u - 0x1D7CE) % 10).ok(),
        _ => return None,
    };
    u8::try_from(u - zero).ok()
}

/// The "national number" of the phone rule: 11 digits starting with `1`.
fn is_national_mobile(digits: &str) -> bool {
    digits.len() == 11 && digits.starts_with('1')
}

fn phone_into(raw: &str, default_country_code: &str, out: &mut String) {
    out.reserve(raw.len().min(32) + default_country_code.len());
    if raw.is_ascii() {
        // Bytes are chars here; skips UTF-8 decoding for the usual `+86 138-…`.
        out.extend(raw.bytes().filter(u8::is_ascii_digit).map(char::from));
    } else {
        out.extend(
            raw.chars()
                .filter_map(decimal_digit)
                .map(|d| char::from(b'0' + d)),
        );
    }
    // Drop every leading `00` pair (international call prefix); dropping only one would
    // make `0000…` normalize differently twice in a row.
    let zeros = out.bytes().take_while(|&b| b == b'0').count() / 2 * 2;
    if zeros > 0 {
        out.replace_range(..zeros, "");
    }
    // Only digits go in front, or the result would not be idempotent. A policy's code is
    // digits already (the usual case): borrowed, so a phone costs no allocation here.
    let code: Cow<'_, str> = if default_country_code.bytes().all(|b| b.is_ascii_digit()) {
        Cow::Borrowed(default_country_code)
    } else {
        Cow::Owned(
            default_country_code
                .chars()
                .filter(char::is_ascii_digit)
                .collect(),
        )
    };
    // A trunk `0` before the national number, written alone (`0139…`) or after the
    // country code (`+86 (0) 139…`), is not part of the number.
    let after_code = if code.is_empty() {
        None
    } else {
        out.strip_prefix(&*code)
    };
    if let Some(rest) = after_code.filter(|r| r.starts_with('0')) {
        let national = rest.trim_start_matches('0');
        if is_national_mobile(national) {
            *out = national.to_string();
        }
    }
    if let Some(national) = out.strip_prefix('0').filter(|n| is_national_mobile(n)) {
        *out = national.to_string();
    }
    if is_national_mobile(out) {
        out.insert_str(0, &code);
    }
}

/// Address text: only letters and digits of any script are kept (punctuation, symbols,
/// spaces and invisible characters of any script go), lowercased.
fn push_address(raw: &str, out: &mut String) {
    // Copy runs of characters that normalize to themselves (CJK ideographs, lowercase
    // ASCII letters and digits) as whole slices; transform or drop the rest one by one.
    // Walked by bytes: the usual characters are told by their first byte, without
    // decoding (`char_indices` decoded each, half the cost of an address).
    let bytes = raw.as_bytes();
    let mut run = 0;
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        let unchanged_len = match b {
            b'0'..=b'9' | b'a'..=b'z' => 1,
            // The lead bytes of U+5000–U+9FFF, all CJK ideographs: three bytes each.
            0xE5..=0xE9 => 3,
            _ => 0,
        };
        if unchanged_len > 0 {
            i += unchanged_len;
            continue;
        }
        // `i` is on a character boundary: every step above and below is a whole one.
        let Some(c) = raw.get(i..).and_then(|rest| rest.chars().next()) else {
            break;
        };
        let next = i + c.len_utf8();
        if !is_unchanged_address_char(c) {
            out.push_str(raw.get(run..i).unwrap_or(""));
            push_address_char(c, out);
            run = next;
        }
        i = next;
    }
    out.push_str(raw.get(run..).unwrap_or(""));
}

/// Whether `c` is kept as it is in an address: a lowercase ASCII letter or digit, a CJK
/// ideograph or a Hangul syllable (letters, caseless).
fn is_unchanged_address_char(c: char) -> bool {
    matches!(
        u32::from(c),
        0x30..=0x39 | 0x61..=0x7A | 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xAC00..=0xD7AF | 0xF900..=0xFAFF
    )
}

/// What an address keeps of a character that is not kept as it is: folded, letters
/// and digits only, lowercased.
fn push_address_char(c: char, out: &mut String) {
    let Some(c) = fold(c) else {
        return;
    };
    if c.is_ascii() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        }
    } else if c.is_alphanumeric() {
        // A lowercase form may hold a combining mark (`İ` → `i̇`): keep only
        // its letters, so normalizing twice changes nothing.
        out.extend(c.to_lowercase().filter(|l| l.is_alphanumeric()));
    }
}

/// An IP address in one spelling: parsed and written back (IPv6 compressed, lowercase,
/// per RFC 5952; an IPv4-mapped IPv6 address as its IPv4 address). Brackets, a zone
/// (`%eth0`) and a port are dropped; an IPv4 part with leading zeros is read as
/// decimal. Text that is not an address is kept, trimmed and lowercased.
///
/// Parsed here rather than with `core::net`, whose parser and formatter cost ~3 KB of
/// gzipped wasm for the same result.
fn ip_into(raw: &str, out: &mut String) {
    // The usual IP is already its own spelling: skip the parse and the write back.
    if is_canonical_v4(raw) {
        out.push_str(raw);
        return;
    }
    let text = folded(raw);
    let t = trim(&text);
    let parsed = parse_ip(t).or_else(|| {
        // `[v6]:port`, `[v6]`, `v4:port`
        let inner = match t.strip_prefix('[') {
            Some(rest) => rest.split(']').next().unwrap_or(""),
            None => match t.rsplit_once(':') {
                Some((host, port)) if port.bytes().all(|b| b.is_ascii_digit()) => host,
                _ => return None,
            },
        };
        parse_ip(inner)
    });
    match parsed {
        Some(groups) => write_ip(&groups, out),
        None => {
            out.push_str(t);
            out.make_ascii_lowercase();
        }
    }
}

/// Whether `t` is an IPv4 address exactly as [`write_ip`] spells it: four decimal
/// parts of at most 255, separated by dots, without leading zeros (a part `0` aside),
/// nothing around them. One pass over the bytes: most orders' IP is written so, and
/// parsing it to groups and writing those back costs ~30 times more.
fn is_canonical_v4(t: &str) -> bool {
    let (mut dots, mut digits, mut value) = (0u32, 0u32, 0u32);
    for &b in t.as_bytes() {
        if b == b'.' {
            if digits == 0 {
                return false;
            }
            (dots, digits, value) = (dots + 1, 0, 0);
        } else if b.is_ascii_digit() {
            // A second digit after a leading `0`, or a part past 255.
            if digits == 1 && value == 0 {
                return false;
            }
            value = value * 10 + u32::from(b - b'0');
            digits += 1;
            if value > 255 {
                return false;
            }
        } else {
            return false;
        }
    }
    dots == 3 && digits > 0
}

/// An address as eight 16-bit groups; IPv4 in IPv4-mapped form (`::ffff:a.b.c.d`), so
/// that one representation serves both families.
type Groups = [u16; 8];

/// Dotted-decimal IPv4 (`a.b.c.d`, each part 0–255, leading zeros read as decimal).
fn parse_v4(t: &str) -> Option<[u8; 4]> {
    // Over bytes (each part is ASCII digits or the text is no IPv4 address): this runs
    // on every order's IP, and `split` on a `char` goes through the generic searcher.
    let mut parts = [0u8; 4];
    let mut n = 0;
    for part in t.as_bytes().split(|&b| b == b'.') {
        let slot = parts.get_mut(n)?;
        if part.is_empty() || part.len() > 4 {
            return None;
        }
        let value = part.iter().try_fold(0u32, |v, &b| {
            b.is_ascii_digit().then(|| v * 10 + u32::from(b - b'0'))
        })?;
        *slot = u8::try_from(value).ok()?;
        n += 1;
    }
    (n == 4).then_some(parts)
}

/// `part` as a number in `radix`: 1 to `max_len` digits, nothing else.
fn number(part: &str, radix: u32, max_len: usize) -> Option<u32> {
    if part.is_empty() || part.len() > max_len {
        return None;
    }
    part.chars()
        .try_fold(0u32, |n, c| Some(n * radix + c.to_digit(radix)?))
}

/// IPv4 or IPv6 text (a zone after `%` ignored) as eight 16-bit groups.
fn parse_ip(t: &str) -> Option<Groups> {
    let t = match t.as_bytes().iter().position(|&b| b == b'%') {
        Some(zone) => t.get(..zone).unwrap_or(""),
        None => t,
    };
    if let Some([a, b, c, d]) = parse_v4(t) {
        return Some([
            0,
            0,
            0,
            0,
            0,
            0xffff,
            u16::from_be_bytes([a, b]),
            u16::from_be_bytes([c, d]),
        ]);
    }
    // IPv6: hex groups, at most one `::`, optionally a dotted IPv4 tail.
    // (Byte search: a `&str` pattern would pull the two-way searcher into the wasm.)
    let double = |s: &str| s.as_bytes().windows(2).position(|w| w == b"::");
    let (head, tail) = match double(t) {
        Some(i) => (t.get(..i).unwrap_or(""), Some(t.get(i + 2..).unwrap_or(""))),
        None => (t, None),
    };
    let read = |part: &str| -> Option<Vec<u16>> {
        let mut groups = Vec::new();
        if part.is_empty() {
            return Some(groups);
        }
        let pieces: Vec<&str> = part.split(':').collect();
        for (i, piece) in pieces.iter().enumerate() {
            if i + 1 == pieces.len() && piece.contains('.') {
                let [a, b, c, d] = parse_v4(piece)?;
                groups.extend([u16::from_be_bytes([a, b]), u16::from_be_bytes([c, d])]);
            } else {
                groups.push(u16::try_from(number(piece, 16, 4)?).ok()?);
            }
        }
        Some(groups)
    };
    let front = read(head)?;
    let mut groups = [0u16; 8];
    match tail {
        None if front.len() == 8 => groups.copy_from_slice(&front),
        None => return None,
        Some(tail) => {
            // No second `::`, and an IPv4 tail only at the very end.
            if double(tail).is_some() || head.contains('.') {
                return None;
            }
            let back = read(tail)?;
            if front.len() + back.len() > 7 {
                return None;
            }
            groups.get_mut(..front.len())?.copy_from_slice(&front);
            groups.get_mut(8 - back.len()..)?.copy_from_slice(&back);
        }
    }
    Some(groups)
}

/// Writes `g` as IPv4 when it is IPv4-mapped, else as RFC 5952 IPv6: lowercase hex
/// without leading zeros, the longest run of two or more zero groups (the first of
/// equal runs) as `::`.
fn write_ip(g: &Groups, out: &mut String) {
    if let [0, 0, 0, 0, 0, 0xffff, hi, lo] = *g {
        let [a, b] = hi.to_be_bytes();
        let [c, d] = lo.to_be_bytes();
        for (i, part) in [a, b, c, d].into_iter().enumerate() {
            if i > 0 {
                out.push('.');
            }
            push_decimal(part, out);
        }
        return;
    }
    let (mut best, mut best_len, mut run, mut run_len) = (8, 0, 0, 0);
    for (i, &x) in g.iter().enumerate() {
        if x == 0 {
            if run_len == 0 {
                run = i;
            }
            run_len += 1;
            if run_len > best_len {
                (best, best_len) = (run, run_len);
            }
        } else {
            run_len = 0;
        }
    }
    if best_len < 2 {
        best = 8;
    }
    let mut i = 0;
    while i < 8 {
        if i == best {
            out.push_str("::");
            i += best_len;
            continue;
        }
        if i > 0 && i != best + best_len {
            out.push(':');
        }
        push_hex(g.get(i).copied().unwrap_or(0), out);
        i += 1;
    }
}

/// An IPv4 part in decimal, without leading zeros. Inlined: a call costs as much as
/// the digits (four per address, on every check).
#[inline(always)]
fn push_decimal(n: u8, out: &mut String) {
    if n >= 100 {
        out.push(char::from(b'0' + n / 100));
    }
    if n >= 10 {
        out.push(char::from(b'0' + n / 10 % 10));
    }
    out.push(char::from(b'0' + n % 10));
}

/// `x` in lowercase hex without leading zeros.
fn push_hex(x: u16, out: &mut String) {
    let mut started = false;
    for shift in [12u16, 8, 4, 0] {
        let d = u32::from((x >> shift) & 0xf);
        if d != 0 || started || shift == 0 {
            started = true;
            out.extend(char::from_digit(d, 16));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn phones_from_the_contract_meet() {
        for raw in ["+86 138-0013-8000", "0086 13800138000", "13800138000"] {
            assert_eq!(
                identifier(IdKind::Phone, raw, "86"),
                "8613800138000",
                "{raw}"
            );
        }
        assert_eq!(
            identifier(IdKind::Phone, "１３８００１３８０００", "86"),
            "8613800138000"
        );
        // The contract's rule is purely lexical: a `+1` number written with its country
        // code is 11 digits starting with `1`, so it gets the default code too.
        assert_eq!(
            identifier(IdKind::Phone, "+1 (415) 555-0100", "86"),
            "8614155550100"
        );
        assert_eq!(
            identifier(IdKind::Phone, "00852 6123 4567", "86"),
            "85261234567"
        );
        assert_eq!(
            identifier(IdKind::Phone, "13800138000", "852"),
            "85213800138000"
        );
        assert_eq!(identifier(IdKind::Phone, " - ", "86"), "");
        assert_eq!(
            identifier(IdKind::Phone, "021-6234 5678", "86"),
            "02162345678"
        );
    }

    #[test]
    fn emails_are_trimmed_and_lowercased() {
        assert_eq!(
            identifier(IdKind::Email, "  Zhang.San@Example.COM\t", "86"),
            "zhang.san@example.com"
        );
        assert_eq!(identifier(IdKind::Email, "   ", "86"), "");
    }

    #[test]
    fn addresses_fold_full_width_and_drop_punctuation() {
        assert_eq!(
            identifier(IdKind::Address, "浙江省杭州市西湖区文三路１２３号", "86"),
            "浙江省杭州市西湖区文三路123号"
        );
        assert_eq!(
            identifier(
                IdKind::Address,
                " 浙江省　杭州市 西湖区, 文三路 123 号 ",
                "86"
            ),
            "浙江省杭州市西湖区文三路123号"
        );
        assert_eq!(
            identifier(IdKind::Address, "Room ５Ｂ, No.８", "86"),
            "room5bno8"
        );
        assert_eq!(
            order_address("浙江省", "杭州市", "西湖区", "文三路123号"),
            identifier(IdKind::Address, "浙江省杭州市西湖区文三路１２３号", "86")
        );
    }

    #[test]
    fn other_kinds_are_trimmed() {
        assert_eq!(identifier(IdKind::CustomerId, " C-1 ", "86"), "C-1");
        assert_eq!(identifier(IdKind::Ip, "203.0.113.7\n", "86"), "203.0.113.7");
        assert_eq!(identifier(IdKind::DeviceId, "", "86"), "");
    }

    #[test]
    fn canonical_v4_takes_the_shortcut_and_other_spellings_do_not() {
        for ip in ["203.0.113.7", "0.0.0.0", "255.255.255.255", "10.0.100.1"] {
            assert!(is_canonical_v4(ip), "{ip}");
        }
        for ip in [
            "203.0.113.07",
            "256.0.0.1",
            "1.2.3",
            "1.2.3.4.",
            ".1.2.3",
            "1..2.3",
            " 1.2.3.4",
            "1.2.3.4:80",
            "",
        ] {
            assert!(!is_canonical_v4(ip), "{ip}");
        }
        assert_eq!(identifier(IdKind::Ip, "010.000.001.002", "86"), "10.0.1.2");
    }

    #[test]
    fn plus_tags_everywhere_drops_them_at_any_domain_idempotently() {
        let everywhere = Rules {
            default_country_code: "86",
            plus_tags: PlusTags::Everywhere,
        };
        for (raw, want) in [
            ("A.B+x+y@Example.com.", "a.b@example.com"),
            ("a.b@gmail.com", "ab@gmail.com"),
            ("+x@example.com", "@example.com"),
        ] {
            let once = identifier_with(IdKind::Email, raw, &everywhere);
            assert_eq!(once, want, "{raw}");
            assert_eq!(identifier_with(IdKind::Email, &once, &everywhere), once);
        }
    }

    #[test]
    fn into_reuses_and_clears_the_buffer() {
        let mut buf = String::from("leftover");
        identifier_into(
            IdKind::Email,
            "A@B.CN",
            &Rules::with_country_code("86"),
            &mut buf,
        );
        assert_eq!(buf, "a@b.cn");
    }

    /// The address normalization as it was written before the byte walk: character by
    /// character, the reference the faster one must equal.
    fn address_by_chars(raw: &str) -> String {
        let mut out = String::new();
        for c in raw.chars() {
            if is_unchanged_address_char(c) {
                out.push(c);
            } else {
                push_address_char(c, &mut out);
            }
        }
        out
    }

    #[test]
    fn address_byte_walk_equals_char_walk_on_every_character() {
        for c in (0..=0x10FFFF).filter_map(char::from_u32) {
            let text = format!("{c}a{c}");
            let mut out = String::new();
            push_address(&text, &mut out);
            assert_eq!(out, address_by_chars(&text), "U+{:04X}", u32::from(c));
        }
    }

    fn any_kind() -> impl Strategy<Value = IdKind> {
        prop::sample::select(IdKind::ALL.to_vec())
    }

    /// What the standard library writes for `groups` (the reference for RFC 5952).
    fn std_canonical(groups: [u16; 8]) -> String {
        let v6 = std::net::Ipv6Addr::from(groups);
        v6.to_ipv4_mapped()
            .map_or_else(|| v6.to_string(), |v4| v4.to_string())
    }

    proptest! {
        #[test]
        fn normalization_is_idempotent(
            kind in any_kind(),
            raw in "[ 0-9a-zA-Z+()\\-.,@　０-９Ａ-Ｚａ-ｚ！-／浙江省杭州İß\u{3000}\t]{0,24}",
            code in prop::sample::select(vec!["86", "1", "852", ""]),
        ) {
            let once = identifier(kind, &raw, code);
            let twice = identifier(kind, &once, code);
            prop_assert_eq!(once, twice);
        }

        /// Our IP reader and writer agree with `std::net` on every address, written
        /// compressed, in full with capitals, or (IPv4) dotted.
        #[test]
        fn ip_spellings_agree_with_std(
            groups in prop::array::uniform8(prop::sample::select(vec![0u16, 0, 0, 1, 0xffff, 0xdb8, 0x2001, 0xabcd])),
        ) {
            let canonical = std_canonical(groups);
            let v6 = std::net::Ipv6Addr::from(groups);
            let full = groups.iter().map(|g| format!("{g:04X}")).collect::<Vec<_>>().join(":");
            for spelling in [v6.to_string(), full, format!("[{v6}]:443"), canonical.clone()] {
                prop_assert_eq!(identifier(IdKind::Ip, &spelling, "86"), canonical.clone(), "{}", spelling);
            }
        }

        /// The byte walk over an address keeps and drops what a walk over its
        /// characters does, in every script.
        #[test]
        fn address_byte_walk_equals_char_walk(
            raw in "[ 0-9a-zA-Z,.\\-#　０-９Ａ-Ｚ浙江省杭州市西湖区文三路号丁一㐀䷀䷿鿿ꀀ가힣豈İß\u{200B}\u{FEFF}]{0,24}",
            any in any::<String>(),
        ) {
            for text in [&raw, &any] {
                let mut out = String::new();
                push_address(text, &mut out);
                prop_assert_eq!(&out, &address_by_chars(text));
            }
        }

        /// Eight bytes at a time, as byte by byte.
        #[test]
        fn printable_ascii_by_words_as_by_bytes(bytes in prop::collection::vec(prop::sample::select(vec![0u8, 0x1F, 0x20, 0x21, 0x41, 0x5F, 0x60, 0x7E, 0x7F]), 0..40), text in any::<String>()) {
            let ascii: String = bytes.iter().map(|&b| char::from(b)).collect();
            for s in [&ascii, &text] {
                prop_assert_eq!(is_printable_ascii(s), s.bytes().all(|b| (0x20..0x7F).contains(&b)), "{:?}", s);
                prop_assert_eq!(all_ascii_from(s, 0x21), s.bytes().all(|b| b.is_ascii_graphic()), "{:?}", s);
            }
        }

        /// The canonical-IPv4 shortcut writes what parsing and writing back writes.
        #[test]
        fn canonical_v4_is_its_own_spelling(raw in "[0-9.]{0,16}|[0-9]{1,3}\\.[0-9]{1,3}\\.[0-9]{1,3}\\.[0-9]{1,3}") {
            if is_canonical_v4(&raw) {
                let mut out = String::new();
                write_ip(&parse_ip(&raw).unwrap_or_default(), &mut out);
                prop_assert_eq!(out, raw.clone());
                prop_assert!(parse_ip(&raw).is_some());
            }
        }

        #[test]
        fn normalization_is_idempotent_on_any_text(kind in any_kind(), raw in any::<String>()) {
            let once = identifier(kind, &raw, "86");
            prop_assert_eq!(identifier(kind, &once, "86"), once);
        }
    }
}
