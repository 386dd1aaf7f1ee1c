//! The generator: an OpenAPI / Swagger description in, a Rust client crate on `azure_core` out.
//!
//! Stages run in one direction, each in its own module with a narrow interface:
//!
//! 1. [`load`]: JSON or YAML text to a JSON value, keeping positions for messages;
//! 2. [`resolve`]: every file reachable through `$ref`, all references checked;
//! 3. [`build`]: Swagger 2.0 or OpenAPI 3.x to the language-neutral [`ir`];
//! 4. [`lower`]: Rust names and types for the IR (renames reported as warnings);
//! 5. [`emit`]: token streams with `quote`;
//! 6. [`format`]: prettyplease and the "generated, do not edit" header;
//! 7. [`write`]: atomic replacement of the output folder, or a staleness check.

pub mod build;
pub mod emit;
pub mod error;
pub mod format;
pub mod ir;
pub mod load;
pub mod lower;
pub mod naming;
pub mod resolve;
pub mod write;

pub use error::{Error, Location, Result, Warning};
pub use write::{OutFile, Stale, WriteReport};

use std::path::Path;

/// Folder, relative to the crate root, that holds every machine-written file.
pub const GENERATED_DIR: &str = "src/generated";

/// The result of generating a crate in memory.
#[derive(Debug)]
pub struct Generated {
    /// Files relative to [`GENERATED_DIR`].
    pub files: Vec<OutFile>,
    pub warnings: Vec<Warning>,
    pub operations: usize,
    pub models: usize,
    pub enums: usize,
}

/// Loads, resolves and builds the IR of a spec (stages 1 to 3).
pub fn load_ir(spec: &Path) -> Result<(ir::Api, Vec<Warning>)> {
    let specs = resolve::Specs::load(spec)?;
    let mut warnings = Vec::new();
    let api = build::build(&specs, &mut warnings)?;
    Ok((api, warnings))
}

/// Runs stages 1 to 6: the generated files, in memory.
pub fn generate(spec: &Path) -> Result<Generated> {
    let (api, mut warnings) = load_ir(spec)?;
    let settings = lower::CrateSettings::from_title(&api.title);
    generate_from_ir(&api, settings, &mut warnings).map(|files| Generated {
        files,
        operations: api.operations.len(),
        models: api.types.values().filter(|t| matches!(t, ir::TypeDef::Object(_))).count(),
        enums: api.types.values().filter(|t| matches!(t, ir::TypeDef::Enum(_))).count(),
        warnings,
    })
}

/// Stages 4 to 6 for an IR.
pub fn generate_from_ir(api: &ir::Api, settings: lower::CrateSettings, warnings: &mut Vec<Warning>) -> Result<Vec<OutFile>> {
    let lowered = lower::lower(api, settings, warnings);
    let mut files = Vec::new();
    for f in emit::emit(api, &lowered) {
        files.push(OutFile { contents: format::format(&f)?, path: f.path });
    }
    files.push(OutFile { path: "runtime.rs".into(), contents: format::runtime_file() });
    files.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(files)
}

/// Generates from `spec` and replaces `crate_dir/src/generated` atomically. Nothing is written
/// unless generation succeeds as a whole.
pub fn regenerate(spec: &Path, crate_dir: &Path) -> Result<(Generated, WriteReport)> {
    let generated = generate(spec)?;
    let report = write::write_atomic(&crate_dir.join(GENERATED_DIR), &generated.files)?;
    Ok((generated, report))
}
