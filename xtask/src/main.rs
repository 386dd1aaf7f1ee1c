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
        /// Crate name for a new crate in --out (Cargo.toml and src/lib.rs are created only if missing).
        #[arg(long)]
        crate_name: Option<String>,
    },
    /// Run every check: clippy (warnings are errors), the whole test suite, and the corpus check.
    Test,
    /// Generate a crate from each API description in ../shared/corpus and check it compiles
    /// warning-free under clippy (skipped, with a message, when the corpus is absent).
    Corpus,
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
        Command::Codegen { check, spec, out, crate_name } => {
            let root = workspace_root();
            let spec = match spec.map(Ok).unwrap_or_else(|| current_spec(&root)) {
                Ok(s) => s,
                Err(e) => {
                    eprintln!("error: {e}");
                    return ExitCode::FAILURE;
                }
            };
            let out = out.unwrap_or_else(|| root.join("generated"));
            if !check && !out.join("Cargo.toml").exists() {
                let name = crate_name.unwrap_or_else(|| {
                    out.file_name().map(|n| n.to_string_lossy().replace('-', "_")).unwrap_or_else(|| "client".into())
                });
                match codegen::scaffold(&out, &name) {
                    Ok(files) => println!("codegen: new crate `{name}` in {} ({})", out.display(), files.join(", ")),
                    Err(e) => {
                        eprintln!("error: {e}");
                        return ExitCode::FAILURE;
                    }
                }
            }
            codegen_cmd(&spec, &out, check)
        }
        Command::Test => test_cmd(&workspace_root()),
        Command::Corpus => corpus_cmd(&workspace_root()),
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
    corpus_cmd(root)
}

/// The official and public Batch descriptions used as generator input.
const CORPUS: &[(&str, &str)] = &[
    ("azure-batch/2025-06-01.21.0/BatchService.json", "corpus_batch_2025_06_01"),
    ("azure-batch/2019-08-01.10.0-oas3/BatchService.json", "corpus_batch_2019_08_01_oas3"),
];

fn corpus_cmd(root: &Path) -> ExitCode {
    let corpus = root.join("../shared/corpus");
    if !corpus.is_dir() {
        println!("xtask corpus: skipped: {} is absent (it is only beside the project in CI and dev checkouts)", corpus.display());
        return ExitCode::SUCCESS;
    }
    let mut failed = Vec::new();
    for (rel, name) in CORPUS {
        let spec = corpus.join(rel);
        let out = root.join("target/corpus").join(name);
        let _ = std::fs::remove_dir_all(&out);
        if let Err(e) = codegen::scaffold(&out, name) {
            eprintln!("xtask corpus: {e}");
            return ExitCode::FAILURE;
        }
        // Same dependency versions as the workspace, so the build reuses its artifacts.
        let _ = std::fs::copy(root.join("Cargo.lock"), out.join("Cargo.lock"));
        println!("xtask corpus: {rel}");
        if codegen_cmd(&spec, &out, false) != ExitCode::SUCCESS {
            failed.push(rel.to_string());
            continue;
        }
        let manifest = out.join("Cargo.toml");
        let manifest = manifest.to_string_lossy();
        let target = root.join("target");
        let ok = std::process::Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
            .args(["clippy", "--quiet", "--manifest-path", &manifest, "--", "-D", "warnings"])
            .env("CARGO_TARGET_DIR", &target)
            .status()
            .map(|s| s.success())
            .unwrap_or(false);
        if !ok {
            failed.push(format!("{rel} (generated crate does not pass clippy)"));
        }
    }
    if failed.is_empty() {
        println!("xtask corpus: {} of {} descriptions generate crates that compile warning-free", CORPUS.len(), CORPUS.len());
        ExitCode::SUCCESS
    } else {
        eprintln!("xtask corpus: failed: {}", failed.join(", "));
        ExitCode::FAILURE
    }
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
