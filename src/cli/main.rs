//! `checkout-guard`: the native command-line tool. It compiles a merchant's policy
//! source into a snapshot, checks orders, backtests past orders, inspects snapshots and
//! lints sources — through the library's public API only, so it behaves exactly like
//! the wasm package and the edge worker.
//!
//! Exit status: 0 on success (whatever the decisions), 1 when an input was unusable or
//! a source has errors, 2 when the command could not run at all (bad snapshot, wrong or
//! missing key, I/O).
//!
//! The merchant key (a key file, `keygen` writes one) comes from `--key FILE` or the
//! environment variable `CHECKOUT_GUARD_KEY_FILE`; see `docs/snapshot-format.md`,
//! "Identifier hashing". Snapshot signing keys (`keygen --signing`, `compile --sign`,
//! `--public-key`) are in `signing.rs`; `verify-token` (verdict tokens) in `token.rs`.

mod case;
mod input;
mod report;
mod review;
mod signing;
mod token;

use checkout_guard::backtest::parallel::{self, ParallelBacktest};
use checkout_guard::engine::order::MAX_JSON_BYTES;
use checkout_guard::snapshot::{Profile, SnapshotInfo, SnapshotKey};
use checkout_guard::{
    CheckOptions, CompileOptions, Diagnostic, Engine, Identity, LoadOptions, Order, OrderError,
    SourceFiles, Timestamp, Verdict,
};
use clap::{Parser, Subcommand};
use std::io::{BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "checkout-guard",
    version,
    about = "Pre-checkout risk engine: compile policies into snapshots, check and backtest orders"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Write a new merchant key file (32 hex digits from the OS random generator), or with
    /// --signing a snapshot signing key pair (FILE and FILE.pub).
    Keygen {
        /// Where to write the key (never overwritten; keep it secret, beside the snapshot's source).
        #[arg(short, long)]
        output: PathBuf,
        /// Write an Ed25519 snapshot signing key to FILE (secret, for `compile --sign`) and its public key to FILE.pub (for `--public-key`).
        #[arg(long)]
        signing: bool,
    },
    /// Compile a policy source folder into a snapshot file.
    Compile {
        /// Folder with policy.toml (or policy.json) and optional blocklist.csv, catalog.csv, customers.csv.
        source_dir: PathBuf,
        /// Where to write the snapshot.
        #[arg(short, long)]
        output: PathBuf,
        /// Merchant key file (`keygen`; or env CHECKOUT_GUARD_KEY_FILE). Only the demo store compiles without one.
        #[arg(long)]
        key: Option<PathBuf>,
        /// Creation time to record (RFC 3339; default now). Fixing it makes the output reproducible. It is the snapshot's version: an engine refuses to reload an older one.
        #[arg(long, value_parser = parse_time)]
        created_at: Option<Timestamp>,
        /// Sign the snapshot with this signing key file (`keygen --signing`; or env CHECKOUT_GUARD_SIGNING_KEY_FILE).
        #[arg(long, value_name = "SIGNING_KEY_FILE")]
        sign: Option<PathBuf>,
        /// `private` (edge and backend: exact lookups, reasons, customer statistics; keep it with its key) or `public` (checkout pages: hash prefixes that hide each listed value among ≥ 100 others, no reasons, no customers; loads without a key).
        #[arg(long, default_value = "private", value_parser = ["private", "public"])]
        profile: String,
    },
    /// Check one JSON order, or JSON Lines of orders, and print the verdicts.
    Check {
        /// Snapshot to use (default: the embedded demo store).
        #[arg(long)]
        snapshot: Option<PathBuf>,
        /// The snapshot's key file (or env CHECKOUT_GUARD_KEY_FILE; not needed for the demo store).
        #[arg(long)]
        key: Option<PathBuf>,
        /// Accept only a snapshot signed by this public key file's key (or env CHECKOUT_GUARD_PUBLIC_KEY_FILE).
        #[arg(long, value_name = "PUBLIC_KEY_FILE")]
        public_key: Option<PathBuf>,
        /// Judge at this time (RFC 3339; default: the clock).
        #[arg(long, value_parser = parse_time)]
        now: Option<Timestamp>,
        /// Message locale (default: the policy's default_locale).
        #[arg(long)]
        locale: Option<String>,
        /// Treat each order's own customer id, email, phone, ip, account_created_at and
        /// order_id as bound (verified: the merchant's own records), as an edge check with a
        /// verified session binds them (docs/semantics.md §5.3).
        #[arg(long)]
        bound: bool,
        /// Order file (JSON or JSON Lines), or `-` for standard input.
        input: PathBuf,
    },
    /// Replay JSON Lines of past orders, each judged at its own created_at, and report.
    Backtest {
        /// Snapshot to use (default: the embedded demo store).
        #[arg(long)]
        snapshot: Option<PathBuf>,
        /// The snapshot's key file (or env CHECKOUT_GUARD_KEY_FILE; not needed for the demo store).
        #[arg(long)]
        key: Option<PathBuf>,
        /// Accept only a snapshot signed by this public key file's key (or env CHECKOUT_GUARD_PUBLIC_KEY_FILE).
        #[arg(long, value_name = "PUBLIC_KEY_FILE")]
        public_key: Option<PathBuf>,
        /// Compare with this snapshot and list the orders whose decision changes.
        #[arg(long)]
        baseline: Option<PathBuf>,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
        /// Time for orders without created_at (RFC 3339; default: the clock).
        #[arg(long, value_parser = parse_time)]
        now: Option<Timestamp>,
        /// Treat each order's own customer id, email, phone, ip, account_created_at and
        /// order_id as bound (verified: the merchant's own records), as an edge check with a
        /// verified session binds them (docs/semantics.md §5.3).
        #[arg(long)]
        bound: bool,
        /// Threads judging orders (default: one per core); the report is the same for any number.
        #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
        jobs: Option<u16>,
        /// Print orders/s, threads and time to standard error (always shown on a terminal).
        #[arg(long)]
        timing: bool,
        /// JSON Lines file of orders, or `-` for standard input.
        orders: PathBuf,
    },
    /// Describe a snapshot: merchant, validity, counts, sizes.
    Inspect {
        /// Snapshot file.
        file: PathBuf,
        /// The snapshot's key file (or env CHECKOUT_GUARD_KEY_FILE; not needed for the demo store).
        #[arg(long)]
        key: Option<PathBuf>,
        /// Accept only a snapshot signed by this public key file's key (or env CHECKOUT_GUARD_PUBLIC_KEY_FILE).
        #[arg(long, value_name = "PUBLIC_KEY_FILE")]
        public_key: Option<PathBuf>,
    },
    /// Verify a verdict token (the edge worker's X-Checkout-Guard-Token header) against the request body and print its claims; exit 1 if refused.
    VerifyToken {
        /// The worker's verdict public key file (the `.pub` of its VERDICT_SIGNING_KEY, 64 hex digits).
        #[arg(long, value_name = "PUBLIC_KEY_FILE")]
        public_key: PathBuf,
        /// The exact request body the token came with.
        #[arg(long, value_name = "BODY_FILE")]
        body: PathBuf,
        /// Verify at this time (RFC 3339; default: the clock).
        #[arg(long, value_parser = parse_time)]
        now: Option<Timestamp>,
        /// The token (`v1.<payload>.<signature>`), or `-` to read it from standard input.
        token: String,
    },
    /// Find the orders whose case reference (the `{case}` of a customer message) is REF.
    ///
    /// Reads each ORDERS file (one JSON order or JSON Lines: an order log, a backtest
    /// input) and prints `FILE:LINE: ORDER` for every order with that reference at the
    /// merchant. Exit 0 when one matched, 1 when none did. See docs/semantics.md §9.5.
    Case {
        /// The reference as the customer quotes it (`7KQ2-M9XD`; case, `-` and spaces do not matter).
        reference: String,
        /// The merchant name of the policy (default: the snapshot's).
        #[arg(long)]
        merchant: Option<String>,
        /// Snapshot whose merchant to use (default: the embedded demo store).
        #[arg(long)]
        snapshot: Option<PathBuf>,
        /// The snapshot's key file (or env CHECKOUT_GUARD_KEY_FILE; not needed for the demo store).
        #[arg(long)]
        key: Option<PathBuf>,
        /// Order files (JSON or JSON Lines), `-` for standard input.
        #[arg(required = true)]
        orders: Vec<PathBuf>,
    },
    /// Report every problem in a policy source without writing a snapshot.
    Lint {
        /// Policy source folder.
        source_dir: PathBuf,
        /// Judge expiry-related warnings at this time (RFC 3339; default: the clock).
        #[arg(long, value_parser = parse_time)]
        now: Option<Timestamp>,
    },
    /// Report on the blocklist of a policy source for its periodic review.
    ///
    /// Expired entries, entries expiring within the window, never-expiring ones by level,
    /// entries by reason and by kind, the oldest in force (from `added_at`), and customers
    /// whose statistics meet one of the policy's own rules on customer history alone with
    /// a stricter level than their `customer_id` entries give (suggestions only). See
    /// docs/policy.md, "Reviewing the list". Exit 1 when the folder is missing or the
    /// source has errors.
    Review {
        /// Policy source folder.
        source_dir: PathBuf,
        /// Review at this time (RFC 3339; default: the clock).
        #[arg(long, value_parser = parse_time)]
        now: Option<Timestamp>,
        /// Window for "expiring soon", as policy durations are written (`30d`, `12h`, `1h30m`).
        #[arg(long, default_value = "30d", value_parser = review::parse_within)]
        within: checkout_guard::Duration,
        /// Print the report as JSON (schema in docs/policy.md).
        #[arg(long)]
        json: bool,
    },
}

