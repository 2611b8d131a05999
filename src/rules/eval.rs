//! Step four: evaluating a resolved [`Node`] tree over one order's [`Facts`].
//!
//! Values borrow from the facts and from the program, so field reads, comparisons,
//! `in` over constant or fact lists, lookups in constant maps, timestamp accessors and
//! comprehensions over `items` allocate nothing; only building new strings, lists or
//! maps (`+`, `filter`, `map`, list and map literals with non-constant elements) does. Errors follow CEL: `&&`, `||`, `exists` and `all`
//! absorb an error when the other side decides the result.

use super::facts::{CustomerFacts, Facts, ItemFacts, OrderFacts, ShippingFacts};
use super::program::{Arith, Cmp, Comp, Const, Conv, Node, StrOp, TimePart};
use super::schema::Field;
use super::EvalError;
use crate::time::{parse_cel_duration, Duration, Timestamp};
use std::cell::Cell;
use std::cmp::Ordering;
use std::ops::Deref;
use std::rc::Rc;

/// A runtime value.
#[derive(Debug, Clone)]
pub enum Value<'a> {
    /// `bool`
    Bool(bool),
    /// `int`
    Int(i64),
    /// `double`
    Double(f64),
    /// `string`
    Str(Text<'a>),
    /// `timestamp`
    Ts(Timestamp),
    /// `duration`
    Dur(Duration),
    /// A list.
    List(List<'a>),
    /// A map (only map literals make one).
    Map(Map<'a>),
    /// The `customer` object.
    Customer(&'a CustomerFacts<'a>),
    /// The `order` object.
    Order(&'a OrderFacts<'a>),
    /// `order.shipping`
    Shipping(&'a ShippingFacts<'a>),
    /// An order line.
    Item(&'a ItemFacts<'a>),
}

/// A string value: borrowed from the facts or the program, or built while evaluating
/// and then shared, so copying a value never copies text.
#[derive(Debug, Clone)]
pub enum Text<'a> {
    /// Borrowed text.
    Borrowed(&'a str),
    /// Text built by `+` or `string()`.
    Shared(Rc<str>),
}

impl Text<'_> {
    fn owned(s: String) -> Self {
        Text::Shared(Rc::from(s))
    }
}

impl Deref for Text<'_> {
    type Target = str;
    fn deref(&self) -> &str {
        match self {
            Text::Borrowed(s) => s,
            Text::Shared(s) => s,
        }
    }
}

impl std::fmt::Display for Text<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self)
    }
}

impl<'a> From<&'a str> for Text<'a> {
    fn from(s: &'a str) -> Self {
        Text::Borrowed(s)
    }
}

/// A list value, borrowed where it can be.
#[derive(Debug, Clone)]
pub enum List<'a> {
    /// A fact list of borrowed strings (`customer.reasons`, `order.issues`).
    Strs(&'a [&'a str]),
    /// A fact list of owned strings (`verified`, `item.tags`).
    Strings(&'a [String]),
    /// `items`
    Items(&'a [ItemFacts<'a>]),
    /// A constant list from the program.
    Consts(&'a [Const]),
    /// A list built while evaluating (shared, so binding it to a variable is cheap).
    Owned(Rc<Vec<Value<'a>>>),
}

impl<'a> List<'a> {
    fn len(&self) -> usize {
        match self {
            List::Strs(s) => s.len(),
            List::Strings(s) => s.len(),
            List::Items(s) => s.len(),
            List::Consts(s) => s.len(),
            List::Owned(s) => s.len(),
        }
    }

    fn get(&self, i: usize) -> Option<Value<'a>> {
        Some(match self {
            List::Strs(s) => Value::Str(Text::Borrowed(s.get(i)?)),
            List::Strings(s) => Value::Str(Text::Borrowed(s.get(i)?.as_str())),
            List::Items(s) => Value::Item(s.get(i)?),
            List::Consts(s) => const_value(s.get(i)?),
            List::Owned(s) => s.get(i)?.clone(),
        })
    }

    fn contains(&self, needle: &Value<'_>) -> bool {
        if let Value::Str(n) = needle {
            let n: &str = n;
            return match self {
                List::Strs(s) => s.contains(&n),
                List::Strings(s) => s.iter().any(|x| x == n),
                List::Consts(s) => s.iter().any(|x| matches!(x, Const::Str(x) if x == n)),
                List::Items(_) => false,
                List::Owned(s) => s.iter().any(|x| matches!(x, Value::Str(x) if &**x == n)),
            };
        }
        (0..self.len()).any(|i| self.get(i).is_some_and(|v| equal(&v, needle)))
    }
}

/// A map value: a constant one from the program, or one built while evaluating.
/// Entries are in written order and looked up by CEL equality, a scan: map literals in
/// rules are a table of a few dozen rows at most.
#[derive(Debug, Clone)]
pub enum Map<'a> {
    /// A constant map from the program.
    Consts(&'a [(Const, Const)]),
    /// A map built while evaluating.
    Owned(Rc<Vec<(Value<'a>, Value<'a>)>>),
}

impl<'a> Map<'a> {
    fn len(&self) -> usize {
        match self {
            Map::Consts(m) => m.len(),
            Map::Owned(m) => m.len(),
        }
    }

    /// The `i`th entry, in written order.
    fn entry(&self, i: usize) -> Option<(Value<'a>, Value<'a>)> {
        match self {
            Map::Consts(m) => m.get(i).map(|(k, v)| (const_value(k), const_value(v))),
            Map::Owned(m) => m.get(i).cloned(),
        }
    }

    /// The value under `key`, if there is one.
    fn get(&self, key: &Value<'_>) -> Option<Value<'a>> {
        match self {
            Map::Consts(m) => m
                .iter()
                .find(|(k, _)| equal(&const_value(k), key))
                .map(|(_, v)| const_value(v)),
            Map::Owned(m) => m
                .iter()
                .find(|(k, _)| equal(k, key))
                .map(|(_, v)| v.clone()),
        }
    }
}

/// A constant as a value borrowing from the program.
pub fn const_value(c: &Const) -> Value<'_> {
    match c {
        Const::Bool(b) => Value::Bool(*b),
        Const::Int(i) => Value::Int(*i),
        Const::Double(d) => Value::Double(*d),
        Const::Str(s) => Value::Str(Text::Borrowed(s)),
        Const::Ts(t) => Value::Ts(*t),
        Const::Dur(d) => Value::Dur(*d),
        Const::List(l) => Value::List(List::Consts(l)),
        Const::Map(m) => Value::Map(Map::Consts(m)),
    }
}

