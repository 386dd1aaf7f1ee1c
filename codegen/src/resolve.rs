//! Stage 2, resolve: loads every file reachable through `$ref` from the root document and checks
//! that each reference points at something. Later stages follow references through [`Specs`].

use crate::error::{escape_segment, pointer_segments, Error, Location, Result};
use crate::load::Source;
use serde_json::Value;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// Index of a loaded document inside [`Specs`].
pub type DocId = usize;

/// A value inside one of the loaded documents.
#[derive(Clone, Debug)]
pub struct Node<'a> {
    pub doc: DocId,
    pub pointer: String,
    pub value: &'a Value,
}

/// All documents of one API description, the root first.
#[derive(Debug)]
pub struct Specs {
    docs: Vec<Source>,
    by_path: HashMap<PathBuf, DocId>,
}

const MAX_REF_HOPS: usize = 64;

impl Specs {
    /// Loads `root` and every file it references, then checks all references.
    pub fn load(root: &Path) -> Result<Specs> {
        let mut specs = Specs { docs: Vec::new(), by_path: HashMap::new() };
        let root_id = specs.load_file(root)?;
        debug_assert_eq!(root_id, 0);
        // Breadth-first over documents: collect refs, load their files, then check targets.
        let mut next = 0;
        while next < specs.docs.len() {
            let mut refs = Vec::new();
            collect_refs(&specs.docs[next].value, String::new(), false, &mut refs);
            for (ptr, r) in refs {
                let (file, _) = split_ref(&r);
                if !file.is_empty() {
                    let target = specs.sibling(next, file);
                    if !specs.by_path.contains_key(&canonical(&target)) {
                        if !target.exists() {
                            return Err(Error::spec(
                                specs.docs[next].location(&ptr),
                                format!("$ref `{r}` points to a file that does not exist: {}", target.display()),
                            ));
                        }
                        specs.load_file(&target)?;
                    }
                }
            }
            next += 1;
        }
        for doc in 0..specs.docs.len() {
            let mut refs = Vec::new();
            collect_refs(&specs.docs[doc].value, String::new(), false, &mut refs);
            for (ptr, r) in refs {
                specs.resolve_ref(doc, &r, &ptr)?;
            }
        }
        Ok(specs)
    }

    fn load_file(&mut self, path: &Path) -> Result<DocId> {
        let source = Source::read(path)?;
        let id = self.docs.len();
        self.by_path.insert(canonical(path), id);
        self.docs.push(source);
        Ok(id)
    }

    fn sibling(&self, doc: DocId, file: &str) -> PathBuf {
        let base = self.docs[doc].path.parent().unwrap_or(Path::new("."));
        normalize(&base.join(file))
    }

