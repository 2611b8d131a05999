//! Bound identity (docs/semantics.md §5.3): the identifiers and history a
//! caller verified itself — a signed session's customer, the connecting address, an
//! order id its own server issued — as opposed to what the order body claims.
//!
//! The person an authoritative check is aimed at writes the order, so a body that says
//! `customer.id = "C10002"` must not inherit that customer's trusted record. With an
//! [`Identity`] given, binding is in effect: every present field replaces the order's
//! own before anything is computed, the body's `account_created_at` is never read, and
//! the fact `customer.bound` says which identifiers came from the caller.

use super::order::Order;
use crate::time::Timestamp;
use std::borrow::Cow;

/// Identifiers (and history) the caller verified itself: a signed session, the connecting
/// address, an order id its server issued. docs/semantics.md §5.3.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Identity {
    /// The customer id of a verified session.
    pub customer_id: Option<String>,
    /// The e-mail address of a verified session.
    pub email: Option<String>,
    /// The phone number of a verified session.
    pub phone: Option<String>,
    /// The connecting address (at the edge, `CF-Connecting-IP`).
    pub ip: Option<String>,
    /// Account creation time from the caller's own records; read only when
    /// `customers.csv` does not know the customer.
    pub account_created_at: Option<Timestamp>,
    /// An order id the caller's server issued (verified by the caller).
    pub order_id: Option<String>,
}

impl Identity {
    /// The kinds whose value comes from this identity, in the fact's order
    /// (`customer.bound`): "customer_id", "email", "phone", "ip".
    pub fn bound_kinds(&self) -> Vec<&'static str> {
        [
            ("customer_id", &self.customer_id),
            ("email", &self.email),
            ("phone", &self.phone),
            ("ip", &self.ip),
        ]
        .into_iter()
        .filter(|(_, v)| v.is_some())
        .map(|(k, _)| k)
        .collect()
    }

    /// The identity a merchant's own records give for `order` (CLI `--bound`): the order's
    /// customer id, e-mail, phone, IP, account creation time and order id, all bound.
    pub fn from_order(order: &Order) -> Identity {
        let c = &order.customer;
        Identity {
            customer_id: c.id.clone(),
            email: c.email.clone(),
            phone: c.phone.clone(),
            ip: c.ip.clone(),
            account_created_at: c.account_created_at,
            order_id: order.order_id.clone(),
        }
    }
}

/// The order as the engine judges it: unchanged without binding; with `identity`, each
/// present identity field replaces the order's, and the order's `account_created_at` is
/// replaced by the identity's (absent included), so the body's is never read. An order
/// the caller handed over (`Cow::Owned`, as the JSON and JS entry points do) is bound in
/// place; only a borrowed one is copied.
pub(crate) fn bind<'a>(order: Cow<'a, Order>, identity: Option<&Identity>) -> Cow<'a, Order> {
    let Some(identity) = identity else {
        return order;
    };
    let mut bound = order.into_owned();
    let c = &mut bound.customer;
    for (field, value) in [
        (&mut c.id, &identity.customer_id),
        (&mut c.email, &identity.email),
        (&mut c.phone, &identity.phone),
        (&mut c.ip, &identity.ip),
        (&mut bound.order_id, &identity.order_id),
    ] {
        if value.is_some() {
            field.clone_from(value);
        }
    }
    bound.customer.account_created_at = identity.account_created_at;
    Cow::Owned(bound)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn present_fields_replace_and_the_body_account_age_is_dropped() {
        let mut order = Order {
            order_id: Some("body-1".into()),
            ..Order::default()
        };
        order.customer.id = Some("C10002".into());
        order.customer.email = Some("a@example.com".into());
        order.customer.account_created_at = Some(Timestamp::from_seconds(0));
        assert!(matches!(
            bind(Cow::Borrowed(&order), None),
            Cow::Borrowed(_)
        ));

        let identity = Identity {
            ip: Some("203.0.113.9".into()),
            ..Identity::default()
        };
        let bound = bind(Cow::Borrowed(&order), Some(&identity));
        assert_eq!(bound.customer.id.as_deref(), Some("C10002"), "absent: kept");
        assert_eq!(bound.customer.ip.as_deref(), Some("203.0.113.9"));
        assert_eq!(bound.customer.account_created_at, None, "never the body's");
        assert_eq!(bound.order_id.as_deref(), Some("body-1"));
        assert_eq!(identity.bound_kinds(), ["ip"]);

        let identity = Identity {
            customer_id: Some("C1".into()),
            phone: Some("13800000000".into()),
            order_id: Some("srv-9".into()),
            account_created_at: Some(Timestamp::from_seconds(5)),
            ..Identity::default()
        };
        let bound = bind(Cow::Borrowed(&order), Some(&identity));
        assert_eq!(bound.customer.id.as_deref(), Some("C1"));
        assert_eq!(bound.order_id.as_deref(), Some("srv-9"));
        assert_eq!(
            bound.customer.account_created_at,
            Some(Timestamp::from_seconds(5))
        );
        assert_eq!(identity.bound_kinds(), ["customer_id", "phone"]);
        assert!(Identity::default().bound_kinds().is_empty());
    }
}