/// How much work one evaluation may do, in steps: a comprehension iteration is one
/// step, building a list costs its length, building a string or reading one
/// (`size`, `contains`, `startsWith`, `endsWith`) its length / 16, and `matches` its
/// length times the pattern's cost per byte (`regex_cost_per_byte`). Real rules use a
/// few hundred; the limit is what keeps nested comprehensions over a huge order
/// (`items.exists(a, items.exists(b, items.exists(c, …)))`) from hanging.
pub const STEP_BUDGET: u64 = 100_000;

/// Steps one check may spend over all its rules and lines together
/// (docs/semantics.md §9, "Rules that fail"): whatever the order's size, one check does
/// bounded work — one step is ~200 ns of comprehension work natively (measured with
/// nested `exists` over a 300-line order, docs/BENCHMARKS.md), so ~50 ms at most. An
/// evaluation that finds it spent fails like one over its own budget.
pub const ORDER_STEP_BUDGET: u64 = 250_000;

/// The steps left to one check, shared by every rule evaluation in it.
#[derive(Debug)]
pub struct OrderBudget(Cell<u64>);

impl OrderBudget {
    /// A full budget of [`ORDER_STEP_BUDGET`] steps.
    pub fn new() -> OrderBudget {
        OrderBudget(Cell::new(ORDER_STEP_BUDGET))
    }

    /// Steps left.
    pub fn left(&self) -> u64 {
        self.0.get()
    }
}

impl Default for OrderBudget {
    fn default() -> Self {
        OrderBudget::new()
    }
}

/// Steps `matches` is charged per byte of its subject for a pattern whose compiled
/// program takes at most `compiled_bytes` (the smallest power-of-two size limit it
/// builds under). regex-lite's matching time grows with subject length × program size:
/// measured at up to ~0.8 µs per byte per KiB of program natively (`x{1000}y`,
/// `[a-z]{100}[0-9]{100}`), i.e. ~4 steps of ~200 ns.
pub fn regex_cost_per_byte(compiled_bytes: usize) -> u32 {
    u32::try_from(compiled_bytes.div_ceil(1024).saturating_mul(4)).unwrap_or(u32::MAX)
}

/// What a rule sees while it runs.
pub struct Ctx<'a> {
    /// The order's facts.
    pub facts: &'a Facts<'a>,
    /// The line being evaluated in item-scoped rules.
    pub item: Option<&'a ItemFacts<'a>>,
    /// Steps left to this evaluation (see [`STEP_BUDGET`]).
    steps: Cell<u64>,
    /// Steps left to the whole check (see [`ORDER_STEP_BUDGET`]).
    order: &'a OrderBudget,
}

impl<'a> Ctx<'a> {
    /// A context with a full step budget, drawing on `order` too.
    pub fn new(
        facts: &'a Facts<'a>,
        item: Option<&'a ItemFacts<'a>>,
        order: &'a OrderBudget,
    ) -> Self {
        Ctx {
            facts,
            item,
            steps: Cell::new(STEP_BUDGET),
            order,
        }
    }

    fn charge(&self, steps: usize) -> Result<(), Error> {
        let steps = u64::try_from(steps).unwrap_or(u64::MAX);
        match (
            self.steps.get().checked_sub(steps),
            self.order.0.get().checked_sub(steps),
        ) {
            (Some(left), Some(order_left)) => {
                self.steps.set(left);
                self.order.0.set(order_left);
                Ok(())
            }
            (_, order_left) => {
                self.steps.set(0);
                if order_left.is_none() {
                    self.order.0.set(0);
                }
                Err(budget_error())
            }
        }
    }

    fn exhausted(&self) -> bool {
        self.steps.get() == 0 || self.order.0.get() == 0
    }
}

fn budget_error() -> Error {
    fail(format!(
        "evaluation exceeded its budget of {STEP_BUDGET} steps, or the order its budget of {ORDER_STEP_BUDGET} (nested comprehensions, long strings or costly patterns over a large order?)"
    ))
}

/// A comprehension variable binding; frames live on the Rust stack.
struct Frame<'p, 'a> {
    value: Value<'a>,
    parent: Option<&'p Frame<'p, 'a>>,
}

/// Errors are boxed inside the evaluator so results stay two words wide (passed in
/// registers) on the hot path; [`eval_bool`] unboxes at the boundary.
type Error = Box<EvalError>;

type R<'a> = Result<Value<'a>, Error>;

fn fail(msg: impl Into<String>) -> Error {
    Box::new(EvalError(msg.into()))
}

fn err<T>(msg: impl Into<String>) -> Result<T, Error> {
    Err(fail(msg))
}

fn no_overload<T>(op: &str) -> Result<T, Error> {
    err(format!("no such overload for `{op}`"))
}

/// Evaluates `node` to a `bool`.
pub fn eval_bool<'a>(node: &'a Node, ctx: &Ctx<'a>) -> Result<bool, EvalError> {
    // `tri` directly rather than through `test`: one call fewer for every rule and line.
    let mut slot = None;
    let outcome = tri(node, ctx, None, &mut slot);
    // Running out of steps fails the whole evaluation, even where `&&`, `||` or
    // `exists` would have absorbed the error.
    if ctx.exhausted() {
        return Err(*budget_error());
    }
    settle(outcome, slot).map_err(|e| *e)
}

/// Evaluates a `bool` node as a `Result`, for callers that want one.
fn test<'a>(node: &'a Node, ctx: &Ctx<'a>, frame: Option<&Frame<'_, 'a>>) -> Result<bool, Error> {
    let mut slot = None;
    let outcome = tri(node, ctx, frame, &mut slot);
    settle(outcome, slot)
}

/// `outcome` as a `Result`, the error taken from `slot` on `Failed`.
fn settle(outcome: Tri, slot: Option<Error>) -> Result<bool, Error> {
    match outcome {
        Tri::True => Ok(true),
        Tri::False => Ok(false),
        Tri::Failed => Err(slot.unwrap_or_else(|| fail("internal: error lost"))),
    }
}

/// The outcome of a `bool` node; on `Failed` the error is in the caller's slot. One
/// byte returned in a register, where a `Result` would go through memory: the logic
/// of nearly every rule runs through here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tri {
    False,
    True,
    Failed,
}

fn bool_tri(b: bool) -> Tri {
    if b {
        Tri::True
    } else {
        Tri::False
    }
}

fn lift(r: Result<bool, Error>, slot: &mut Option<Error>) -> Tri {
    match r {
        Ok(true) => Tri::True,
        Ok(false) => Tri::False,
        Err(e) => {
            *slot = Some(e);
            Tri::Failed
        }
    }
}

