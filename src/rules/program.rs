//! The checked, resolved form of a rule that the evaluator runs: names are resolved to
//! [`Field`]s, operators to their typed meaning, constant calls (`timestamp("…")`,
//! `duration("…")`) folded, and `matches` patterns compiled — so evaluating does no
//! lookups and no parsing.

use super::schema::Field;
use crate::model::{Issue, Level};
use crate::time::{Duration, Timestamp};

/// A constant value known at compile time.
#[derive(Debug, Clone, PartialEq)]
pub enum Const {
    /// `bool`
    Bool(bool),
    /// `int`
    Int(i64),
    /// `double`
    Double(f64),
    /// `string`
    Str(String),
    /// `timestamp`
    Ts(Timestamp),
    /// `duration`
    Dur(Duration),
    /// A list of constants.
    List(Vec<Const>),
    /// A map of constants: its entries in written order, no key twice.
    Map(Vec<(Const, Const)>),
}

/// Arithmetic operators (the operand types were checked; the evaluator dispatches on
/// the values it gets).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arith {
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

impl Arith {
    /// Every operator, in the order of its stored code (`snapshot::format::node`).
    pub const ALL: [Arith; 5] = [Arith::Add, Arith::Sub, Arith::Mul, Arith::Div, Arith::Rem];
}

/// Comparison operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cmp {
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
}

impl Cmp {
    /// Every operator, in the order of its stored code (`snapshot::format::node`).
    pub const ALL: [Cmp; 6] = [Cmp::Eq, Cmp::Ne, Cmp::Lt, Cmp::Le, Cmp::Gt, Cmp::Ge];
}

/// String predicates taking one string argument.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StrOp {
    /// `startsWith`
    StartsWith,
    /// `endsWith`
    EndsWith,
    /// `contains`
    Contains,
}

impl StrOp {
    /// Every operator, in the order of its stored code (`snapshot::format::node`).
    pub const ALL: [StrOp; 3] = [StrOp::StartsWith, StrOp::EndsWith, StrOp::Contains];
}

/// Type conversions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Conv {
    /// `int(x)`
    Int,
    /// `double(x)`
    Double,
    /// `string(x)`
    String,
    /// `timestamp(x)`
    Timestamp,
    /// `duration(x)`
    Duration,
}

impl Conv {
    /// Every conversion, in the order of its stored code (`snapshot::format::node`).
    pub const ALL: [Conv; 5] = [
        Conv::Int,
        Conv::Double,
        Conv::String,
        Conv::Timestamp,
        Conv::Duration,
    ];

    /// The function's name.
    pub fn name(self) -> &'static str {
        match self {
            Conv::Int => "int",
            Conv::Double => "double",
            Conv::String => "string",
            Conv::Timestamp => "timestamp",
            Conv::Duration => "duration",
        }
    }
}

/// CEL's timestamp accessors (`t.getHours()`, `t.getHours("Asia/Shanghai")`), in
/// CEL's numbering: months, days of the month (`getDayOfMonth`) and days of the year
/// count from 0, `getDate` from 1, and the week starts on Sunday = 0.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimePart {
    /// `getFullYear`
    FullYear,
    /// `getMonth`: 0 = January.
    Month,
    /// `getDayOfYear`: 0 = 1 January.
    DayOfYear,
    /// `getDayOfMonth`: 0 = the first.
    DayOfMonth,
    /// `getDate`: 1 = the first.
    Date,
    /// `getDayOfWeek`: 0 = Sunday.
    DayOfWeek,
    /// `getHours`
    Hours,
    /// `getMinutes`
    Minutes,
    /// `getSeconds`
    Seconds,
    /// `getMilliseconds`
    Milliseconds,
}

impl TimePart {
    /// Every accessor, in the order of its stored code (`snapshot::format::node`).
    pub const ALL: [TimePart; 10] = [
        TimePart::FullYear,
        TimePart::Month,
        TimePart::DayOfYear,
        TimePart::DayOfMonth,
        TimePart::Date,
        TimePart::DayOfWeek,
        TimePart::Hours,
        TimePart::Minutes,
        TimePart::Seconds,
        TimePart::Milliseconds,
    ];