fn parse_time(s: &str) -> Result<Timestamp, String> {
    Timestamp::parse_rfc3339(s).map_err(|e| e.0)
}

/// A failure that stops the command, with its exit status.
struct Fail(u8, String);

impl From<std::io::Error> for Fail {
    fn from(e: std::io::Error) -> Self {
        Fail(2, e.to_string())
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Keygen {
            output,
            signing: false,
        } => keygen(&output),
        Command::Keygen {
            output,
            signing: true,
        } => signing::keygen(&output),
        Command::Compile {
            source_dir,
            output,
            key,
            created_at,
            sign,
            profile,
        } => compile(
            &source_dir,
            &output,
            key.as_deref(),
            created_at,
            sign.as_deref(),
            Profile::from_name(&profile).unwrap_or_default(),
        ),
        Command::Check {
            snapshot,
            key,
            public_key,
            now,
            locale,
            bound,
            input,
        } => load_options(key.as_deref(), public_key.as_deref()).and_then(|load| {
            let options = CheckOptions {
                now,
                locale,
                ..CheckOptions::default()
            };
            check(snapshot.as_deref(), &load, &options, bound, &input)
        }),
        Command::Backtest {
            snapshot,
            key,
            public_key,
            baseline,
            json,
            now,
            bound,
            jobs,
            timing,
            orders,
        } => load_options(key.as_deref(), public_key.as_deref()).and_then(|load| {
            let run = BacktestRun {
                json,
                now,
                bound,
                jobs,
                timing,
            };
            backtest(
                snapshot.as_deref(),
                &load,
                baseline.as_deref(),
                &run,
                &orders,
            )
        }),
        Command::Inspect {
            file,
            key,
            public_key,
        } => load_options(key.as_deref(), public_key.as_deref())
            .and_then(|load| inspect(&file, &load)),
        Command::Lint { source_dir, now } => lint(&source_dir, now),
        Command::Case {
            reference,
            merchant,
            snapshot,
            key,
            orders,
        } => load_options(key.as_deref(), None).and_then(|load| {
            case::run(
                &reference,
                merchant.as_deref(),
                snapshot.as_deref(),
                &load,
                &orders,
            )
        }),
        Command::Review {
            source_dir,
            now,
            within,
            json,
        } => review::run(&source_dir, now, within, json),
        Command::VerifyToken {
            public_key,
            body,
            now,
            token,
        } => token::verify_token(&public_key, &body, &token, now),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(Fail(code, message)) => {
            eprintln!("checkout-guard: {message}");
            ExitCode::from(code)
        }
    }
}

