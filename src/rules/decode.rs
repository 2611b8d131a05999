//! Loading a rule's compiled program from a snapshot (`PROG`, docs/snapshot-format.md):
//! one pass over the bytes that rebuilds the [`Node`] tree and validates it as it goes,
//! so the runtime never needs the lexer, parser or checker.
//!
//! What a stored program must satisfy is what the checker guarantees of the programs it
//! writes, checked again here because the bytes may be crafted (the checksum detects
//! damage, not tampering): only known tags; at most [`MAX_DEPTH`] levels and
//! [`MAX_NODES`] nodes; names that this build knows (fact paths, levels, issues), item
//! facts only in item-scoped rules, selected fields that belong to their object's type;
//! canonical varints and UTF-8 strings; `matches` patterns compiled within
//! [`MAX_REGEX_BYTES`](super::MAX_REGEX_BYTES) and priced as the checker prices them;
//! comprehension variables bound by an enclosing comprehension; and every node's type
//! computed bottom-up with the checker's rules, the whole a `bool`. A program that
//! passes is one the checker could have produced, so the evaluator meets no operand of
//! a type it does not expect; and it still fails closed (an evaluation error, counted
//! as the rule's `on_error`) on any value it cannot handle.

use super::limits::{compile_regex, MAX_DEPTH};
use super::program::{Arith, Cmp, Comp, Const, Conv, Node, StrOp, TimePart};
use super::schema::{self, fact_path, Field};
use super::types::{arith_result as arith_type, conversion_result as convert_type, Type};
use super::Program;
use crate::model::{Issue, Level, Scope};
use crate::snapshot::format::node as tag;
use crate::snapshot::format::programs::{MAX_NODES, MAX_PROGRAM_BYTES};
use crate::time::{Duration, Timestamp};

/// Decodes and validates one rule's program for a rule of `scope`. `names` is the
/// section's name table. The error says what is wrong, for a `BadSection` message.
pub fn decode(bytes: &[u8], names: &[&str], scope: Scope) -> Result<Program, String> {
    if bytes.len() > MAX_PROGRAM_BYTES {
        return Err(format!(
            "the program takes {} bytes, more than the limit of {MAX_PROGRAM_BYTES}",
            bytes.len()
        ));
    }
    let mut d = Decoder {
        bytes,
        at: 0,
        names,
        scope,
        vars: Vec::new(),
        nodes: 0,
    };
    let (root, ty) = d.node(1)?;
    if d.at != bytes.len() {
        return Err(format!(
            "{} bytes left over after the program",
            bytes.len() - d.at
        ));
    }
    if ty != Type::Bool {
        return Err(format!("the program is a `{ty}`, not a `bool`"));
    }
    let mut facts_read = Vec::new();
    facts_of(&root, &mut facts_read);
    Ok(Program {
        root,
        facts_read,
        scope,
    })
}

/// The fact paths a program reads, in first-use order, as the checker lists them: every
/// fact read from a root that is not an object, `customer.level` for a level test and
/// `order.issues` for an issue test.
fn facts_of(node: &Node, out: &mut Vec<String>) {
    let mut read = |f: Field| {
        let path = fact_path(f);
        if !out.contains(&path) {
            out.push(path);
        }
    };
    match node {
        Node::Fact(f) => {
            if schema::type_of(*f).is_some_and(|t| !t.is_object()) {
                read(*f);
            }
        }
        Node::LevelIs { .. } => read(Field::CustomerLevel),
        Node::HasIssue(_) => read(Field::OrderIssues),
        Node::Const(_) | Node::Var(_) => {}
        Node::Select(x, _)
        | Node::Not(x)
        | Node::Neg(x)
        | Node::Size(x)
        | Node::Matches(x, _, _)
        | Node::Convert(_, x)
        | Node::TimePart(_, x, None) => facts_of(x, out),
        Node::And(a, b)
        | Node::TimePart(_, a, Some(b))
        | Node::Or(a, b)
        | Node::Arith(_, a, b)
        | Node::Cmp(_, a, b)
        | Node::In(a, b)
        | Node::Index(a, b)
        | Node::Str(_, a, b) => {
            facts_of(a, out);
            facts_of(b, out);
        }
        Node::Cond(c, a, b) => {
            for x in [c, a, b] {
                facts_of(x, out);
            }
        }
        Node::List(items) => items.iter().for_each(|x| facts_of(x, out)),
        Node::Map(entries) => entries.iter().for_each(|(k, v)| {
            facts_of(k, out);
            facts_of(v, out);
        }),
        Node::Comp {
            range, pred, map, ..
        } => {
            facts_of(range, out);
            for x in [pred, map].into_iter().flatten() {
                facts_of(x, out);
            }
        }
    }
}

type Typed = (Node, Type);

struct Decoder<'a> {
    bytes: &'a [u8],
    at: usize,
    names: &'a [&'a str],
    scope: Scope,
    /// The element types of the enclosing comprehensions, innermost last.
    vars: Vec<Type>,
    nodes: usize,
}

