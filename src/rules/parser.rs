//! Step two: tokens to a syntax tree, by recursive descent over CEL's grammar
//! (`?:` < `||` < `&&` < relations and `in` < `+ -` < `* / %` < unary < member access).
//! Nesting is bounded here — both the parser's own recursion and the height of the
//! tree — so no later stage can overflow the stack on a hostile expression.

use super::ast::{BinOp, Expr, ExprKind, UnOp};
use super::lexer::{lex, Tok, Token};
use crate::diagnostic::{Code, Diagnostic, Span};

pub use super::limits::{MAX_DEPTH, MAX_EXPR_LEN, MAX_NESTING};

/// Parses a whole expression.
pub fn parse(src: &str) -> Result<Expr, Vec<Diagnostic>> {
    if src.len() > MAX_EXPR_LEN {
        return Err(vec![Diagnostic::error(
            Code::TooLong,
            format!(
                "expression is {} bytes long, more than the limit of {MAX_EXPR_LEN}",
                src.len()
            ),
        )
        .with_help("split the condition into several rules")
        .with_span(Span::new(0, src.len()))]);
    }
    if src.trim().is_empty() {
        return Err(vec![Diagnostic::error(
            Code::Syntax,
            "the expression is empty",
        )
        .with_help("write a condition, e.g. `customer.level == \"block\"`")
        .with_span(Span::new(0, src.len()))]);
    }
    let tokens = lex(src)?;
    let mut p = Parser {
        tokens,
        pos: 0,
        nesting: 0,
    };
    // The top level is not a nesting level: only what `expr` is entered for inside it
    // (brackets, arguments, a `?:`'s last branch) counts against MAX_NESTING.
    let expr = p.conditional().map_err(|d| vec![*d])?;
    let next = p.peek();
    if next.tok != Tok::Eof {
        let span = next.span;
        return Err(vec![Diagnostic::error(
            Code::Syntax,
            format!(
                "unexpected {} after the end of the expression",
                describe(&next.tok)
            ),
        )
        .with_help(match &next.tok {
            Tok::Ident(w) if w == "and" || w == "AND" => "logical and is `&&`",
            Tok::Ident(w) if w == "or" || w == "OR" => "logical or is `||`",
            _ => "join conditions with `&&` or `||`",
        })
        .with_span(span)]);
    }
    Ok(expr)
}

struct Parser {
    tokens: Vec<Token>,
    pos: usize,
    nesting: u32,
}

type PResult = Result<Expr, Box<Diagnostic>>;

fn describe(tok: &Tok) -> String {
    match tok {
        Tok::Int(v) => format!("number `{v}`"),
        Tok::Double(v) => format!("number `{v}`"),
        Tok::Str(s) => format!("string `{s:?}`"),
        Tok::Ident(s) => format!("`{s}`"),
        Tok::True => "`true`".into(),
        Tok::False => "`false`".into(),
        Tok::Null => "`null`".into(),
        Tok::In => "`in`".into(),
        Tok::Punct(p) => format!("`{p}`"),
        Tok::Eof => "end of expression".into(),
    }
}

fn precedence(op: BinOp) -> u8 {
    match op {
        BinOp::Or => 1,
        BinOp::And => 2,
        BinOp::Eq | BinOp::Ne | BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge | BinOp::In => 3,
        BinOp::Add | BinOp::Sub => 4,
        BinOp::Mul | BinOp::Div | BinOp::Rem => 5,
    }
}

fn join(a: Span, b: Span) -> Span {
    match (a.range(), b.range()) {
        (Some(a), Some(b)) => Span::new(a.start.min(b.start), a.end.max(b.end)),
        (None, _) => b,
        (_, None) => a,
    }
}

fn too_nested(span: Span) -> Diagnostic {
    Diagnostic::error(
        Code::TooDeep,
        format!("expression is nested more than {MAX_NESTING} levels deep"),
    )
    .with_help("remove redundant parentheses, or split the condition into several rules")
    .with_span(span)
}

fn too_deep(span: Span) -> Diagnostic {
    Diagnostic::error(
        Code::TooDeep,
        format!("expression has more than {MAX_DEPTH} levels of operators"),
    )
    .with_help("split the condition into several rules")
    .with_span(span)
}

impl Parser {
    fn peek(&self) -> Token {
        self.tokens.get(self.pos).cloned().unwrap_or(Token {
            tok: Tok::Eof,
            span: self.tokens.last().map_or(Span::new(0, 0), |t| t.span),
        })
    }

    fn peek_tok(&self) -> Option<&Tok> {
        self.tokens.get(self.pos).map(|t| &t.tok)
    }

