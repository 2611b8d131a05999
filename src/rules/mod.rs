//! The rule language: a documented subset of CEL (see `docs/rules.md`), compiled once
//! per rule and evaluated once per order (or per line), so checking is fast and every
//! mistake a type checker can see is a compile error with a span and a hint.
//!
//! The pipeline, one module per step:
//! `lexer` (text → tokens with spans) → `parser` (tokens → `ast`, nesting and length
//! bounded) → `check` (types against the fact [`schema`], names resolved, constants
//! folded, regexes compiled → `program`) → `eval` (over [`Facts`], within
//! [`STEP_BUDGET`]). Only [`compile`], [`Program`], the schema, the [`facts`] types it
//! reads (which the engine fills) and the limits are public; the stages are free to
//! change.
//!
//! The first three steps need the `compiler` feature. The compiler stores each checked
//! program in the snapshot (`encode`, section `PROG`), and loading rebuilds it with
//! `decode` — one validating pass, the checker's typing rules and `limits` applied to
//! the stored nodes — so the runtime holds no lexer, parser or checker
//! (docs/snapshot-format.md, "`PROG`").
//!
//! A purpose-built evaluator rather than the `cel` crate: that crate added 0.7–2.6 MB
//! of wasm and took 3–7 µs per evaluation without type checking; this one knows the
//! schema, so evaluation is a walk over resolved fields with no name lookups and no
//! allocation for ordinary rules.

#[cfg(feature = "compiler")]
pub(crate) mod ast;
#[cfg(feature = "compiler")]
pub(crate) mod check;
pub(crate) mod decode;
#[cfg(feature = "compiler")]
pub(crate) mod encode;
pub(crate) mod eval;
pub mod facts;
#[cfg(feature = "compiler")]
pub(crate) mod lexer;
pub(crate) mod limits;
#[cfg(feature = "compiler")]
pub(crate) mod parser;
pub(crate) mod program;
pub mod schema;
#[cfg(test)]
mod schema_agreement;
pub mod types;
pub(crate) mod zone;

#[cfg(feature = "compiler")]
pub use check::MAX_DIAGNOSTICS;
pub use eval::{OrderBudget, ORDER_STEP_BUDGET, STEP_BUDGET};
pub use limits::{MAX_DEPTH, MAX_EXPR_LEN, MAX_NESTING, MAX_REGEX_BYTES};

#[cfg(feature = "compiler")]
use crate::diagnostic::Diagnostic;
use crate::model::Scope;
use facts::{Facts, ItemFacts};
use std::fmt;

/// A type-checked, compiled `when` expression.
#[derive(Debug, Clone)]
pub struct Program {
    root: program::Node,
    facts_read: Vec<String>,
    scope: Scope,
}

/// A failure while evaluating (integer overflow, division by zero, bad conversion…).
#[derive(Debug, Clone, PartialEq)]
pub struct EvalError(pub String);

impl fmt::Display for EvalError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for EvalError {}

/// Parses and type-checks `expr` (a rule's `when`) for a rule of `scope` (`item` is
/// bound only in item-scoped rules). On success returns the program and any warnings;
/// on failure every error found. Spans are byte offsets into `expr`, not yet located.
///
/// ```
/// use checkout_guard::model::Scope;
/// let (program, warnings) = checkout_guard::rules::compile(
///     r#"customer.level == "block" && items.exists(i, i.restricted)"#,
///     Scope::Order,
/// ).map_err(|e| e[0].message.clone())?;
/// assert!(warnings.is_empty());
/// assert_eq!(program.facts_read(), ["customer.level", "items"]);
///
/// let errors = checkout_guard::rules::compile("customer.lvl == \"block\"", Scope::Order).unwrap_err();
/// assert_eq!(errors[0].message, "unknown field `lvl` on `customer`");
/// assert_eq!(errors[0].help.as_deref(), Some("did you mean `level`?"));
/// # Ok::<(), String>(())
/// ```
///
/// Only with the `compiler` feature: the runtime loads programs compiled into the
/// snapshot ([`decode_program`]) and never parses rule text.
#[cfg(feature = "compiler")]
pub fn compile(expr: &str, scope: Scope) -> Result<(Program, Vec<Diagnostic>), Vec<Diagnostic>> {
    let ast = parser::parse(expr)?;
    let checked = check::check(&ast, expr, scope)?;
    Ok((
        Program {
            root: checked.root,
            facts_read: checked.facts_read,
            scope,
        },
        checked.warnings,
    ))
}

/// Decodes and validates a program stored in a snapshot's `PROG` section for a rule
/// of `scope` (`names`: the section's name table). The error says what is wrong.
pub fn decode_program(bytes: &[u8], names: &[&str], scope: Scope) -> Result<Program, String> {
    decode::decode(bytes, names, scope)
}

impl Program {
    /// Evaluates the condition on its own budget. `item` is the line being evaluated in
    /// item-scoped rules.
    pub fn eval(&self, facts: &Facts<'_>, item: Option<&ItemFacts<'_>>) -> Result<bool, EvalError> {
        self.eval_within(facts, item, &OrderBudget::new())
    }

    /// Evaluates the condition, drawing on `budget`, the budget of the whole check
    /// (every rule and line of one order share it: [`ORDER_STEP_BUDGET`]).
    pub fn eval_within(
        &self,
        facts: &Facts<'_>,
        item: Option<&ItemFacts<'_>>,
        budget: &OrderBudget,
    ) -> Result<bool, EvalError> {
        let ctx = eval::Ctx::new(facts, item, budget);
        eval::eval_bool(&self.root, &ctx)
    }

    /// The fact paths the expression reads (`customer.level`, `item.restricted`…), in
    /// first-use order without repeats: the demo page uses them to explain a verdict.
    pub fn facts_read(&self) -> Vec<String> {
        self.facts_read.clone()
    }

    /// The program's nodes as a snapshot stores them (docs/snapshot-format.md,
    /// "`PROG`"), the names it refers to added to `names` (shared by the programs of one
    /// snapshot): what [`decode_program`] reads back.
    #[cfg(feature = "compiler")]
    pub fn encode(&self, names: &mut Vec<String>) -> Vec<u8> {
        let mut encoder = encode::Encoder {
            names: std::mem::take(names),
            needs_version: 0,
        };
        let bytes = encoder.program(self);
        *names = encoder.names;
        bytes
    }

    /// The scope the program was compiled for.
    pub fn scope(&self) -> Scope {
        self.scope
    }
}

#[cfg(test)]
mod tests;
