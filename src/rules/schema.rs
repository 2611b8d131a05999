//! The fact schema (docs/semantics.md §6): which names exist, their
//! types, and the [`Field`] the evaluator reads for each. The checker and the evaluator
//! read these tables; `docs/rules.md`'s facts tables, the `Facts` interface in
//! `src/wasm.d.ts` and the JSON of `rules::facts` are tested against them both ways
//! (`schema_agreement.rs`).

use super::types::Type;
use crate::model::{Issue, Level};

/// The fact table: one row per name, `"name" => Field (its type) = how the evaluator
/// reads it` from the facts struct the section binds (`c: CustomerFacts`…). Written once
/// and expanded twice (an "x-macro", like a wirefilter `Scheme` in one place): below
/// into [`Field`] and the name tables the checker reads, and in `eval.rs` into the
/// field readers, so a fact cannot be known to one and missing from the other. Roots
/// have no reader here: `eval.rs` binds them from the facts and the current line.
macro_rules! fact_table {
    ($expand:ident) => {
        $expand! {
            /// The top-level names (`item` is only bound in item-scoped rules).
            ROOTS {
                "customer" => Customer (Type::Customer),
                "order" => Order (Type::Order),
                "items" => Items (Type::list(Type::Item)),
                "item" => Item (Type::Item),
                "verified" => Verified (Type::list(Type::String)),
                "now" => Now (Type::Timestamp),
            }
            /// `customer.*`
            CUSTOMER: customer_field(c: CustomerFacts) {
                "level" => CustomerLevel (Type::String) = str_value(c.level.as_str()),
                "level_certain" => CustomerLevelCertain (Type::Bool) = Value::Bool(c.level_certain),
                "listed" => CustomerListed (Type::Bool) = Value::Bool(c.listed),
                "reasons" => CustomerReasons (Type::list(Type::String)) = Value::List(List::Strs(&c.reasons)),
                "matched" => CustomerMatched (Type::list(Type::String)) = Value::List(List::Strs(&c.matched)),
                "known" => CustomerKnown (Type::Bool) = Value::Bool(c.known),
                "account_age_days" => CustomerAccountAgeDays (Type::Int) = Value::Int(c.account_age_days),
                "orders_90d" => CustomerOrders90d (Type::Int) = Value::Int(c.orders_90d),
                "refunds_90d" => CustomerRefunds90d (Type::Int) = Value::Int(c.refunds_90d),
                "refund_rate" => CustomerRefundRate (Type::Double) = Value::Double(c.refund_rate),
                "chargebacks_365d" => CustomerChargebacks365d (Type::Int) = Value::Int(c.chargebacks_365d),
                "addresses_90d" => CustomerAddresses90d (Type::Int) = Value::Int(c.addresses_90d),
                "bound" => CustomerBound (Type::list(Type::String)) = Value::List(List::Strs(&c.bound)),
            }
            /// `order.*`
            ORDER: order_field(o: OrderFacts) {
                "total" => OrderTotal (Type::Double) = Value::Double(o.total),
                "currency" => OrderCurrency (Type::String) = str_value(o.currency),
                "line_count" => OrderLineCount (Type::Int) = Value::Int(o.line_count),
                "item_count" => OrderItemCount (Type::Int) = Value::Int(o.item_count),
                "channel" => OrderChannel (Type::String) = str_value(o.channel),
                "created_at" => OrderCreatedAt (Type::Timestamp) = Value::Ts(o.created_at),
                "shipping" => OrderShipping (Type::Shipping) = Value::Shipping(&o.shipping),
                "issues" => OrderIssues (Type::list(Type::String)) = Value::List(List::Strs(&o.issues)),
            }
            /// `order.shipping.*`
            SHIPPING: shipping_field(sh: ShippingFacts) {
                "province" => ShippingProvince (Type::String) = str_value(sh.province),
                "city" => ShippingCity (Type::String) = str_value(sh.city),
                "district" => ShippingDistrict (Type::String) = str_value(sh.district),
                "line1" => ShippingLine1 (Type::String) = str_value(sh.line1),
                "name" => ShippingName (Type::String) = str_value(sh.name),
                "phone" => ShippingPhone (Type::String) = str_value(sh.phone),
            }
            /// `item.*`
            ITEM: item_field(i: ItemFacts) {
                "sku" => ItemSku (Type::String) = str_value(i.sku),
                "name" => ItemName (Type::String) = str_value(i.name),
                "category" => ItemCategory (Type::String) = str_value(i.category),
                "price" => ItemPrice (Type::Double) = Value::Double(i.price),
                "quantity" => ItemQuantity (Type::Int) = Value::Int(i.quantity),
                "sku_quantity" => ItemSkuQuantity (Type::Int) = Value::Int(i.sku_quantity),
                "line_total" => ItemLineTotal (Type::Double) = Value::Double(i.line_total),
                "tags" => ItemTags (Type::list(Type::String)) = Value::List(List::Strings(i.tags)),
                "high_value" => ItemHighValue (Type::Bool) = Value::Bool(i.high_value),
                "limited" => ItemLimited (Type::Bool) = Value::Bool(i.limited),
                "restricted" => ItemRestricted (Type::Bool) = Value::Bool(i.restricted),
                "known" => ItemKnown (Type::Bool) = Value::Bool(i.known),
                "max_per_order" => ItemMaxPerOrder (Type::Int) = Value::Int(i.max_per_order),
                "listed" => ItemListed (Type::Bool) = Value::Bool(i.listed),
                "list_level" => ItemListLevel (Type::String) = str_value(i.list_level.as_str()),
                "stock" => ItemStock (Type::Int) = Value::Int(i.stock),
                "max_per_customer" => ItemMaxPerCustomer (Type::Int) = Value::Int(i.max_per_customer),
                "bought_in_window" => ItemBoughtInWindow (Type::Int) = Value::Int(i.bought_in_window),
            }
        }
    };
}
pub(crate) use fact_table;

