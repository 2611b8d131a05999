//! The compile pipeline: source files → checked rules → snapshot bytes, plus `lint`.
//!
//! `source::read_parts` reads every file (for a private snapshot, `read_parts_hashed`:
//! the blocklist is hashed as it is read, so a list of millions of entries never lives
//! in memory as strings); each rule's `when` goes through
//! `rules::compile`, whose spans (offsets into the expression) are moved into the policy
//! file so a type error points at its line and column there; then the snapshot is
//! written and loaded back once, which both double-checks the writer and yields the
//! statistics `inspect` would show.

use crate::diagnostic::{Code, Diagnostic, Diagnostics};
use crate::model::PolicySource;
use crate::snapshot::{self, Profile, Snapshot, SnapshotInfo, SnapshotKey, WriteOptions, DEMO_KEY};
use crate::source::{self, ReadSource, SourceFiles};
use crate::time::Timestamp;
use std::collections::BTreeMap;
use std::path::Path;

/// Options for compiling.
#[derive(Debug, Clone, Default)]
pub struct CompileOptions {
    /// Creation time recorded in the snapshot (default: now). Fixing it makes output
    /// reproducible.
    pub created_at: Option<Timestamp>,
    /// The merchant key every identifier is hashed under (a secret kept beside the
    /// snapshot, never in it). Required by [`compile_files`]: there is no default key.
    pub key: Option<SnapshotKey>,
    /// `Private` (default: edge and backend) or `Public` (what a checkout page may hold,
    /// docs/snapshot-format.md, "The public profile").
    pub profile: Profile,
}

/// A successful compile.
#[derive(Debug, Clone)]
pub struct Compiled {
    /// The snapshot bytes.
    pub bytes: Vec<u8>,
    /// Warnings (never errors).
    pub warnings: Vec<Diagnostic>,
    /// What `inspect` reports about the snapshot (sizes, counts, checksum).
    pub info: SnapshotInfo,
    /// Entries read per CSV file (`blocklist.csv` → rows kept).
    pub entries: BTreeMap<String, usize>,
}

/// What [`lint`] finds: every diagnostic, and the entries read per CSV file (also when
/// the source has errors).
#[derive(Debug, Clone, Default)]
pub struct Linted {
    /// Every error and warning.
    pub diagnostics: Vec<Diagnostic>,
    /// Entries read per CSV file (`blocklist.csv` → rows kept).
    pub entries: BTreeMap<String, usize>,
}

/// Where the policy's parts start in its file (`source::ReadParts`).
struct Offsets<'a> {
    when: &'a [Option<usize>],
    messages: &'a BTreeMap<String, BTreeMap<String, usize>>,
}

/// Checks every rule of `policy`, returning all diagnostics located in the policy file.
fn check_rules(
    policy: &crate::model::Policy,
    policy_file: &str,
    policy_text: &str,
    offsets: &Offsets<'_>,
) -> Vec<Diagnostic> {
    check_rules_with(policy, policy_file, policy_text, offsets, |when, scope| {
        crate::rules::compile(when, scope)
            .map(|(program, warnings)| (program.facts_read(), warnings))
    })
}

/// The facts that say whether and how the customer is listed: a rule reading one of
/// them is "about a list entry", and its messages may name the entry's `{reason}` and
/// `{expires}` (docs/policy.md, "Message placeholders").
const LISTING_FACTS: [&str; 5] = [
    "customer.level",
    "customer.level_certain",
    "customer.listed",
    "customer.reasons",
    "customer.matched",
];

/// [`check_rules`] with the rule checker as a parameter (tests pass a fake one). The
/// checker answers the facts a rule reads and its warnings, or its errors.
fn check_rules_with(
    policy: &crate::model::Policy,
    policy_file: &str,
    policy_text: &str,
    offsets: &Offsets<'_>,
    check: impl Fn(&str, crate::model::Scope) -> Result<(Vec<String>, Vec<Diagnostic>), Vec<Diagnostic>>,
) -> Vec<Diagnostic> {
    let when_offsets = offsets.when;
    let mut out = Vec::new();
    for (i, rule) in policy.rules.iter().enumerate() {
        let offset = when_offsets.get(i).copied().flatten();
        let place = |d: Diagnostic| {
            let d = match offset {
                Some(base) => d.locate(policy_text, base),
                None => d,
            };
            d.in_file(policy_file).in_rule(&rule.id)
        };
        match check(&rule.when, rule.scope) {
            Ok((read, warnings)) => {
                out.extend(warnings.into_iter().map(place));
                if !read.iter().any(|f| LISTING_FACTS.contains(&f.as_str())) {
                    out.extend(entry_placeholders_out_of_context(
                        policy,
                        rule,
                        offsets.messages,
                        policy_text,
                        policy_file,
                    ));
                }
            }
            Err(errors) => out.extend(errors.into_iter().map(place)),
        }
    }
    out
}

