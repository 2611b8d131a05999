//! Normalization of identifiers before matching and hashing (docs/semantics.md §3.2): the same
//! function runs on blocklist values at compile time and on order fields at check
//! time, so `+86 138-0013-8000` and `13800138000` meet.
//!
//! Every function here is idempotent (normalizing a normalized value changes nothing;
//! a proptest guards it) and allocates at most the one `String` it returns, because the
//! engine calls it about eight times per order. [`identifier_into`] reuses a buffer.

use crate::model::IdKind;

/// Normalizes `raw` as an identifier of `kind`; an empty result means "absent".
///
/// - `email`: trimmed, lowercased;
/// - `phone`: digits only (full-width digits count as digits), leading `00` dropped, an
///   11-digit number starting with `1` gets `default_country_code` prepended;
/// - `address`: full-width ASCII (U+FF01–U+FF5E) folded to half-width and U+3000 to a
///   space, lowercased, whitespace and ASCII punctuation removed;
/// - every other kind: trimmed.
///
/// ```
/// use checkout_guard::model::IdKind;
/// use checkout_guard::normalize::identifier;
/// assert_eq!(identifier(IdKind::Phone, "+86 138-0013-8000", "86"), "8613800138000");
/// assert_eq!(identifier(IdKind::Phone, "0086 13800138000", "86"), "8613800138000");
/// assert_eq!(identifier(IdKind::Email, "  A@B.cn ", "86"), "a@b.cn");
/// ```
pub fn identifier(kind: IdKind, raw: &str, default_country_code: &str) -> String {
    let mut out = String::new();
    identifier_into(kind, raw, default_country_code, &mut out);
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
pub fn identifier_into(kind: IdKind, raw: &str, default_country_code: &str, out: &mut String) {
    out.clear();
    match kind {
        IdKind::Email => {
            let trimmed = trim(raw);
            if trimmed.is_ascii() {
                // Almost every address: copy, then lowercase in place (vectorized).
                out.push_str(trimmed);
                out.make_ascii_lowercase();
            } else {
                out.reserve(trimmed.len());
                for c in trimmed.chars() {
                    out.extend(c.to_lowercase());
                }
            }
        }
        IdKind::Phone => phone_into(raw, default_country_code, out),
        IdKind::Address => {
            out.reserve(raw.len());
            push_address(raw, out);
        }
        IdKind::CustomerId | IdKind::DeviceId | IdKind::PaymentFingerprint | IdKind::Ip => {
            out.push_str(trim(raw));
        }
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
    let mut out = String::with_capacity(province.len() + city.len() + district.len() + line1.len());
    for part in [province, city, district, line1] {
        push_address(part, &mut out);
    }
    out
}

fn phone_into(raw: &str, default_country_code: &str, out: &mut String) {
    out.reserve(raw.len().min(32) + default_country_code.len());
    if raw.is_ascii() {
        // Bytes are chars here; skips UTF-8 decoding for the usual `+86 138-…`.
        out.extend(raw.bytes().filter(u8::is_ascii_digit).map(char::from));
    } else {
        for c in raw.chars() {
            if let Some(d) = ascii_digit(c) {
                out.push(d);
            }
        }
    }
    // Drop every leading `00` pair (international call prefix); dropping only one would
    // make `0000…` normalize differently twice in a row.
    let zeros = out.bytes().take_while(|&b| b == b'0').count() / 2 * 2;
    if zeros > 0 {
        out.replace_range(..zeros, "");
    }
    if out.len() == 11 && out.starts_with('1') {
        if default_country_code.bytes().all(|b| b.is_ascii_digit()) {
            out.insert_str(0, default_country_code);
        } else {
            // Only digits, or the result would not be idempotent.
            let code: String = default_country_code
                .chars()
                .filter(char::is_ascii_digit)
                .collect();
            out.insert_str(0, &code);
        }
    }
}

fn ascii_digit(c: char) -> Option<char> {
    if c.is_ascii_digit() {
        Some(c)
    } else if ('\u{FF10}'..='\u{FF19}').contains(&c) {
        char::from_u32(c as u32 - 0xFEE0)
    } else {
        None
    }
}

/// Folds full-width ASCII and the ideographic space to half-width.
fn half_width(c: char) -> char {
    match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        '\u{3000}' => ' ',
        _ => c,
    }
}

fn push_address(raw: &str, out: &mut String) {
    // Copy runs of characters that normalize to themselves (CJK text, lowercase ASCII
    // letters and digits) as whole slices; transform or drop the rest one by one.
    let mut run = 0;
    for (i, c) in raw.char_indices() {
        let unchanged = match u32::from(c) {
            0x30..=0x39 | 0x61..=0x7A => true,
            // CJK text: caseless, never whitespace or ASCII.
            0x3001..=0x9FFF | 0xAC00..=0xD7AF | 0xF900..=0xFAFF => true,
            _ => false,
        };
        if unchanged {
            continue;
        }
        out.push_str(raw.get(run..i).unwrap_or(""));
        run = i + c.len_utf8();
        let c = half_width(c);
        if c.is_ascii() {
            if !(c.is_ascii_whitespace() || c.is_ascii_punctuation() || c.is_ascii_control()) {
                out.push(c.to_ascii_lowercase());
            }
        } else if !c.is_whitespace() {
            out.extend(c.to_lowercase());
        }
    }
    out.push_str(raw.get(run..).unwrap_or(""));
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
    fn into_reuses_and_clears_the_buffer() {
        let mut buf = String::from("leftover");
        identifier_into(IdKind::Email, "A@B.CN", "86", &mut buf);
        assert_eq!(buf, "a@b.cn");
    }

    fn any_kind() -> impl Strategy<Value = IdKind> {
        prop::sample::select(IdKind::ALL.to_vec())
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

        #[test]
        fn normalization_is_idempotent_on_any_text(kind in any_kind(), raw in any::<String>()) {
            let once = identifier(kind, &raw, "86");
            prop_assert_eq!(identifier(kind, &once, "86"), once);
        }
    }
}