    fn at_punct(&self, p: &str) -> bool {
        matches!(self.peek_tok(), Some(Tok::Punct(q)) if *q == p)
    }

    fn bump(&mut self) -> Token {
        let t = self.peek();
        if self.pos < self.tokens.len() {
            self.pos += 1;
        }
        t
    }

    fn expect(&mut self, p: &'static str, context: &str) -> Result<Span, Box<Diagnostic>> {
        let t = self.peek();
        if t.tok == Tok::Punct(p) {
            self.pos += 1;
            Ok(t.span)
        } else {
            Err(Diagnostic::error(
                Code::Syntax,
                format!("expected `{p}` {context}, found {}", describe(&t.tok)),
            )
            .with_span(t.span)
            .into())
        }
    }

    fn node(&self, kind: ExprKind, span: Span) -> PResult {
        let e = Expr::new(kind, span);
        if e.depth > MAX_DEPTH {
            return Err(Box::new(too_deep(span)));
        }
        Ok(e)
    }

    fn expr(&mut self) -> PResult {
        self.nesting += 1;
        if self.nesting > MAX_NESTING {
            return Err(Box::new(too_nested(self.peek().span)));
        }
        let r = self.conditional();
        self.nesting -= 1;
        r
    }

    fn conditional(&mut self) -> PResult {
        let cond = self.or()?;
        if !self.at_punct("?") {
            return Ok(cond);
        }
        self.bump();
        let then = self.or()?;
        self.expect(":", "in `cond ? a : b`")?;
        let other = self.expr()?;
        let span = join(cond.span, other.span);
        self.node(
            ExprKind::Cond(Box::new(cond), Box::new(then), Box::new(other)),
            span,
        )
    }

    /// Precedence climbing over the binary operators: one stack frame per nesting level
    /// rather than one per precedence level, so deep parentheses stay cheap.
    fn binary(&mut self, min_prec: u8) -> PResult {
        let mut left = self.unary()?;
        loop {
            let op = match self.peek_tok() {
                Some(Tok::Punct(p)) => match *p {
                    "||" => BinOp::Or,
                    "&&" => BinOp::And,
                    "==" => BinOp::Eq,
                    "!=" => BinOp::Ne,
                    "<" => BinOp::Lt,
                    "<=" => BinOp::Le,
                    ">" => BinOp::Gt,
                    ">=" => BinOp::Ge,
                    "+" => BinOp::Add,
                    "-" => BinOp::Sub,
                    "*" => BinOp::Mul,
                    "/" => BinOp::Div,
                    "%" => BinOp::Rem,
                    _ => return Ok(left),
                },
                Some(Tok::In) => BinOp::In,
                _ => return Ok(left),
            };
            let prec = precedence(op);
            if prec < min_prec {
                return Ok(left);
            }
            self.bump();
            // Every binary operator is left-associative: the right operand only takes
            // operators that bind tighter.
            let right = self.binary(prec + 1)?;
            let span = join(left.span, right.span);
            left = self.node(ExprKind::Binary(op, Box::new(left), Box::new(right)), span)?;
        }
    }

    fn or(&mut self) -> PResult {
        self.binary(1)
    }

    fn unary(&mut self) -> PResult {
        let t = self.peek();
        let op = match t.tok {
            Tok::Punct("!") => UnOp::Not,
            Tok::Punct("-") => {
                // CEL folds a minus sign into a number literal, which is how the
                // smallest int can be written.
                if let Some(next) = self.tokens.get(self.pos + 1) {
                    let lit = match next.tok {
                        Tok::Int(v) if v <= 1 << 63 => {
                            Some(ExprKind::Int((v as i128).wrapping_neg() as i64))
                        }
                        Tok::Double(d) => Some(ExprKind::Double(-d)),
                        _ => None,
                    };
                    if let Some(kind) = lit {
                        let span = join(t.span, next.span);
                        self.pos += 2;
                        let e = self.node(kind, span)?;
                        return self.member_suffix(e);
                    }
                }
                UnOp::Neg
            }
            _ => return self.member(),
        };
        self.bump();
        self.nesting += 1;
        if self.nesting > MAX_NESTING {
            return Err(Box::new(too_nested(t.span)));
        }
        let inner = self.unary();
        self.nesting -= 1;
        let inner = inner?;
        let span = join(t.span, inner.span);
        self.node(ExprKind::Unary(op, Box::new(inner)), span)
    }

    fn member(&mut self) -> PResult {
        let e = self.primary()?;
        self.member_suffix(e)
    }