impl Decoder<'_> {
    fn byte(&mut self) -> Result<u8, String> {
        let b = self
            .bytes
            .get(self.at)
            .copied()
            .ok_or_else(|| format!("truncated at byte {}", self.at))?;
        self.at += 1;
        Ok(b)
    }

    /// An unsigned LEB128 varint in its shortest form.
    fn varint(&mut self) -> Result<u64, String> {
        let start = self.at;
        let mut value = 0u64;
        for shift in (0..64).step_by(7) {
            let b = self.byte()?;
            let low = u64::from(b & 0x7f);
            if shift == 63 && low > 1 {
                return Err(format!("varint at byte {start} overflows 64 bits"));
            }
            value |= low << shift;
            if b & 0x80 == 0 {
                if b == 0 && shift > 0 {
                    return Err(format!(
                        "varint at byte {start} is not in its shortest form"
                    ));
                }
                return Ok(value);
            }
        }
        Err(format!("varint at byte {start} is longer than 10 bytes"))
    }

    fn signed(&mut self) -> Result<i64, String> {
        let z = self.varint()?;
        Ok(((z >> 1) as i64) ^ -((z & 1) as i64))
    }

    fn count(&mut self) -> Result<usize, String> {
        let n = self.varint()?;
        // Every element takes at least one byte: a count beyond the bytes left is a lie,
        // refused before anything is allocated for it.
        usize::try_from(n)
            .ok()
            .filter(|&n| n <= self.bytes.len() - self.at.min(self.bytes.len()))
            .ok_or_else(|| format!("count {n} at byte {} exceeds the program", self.at))
    }

    fn string(&mut self) -> Result<String, String> {
        let len = self.count()?;
        let end = self.at + len;
        let text = self
            .bytes
            .get(self.at..end)
            .and_then(|b| std::str::from_utf8(b).ok())
            .ok_or_else(|| format!("the string at byte {} is not UTF-8", self.at))?;
        self.at = end;
        Ok(text.to_string())
    }

    fn name(&mut self) -> Result<&str, String> {
        let i = self.varint()?;
        usize::try_from(i)
            .ok()
            .and_then(|i| self.names.get(i))
            .copied()
            .ok_or_else(|| format!("name index {i} is not in the name table"))
    }

    /// A fact path this build knows, with its type.
    fn field(&mut self) -> Result<(Field, Type), String> {
        let path = self.name()?;
        schema::field_by_path(path).ok_or_else(|| {
            format!("it reads `{path}`, a fact this version of checkout-guard does not know")
        })
    }

    fn node(&mut self, depth: u32) -> Result<Typed, String> {
        if depth > MAX_DEPTH {
            return Err(format!("nested more than {MAX_DEPTH} levels deep"));
        }
        self.nodes += 1;
        if self.nodes > MAX_NODES {
            return Err(format!("more than {MAX_NODES} nodes"));
        }
        let at = self.at;
        let t = self.byte()?;
        let deeper = depth + 1;
        let typed = match t {
            tag::FALSE..=tag::CONST_MAP => {
                self.at = at;
                let (c, ty) = self.constant(depth)?;
                (Node::Const(c), ty)
            }
            tag::FACT => {
                let (f, ty) = self.field()?;
                if schema::needs_item_scope(f) && self.scope != Scope::Item {
                    return Err(format!(
                        "it reads `{}` in a rule that is not item-scoped",
                        fact_path(f)
                    ));
                }
                (Node::Fact(f), ty)
            }
            tag::SELECT => {
                let (f, ty) = self.field()?;
                let (obj, ot) = self.node(deeper)?;
                let belongs =
                    schema::fields_of(&ot).is_some_and(|t| t.iter().any(|e| e.field == f));
                if !belongs {
                    return Err(format!("a `{ot}` value has no field `{}`", fact_path(f)));
                }
                (Node::Select(Box::new(obj), f), ty)
            }
            tag::VAR => {
                let i = self.varint()?;
                let ty = usize::try_from(i)
                    .ok()
                    // `checked_add`: an index of `usize::MAX` must be refused, not wrap.
                    .and_then(|i| self.vars.len().checked_sub(i.checked_add(1)?))
                    .and_then(|i| self.vars.get(i))
                    .cloned()
                    .ok_or_else(|| format!("variable {i} is not bound by a comprehension"))?;
                (Node::Var(u32::try_from(i).unwrap_or(u32::MAX)), ty)
            }
            tag::LIST => {
                let n = self.count()?;
                let mut items = Vec::with_capacity(n);
                let mut ty = Type::Dyn;
                for _ in 0..n {
                    let (x, t) = self.node(deeper)?;
                    ty = ty
                        .unify(&t)
                        .ok_or_else(|| format!("list elements of types `{ty}` and `{t}`"))?;
                    items.push(x);
                }
                if ty.is_object() {
                    return Err(format!("a list literal of `{ty}` values"));
                }
                (Node::List(items), Type::list(ty))
            }
            tag::MAP => {
                let n = self.count()?;
                let mut entries: Vec<(Node, Node)> = Vec::with_capacity(n);
                let (mut kt, mut vt) = (Type::Dyn, Type::Dyn);
                for _ in 0..n {
                    let (k, t) = self.node(deeper)?;
                    kt = map_key_type(&kt, &t)?;
                    if let Node::Const(c) = &k {
                        let consts = entries.iter().map(|(k, _)| match k {
                            Node::Const(k) => Some(k),
                            _ => None,
                        });
                        repeated_key(consts, c)?;
                    }
                    let (v, t) = self.node(deeper)?;
                    vt = vt
                        .unify(&t)
                        .ok_or_else(|| format!("map values of types `{vt}` and `{t}`"))?;
                    entries.push((k, v));
                }
                if vt.is_object() {
                    return Err(format!("a map literal of `{vt}` values"));
                }
                (Node::Map(entries), Type::map(kt, vt))
            }
            tag::NOT => {
                let x = self.boolean(deeper, "`!`")?;
                (Node::Not(Box::new(x)), Type::Bool)
            }
            tag::NEG => {
                let (x, ty) = self.node(deeper)?;
                if !matches!(ty, Type::Int | Type::Double | Type::Duration) {
                    return Err(format!("`-` of a `{ty}`"));
                }
                (Node::Neg(Box::new(x)), ty)
            }
            tag::AND | tag::OR => {
                let a = Box::new(self.boolean(deeper, "`&&`/`||`")?);
                let b = Box::new(self.boolean(deeper, "`&&`/`||`")?);
                let n = if t == tag::AND {
                    Node::And(a, b)
                } else {
                    Node::Or(a, b)
                };
                (n, Type::Bool)
            }
            tag::COND => {
                let c = self.boolean(deeper, "`?:`")?;
                let (a, at) = self.node(deeper)?;
                let (b, bt) = self.node(deeper)?;
                let ty = at
                    .unify(&bt)
                    .ok_or_else(|| format!("`?:` branches of types `{at}` and `{bt}`"))?;
                (Node::Cond(Box::new(c), Box::new(a), Box::new(b)), ty)
            }
            tag::IN => {
                let (x, xt) = self.node(deeper)?;
                let (list, lt) = self.node(deeper)?;
                match &lt {
                    Type::List(elem) | Type::Map(elem, _) if xt.comparable_with(elem) => {}
                    _ => return Err(format!("`in` of a `{xt}` in a `{lt}`")),
                }
                (Node::In(Box::new(x), Box::new(list)), Type::Bool)
            }
            tag::INDEX => {
                let (list, lt) = self.node(deeper)?;
                let (i, it) = self.node(deeper)?;
                let elem = match (&lt, &it) {
                    (Type::List(elem), Type::Int) => (**elem).clone(),
                    (Type::Map(key, value), it) if it.comparable_with(key) => (**value).clone(),
                    _ => return Err(format!("`[]` of a `{lt}` by a `{it}`")),
                };
                (Node::Index(Box::new(list), Box::new(i)), elem)
            }
            tag::SIZE => {
                let (x, ty) = self.node(deeper)?;
                if !matches!(ty, Type::String | Type::List(_) | Type::Map(..)) {
                    return Err(format!("`size` of a `{ty}`"));
                }
                (Node::Size(Box::new(x)), Type::Int)
            }
            tag::LEVEL_IS => {
                let name = self.name()?;
                let level = Level::ALL
                    .iter()
                    .copied()
                    .find(|l| l.as_str() == name)
                    .ok_or_else(|| format!("`{name}` is not a customer level this build knows"))?;
                let equal = match self.byte()? {
                    0 => false,
                    1 => true,
                    b => return Err(format!("level test flag {b}")),
                };
                (Node::LevelIs { level, equal }, Type::Bool)
            }
            tag::HAS_ISSUE => {
                let name = self.name()?;
                let issue = Issue::ALL
                    .iter()
                    .copied()
                    .find(|i| i.as_str() == name)
                    .ok_or_else(|| format!("`{name}` is not an order issue this build knows"))?;
                (Node::HasIssue(issue), Type::Bool)
            }
            tag::MATCHES => {
                let pattern = self.string()?;
                let (re, compiled_bytes) = compile_regex(&pattern).map_err(|_| {
                    format!("the pattern `{pattern}` does not compile within the limits")
                })?;
                let (s, st) = self.node(deeper)?;
                if st != Type::String {
                    return Err(format!("`matches` on a `{st}`"));
                }
                let cost = super::eval::regex_cost_per_byte(compiled_bytes);
                (Node::Matches(Box::new(s), Box::new(re), cost), Type::Bool)
            }
            _ => return self.operator(t, deeper),
        };
        Ok(typed)
    }

    /// The tag ranges of operators with a code: arithmetic, comparison, string
    /// predicates, conversions and comprehensions.
    fn operator(&mut self, t: u8, deeper: u32) -> Result<Typed, String> {
        let code = |base: u8| usize::from(t.wrapping_sub(base));
        if let Some(&op) = Arith::ALL.get(code(tag::ARITH)) {
            let (a, at) = self.node(deeper)?;
            let (b, bt) = self.node(deeper)?;
            let ty = arith_type(op, &at, &bt)
                .ok_or_else(|| format!("`{op:?}` of a `{at}` and a `{bt}`"))?;
            return Ok((Node::Arith(op, Box::new(a), Box::new(b)), ty));
        }
        if let Some(&op) = Cmp::ALL.get(code(tag::CMP)) {
            let (a, at) = self.node(deeper)?;
            let (b, bt) = self.node(deeper)?;
            let ok = match op {
                Cmp::Eq | Cmp::Ne => at.comparable_with(&bt),
                _ => at.orderable_with(&bt),
            };
            if !ok {
                return Err(format!("`{op:?}` of a `{at}` and a `{bt}`"));
            }
            return Ok((Node::Cmp(op, Box::new(a), Box::new(b)), Type::Bool));
        }
        if let Some(&op) = StrOp::ALL.get(code(tag::STR_OP)) {
            let (s, st) = self.node(deeper)?;
            let (a, at) = self.node(deeper)?;
            if (&st, &at) != (&Type::String, &Type::String) {
                return Err(format!("`{op:?}` of a `{st}` and a `{at}`"));
            }
            return Ok((Node::Str(op, Box::new(s), Box::new(a)), Type::Bool));
        }
        if let Some(&conv) = Conv::ALL.get(code(tag::CONVERT)) {
            let (x, xt) = self.node(deeper)?;
            let ty =
                convert_type(conv, &xt).ok_or_else(|| format!("`{}` of a `{xt}`", conv.name()))?;
            return Ok((Node::Convert(conv, Box::new(x)), ty));
        }
        if let Some(&kind) = Comp::ALL.get(code(tag::COMP)) {
            return self.comprehension(kind, deeper);
        }
        if let Some(&part) = TimePart::ALL.get(code(tag::TIME_PART)) {
            return self.time_part(part, deeper);
        }
        // A tag this build does not know comes from a newer compiler (a new operator):
        // refused, never skipped (docs/snapshot-format.md, "`PROG`").
        Err(format!(
            "unknown node tag {t:#04x} at byte {} (an operator of a newer checkout-guard? recompile the policy with this version)",
            self.at - 1
        ))
    }

    /// `t.getHours()` etc.: a timestamp, and a string zone if the flag says so; a
    /// constant zone must be one this build knows, as the checker requires.
    fn time_part(&mut self, part: TimePart, deeper: u32) -> Result<Typed, String> {
        let has_zone = match self.byte()? {
            0 => false,
            1 => true,
            b => return Err(format!("`{}` zone flag {b}", part.name())),
        };
        let (t, tt) = self.node(deeper)?;
        if tt != Type::Timestamp {
            return Err(format!("`{}` of a `{tt}`", part.name()));
        }
        let zone = if has_zone {
            let (z, zt) = self.node(deeper)?;
            if zt != Type::String {
                return Err(format!("`{}` in a zone of type `{zt}`", part.name()));
            }
            if let Node::Const(Const::Str(name)) = &z {
                if super::zone::offset_of(name).is_none() {
                    return Err(format!("`{name}` is not a time zone this build knows"));
                }
            }
            Some(Box::new(z))
        } else {
            None
        };
        Ok((Node::TimePart(part, Box::new(t), zone), Type::Int))
    }

    fn comprehension(&mut self, kind: Comp, deeper: u32) -> Result<Typed, String> {
        let parts = self.byte()?;
        let (has_pred, has_map) = (parts & tag::COMP_PRED != 0, parts & tag::COMP_MAP != 0);
        let shape_ok = parts & !(tag::COMP_PRED | tag::COMP_MAP) == 0
            && match kind {
                Comp::Map => has_map,
                _ => has_pred && !has_map,
            };
        if !shape_ok {
            return Err(format!("`{kind:?}` with parts {parts:#04x}"));
        }
        let (range, rt) = self.node(deeper)?;
        let Type::List(elem) = &rt else {
            return Err(format!("a comprehension over a `{rt}`"));
        };
        self.vars.push((**elem).clone());
        let pred = if has_pred {
            Some(Box::new(
                self.boolean(deeper, "a comprehension's condition")?,
            ))
        } else {
            None
        };
        let map = if has_map {
            Some(self.node(deeper)?)
        } else {
            None
        };
        self.vars.pop();
        let ty = match (kind, &map) {
            (Comp::Filter, _) => rt.clone(),
            (Comp::Map, Some((_, mt))) => Type::list(mt.clone()),
            _ => Type::Bool,
        };
        let node = Node::Comp {
            kind,
            range: Box::new(range),
            pred,
            map: map.map(|(n, _)| Box::new(n)),
        };
        Ok((node, ty))
    }

    /// A node the checker accepts where a `bool` is needed (`bool`, or `dyn`: an element
    /// of an empty list, which fails when evaluated).
    fn boolean(&mut self, depth: u32, what: &str) -> Result<Node, String> {
        let (n, ty) = self.node(depth)?;
        if !matches!(ty, Type::Bool | Type::Dyn) {
            return Err(format!("{what} of a `{ty}`"));
        }
        Ok(n)
    }

    fn constant(&mut self, depth: u32) -> Result<(Const, Type), String> {
        if depth > MAX_DEPTH {
            return Err(format!("nested more than {MAX_DEPTH} levels deep"));
        }
        Ok(match self.byte()? {
            tag::FALSE => (Const::Bool(false), Type::Bool),
            tag::TRUE => (Const::Bool(true), Type::Bool),
            tag::INT => (Const::Int(self.signed()?), Type::Int),
            tag::DOUBLE => {
                let b = self
                    .bytes
                    .get(self.at..self.at + 8)
                    .and_then(|b| <[u8; 8]>::try_from(b).ok())
                    .ok_or_else(|| format!("truncated at byte {}", self.at))?;
                self.at += 8;
                (Const::Double(f64::from_le_bytes(b)), Type::Double)
            }
            tag::STR => (Const::Str(self.string()?), Type::String),
            tag::TIMESTAMP => (Const::Ts(Timestamp(self.signed()?)), Type::Timestamp),
            tag::DURATION => (Const::Dur(Duration(self.signed()?)), Type::Duration),
            tag::CONST_LIST => {
                let n = self.count()?;
                let mut items = Vec::with_capacity(n);
                let mut ty = Type::Dyn;
                for _ in 0..n {
                    self.nodes += 1;
                    if self.nodes > MAX_NODES {
                        return Err(format!("more than {MAX_NODES} nodes"));
                    }
                    let (c, t) = self.constant(depth + 1)?;
                    ty = ty
                        .unify(&t)
                        .ok_or_else(|| format!("list elements of types `{ty}` and `{t}`"))?;
                    items.push(c);
                }
                (Const::List(items), Type::list(ty))
            }
            tag::CONST_MAP => {
                let n = self.count()?;
                let mut entries: Vec<(Const, Const)> = Vec::with_capacity(n);
                let (mut kt, mut vt) = (Type::Dyn, Type::Dyn);
                for _ in 0..n {
                    self.nodes += 2;
                    if self.nodes > MAX_NODES {
                        return Err(format!("more than {MAX_NODES} nodes"));
                    }
                    let (k, t) = self.constant(depth + 1)?;
                    kt = map_key_type(&kt, &t)?;
                    repeated_key(entries.iter().map(|(k, _)| Some(k)), &k)?;
                    let (v, t) = self.constant(depth + 1)?;
                    vt = vt
                        .unify(&t)
                        .ok_or_else(|| format!("map values of types `{vt}` and `{t}`"))?;
                    entries.push((k, v));
                }
                (Const::Map(entries), Type::map(kt, vt))
            }
            t => return Err(format!("unknown constant tag {t:#04x}")),
        })
    }
}