/// Evaluates a `bool` node without materializing a [`Value`].
///
/// The right side of `&&` / `||` decides the result by itself whenever the left side
/// neither decided nor failed, so it is evaluated by looping here rather than by a
/// recursive call: rules are chains of `&&` and `||` over leaves, and the call (with
/// this function's register saves) cost more than most leaves.
fn tri<'a>(
    mut node: &'a Node,
    ctx: &Ctx<'a>,
    frame: Option<&Frame<'_, 'a>>,
    slot: &mut Option<Error>,
) -> Tri {
    loop {
        return match node {
            // CEL's commutative `&&` / `||`: the side that decides wins over an error on
            // the other side; when both fail, the left error is reported.
            Node::And(a, b) | Node::Or(a, b) => {
                let decisive = if matches!(node, Node::And(..)) {
                    Tri::False
                } else {
                    Tri::True
                };
                let left = tri(a, ctx, frame, slot);
                if left == decisive {
                    return decisive;
                }
                if left != Tri::Failed {
                    node = b;
                    continue;
                }
                let saved = slot.take();
                let right = tri(b, ctx, frame, slot);
                if right == decisive {
                    return decisive;
                }
                *slot = saved;
                Tri::Failed
            }
            Node::Not(x) => match tri(x, ctx, frame, slot) {
                Tri::False => Tri::True,
                Tri::True => Tri::False,
                Tri::Failed => Tri::Failed,
            },
            Node::Cmp(op, a, b) => lift(cmp_nodes(*op, a, b, ctx, frame), slot),
            Node::In(x, list) => lift(in_nodes(x, list, ctx, frame), slot),
            Node::LevelIs { level, equal } => {
                bool_tri((ctx.facts.customer.level == *level) == *equal)
            }
            Node::HasIssue(issue) => {
                let name = issue.as_str();
                bool_tri(ctx.facts.order.issues.contains(&name))
            }
            Node::Const(Const::Bool(true)) => Tri::True,
            Node::Const(Const::Bool(false)) => Tri::False,
            Node::Fact(f) => lift(read_fact(*f, ctx).and_then(as_bool), slot),
            Node::Comp {
                kind: kind @ (Comp::Exists | Comp::All),
                range,
                pred: Some(pred),
                ..
            } => quantify(*kind == Comp::Exists, range, pred, ctx, frame, slot),
            _ => lift(eval(node, ctx, frame).and_then(as_bool), slot),
        };
    }
}

/// `a op b`. Out of line, as are the other leaves that hold values, so that [`tri`]
/// keeps a small frame: it recurses once per `&&` / `||`.
#[inline(never)]
fn cmp_nodes<'a>(
    op: Cmp,
    a: &'a Node,
    b: &'a Node,
    ctx: &Ctx<'a>,
    frame: Option<&Frame<'_, 'a>>,
) -> Result<bool, Error> {
    // Both operands are evaluated (and charged) before an error in either is reported.
    match (operand(a, ctx, frame), operand(b, ctx, frame)) {
        (Ok(a), Ok(b)) => charge_map_equality(&a, ctx).and_then(|()| cmp(op, &a, &b)),
        (Err(e), _) | (_, Err(e)) => Err(e),
    }
}

/// `x in list`, `key in map` (see [`cmp_nodes`]).
#[inline(never)]
fn in_nodes<'a>(
    x: &'a Node,
    list: &'a Node,
    ctx: &Ctx<'a>,
    frame: Option<&Frame<'_, 'a>>,
) -> Result<bool, Error> {
    match (operand(x, ctx, frame), operand(list, ctx, frame)) {
        (Ok(x), Ok(Value::List(l))) => Ok(l.contains(&x)),
        (Ok(x), Ok(Value::Map(m))) => Ok(m.get(&x).is_some()),
        (Err(e), _) | (_, Err(e)) => Err(e),
        _ => no_overload("in"),
    }
}

/// An operand of a comparison: constants and facts, by far the most common, are read
/// here without a call.
#[inline(always)]
fn operand<'a>(node: &'a Node, ctx: &Ctx<'a>, frame: Option<&Frame<'_, 'a>>) -> R<'a> {
    match node {
        Node::Const(c) => Ok(const_value(c)),
        Node::Fact(f) => read_fact(*f, ctx),
        _ => eval(node, ctx, frame),
    }
}

/// `exists` (`any` = true) and `all` (`any` = false) with CEL's error absorption.
#[inline(never)]
fn quantify<'a>(
    any: bool,
    range: &'a Node,
    pred: &'a Node,
    ctx: &Ctx<'a>,
    frame: Option<&Frame<'_, 'a>>,
    slot: &mut Option<Error>,
) -> Tri {
    let list = match eval(range, ctx, frame) {
        Ok(Value::List(list)) => list,
        Ok(_) => return lift(no_overload("comprehension range"), slot),
        Err(e) => return lift(Err(e), slot),
    };
    let decisive = if any { Tri::True } else { Tri::False };
    let mut first_error = None;
    for i in 0..list.len() {
        if let Err(e) = ctx.charge(1) {
            return lift(Err(e), slot);
        }
        let Some(value) = list.get(i) else { break };
        let inner = Frame {
            value,
            parent: frame,
        };
        match tri(pred, ctx, Some(&inner), slot) {
            Tri::Failed if first_error.is_none() => first_error = slot.take(),
            t if t == decisive => return decisive,
            _ => {}
        }
    }
    match first_error {
        Some(e) => {
            *slot = Some(e);
            Tri::Failed
        }
        None if any => Tri::False,
        None => Tri::True,
    }
}

fn as_bool(v: Value<'_>) -> Result<bool, Error> {
    match v {
        Value::Bool(b) => Ok(b),
        _ => no_overload("bool operand"),
    }
}

fn read_fact<'a>(f: Field, ctx: &Ctx<'a>) -> R<'a> {
    let facts = ctx.facts;
    match f {
        Field::Customer => Ok(Value::Customer(&facts.customer)),
        Field::Order => Ok(Value::Order(&facts.order)),
        Field::Items => Ok(Value::List(List::Items(&facts.items))),
        Field::Verified => Ok(Value::List(List::Strings(facts.verified))),
        Field::Now => Ok(Value::Ts(facts.now)),
        Field::Item => match ctx.item {
            Some(item) => Ok(Value::Item(item)),
            None => err("`item` is only bound in item-scoped rules"),
        },
        _ => {
            // A line's own fields first, where there is a line: item-scoped rules read
            // mostly those. The tables share no field, so the order changes no result.
            if let Some(v) = ctx.item.and_then(|item| item_field(item, f)) {
                return Ok(v);
            }
            if let Some(v) = customer_field(&facts.customer, f) {
                return Ok(v);
            }
            if let Some(v) = order_field(&facts.order, f) {
                return Ok(v);
            }
            if let Some(v) = shipping_field(&facts.order.shipping, f) {
                return Ok(v);
            }
            match ctx.item {
                Some(_) => no_overload("field"),
                None => err("`item` is only bound in item-scoped rules"),
            }
        }
    }
}

