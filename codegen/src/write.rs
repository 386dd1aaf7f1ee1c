//! Stage 7, write: puts the generated files in place atomically, or only compares them (`--check`).

use crate::error::{Error, Result};
use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

/// One output file, relative to the generated folder.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutFile {
    pub path: String,
    pub contents: String,
}

/// What a write did.
#[derive(Debug, Default)]
pub struct WriteReport {
    pub written: Vec<String>,
    pub unchanged: Vec<String>,
    pub removed: Vec<String>,
}

/// Why a file on disk is stale.
#[derive(Debug, PartialEq, Eq)]
pub enum Stale {
    Missing(String),
    Differs(String),
    Extra(String),
}

impl std::fmt::Display for Stale {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Stale::Missing(p) => write!(f, "missing: {p}"),
            Stale::Differs(p) => write!(f, "differs: {p}"),
            Stale::Extra(p) => write!(f, "not generated any more: {p}"),
        }
    }
}

fn existing_files(dir: &Path) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = fs::read_dir(&d) else { continue };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if let Ok(rel) = p.strip_prefix(dir) {
                out.insert(rel.to_string_lossy().replace('\\', "/"));
            }
        }
    }
    out
}

/// Compares `files` with the contents of `dir`; empty when everything is up to date.
pub fn check(dir: &Path, files: &[OutFile]) -> Vec<Stale> {
    let mut stale = Vec::new();
    let mut on_disk = existing_files(dir);
    for f in files {
        match fs::read_to_string(dir.join(&f.path)) {
            Ok(text) if text == f.contents => {}
            Ok(_) => stale.push(Stale::Differs(f.path.clone())),
            Err(_) => stale.push(Stale::Missing(f.path.clone())),
        }
        on_disk.remove(&f.path);
    }
    stale.extend(on_disk.into_iter().map(Stale::Extra));
    stale
}

/// Replaces `dir` with exactly `files`. The new tree is written beside it first and swapped in
/// with renames, so a failure leaves the old tree as it was.
pub fn write_atomic(dir: &Path, files: &[OutFile]) -> Result<WriteReport> {
    let parent = dir.parent().unwrap_or(Path::new("."));
    let name = dir.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_else(|| "generated".into());
    let staging = parent.join(format!(".{name}.new"));
    let backup = parent.join(format!(".{name}.old"));
    for leftover in [&staging, &backup] {
        if leftover.exists() {
            fs::remove_dir_all(leftover).map_err(|e| Error::io(leftover, e))?;
        }
    }
    let mut report = WriteReport::default();
    let before = existing_files(dir);
    let result = (|| -> Result<()> {
        for f in files {
            let target: PathBuf = staging.join(&f.path);
            if let Some(p) = target.parent() {
                fs::create_dir_all(p).map_err(|e| Error::io(p, e))?;
            }
            fs::write(&target, &f.contents).map_err(|e| Error::io(&target, e))?;
            match fs::read_to_string(dir.join(&f.path)) {
                Ok(old) if old == f.contents => report.unchanged.push(f.path.clone()),
                _ => report.written.push(f.path.clone()),
            }
        }
        Ok(())
    })();
    if let Err(e) = result {
        let _ = fs::remove_dir_all(&staging);
        return Err(e);
    }
    let generated: BTreeSet<&str> = files.iter().map(|f| f.path.as_str()).collect();
    report.removed = before.into_iter().filter(|p| !generated.contains(p.as_str())).collect();
    if report.written.is_empty() && report.removed.is_empty() {
        fs::remove_dir_all(&staging).map_err(|e| Error::io(&staging, e))?;
        return Ok(report);
    }
    fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
    let had_old = dir.exists();
    if had_old {
        fs::rename(dir, &backup).map_err(|e| Error::io(dir, e))?;
    }
    if let Err(e) = fs::rename(&staging, dir) {
        if had_old {
            let _ = fs::rename(&backup, dir);
        }
        let _ = fs::remove_dir_all(&staging);
        return Err(Error::io(dir, e));
    }
    if had_old {
        fs::remove_dir_all(&backup).map_err(|e| Error::io(&backup, e))?;
    }
    Ok(report)
}