fn print_diagnostics(diags: &[Diagnostic], files: Option<&SourceFiles>) {
    for d in diags {
        let source = d
            .file
            .as_ref()
            .and_then(|f| files.and_then(|fs| fs.files.get(f)))
            .map(String::as_str);
        eprint!("{}", d.render(source));
    }
}

/// `blocklist.csv: 29 entries`, one line per CSV file read: a count lower than the rows
/// the merchant exported shows rows lost (to a quoting mistake, say).
fn entry_lines(entries: &std::collections::BTreeMap<String, usize>) -> Vec<String> {
    entries
        .iter()
        .map(|(file, n)| format!("{file}: {n} entr{}", if *n == 1 { "y" } else { "ies" }))
        .collect()
}

/// Environment variable naming the key file when `--key` is not given.
const KEY_FILE_ENV: &str = "CHECKOUT_GUARD_KEY_FILE";

/// The file a flag names, else the one the environment variable `env` names (unset or
/// empty: none).
fn flag_or_env(flag: Option<&Path>, env: &str) -> Option<PathBuf> {
    let env = std::env::var_os(env).filter(|v| !v.is_empty());
    flag.map(Path::to_path_buf).or(env.map(PathBuf::from))
}

/// The key file given by `--key`, else by [`KEY_FILE_ENV`], read and parsed.
fn read_key(flag: Option<&Path>) -> Result<Option<SnapshotKey>, Fail> {
    let Some(path) = flag_or_env(flag, KEY_FILE_ENV) else {
        return Ok(None);
    };
    key_file(&path).map(Some)
}