fn str_value(s: &str) -> Value<'_> {
    Value::Str(Text::Borrowed(s))
}

/// Expands the fact table (`schema::fact_table`) into one reader per object type
/// (`customer_field`…): a `match` from [`Field`] to the value, as fast as a hand-written
/// one, and never out of step with the names the checker accepts. Only each row's
/// variant and read expression matter here; roots, names and types are the checker's.
macro_rules! field_readers {
    (
        $(#[$_roots_doc:meta])* ROOTS $_roots:tt
        $($(#[$doc:meta])* $_table:ident: $reader:ident($v:ident: $facts:ident) {
            $($_name:literal => $field:ident $_ty:tt = $read:expr,)*
        })*
    ) => {
        $(
            $(#[$doc])*
            fn $reader<'a>($v: &'a $facts<'a>, f: Field) -> Option<Value<'a>> {
                Some(match f {
                    $(Field::$field => $read,)*
                    _ => return None,
                })
            }
        )*
    };
}

super::schema::fact_table!(field_readers);

fn select<'a>(obj: &Value<'a>, f: Field) -> R<'a> {
    let v = match *obj {
        Value::Customer(c) => customer_field(c, f),
        Value::Order(o) => order_field(o, f),
        Value::Shipping(s) => shipping_field(s, f),
        Value::Item(i) => item_field(i, f),
        _ => None,
    };
    v.map_or_else(|| no_overload("field selection"), Ok)
}

/// The hot path: the nodes nearly every rule is made of, kept small so the frame
/// of this recursive function stays small; the rest is in [`eval_rest`].
fn eval<'a>(node: &'a Node, ctx: &Ctx<'a>, frame: Option<&Frame<'_, 'a>>) -> R<'a> {
    match node {
        Node::Const(c) => Ok(const_value(c)),
        Node::Fact(f) => read_fact(*f, ctx),
        Node::Var(depth) => {
            let mut at = frame;
            for _ in 0..*depth {
                at = at.and_then(|f| f.parent);
            }
            match at {
                Some(f) => Ok(f.value.clone()),
                None => err("unbound variable"),
            }
        }
        Node::Select(obj, f) => select(&eval(obj, ctx, frame)?, *f),
        Node::And(..)
        | Node::Or(..)
        | Node::Not(..)
        | Node::Cmp(..)
        | Node::In(..)
        | Node::LevelIs { .. }
        | Node::HasIssue(_) => test(node, ctx, frame).map(Value::Bool),
        _ => eval_rest(node, ctx, frame),
    }
}

fn cmp(op: Cmp, a: &Value<'_>, b: &Value<'_>) -> Result<bool, Error> {
    // Two numbers of one type, what nearly every comparison in a rule holds (a fact
    // against a constant), are ordered here rather than through `equal` / `compare`
    // (which give the same answers for them): two calls and their dispatch saved.
    let ord = match (a, b) {
        (Value::Int(x), Value::Int(y)) => Some(x.cmp(y)),
        (Value::Double(x), Value::Double(y)) => x.partial_cmp(y),
        _ => {
            return match op {
                Cmp::Eq => Ok(equal(a, b)),
                Cmp::Ne => Ok(!equal(a, b)),
                _ => compare(a, b).and_then(|ord| ordered(op, ord)),
            }
        }
    };
    match op {
        Cmp::Eq => Ok(ord == Some(Ordering::Equal)),
        Cmp::Ne => Ok(ord != Some(Ordering::Equal)),
        _ => ordered(op, ord),
    }
}

/// Whether `ord` satisfies the ordering operator `op` (`<`, `<=`, `>`, `>=`).
fn ordered(op: Cmp, ord: Option<Ordering>) -> Result<bool, Error> {
    // As cel-go: ordering a NaN is an error (equality with NaN is false).
    let Some(ord) = ord else {
        return err("NaN values cannot be ordered");
    };
    Ok(match op {
        Cmp::Lt => ord == Ordering::Less,
        Cmp::Le => ord != Ordering::Greater,
        Cmp::Gt => ord == Ordering::Greater,
        _ => ord != Ordering::Less,
    })
}

