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
    /// Drive every x-ms-examples entry of a spec through a crate generated from it and compare
    /// requests and responses with the examples.
    Conformance {
        /// The API description (default: the file named in spec/CURRENT).
        #[arg(long)]
        spec: Option<PathBuf>,
    },
    /// What changed between two API descriptions (operations, parameters, responses, types,
    /// properties, enum values): the review of an api-version bump. Each argument is a spec file
    /// or a version folder under spec/ (e.g. `2019-08-01`).
    SpecDiff {
        /// The older description.
        old: PathBuf,
        /// The newer description (default: the one named in spec/CURRENT).
        new: Option<PathBuf>,
    },
    /// Generate a crate from each fixture spec of the snapshot tests and clippy-check it.
    Fixtures,
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
        Command::Fixtures => fixtures_cmd(&workspace_root()),
        Command::SpecDiff { old, new } => {
            let root = workspace_root();
            let resolve = |p: PathBuf| -> Result<PathBuf, String> {
                if p.is_file() {
                    return Ok(p);
                }
                let folder = if p.is_dir() { p.clone() } else { root.join("spec").join(&p) };
                std::fs::read_dir(&folder)
                    .map_err(|e| format!("{}: {e}", folder.display()))?
                    .flatten()
                    .map(|e| e.path())
                    .find(|f| matches!(f.extension().and_then(|e| e.to_str()), Some("yaml" | "json")))
                    .ok_or_else(|| format!("{}: no spec file", folder.display()))
            };
            let pair = resolve(old).and_then(|o| Ok((o, match new { Some(n) => resolve(n)?, None => current_spec(&root)? })));
            let (old, new) = match pair {
                Ok(p) => p,
                Err(e) => {
                    eprintln!("error: {e}");
                    return ExitCode::FAILURE;
                }
            };
            match codegen::load_ir(&old).and_then(|(a, _)| codegen::load_ir(&new).map(|(b, _)| (a, b))) {
                Ok((a, b)) => {
                    let report = codegen::diff::diff(&a, &b);
                    println!("{} -> {}", old.display(), new.display());
                    print!("{}", if report.is_empty() { "no differences on the wire\n".to_string() } else { report });
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("error: {e}");
                    ExitCode::FAILURE
                }
            }
        }
        Command::Conformance { spec } => {
            let root = workspace_root();
            match spec.map(Ok).unwrap_or_else(|| current_spec(&root)) {
                Ok(spec) => conformance_cmd(&root, &spec),
                Err(e) => {
                    eprintln!("error: {e}");
                    ExitCode::FAILURE
                }
            }
        }
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
    // The crate's documentation builds with no broken links or other rustdoc warnings.
    std::env::set_var("RUSTDOCFLAGS", "-D warnings");
    if !cargo(root, &["doc", "--quiet", "--no-deps", "-p", "azure_compute_batch"]) {
        return ExitCode::FAILURE;
    }
    let own = match current_spec(root) {
        Ok(spec) => conformance_cmd(root, &spec),
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    };
    if own != ExitCode::SUCCESS {
        return own;
    }
    if fixtures_cmd(root) != ExitCode::SUCCESS {
        return ExitCode::FAILURE;
    }
    // Every other api-version kept in spec/ still generates a crate that compiles warning-free.
    let current = current_spec(root).ok();
    let mut versions: Vec<PathBuf> = std::fs::read_dir(root.join("spec")).into_iter().flatten().flatten().map(|e| e.path().join("batch.yaml")).filter(|p| p.is_file() && Some(p) != current.as_ref()).collect();
    versions.sort();
    for spec in &versions {
        let name = format!("spec_{}", spec.parent().and_then(|p| p.file_name()).map(|n| n.to_string_lossy().replace('-', "_")).unwrap_or_default());
        if !compile_check(root, spec, &name) {
            return ExitCode::FAILURE;
        }
    }
    // Fixtures with examples (polymorphic bodies, client-level parameters) conform too.
    for spec in fixture_specs(&root.join("tests/fixtures")) {
        if spec.with_file_name("examples").is_dir() && conformance_cmd(root, &spec) != ExitCode::SUCCESS {
            return ExitCode::FAILURE;
        }
    }
    corpus_cmd(root)
}

