//! Project tasks: `cargo xtask codegen [--check]`.

use clap::{Parser, Subcommand};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

#[derive(Parser)]
#[command(name = "xtask", about = "Tasks of the azure_compute_batch project")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Generate the client crate from the API description.
    Codegen {
        /// Write nothing; exit non-zero and list every stale file if the output is out of date.
        #[arg(long)]
        check: bool,
        /// The API description (default: the file named in spec/CURRENT).
        #[arg(long)]
        spec: Option<PathBuf>,
        /// The crate to generate into (default: generated/).
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("xtask lives in the workspace").to_path_buf()
}

/// The spec named by `spec/CURRENT` (one relative path, e.g. `2025-06-01/batch.yaml`).
fn current_spec(root: &Path) -> Result<PathBuf, String> {
    let pointer = root.join("spec/CURRENT");
    let text = std::fs::read_to_string(&pointer).map_err(|e| format!("{}: {e}", pointer.display()))?;
    let rel = text.lines().map(str::trim).find(|l| !l.is_empty() && !l.starts_with('#')).ok_or_else(|| format!("{}: names no spec file", pointer.display()))?;
    Ok(root.join("spec").join(rel))
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Codegen { check, spec, out } => {
            let root = workspace_root();
            let spec = match spec.map(Ok).unwrap_or_else(|| current_spec(&root)) {
                Ok(s) => s,
                Err(e) => {
                    eprintln!("error: {e}");
                    return ExitCode::FAILURE;
                }
            };
            let out = out.unwrap_or_else(|| root.join("generated"));
            codegen_cmd(&spec, &out, check)
        }
    }
}

fn codegen_cmd(spec: &Path, out: &Path, check: bool) -> ExitCode {
    let started = Instant::now();
    let generated = match codegen::generate(spec) {
        Ok(g) => g,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    for w in &generated.warnings {
        eprintln!("warning: {w}");
    }
    let dir = out.join(codegen::GENERATED_DIR);
    let summary = format!("{} operations, {} models, {} enums", generated.operations, generated.models, generated.enums);
    if check {
        let stale = codegen::write::check(&dir, &generated.files);
        if stale.is_empty() {
            println!("codegen --check: {} is up to date ({summary}, {} files, {} warnings, {:.2?})", dir.display(), generated.files.len(), generated.warnings.len(), started.elapsed());
            return ExitCode::SUCCESS;
        }
        eprintln!("codegen --check: {} is stale; run `cargo xtask codegen`:", dir.display());
        for s in &stale {
            eprintln!("  {s}");
        }
        return ExitCode::FAILURE;
    }
    match codegen::write::write_atomic(&dir, &generated.files) {
        Ok(report) => {
            println!(
                "codegen: {summary}; {} files written, {} unchanged, {} removed; {} warnings; {:.2?}",
                report.written.len(),
                report.unchanged.len(),
                report.removed.len(),
                generated.warnings.len(),
                started.elapsed()
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
