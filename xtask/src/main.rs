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
    /// Run every check: clippy (warnings are errors) and the whole test suite.
    Test,
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
        Command::Test => test_cmd(&workspace_root()),
    }
}

/// Runs one cargo command in the workspace; false when it fails.
fn cargo(root: &Path, args: &[&str]) -> bool {
    println!("xtask: cargo {}", args.join(" "));
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    match std::process::Command::new(cargo).args(args).current_dir(root).status() {
        Ok(s) => s.success(),
        Err(e) => {
            eprintln!("xtask: cannot run cargo: {e}");
            false
        }
    }
}

fn test_cmd(root: &Path) -> ExitCode {
    let steps: [&[&str]; 2] = [
        &["clippy", "--workspace", "--all-targets", "--quiet", "--", "-D", "warnings"],
        &["test", "--workspace"],
    ];
    for step in steps {
        if !cargo(root, step) {
            return ExitCode::FAILURE;
        }
    }
    ExitCode::SUCCESS
}

fn codegen_cmd(spec: &Path, out: &Path, check: bool) -> ExitCode {
    let started = Instant::now();
    let dir = out.join(codegen::GENERATED_DIR);
    let result = if check {
        codegen::generate(spec).map(|g| {
            let stale = codegen::write::check(&dir, &g.files);
            (g, None, stale)
        })
    } else {
        codegen::regenerate(spec, out).map(|(g, report)| (g, Some(report), Vec::new()))
    };
    let (generated, report, stale) = match result {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {e}");
            eprintln!("nothing was written");
            return ExitCode::FAILURE;
        }
    };
    for w in &generated.warnings {
        eprintln!("warning: {w}");
    }
    let summary = format!("{} operations, {} models, {} enums", generated.operations, generated.models, generated.enums);
    let elapsed = started.elapsed();
    match report {
        Some(r) => {
            println!(
                "codegen: {summary}; {} files written, {} unchanged, {} removed; {} warnings; {elapsed:.2?}",
                r.written.len(),
                r.unchanged.len(),
                r.removed.len(),
                generated.warnings.len()
            );
            ExitCode::SUCCESS
        }
        None if stale.is_empty() => {
            println!("codegen --check: {} is up to date ({summary}, {} files, {} warnings, {elapsed:.2?})", dir.display(), generated.files.len(), generated.warnings.len());
            ExitCode::SUCCESS
        }
        None => {
            eprintln!("codegen --check: {} is stale; run `cargo xtask codegen`:", dir.display());
            for s in &stale {
                eprintln!("  {s}");
            }
            ExitCode::FAILURE
        }
    }
}