/// Generates a crate for `spec` into target/<kind>/<name> and runs clippy on it with warnings
/// as errors; false (with messages printed) when either step fails.
fn compile_check(root: &Path, spec: &Path, name: &str) -> bool {
    let out = root.join("target/generated-crates").join(name);
    let _ = std::fs::remove_dir_all(&out);
    if let Err(e) = codegen::scaffold(&out, name) {
        eprintln!("xtask: {e}");
        return false;
    }
    // Same dependency versions as the workspace, so the build reuses its artifacts.
    let _ = std::fs::copy(root.join("Cargo.lock"), out.join("Cargo.lock"));
    println!("xtask: {}", spec.display());
    if codegen_cmd(spec, &out, false) != ExitCode::SUCCESS {
        return false;
    }
    let manifest = out.join("Cargo.toml");
    let ok = std::process::Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .args(["clippy", "--quiet", "--manifest-path", &manifest.to_string_lossy(), "--", "-D", "warnings"])
        .env("CARGO_TARGET_DIR", root.join("target"))
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    if !ok {
        eprintln!("xtask: the crate generated from {} does not pass clippy", spec.display());
    }
    ok
}

/// The fixture specs: every YAML/JSON file in tests/fixtures and every `*/api.yaml` below it.
fn fixture_specs(dir: &Path) -> Vec<PathBuf> {
    let mut specs = Vec::new();
    for path in std::fs::read_dir(dir).into_iter().flatten().flatten().map(|e| e.path()) {
        if path.is_file() && matches!(path.extension().and_then(|e| e.to_str()), Some("yaml" | "json")) {
            specs.push(path);
        } else if path.join("api.yaml").is_file() {
            specs.push(path.join("api.yaml"));
        }
    }
    specs.sort();
    specs
}

/// Every fixture spec of the snapshot tests must give a crate that compiles warning-free.
fn fixtures_cmd(root: &Path) -> ExitCode {
    let dir = root.join("tests/fixtures");
    let specs = fixture_specs(&dir);
    let mut failed = Vec::new();
    for spec in &specs {
        let name = format!("fixture_{}", spec.file_stem().map(|s| s.to_string_lossy().replace('-', "_")).unwrap_or_default());
        if !compile_check(root, spec, &name) {
            failed.push(spec.display().to_string());
        }
    }
    if failed.is_empty() {
        println!("xtask fixtures: {} fixture specs generate crates that compile warning-free", specs.len());
        ExitCode::SUCCESS
    } else {
        eprintln!("xtask fixtures: failed: {}", failed.join(", "));
        ExitCode::FAILURE
    }
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
        if !compile_check(root, &corpus.join(rel), name) {
            failed.push(rel.to_string());
        }
    }
    // Our spec against the official description of the same version.
    match current_spec(root).map_err(|e| e.to_string()).and_then(|ours| coverage(&corpus.join(CORPUS[0].0), &ours)) {
        Ok((ops, op_total, defs, def_total, missing)) => {
            println!("xtask corpus: coverage of {}: operations {ops}/{op_total}, models {defs}/{def_total}", CORPUS[0].0);
            for m in &missing {
                eprintln!("  missing: {m}");
            }
            if !missing.is_empty() {
                failed.push("coverage".into());
            }
        }
        Err(e) => {
            eprintln!("xtask corpus: coverage: {e}");
            failed.push("coverage".into());
        }
    }
    // Every example of the official description must pass conformance.
    if conformance_cmd(root, &corpus.join(CORPUS[0].0)) != ExitCode::SUCCESS {
        failed.push(format!("{} (conformance)", CORPUS[0].0));
    }
    if failed.is_empty() {
        println!("xtask corpus: {} of {} descriptions generate crates that compile warning-free; official examples conform", CORPUS.len(), CORPUS.len());
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

/// Generates the spec's crate and a harness into target/conformance, runs every example
/// through them and prints `N/M examples pass` with each failure.
fn conformance_cmd(root: &Path, spec: &Path) -> ExitCode {
    let started = Instant::now();
    let (api, mut warnings) = match codegen::load_ir(spec) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    let stem: String = spec.with_extension("").to_string_lossy().chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '_' }).collect();
    let base = root.join("target/conformance").join(stem.trim_matches('_').chars().rev().take(60).collect::<String>().chars().rev().collect::<String>());
    let crate_dir = base.join("client");
    let harness_dir = base.join("harness");
    let crate_name = "conformance_client";
    let settings = codegen::lower::CrateSettings::from_title(&api.title);
    let lowered = codegen::lower::lower(&api, settings.clone(), &mut warnings);
    let files = match codegen::generate_from_ir(&api, settings, &mut Vec::new()) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    let harness = match codegen::format::format(&codegen::conformance::harness(&api, &lowered, crate_name)) {
        Ok(h) => h,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    let _ = std::fs::remove_dir_all(&base);
    let setup = (|| -> Result<(), String> {
        codegen::scaffold(&crate_dir, crate_name).map_err(|e| e.to_string())?;
        codegen::write::write_atomic(&crate_dir.join(codegen::GENERATED_DIR), &files).map_err(|e| e.to_string())?;
        std::fs::create_dir_all(harness_dir.join("src")).map_err(|e| e.to_string())?;
        std::fs::write(harness_dir.join("Cargo.toml"), codegen::conformance::harness_manifest(crate_name, "../client")).map_err(|e| e.to_string())?;
        std::fs::write(harness_dir.join("src/main.rs"), harness).map_err(|e| e.to_string())?;
        let _ = std::fs::copy(root.join("Cargo.lock"), harness_dir.join("Cargo.lock"));
        Ok(())
    })();
    if let Err(e) = setup {
        eprintln!("error: {e}");
        return ExitCode::FAILURE;
    }
    let (cases, problems) = codegen::conformance::cases(&api);
    let input: Vec<&serde_json::Value> = cases.iter().map(|c| &c.input).collect();
    let manifest = harness_dir.join("Cargo.toml");
    let mut child = match std::process::Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .args(["run", "--quiet", "--manifest-path", &manifest.to_string_lossy()])
        .env("CARGO_TARGET_DIR", root.join("target"))
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
    {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: cannot run cargo: {e}");
            return ExitCode::FAILURE;
        }
    };
    {
        use std::io::Write;
        let mut stdin = child.stdin.take().expect("piped");
        let _ = stdin.write_all(serde_json::to_string(&input).expect("JSON").as_bytes());
    }
    let output = match child.wait_with_output() {
        Ok(o) if o.status.success() => o,
        Ok(o) => {
            eprintln!("error: the conformance harness failed ({})", o.status);
            return ExitCode::FAILURE;
        }
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    let results: Vec<serde_json::Value> = match serde_json::from_slice(&output.stdout) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: the harness printed no results: {e}");
            return ExitCode::FAILURE;
        }
    };
    let mut passed = 0;
    let total = cases.len() + problems.len();
    for (case, result) in cases.iter().zip(&results) {
        let diffs = codegen::conformance::check(&api, case, result);
        if diffs.is_empty() {
            passed += 1;
        } else {
            let name = case.file.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default();
            eprintln!("FAIL {name} ({}, \"{}\"):", api.operations[case.op].id, case.title);
            for d in diffs {
                eprintln!("  {d}");
            }
        }
    }
    for p in &problems {
        eprintln!("FAIL {p}");
    }
    println!("conformance: {passed}/{total} examples pass ({}; {:.1?})", spec.display(), started.elapsed());
    if passed == total && total > 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// Operations (same method, path and operationId) and definitions of `official` found in `ours`.