/// What `check`, `backtest` and `inspect` load snapshots with: the merchant key and the
/// public key signatures must verify against (flags, else the environment).
fn load_options(key: Option<&Path>, public_key: Option<&Path>) -> Result<LoadOptions, Fail> {
    Ok(LoadOptions {
        key: read_key(key)?,
        public_key: signing::read_public_key(public_key)?,
        force: false,
    })
}

fn key_file(path: &Path) -> Result<SnapshotKey, Fail> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        Fail(
            2,
            format!("cannot read the key file `{}`: {e}", path.display()),
        )
    })?;
    SnapshotKey::parse(&text).map_err(|e| {
        Fail(
            2,
            format!(
                "`{}` is not a key file: {e}; make one with `checkout-guard keygen -o FILE`",
                path.display()
            ),
        )
    })
}

/// Writes `text` and a newline to `path`, which must not exist (a key file is never
/// overwritten: snapshots made with it would no longer load), with permissions `mode`
/// on Unix (0600 for secrets).
fn write_new(path: &Path, text: &str, mode: u32) -> Result<(), Fail> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, mode);
    #[cfg(not(unix))]
    let _ = mode;
    let mut file = options.open(path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            Fail(
                2,
                format!(
                    "`{}` already exists; a key is never overwritten (snapshots compiled with it would no longer load): choose another file name",
                    path.display()
                ),
            )
        } else {
            Fail(2, format!("cannot write `{}`: {e}", path.display()))
        }
    })?;
    writeln!(file, "{text}").map_err(|e| Fail(2, format!("cannot write `{}`: {e}", path.display())))
}

/// Writes a fresh key from the OS random generator to `output`, which must not exist
/// (overwriting a key would orphan every snapshot compiled with it). Owner-only
/// permissions on Unix.
fn keygen(output: &Path) -> Result<u8, Fail> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes)
        .map_err(|e| Fail(2, format!("the OS random generator failed: {e}")))?;
    let key = SnapshotKey::from_bytes(bytes);
    write_new(output, &key.to_hex(), 0o600)?;
    eprintln!(
        "wrote a new key to `{}`: keep it secret (whoever holds it and a snapshot can test identifiers against it); pass it to `compile --key` and to the engines that load the snapshot",
        output.display()
    );
    Ok(0)
}

