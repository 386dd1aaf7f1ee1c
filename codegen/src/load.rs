//! Stage 1, load: reads a JSON or YAML file into a `serde_json::Value` (object order kept) and
//! keeps the text so that any JSON pointer can later be turned into a line and column.

use crate::error::{escape_segment, pointer_segments, Error, Location, Result};
use serde_json::{Map, Value};
use std::path::{Path, PathBuf};

/// The syntax a document was written in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Syntax {
    Json,
    Yaml,
}

/// One loaded file.
#[derive(Debug)]
pub struct Source {
    pub path: PathBuf,
    pub syntax: Syntax,
    pub text: String,
    pub value: Value,
}

impl Source {
    /// Reads and parses `path`. The syntax is taken from the first non-blank character
    /// (`{` or `[` means JSON), so a `.yaml` file holding JSON still loads.
    pub fn read(path: &Path) -> Result<Source> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        Source::parse(path.to_path_buf(), text)
    }

    /// Parses text already in memory; `path` is only used in messages and for relative refs.
    pub fn parse(path: PathBuf, text: String) -> Result<Source> {
        let first = text.trim_start_matches('\u{feff}').trim_start().chars().next();
        let syntax = match first {
            Some('{') | Some('[') => Syntax::Json,
            _ => Syntax::Yaml,
        };
        let value = match syntax {
            Syntax::Json => serde_json::from_str::<Value>(text.trim_start_matches('\u{feff}'))
                .map_err(|e| {
                    Error::spec(
                        Location { file: path.clone(), pointer: String::new(), line_col: Some((e.line(), e.column())) },
                        format!("invalid JSON: {}", e.to_string().split(" at line ").next().unwrap_or_default()),
                    )
                })?,
            Syntax::Yaml => {
                let y: serde_yaml::Value = serde_yaml::from_str(&text).map_err(|e| {
                    let line_col = e.location().map(|l| (l.line(), l.column()));
                    Error::spec(
                        Location { file: path.clone(), pointer: String::new(), line_col },
                        format!("invalid YAML: {e}"),
                    )
                })?;
                yaml_to_json(&path, &text, y, String::new())?
            }
        };
        Ok(Source { path, syntax, text, value })
    }

    /// The location of `pointer` in this file, with line and column when they can be found.
    pub fn location(&self, pointer: &str) -> Location {
        let line_col = match self.syntax {
            Syntax::Json => locate_json(&self.text, pointer),
            Syntax::Yaml => locate_yaml(&self.text, pointer),
        };
        Location { file: self.path.clone(), pointer: pointer.to_string(), line_col }
    }
}

fn yaml_to_json(path: &Path, text: &str, y: serde_yaml::Value, pointer: String) -> Result<Value> {
    use serde_yaml::Value as Y;
    Ok(match y {
        Y::Null => Value::Null,
        Y::Bool(b) => Value::Bool(b),
        Y::Number(n) => {
            if let Some(i) = n.as_i64() {
                Value::from(i)
            } else if let Some(u) = n.as_u64() {
                Value::from(u)
            } else {
                let f = n.as_f64().unwrap_or(f64::NAN);
                serde_json::Number::from_f64(f).map(Value::Number).ok_or_else(|| {
                    let loc = Location { file: path.to_path_buf(), line_col: locate_yaml(text, &pointer), pointer: pointer.clone() };
                    Error::spec(loc, format!("number {f} cannot be represented in JSON"))
                })?
            }
        }
        Y::String(s) => Value::String(s),
        Y::Sequence(items) => {
            let mut out = Vec::with_capacity(items.len());
            for (i, item) in items.into_iter().enumerate() {
                out.push(yaml_to_json(path, text, item, format!("{pointer}/{i}"))?);
            }
            Value::Array(out)
        }
        Y::Mapping(m) => {
            let mut out = Map::new();
            for (k, v) in m {
                let key = match k {
                    Y::String(s) => s,
                    Y::Number(n) => n.to_string(),
                    Y::Bool(b) => b.to_string(),
                    Y::Null => "null".to_string(),
                    other => {
                        let loc = Location { file: path.to_path_buf(), line_col: locate_yaml(text, &pointer), pointer: pointer.clone() };
                        return Err(Error::spec(loc, format!("mapping key must be a scalar, found {other:?}")));
                    }
                };
                let child = format!("{pointer}/{}", escape_segment(&key));
                let v = yaml_to_json(path, text, v, child)?;
                out.insert(key, v);
            }
            Value::Object(out)
        }
        Y::Tagged(t) => yaml_to_json(path, text, t.value, pointer)?,
    })
}