#[inline(never)]
fn eval_rest<'a>(node: &'a Node, ctx: &Ctx<'a>, frame: Option<&Frame<'_, 'a>>) -> R<'a> {
    match node {
        // Handled by `eval` and `test`; listed so this match stays exhaustive.
        Node::Const(c) => Ok(const_value(c)),
        Node::Fact(f) => read_fact(*f, ctx),
        Node::Select(..)
        | Node::Var(_)
        | Node::Not(_)
        | Node::And(..)
        | Node::Or(..)
        | Node::Cmp(..)
        | Node::In(..)
        | Node::LevelIs { .. }
        | Node::HasIssue(_) => err("internal: node routed to the wrong evaluator"),
        Node::List(items) => {
            ctx.charge(items.len())?;
            let mut out = Vec::with_capacity(items.len());
            for item in items {
                out.push(eval(item, ctx, frame)?);
            }
            Ok(Value::List(List::Owned(Rc::new(out))))
        }
        Node::Map(entries) => map_literal(entries, ctx, frame),
        Node::Neg(x) => match eval(x, ctx, frame)? {
            Value::Int(i) => i
                .checked_neg()
                .map(Value::Int)
                .ok_or_else(|| fail("integer overflow in `-`")),
            Value::Double(d) => Ok(Value::Double(-d)),
            Value::Dur(d) => {
                d.0.checked_neg()
                    .map(|n| Value::Dur(Duration(n)))
                    .ok_or_else(|| fail("duration out of range"))
            }
            _ => no_overload("-"),
        },
        Node::Cond(c, a, b) => {
            if test(c, ctx, frame)? {
                eval(a, ctx, frame)
            } else {
                eval(b, ctx, frame)
            }
        }
        Node::Arith(op, a, b) => arith(*op, eval(a, ctx, frame)?, eval(b, ctx, frame)?, ctx),
        Node::Index(list, index) => {
            let list = eval(list, ctx, frame)?;
            let index = eval(index, ctx, frame)?;
            match (list, index) {
                (Value::List(l), Value::Int(i)) => usize::try_from(i)
                    .ok()
                    .and_then(|i| l.get(i))
                    .ok_or_else(|| {
                        fail(format!("index {i} out of range for a list of {}", l.len()))
                    }),
                (Value::Map(m), key) => m.get(&key).ok_or_else(|| no_such_key(&key)),
                _ => no_overload("[]"),
            }
        }
        Node::Size(x) => match eval(x, ctx, frame)? {
            Value::Str(s) => {
                ctx.charge(s.len() / 16)?;
                Ok(Value::Int(count_i64(s.chars().count())))
            }
            Value::List(l) => Ok(Value::Int(count_i64(l.len()))),
            Value::Map(m) => Ok(Value::Int(count_i64(m.len()))),
            _ => no_overload("size"),
        },
        Node::Str(op, s, arg) => match (eval(s, ctx, frame)?, eval(arg, ctx, frame)?) {
            (Value::Str(s), Value::Str(t)) => {
                // Prefix and suffix tests read at most the argument; `contains` both.
                let read = match op {
                    StrOp::Contains => s.len() + t.len(),
                    StrOp::StartsWith | StrOp::EndsWith => t.len(),
                };
                ctx.charge(read / 16)?;
                Ok(Value::Bool(match op {
                    StrOp::StartsWith => s.starts_with(&*t),
                    StrOp::EndsWith => s.ends_with(&*t),
                    StrOp::Contains => s.contains(&*t),
                }))
            }
            _ => no_overload("string function"),
        },
        Node::Matches(s, re, cost_per_byte) => match eval(s, ctx, frame)? {
            Value::Str(s) => {
                let cost = usize::try_from(*cost_per_byte).unwrap_or(usize::MAX);
                ctx.charge(s.len().saturating_mul(cost).saturating_add(1))?;
                Ok(Value::Bool(re.is_match(&s)))
            }
            _ => no_overload("matches"),
        },
        Node::Convert(conv, x) => convert(*conv, eval(x, ctx, frame)?),
        Node::TimePart(part, t, zone) => {
            let Value::Ts(t) = eval(t, ctx, frame)? else {
                return no_overload(part.name());
            };
            let offset = match zone {
                None => 0,
                Some(z) => match eval(z, ctx, frame)? {
                    Value::Str(z) => zone_offset(&z)?,
                    _ => return no_overload(part.name()),
                },
            };
            Ok(Value::Int(time_part(*part, t, offset)))
        }
        Node::Comp {
            kind,
            range,
            pred,
            map,
        } => comprehension(*kind, range, pred.as_deref(), map.as_deref(), ctx, frame),
    }
}

/// Comparing two maps looks every key of one up in the other: length² / 16 steps.
fn charge_map_equality(a: &Value<'_>, ctx: &Ctx<'_>) -> Result<(), Error> {
    match a {
        Value::Map(m) => ctx.charge(m.len().saturating_mul(m.len()) / 16),
        _ => Ok(()),
    }
}

/// The offset of a zone computed while evaluating; an unknown one is an error (a
/// literal one was checked when the rule was compiled).
fn zone_offset(zone: &str) -> Result<i32, Error> {
    super::zone::offset_of(zone).ok_or_else(|| {
        fail(format!(
            "unknown time zone `{zone}`: {}",
            super::zone::help(zone)
        ))
    })
}

/// `part` of `t` read at `offset` seconds east of UTC, in CEL's numbering.
pub fn time_part(part: TimePart, t: Timestamp, offset: i32) -> i64 {
    let c = t.civil(offset);
    match part {
        TimePart::FullYear => c.year,
        TimePart::Month => c.month0,
        TimePart::DayOfYear => c.day_of_year0,
        TimePart::DayOfMonth => c.day - 1,
        TimePart::Date => c.day,
        TimePart::DayOfWeek => c.weekday,
        TimePart::Hours => c.hour,
        TimePart::Minutes => c.minute,
        TimePart::Seconds => c.second,
        TimePart::Milliseconds => c.millisecond,
    }
}

/// A map key as CEL prints it in an error (`"beijing"`, `2`, `true`).
fn key_text(key: &Value<'_>) -> String {
    match key {
        Value::Str(s) => format!("\"{s}\""),
        Value::Int(i) => format!("{i}"),
        Value::Bool(b) => format!("{b}"),
        _ => String::from("the key"),
    }
}

fn no_such_key(key: &Value<'_>) -> Error {
    fail(format!("no such key: {}", key_text(key)))
}

/// A map literal with computed entries; a key written twice is an error, as in CEL.
fn map_literal<'a>(
    entries: &'a [(Node, Node)],
    ctx: &Ctx<'a>,
    frame: Option<&Frame<'_, 'a>>,
) -> R<'a> {
    // Checking for repeated keys compares every pair: a few dozen entries at most.
    let n = entries.len();
    ctx.charge(n.saturating_mul(n) / 16 + n)?;
    let mut out: Vec<(Value<'a>, Value<'a>)> = Vec::with_capacity(n);
    for (k, v) in entries {
        let key = eval(k, ctx, frame)?;
        if !matches!(key, Value::Int(_) | Value::Str(_) | Value::Bool(_)) {
            return no_overload("map key");
        }
        if out.iter().any(|(seen, _)| equal(seen, &key)) {
            return err(format!("repeated key {} in a map literal", key_text(&key)));
        }
        let value = eval(v, ctx, frame)?;
        out.push((key, value));
    }
    Ok(Value::Map(Map::Owned(Rc::new(out))))
}

fn count_i64(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

#[inline(never)]
fn comprehension<'a>(
    kind: Comp,
    range: &'a Node,
    pred: Option<&'a Node>,
    map: Option<&'a Node>,
    ctx: &Ctx<'a>,
    frame: Option<&Frame<'_, 'a>>,
) -> R<'a> {
    let Value::List(list) = eval(range, ctx, frame)? else {
        return no_overload("comprehension range");
    };
    let mut first_error = None;
    let mut count = 0usize;
    let mut out = Vec::new();
    for i in 0..list.len() {
        ctx.charge(1)?;
        let Some(elem) = list.get(i) else { break };
        let inner = Frame {
            value: elem,
            parent: frame,
        };
        let keep = match pred {
            Some(p) => eval(p, ctx, Some(&inner)).and_then(as_bool),
            None => Ok(true),
        };
        match kind {
            Comp::Exists => match keep {
                Ok(true) => return Ok(Value::Bool(true)),
                Ok(false) => {}
                Err(e) => {
                    first_error.get_or_insert(e);
                }
            },
            Comp::All => match keep {
                Ok(false) => return Ok(Value::Bool(false)),
                Ok(true) => {}
                Err(e) => {
                    first_error.get_or_insert(e);
                }
            },
            Comp::ExistsOne => {
                if keep? {
                    count += 1;
                }
            }
            Comp::Filter => {
                if keep? {
                    out.push(inner.value);
                }
            }
            Comp::Map => {
                if keep? {
                    if let Some(m) = map {
                        out.push(eval(m, ctx, Some(&inner))?);
                    }
                }
            }
        }
    }
    if let Some(e) = first_error {
        return Err(e);
    }
    Ok(match kind {
        Comp::Exists => Value::Bool(false),
        Comp::All => Value::Bool(true),
        Comp::ExistsOne => Value::Bool(count == 1),
        Comp::Filter | Comp::Map => Value::List(List::Owned(Rc::new(out))),
    })
}

