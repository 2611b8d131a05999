//! The untyped syntax tree the parser builds: every node keeps its byte span so the
//! type checker can point at the exact sub-expression that is wrong.

use crate::diagnostic::Span;

/// An expression and where it is in the source.
#[derive(Debug, Clone, PartialEq)]
pub struct Expr {
    /// What kind of expression.
    pub kind: ExprKind,
    /// Byte offsets into the `when` text.
    pub span: Span,
    /// Height of this subtree (a leaf is 1), tracked so deep trees are refused while
    /// parsing instead of overflowing the stack later.
    pub depth: u32,
}

/// Unary operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnOp {
    /// `!`
    Not,
    /// `-`
    Neg,
}

/// Binary operators (the short-circuit ones included).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinOp {
    /// `&&`
    And,
    /// `||`
    Or,
    /// `==`
    Eq,
    /// `!=`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `in`
    In,
    /// `+`
    Add,
    /// `-`
    Sub,
    /// `*`
    Mul,
    /// `/`
    Div,
    /// `%`
    Rem,
}

impl BinOp {
    /// The operator as written.
    pub fn text(self) -> &'static str {
        match self {
            BinOp::And => "&&",
            BinOp::Or => "||",
            BinOp::Eq => "==",
            BinOp::Ne => "!=",
            BinOp::Lt => "<",
            BinOp::Le => "<=",
            BinOp::Gt => ">",
            BinOp::Ge => ">=",
            BinOp::In => "in",
            BinOp::Add => "+",
            BinOp::Sub => "-",
            BinOp::Mul => "*",
            BinOp::Div => "/",
            BinOp::Rem => "%",
        }
    }

    /// Whether this is one of `< <= > >=`.
    pub fn is_ordering(self) -> bool {
        matches!(self, BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge)
    }
}

/// The shapes of expression.
#[derive(Debug, Clone, PartialEq)]
pub enum ExprKind {
    /// `42`
    Int(i64),
    /// `4.2`
    Double(f64),
    /// `"text"`
    Str(String),
    /// `true` / `false`
    Bool(bool),
    /// `null`
    Null,
    /// `[a, b]`
    List(Vec<Expr>),
    /// `{k: v, …}`: the entries in written order.
    Map(Vec<(Expr, Expr)>),
    /// A name: a fact (`customer`) or a comprehension variable.
    Ident(String),
    /// `target.field`
    Member {
        /// The object.
        target: Box<Expr>,
        /// The field name.
        field: String,
        /// Where the field name is.
        field_span: Span,
    },
    /// `name(args)` or `target.name(args)`.
    Call {
        /// The receiver of a method call.
        target: Option<Box<Expr>>,
        /// The function name.
        name: String,
        /// Where the function name is.
        name_span: Span,
        /// The arguments.
        args: Vec<Expr>,
    },
    /// `!x`, `-x`
    Unary(UnOp, Box<Expr>),
    /// `a op b`
    Binary(BinOp, Box<Expr>, Box<Expr>),
    /// `c ? a : b`
    Cond(Box<Expr>, Box<Expr>, Box<Expr>),
    /// `list[index]`
    Index(Box<Expr>, Box<Expr>),
}

impl Expr {
    /// A node over `span`; its depth is one more than its deepest child.
    pub fn new(kind: ExprKind, span: Span) -> Expr {
        let child = match &kind {
            ExprKind::Int(_)
            | ExprKind::Double(_)
            | ExprKind::Str(_)
            | ExprKind::Bool(_)
            | ExprKind::Null
            | ExprKind::Ident(_) => 0,
            ExprKind::List(items) => items.iter().map(|e| e.depth).max().unwrap_or(0),
            ExprKind::Map(entries) => entries
                .iter()
                .map(|(k, v)| k.depth.max(v.depth))
                .max()
                .unwrap_or(0),
            ExprKind::Member { target, .. } => target.depth,
            ExprKind::Call { target, args, .. } => args
                .iter()
                .map(|e| e.depth)
                .chain(target.iter().map(|t| t.depth))
                .max()
                .unwrap_or(0),
            ExprKind::Unary(_, e) => e.depth,
            ExprKind::Binary(_, a, b) | ExprKind::Index(a, b) => a.depth.max(b.depth),
            ExprKind::Cond(a, b, c) => a.depth.max(b.depth).max(c.depth),
        };
        Expr {
            kind,
            span,
            depth: child.saturating_add(1),
        }
    }
}
