//! The bounds every rule program stays within, shared by the checker (which refuses
//! source text beyond them) and the program decoder (which refuses a stored program
//! beyond them), so a program loaded from a snapshot is never larger, deeper or
//! costlier than one the checker could have written.

/// Longest `when` expression accepted, in bytes.
pub const MAX_EXPR_LEN: usize = 16 * 1024;
/// Tallest syntax tree accepted (`a && b && …` with 100 terms is 100 high): bounds
/// the recursion of the checker and the evaluator.
pub const MAX_DEPTH: u32 = 100;
/// Deepest bracketing accepted (parentheses, lists, call arguments, unary operators):
/// bounds the parser's own recursion, which costs several frames per level. The whole
/// expression is level 0, so `((…(7)…))` with 32 pairs is accepted and 33 refused, as
/// CEL's conformance suite (`parse.textproto`, "nest") asks.
pub const MAX_NESTING: u32 = 32;

/// The largest compiled program a `matches` pattern may have: matching costs subject
/// length × program size, so this bounds the cost per byte (docs/rules.md, `matches`).
pub const MAX_REGEX_BYTES: usize = 64 * 1024;

/// Compiles a `matches` pattern within [`MAX_REGEX_BYTES`], and says how large its
/// program is: the smallest power-of-two size limit (from 256 bytes) it builds under,
/// which prices each match (`eval::regex_cost_per_byte`).
pub(crate) fn compile_regex(pat: &str) -> Result<(regex_lite::Regex, usize), regex_lite::Error> {
    let build = |limit: usize| {
        regex_lite::RegexBuilder::new(pat)
            .size_limit(limit)
            .nest_limit(64)
            .build()
    };
    let mut limit = 256;
    loop {
        match build(limit) {
            Ok(re) => return Ok((re, limit)),
            Err(e) if limit >= MAX_REGEX_BYTES => return Err(e),
            Err(_) => limit *= 2,
        }
    }
}
