//! A backtest on every core, with the report the one-order-at-a-time
//! [`Backtest`](super::Backtest) gives (the CLI's `backtest`).
//!
//! Orders come in batches of bounded size. Each batch goes through three steps:
//!
//! 1. in parallel, each worker parses its share of the lines and computes each order's
//!    duplicate key ([`Engine::order_key`]: normalization and hashing, the costly part);
//! 2. serially, in input order, one duplicate memory per policy answers "seen before?"
//!    and records the order — exactly what each engine's own memory would do in a serial
//!    run, because that memory is order-dependent (a global bound of least recently seen
//!    keys spans customers, so splitting by customer would not reproduce it);
//!    Orders with a SKU under a purchase limit are judged here too, by the first
//!    worker, in input order: whether an order counts against a customer's limit
//!    depends on its own verdict, which depends on what earlier orders were allowed, so
//!    no answer can be computed ahead as for duplicates. One engine seeing every such
//!    order in input order keeps the purchase memory a serial run keeps;
//! 3. in parallel, each worker judges the rest of its share with that answer
//!    (`CheckOptions::duplicate`, which leaves the worker engine's own memory unused) and
//!    counts the verdicts in its own [`Tally`].
//!
//! The tallies merge into the serial run's report: counts are sums, and the lists are
//! kept by input index. Memory: one batch of lines and orders, the duplicate memories
//! (bounded, see [`crate::engine::dedup`]) and the tallies (one entry per rule, reason,
//! category and SKU seen, plus each changed decision) — not the input.

use super::{options_for, Report, Tally};
use crate::engine::dedup::DuplicateMemory;
use crate::engine::{Engine, Order, OrderError, OrderKey};
use crate::time::Timestamp;

/// One line of input: an order's JSON text, or why the line is unusable.
pub type Input = Result<String, OrderError>;

/// Lines per batch: large enough that starting the threads of a step is negligible
/// (~8,000 orders take milliseconds), small enough to stay well inside memory.
pub const BATCH_ORDERS: usize = 8_192;
/// Text bytes per batch (a batch ends at whichever bound comes first): a few orders
/// near the size limit do not multiply the memory a batch holds.
pub const BATCH_BYTES: usize = 16 << 20;

/// The engines of one thread: the policy, the baseline's, and what it has counted.
#[derive(Debug)]
struct Worker {
    engine: Engine,
    baseline: Option<Engine>,
    tally: Tally,
}

/// An order read in step 1, with its duplicate keys and (from step 2) answers.
struct Parsed {
    order: Order,
    now: Timestamp,
    key: Option<OrderKey>,
    baseline_key: Option<OrderKey>,
    duplicate: bool,
    baseline_duplicate: bool,
    /// The order has a SKU under a purchase limit (for the policy or the baseline): it
    /// is judged in step 2.
    limited: bool,
}

/// A backtest judging batches of orders on one thread per worker engine.
#[derive(Debug)]
pub struct ParallelBacktest {
    workers: Vec<Worker>,
    memory: DuplicateMemory,
    baseline_memory: DuplicateMemory,
    /// Unusable inputs, counted in step 2 (in input order).
    tally: Tally,
    index: usize,
    bound: bool,
    fallback_now: Timestamp,
}

impl ParallelBacktest {
    /// A backtest on `engines` (one thread each; all on the same snapshot), each with
    /// its baseline engine if the run compares with one: all or none must have one.
    /// `bound` and `fallback_now` as [`super::Backtest::with_bound_identity`] and
    /// [`super::Backtest::add`]. `None` if `engines` is empty or the baselines are mixed.
    pub fn new(
        engines: Vec<(Engine, Option<Engine>)>,
        bound: bool,
        fallback_now: Timestamp,
    ) -> Option<ParallelBacktest> {
        let with_baseline = engines.first()?.1.is_some();
        if engines.iter().any(|(_, b)| b.is_some() != with_baseline) {
            return None;
        }
        Some(ParallelBacktest {
            workers: engines
                .into_iter()
                .map(|(engine, baseline)| Worker {
                    engine,
                    baseline,
                    tally: Tally::new(with_baseline),
                })
                .collect(),
            memory: DuplicateMemory::default(),
            baseline_memory: DuplicateMemory::default(),
            tally: Tally::new(with_baseline),
            index: 0,
            bound,
            fallback_now,
        })
    }

    /// Threads used.
    pub fn threads(&self) -> usize {
        self.workers.len()
    }

