//! The static types of the rule language: CEL's scalar types, lists, and the object
//! types of the fact schema (`customer`, `order`, …), which only support field access.

use super::program::{Arith, Conv};
use std::fmt;

/// A static type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Type {
    /// `bool`
    Bool,
    /// `int` (64-bit signed)
    Int,
    /// `double`
    Double,
    /// `string`
    String,
    /// `google.protobuf.Timestamp`
    Timestamp,
    /// `google.protobuf.Duration`
    Duration,
    /// `null_type`
    Null,
    /// `list(T)`
    List(Box<Type>),
    /// `map(K, V)`: keys `int`, `string` or `bool` (or `dyn` for `{}`).
    Map(Box<Type>, Box<Type>),
    /// The `customer` fact.
    Customer,
    /// The `order` fact.
    Order,
    /// `order.shipping`
    Shipping,
    /// An element of `items`, and `item`.
    Item,
    /// The element type of an empty list literal: unifies with anything.
    Dyn,
    /// A sub-expression that already failed to check: never reported again.
    Error,
}

impl Type {
    /// `list(elem)`
    pub fn list(elem: Type) -> Type {
        Type::List(Box::new(elem))
    }

    /// `map(key, value)`
    pub fn map(key: Type, value: Type) -> Type {
        Type::Map(Box::new(key), Box::new(value))
    }

    /// Whether values of this type may be map keys (CEL's `int`, `string`, `bool`; an
    /// already failed or unknown type is let through).
    pub fn is_map_key(&self) -> bool {
        matches!(self, Type::Int | Type::String | Type::Bool) || self.is_lenient()
    }

    /// Whether this is `int` or `double`.
    pub fn is_numeric(&self) -> bool {
        matches!(self, Type::Int | Type::Double)
    }

    /// Whether an error was already reported for it (or it is unknown).
    pub fn is_lenient(&self) -> bool {
        matches!(self, Type::Error | Type::Dyn)
    }

    /// Whether this is one of the fact objects, which have fields but no operators.
    pub fn is_object(&self) -> bool {
        matches!(
            self,
            Type::Customer | Type::Order | Type::Shipping | Type::Item
        )
    }

    /// Whether values of the two types can be compared with `==` (CEL's heterogeneous
    /// numeric equality included): the same type, or `int` with `double`.
    pub fn comparable_with(&self, other: &Type) -> bool {
        match (self, other) {
            (a, b) if a.is_lenient() || b.is_lenient() => true,
            (a, b) if a.is_numeric() && b.is_numeric() => true,
            (Type::List(a), Type::List(b)) => a.comparable_with(b),
            (Type::Map(ak, av), Type::Map(bk, bv)) => {
                ak.comparable_with(bk) && av.comparable_with(bv)
            }
            (a, b) => a == b && !a.is_object(),
        }
    }

    /// Whether `< <= > >=` are defined between the two types.
    pub fn orderable_with(&self, other: &Type) -> bool {
        match (self, other) {
            (a, b) if a.is_lenient() || b.is_lenient() => true,
            (a, b) if a.is_numeric() && b.is_numeric() => true,
            (a, b) => {
                a == b
                    && matches!(
                        a,
                        Type::Bool | Type::String | Type::Timestamp | Type::Duration
                    )
            }
        }
    }

    /// The common type of two branches or list elements, if any (`dyn` and already
    /// failed types give way to the other).
    pub fn unify(&self, other: &Type) -> Option<Type> {
        match (self, other) {
            (Type::Error, _) | (_, Type::Error) => Some(Type::Error),
            (Type::Dyn, t) | (t, Type::Dyn) => Some(t.clone()),
            (Type::List(a), Type::List(b)) => a.unify(b).map(Type::list),
            (Type::Map(ak, av), Type::Map(bk, bv)) => Some(Type::map(ak.unify(bk)?, av.unify(bv)?)),
            (a, b) if a == b => Some(a.clone()),
            _ => None,
        }
    }
}

/// The type of `a op b`, if the operator is defined on those types (CEL does not mix
/// `int` and `double` in arithmetic). The checker and the program decoder both type
/// arithmetic with this table.
pub fn arith_result(op: Arith, a: &Type, b: &Type) -> Option<Type> {
    use Type as T;
    match (op, a, b) {
        (_, T::Int, T::Int) => Some(T::Int),
        (Arith::Add | Arith::Sub | Arith::Mul | Arith::Div, T::Double, T::Double) => {
            Some(T::Double)
        }
        (Arith::Add, T::String, T::String) => Some(T::String),
        (Arith::Add, T::List(x), T::List(y)) => x.unify(y).map(T::list),
        (Arith::Add, T::Timestamp, T::Duration)
        | (Arith::Add, T::Duration, T::Timestamp)
        | (Arith::Sub, T::Timestamp, T::Duration) => Some(T::Timestamp),
        (Arith::Sub, T::Timestamp, T::Timestamp)
        | (Arith::Add | Arith::Sub, T::Duration, T::Duration) => Some(T::Duration),
        _ => None,
    }
}

/// The type `conv(x)` returns for an `x` of type `t`, if it converts that type. The
/// checker and the program decoder both type conversions with this table.
pub fn conversion_result(conv: Conv, t: &Type) -> Option<Type> {
    use Type as T;
    let (allowed, to) = match conv {
        Conv::Int => (
            matches!(t, T::Int | T::Double | T::String | T::Timestamp),
            T::Int,
        ),
        Conv::Double => (matches!(t, T::Int | T::Double | T::String), T::Double),
        Conv::String => (
            matches!(
                t,
                T::Int | T::Double | T::String | T::Bool | T::Timestamp | T::Duration
            ),
            T::String,
        ),
        Conv::Timestamp => (matches!(t, T::String | T::Int | T::Timestamp), T::Timestamp),
        Conv::Duration => (matches!(t, T::String | T::Duration), T::Duration),
    };
    allowed.then_some(to)
}

impl fmt::Display for Type {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Type::Bool => f.write_str("bool"),
            Type::Int => f.write_str("int"),
            Type::Double => f.write_str("double"),
            Type::String => f.write_str("string"),
            Type::Timestamp => f.write_str("timestamp"),
            Type::Duration => f.write_str("duration"),
            Type::Null => f.write_str("null"),
            Type::List(e) => write!(f, "list<{e}>"),
            Type::Map(k, v) => write!(f, "map({k}, {v})"),
            Type::Customer => f.write_str("customer"),
            Type::Order => f.write_str("order"),
            Type::Shipping => f.write_str("order.shipping"),
            Type::Item => f.write_str("item"),
            Type::Dyn => f.write_str("dyn"),
            Type::Error => f.write_str("error"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numeric_comparison_is_heterogeneous() {
        assert!(Type::Int.comparable_with(&Type::Double));
        assert!(Type::Int.orderable_with(&Type::Double));
        assert!(!Type::Int.comparable_with(&Type::String));
        assert!(!Type::Customer.comparable_with(&Type::Customer));
        assert!(!Type::list(Type::Int).orderable_with(&Type::list(Type::Int)));
        assert_eq!(
            Type::list(Type::Dyn).unify(&Type::list(Type::String)),
            Some(Type::list(Type::String))
        );
        assert_eq!(Type::Int.unify(&Type::Double), None);
        assert_eq!(Type::list(Type::String).to_string(), "list<string>");
    }
}
