//! STUB: the verdict (PRODUCT §3).
/// A verdict.
#[derive(Debug, Clone, Default)]
pub struct Verdict {}