    fn member_suffix(&mut self, mut e: Expr) -> PResult {
        loop {
            if self.at_punct(".") {
                self.bump();
                let t = self.bump();
                let Tok::Ident(name) = t.tok else {
                    return Err(Diagnostic::error(
                        Code::Syntax,
                        format!(
                            "expected a field or method name after `.`, found {}",
                            describe(&t.tok)
                        ),
                    )
                    .with_span(t.span)
                    .into());
                };
                if self.at_punct("(") {
                    let (args, close) = self.args()?;
                    let span = join(e.span, close);
                    e = self.node(
                        ExprKind::Call {
                            target: Some(Box::new(e)),
                            name,
                            name_span: t.span,
                            args,
                        },
                        span,
                    )?;
                } else {
                    let span = join(e.span, t.span);
                    e = self.node(
                        ExprKind::Member {
                            target: Box::new(e),
                            field: name,
                            field_span: t.span,
                        },
                        span,
                    )?;
                }
            } else if self.at_punct("[") {
                self.bump();
                let index = self.expr()?;
                let close = self.expect("]", "to close the index")?;
                let span = join(e.span, close);
                e = self.node(ExprKind::Index(Box::new(e), Box::new(index)), span)?;
            } else {
                return Ok(e);
            }
        }
    }

    /// Parses `( a, b, … )` starting at `(`; returns the arguments and the `)` span.
    fn args(&mut self) -> Result<(Vec<Expr>, Span), Box<Diagnostic>> {
        self.bump();
        let mut args = Vec::new();
        if self.at_punct(")") {
            return Ok((args, self.bump().span));
        }
        loop {
            args.push(self.expr()?);
            if self.at_punct(",") {
                self.bump();
                continue;
            }
            let close = self.expect(")", "to close the argument list")?;
            return Ok((args, close));
        }
    }