/// CEL equality: heterogeneous between `int` and `double`, element-wise for lists,
/// entry-wise for maps.
pub fn equal(a: &Value<'_>, b: &Value<'_>) -> bool {
    match (a, b) {
        (Value::Bool(x), Value::Bool(y)) => x == y,
        (Value::Str(x), Value::Str(y)) => **x == **y,
        (Value::Ts(x), Value::Ts(y)) => x == y,
        (Value::Dur(x), Value::Dur(y)) => x == y,
        (Value::Int(_) | Value::Double(_), Value::Int(_) | Value::Double(_)) => {
            matches!(compare(a, b), Ok(Some(Ordering::Equal)))
        }
        (Value::List(x), Value::List(y)) => {
            x.len() == y.len()
                && (0..x.len()).all(|i| match (x.get(i), y.get(i)) {
                    (Some(p), Some(q)) => equal(&p, &q),
                    _ => false,
                })
        }
        // CEL: the same keys, each with an equal value, whatever the order.
        (Value::Map(x), Value::Map(y)) => {
            x.len() == y.len()
                && (0..x.len()).all(|i| match x.entry(i) {
                    Some((k, v)) => y.get(&k).is_some_and(|w| equal(&v, &w)),
                    None => false,
                })
        }
        (Value::Item(x), Value::Item(y)) => std::ptr::eq(*x, *y),
        _ => false,
    }
}

/// CEL ordering; `None` when a `NaN` makes the values unordered.
pub fn compare(a: &Value<'_>, b: &Value<'_>) -> Result<Option<Ordering>, Error> {
    Ok(match (a, b) {
        (Value::Int(x), Value::Int(y)) => Some(x.cmp(y)),
        (Value::Double(x), Value::Double(y)) => x.partial_cmp(y),
        (Value::Int(x), Value::Double(y)) => cmp_int_double(*x, *y),
        (Value::Double(x), Value::Int(y)) => cmp_int_double(*y, *x).map(Ordering::reverse),
        (Value::Str(x), Value::Str(y)) => Some((**x).cmp(&**y)),
        (Value::Bool(x), Value::Bool(y)) => Some(x.cmp(y)),
        (Value::Ts(x), Value::Ts(y)) => Some(x.cmp(y)),
        (Value::Dur(x), Value::Dur(y)) => Some(x.cmp(y)),
        _ => return no_overload("comparison"),
    })
}

/// Compares an int with a double as cel-go does: a double beyond the int range is
/// beyond every int; otherwise the int is converted to double (exact for every
/// |int| < 2^53, which covers any count or amount a rule sees).
fn cmp_int_double(i: i64, d: f64) -> Option<Ordering> {
    if d.is_nan() {
        return None;
    }
    if d < i64::MIN as f64 {
        return Some(Ordering::Greater);
    }
    if d > i64::MAX as f64 {
        return Some(Ordering::Less);
    }
    (i as f64).partial_cmp(&d)
}

#[inline(never)]
fn arith<'a>(op: Arith, a: Value<'a>, b: Value<'a>, ctx: &Ctx<'_>) -> R<'a> {
    let overflow = || fail("integer overflow");
    match (a, b) {
        (Value::Int(x), Value::Int(y)) => match op {
            Arith::Add => x.checked_add(y).map(Value::Int).ok_or_else(overflow),
            Arith::Sub => x.checked_sub(y).map(Value::Int).ok_or_else(overflow),
            Arith::Mul => x.checked_mul(y).map(Value::Int).ok_or_else(overflow),
            Arith::Div if y == 0 => err("division by zero"),
            Arith::Div => x.checked_div(y).map(Value::Int).ok_or_else(overflow),
            Arith::Rem if y == 0 => err("modulus by zero"),
            Arith::Rem => x.checked_rem(y).map(Value::Int).ok_or_else(overflow),
        },
        (Value::Double(x), Value::Double(y)) => Ok(Value::Double(match op {
            Arith::Add => x + y,
            Arith::Sub => x - y,
            Arith::Mul => x * y,
            Arith::Div => x / y,
            Arith::Rem => return no_overload("%"),
        })),
        (Value::Str(x), Value::Str(y)) if op == Arith::Add => {
            ctx.charge((x.len() + y.len()) / 16 + 1)?;
            let mut s = String::with_capacity(x.len() + y.len());
            s.push_str(&x);
            s.push_str(&y);
            Ok(Value::Str(Text::owned(s)))
        }
        (Value::List(x), Value::List(y)) if op == Arith::Add => {
            ctx.charge(x.len() + y.len())?;
            let mut out = Vec::with_capacity(x.len() + y.len());
            for l in [&x, &y] {
                for i in 0..l.len() {
                    if let Some(v) = l.get(i) {
                        out.push(v);
                    }
                }
            }
            Ok(Value::List(List::Owned(Rc::new(out))))
        }
        (Value::Ts(t), Value::Ts(u)) if op == Arith::Sub => t
            .checked_since(u)
            .map(Value::Dur)
            .ok_or_else(|| fail("timestamp difference out of range")),
        (Value::Ts(t), Value::Dur(d)) | (Value::Dur(d), Value::Ts(t)) if op == Arith::Add => t
            .checked_add(d)
            .map(Value::Ts)
            .ok_or_else(|| fail("timestamp out of range")),
        (Value::Ts(t), Value::Dur(d)) if op == Arith::Sub => {
            d.0.checked_neg()
                .and_then(|n| t.checked_add(Duration(n)))
                .map(Value::Ts)
                .ok_or_else(|| fail("timestamp out of range"))
        }
        (Value::Dur(x), Value::Dur(y)) if matches!(op, Arith::Add | Arith::Sub) => {
            let r = if op == Arith::Add {
                x.0.checked_add(y.0)
            } else {
                x.0.checked_sub(y.0)
            };
            r.map(|n| Value::Dur(Duration(n)))
                .ok_or_else(|| fail("duration out of range"))
        }
        _ => no_overload("arithmetic"),
    }
}

