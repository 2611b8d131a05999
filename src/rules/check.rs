//! Step three: type-checking the syntax tree against the fact schema and resolving it
//! into a [`Node`] program. Every error found is collected (a sub-expression that
//! failed gets type `error` so it is not reported twice); warnings flag rules that
//! type-check but almost certainly do not mean what their author thinks.

use super::ast::{BinOp, Expr, ExprKind, UnOp};
use super::eval::{const_value, convert};
use super::limits::{compile_regex, MAX_REGEX_BYTES};
use super::program::{Arith, Cmp, Comp, Const, Conv, Node, StrOp, TimePart};
use super::schema::{self, fact_path, Field, ISSUES, LEVELS, ROOTS};
use super::types::{arith_result, conversion_result, Type};
use crate::diagnostic::{Code, Diagnostic, Span};
use crate::model::{Issue, Level, Scope};

/// At most this many errors (and as many warnings) are reported per rule.
pub const MAX_DIAGNOSTICS: usize = 20;

/// The result of checking: the program, the facts it reads and any warnings.
pub struct Checked {
    /// The resolved program.
    pub root: Node,
    /// Fact paths read, first-use order, no repeats.
    pub facts_read: Vec<String>,
    /// Warnings (the program still compiles).
    pub warnings: Vec<Diagnostic>,
}

/// Checks `expr` (parsed from `src`) for a rule of `scope`.
pub fn check(expr: &Expr, src: &str, scope: Scope) -> Result<Checked, Vec<Diagnostic>> {
    let mut c = Checker {
        src,
        scope,
        vars: Vec::new(),
        errors: Vec::new(),
        warnings: Vec::new(),
        facts_read: Vec::new(),
        items_depth: u32::from(scope == Scope::Item),
    };
    let (root, ty) = c.expr(expr);
    if ty != Type::Bool && ty != Type::Error {
        c.errors.push(
            Diagnostic::error(
                Code::NotBoolean,
                format!("the condition is of type `{ty}`, not `bool`"),
            )
            .with_help(match ty {
                Type::Int | Type::Double => "compare it with a number, e.g. `... > 0`",
                Type::String => "compare it with a string, e.g. `... == \"block\"`",
                Type::List(_) => "test it, e.g. `size(...) > 0` or `.exists(x, ...)`",
                _ => "a rule's `when` must be true or false",
            })
            .with_span(expr.span),
        );
    }
    if scope == Scope::Item
        && c.errors.is_empty()
        && !c
            .facts_read
            .iter()
            .any(|p| p == "item" || p.starts_with("item."))
    {
        c.warnings.push(
            Diagnostic::warning(Code::ItemUnused, "this item-scoped rule never reads `item`")
                .with_help("it gives every line the same result: test the line (`item.restricted`) or use `scope = \"order\"`")
                .with_span(expr.span),
        );
    }
    // A rule with more mistakes than this is best fixed from the top.
    c.errors.truncate(MAX_DIAGNOSTICS);
    c.warnings.truncate(MAX_DIAGNOSTICS);
    if c.errors.is_empty() {
        Ok(Checked {
            root,
            facts_read: c.facts_read,
            warnings: c.warnings,
        })
    } else {
        Err(c.errors)
    }
}

struct Checker<'s> {
    src: &'s str,
    scope: Scope,
    vars: Vec<(String, Type)>,
    errors: Vec<Diagnostic>,
    warnings: Vec<Diagnostic>,
    facts_read: Vec<String>,
    /// Comprehensions over `items` enclosing the expression being checked (an
    /// item-scoped rule starts at one: it runs once per line).
    items_depth: u32,
}

type Typed = (Node, Type);

fn failed() -> Typed {
    (Node::Const(Const::Bool(false)), Type::Error)
}

/// Levenshtein distance over characters.
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = Vec::with_capacity(b.len() + 1);
        cur.push(i + 1);
        for (j, cb) in b.iter().enumerate() {
            let sub = prev.get(j).copied().unwrap_or(0) + usize::from(ca != *cb);
            let del = prev.get(j + 1).copied().unwrap_or(0) + 1;
            let ins = cur.last().copied().unwrap_or(0) + 1;
            cur.push(sub.min(del).min(ins));
        }
        prev = cur;
    }
    prev.last().copied().unwrap_or(0)
}

/// The candidate closest to `name`, if it is close enough to be a likely typo.
pub fn suggest<'c>(name: &str, candidates: impl IntoIterator<Item = &'c str>) -> Option<&'c str> {
    let fold = |s: &str| s.to_lowercase().replace('_', "");
    let folded = fold(name);
    let len = name.chars().count();
    let mut best: Option<(usize, &str)> = None;
    for c in candidates {
        if fold(c) == folded {
            return Some(c);
        }
        let d = distance(name, c);
        let better = match best {
            Some((bd, _)) => d < bd,
            None => true,
        };
        if d <= (len / 3).max(2) && d < len && better {
            best = Some((d, c));
        }
    }
    best.map(|(_, c)| c)
}

const FUNCTIONS: &[&str] = &[
    "size",
    "exists",
    "all",
    "exists_one",
    "filter",
    "map",
    "startsWith",
    "endsWith",
    "contains",
    "matches",
    "int",
    "double",
    "string",
    "timestamp",
    "duration",
    "getFullYear",
    "getMonth",
    "getDayOfYear",
    "getDayOfMonth",
    "getDate",
    "getDayOfWeek",
    "getHours",
    "getMinutes",
    "getSeconds",
    "getMilliseconds",
];