/// The key to compile `dir` with: `--key` or the environment, else the demo store's
/// published `demo.key` in the folder (only that key is taken from there). Without
/// either, `compile_files` refuses with help pointing to `keygen`.
fn compile_key(dir: &Path, flag: Option<&Path>) -> Result<Option<SnapshotKey>, Fail> {
    if let Some(key) = read_key(flag)? {
        return Ok(Some(key));
    }
    let demo = dir.join("demo.key");
    if !demo.exists() {
        return Ok(None);
    }
    let key = key_file(&demo)?;
    if !key.is_demo() {
        return Err(Fail(
            2,
            format!(
                "`{}` is not the published demo key; pass a merchant key with `--key FILE` (and keep it out of the source folder)",
                demo.display()
            ),
        ));
    }
    Ok(Some(key))
}

fn compile(
    dir: &Path,
    output: &Path,
    key: Option<&Path>,
    created_at: Option<Timestamp>,
    sign: Option<&Path>,
    profile: Profile,
) -> Result<u8, Fail> {
    let files = SourceFiles::read_dir(dir).map_err(|d| Fail(1, d.to_string()))?;
    let key = compile_key(dir, key)?;
    let signing = signing::read_signing_key(sign)?;
    if key.as_ref().is_some_and(SnapshotKey::is_demo) {
        eprintln!(
            "note: compiling with the published demo key: anyone can test identifiers against this snapshot; for a real store use `checkout-guard keygen`"
        );
    }
    let options = CompileOptions {
        created_at,
        key: key.clone(),
        profile,
    };
    match checkout_guard::compile_files(&files, &options) {
        Ok(compiled) => {
            print_diagnostics(&compiled.warnings, Some(&files));
            for line in entry_lines(&compiled.entries) {
                eprintln!("{line}");
            }
            let bytes = match &signing {
                Some(s) => checkout_guard::snapshot::sign(&compiled.bytes, s)
                    .map_err(|e| Fail(2, format!("cannot sign the snapshot: {e}")))?,
                None => compiled.bytes,
            };
            // Write next to the target then rename, so a failure never leaves half a file.
            let tmp = output.with_extension("snapshot.tmp");
            std::fs::write(&tmp, &bytes)
                .and_then(|()| std::fs::rename(&tmp, output))
                .map_err(|e| Fail(2, format!("cannot write `{}`: {e}", output.display())))?;
            // Loaded back as an engine holding the public key would load it.
            let load = LoadOptions {
                key: key.clone(),
                public_key: signing.as_ref().map(|s| s.public_key()),
                force: false,
            };
            let engine = Engine::open_with(bytes, &load)
                .map_err(|e| Fail(2, format!("the written snapshot does not load: {e}")))?;
            let info = engine.info();
            eprintln!(
                "compiled `{}` → {} ({} bytes, version {}, expires {}{})",
                info.merchant,
                output.display(),
                std::fs::metadata(output).map(|m| m.len()).unwrap_or(0),
                info.version,
                info.expires_at,
                if info.signed { ", signed" } else { "" }
            );
            for line in public_lines(info) {
                eprintln!("{line}");
            }
            Ok(0)
        }
        Err(diags) => {
            print_diagnostics(&diags.0, Some(&files));
            Err(Fail(
                1,
                format!("`{}` has errors; no snapshot written", dir.display()),
            ))
        }
    }
}