/// `int()`, `double()`, `string()`, `timestamp()`, `duration()` with CEL's results.
#[inline(never)]
pub fn convert(conv: Conv, v: Value<'_>) -> R<'_> {
    match (conv, v) {
        (Conv::Int, Value::Int(i)) => Ok(Value::Int(i)),
        (Conv::Int, Value::Double(d)) => {
            // CEL: truncation towards zero; out of range (or NaN) is an error.
            if d.is_nan() || d <= -9_223_372_036_854_775_809.0 || d >= 9_223_372_036_854_775_807.0 {
                err(format!(
                    "double `{}` is out of the int range",
                    format_double(d)
                ))
            } else {
                Ok(Value::Int(d.trunc() as i64))
            }
        }
        (Conv::Int, Value::Str(s)) => s
            .parse::<i64>()
            .map(Value::Int)
            .or_else(|_| err(format!("cannot convert `{s}` to int"))),
        (Conv::Int, Value::Ts(t)) => Ok(Value::Int(t.seconds())),
        (Conv::Double, Value::Int(i)) => Ok(Value::Double(i as f64)),
        (Conv::Double, Value::Double(d)) => Ok(Value::Double(d)),
        (Conv::Double, Value::Str(s)) => s
            .parse::<f64>()
            .map(Value::Double)
            .or_else(|_| err(format!("cannot convert `{s}` to double"))),
        (Conv::String, Value::Str(s)) => Ok(Value::Str(s)),
        (Conv::String, Value::Int(i)) => Ok(Value::Str(Text::owned(i.to_string()))),
        (Conv::String, Value::Double(d)) => Ok(Value::Str(Text::owned(format_double(d)))),
        (Conv::String, Value::Bool(b)) => {
            Ok(Value::Str(Text::Borrowed(if b { "true" } else { "false" })))
        }
        (Conv::String, Value::Ts(t)) => Ok(Value::Str(Text::owned(t.to_rfc3339()))),
        (Conv::String, Value::Dur(d)) => Ok(Value::Str(Text::owned(d.to_string()))),
        (Conv::Timestamp, Value::Ts(t)) => Ok(Value::Ts(t)),
        (Conv::Timestamp, Value::Int(i)) => i
            .checked_mul(1_000_000_000)
            .map(|n| Value::Ts(Timestamp(n)))
            .ok_or_else(|| fail("timestamp out of range")),
        (Conv::Timestamp, Value::Str(s)) => Timestamp::parse_rfc3339(&s)
            .map(Value::Ts)
            .map_err(|e| fail(e.0)),
        (Conv::Duration, Value::Dur(d)) => Ok(Value::Dur(d)),
        (Conv::Duration, Value::Str(s)) => parse_cel_duration(&s)
            .map(Value::Dur)
            .map_err(|e| fail(e.0)),
        (conv, _) => no_overload(conv.name()),
    }
}

/// Formats a double as CEL (Go's `strconv.FormatFloat(d, 'g', -1, 64)`) does:
/// shortest digits, exponent form below 1e-4 and from 1e6 up (`1e+06`).
///
/// The shortest digits come from `zmij` (the float writer the JSON writer already
/// links: `1e21`, `1.5e-7`, `120.0`), taken apart and laid out again: core's `Display`
/// and `LowerExp` for `f64` cost ~14 KB of wasm with their tables, for this one
/// conversion (docs/BENCHMARKS.md, "Issue 11: the runtime under 200 KB").
pub fn format_double(d: f64) -> String {
    if d.is_nan() {
        return "NaN".into();
    }
    if d.is_infinite() {
        return if d > 0.0 { "+Inf" } else { "-Inf" }.into();
    }
    let (negative, digits, exp) = shortest_digits(zmij::Buffer::new().format_finite(d));
    let mut out = String::with_capacity(digits.len() + 8);
    if negative {
        out.push('-');
    }
    let Some((first, rest)) = digits.split_first() else {
        out.push('0');
        return out;
    };
    if !(-4..6).contains(&exp) {
        out.push(char::from(*first));
        if !rest.is_empty() {
            out.push('.');
            rest.iter().for_each(|&c| out.push(char::from(c)));
        }
        out.push_str(if exp < 0 { "e-" } else { "e+" });
        let exp = exp.unsigned_abs();
        if exp < 10 {
            out.push('0');
        }
        out.push_str(&exp.to_string());
    } else if exp < 0 {
        out.push_str("0.");
        (1..exp.unsigned_abs()).for_each(|_| out.push('0'));
        digits.iter().for_each(|&c| out.push(char::from(c)));
    } else {
        // `exp + 1` digits before the point, the digits padded with zeros to reach them.
        let whole = exp.unsigned_abs() as usize + 1;
        (0..whole.max(digits.len())).for_each(|i| {
            if i == whole {
                out.push('.');
            }
            out.push(char::from(digits.get(i).copied().unwrap_or(b'0')));
        });
    }
    out
}

/// A finite double as `zmij` prints it (`-1.25e-7`, `120.0`, `1e21`, `0.0`) taken apart:
/// the sign, the significant digits without leading or trailing zeros (none for zero),
/// and the decimal exponent of the first digit.
fn shortest_digits(printed: &str) -> (bool, Vec<u8>, i32) {
    let (negative, number) = match printed.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, printed),
    };
    let (mantissa, scale) = match number.split_once(['e', 'E']) {
        Some((mantissa, exp)) => (mantissa, exp.parse::<i32>().unwrap_or(0)),
        None => (number, 0),
    };
    let (whole, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let mut digits: Vec<u8> = whole.bytes().chain(fraction.bytes()).collect();
    // The first digit's exponent: the point is after `whole`, moved by the exponent.
    let mut first = whole.len() as i32 - 1 + scale;
    let leading = digits.iter().take_while(|&&c| c == b'0').count();
    digits.drain(..leading);
    first -= leading as i32;
    while digits.last() == Some(&b'0') {
        digits.pop();
    }
    (negative, digits, first)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The formatting `format_double` had before it left `LowerExp`.
    fn format_double_with_core(d: f64) -> String {
        if d.is_nan() {
            return "NaN".into();
        }
        if d.is_infinite() {
            return if d > 0.0 { "+Inf" } else { "-Inf" }.into();
        }
        let sci = format!("{d:e}");
        let (mantissa, exp) = sci.split_once('e').unwrap();
        let exp: i32 = exp.parse().unwrap();
        if !(-4..6).contains(&exp) {
            let sign = if exp < 0 { '-' } else { '+' };
            format!("{mantissa}e{sign}{:02}", exp.unsigned_abs())
        } else {
            format!("{d}")
        }
    }

    #[test]
    fn format_double_matches_go_and_cores_digits() {
        for (d, go) in [
            (0.0, "0"),
            (-0.0, "-0"),
            (1.0, "1"),
            (-2.5, "-2.5"),
            (0.0001, "0.0001"),
            (0.00001234, "1.234e-05"),
            (123456.0, "123456"),
            (1234567.0, "1.234567e+06"),
            (1e21, "1e+21"),
            (1e100, "1e+100"),
            (5e-324, "5e-324"),
            (f64::MAX, "1.7976931348623157e+308"),
            (0.1 + 0.2, "0.30000000000000004"),
            (100.0, "100"),
            (999999.5, "999999.5"),
        ] {
            assert_eq!(format_double(d), go, "{d:?}");
            assert_eq!(format_double_with_core(d), go, "{d:?}");
        }
        // A tie between two shortest candidates rounds to the even digit, as Go's
        // `ryuFtoaShortest` does ("the half integer should round to next (even) integer");
        // core's `Display` rounds it up (…5623e+15).
        let tie = f64::from(1_658_206_780_u32) * 1e6 + 88_562.25;
        assert_eq!(
            tie.fract(),
            0.25,
            "exactly halfway between …562.2 and …562.3"
        );
        assert_eq!(format_double(tie), "1.6582067800885622e+15");
        // Every exponent, random digits, and doubles halfway between two shortest
        // candidates: the same text as core's formatting gives, except at such a tie.
        let mut state = 0x9e37_79b9_7f4a_7c15_u64;
        let random = (0..100_000).map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            f64::from_bits(state)
        });
        let halfway = [1u64 << 49, 1 << 50, 1 << 51, 1 << 52]
            .into_iter()
            .flat_map(|base| {
                (0..5_000u64).flat_map(move |i| {
                    [0.125, 0.25, 0.5, 0.75].into_iter().flat_map(move |frac| {
                        [1.0, -1.0].map(|sign| sign * ((base + i * 7919) as f64 + frac))
                    })
                })
            });
        let mut ties = 0;
        for d in random.chain(halfway) {
            let (ours, core) = (format_double(d), format_double_with_core(d));
            if ours != core {
                assert_tie_to_even(d, &ours, &core);
                ties += 1;
            }
        }
        assert!(ties > 0, "the halfway doubles include ties");
    }

    /// `ours` and `core` are two shortest texts of `d` one unit apart in their last
    /// digit, and `ours` ends in the even one.
    fn assert_tie_to_even(d: f64, ours: &str, core: &str) {
        assert_eq!(ours.parse::<f64>().ok(), Some(d), "{ours} is not {d:?}");
        assert_eq!(core.parse::<f64>().ok(), Some(d), "{core} is not {d:?}");
        let digits = |s: &str| shortest_digits(s).1;
        let (a, b) = (digits(ours), digits(core));
        assert_eq!(a.len(), b.len(), "{ours} and {core} are not equally short");
        let last = |v: &[u8]| v.last().map_or(0, |&c| c - b'0');
        assert_eq!(
            last(&a) % 2,
            0,
            "{ours} (for {d:?}) does not end in an even digit"
        );
        assert_eq!(
            last(&a) + 1,
            last(&b),
            "{ours} and {core} are not one digit apart"
        );
    }

    #[test]
    fn int_double_ordering_follows_cel_go() {
        assert_eq!(cmp_int_double(1, 1.0), Some(Ordering::Equal));
        assert_eq!(cmp_int_double(1, 1.5), Some(Ordering::Less));
        assert_eq!(cmp_int_double(-1, -1.5), Some(Ordering::Greater));
        // The int is converted to double, as cel-go does: i64::MAX becomes 2^63.
        assert_eq!(
            cmp_int_double(i64::MAX, 9.223_372_036_854_776e18),
            Some(Ordering::Equal)
        );
        assert_eq!(cmp_int_double(i64::MAX, 1.8e19), Some(Ordering::Less));
        assert_eq!(cmp_int_double(i64::MIN, -1.8e19), Some(Ordering::Greater));
        assert_eq!(cmp_int_double(0, f64::NAN), None);
        assert_eq!(cmp_int_double(0, f64::INFINITY), Some(Ordering::Less));
    }

    #[test]
    fn arithmetic_errors() {
        let facts = Facts {
            customer: Default::default(),
            order: Default::default(),
            items: Vec::new(),
            verified: &[],
            now: Timestamp(0),
        };
        let budget = OrderBudget::new();
        let ctx = Ctx::new(&facts, None, &budget);
        let e = |r: R<'_>| r.unwrap_err().0;
        assert_eq!(
            e(arith(Arith::Div, Value::Int(1), Value::Int(0), &ctx)),
            "division by zero"
        );
        assert_eq!(
            e(arith(Arith::Rem, Value::Int(1), Value::Int(0), &ctx)),
            "modulus by zero"
        );
        assert_eq!(
            e(arith(Arith::Add, Value::Int(i64::MAX), Value::Int(1), &ctx)),
            "integer overflow"
        );
        assert_eq!(
            e(arith(
                Arith::Div,
                Value::Int(i64::MIN),
                Value::Int(-1),
                &ctx
            )),
            "integer overflow"
        );
        assert!(matches!(
            arith(Arith::Div, Value::Double(1.0), Value::Double(0.0), &ctx),
            Ok(Value::Double(d)) if d.is_infinite()
        ));
        assert!(matches!(
            arith(Arith::Rem, Value::Int(-7), Value::Int(2), &ctx),
            Ok(Value::Int(-1))
        ));
    }

    #[test]
    fn conversions() {
        assert!(matches!(
            convert(Conv::Int, Value::Double(-2.9)),
            Ok(Value::Int(-2))
        ));
        assert!(convert(Conv::Int, Value::Double(1e19)).is_err());
        assert!(convert(Conv::Int, Value::Double(f64::NAN)).is_err());
        assert!(convert(Conv::Int, Value::Str("12x".into())).is_err());
        assert!(
            matches!(convert(Conv::Double, Value::Str("2.5".into())), Ok(Value::Double(d)) if d == 2.5)
        );
    }

    #[test]
    fn doubles_format_like_cel() {
        assert_eq!(format_double(1.5), "1.5");
        assert_eq!(format_double(100.0), "100");
        assert_eq!(format_double(123456.0), "123456");
        assert_eq!(format_double(1e6), "1e+06");
        assert_eq!(format_double(1234567.0), "1.234567e+06");
        assert_eq!(format_double(1e21), "1e+21");
        assert_eq!(format_double(1.0e-5), "1e-05");
        assert_eq!(format_double(0.0001), "0.0001");
        assert_eq!(format_double(-2.5e30), "-2.5e+30");
        assert_eq!(format_double(f64::NAN), "NaN");
    }
}