/// `a op b`, as [`Node::LevelIs`] when it compares `customer.level` for (in)equality
/// with a level's name, so rules compare enums, not strings; any other comparison
/// (a name that is no level included: the checker warned) as [`Node::Cmp`].
fn interned_cmp(cmp: Cmp, a: Box<Node>, b: Box<Node>) -> Node {
    let level_of = |fact: &Node, lit: &Node| match (fact, lit) {
        (Node::Fact(Field::CustomerLevel), Node::Const(Const::Str(s))) => {
            Level::ALL.iter().copied().find(|l| l.as_str() == s)
        }
        _ => None,
    };
    let equal = match cmp {
        Cmp::Eq => true,
        Cmp::Ne => false,
        _ => return Node::Cmp(cmp, a, b),
    };
    match level_of(&a, &b).or_else(|| level_of(&b, &a)) {
        Some(level) => Node::LevelIs { level, equal },
        None => Node::Cmp(cmp, a, b),
    }
}

/// `a in list`, as [`Node::HasIssue`] when it asks whether `order.issues` holds an
/// issue's name; otherwise (a name that is no issue included: the checker warned) as
/// [`Node::In`].
fn interned_in(a: Box<Node>, list: Box<Node>) -> Node {
    if let (Node::Const(Const::Str(s)), Node::Fact(Field::OrderIssues)) = (&*a, &*list) {
        if let Some(issue) = Issue::ALL.iter().copied().find(|i| i.as_str() == s) {
            return Node::HasIssue(issue);
        }
    }
    Node::In(a, list)
}

fn is_string_literal(e: &Expr) -> Option<&str> {
    match &e.kind {
        ExprKind::Str(s) => Some(s),
        _ => None,
    }
}