    /// Judges a batch of inputs, the next in input order (see the module doc).
    pub fn add_batch(&mut self, inputs: Vec<Input>) {
        let first = self.index;
        self.index += inputs.len();
        let share = inputs.len().div_ceil(self.workers.len()).max(1);
        let (bound, fallback_now) = (self.bound, self.fallback_now);

        // 1. Parse and key, in parallel.
        let mut parsed: Vec<Result<Parsed, OrderError>> = std::thread::scope(|s| {
            let handles: Vec<_> = inputs
                .chunks(share)
                .zip(&self.workers)
                .map(|(part, worker)| {
                    s.spawn(move || {
                        part.iter()
                            .map(|input| parse(worker, input, bound, fallback_now))
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            handles.into_iter().flat_map(join).collect()
        });
        drop(inputs);

        // 2. The duplicate memories, and the orders under purchase limits, serially in
        // input order.
        for (i, item) in parsed.iter_mut().enumerate() {
            match item {
                Ok(p) => {
                    p.duplicate = remember(&mut self.memory, p.key, p.now);
                    p.baseline_duplicate =
                        remember(&mut self.baseline_memory, p.baseline_key, p.now);
                    if let (true, Some(worker)) = (p.limited, self.workers.first_mut()) {
                        judge(worker, first + i, p, bound, fallback_now);
                    }
                }
                Err(e) => self.tally.unusable(first + i, e.clone()),
            }
        }

        // 3. Judge and count, in parallel.
        std::thread::scope(|s| {
            let handles: Vec<_> = parsed
                .chunks(share)
                .zip(self.workers.iter_mut())
                .enumerate()
                .map(|(n, (part, worker))| {
                    let start = first + n * share;
                    s.spawn(move || {
                        for (i, p) in part.iter().enumerate() {
                            if let Some(p) = p.as_ref().ok().filter(|p| !p.limited) {
                                judge(worker, start + i, p, bound, fallback_now);
                            }
                        }
                    })
                })
                .collect();
            for h in handles {
                join(h);
            }
        });
    }

    /// The finished report: the one a serial [`super::Backtest`] of the same inputs gives.
    pub fn finish(self) -> Report {
        let mut tally = self.tally;
        let mut policy = None;
        for w in self.workers {
            tally.merge(w.tally);
            policy.get_or_insert(w.engine);
        }
        match policy {
            Some(engine) => tally.finish(engine.snapshot().policy()),
            // `new` refuses an empty list of engines.
            None => Report::default(),
        }
    }
}

/// A joined thread's result; a panic in it goes on in the caller (there is none to
/// expect: the engine does not panic, `tests/no_panic.rs`).
fn join<T>(handle: std::thread::ScopedJoinHandle<'_, T>) -> T {
    match handle.join() {
        Ok(v) => v,
        Err(panic) => std::panic::resume_unwind(panic),
    }
}

/// Step 1 for one input.
fn parse(
    worker: &Worker,
    input: &Input,
    bound: bool,
    fallback_now: Timestamp,
) -> Result<Parsed, OrderError> {
    let order = Order::from_json(input.as_ref().map_err(Clone::clone)?)?;
    let options = options_for(&order, fallback_now, bound, None);
    let key = worker.engine.order_key(&order, &options);
    let baseline_key = worker
        .baseline
        .as_ref()
        .and_then(|b| b.order_key(&order, &options));
    let limited = std::iter::once(&worker.engine)
        .chain(&worker.baseline)
        .any(|e| e.has_limited_sku(&order));
    Ok(Parsed {
        now: options.now.unwrap_or(fallback_now),
        order,
        key,
        baseline_key,
        duplicate: false,
        baseline_duplicate: false,
        limited,
    })
}

/// Step 2 for one order and one memory: what `Engine::check` does with its own memory
/// (whether the key was seen within the window, then record it); an anonymous order
/// (no key) is never a duplicate.
fn remember(memory: &mut DuplicateMemory, key: Option<OrderKey>, now: Timestamp) -> bool {
    let Some(k) = key else {
        return false;
    };
    let seen = memory.is_duplicate(k.basket, k.order_id, now, k.window);
    memory.record(k.customer, k.basket, k.order_id, now);
    seen
}

/// Step 3 for one order (step 2 for an order under a purchase limit): the duplicate
/// answers given, each engine's own purchase memory read and recorded.
fn judge(worker: &mut Worker, index: usize, p: &Parsed, bound: bool, fallback_now: Timestamp) {
    let options = options_for(&p.order, fallback_now, bound, Some(p.duplicate));
    let verdict = worker.engine.check(&p.order, &options);
    let before = worker.baseline.as_mut().map(|b| {
        let options = options_for(&p.order, fallback_now, bound, Some(p.baseline_duplicate));
        b.check(&p.order, &options).decision
    });
    worker
        .tally
        .order(index, &p.order, &verdict, before, worker.engine.snapshot());
}