    /// The root document.
    pub fn root(&self) -> Node<'_> {
        Node { doc: 0, pointer: String::new(), value: &self.docs[0].value }
    }

    /// How many documents were loaded.
    pub fn doc_count(&self) -> usize {
        self.docs.len()
    }

    /// The top of one loaded document.
    pub fn doc_root(&self, doc: DocId) -> Node<'_> {
        Node { doc, pointer: String::new(), value: &self.docs[doc].value }
    }

    /// Path of a document.
    pub fn path(&self, doc: DocId) -> &Path {
        &self.docs[doc].path
    }

    /// A location for messages.
    pub fn location(&self, doc: DocId, pointer: &str) -> Location {
        self.docs[doc].location(pointer)
    }

    /// Location of a node.
    pub fn loc(&self, node: &Node<'_>) -> Location {
        self.location(node.doc, &node.pointer)
    }

    /// A child of a node, by key (objects) or index (arrays).
    pub fn child<'a>(&'a self, node: &Node<'a>, key: &str) -> Option<Node<'a>> {
        let value = match node.value {
            Value::Object(m) => m.get(key)?,
            Value::Array(a) => a.get(key.parse::<usize>().ok()?)?,
            _ => return None,
        };
        let pointer = format!("{}/{}", node.pointer, escape_segment(key));
        Some(Node { doc: node.doc, pointer, value })
    }

    /// The entries of an object node, in document order.
    pub fn entries<'a>(&'a self, node: &Node<'a>) -> Vec<(&'a str, Node<'a>)> {
        match node.value {
            Value::Object(m) => m
                .keys()
                .map(|k| (k.as_str(), self.child(node, k).expect("key exists")))
                .collect(),
            _ => Vec::new(),
        }
    }

    /// The items of an array node.
    pub fn items<'a>(&'a self, node: &Node<'a>) -> Vec<Node<'a>> {
        match node.value {
            Value::Array(a) => (0..a.len()).map(|i| self.child(node, &i.to_string()).expect("index exists")).collect(),
            _ => Vec::new(),
        }
    }

    /// Resolves reference text `r` written at `at` in document `doc`.
    pub fn resolve_ref(&self, doc: DocId, r: &str, at: &str) -> Result<Node<'_>> {
        let (file, pointer) = split_ref(r);
        let target_doc = if file.is_empty() {
            doc
        } else {
            let path = canonical(&self.sibling(doc, file));
            *self.by_path.get(&path).ok_or_else(|| {
                Error::spec(self.location(doc, at), format!("$ref `{r}` points to a file that was not loaded"))
            })?
        };
        let mut value = &self.docs[target_doc].value;
        for seg in pointer_segments(pointer) {
            let next = match value {
                Value::Object(m) => m.get(&seg),
                Value::Array(a) => seg.parse::<usize>().ok().and_then(|i| a.get(i)),
                _ => None,
            };
            value = next.ok_or_else(|| {
                Error::spec(self.location(doc, at), format!("$ref `{r}` cannot be resolved: no `{seg}` in {}", self.docs[target_doc].path.display()))
            })?;
        }
        let pointer = pointer.to_string();
        Ok(Node { doc: target_doc, pointer, value })
    }

    /// Follows `$ref` until a node without one. Errors on a reference cycle.
    pub fn deref<'a>(&'a self, mut node: Node<'a>) -> Result<Node<'a>> {
        for _ in 0..MAX_REF_HOPS {
            match node.value.get("$ref").and_then(Value::as_str) {
                Some(r) => {
                    let at = format!("{}/$ref", node.pointer);
                    node = self.resolve_ref(node.doc, r, &at)?;
                }
                None => return Ok(node),
            }
        }
        Err(Error::spec(self.loc(&node), "$ref chain is too long or cyclic"))
    }

    /// The `$ref` target of a node that is a bare reference, if it is one.
    pub fn ref_target<'a>(&'a self, node: &Node<'a>) -> Result<Option<Node<'a>>> {
        match node.value.get("$ref").and_then(Value::as_str) {
            Some(r) => {
                let at = format!("{}/$ref", node.pointer);
                self.resolve_ref(node.doc, r, &at).map(Some)
            }
            None => Ok(None),
        }
    }
}

/// Removes `.` and folds `..` without touching the file system.
pub fn normalize(p: &Path) -> PathBuf {
    use std::path::Component;
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir if matches!(out.components().next_back(), Some(Component::Normal(_))) => {
                out.pop();
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

fn canonical(p: &Path) -> PathBuf {
    std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf())
}

/// `"other.yaml#/definitions/X"` -> `("other.yaml", "/definitions/X")`.
pub fn split_ref(r: &str) -> (&str, &str) {
    match r.split_once('#') {
        Some((file, pointer)) => (file, pointer),
        None => (r, ""),
    }
}

/// Collects `(pointer of the $ref key, reference text)`; example references are not followed.
fn collect_refs(v: &Value, pointer: String, in_properties: bool, out: &mut Vec<(String, String)>) {
    match v {
        Value::Object(m) => {
            for (k, child) in m {
                if !in_properties && (k == "x-ms-examples" || k == "example" || k == "examples") {
                    continue;
                }
                let p = format!("{pointer}/{}", escape_segment(k));
                if k == "$ref" {
                    if let Value::String(r) = child {
                        out.push((p, r.clone()));
                    }
                } else {
                    collect_refs(child, p, !in_properties && k == "properties", out);
                }
            }
        }
        Value::Array(a) => {
            for (i, child) in a.iter().enumerate() {
                collect_refs(child, format!("{pointer}/{i}"), false, out);
            }
        }
        _ => {}
    }
}