/// The engine on `snapshot` (default: the embedded demo store) loaded with `load`
/// ([`load_options`]); without a key only a public or a demo-keyed snapshot loads, and with a public
/// key only a snapshot it signed (the demo store is unsigned, so it is refused then).
fn load_engine(snapshot: Option<&Path>, load: &LoadOptions) -> Result<Engine, Fail> {
    match snapshot {
        None => {
            // The demo store has its own (published) key: the merchant key is not for it.
            let demo = LoadOptions {
                key: None,
                ..load.clone()
            };
            Engine::open_with(checkout_guard::DEMO_SNAPSHOT, &demo)
                .map_err(|e| Fail(2, format!("embedded demo snapshot: {e}")))
        }
        Some(path) => {
            let bytes = std::fs::read(path)
                .map_err(|e| Fail(2, format!("cannot read `{}`: {e}", path.display())))?;
            Engine::open_with(bytes, load)
                .map_err(|e| Fail(2, format!("`{}`: {e}", path.display())))
        }
    }
}

/// `check`'s input, read by [`input::read`] with the order size limit.
fn open_input(path: &Path) -> Result<input::Input<Box<dyn BufRead>>, Fail> {
    let reader: Box<dyn BufRead> = if path.as_os_str() == "-" {
        Box::new(std::io::stdin().lock())
    } else {
        let file = std::fs::File::open(path)
            .map_err(|e| Fail(2, format!("cannot read `{}`: {e}", path.display())))?;
        Box::new(std::io::BufReader::new(file))
    };
    Ok(input::read(reader, MAX_JSON_BYTES)?)
}

fn check(
    snapshot: Option<&Path>,
    load: &LoadOptions,
    options: &CheckOptions,
    bound: bool,
    input: &Path,
) -> Result<u8, Fail> {
    let mut engine = load_engine(snapshot, load)?;
    // `--bound`: the order's own identifiers are the merchant's records, so they are
    // bound; otherwise the order is judged as the package's `checkJson` judges it.
    let mut judge = |text: &str| -> Result<Verdict, OrderError> {
        if !bound {
            return engine.check_json(text, options);
        }
        let order = Order::from_json(text)?;
        let options = CheckOptions {
            identity: Some(Identity::from_order(&order)),
            ..options.clone()
        };
        Ok(engine.check_owned(order, &options))
    };
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    // One JSON document (possibly pretty-printed over many lines) → one pretty verdict;
    // JSON Lines → one compact verdict per line. Either way each order goes through
    // `check_json`, the reader the package uses.
    let lines = match open_input(input)? {
        input::Input::Empty => {
            let name = if input.as_os_str() == "-" {
                "the standard input".to_string()
            } else {
                format!("`{}`", input.display())
            };
            return Err(Fail(
                1,
                format!("{name} is empty: give one JSON order, or JSON Lines of orders"),
            ));
        }
        input::Input::Document(text) => {
            return match text.and_then(|t| judge(&t)) {
                Ok(verdict) => {
                    let json = serde_json::to_string_pretty(&verdict)
                        .map_err(|e| Fail(2, e.to_string()))?;
                    writeln!(out, "{json}")?;
                    Ok(0)
                }
                Err(e) => {
                    writeln!(out, "{}", error_json(&e.path, &e.message))?;
                    Err(Fail(1, format!("unusable order: {e}")))
                }
            };
        }
        input::Input::Lines(lines) => lines,
    };
    let mut unusable = 0usize;
    for item in lines {
        let (line, text) = item?;
        match text.and_then(|t| judge(&t)) {
            Ok(verdict) => writeln!(out, "{}", verdict.to_json())?,
            Err(e) => {
                unusable += 1;
                eprintln!("checkout-guard: line {line}: {e}");
                writeln!(out, "{}", error_json(&e.path, &e.message))?;
            }
        }
    }
    out.flush()?;
    // The counts of what was just checked, apart from the verdicts on stdout.
    eprint!("{}", report::summary(&engine.stats(), unusable));
    if unusable > 0 {
        return Err(Fail(1, format!("{unusable} unusable order(s)")));
    }
    Ok(0)
}

/// `{"error": {"path": …, "message": …}}`, fields in that order.
fn error_json(path: &str, message: &str) -> String {
    #[derive(serde::Serialize)]
    struct Inner<'a> {
        path: &'a str,
        message: &'a str,
    }
    #[derive(serde::Serialize)]
    struct Outer<'a> {
        error: Inner<'a>,
    }
    serde_json::to_string(&Outer {
        error: Inner { path, message },
    })
    .unwrap_or_default()
}