/// The key type of a map after a key of type `t` (the checker's rule: one key type
/// among `int`, `string`, `bool`).
fn map_key_type(so_far: &Type, t: &Type) -> Result<Type, String> {
    if !matches!(t, Type::Int | Type::String | Type::Bool) {
        return Err(format!("a map key of type `{t}`"));
    }
    so_far
        .unify(t)
        .ok_or_else(|| format!("map keys of types `{so_far}` and `{t}`"))
}

/// Refuses a constant key written before (the checker refuses a repeated literal key).
fn repeated_key<'n>(
    mut seen: impl Iterator<Item = Option<&'n Const>>,
    key: &Const,
) -> Result<(), String> {
    if seen.any(|k| k == Some(key)) {
        return Err("a map key is repeated".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::compile;

    const NAMES: &[&str] = &[
        "customer.level", // 0
        "item.sku",       // 1
        "items",          // 2
        "order.total",    // 3
        "block",          // 4
        "customer.nope",  // 5
        "customer",       // 6
        "nope_issue",     // 7
    ];

    fn refused(bytes: &[u8], scope: Scope) -> String {
        match decode(bytes, NAMES, scope) {
            Ok(p) => panic!("{bytes:?} decoded to {p:?}"),
            Err(e) => e,
        }
    }

    fn stored(expr: &str, scope: Scope) -> (Vec<u8>, Vec<String>) {
        let (p, _) = compile(expr, scope).unwrap();
        let mut names = Vec::new();
        (p.encode(&mut names), names)
    }

    #[test]
    fn a_checked_program_round_trips() {
        let (bytes, names) = stored(
            r#"customer.level == "block" && items.exists(i, i.sku.matches("^A") && i.price > 1.5)"#,
            Scope::Order,
        );
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        let p = decode(&bytes, &names, Scope::Order).unwrap();
        assert_eq!(p.facts_read(), ["customer.level", "items"]);
        assert!(matches!(p.root, Node::And(..)));
    }

    #[test]
    fn wrong_types_are_refused() {
        // The whole program must be a bool.
        assert!(refused(&[tag::INT, 2], Scope::Order).contains("`int`, not a `bool`"));
        // `!` of an int.
        assert!(refused(&[tag::NOT, tag::INT, 2], Scope::Order).contains("`!` of a `int`"));
        // `order.total && true`
        let and = [tag::AND, tag::FACT, 3, tag::TRUE];
        assert!(refused(&and, Scope::Order).contains("of a `double`"));
        // `customer.level < 1`
        let lt = [tag::CMP + 2, tag::FACT, 0, tag::INT, 2];
        assert!(refused(&lt, Scope::Order).contains("`Lt` of a `string` and a `int`"));
        // `"a" + 1 == "a1"`
        let add = [
            tag::CMP,
            tag::ARITH,
            tag::STR,
            1,
            b'a',
            tag::INT,
            2,
            tag::STR,
            2,
            b'a',
            b'1',
        ];
        assert!(refused(&add, Scope::Order).contains("`Add` of a `string` and a `int`"));
        // `size(1) > 0`, `items[true]`, a comprehension over an int.
        let size = [tag::CMP + 4, tag::SIZE, tag::INT, 2, tag::INT, 0];
        assert!(refused(&size, Scope::Order).contains("`size` of a `int`"));
        let comp = [tag::COMP, tag::COMP_PRED, tag::INT, 2, tag::TRUE];
        assert!(refused(&comp, Scope::Order).contains("comprehension over a `int`"));
        // A list literal mixing types.
        let list = [
            tag::IN,
            tag::INT,
            2,
            tag::CONST_LIST,
            2,
            tag::INT,
            2,
            tag::TRUE,
        ];
        assert!(refused(&list, Scope::Order).contains("list elements"));
    }

    #[test]
    fn fields_must_exist_and_fit_the_scope_and_object() {
        // `item.sku == ""` in an order-scoped rule; fine in an item-scoped one.
        let item = [tag::CMP, tag::FACT, 1, tag::STR, 0];
        assert!(refused(&item, Scope::Order).contains("not item-scoped"));
        assert!(decode(&item, NAMES, Scope::Item).is_ok());
        // A field this build does not know.
        let unknown = [tag::CMP, tag::FACT, 5, tag::STR, 0];
        assert!(refused(&unknown, Scope::Order).contains("does not know"));
        // `customer.sku`: a field of another object.
        let select = [tag::CMP, tag::SELECT, 1, tag::FACT, 6, tag::STR, 0];
        assert!(refused(&select, Scope::Order).contains("a `customer` value has no field"));
        // A name index past the table; a level and an issue this build does not know.
        assert!(
            refused(&[tag::CMP, tag::FACT, 99, tag::STR, 0], Scope::Order)
                .contains("not in the name table")
        );
        assert!(refused(&[tag::LEVEL_IS, 3, 1], Scope::Order).contains("not a customer level"));
        assert!(refused(&[tag::HAS_ISSUE, 7], Scope::Order).contains("not an order issue"));
        assert!(decode(&[tag::LEVEL_IS, 4, 1], NAMES, Scope::Order).is_ok());
        assert!(refused(&[tag::LEVEL_IS, 4, 2], Scope::Order).contains("flag"));
    }

    #[test]
    fn variables_must_be_bound() {
        assert!(refused(&[tag::NOT, tag::VAR, 0], Scope::Order).contains("not bound"));
        // The largest index a varint holds (u64::MAX) is refused, not wrapped (found by
        // the fuzz target `rule_program`; its input is in fuzz/regressions/).
        let max = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01];
        let far = [&[tag::NOT, tag::VAR][..], &max].concat();
        assert!(refused(&far, Scope::Order).contains("not bound"));
        // `items.exists(i, i.sku == "")` is fine; `items.exists(i, j…)` with j = 1 is not.
        let ok = [
            tag::COMP,
            tag::COMP_PRED,
            tag::FACT,
            2,
            tag::CMP,
            tag::SELECT,
            1,
            tag::VAR,
            0,
            tag::STR,
            0,
        ];
        assert!(decode(&ok, NAMES, Scope::Order).is_ok());
        let mut unbound = ok;
        unbound[8] = 1;
        assert!(refused(&unbound, Scope::Order).contains("variable 1"));
        // A comprehension without its predicate.
        assert!(refused(&[tag::COMP, 0, tag::FACT, 2], Scope::Order).contains("parts"));
    }

    #[test]
    fn truncated_or_padded_programs_are_refused() {
        let (bytes, names) = stored(
            r#"items.exists(i, i.sku.startsWith("A") && i.quantity * 2 > 3) || order.total >= 1e3"#,
            Scope::Order,
        );
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        assert!(decode(&bytes, &names, Scope::Order).is_ok());
        for cut in 0..bytes.len() {
            assert!(
                decode(&bytes[..cut], &names, Scope::Order).is_err(),
                "cut at {cut}"
            );
        }
        let mut padded = bytes.clone();
        padded.push(0);
        assert!(decode(&padded, &names, Scope::Order)
            .unwrap_err()
            .contains("left over"));
    }

    #[test]
    fn deep_or_large_programs_are_refused() {
        let mut deep = vec![tag::NOT; MAX_DEPTH as usize];
        deep.push(tag::TRUE);
        assert!(refused(&deep, Scope::Order).contains("levels deep"));
        deep.remove(0);
        assert!(decode(&deep, NAMES, Scope::Order).is_ok());
        // Constant lists nest too.
        let mut lists = vec![tag::IN, tag::TRUE];
        lists.extend(std::iter::repeat_n([tag::CONST_LIST, 1], 200).flatten());
        lists.push(tag::TRUE);
        assert!(refused(&lists, Scope::Order).contains("levels deep"));
        // A count the bytes cannot hold is refused before anything is allocated.
        let lie = [tag::IN, tag::TRUE, tag::LIST, 0xff, 0xff, 0xff, 0xff, 0x0f];
        assert!(refused(&lie, Scope::Order).contains("exceeds the program"));
        let huge = vec![tag::TRUE; crate::snapshot::format::programs::MAX_PROGRAM_BYTES + 1];
        assert!(refused(&huge, Scope::Order).contains("more than the limit"));
    }

    #[test]
    fn varints_and_strings_must_be_canonical() {
        // 2 written in two bytes.
        assert!(
            refused(&[tag::CMP, tag::INT, 0x82, 0x00, tag::INT, 2], Scope::Order)
                .contains("shortest form")
        );
        let long = [
            tag::CMP,
            tag::INT,
            0xff,
            0xff,
            0xff,
            0xff,
            0xff,
            0xff,
            0xff,
            0xff,
            0xff,
            0x7f,
        ];
        assert!(refused(&long, Scope::Order).contains("overflows"));
        let bad_utf8 = [tag::CMP, tag::STR, 1, 0xff, tag::STR, 0];
        assert!(refused(&bad_utf8, Scope::Order).contains("not UTF-8"));
        assert!(refused(&[0x7f], Scope::Order).contains("unknown node tag"));
    }

    #[test]
    fn patterns_are_compiled_and_priced_again() {
        let mut re = vec![tag::MATCHES, 3, b'a', b'{', b'0'];
        assert!(refused(&re, Scope::Order).contains("does not compile"));
        // A pattern over the size limit, which the checker refuses too.
        let big = "[a-z]{20000}";
        assert!(compile(&format!("order.channel.matches(\"{big}\")"), Scope::Order).is_err());
        re = vec![tag::MATCHES, big.len() as u8];
        re.extend_from_slice(big.as_bytes());
        re.extend_from_slice(&[tag::STR, 0]);
        assert!(refused(&re, Scope::Order).contains("within the limits"));
        let (bytes, names) = stored(r#"order.channel.matches("[a-z]{50}")"#, Scope::Order);
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        let (p, _) = compile(r#"order.channel.matches("[a-z]{50}")"#, Scope::Order).unwrap();
        let q = decode(&bytes, &names, Scope::Order).unwrap();
        let cost = |n: &Node| match n {
            Node::Matches(_, _, c) => *c,
            _ => 0,
        };
        assert!(cost(&q.root) > 0);
        assert_eq!(cost(&p.root), cost(&q.root));
    }

    #[test]
    fn maps_and_time_parts_round_trip() {
        for expr in [
            r#"now.getHours("Asia/Shanghai") < 6 && now.getDayOfWeek() == 0"#,
            r#"now.getDate(order.currency == "CNY" ? "+08:00" : "UTC") == 1"#,
            r#"order.item_count > {"浙江省": 2, "上海市": 5}[order.shipping.province]"#,
            r#""a" in {order.channel: order.total} && size({1: [true]}) == 1"#,
        ] {
            let (bytes, names) = stored(expr, Scope::Order);
            let names: Vec<&str> = names.iter().map(String::as_str).collect();
            let p = decode(&bytes, &names, Scope::Order).unwrap();
            let mut again = Vec::new();
            assert_eq!(p.encode(&mut again), bytes, "{expr}");
        }
    }

    #[test]
    fn malformed_maps_are_refused() {
        // `{1: true, "a": true}[1]`: two key types.
        let keys = [
            tag::INDEX,
            tag::CONST_MAP,
            2,
            tag::INT,
            2,
            tag::TRUE,
            tag::STR,
            1,
            b'a',
            tag::TRUE,
            tag::INT,
            2,
        ];
        assert!(refused(&keys, Scope::Order).contains("map keys of types"));
        // `{1.5: true}`, `{1: true, 1: true}`, values of two types.
        let double_key = [
            tag::IN,
            tag::TRUE,
            tag::CONST_MAP,
            1,
            tag::DOUBLE,
            0,
            0,
            0,
            0,
            0,
            0,
            0,
            0,
            tag::TRUE,
        ];
        assert!(refused(&double_key, Scope::Order).contains("a map key of type `double`"));
        let twice = [
            tag::IN,
            tag::INT,
            2,
            tag::CONST_MAP,
            2,
            tag::INT,
            2,
            tag::TRUE,
            tag::INT,
            2,
            tag::TRUE,
        ];
        assert!(refused(&twice, Scope::Order).contains("repeated"));
        let values = [
            tag::IN,
            tag::INT,
            2,
            tag::CONST_MAP,
            2,
            tag::INT,
            2,
            tag::TRUE,
            tag::INT,
            4,
            tag::INT,
            0,
        ];
        assert!(refused(&values, Scope::Order).contains("map values of types"));
        // The same in a computed map, whose keys may be constants too.
        let computed = [
            tag::IN,
            tag::INT,
            2,
            tag::MAP,
            2,
            tag::INT,
            2,
            tag::FACT,
            3,
            tag::INT,
            2,
            tag::FACT,
            3,
        ];
        assert!(refused(&computed, Scope::Order).contains("repeated"));
        // `"a" in {1: true}`, `{1: true}["a"]`, a count beyond the bytes.
        let wrong_key = [
            tag::IN,
            tag::STR,
            1,
            b'a',
            tag::CONST_MAP,
            1,
            tag::INT,
            2,
            tag::TRUE,
        ];
        assert!(refused(&wrong_key, Scope::Order).contains("`in` of a `string`"));
        let wrong_index = [
            tag::INDEX,
            tag::CONST_MAP,
            1,
            tag::INT,
            2,
            tag::TRUE,
            tag::STR,
            0,
        ];
        assert!(refused(&wrong_index, Scope::Order).contains("`[]` of a `map(int, bool)`"));
        let lie = [tag::IN, tag::TRUE, tag::CONST_MAP, 0xff, 0xff, 0x0f];
        assert!(refused(&lie, Scope::Order).contains("exceeds the program"));
        // Well formed: `{1: true}[1]`.
        assert!(decode(
            &[
                tag::INDEX,
                tag::CONST_MAP,
                1,
                tag::INT,
                2,
                tag::TRUE,
                tag::INT,
                2
            ],
            NAMES,
            Scope::Order
        )
        .is_ok());
    }

    #[test]
    fn malformed_time_parts_are_refused() {
        let ts = [tag::TIMESTAMP, 0];
        // `getHours` (tag + 6) of a timestamp, without and with a zone, compared to 0.
        let mut utc = vec![tag::CMP, tag::TIME_PART + 6, 0];
        utc.extend_from_slice(&ts);
        utc.extend_from_slice(&[tag::INT, 0]);
        assert!(decode(&utc, NAMES, Scope::Order).is_ok());
        let mut zoned = vec![tag::CMP, tag::TIME_PART + 6, 1];
        zoned.extend_from_slice(&ts);
        zoned.extend_from_slice(&[tag::STR, 3, b'U', b'T', b'C', tag::INT, 0]);
        assert!(decode(&zoned, NAMES, Scope::Order).is_ok());
        // A zone this build does not know, a zone that is no string, a bad flag, a part
        // of something other than a timestamp.
        let mut mars = zoned.clone();
        mars[7..10].copy_from_slice(b"Mar");
        assert!(refused(&mars, Scope::Order).contains("not a time zone this build knows"));
        let mut int_zone = vec![tag::CMP, tag::TIME_PART + 6, 1];
        int_zone.extend_from_slice(&ts);
        int_zone.extend_from_slice(&[tag::INT, 0, tag::INT, 0]);
        assert!(refused(&int_zone, Scope::Order).contains("zone of type `int`"));
        let mut flag = utc.clone();
        flag[2] = 2;
        assert!(refused(&flag, Scope::Order).contains("zone flag"));
        let of_int = [tag::CMP, tag::TIME_PART, 0, tag::INT, 0, tag::INT, 0];
        assert!(refused(&of_int, Scope::Order).contains("`getFullYear` of a `int`"));
        // Past the last accessor is no tag at all, and says where to look.
        let past = [tag::CMP, tag::TIME_PART + 10, 0];
        assert!(refused(&past, Scope::Order).contains("newer checkout-guard"));
    }

    #[test]
    fn a_valid_program_that_cannot_be_evaluated_fails_closed() {
        // `1 / 0 > 0` and `[][0]`: typed right, an error when evaluated (the engine counts
        // it as the rule's `on_error`), never a quiet `false`.
        let div = [
            tag::CMP + 4,
            tag::ARITH + 3,
            tag::INT,
            2,
            tag::INT,
            0,
            tag::INT,
            0,
        ];
        let empty = [tag::NOT, tag::INDEX, tag::CONST_LIST, 0, tag::INT, 0];
        let facts = crate::rules::facts::Facts {
            customer: Default::default(),
            order: Default::default(),
            items: Vec::new(),
            verified: &[],
            now: Timestamp(0),
        };
        for bytes in [&div[..], &empty[..]] {
            let p = decode(bytes, NAMES, Scope::Order).unwrap();
            assert!(p.eval(&facts, None).is_err(), "{bytes:?}");
        }
    }
}
