//! Plain-text rendering of a backtest report for terminals (`--json` prints the same
//! data as JSON).

use checkout_guard::backtest::{CategoryCount, DecisionCounts, ReasonCount, Report, RuleCount};
use checkout_guard::engine::Stats;
use std::fmt::Write;

/// Terminal columns a string takes: East Asian wide characters take two.
fn width(s: &str) -> usize {
    s.chars()
        .map(|c| match u32::from(c) {
            0x1100..=0x115F
            | 0x2E80..=0xA4CF
            | 0xAC00..=0xD7A3
            | 0xF900..=0xFAFF
            | 0xFE30..=0xFE4F
            | 0xFF00..=0xFF60
            | 0xFFE0..=0xFFE6
            | 0x20000..=0x3FFFD => 2,
            _ => 1,
        })
        .sum()
}

/// `s` padded with spaces to `cols` terminal columns.
fn pad(s: &str, cols: usize) -> String {
    format!("{s}{}", " ".repeat(cols.saturating_sub(width(s))))
}

fn pct(part: u64, whole: u64) -> String {
    if whole == 0 {
        "-".to_string()
    } else {
        format!("{:.1}%", part as f64 * 100.0 / whole as f64)
    }
}

/// The throughput line of a run: `count` inputs (orders and unusable lines) in
/// `seconds` on `threads` threads.
pub fn throughput(count: u64, seconds: f64, threads: usize) -> String {
    let rate = if seconds > 0.0 {
        count as f64 / seconds
    } else {
        0.0
    };
    format!(
        "backtest: {count} orders in {seconds:.2} s, {rate:.0} orders/s on {threads} thread{}",
        if threads == 1 { "" } else { "s" }
    )
}

fn decisions(s: &mut String, d: &DecisionCounts, baseline: Option<&DecisionCounts>, n: u64) {
    let _ = writeln!(s, "\nby decision");
    for (name, count, base) in [
        ("allow", d.allow, baseline.map(|b| b.allow)),
        ("warn", d.warn, baseline.map(|b| b.warn)),
        ("review", d.review, baseline.map(|b| b.review)),
        ("step_up", d.step_up, baseline.map(|b| b.step_up)),
        ("deny", d.deny, baseline.map(|b| b.deny)),
    ] {
        let _ = write!(s, "  {name:<8} {count:>8}  {:>6}", pct(count, n));
        if let Some(b) = base {
            let _ = write!(s, "   baseline {b:>8}");
        }
        s.push('\n');
    }
}

fn rules(s: &mut String, rules: &[RuleCount], n: u64) {
    let _ = writeln!(s, "\nby rule");
    for rule in rules {
        let _ = writeln!(
            s,
            "  {:<28} {:<8} {:>8}  {:>6}",
            rule.rule,
            rule.action.as_str(),
            rule.fired,
            pct(rule.fired, n)
        );
    }
}

fn reasons(s: &mut String, title: &str, reasons: &[ReasonCount]) {
    let _ = writeln!(s, "\n{title}");
    for reason in reasons {
        let _ = writeln!(s, "  {:<32} {:>8}", reason.code, reason.orders);
    }
}

fn categories(s: &mut String, categories: &[CategoryCount]) {
    let _ = writeln!(
        s,
        "\nby category (lines, in orders not allowed, by item rules)"
    );
    for c in categories {
        let _ = writeln!(
            s,
            "  {} {:>8} {:>8} {:>8}",
            pad(&c.category, 16),
            c.lines,
            c.flagged_lines,
            c.flagged_by_item_rules
        );
    }
}

/// The summary `check` prints on stderr after JSON Lines: the engine's live counters
/// (docs/semantics.md §11.2), in the backtest report's tables.
pub fn summary(st: &Stats, unusable: usize) -> String {
    let mut s = String::new();
    let n = st.checks;
    let _ = writeln!(
        s,
        "checkout-guard: orders checked: {n}   unusable: {unusable}   rule errors: {}",
        st.rule_errors
    );
    decisions(&mut s, &st.decisions, None, n);
    rules(&mut s, &st.rules, n);
    reasons(&mut s, "by reason", &st.reasons);
    reasons(&mut s, "by list reason", &st.list_reasons);
    categories(&mut s, &st.categories);
    let _ = writeln!(s, "\ntop SKUs in orders not allowed");
    for sku in &st.top_skus {
        let _ = write!(
            s,
            "  {} {} {:>6} orders",
            pad(&sku.sku, 14),
            pad(&sku.name, 36),
            sku.flagged_orders
        );
        // The sketch's over-count: only once more SKUs were seen than it holds.
        if sku.error > 0 {
            let _ = write!(s, " (at most {} of them other SKUs')", sku.error);
        }
        s.push('\n');
    }
    s
}

/// The report as aligned tables.
pub fn render(r: &Report) -> String {
    let mut s = String::new();
    let n = r.orders;
    let _ = writeln!(s, "orders judged: {n}   unusable: {}", r.unusable);
    decisions(&mut s, &r.decisions, r.baseline.as_ref(), n);
    rules(&mut s, &r.rules, n);
    reasons(&mut s, "by reason", &r.reasons);
    categories(&mut s, &r.categories);
    let _ = writeln!(s, "\ntop SKUs in orders not allowed");
    for sku in &r.top_skus {
        let _ = writeln!(
            s,
            "  {} {} {:>6} of {:>6} orders",
            pad(&sku.sku, 14),
            pad(&sku.name, 36),
            sku.flagged_orders,
            sku.orders
        );
    }
    if let Some(changes) = &r.changes {
        let _ = writeln!(
            s,
            "\ndecision changes against the baseline: {}",
            changes.len()
        );
        for c in changes.iter().take(50) {
            let _ = writeln!(
                s,
                "  #{:<6} {:<14} {} → {}",
                c.index + 1,
                c.order_id.as_deref().unwrap_or("-"),
                c.baseline.as_str(),
                c.decision.as_str()
            );
        }
        if changes.len() > 50 {
            let _ = writeln!(s, "  … {} more (use --json for all)", changes.len() - 50);
        }
    }
    s
}