/// How `backtest` runs and reports (its flags besides the snapshots and the input).
struct BacktestRun {
    json: bool,
    now: Option<Timestamp>,
    bound: bool,
    /// Threads (default: one per core).
    jobs: Option<u16>,
    /// Print the throughput line even when standard error is not a terminal.
    timing: bool,
}

/// `threads` engines on the snapshot at `path` (default: the demo store's), loaded from
/// one copy of its bytes: a 10 M-entry snapshot is 120 MB, not 120 MB a thread.
fn load_engines(
    path: Option<&Path>,
    load: &LoadOptions,
    threads: usize,
) -> Result<Vec<Engine>, Fail> {
    let bytes: &'static [u8] = match path {
        None => checkout_guard::DEMO_SNAPSHOT,
        // Leaked on purpose: the engines borrow it until the process ends.
        Some(path) => std::fs::read(path)
            .map_err(|e| Fail(2, format!("cannot read `{}`: {e}", path.display())))?
            .leak(),
    };
    (0..threads)
        .map(|_| match path {
            None => {
                // The demo store has its own (published) key: the merchant key is not for it.
                let demo = LoadOptions {
                    key: None,
                    ..load.clone()
                };
                Engine::open_with(bytes, &demo)
                    .map_err(|e| Fail(2, format!("embedded demo snapshot: {e}")))
            }
            Some(path) => Engine::open_with(bytes, load)
                .map_err(|e| Fail(2, format!("`{}`: {e}", path.display()))),
        })
        .collect()
}