impl Checker<'_> {
    fn text(&self, span: Span) -> &str {
        span.range().and_then(|r| self.src.get(r)).unwrap_or("…")
    }

    fn error(&mut self, d: Diagnostic) -> Typed {
        self.errors.push(d);
        failed()
    }

    fn mismatch(&mut self, message: String, span: Span) -> Typed {
        self.error(Diagnostic::error(Code::TypeMismatch, message).with_span(span))
    }

    fn read(&mut self, f: Field) {
        let path = fact_path(f);
        if !self.facts_read.contains(&path) {
            self.facts_read.push(path);
        }
    }

    fn fact(&mut self, f: Field, ty: Type) -> Typed {
        if !ty.is_object() {
            self.read(f);
        }
        (Node::Fact(f), ty)
    }

    fn expr(&mut self, e: &Expr) -> Typed {
        match &e.kind {
            ExprKind::Int(i) => (Node::Const(Const::Int(*i)), Type::Int),
            ExprKind::Double(d) => (Node::Const(Const::Double(*d)), Type::Double),
            ExprKind::Str(s) => (Node::Const(Const::Str(s.clone())), Type::String),
            ExprKind::Bool(b) => (Node::Const(Const::Bool(*b)), Type::Bool),
            ExprKind::Null => self.error(
                Diagnostic::error(Code::Unsupported, "`null` is not supported")
                    .with_help(
                        "facts are never null: absent text reads as `\"\"`, absent numbers as `0`",
                    )
                    .with_span(e.span),
            ),
            ExprKind::List(items) => self.list(items, e.span),
            ExprKind::Map(entries) => self.map(entries, e.span),
            ExprKind::Ident(name) => self.ident(name, e.span),
            ExprKind::Member {
                target,
                field,
                field_span,
            } => self.member(target, field, *field_span),
            ExprKind::Call {
                target,
                name,
                name_span,
                args,
            } => self.call(target.as_deref(), name, *name_span, args, e.span),
            ExprKind::Unary(op, x) => self.unary(*op, x, e.span),
            ExprKind::Binary(op, a, b) => self.binary(*op, a, b, e.span),
            ExprKind::Cond(c, a, b) => {
                let (cn, ct) = self.expr(c);
                let (an, at) = self.expr(a);
                let (bn, bt) = self.expr(b);
                if !is_bool(&ct) {
                    return self.mismatch(
                        format!("the condition of `?:` must be `bool`, found `{ct}`"),
                        c.span,
                    );
                }
                let Some(ty) = at.unify(&bt) else {
                    return self.mismatch(
                        format!("the branches of `?:` have different types: `{at}` and `{bt}`"),
                        e.span,
                    );
                };
                (Node::Cond(Box::new(cn), Box::new(an), Box::new(bn)), ty)
            }
            ExprKind::Index(list, index) => {
                let (ln, lt) = self.expr(list);
                let (inode, it) = self.expr(index);
                if lt == Type::Error || it == Type::Error {
                    return failed();
                }
                if let Type::Map(key, value) = &lt {
                    if !it.comparable_with(key) {
                        return self.mismatch(
                            format!("a key of a `{lt}` must be `{key}`, found `{it}`"),
                            index.span,
                        );
                    }
                    return (
                        Node::Index(Box::new(ln), Box::new(inode)),
                        (**value).clone(),
                    );
                }
                let Type::List(elem) = lt else {
                    return self.mismatch(format!("cannot index a `{lt}` value"), list.span);
                };
                if it != Type::Int {
                    return self.mismatch(
                        format!("a list index must be `int`, found `{it}`"),
                        index.span,
                    );
                }
                (Node::Index(Box::new(ln), Box::new(inode)), *elem)
            }
        }
    }

    fn list(&mut self, items: &[Expr], span: Span) -> Typed {
        let mut nodes = Vec::with_capacity(items.len());
        let mut ty = Type::Dyn;
        let mut ok = true;
        for item in items {
            let (n, t) = self.expr(item);
            match ty.unify(&t) {
                Some(u) => ty = u,
                None => {
                    ok = false;
                    let help = if ty.is_numeric() && t.is_numeric() {
                        "write every number the same way, e.g. `1.0` rather than `1`"
                    } else {
                        "a list holds values of one type"
                    };
                    self.errors.push(
                        Diagnostic::error(
                            Code::TypeMismatch,
                            format!("list elements have different types: `{ty}` and `{t}`"),
                        )
                        .with_help(help)
                        .with_span(item.span),
                    );
                }
            }
            nodes.push(n);
        }
        if !ok {
            return failed();
        }
        if ty.is_object() {
            return self.mismatch(format!("a list literal cannot hold `{ty}` values"), span);
        }
        let consts: Option<Vec<Const>> = nodes
            .iter()
            .map(|n| match n {
                Node::Const(c) => Some(c.clone()),
                _ => None,
            })
            .collect();
        let node = match consts {
            Some(c) => Node::Const(Const::List(c)),
            None => Node::List(nodes),
        };
        (node, Type::list(ty))
    }

    /// `{k: v, …}`: keys of one type among `int`, `string` and `bool`, values of one
    /// type, no constant key twice; folded to a constant when every entry is one.
    fn map(&mut self, entries: &[(Expr, Expr)], span: Span) -> Typed {
        let mut nodes = Vec::with_capacity(entries.len());
        let (mut kt, mut vt) = (Type::Dyn, Type::Dyn);
        let mut ok = true;
        for (k, v) in entries {
            let (kn, t) = self.expr(k);
            if !t.is_map_key() {
                ok = false;
                self.errors.push(
                    Diagnostic::error(
                        Code::TypeMismatch,
                        format!("a map key must be `int`, `string` or `bool`, found `{t}`"),
                    )
                    .with_span(k.span),
                );
            } else if let Some(u) = kt.unify(&t) {
                kt = u;
            } else {
                ok = false;
                self.errors.push(
                    Diagnostic::error(
                        Code::TypeMismatch,
                        format!("map keys have different types: `{kt}` and `{t}`"),
                    )
                    .with_help("a map's keys have one type")
                    .with_span(k.span),
                );
            }
            if let Node::Const(c) = &kn {
                let repeated = nodes
                    .iter()
                    .any(|(seen, _): &(Node, Node)| matches!(seen, Node::Const(s) if s == c));
                if repeated {
                    ok = false;
                    self.errors.push(
                        Diagnostic::error(
                            Code::InvalidLiteral,
                            format!("the key `{}` is written twice", self.text(k.span)),
                        )
                        .with_help("each key of a map appears once")
                        .with_span(k.span),
                    );
                }
            }
            let (vn, t) = self.expr(v);
            match vt.unify(&t) {
                Some(u) => vt = u,
                None => {
                    ok = false;
                    let help = if vt.is_numeric() && t.is_numeric() {
                        "write every number the same way, e.g. `1.0` rather than `1`"
                    } else {
                        "a map's values have one type"
                    };
                    self.errors.push(
                        Diagnostic::error(
                            Code::TypeMismatch,
                            format!("map values have different types: `{vt}` and `{t}`"),
                        )
                        .with_help(help)
                        .with_span(v.span),
                    );
                }
            }
            nodes.push((kn, vn));
        }
        if !ok {
            return failed();
        }
        if vt.is_object() {
            return self.mismatch(format!("a map literal cannot hold `{vt}` values"), span);
        }
        let consts: Option<Vec<(Const, Const)>> = nodes
            .iter()
            .map(|pair| match pair {
                (Node::Const(k), Node::Const(v)) => Some((k.clone(), v.clone())),
                _ => None,
            })
            .collect();
        let node = match consts {
            Some(c) => Node::Const(Const::Map(c)),
            None => Node::Map(nodes),
        };
        (node, Type::map(kt, vt))
    }

    fn ident(&mut self, name: &str, span: Span) -> Typed {
        if let Some(pos) = self.vars.iter().rposition(|(n, _)| n == name) {
            let depth = self.vars.len() - 1 - pos;
            let ty = self.vars.get(pos).map_or(Type::Error, |(_, t)| t.clone());
            return (Node::Var(u32::try_from(depth).unwrap_or(u32::MAX)), ty);
        }
        if let Some(entry) = schema::lookup(ROOTS, name) {
            if entry.field == Field::Item && self.scope != Scope::Item {
                return self.error(
                    Diagnostic::error(
                        Code::ItemOutsideItemScope,
                        "`item` is only bound in item-scoped rules",
                    )
                    .with_help(
                        "add `scope = \"item\"` to the rule, or test every line with `items.exists(i, ...)`",
                    )
                    .with_span(span),
                );
            }
            return self.fact(entry.field, (entry.ty)());
        }
        let mut candidates: Vec<&str> = self.vars.iter().map(|(n, _)| n.as_str()).collect();
        candidates.extend(ROOTS.iter().map(|e| e.name));
        let mut d = Diagnostic::error(
            Code::UnknownIdentifier,
            format!("unknown identifier `{name}`"),
        )
        .with_span(span);
        if LEVELS.contains(&name) || ISSUES.contains(&name) {
            d = d.with_help(format!("strings are quoted: `\"{name}\"`"));
        } else if let Some(s) = suggest(name, candidates) {
            d = d.with_help(format!("did you mean `{s}`?"));
        } else if let Some(path) = self.owner_of_field(name) {
            d = d.with_help(format!("did you mean `{path}`?"));
        } else {
            d = d.with_help("facts are `customer`, `order`, `items`, `item` (item-scoped rules), `verified` and `now`");
        }
        self.error(d)
    }

    /// `customer.level` for `level`: a field name used without its object.
    fn owner_of_field(&self, name: &str) -> Option<String> {
        let tables: [(&str, &[schema::Entry]); 4] = [
            ("customer", schema::CUSTOMER),
            ("order", schema::ORDER),
            ("order.shipping", schema::SHIPPING),
            (
                if self.scope == Scope::Item {
                    "item"
                } else {
                    "items[0]"
                },
                schema::ITEM,
            ),
        ];
        tables
            .iter()
            .find(|(_, t)| t.iter().any(|e| e.name == name))
            .map(|(root, _)| format!("{root}.{name}"))
    }

    fn member(&mut self, target: &Expr, field: &str, field_span: Span) -> Typed {
        let (tn, tt) = self.expr(target);
        if tt == Type::Error {
            return failed();
        }
        let Some(table) = schema::fields_of(&tt) else {
            let mut d = Diagnostic::error(
                Code::UnknownField,
                format!("a `{tt}` value has no field `{field}`"),
            )
            .with_span(field_span);
            if FUNCTIONS.contains(&field) {
                d = d.with_help(format!("call it: `.{field}(...)`"));
            }
            return self.error(d);
        };
        let Some(entry) = schema::lookup(table, field) else {
            let mut d = Diagnostic::error(
                Code::UnknownField,
                format!("unknown field `{field}` on `{tt}`"),
            )
            .with_span(field_span);
            if let Some(s) = suggest(field, table.iter().map(|e| e.name)) {
                d = d.with_help(format!("did you mean `{s}`?"));
            } else {
                let names: Vec<String> = table.iter().map(|e| format!("`{}`", e.name)).collect();
                d = d.with_help(format!("`{tt}` has {}", names.join(", ")));
            }
            return self.error(d);
        };
        let ty = (entry.ty)();
        match tn {
            // A path from a root fact is read directly, without building the object.
            Node::Fact(_) => self.fact(entry.field, ty),
            other => (Node::Select(Box::new(other), entry.field), ty),
        }
    }

    fn arity(&mut self, name: &str, expected: &str, found: usize, span: Span) -> Typed {
        self.error(
            Diagnostic::error(
                Code::WrongArity,
                format!("`{name}` takes {expected}, found {found}"),
            )
            .with_span(span),
        )
    }

    fn call(
        &mut self,
        target: Option<&Expr>,
        name: &str,
        name_span: Span,
        args: &[Expr],
        span: Span,
    ) -> Typed {
        if let Some(part) = TimePart::by_name(name) {
            return match target {
                Some(t) => self.time_part(part, t, args, span),
                None => self.error(
                    Diagnostic::error(Code::UnknownFunction, format!("`{name}` is a method"))
                        .with_help(format!("call it on a timestamp: `now.{name}()`"))
                        .with_span(name_span),
                ),
            };
        }
        match (name, target) {
            ("exists" | "all" | "exists_one" | "filter" | "map", Some(t)) => {
                self.comprehension(name, t, args, span)
            }
            ("size", _) => {
                let operand = match (target, args) {
                    (Some(t), []) => t,
                    (None, [x]) => x,
                    (Some(_), _) => return self.arity("size", "no arguments", args.len(), span),
                    (None, _) => return self.arity("size", "1 argument", args.len(), span),
                };
                let (n, t) = self.expr(operand);
                match t {
                    Type::String | Type::List(_) | Type::Map(..) => {
                        (Node::Size(Box::new(n)), Type::Int)
                    }
                    Type::Error => failed(),
                    t => self.mismatch(
                        format!("`size` needs a string, a list or a map, found `{t}`"),
                        operand.span,
                    ),
                }
            }
            ("startsWith" | "endsWith" | "contains", Some(t)) => {
                let op = match name {
                    "startsWith" => StrOp::StartsWith,
                    "endsWith" => StrOp::EndsWith,
                    _ => StrOp::Contains,
                };
                let (tn, tt) = self.expr(t);
                let [arg] = args else {
                    return self.arity(name, "1 argument", args.len(), span);
                };
                let (an, at) = self.expr(arg);
                if tt == Type::Error || at == Type::Error {
                    return failed();
                }
                if let Type::List(_) = tt {
                    return self.error(
                        Diagnostic::error(
                            Code::TypeMismatch,
                            format!("`{name}` needs a string, found `{tt}`"),
                        )
                        .with_help(format!(
                            "to test membership write `{} in {}`",
                            self.text(arg.span),
                            self.text(t.span)
                        ))
                        .with_span(name_span),
                    );
                }
                if tt != Type::String {
                    return self.mismatch(format!("`{name}` needs a string, found `{tt}`"), t.span);
                }
                if at != Type::String {
                    return self.mismatch(
                        format!("the argument of `{name}` must be a string, found `{at}`"),
                        arg.span,
                    );
                }
                (Node::Str(op, Box::new(tn), Box::new(an)), Type::Bool)
            }
            ("matches", _) => {
                let (subject, pattern) = match (target, args) {
                    (Some(t), [p]) => (t, p),
                    (None, [s, p]) => (s, p),
                    (Some(_), _) => return self.arity("matches", "1 argument", args.len(), span),
                    (None, _) => return self.arity("matches", "2 arguments", args.len(), span),
                };
                let (sn, st) = self.expr(subject);
                if st != Type::String && st != Type::Error {
                    self.mismatch(format!("`matches` needs a string, found `{st}`"), subject.span);
                }
                let Some(pat) = is_string_literal(pattern) else {
                    self.expr(pattern);
                    return self.error(
                        Diagnostic::error(Code::InvalidRegex, "the pattern of `matches` must be a string literal")
                            .with_help("patterns are compiled with the rule, so they cannot be computed")
                            .with_span(pattern.span),
                    );
                };
                match compile_regex(pat) {
                    Ok((re, compiled_bytes)) if st == Type::String => (
                        Node::Matches(
                            Box::new(sn),
                            Box::new(re),
                            super::eval::regex_cost_per_byte(compiled_bytes),
                        ),
                        Type::Bool,
                    ),
                    Ok(_) => failed(),
                    Err(e) => {
                        let why = e.to_string();
                        let mut why = why.lines().last().unwrap_or("").trim().to_string();
                        if why.contains("size limit") {
                            why = format!(
                                "the pattern compiles to more than {} KiB, and matching costs text length × that size; write counted repetitions such as `{{1,100}}` smaller or fewer",
                                MAX_REGEX_BYTES / 1024
                            );
                        }
                        self.error(
                            Diagnostic::error(Code::InvalidRegex, format!("invalid regular expression `{pat}`"))
                                .with_help(why)
                                .with_span(pattern.span),
                        )
                    }
                }
            }
            ("int" | "double" | "string" | "timestamp" | "duration", None) => {
                let conv = match name {
                    "int" => Conv::Int,
                    "double" => Conv::Double,
                    "string" => Conv::String,
                    "timestamp" => Conv::Timestamp,
                    _ => Conv::Duration,
                };
                let [arg] = args else {
                    return self.arity(name, "1 argument", args.len(), span);
                };
                self.conversion(conv, arg, span)
            }
            ("int" | "double" | "string" | "timestamp" | "duration", Some(t)) => self
                .error(
                    Diagnostic::error(Code::UnknownFunction, format!("`{name}` is not a method"))
                        .with_help(format!("call it as `{name}({})`", self.text(t.span)))
                        .with_span(name_span),
                ),
            (
                "exists" | "all" | "exists_one" | "filter" | "map" | "startsWith" | "endsWith"
                | "contains",
                None,
            ) => self.error(
                Diagnostic::error(Code::UnknownFunction, format!("`{name}` is a method"))
                    .with_help(match name {
                        "startsWith" | "endsWith" | "contains" => {
                            format!("call it on a string: `order.channel.{name}(\"...\")`")
                        }
                        _ => format!("call it on a list: `items.{name}(i, ...)`"),
                    })
                    .with_span(name_span),
            ),
            ("has", None) => self.error(
                Diagnostic::error(Code::Unsupported, "`has()` is not supported")
                    .with_help("every fact is always present: absent text reads as `\"\"`, absent numbers as `0`")
                    .with_span(name_span),
            ),
            (_, target) => {
                if let Some(t) = target {
                    self.expr(t);
                }
                let mut d = Diagnostic::error(
                    Code::UnknownFunction,
                    match target {
                        Some(_) => format!("unknown method `{name}`"),
                        None => format!("unknown function `{name}`"),
                    },
                )
                .with_span(name_span);
                let help = match name {
                    "len" | "length" | "count" => Some("size".to_string()),
                    "startswith" | "starts_with" => Some("startsWith".to_string()),
                    "endswith" | "ends_with" => Some("endsWith".to_string()),
                    "any" => Some("exists".to_string()),
                    _ => suggest(name, FUNCTIONS.iter().copied()).map(str::to_string),
                };
                if let Some(s) = help {
                    d = d.with_help(format!("did you mean `{s}`?"));
                }
                self.error(d)
            }
        }
    }

    /// `t.getHours()` (UTC) or `t.getHours(zone)`; a literal zone must be one this
    /// build knows (`zone::offset_of`), a computed one is checked when evaluated.
    fn time_part(&mut self, part: TimePart, target: &Expr, args: &[Expr], span: Span) -> Typed {
        let name = part.name();
        let (tn, tt) = self.expr(target);
        if args.len() > 1 {
            return self.arity(name, "0 or 1 argument (a time zone)", args.len(), span);
        }
        let zone = args.first().map(|z| (z, self.expr(z)));
        if tt != Type::Timestamp && tt != Type::Error {
            let mut d = Diagnostic::error(
                Code::TypeMismatch,
                format!("`{name}` needs a `timestamp`, found `{tt}`"),
            )
            .with_span(target.span);
            if tt == Type::Duration {
                d = d.with_help("accessors on durations are not supported: compare the duration, e.g. `now - order.created_at > duration(\"2h\")`");
            }
            return self.error(d);
        }
        let zone = match zone {
            None => None,
            Some((_, (_, Type::Error))) => return failed(),
            Some((z, (zn, zt))) => {
                if zt != Type::String {
                    return self.mismatch(
                        format!("the time zone of `{name}` must be a string, found `{zt}`"),
                        z.span,
                    );
                }
                if let Node::Const(Const::Str(text)) = &zn {
                    if super::zone::offset_of(text).is_none() {
                        return self.error(
                            Diagnostic::error(
                                Code::InvalidLiteral,
                                format!("unknown time zone `{text}`"),
                            )
                            .with_help(super::zone::help(text))
                            .with_span(z.span),
                        );
                    }
                }
                Some(Box::new(zn))
            }
        };
        if tt == Type::Error {
            return failed();
        }
        (Node::TimePart(part, Box::new(tn), zone), Type::Int)
    }

    fn conversion(&mut self, conv: Conv, arg: &Expr, span: Span) -> Typed {
        let (an, at) = self.expr(arg);
        let result = conversion_result(conv, &at);
        if at == Type::Error {
            return failed();
        }
        let name = conv.name();
        let Some(ty) = result else {
            return self.mismatch(format!("`{name}` cannot convert a `{at}` value"), arg.span);
        };
        // Constant arguments are converted now, so `duration("7d")` fails when the
        // rule is compiled rather than on every order.
        if let Node::Const(c) = &an {
            let folded = match convert(conv, const_value(c)) {
                Ok(v) => value_to_const(v),
                Err(e) => {
                    let (message, help) = match (conv, c) {
                        (Conv::Duration, Const::Str(s)) => (
                            format!("`{s}` is not a CEL duration"),
                            e.0.split_once(": ")
                                .map_or(e.0.clone(), |(_, h)| h.to_string()),
                        ),
                        // Well-formed but beyond what a timestamp holds: say so, not
                        // "not RFC 3339" (CEL accepts years 1 to 9999, docs/rules.md).
                        (Conv::Timestamp, Const::Str(s))
                            if crate::time::Timestamp::is_rfc3339_out_of_range(s) =>
                        {
                            (
                                e.0.clone(),
                                "timestamps in rules must fall between 1677-09-21 and 2262-04-11"
                                    .to_string(),
                            )
                        }
                        (Conv::Timestamp, Const::Str(s)) => (
                            format!("`{s}` is not an RFC 3339 timestamp"),
                            "write e.g. `timestamp(\"2026-11-22T10:00:00Z\")`".to_string(),
                        ),
                        _ => (
                            format!("`{}` cannot be converted: {}", self.text(span), e.0),
                            "fix the constant".to_string(),
                        ),
                    };
                    return self.error(
                        Diagnostic::error(Code::InvalidLiteral, message)
                            .with_help(help)
                            .with_span(arg.span),
                    );
                }
            };
            if let Some(c) = folded {
                return (Node::Const(c), ty);
            }
        }
        (Node::Convert(conv, Box::new(an)), ty)
    }

    fn comprehension(&mut self, name: &str, target: &Expr, args: &[Expr], span: Span) -> Typed {
        let kind = match name {
            "exists" => Comp::Exists,
            "all" => Comp::All,
            "exists_one" => Comp::ExistsOne,
            "filter" => Comp::Filter,
            _ => Comp::Map,
        };
        let arity_ok = match kind {
            Comp::Map => matches!(args.len(), 2 | 3),
            _ => args.len() == 2,
        };
        if !arity_ok {
            self.expr(target);
            let expected = if kind == Comp::Map {
                "2 or 3 arguments"
            } else {
                "2 arguments"
            };
            return self.arity(name, expected, args.len(), span);
        }
        let (rn, rt) = self.expr(target);
        let over_items = matches!(rn, Node::Fact(Field::Items));
        if over_items && self.items_depth > 0 {
            self.warnings.push(
                Diagnostic::warning(
                    Code::NestedItems,
                    format!("`items.{name}` inside a comprehension over `items` or an item-scoped rule: its work grows with the square of the order's lines"),
                )
                .with_help("a large order can exhaust the rule's step budget, and the rule then counts as its `on_error` (`review` by default); compare each line with order facts instead where you can")
                .with_span(span),
            );
        }
        let Some((var_expr, rest)) = args.split_first() else {
            return failed();
        };
        let ExprKind::Ident(var) = &var_expr.kind else {
            return self.error(
                Diagnostic::error(
                    Code::Syntax,
                    format!("the first argument of `{name}` must be a variable name"),
                )
                .with_help(format!("e.g. `items.{name}(i, i.restricted)`"))
                .with_span(var_expr.span),
            );
        };
        let elem = match &rt {
            Type::List(e) => (**e).clone(),
            Type::Error => Type::Error,
            other => {
                self.mismatch(
                    format!("`{name}` needs a list, found `{other}`"),
                    target.span,
                );
                Type::Error
            }
        };
        self.vars.push((var.clone(), elem));
        self.items_depth += u32::from(over_items);
        let mut checked = Vec::with_capacity(rest.len());
        for a in rest {
            checked.push((self.expr(a), a.span));
        }
        self.items_depth -= u32::from(over_items);
        self.vars.pop();
        if rt == Type::Error || !matches!(rt, Type::List(_)) {
            return failed();
        }
        let mut it = checked.into_iter();
        let (pred, map) = match kind {
            Comp::Map if rest.len() == 2 => (it.next(), it.next()),
            Comp::Map => (None, it.next()),
            _ => (it.next(), None),
        };
        let mut bad = false;
        let pred = match pred {
            Some(((n, t), sp)) => {
                if !is_bool(&t) {
                    self.mismatch(
                        format!("the condition of `{name}` must be `bool`, found `{t}`"),
                        sp,
                    );
                }
                bad |= !is_bool(&t) || t == Type::Error;
                Some(Box::new(n))
            }
            None => None,
        };
        let (map, map_ty) = match map {
            Some(((n, t), _)) => {
                bad |= t == Type::Error;
                (Some(Box::new(n)), t)
            }
            None => (None, Type::Error),
        };
        if bad {
            return failed();
        }
        let ty = match kind {
            Comp::Exists | Comp::All | Comp::ExistsOne => Type::Bool,
            Comp::Filter => rt,
            Comp::Map => Type::list(map_ty),
        };
        (
            Node::Comp {
                kind,
                range: Box::new(rn),
                pred,
                map,
            },
            ty,
        )
    }

    fn unary(&mut self, op: UnOp, x: &Expr, span: Span) -> Typed {
        let (n, t) = self.expr(x);
        match (op, &t) {
            (_, Type::Error) => failed(),
            (UnOp::Not, Type::Bool | Type::Dyn) => (Node::Not(Box::new(n)), Type::Bool),
            (UnOp::Neg, Type::Int | Type::Double | Type::Duration) => (Node::Neg(Box::new(n)), t),
            (UnOp::Not, _) => self.mismatch(format!("`!` needs a `bool`, found `{t}`"), span),
            (UnOp::Neg, _) => self.mismatch(
                format!("`-` needs a number or a duration, found `{t}`"),
                span,
            ),
        }
    }

    fn binary(&mut self, op: BinOp, a: &Expr, b: &Expr, span: Span) -> Typed {
        let (an, at) = self.expr(a);
        let (bn, bt) = self.expr(b);
        if at == Type::Error || bt == Type::Error {
            return failed();
        }
        let (ab, bb) = (Box::new(an), Box::new(bn));
        match op {
            BinOp::And | BinOp::Or => {
                for (t, e) in [(&at, a), (&bt, b)] {
                    if !is_bool(t) {
                        return self.mismatch(
                            format!("`{}` needs `bool` operands, found `{t}`", op.text()),
                            e.span,
                        );
                    }
                }
                let node = if op == BinOp::And {
                    Node::And(ab, bb)
                } else {
                    Node::Or(ab, bb)
                };
                (node, Type::Bool)
            }
            BinOp::Eq | BinOp::Ne | BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge => {
                let ok = if op.is_ordering() {
                    at.orderable_with(&bt)
                } else {
                    at.comparable_with(&bt)
                };
                if !ok {
                    let mut d = Diagnostic::error(
                        Code::TypeMismatch,
                        format!("cannot compare `{at}` with `{bt}` using `{}`", op.text()),
                    )
                    .with_span(span);
                    if let Some(h) = compare_help(&at, &bt) {
                        d = d.with_help(h);
                    }
                    return self.error(d);
                }
                self.level_warnings(op, (&ab, a), (&bb, b), span);
                let cmp = match op {
                    BinOp::Eq => Cmp::Eq,
                    BinOp::Ne => Cmp::Ne,
                    BinOp::Lt => Cmp::Lt,
                    BinOp::Le => Cmp::Le,
                    BinOp::Gt => Cmp::Gt,
                    _ => Cmp::Ge,
                };
                (interned_cmp(cmp, ab, bb), Type::Bool)
            }
            BinOp::In => {
                if let Type::Map(key, _) = &bt {
                    if !at.comparable_with(key) {
                        return self
                            .mismatch(format!("cannot look for a `{at}` key in a `{bt}`"), span);
                    }
                    return (Node::In(ab, bb), Type::Bool);
                }
                let Type::List(elem) = &bt else {
                    let mut d = Diagnostic::error(
                        Code::TypeMismatch,
                        format!("`in` needs a list or a map on its right, found `{bt}`"),
                    )
                    .with_span(b.span);
                    if bt == Type::String {
                        d = d.with_help(format!(
                            "to test for a substring write `{}.contains({})`",
                            self.text(b.span),
                            self.text(a.span)
                        ));
                    }
                    return self.error(d);
                };
                if !at.comparable_with(elem) {
                    return self.mismatch(format!("cannot look for a `{at}` in a `{bt}`"), span);
                }
                if let (Node::Fact(Field::OrderIssues), Some(lit)) = (&*bb, is_string_literal(a)) {
                    if !ISSUES.contains(&lit) {
                        let mut w = Diagnostic::warning(
                            Code::UnknownIssue,
                            format!("`{lit}` is not an order issue, so this is always false"),
                        )
                        .with_span(a.span);
                        w = w.with_help(match suggest(lit, ISSUES.iter().copied()) {
                            Some(s) => format!("did you mean `{s}`?"),
                            None => format!("order issues are {}", quoted(ISSUES)),
                        });
                        self.warnings.push(w);
                    }
                }
                if let (Node::Fact(Field::CustomerLevel), ExprKind::List(items)) = (&*ab, &b.kind) {
                    for item in items {
                        if let Some(lit) = is_string_literal(item) {
                            self.level_literal(lit, item.span);
                        }
                    }
                }
                (interned_in(ab, bb), Type::Bool)
            }
            BinOp::Add | BinOp::Sub | BinOp::Mul | BinOp::Div | BinOp::Rem => {
                let arith = match op {
                    BinOp::Add => Arith::Add,
                    BinOp::Sub => Arith::Sub,
                    BinOp::Mul => Arith::Mul,
                    BinOp::Div => Arith::Div,
                    _ => Arith::Rem,
                };
                let ty = arith_result(arith, &at, &bt);
                match ty {
                    Some(ty) => (Node::Arith(arith, ab, bb), ty),
                    None => {
                        let mut d = Diagnostic::error(
                            Code::TypeMismatch,
                            format!("`{}` cannot be applied to `{at}` and `{bt}`", op.text()),
                        )
                        .with_span(span);
                        if let Some(h) = self.arith_help(arith, (a, &at), (b, &bt)) {
                            d = d.with_help(h);
                        }
                        self.error(d)
                    }
                }
            }
        }
    }

    fn arith_help(&self, op: Arith, a: (&Expr, &Type), b: (&Expr, &Type)) -> Option<String> {
        if a.1.is_numeric() && b.1.is_numeric() && a.1 != b.1 {
            let int_side = if *a.1 == Type::Int { a.0 } else { b.0 };
            let text = self.text(int_side.span);
            return Some(match int_side.kind {
                ExprKind::Int(i) => format!(
                    "CEL does not mix `int` and `double` in arithmetic; write `{i}.0`"
                ),
                _ => format!(
                    "CEL does not mix `int` and `double` in arithmetic; convert with `double({text})`"
                ),
            });
        }
        if op == Arith::Rem && *a.1 == Type::Double {
            return Some("`%` is defined on `int` only".into());
        }
        if op == Arith::Add && (*a.1 == Type::String) != (*b.1 == Type::String) {
            let other = if *a.1 == Type::String { b.0 } else { a.0 };
            return Some(format!(
                "convert the other side with `string({})`",
                self.text(other.span)
            ));
        }
        None
    }

    fn level_literal(&mut self, lit: &str, span: Span) {
        if LEVELS.contains(&lit) {
            return;
        }
        let help = match suggest(lit, LEVELS.iter().copied()) {
            Some(s) => format!("did you mean `{s}`?"),
            None => format!("customer levels are {}", quoted(LEVELS)),
        };
        self.warnings.push(
            Diagnostic::warning(
                Code::UnknownLevel,
                format!("`{lit}` is not a customer level"),
            )
            .with_help(help)
            .with_span(span),
        );
    }

    fn level_warnings(&mut self, op: BinOp, a: (&Node, &Expr), b: (&Node, &Expr), span: Span) {
        let is_level = |n: &Node| matches!(n, Node::Fact(Field::CustomerLevel));
        if !(is_level(a.0) || is_level(b.0)) {
            return;
        }
        let other = if is_level(a.0) { b.1 } else { a.1 };
        if let Some(lit) = is_string_literal(other) {
            self.level_literal(lit, other.span);
        }
        if op.is_ordering() {
            self.warnings.push(
                Diagnostic::warning(
                    Code::LevelOrdering,
                    format!(
                        "`customer.level` is compared with `{}` as a string, not by severity",
                        op.text()
                    ),
                )
                .with_help(
                    "list the levels instead, e.g. `customer.level in [\"step_up\", \"block\"]`",
                )
                .with_span(span),
            );
        }
    }
}

