//! Specs the generator must reject: every error names the file, the JSON pointer and, when the
//! node can be found in the text, the line and column. Messages are snapshotted with the
//! fixtures folder replaced by `<fixtures>`.

use std::path::{Path, PathBuf};

fn errors_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures").join("errors")
}

fn scrub(text: &str) -> String {
    text.replace(&errors_dir().display().to_string(), "<fixtures>/errors")
}

/// Whether `msg` has `file:LINE:COL` right after the file path.
fn has_line_col(msg: &str, file: &str) -> bool {
    let Some(at) = msg.find(file) else { return false };
    let rest = &msg[at + file.len()..];
    let Some(rest) = rest.strip_prefix(':') else { return false };
    let mut parts = rest.splitn(3, ':');
    let line = parts.next().unwrap_or("");
    let col = parts.next().unwrap_or("").split(' ').next().unwrap_or("");
    !line.is_empty() && line.bytes().all(|b| b.is_ascii_digit()) && !col.is_empty() && col.bytes().all(|b| b.is_ascii_digit()) && line != "0"
}

/// Loads a fixture that must fail, checks the message's shape and snapshots it.
/// `expect` is a part of the message that says what went wrong.
fn check(file: &str, expect: &str) -> String {
    let path = errors_dir().join(file);
    let err = match codegen::load_ir(&path) {
        Ok(_) => panic!("{file} should not load"),
        Err(e) => e,
    };
    let msg = err.to_string();
    assert!(matches!(err, codegen::Error::Spec { .. }), "{file}: a spec error, not {err:?}");
    assert!(msg.contains(file), "{file}: message names the file: {msg}");
    assert!(msg.contains("(at /"), "{file}: message has a JSON pointer: {msg}");
    assert!(has_line_col(&msg, file), "{file}: message has :line:col: {msg}");
    assert!(msg.contains(expect), "{file}: message says `{expect}`: {msg}");
    // The whole pipeline stops with the same error.
    match codegen::generate(&path) {
        Ok(_) => panic!("{file}: generate should fail too"),
        Err(e) => assert_eq!(e.to_string(), msg),
    }
    let scrubbed = scrub(&msg);
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path("snapshots");
    settings.set_omit_expression(true);
    settings.set_description(format!("fixtures/errors/{file}"));
    let name = format!("error__{}", file.replace('.', "_"));
    settings.bind(|| insta::assert_snapshot!(name, scrubbed));
    msg
}

#[test]
fn unresolved_ref() {
    let msg = check("unresolved_ref.yaml", "#/definitions/Missing");
    assert!(msg.contains(":13:"), "points at the $ref line: {msg}");
}

#[test]
fn unknown_type() {
    let msg = check("unknown_type.yaml", "unknown type `strnig`");
    assert!(msg.contains("/definitions/Gadget/properties/name/type"), "{msg}");
}

#[test]
fn duplicate_operation_id() {
    let msg = check("duplicate_operation_id.yaml", "duplicate operationId `Twins_Get`");
    assert!(msg.contains(":13:"), "points at the second declaration: {msg}");
}

#[test]
fn invalid_yaml() {
    check("invalid_yaml.yaml", "invalid YAML");
}

#[test]
fn invalid_json() {
    let msg = check("invalid_json.json", "invalid JSON");
    assert!(msg.contains(":6:"), "points at the trailing comma's line: {msg}");
}

#[test]
fn missing_ref_file() {
    let msg = check("missing_ref_file.yaml", "does_not_exist.yaml");
    assert!(msg.contains("does not exist"), "{msg}");
}

#[test]
fn not_openapi() {
    check("not_openapi.yaml", "not a Swagger 2.0 or OpenAPI 3.x document");
}

#[test]
fn array_without_items() {
    let msg = check("array_without_items.yaml", "array schema has no `items`");
    assert!(msg.contains("/definitions/Basket/properties/fruit"), "{msg}");
}

#[test]
fn missing_root_file_is_an_io_error() {
    let path = errors_dir().join("no_such_spec.yaml");
    let err = codegen::load_ir(&path).expect_err("a missing file cannot load");
    assert!(matches!(err, codegen::Error::Io { .. }), "{err:?}");
    assert!(err.to_string().contains("no_such_spec.yaml"), "{err}");
}

#[test]
fn every_error_fixture_has_a_test() {
    let mut names: Vec<String> = std::fs::read_dir(errors_dir())
        .expect("errors dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "array_without_items.yaml",
            "duplicate_operation_id.yaml",
            "invalid_json.json",
            "invalid_yaml.yaml",
            "missing_ref_file.yaml",
            "not_openapi.yaml",
            "unknown_type.yaml",
            "unresolved_ref.yaml",
        ]
    );
}