fn coverage(official: &Path, ours: &Path) -> Result<(usize, usize, usize, usize, Vec<String>), String> {
    let (theirs_api, _) = codegen::load_ir(official).map_err(|e| e.to_string())?;
    let (ours_api, _) = codegen::load_ir(ours).map_err(|e| e.to_string())?;
    let mut missing = Vec::new();
    let key = |o: &codegen::ir::Operation| (o.method, o.path.clone(), o.id.clone());
    let our_ops: std::collections::BTreeSet<_> = ours_api.operations.iter().map(key).collect();
    let mut ops = 0;
    for o in &theirs_api.operations {
        if our_ops.contains(&key(o)) {
            ops += 1;
        } else {
            missing.push(format!("operation {:?} {} ({})", o.method, o.path, o.id));
        }
    }
    let definitions = |p: &Path| -> Result<Vec<String>, String> {
        let specs = codegen::resolve::Specs::load(p).map_err(|e| e.to_string())?;
        let mut names = Vec::new();
        for doc in 0..specs.doc_count() {
            let root = specs.doc_root(doc);
            if let Some(defs) = specs.child(&root, "definitions") {
                names.extend(specs.entries(&defs).into_iter().map(|(k, _)| k.to_string()));
            }
        }
        Ok(names)
    };
    let ours_defs: std::collections::BTreeSet<String> = definitions(ours)?.into_iter().collect();
    let theirs_defs = definitions(official)?;
    let mut defs = 0;
    for d in &theirs_defs {
        if ours_defs.contains(d) {
            defs += 1;
        } else {
            missing.push(format!("definition {d}"));
        }
    }
    Ok((ops, theirs_api.operations.len(), defs, theirs_defs.len(), missing))
}