fn backtest(
    snapshot: Option<&Path>,
    load: &LoadOptions,
    baseline: Option<&Path>,
    run: &BacktestRun,
    orders: &Path,
) -> Result<u8, Fail> {
    let threads = match run.jobs {
        Some(n) => usize::from(n),
        None => std::thread::available_parallelism().map_or(1, usize::from),
    };
    let engines = load_engines(snapshot, load, threads)?;
    // The baseline is the same store's previous snapshot: the same keys.
    let baselines: Vec<Option<Engine>> = match baseline {
        Some(p) => load_engines(Some(p), load, threads)?
            .into_iter()
            .map(Some)
            .collect(),
        None => (0..threads).map(|_| None).collect(),
    };
    let fallback = run.now.unwrap_or_else(Timestamp::now);
    let (reader, total_bytes): (Box<dyn BufRead>, u64) = if orders.as_os_str() == "-" {
        (Box::new(std::io::stdin().lock()), 0)
    } else {
        let file = std::fs::File::open(orders)
            .map_err(|e| Fail(2, format!("cannot read `{}`: {e}", orders.display())))?;
        let len = file.metadata().map(|m| m.len()).unwrap_or(0);
        (Box::new(std::io::BufReader::new(file)), len)
    };
    let terminal = std::io::stderr().is_terminal();
    let progress = if terminal && total_bytes > 0 {
        let bar = indicatif::ProgressBar::new(total_bytes);
        bar.set_style(
            indicatif::ProgressStyle::with_template(
                "{spinner} backtest [{bar:40}] {bytes}/{total_bytes} {msg} ({eta})",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
            .progress_chars("=> "),
        );
        Some(bar)
    } else {
        None
    };
    let started = std::time::Instant::now();
    let engines = engines.into_iter().zip(baselines).collect();
    let Some(mut bt) = ParallelBacktest::new(engines, run.bound, fallback) else {
        return Err(Fail(2, "no engine to judge orders with".to_string()));
    };
    // Line by line with the order size limit: an over-long line is counted, not held,
    // and a line that is not UTF-8 is unusable on its own (docs/semantics.md, Errors).
    // Lines go to the engines in batches, so memory is one batch, not the file.
    let mut lines = input::Lines::new(reader, MAX_JSON_BYTES);
    let mut count = 0u64;
    let mut batch = Vec::new();
    let mut batch_bytes = 0usize;
    loop {
        let next = lines.next().transpose()?;
        let end = next.is_none();
        if let Some((_, text)) = next {
            batch_bytes += text.as_ref().map_or(0, String::len);
            batch.push(text);
        }
        if batch.len() >= parallel::BATCH_ORDERS || batch_bytes >= parallel::BATCH_BYTES || end {
            count += batch.len() as u64;
            bt.add_batch(std::mem::take(&mut batch));
            batch_bytes = 0;
            if let Some(bar) = &progress {
                bar.set_position(lines.bytes_read());
                bar.set_message(format!("{count} orders"));
            }
        }
        if end {
            break;
        }
    }
    if let Some(bar) = progress {
        bar.finish_and_clear();
    }
    let threads = bt.threads();
    let report = bt.finish();
    let seconds = started.elapsed().as_secs_f64();
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    if run.json {
        let text = serde_json::to_string_pretty(&report).map_err(|e| Fail(2, e.to_string()))?;
        writeln!(out, "{text}")?;
    } else {
        write!(out, "{}", report::render(&report))?;
    }
    for e in &report.errors {
        eprintln!(
            "checkout-guard: order {}: {}: {}",
            e.index + 1,
            e.path,
            e.message
        );
    }
    // Timings differ run to run, so they are not part of the report (which stays
    // reproducible): shown on a terminal, or asked for with `--timing`.
    if terminal || run.timing {
        eprintln!("{}", report::throughput(count, seconds, threads));
    }
    if report.unusable > 0 {
        return Err(Fail(1, format!("{} unusable order(s)", report.unusable)));
    }
    Ok(0)
}

fn inspect(file: &Path, load: &LoadOptions) -> Result<u8, Fail> {
    let engine = load_engine(Some(file), load)?;
    let text = serde_json::to_string_pretty(engine.info()).map_err(|e| Fail(2, e.to_string()))?;
    println!("{text}");
    for line in public_lines(engine.info()) {
        eprintln!("{line}");
    }
    Ok(0)
}

/// For a public snapshot, one line per identifier kind: prefix bits, entries, the
/// assumed space, the false-positive rate of one lookup of an unlisted value and the
/// anonymity set (docs/snapshot-format.md, "The public profile"). Nothing for a private one.
fn public_lines(info: &SnapshotInfo) -> Vec<String> {
    let Some(kinds) = &info.blocklist.public else {
        return Vec::new();
    };
    let mut lines = vec![format!(
        "public profile: each listed value hides among the anonymity set of unlisted values sharing its bucket\n{:<20} {:>4} {:>8} {:>10} {:>12} {:>10}",
        "kind", "bits", "entries", "space", "false_pos", "anonymity"
    )];
    for k in kinds {
        let kind = k.kind;
        lines.push(if k.checkable {
            format!(
                "{kind:<20} {:>4} {:>8} {:>10.3e} {:>12.3e} {:>10.1}",
                k.bits, k.entries, k.assumed_space, k.false_positive_rate, k.anonymity_set
            )
        } else {
            format!(
                "{kind:<20}    - {:>8} {:>10.3e}   listed, left out: not checkable in the browser",
                k.listed, k.assumed_space
            )
        });
    }
    lines
}

fn lint(dir: &Path, now: Option<Timestamp>) -> Result<u8, Fail> {
    let files = SourceFiles::read_dir(dir).map_err(|d| Fail(1, d.to_string()))?;
    let options = CompileOptions {
        created_at: now,
        ..CompileOptions::default()
    };
    let linted = checkout_guard::lint(&files, &options);
    let diags = linted.diagnostics;
    print_diagnostics(&diags, Some(&files));
    for line in entry_lines(&linted.entries) {
        println!("{line}");
    }
    let errors = diags.iter().filter(|d| d.is_error()).count();
    let warnings = diags.len() - errors;
    if errors > 0 {
        return Err(Fail(
            1,
            format!(
                "`{}`: {errors} error(s), {warnings} warning(s)",
                dir.display()
            ),
        ));
    }
    println!("`{}`: no errors, {warnings} warning(s)", dir.display());
    Ok(0)
}