/// Errors for `{reason}` and `{expires}` in the message of `rule`, which does not read
/// the listing: when it fires the customer may have no list entry at all, so those
/// placeholders would have nothing to say.
fn entry_placeholders_out_of_context(
    policy: &crate::model::Policy,
    rule: &crate::model::Rule,
    message_offsets: &BTreeMap<String, BTreeMap<String, usize>>,
    policy_text: &str,
    policy_file: &str,
) -> Vec<Diagnostic> {
    use crate::template::{parse, Piece};
    let Some(key) = &rule.message else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (locale, table) in &policy.messages {
        let Some(text) = table.get(key) else { continue };
        let start = message_offsets
            .get(locale)
            .and_then(|t| t.get(key))
            .copied();
        for piece in parse(text).0 {
            let Piece::Hole {
                placeholder,
                start: from,
                end: to,
                ..
            } = piece
            else {
                continue;
            };
            if !placeholder.is_about_entry() {
                continue;
            }
            let name = placeholder.name();
            let mut d = Diagnostic::error(
                Code::PlaceholderContext,
                format!(
                    "message `{key}` in `{locale}` uses `{{{name}}}`, but rule `{}` does not read the customer's listing, so it can fire for a customer with no list entry",
                    rule.id
                ),
            )
            .with_help(format!(
                "use `{{{name}}}` only in messages of rules whose `when` reads `customer.level`, `customer.listed`, `customer.reasons` or `customer.matched`, or give rule `{}` a message without it",
                rule.id
            ))
            .in_file(policy_file)
            .in_rule(&rule.id);
            if let Some(s) = start {
                d = d.with_span(
                    crate::diagnostic::Span::new(s + from, s + to).located_in(policy_text),
                );
            }
            out.push(d);
        }
    }
    out
}

/// Type-checks the rules of what was read, adding their diagnostics (located in the
/// policy file) to the parts', so `into_source` fails on a rule error as on a CSV one.
fn add_rule_diagnostics(files: &SourceFiles, parts: &mut source::ReadParts) {
    if let Some(policy) = &parts.policy {
        let policy_text = files
            .files
            .get(&parts.policy_file)
            .map_or("", String::as_str);
        let offsets = Offsets {
            when: &parts.when_offsets,
            messages: &parts.message_offsets,
        };
        let rule_diagnostics = check_rules(policy, &parts.policy_file, policy_text, &offsets);
        parts.diagnostics.extend(rule_diagnostics);
    }
}

/// Reads a source with its rules type-checked, keeping the rows as text: what the list
/// review (`crate::review`) reads, refusing exactly the sources `lint` finds errors in.
pub(crate) fn read_checked(files: &SourceFiles) -> Result<ReadSource, Diagnostics> {
    let mut parts = source::read_parts(files);
    add_rule_diagnostics(files, &mut parts);
    parts.into_source()
}

/// Blocklist entries of `source` already expired at `created_at`.
fn expired_entries(source: &PolicySource, created_at: Timestamp) -> usize {
    source
        .blocklist
        .iter()
        .filter(|e| e.expires_at.is_some_and(|t| t <= created_at))
        .count()
}

/// Warnings that need the compile time: `expired` entries already expired when compiled
/// (a public snapshot leaves them out).
fn time_warnings(expired: usize, created_at: Timestamp, profile: Profile) -> Vec<Diagnostic> {
    if expired == 0 {
        return Vec::new();
    }
    vec![Diagnostic::warning(
        Code::ExpiredEntries,
        format!(
            "{expired} blocklist entr{} had already expired at compile time ({})",
            if expired == 1 { "y" } else { "ies" },
            created_at
        ),
    )
    .with_help(match profile {
        Profile::Private => "they match only orders judged before their expiry (backtests); remove them from the export if you do not backtest that far",
        Profile::Public => "the public snapshot leaves them out; remove them from the export",
    })
    .in_file("blocklist.csv")]
}