fn line_col_at(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map(|l| l.chars().count()).unwrap_or(0) + 1;
    (line, col)
}

/// Finds the start of the value at `pointer` in JSON text with a small scanner that follows
/// only the pointer's path. Returns the deepest node found if the pointer leads nowhere.
fn locate_json(text: &str, pointer: &str) -> Option<(usize, usize)> {
    let segments = pointer_segments(pointer);
    let b = text.as_bytes();
    let mut pos = skip_ws(b, 0);
    for seg in &segments {
        match b.get(pos)? {
            b'{' => {
                let mut p = skip_ws(b, pos + 1);
                let mut found = None;
                while p < b.len() && b[p] != b'}' {
                    let (key, after) = scan_string(b, p)?;
                    let colon = skip_ws(b, after);
                    let vstart = skip_ws(b, colon + 1);
                    if key == *seg {
                        found = Some(vstart);
                        break;
                    }
                    p = skip_ws(b, skip_value(b, vstart)?);
                    if b.get(p) == Some(&b',') {
                        p = skip_ws(b, p + 1);
                    }
                }
                match found {
                    Some(v) => pos = v,
                    None => return Some(line_col_at(text, pos)),
                }
            }
            b'[' => {
                let index: usize = seg.parse().ok()?;
                let mut p = skip_ws(b, pos + 1);
                for _ in 0..index {
                    p = skip_ws(b, skip_value(b, p)?);
                    if b.get(p) == Some(&b',') {
                        p = skip_ws(b, p + 1);
                    } else {
                        return Some(line_col_at(text, pos));
                    }
                }
                pos = p;
            }
            _ => return Some(line_col_at(text, pos)),
        }
    }
    Some(line_col_at(text, pos))
}

fn skip_ws(b: &[u8], mut p: usize) -> usize {
    while p < b.len() && (b[p] as char).is_ascii_whitespace() {
        p += 1;
    }
    p
}

fn scan_string(b: &[u8], p: usize) -> Option<(String, usize)> {
    if b.get(p) != Some(&b'"') {
        return None;
    }
    let mut q = p + 1;
    while q < b.len() {
        match b[q] {
            b'\\' => q += 2,
            b'"' => {
                let raw = std::str::from_utf8(&b[p..=q]).ok()?;
                let s: String = serde_json::from_str(raw).ok()?;
                return Some((s, q + 1));
            }
            _ => q += 1,
        }
    }
    None
}

fn skip_value(b: &[u8], p: usize) -> Option<usize> {
    match *b.get(p)? {
        b'"' => scan_string(b, p).map(|(_, e)| e),
        open @ (b'{' | b'[') => {
            let close = if open == b'{' { b'}' } else { b']' };
            let mut depth = 0usize;
            let mut q = p;
            while q < b.len() {
                match b[q] {
                    b'"' => {
                        q = scan_string(b, q)?.1;
                        continue;
                    }
                    c if c == open => depth += 1,
                    c if c == close => {
                        depth -= 1;
                        if depth == 0 {
                            return Some(q + 1);
                        }
                    }
                    _ => {}
                }
                q += 1;
            }
            None
        }
        _ => {
            let mut q = p;
            while q < b.len() && !matches!(b[q], b',' | b'}' | b']') && !(b[q] as char).is_ascii_whitespace() {
                q += 1;
            }
            Some(q)
        }
    }
}