/// Whether a value of type `t` may stand where a `bool` is needed (`dyn`, the element
/// type of an empty list, and already-failed sub-expressions included).
fn is_bool(t: &Type) -> bool {
    t == &Type::Bool || t.is_lenient()
}

fn quoted(names: &[&str]) -> String {
    names
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn compare_help(a: &Type, b: &Type) -> Option<String> {
    match (a, b) {
        (Type::String, t) | (t, Type::String) if t.is_numeric() => Some(format!(
            "convert one side, e.g. with `{t}(...)` or `string(...)`"
        )),
        (Type::Timestamp, Type::String) | (Type::String, Type::Timestamp) => {
            Some("write the time as `timestamp(\"2026-11-22T10:00:00Z\")`".into())
        }
        (Type::Duration, Type::String) | (Type::String, Type::Duration) => {
            Some("write the span as `duration(\"1h\")`".into())
        }
        (Type::Duration, t) | (t, Type::Duration) if t.is_numeric() => {
            Some("write the span as `duration(\"1h\")`".into())
        }
        (Type::Timestamp, Type::Duration) | (Type::Duration, Type::Timestamp) => {
            Some("subtract timestamps to get a duration, e.g. `now - order.created_at`".into())
        }
        (t, _) | (_, t) if t.is_object() => Some("compare one of its fields".into()),
        _ => None,
    }
}

fn value_to_const(v: super::eval::Value<'_>) -> Option<Const> {
    use super::eval::Value;
    Some(match v {
        Value::Bool(b) => Const::Bool(b),
        Value::Int(i) => Const::Int(i),
        Value::Double(d) => Const::Double(d),
        Value::Str(s) => Const::Str(s.to_string()),
        Value::Ts(t) => Const::Ts(t),
        Value::Dur(d) => Const::Dur(d),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggestions() {
        let fields = ["level", "listed", "reasons", "account_age_days"];
        assert_eq!(suggest("lvl", fields), Some("level"));
        assert_eq!(suggest("accountAgeDays", fields), Some("account_age_days"));
        assert_eq!(suggest("reason", fields), Some("reasons"));
        assert_eq!(suggest("xyz", fields), None);
        assert_eq!(distance("kitten", "sitting"), 3);
    }

    #[test]
    fn paths() {
        assert_eq!(fact_path(Field::CustomerLevel), "customer.level");
        assert_eq!(fact_path(Field::ShippingCity), "order.shipping.city");
        assert_eq!(fact_path(Field::ItemRestricted), "item.restricted");
        assert_eq!(fact_path(Field::Items), "items");
    }
}