/// Expands the fact table into [`Field`] and the [`Entry`] tables.
macro_rules! schema_tables {
    (
        $(#[$roots_doc:meta])*
        ROOTS { $($root:literal => $root_field:ident ($root_ty:expr),)* }
        $(
            $(#[$doc:meta])*
            $table:ident: $reader:ident($v:ident: $facts:ident) {
                $($name:literal => $field:ident ($ty:expr) = $read:expr,)*
            }
        )*
    ) => {
        /// Every fact the evaluator can read, resolved at compile time so evaluation is a
        /// `match`, not a name lookup. One variant per row of the fact table.
        #[allow(missing_docs)]
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum Field {
            $($root_field,)*
            $($($field,)*)*
        }

        $(#[$roots_doc])*
        pub const ROOTS: &[Entry] = &[
            $(Entry { name: $root, field: Field::$root_field, ty: || $root_ty },)*
        ];

        $(
            $(#[$doc])*
            pub const $table: &[Entry] = &[
                $(Entry { name: $name, field: Field::$field, ty: || $ty },)*
            ];
        )*
    };
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

fact_table!(schema_tables);

/// The customer levels `customer.level` can hold ([`Level`]'s names).
pub const LEVELS: &[&str] = Level::NAMES;

/// The names `order.issues` can hold ([`Issue`]'s names, docs/semantics.md §7 "Order issues").
pub const ISSUES: &[&str] = Issue::NAMES;

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

/// The object tables with the path their fields are written under (`item` for a line,
/// whether reached as `item` or through `items`).
const TABLES: [(&str, &[Entry]); 4] = [
    ("customer", CUSTOMER),
    ("order", ORDER),
    ("order.shipping", SHIPPING),
    ("item", ITEM),
];

/// The entry of `field` and the path of the object it belongs to (`""` for a root).
fn entry_of(field: Field) -> Option<(&'static str, &'static Entry)> {
    if let Some(e) = ROOTS.iter().find(|e| e.field == field) {
        return Some(("", e));
    }
    TABLES
        .iter()
        .find_map(|(root, t)| t.iter().find(|e| e.field == field).map(|e| (*root, e)))
}

/// The path a fact is shown and stored as (`customer.level`, `order.shipping.city`,
/// `item.sku`, `items`): `facts_read` lists these, and compiled rule programs name
/// fields by them so that a program never depends on [`Field`]'s numbering.
pub fn fact_path(f: Field) -> String {
    match entry_of(f) {
        Some(("", e)) => e.name.to_string(),
        Some((root, e)) => format!("{root}.{}", e.name),
        None => String::new(),
    }
}

/// The oldest snapshot format whose readers know field `f`: [`LIMITS_VERSION`] for the
/// stock and purchase-limit facts, else 0 (every format with programs).
///
/// [`LIMITS_VERSION`]: crate::snapshot::format::LIMITS_VERSION
pub fn since_version(f: Field) -> u16 {
    match f {
        Field::ItemStock | Field::ItemMaxPerCustomer | Field::ItemBoughtInWindow => {
            crate::snapshot::format::LIMITS_VERSION
        }
        _ => 0,
    }
}

/// The field and type at `path` ([`fact_path`]'s inverse), if this build knows it.
pub fn field_by_path(path: &str) -> Option<(Field, Type)> {
    let (root, name) = path.rsplit_once('.').unwrap_or(("", path));
    let table: &[Entry] = match root {
        "" => ROOTS,
        _ => TABLES.iter().find(|(r, _)| *r == root)?.1,
    };
    lookup(table, name).map(|e| (e.field, (e.ty)()))
}

/// The type of `field`.
pub fn type_of(field: Field) -> Option<Type> {
    entry_of(field).map(|(_, e)| (e.ty)())
}

/// Whether `field` is the line (`item`) or one of its fields read from the root, which
/// only item-scoped rules may do.
pub fn needs_item_scope(field: Field) -> bool {
    field == Field::Item || ITEM.iter().any(|e| e.field == field)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_object_has_its_fields() {
        assert_eq!(fields_of(&Type::Customer).map(<[_]>::len), Some(13));
        assert_eq!(fields_of(&Type::Item).map(<[_]>::len), Some(18));
        assert!(fields_of(&Type::Int).is_none());
        assert_eq!(
            lookup(ORDER, "issues").map(|e| (e.ty)()),
            Some(Type::list(Type::String))
        );
        assert!(lookup(ITEM, "nope").is_none());
    }

    #[test]
    fn every_path_names_its_field() {
        for (root, table) in TABLES.iter().chain([("", ROOTS)].iter()) {
            for e in *table {
                let path = fact_path(e.field);
                let expected = if root.is_empty() {
                    e.name.to_string()
                } else {
                    format!("{root}.{}", e.name)
                };
                assert_eq!(path, expected);
                assert_eq!(field_by_path(&path), Some((e.field, (e.ty)())));
            }
        }
        assert_eq!(
            field_by_path("order.shipping"),
            Some((Field::OrderShipping, Type::Shipping))
        );
        assert_eq!(field_by_path("customer.nope"), None);
        assert_eq!(field_by_path("nope.level"), None);
        assert!(needs_item_scope(Field::ItemSku) && needs_item_scope(Field::Item));
        assert!(!needs_item_scope(Field::Items));
    }
}