/// Finds the line of the node at `pointer` in block-style YAML by following indentation.
/// Flow collections are not entered: the line of their enclosing key is returned.
fn locate_yaml(text: &str, pointer: &str) -> Option<(usize, usize)> {
    #[derive(PartialEq)]
    enum Kind {
        Dash,
        Key(String),
        Scalar,
    }
    // Logical entries: "- name: x" yields a dash and a key entry on the same line.
    let mut entries: Vec<(usize, usize, Kind)> = Vec::new();
    for (line, l) in text.lines().enumerate() {
        let mut t = l.trim_start();
        if t.is_empty() || t.starts_with('#') || t == "---" {
            continue;
        }
        let mut indent = l.len() - t.len();
        while t == "-" || t.starts_with("- ") {
            entries.push((line, indent, Kind::Dash));
            let rest = &t[1..];
            let trimmed = rest.trim_start();
            indent += 1 + rest.len() - trimmed.len();
            t = trimmed;
        }
        if t.is_empty() {
            continue;
        }
        let key = if t.starts_with('"') || t.starts_with('\'') {
            let q = t.chars().next().unwrap_or('"');
            t[1..].find(q).and_then(|e| {
                let after = &t[e + 2..];
                after.starts_with(':').then(|| t[1..e + 1].to_string())
            })
        } else {
            t.find(':').filter(|&i| t[i + 1..].is_empty() || t[i + 1..].starts_with(' ')).map(|i| t[..i].trim().to_string())
        };
        entries.push((line, indent, key.map(Kind::Key).unwrap_or(Kind::Scalar)));
    }
    let (mut start, mut end) = (0usize, entries.len());
    let mut node = entries.first().map(|e| (e.0, 0)).unwrap_or((0, 0));
    for seg in pointer_segments(pointer) {
        let Some(ci) = entries[start..end].iter().map(|e| e.1).min() else { break };
        let mut children = (start..end).filter(|&i| entries[i].1 == ci);
        let hit = match seg.parse::<usize>() {
            Ok(n) if entries[start..end].iter().any(|e| e.1 == ci && e.2 == Kind::Dash) => {
                children.filter(|&i| entries[i].2 == Kind::Dash).nth(n)
            }
            _ => children.find(|&i| entries[i].2 == Kind::Key(seg.clone())),
        };
        let Some(h) = hit else { break };
        node = (entries[h].0, entries[h].1);
        start = h + 1;
        end = (h + 1..end).find(|&i| entries[i].1 <= ci).unwrap_or(end);
    }
    Some((node.0 + 1, node.1 + 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_pointer_lines() {
        let text = "{\n  \"a\": {\n    \"b\": [1,\n      {\"c\": true}]\n  }\n}\n".to_string();
        let s = Source::parse("x.json".into(), text).unwrap();
        assert_eq!(s.location("/a").line_col, Some((2, 8)));
        assert_eq!(s.location("/a/b/1/c").line_col, Some((4, 13)));
    }

    #[test]
    fn yaml_pointer_lines() {
        let text = "a:\n  b:\n    - x\n    - y: 1\n  c: 2\nd: 3\n".to_string();
        let s = Source::parse("x.yaml".into(), text).unwrap();
        assert_eq!(s.location("/a/c").line_col, Some((5, 3)));
        assert_eq!(s.location("/d").line_col, Some((6, 1)));
        assert_eq!(s.location("/a/b/1").line_col, Some((4, 5)));
    }

    #[test]
    fn yaml_numeric_keys_become_strings() {
        let s = Source::parse("x.yaml".into(), "responses:\n  200:\n    description: ok\n".into()).unwrap();
        assert!(s.value["responses"]["200"].is_object());
    }

    #[test]
    fn bad_yaml_reports_line() {
        let e = Source::parse("bad.yaml".into(), "a: [1, 2\nb: 3\n".into()).unwrap_err();
        let msg = e.to_string();
        assert!(msg.starts_with("bad.yaml:"), "{msg}");
        assert!(msg.contains("invalid YAML"), "{msg}");
    }
}
