//! Errors and warnings of the generator. Every problem in a spec names the file, the JSON
//! pointer inside it and, when it can be found, the line and column.

use std::fmt;
use std::path::PathBuf;

/// A place inside a loaded document.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Location {
    pub file: PathBuf,
    /// RFC 6901 JSON pointer, `""` for the whole document.
    pub pointer: String,
    /// 1-based line and column, when the loader could find the node in the text.
    pub line_col: Option<(usize, usize)>,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if let Some((l, c)) = self.line_col {
            write!(f, ":{l}:{c}")?;
        }
        let p = if self.pointer.is_empty() { "/" } else { &self.pointer };
        write!(f, " (at {p})")
    }
}

/// Everything that stops a run.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{location}: {message}")]
    Spec { location: Location, message: String },
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("generated code does not parse as Rust ({file}): {message}")]
    Emit { file: String, message: String },
}

impl Error {
    pub fn spec(location: Location, message: impl Into<String>) -> Self {
        Error::Spec { location, message: message.into() }
    }
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io { path: path.into(), source }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Something the generator did on its own that a reader of the spec should know about
/// (a rename to avoid a name clash, a construct mapped to `serde_json::Value`, ...).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Warning {
    pub location: Location,
    pub message: String,
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.location, self.message)
    }
}

/// Escapes one pointer segment (RFC 6901).
pub fn escape_segment(s: &str) -> String {
    s.replace('~', "~0").replace('/', "~1")
}

/// Splits a pointer into unescaped segments.
pub fn pointer_segments(pointer: &str) -> Vec<String> {
    if pointer.is_empty() {
        return Vec::new();
    }
    pointer
        .trim_start_matches('/')
        .split('/')
        .map(|s| s.replace("~1", "/").replace("~0", "~"))
        .collect()
}
