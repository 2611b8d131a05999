//! The compile pipeline: source files → checked rules → snapshot bytes, plus `lint`.
//!
//! STUB — the source/snapshot helper replaces this file.

use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::source::SourceFiles;
use crate::time::Timestamp;
use std::path::Path;

/// Options for compiling.
#[derive(Debug, Clone, Default)]
pub struct CompileOptions {
    /// Creation time recorded in the snapshot (default: now). Fixing it makes output
    /// reproducible.
    pub created_at: Option<Timestamp>,
}

/// A successful compile.
#[derive(Debug, Clone)]
pub struct Compiled {
    /// The snapshot bytes.
    pub bytes: Vec<u8>,
    /// Warnings (never errors).
    pub warnings: Vec<Diagnostic>,
}

/// Compiles in-memory source files.
pub fn compile_files(
    files: &SourceFiles,
    options: &CompileOptions,
) -> Result<Compiled, Diagnostics> {
    let _ = (files, options);
    Err(Diagnostic::error("stub", "not implemented").into())
}

/// Reads a folder and compiles it.
pub fn compile_dir(dir: &Path, options: &CompileOptions) -> Result<Compiled, Diagnostics> {
    let files = SourceFiles::read_dir(dir)?;
    compile_files(&files, options)
}

/// Every diagnostic (errors and warnings) for a source, without writing a snapshot.
pub fn lint_files(files: &SourceFiles) -> Vec<Diagnostic> {
    match compile_files(files, &CompileOptions::default()) {
        Ok(c) => c.warnings,
        Err(d) => d.0,
    }
}