/// Warnings of a public snapshot: listed kinds left out, because their assumed space is
/// too small for a bucket of 200 values even at one prefix bit, or because their
/// prefixes would match too many unlisted values (docs/snapshot-format.md, "Not
/// checkable in the browser").
fn public_warnings(info: &SnapshotInfo) -> Vec<Diagnostic> {
    use crate::snapshot::public;
    let kinds = info.blocklist.public.iter().flatten();
    kinds
        .filter(|k| !k.checkable && k.listed > 0)
        .map(|k| {
            let kind = k.kind;
            let bits = public::bits_for_space(k.assumed_space);
            let why = if bits == 0 {
                format!(
                    "their space (~{} values) is too small to hide each among 200",
                    k.assumed_space
                )
            } else {
                format!(
                    "in a space of ~{} values they would match more than {} % of unlisted values",
                    k.assumed_space,
                    public::MAX_FALSE_POSITIVE_RATE * 100.0
                )
            };
            Diagnostic::warning(
                Code::PublicKindOmitted,
                format!(
                    "{} listed {kind} value{} left out of the public snapshot: {why}",
                    k.listed,
                    if k.listed == 1 { " is" } else { "s are" },
                ),
            )
            .with_help("a checkout page cannot check them; the edge, holding the private snapshot, still does")
            .in_file("blocklist.csv")
        })
        .collect()
}

/// Compiles in-memory source files under `options.key`; without a key it refuses
/// (`key-required`): a snapshot's hashes are only as secret as its key, so none is ever
/// made up.
pub fn compile_files(
    files: &SourceFiles,
    options: &CompileOptions,
) -> Result<Compiled, Diagnostics> {
    let Some(key) = &options.key else {
        return Err(Diagnostics(vec![Diagnostic::error(
            Code::KeyRequired,
            "compiling a snapshot needs the merchant key its identifiers are hashed under",
        )
        .with_help("make one once with `checkout-guard keygen -o store.key`, keep it secret, and pass `--key store.key` (package: `compilePolicy(files, { key })`)")]));
    };
    compile_counted(files, options, key).0
}

/// [`compile_files`] once the key is known, and the entries read per CSV file whether
/// or not it succeeds.
fn compile_counted(
    files: &SourceFiles,
    options: &CompileOptions,
    key: &SnapshotKey,
) -> (Result<Compiled, Diagnostics>, BTreeMap<String, usize>) {
    // A private snapshot stores only keyed hashes: read the blocklist straight into
    // them. The public one needs the identifiers (salted prefixes, id formats).
    let parts = match options.profile {
        Profile::Private => source::read_parts_hashed(files, key),
        Profile::Public => source::read_parts(files),
    };
    let entries = parts.entries.clone();
    (compile_parts(files, parts, options, key), entries)
}

/// Checks the rules of what was read and writes the snapshot.
fn compile_parts(
    files: &SourceFiles,
    mut parts: source::ReadParts,
    options: &CompileOptions,
    key: &SnapshotKey,
) -> Result<Compiled, Diagnostics> {
    add_rule_diagnostics(files, &mut parts);
    let ReadSource {
        source,
        warnings: mut diags,
        entries,
        hashed_blocklist,
        ..
    } = parts.into_source()?;
    let created_at = options.created_at.unwrap_or_else(Timestamp::now);
    let expired = match &hashed_blocklist {
        Some(list) => list.expired_at(created_at),
        None => expired_entries(&source, created_at),
    };
    diags.extend(time_warnings(expired, created_at, options.profile));
    let write_options = WriteOptions {
        created_at,
        key: key.clone(),
    };
    let written = match hashed_blocklist {
        Some(list) => snapshot::write_private(
            &source.policy,
            list,
            &source.catalog,
            &source.customers,
            &write_options,
        ),
        None => snapshot::write_profile(&source, &write_options, options.profile),
    };
    let bytes = written.map_err(|d| {
        diags.push(d);
        Diagnostics(diags.clone())
    })?;
    let info = Snapshot::open(bytes.clone(), Some(key))
        .map_err(|e| {
            Diagnostic::error(
                Code::Internal,
                format!("the written snapshot does not load back: {e}"),
            )
            .with_help("this is a bug in checkout-guard; please report it with the source folder")
        })?
        .info()
        .clone();
    diags.extend(public_warnings(&info));
    Ok(Compiled {
        bytes,
        warnings: diags,
        info,
        entries,
    })
}