    /// The method's name.
    pub fn name(self) -> &'static str {
        match self {
            TimePart::FullYear => "getFullYear",
            TimePart::Month => "getMonth",
            TimePart::DayOfYear => "getDayOfYear",
            TimePart::DayOfMonth => "getDayOfMonth",
            TimePart::Date => "getDate",
            TimePart::DayOfWeek => "getDayOfWeek",
            TimePart::Hours => "getHours",
            TimePart::Minutes => "getMinutes",
            TimePart::Seconds => "getSeconds",
            TimePart::Milliseconds => "getMilliseconds",
        }
    }

    /// The accessor called `name`.
    #[cfg(feature = "compiler")]
    pub fn by_name(name: &str) -> Option<TimePart> {
        TimePart::ALL.iter().copied().find(|p| p.name() == name)
    }
}

/// The comprehension macros.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Comp {
    /// `exists(x, p)`: some element satisfies `p` (errors absorbed as for `||`).
    Exists,
    /// `all(x, p)`: every element satisfies `p` (errors absorbed as for `&&`).
    All,
    /// `exists_one(x, p)`: exactly one element satisfies `p`.
    ExistsOne,
    /// `filter(x, p)`: the elements satisfying `p`.
    Filter,
    /// `map(x, e)` / `map(x, p, e)`: `e` of each element (satisfying `p`).
    Map,
}

impl Comp {
    /// Every operator, in the order of its stored code (`snapshot::format::node`).
    pub const ALL: [Comp; 5] = [
        Comp::Exists,
        Comp::All,
        Comp::ExistsOne,
        Comp::Filter,
        Comp::Map,
    ];
}

/// A node of the resolved program.
#[derive(Debug, Clone)]
pub enum Node {
    /// A constant.
    Const(Const),
    /// A fact reached from a root name (`customer.level`, `items`, `item.sku`, `now`).
    Fact(Field),
    /// A field of an object value (`i.sku` where `i` ranges over `items`).
    Select(Box<Node>, Field),
    /// A comprehension variable: 0 is the innermost.
    Var(u32),
    /// A list literal with non-constant elements.
    List(Vec<Node>),
    /// A map literal with a non-constant key or value: its entries in written order.
    Map(Vec<(Node, Node)>),
    /// `!x`
    Not(Box<Node>),
    /// `-x`
    Neg(Box<Node>),
    /// `a && b`
    And(Box<Node>, Box<Node>),
    /// `a || b`
    Or(Box<Node>, Box<Node>),
    /// `c ? a : b`
    Cond(Box<Node>, Box<Node>, Box<Node>),
    /// `a + b` etc.
    Arith(Arith, Box<Node>, Box<Node>),
    /// `a == b` etc.
    Cmp(Cmp, Box<Node>, Box<Node>),
    /// `a in list`, `key in map`
    In(Box<Node>, Box<Node>),
    /// `customer.level == "…"` (`equal`) or `!=` against a level name, interned when the
    /// rule is compiled: the evaluator compares the fact's [`Level`] enum, not its name.
    LevelIs {
        /// The level named by the literal.
        level: Level,
        /// `==` (true) or `!=` (false).
        equal: bool,
    },
    /// `"…" in order.issues` for a name that is an [`Issue`], interned when the rule is
    /// compiled: the evaluator scans `order.issues` for it directly, with no operand
    /// values or list dispatch.
    HasIssue(Issue),
    /// `list[i]`, `map[key]`
    Index(Box<Node>, Box<Node>),
    /// `size(x)` (a string, list or map)
    Size(Box<Node>),
    /// `s.startsWith(t)` etc.
    Str(StrOp, Box<Node>, Box<Node>),
    /// `s.matches("re")`, the pattern compiled when the rule was, and the steps it
    /// costs per byte of subject (`eval::regex_cost_per_byte`).
    Matches(Box<Node>, Box<regex_lite::Regex>, u32),
    /// `int(x)` etc.
    Convert(Conv, Box<Node>),
    /// `t.getHours()` etc.: the timestamp, and the zone (a string) if one was given.
    TimePart(TimePart, Box<Node>, Option<Box<Node>>),
    /// A comprehension over `range` with the variable bound to each element.
    Comp {
        /// Which macro.
        kind: Comp,
        /// The list iterated.
        range: Box<Node>,
        /// The predicate (`exists`, `all`, `exists_one`, `filter`, and `map`'s filter).
        pred: Option<Box<Node>>,
        /// `map`'s transform.
        map: Option<Box<Node>>,
    },
}
