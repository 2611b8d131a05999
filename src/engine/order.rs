//! STUB: the order as submitted (PRODUCT §2 "The order"), read with JSON paths in errors.
use std::fmt;
/// An order.
#[derive(Debug, Clone, Default)]
pub struct Order {}
/// A bad order.
#[derive(Debug, Clone, PartialEq)]
pub struct OrderError {
    /// JSON path.
    pub path: String,
    /// What is wrong.
    pub message: String,
}
impl fmt::Display for OrderError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}
impl std::error::Error for OrderError {}
