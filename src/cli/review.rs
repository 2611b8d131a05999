//! `checkout-guard review`: the list's health for the periodic review
//! (`checkout_guard::review`), printed as aligned text or as the JSON documented in
//! docs/policy.md, "Reviewing the list".

use crate::{print_diagnostics, Fail};
use checkout_guard::review::{self, EntryRow, Review, ReviewOptions};
use checkout_guard::time::parse_setting_duration;
use checkout_guard::{Duration, SourceFiles, Timestamp};
use std::path::Path;

/// Parses `--within`: a policy duration (`30d`, `12h`, `1h30m`), positive.
pub fn parse_within(s: &str) -> Result<Duration, String> {
    let d = parse_setting_duration(s).map_err(|e| e.0)?;
    if d.0 <= 0 {
        return Err(format!(
            "`{s}` is not a positive duration; write e.g. `30d`"
        ));
    }
    Ok(d)
}

pub fn run(dir: &Path, now: Option<Timestamp>, within: Duration, json: bool) -> Result<u8, Fail> {
    let files = SourceFiles::read_dir(dir).map_err(|d| Fail(1, d.to_string()))?;
    let options = ReviewOptions {
        now: now.unwrap_or_else(Timestamp::now),
        within,
    };
    let report = review::review(&files, &options).map_err(|d| {
        print_diagnostics(&d.0, Some(&files));
        let errors = d.0.iter().filter(|d| d.is_error()).count();
        Fail(
            1,
            format!(
                "`{}`: {errors} error(s); fix them (`checkout-guard lint`) before reviewing",
                dir.display()
            ),
        )
    })?;
    if json {
        let text = serde_json::to_string_pretty(&report)
            .map_err(|e| Fail(2, format!("cannot write the report: {e}")))?;
        println!("{text}");
    } else {
        print!("{}", text(&report, within));
    }
    Ok(0)
}

/// The report as aligned text, one section per question of the review.
fn text(r: &Review, within: Duration) -> String {
    let mut out = String::new();
    let mut line = |s: String| {
        out.push_str(s.trim_end());
        out.push('\n');
    };
    let window = review::format_window(within);
    line(format!(
        "list review of `{}` at {}, window {window}",
        r.merchant, r.now
    ));
    line(format!(
        "{} entries: {} in force, {} expired",
        r.entries,
        r.in_force,
        r.expired.len()
    ));

    line(String::new());
    line(format!(
        "expired ({}): they no longer apply; renew or delete them",
        r.expired.len()
    ));
    entries(&mut line, &r.expired, "expired", |e| e.expires_at);
    line(String::new());
    line(format!("expiring within {window} ({})", r.expiring.len()));
    entries(&mut line, &r.expiring, "expires", |e| e.expires_at);

    line(String::new());
    let n = r.never_expiring;
    line(format!(
        "never expiring ({}): block {}, step_up {}, watch {}",
        n.total(),
        n.block,
        n.step_up,
        n.watch
    ));

    line(String::new());
    line(format!("by reason ({})", r.by_reason.len()));
    counts(&mut line, &r.by_reason);
    line(String::new());
    line(format!("by kind ({})", r.by_kind.len()));
    counts(&mut line, &r.by_kind);

    line(String::new());
    line(format!(
        "oldest in force ({} shown, {} undated)",
        r.oldest.len(),
        r.undated
    ));
    entries(&mut line, &r.oldest, "added", |e| e.added_at);

    line(String::new());
    line(format!("suggested candidates ({})", r.candidates.len()));
    let rows: Vec<Vec<String>> = r
        .candidates
        .iter()
        .map(|c| {
            vec![
                c.customer_id.clone(),
                c.level.to_string(),
                c.suggested.to_string(),
                format!(
                    "orders {} refunds {} ({:.0}%) chargebacks {} addresses {} age {}",
                    c.stats.orders_90d,
                    c.stats.refunds_90d,
                    c.stats.refund_rate * 100.0,
                    c.stats.chargebacks_365d,
                    c.stats.addresses_90d,
                    match c.stats.account_age_days {
                        -1 => "unknown".to_string(),
                        d => format!("{d}d"),
                    }
                ),
                c.rules.join(", "),
            ]
        })
        .collect();
    table(
        &mut line,
        &["customer", "level", "suggested", "statistics", "rules"],
        &rows,
    );
    if r.criteria.is_empty() {
        line("  no rule judges customers on their statistics alone".to_string());
    } else {
        line("  criteria: the policy's rules that read only customer statistics".to_string());
        for c in &r.criteria {
            line(format!(
                "    {} ({} -> {}): {}",
                c.rule,
                c.action.as_str(),
                c.suggests,
                c.when
            ));
        }
    }
    out
}

/// Entries as a table, dated by the column `when` names and `date` reads (the expiry, or
/// the addition for the oldest entries).
fn entries(
    line: &mut impl FnMut(String),
    rows: &[EntryRow],
    when: &str,
    date: fn(&EntryRow) -> Option<Timestamp>,
) {
    let rows: Vec<Vec<String>> = rows
        .iter()
        .map(|e| {
            vec![
                date(e).map_or("-".to_string(), |t| t.to_string()),
                e.level.to_string(),
                e.kind.as_str().to_string(),
                e.reason.clone(),
                e.value.clone(),
            ]
        })
        .collect();
    table(line, &[when, "level", "kind", "reason", "value"], &rows);
}

fn counts(line: &mut impl FnMut(String), rows: &[review::Count]) {
    let rows: Vec<Vec<String>> = rows
        .iter()
        .map(|c| {
            vec![
                c.name.clone(),
                c.entries.to_string(),
                c.in_force.to_string(),
            ]
        })
        .collect();
    table(line, &["name", "entries", "in force"], &rows);
}

/// Columns padded to their widest cell (in characters); the last one is not padded, so
/// a long value (an address) does not push the others. Nothing is printed for no rows.
fn table(line: &mut impl FnMut(String), header: &[&str], rows: &[Vec<String>]) {
    if rows.is_empty() {
        return;
    }
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let render = |cells: Vec<&str>| {
        let mut s = String::from(" ");
        for (cell, w) in cells.iter().zip(&widths) {
            s.push(' ');
            s.push_str(cell);
            s.push_str(&" ".repeat(w.saturating_sub(cell.chars().count()) + 1));
        }
        s
    };
    line(render(header.to_vec()));
    for row in rows {
        line(render(row.iter().map(String::as_str).collect()));
    }
}