/// Reads a folder and compiles it.
pub fn compile_dir(dir: &Path, options: &CompileOptions) -> Result<Compiled, Diagnostics> {
    let files = SourceFiles::read_dir(dir)?;
    compile_files(&files, options)
}

/// Every diagnostic (errors and warnings) for a source: what [`compile_files`] would
/// report, without keeping a snapshot. `options.created_at` is when expiry warnings
/// are judged (default: now). The CLI's `lint` and the package's `lintPolicy` call this.
/// Linting needs no key (nothing is kept): without one, the demo key stands in.
pub fn lint_files(files: &SourceFiles, options: &CompileOptions) -> Vec<Diagnostic> {
    lint(files, options).diagnostics
}

/// [`lint_files`] with the entries read per CSV file.
pub fn lint(files: &SourceFiles, options: &CompileOptions) -> Linted {
    let key = options.key.as_ref().unwrap_or(&DEMO_KEY);
    let (compiled, entries) = compile_counted(files, options, key);
    let diagnostics = match compiled {
        Ok(c) => c.warnings,
        Err(d) => d.0,
    };
    Linted {
        diagnostics,
        entries,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::Span;

    /// A fake checker that flags the first `lvl` in an expression.
    fn flag_lvl(
        when: &str,
        _: crate::model::Scope,
    ) -> Result<(Vec<String>, Vec<Diagnostic>), Vec<Diagnostic>> {
        match when.find("lvl") {
            Some(at) => Err(vec![Diagnostic::error(
                Code::UnknownField,
                "unknown field `lvl` on `customer`",
            )
            .with_help("did you mean `level`?")
            .with_span(Span::new(at, at + 3))]),
            None => Ok((Vec::new(), Vec::new())),
        }
    }

    fn diagnostics_for(name: &str, text: &str) -> Vec<Diagnostic> {
        let files = SourceFiles::from_pairs([(name, text)]);
        let parts = source::read_parts(&files);
        let policy = parts.policy.expect("policy reads");
        let offsets = Offsets {
            when: &parts.when_offsets,
            messages: &parts.message_offsets,
        };
        check_rules_with(&policy, name, text, &offsets, flag_lvl)
    }

    #[test]
    fn rule_diagnostics_point_into_the_policy_file() {
        let text = "merchant = \"m\"\ncurrency = \"CNY\"\n\n[[rule]]\nid = \"r1\"\nwhen = 'customer.lvl == \"block\"'\naction = \"deny\"\nreason = \"X\"\n\n[[rule]]\nid = \"r2\"\nwhen = '''\n  customer.level == \"watch\" &&\n  customer.lvl == \"x\"'''\naction = \"deny\"\nreason = \"Y\"\n";
        let diags = diagnostics_for("policy.toml", text);
        assert_eq!(diags.len(), 2);
        let first = diags[0].render(Some(text));
        assert!(
            first.contains("--> policy.toml:6:18 (rule `r1`)"),
            "{first}"
        );
        assert!(
            first.contains("6 | when = 'customer.lvl == \"block\"'\n  |                  ^^^"),
            "{first}"
        );
        let second = diags[1].render(Some(text));
        assert!(
            second.contains("--> policy.toml:14:12 (rule `r2`)"),
            "{second}"
        );
    }

    #[test]
    fn json_rules_are_located_when_their_text_is_unique() {
        let text = "{\"merchant\": \"m\", \"currency\": \"CNY\", \"rule\": [\n  {\"id\": \"r1\", \"when\": \"customer.lvl == 'block'\", \"action\": \"deny\", \"reason\": \"X\"}\n]}";
        let diags = diagnostics_for("policy.json", text);
        let rendered = diags[0].render(Some(text));
        assert!(
            rendered.contains("--> policy.json:2:34 (rule `r1`)"),
            "{rendered}"
        );
        // With an escape in the JSON string the offset is unknown: file and rule only.
        let escaped = text.replace("'block'", "\\\"block\\\"");
        let diags = diagnostics_for("policy.json", &escaped);
        assert_eq!(diags[0].spans[0].line, 0);
        assert_eq!(diags[0].file.as_deref(), Some("policy.json"));
        assert_eq!(diags[0].rule.as_deref(), Some("r1"));
    }
}
