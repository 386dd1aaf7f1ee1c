//! Fails when `generated/` is not what the generator makes of `spec/` (the rust-analyzer
//! pattern): run `cargo xtask codegen` and commit the result.

use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("tests/ is in the workspace").to_path_buf()
}

fn current_spec() -> PathBuf {
    let text = std::fs::read_to_string(root().join("spec/CURRENT")).expect("spec/CURRENT exists");
    let rel = text.lines().map(str::trim).find(|l| !l.is_empty() && !l.starts_with('#')).expect("spec/CURRENT names a spec");
    root().join("spec").join(rel)
}

#[test]
fn generated_crate_is_up_to_date() {
    let generated = codegen::generate(&current_spec()).expect("the spec generates");
    let dir = root().join("generated").join(codegen::GENERATED_DIR);
    let stale = codegen::write::check(&dir, &generated.files);
    assert!(
        stale.is_empty(),
        "generated/ is stale; run `cargo xtask codegen`:\n{}",
        stale.iter().map(|s| format!("  {s}")).collect::<Vec<_>>().join("\n")
    );
}

#[test]
fn generation_is_deterministic_and_warning_free() {
    let a = codegen::generate(&current_spec()).expect("the spec generates");
    let b = codegen::generate(&current_spec()).expect("the spec generates");
    assert_eq!(a.files, b.files);
    assert!(a.warnings.is_empty(), "our own spec should generate without warnings: {:#?}", a.warnings);
    for f in &a.files {
        assert!(f.contents.starts_with(codegen::format::HEADER), "{} lacks the generated header", f.path);
    }
}

#[test]
fn check_reports_a_hand_edit_and_write_restores_it() {
    let generated = codegen::generate(&current_spec()).expect("the spec generates");
    let tmp = std::env::temp_dir().join(format!("stale-check-{}", std::process::id()));
    let dir = tmp.join("src/generated");
    let _ = std::fs::remove_dir_all(&tmp);
    codegen::write::write_atomic(&dir, &generated.files).expect("write");
    assert!(codegen::write::check(&dir, &generated.files).is_empty());
    std::fs::write(dir.join("mod.rs"), "// edited by hand\n").expect("edit");
    std::fs::write(dir.join("extra.rs"), "// not generated\n").expect("extra");
    let stale: Vec<String> = codegen::write::check(&dir, &generated.files).iter().map(|s| s.to_string()).collect();
    assert_eq!(stale, vec!["differs: mod.rs".to_string(), "not generated any more: extra.rs".to_string()]);
    let report = codegen::write::write_atomic(&dir, &generated.files).expect("rewrite");
    assert_eq!(report.written, vec!["mod.rs".to_string()]);
    assert_eq!(report.removed, vec!["extra.rs".to_string()]);
    assert!(codegen::write::check(&dir, &generated.files).is_empty());
    std::fs::remove_dir_all(&tmp).expect("cleanup");
}

#[test]
fn a_broken_spec_leaves_the_output_untouched() {
    let tmp = std::env::temp_dir().join(format!("broken-spec-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    std::fs::create_dir_all(&tmp).expect("tmp");
    let spec = tmp.join("broken.yaml");
    std::fs::write(&spec, "swagger: '2.0'\ninfo: {title: T, version: '1'}\npaths:\n  /a:\n    get:\n      operationId: A_Get\n      responses:\n        200:\n          description: ok\n          schema:\n            $ref: '#/definitions/Missing'\n").expect("spec");
    let crate_dir = tmp.join("out");
    let out = crate_dir.join("src/generated");
    std::fs::create_dir_all(&out).expect("out");
    std::fs::write(out.join("mod.rs"), "// previous output\n").expect("previous");
    let err = codegen::regenerate(&spec, &crate_dir).expect_err("a dangling $ref must fail");
    let msg = err.to_string();
    assert!(msg.contains("broken.yaml:11:"), "{msg}");
    assert!(msg.contains("/paths/~1a/get/responses/200/schema/$ref"), "{msg}");
    assert_eq!(std::fs::read_to_string(out.join("mod.rs")).expect("still there"), "// previous output\n");
    std::fs::remove_dir_all(&tmp).expect("cleanup");
}

#[test]
fn every_api_version_in_spec_generates_without_warnings() {
    let mut versions = Vec::new();
    for entry in std::fs::read_dir(root().join("spec")).expect("spec/") {
        let dir = entry.expect("entry").path();
        if dir.is_dir() {
            let spec = dir.join("batch.yaml");
            let generated = codegen::generate(&spec).unwrap_or_else(|e| panic!("{}: {e}", spec.display()));
            assert!(generated.warnings.is_empty(), "{}: {:#?}", spec.display(), generated.warnings);
            assert!(generated.operations > 0);
            versions.push(dir.file_name().expect("name").to_string_lossy().to_string());
        }
    }
    versions.sort();
    assert!(versions.len() >= 2, "spec/ keeps more than one api-version: {versions:?}");
}