    fn primary(&mut self) -> PResult {
        let t = self.bump();
        let kind = match t.tok {
            Tok::Int(v) => match i64::try_from(v) {
                Ok(v) => ExprKind::Int(v),
                Err(_) => {
                    return Err(Diagnostic::error(
                        Code::InvalidLiteral,
                        format!("integer literal `{v}` is out of range"),
                    )
                    .with_help("integers are 64-bit: -9223372036854775808..9223372036854775807")
                    .with_span(t.span)
                    .into())
                }
            },
            Tok::Double(v) => ExprKind::Double(v),
            Tok::Str(s) => ExprKind::Str(s),
            Tok::True => ExprKind::Bool(true),
            Tok::False => ExprKind::Bool(false),
            Tok::Null => ExprKind::Null,
            Tok::Ident(name) => {
                if self.at_punct("(") {
                    let (args, close) = self.args()?;
                    return self.node(
                        ExprKind::Call {
                            target: None,
                            name,
                            name_span: t.span,
                            args,
                        },
                        join(t.span, close),
                    );
                }
                ExprKind::Ident(name)
            }
            Tok::Punct("(") => {
                let inner = self.expr()?;
                self.expect(")", "to close `(`")?;
                return Ok(inner);
            }
            Tok::Punct("[") => {
                let mut items = Vec::new();
                loop {
                    if self.at_punct("]") {
                        break;
                    }
                    items.push(self.expr()?);
                    if self.at_punct(",") {
                        self.bump();
                    } else {
                        break;
                    }
                }
                let close = self.expect("]", "to close the list")?;
                return self.node(ExprKind::List(items), join(t.span, close));
            }
            Tok::Punct("{") => {
                let mut entries = Vec::new();
                loop {
                    if self.at_punct("}") {
                        break;
                    }
                    let key = self.expr()?;
                    self.expect(":", "between a map key and its value")?;
                    entries.push((key, self.expr()?));
                    if self.at_punct(",") {
                        self.bump();
                    } else {
                        break;
                    }
                }
                let close = self.expect("}", "to close the map")?;
                return self.node(ExprKind::Map(entries), join(t.span, close));
            }
            Tok::Punct(".") => {
                return Err(Diagnostic::error(
                    Code::Unsupported,
                    "qualified names are not supported",
                )
                .with_help("facts are named directly, e.g. `customer.level`")
                .with_span(t.span)
                .into())
            }
            other => {
                return Err(Diagnostic::error(
                    Code::Syntax,
                    format!("expected a value, found {}", describe(&other)),
                )
                .with_span(t.span)
                .into())
            }
        };
        self.node(kind, t.span)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shape(e: &Expr) -> String {
        match &e.kind {
            ExprKind::Int(v) => v.to_string(),
            ExprKind::Double(v) => format!("{v:?}"),
            ExprKind::Str(s) => format!("{s:?}"),
            ExprKind::Bool(b) => b.to_string(),
            ExprKind::Null => "null".into(),
            ExprKind::List(items) => {
                format!(
                    "[{}]",
                    items.iter().map(shape).collect::<Vec<_>>().join(", ")
                )
            }
            ExprKind::Map(entries) => {
                let e: Vec<String> = entries
                    .iter()
                    .map(|(k, v)| format!("{}: {}", shape(k), shape(v)))
                    .collect();
                format!("{{{}}}", e.join(", "))
            }
            ExprKind::Ident(n) => n.clone(),
            ExprKind::Member { target, field, .. } => format!("{}.{field}", shape(target)),
            ExprKind::Call {
                target, name, args, ..
            } => {
                let a = args.iter().map(shape).collect::<Vec<_>>().join(", ");
                match target {
                    Some(t) => format!("{}.{name}({a})", shape(t)),
                    None => format!("{name}({a})"),
                }
            }
            ExprKind::Unary(UnOp::Not, e) => format!("!{}", shape(e)),
            ExprKind::Unary(UnOp::Neg, e) => format!("-{}", shape(e)),
            ExprKind::Binary(op, a, b) => format!("({} {} {})", shape(a), op.text(), shape(b)),
            ExprKind::Cond(a, b, c) => format!("({} ? {} : {})", shape(a), shape(b), shape(c)),
            ExprKind::Index(a, b) => format!("{}[{}]", shape(a), shape(b)),
        }
    }

    fn p(src: &str) -> String {
        shape(&parse(src).unwrap())
    }

    #[test]
    fn precedence() {
        assert_eq!(p("a || b && c"), "(a || (b && c))");
        assert_eq!(p("1 + 2 * 3 == 7"), "((1 + (2 * 3)) == 7)");
        assert_eq!(p("a ? b : c ? d : e"), "(a ? b : (c ? d : e))");
        assert_eq!(p("!a.b && -x < 3"), "(!a.b && (-x < 3))");
        assert_eq!(p("\"x\" in order.issues"), "(\"x\" in order.issues)");
        assert_eq!(p("1 - 2 - 3"), "((1 - 2) - 3)");
        assert_eq!(
            p("items.exists(i, i.restricted)"),
            "items.exists(i, i.restricted)"
        );
        assert_eq!(p("size(x) + [1, 2,][0]"), "(size(x) + [1, 2][0])");
        assert_eq!(p("-9223372036854775808"), "-9223372036854775808");
        assert_eq!(p("- 1.5"), "-1.5");
        assert_eq!(p("--x"), "--x");
        assert_eq!(
            p("{'a': 1, 'b': x ? 2 : 3,}[k] > 1"),
            "({\"a\": 1, \"b\": (x ? 2 : 3)}[k] > 1)"
        );
        assert_eq!(p("k in {}"), "(k in {})");
    }

    #[test]
    fn spans_cover_the_source() {
        let e = parse("customer.lvl == 'x'").unwrap();
        let ExprKind::Binary(_, left, _) = &e.kind else {
            panic!()
        };
        let ExprKind::Member { field_span, .. } = &left.kind else {
            panic!()
        };
        assert_eq!(*field_span, Span::new(9, 12));
        assert_eq!(e.span, Span::new(0, 19));
    }

    #[test]
    fn errors() {
        let code = |s: &str| parse(s).unwrap_err()[0].code;
        let msg = |s: &str| parse(s).unwrap_err()[0].message.clone();
        assert_eq!(msg("a &&"), "expected a value, found end of expression");
        assert_eq!(
            msg("(a"),
            "expected `)` to close `(`, found end of expression"
        );
        assert_eq!(msg("a b"), "unexpected `b` after the end of the expression");
        let d = &parse("a and b").unwrap_err()[0];
        assert_eq!(d.help.as_deref(), Some("logical and is `&&`"));
        assert_eq!(code("{1 2}"), "syntax");
        assert_eq!(code("{1: 2"), "syntax");
        assert_eq!(code(""), "syntax");
        assert_eq!(code("9223372036854775808"), "invalid-literal");
        assert_eq!(code(&"(".repeat(200)), "too-deep");
        assert_eq!(code(&"!".repeat(200)), "too-deep");
        assert_eq!(code(&vec!["a"; 150].join(" && ")), "too-deep");
        assert_eq!(code(&"a".repeat(MAX_EXPR_LEN + 1)), "too-long");
        assert!(parse(&vec!["a"; 90].join(" && ")).is_ok());
    }
}
