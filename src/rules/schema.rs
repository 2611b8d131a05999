//! The fact schema (docs/semantics.md §6): which names exist, their
//! types, and the [`Field`] the evaluator reads for each. The docs' facts table and
//! this file must agree; `docs/rules.md` is checked against [`ROOTS`] and the field
//! tables in the tests.

use super::types::Type;

/// Every fact the evaluator can read, resolved at compile time so evaluation is a
/// `match`, not a name lookup.
#[allow(missing_docs)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    // Roots.
    Customer,
    Order,
    Items,
    Item,
    Verified,
    Now,
    // customer.*
    CustomerLevel,
    CustomerListed,
    CustomerReasons,
    CustomerMatched,
    CustomerKnown,
    CustomerAccountAgeDays,
    CustomerOrders90d,
    CustomerRefunds90d,
    CustomerRefundRate,
    CustomerChargebacks365d,
    CustomerAddresses90d,
    // order.*
    OrderTotal,
    OrderCurrency,
    OrderLineCount,
    OrderItemCount,
    OrderChannel,
    OrderCreatedAt,
    OrderShipping,
    OrderIssues,
    // order.shipping.*
    ShippingProvince,
    ShippingCity,
    ShippingDistrict,
    ShippingLine1,
    ShippingName,
    ShippingPhone,
    // item.* / items[].*
    ItemSku,
    ItemName,
    ItemCategory,
    ItemPrice,
    ItemQuantity,
    ItemLineTotal,
    ItemTags,
    ItemHighValue,
    ItemLimited,
    ItemRestricted,
    ItemKnown,
    ItemMaxPerOrder,
}

/// A named fact or field with its type.
#[derive(Debug, Clone, Copy)]
pub struct Entry {
    /// The name as written in rules.
    pub name: &'static str,
    /// What the evaluator reads.
    pub field: Field,
    /// Its type, built on demand (types with lists are not `const`).
    pub ty: fn() -> Type,
}

macro_rules! entries {
    ($($name:literal => $field:ident : $ty:expr),* $(,)?) => {
        &[$(Entry { name: $name, field: Field::$field, ty: || $ty }),*]
    };
}

/// The top-level names (`item` is only bound in item-scoped rules).
pub const ROOTS: &[Entry] = entries![
    "customer" => Customer: Type::Customer,
    "order" => Order: Type::Order,
    "items" => Items: Type::list(Type::Item),
    "item" => Item: Type::Item,
    "verified" => Verified: Type::list(Type::String),
    "now" => Now: Type::Timestamp,
];

/// `customer.*`
pub const CUSTOMER: &[Entry] = entries![
    "level" => CustomerLevel: Type::String,
    "listed" => CustomerListed: Type::Bool,
    "reasons" => CustomerReasons: Type::list(Type::String),
    "matched" => CustomerMatched: Type::list(Type::String),
    "known" => CustomerKnown: Type::Bool,
    "account_age_days" => CustomerAccountAgeDays: Type::Int,
    "orders_90d" => CustomerOrders90d: Type::Int,
    "refunds_90d" => CustomerRefunds90d: Type::Int,
    "refund_rate" => CustomerRefundRate: Type::Double,
    "chargebacks_365d" => CustomerChargebacks365d: Type::Int,
    "addresses_90d" => CustomerAddresses90d: Type::Int,
];

/// `order.*`
pub const ORDER: &[Entry] = entries![
    "total" => OrderTotal: Type::Double,
    "currency" => OrderCurrency: Type::String,
    "line_count" => OrderLineCount: Type::Int,
    "item_count" => OrderItemCount: Type::Int,
    "channel" => OrderChannel: Type::String,
    "created_at" => OrderCreatedAt: Type::Timestamp,
    "shipping" => OrderShipping: Type::Shipping,
    "issues" => OrderIssues: Type::list(Type::String),
];

/// `order.shipping.*`
pub const SHIPPING: &[Entry] = entries![
    "province" => ShippingProvince: Type::String,
    "city" => ShippingCity: Type::String,
    "district" => ShippingDistrict: Type::String,
    "line1" => ShippingLine1: Type::String,
    "name" => ShippingName: Type::String,
    "phone" => ShippingPhone: Type::String,
];

/// `item.*`
pub const ITEM: &[Entry] = entries![
    "sku" => ItemSku: Type::String,
    "name" => ItemName: Type::String,
    "category" => ItemCategory: Type::String,
    "price" => ItemPrice: Type::Double,
    "quantity" => ItemQuantity: Type::Int,
    "line_total" => ItemLineTotal: Type::Double,
    "tags" => ItemTags: Type::list(Type::String),
    "high_value" => ItemHighValue: Type::Bool,
    "limited" => ItemLimited: Type::Bool,
    "restricted" => ItemRestricted: Type::Bool,
    "known" => ItemKnown: Type::Bool,
    "max_per_order" => ItemMaxPerOrder: Type::Int,
];

/// The customer levels `customer.level` can hold.
pub const LEVELS: &[&str] = &["none", "watch", "step_up", "block"];

/// The names `order.issues` can hold (docs/semantics.md §7).
pub const ISSUES: &[&str] = &[
    "missing_recipient",
    "invalid_phone",
    "incomplete_address",
    "unknown_sku",
    "price_mismatch",
    "currency_mismatch",
    "over_max_per_order",
    "duplicate_recent",
];

/// The fields of an object type, if it has any.
pub fn fields_of(ty: &Type) -> Option<&'static [Entry]> {
    match ty {
        Type::Customer => Some(CUSTOMER),
        Type::Order => Some(ORDER),
        Type::Shipping => Some(SHIPPING),
        Type::Item => Some(ITEM),
        _ => None,
    }
}

/// Finds a name in a table.
pub fn lookup(table: &'static [Entry], name: &str) -> Option<&'static Entry> {
    table.iter().find(|e| e.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_object_has_its_fields() {
        assert_eq!(fields_of(&Type::Customer).map(<[_]>::len), Some(11));
        assert_eq!(fields_of(&Type::Item).map(<[_]>::len), Some(12));
        assert!(fields_of(&Type::Int).is_none());
        assert_eq!(
            lookup(ORDER, "issues").map(|e| (e.ty)()),
            Some(Type::list(Type::String))
        );
        assert!(lookup(ITEM, "nope").is_none());
    }
}
