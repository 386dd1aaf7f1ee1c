//! What changed between two API descriptions, at the level a reviewer of an api-version bump
//! cares about: operations, their parameters and responses, types, properties and enum values.
//! Works on the IR, so a Swagger 2.0 and an OpenAPI 3 description compare too.

use crate::ir::*;
use std::collections::BTreeMap;
use std::fmt::Write;

fn type_text(t: &TypeRef) -> String {
    match t {
        TypeRef::Named(n) => n.clone(),
        TypeRef::Scalar(s) => format!("{s:?}"),
        TypeRef::Array(i) => format!("[{}]", type_text(i)),
        TypeRef::Map(i) => format!("{{{}}}", type_text(i)),
    }
}

fn param_text(p: &Param) -> String {
    format!("{:?} `{}`: {}{}", p.location, p.name, type_text(&p.ty), if p.required { ", required" } else { "" })
}

/// Compares two pieces by a key and reports added, removed and changed entries.
#[allow(clippy::type_complexity)]
fn keyed<'a, T, K: Ord + Clone>(old: &'a [T], new: &'a [T], key: impl Fn(&T) -> K) -> (Vec<&'a T>, Vec<&'a T>, Vec<(&'a T, &'a T)>) {
    let o: BTreeMap<K, &'a T> = old.iter().map(|x| (key(x), x)).collect();
    let n: BTreeMap<K, &'a T> = new.iter().map(|x| (key(x), x)).collect();
    let added = n.iter().filter(|(k, _)| !o.contains_key(*k)).map(|(_, v)| *v).collect();
    let removed = o.iter().filter(|(k, _)| !n.contains_key(*k)).map(|(_, v)| *v).collect();
    let both = o.iter().filter_map(|(k, v)| n.get(k).map(|w| (*v, *w))).collect();
    (added, removed, both)
}

/// A readable report of the differences; empty when the two APIs are the same on the wire.
pub fn diff(old: &Api, new: &Api) -> String {
    let mut out = String::new();
    if old.api_version != new.api_version {
        let _ = writeln!(out, "api-version: {} -> {}", old.api_version.as_deref().unwrap_or("-"), new.api_version.as_deref().unwrap_or("-"));
    }
    // Operations are matched by method and path, so a renamed operationId shows as a rename.
    let (added, removed, both) = keyed(&old.operations, &new.operations, |o| (o.method, o.path.clone()));
    for o in added {
        let _ = writeln!(out, "+ operation {} ({:?} {})", o.id, o.method, o.path);
    }
    for o in removed {
        let _ = writeln!(out, "- operation {} ({:?} {})", o.id, o.method, o.path);
    }
    for (a, b) in both {
        let mut changes = Vec::new();
        if a.id != b.id {
            changes.push(format!("operationId {} -> {}", a.id, b.id));
        }
        if a.deprecated != b.deprecated {
            changes.push(if b.deprecated { "now deprecated".into() } else { "no longer deprecated".into() });
        }
        let (pa, pr, pb) = keyed(&a.params, &b.params, |p| (format!("{:?}", p.location), p.name.clone()));
        changes.extend(pa.iter().map(|p| format!("+ parameter {}", param_text(p))));
        changes.extend(pr.iter().map(|p| format!("- parameter {}", param_text(p))));
        changes.extend(pb.iter().filter(|(x, y)| param_text(x) != param_text(y)).map(|(x, y)| format!("~ parameter {} -> {}", param_text(x), param_text(y))));
        let body = |o: &Operation| o.body.as_ref().map(|b| format!("{} ({}){}", type_text(&b.ty), b.content_type, if b.required { ", required" } else { "" }));
        if body(a) != body(b) {
            changes.push(format!("body {} -> {}", body(a).unwrap_or_else(|| "none".into()), body(b).unwrap_or_else(|| "none".into())));
        }
        let responses = |o: &Operation| o.responses.iter().map(|r| format!("{}: {}", r.status, r.body.as_ref().map(type_text).unwrap_or_else(|| "no body".into()))).collect::<Vec<_>>().join(", ");
        if responses(a) != responses(b) {
            changes.push(format!("responses {} -> {}", responses(a), responses(b)));
        }
        let headers = |o: &Operation| o.responses.iter().flat_map(|r| r.headers.iter().map(|h| h.name.to_ascii_lowercase())).collect::<std::collections::BTreeSet<_>>();
        let (ha, hb) = (headers(a), headers(b));
        changes.extend(hb.difference(&ha).map(|h| format!("+ response header `{h}`")));
        changes.extend(ha.difference(&hb).map(|h| format!("- response header `{h}`")));
        if a.pageable.is_some() != b.pageable.is_some() {
            changes.push(if b.pageable.is_some() { "now pageable".into() } else { "no longer pageable".into() });
        }
        if !changes.is_empty() {
            let _ = writeln!(out, "~ operation {} ({:?} {})", b.id, b.method, b.path);
            for c in changes {
                let _ = writeln!(out, "    {c}");
            }
        }
    }
    let old_types: Vec<&TypeDef> = old.types.values().collect();
    let new_types: Vec<&TypeDef> = new.types.values().collect();
    let (added, removed, both) = keyed(&old_types, &new_types, |t| t.name().to_string());
    for t in added {
        let _ = writeln!(out, "+ type {}", t.name());
    }
    for t in removed {
        let _ = writeln!(out, "- type {}", t.name());
    }
    for (a, b) in both {
        let mut changes = Vec::new();
        match (a, b) {
            (TypeDef::Object(x), TypeDef::Object(y)) => {
                let text = |p: &Property| format!("`{}`: {}{}{}", p.json_name, type_text(&p.ty), if p.required { ", required" } else { "" }, if p.read_only { ", read-only" } else { "" });
                let (pa, pr, pb) = keyed(&x.properties, &y.properties, |p| p.json_name.clone());
                changes.extend(pa.iter().map(|p| format!("+ property {}", text(p))));
                changes.extend(pr.iter().map(|p| format!("- property {}", text(p))));
                changes.extend(pb.iter().filter(|(p, q)| text(p) != text(q)).map(|(p, q)| format!("~ property {} -> {}", text(p), text(q))));
            }
            (TypeDef::Enum(x), TypeDef::Enum(y)) => {
                let (va, vr, _) = keyed(&x.values, &y.values, |v| v.value.clone());
                changes.extend(va.iter().map(|v| format!("+ value `{}`", v.value)));
                changes.extend(vr.iter().map(|v| format!("- value `{}`", v.value)));
            }
            (TypeDef::Union(x), TypeDef::Union(y)) => {
                let (va, vr, _) = keyed(&x.variants, &y.variants, |v| v.tag.clone());
                changes.extend(va.iter().map(|v| format!("+ kind `{}`", v.tag)));
                changes.extend(vr.iter().map(|v| format!("- kind `{}`", v.tag)));
            }
            _ => changes.push("changed kind (object, enum or union)".to_string()),
        }
        if !changes.is_empty() {
            let _ = writeln!(out, "~ type {}", a.name());
            for c in changes {
                let _ = writeln!(out, "    {c}");
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn api(yaml: &str, name: &str) -> Api {
        let dir = std::env::temp_dir().join(format!("codegen-diff-{}-{name}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("api.yaml");
        std::fs::write(&file, yaml).unwrap();
        let (api, _) = crate::load_ir(&file).unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
        api
    }

    const OLD: &str = "swagger: '2.0'\ninfo: {title: T, version: '1'}\npaths:\n  /a:\n    get:\n      operationId: A_Get\n      parameters:\n        - {name: api-version, in: query, required: true, type: string}\n      responses:\n        200: {description: ok, schema: {$ref: '#/definitions/A'}}\n  /gone:\n    delete:\n      operationId: Gone_Delete\n      responses:\n        204: {description: ok}\ndefinitions:\n  A:\n    properties:\n      x: {type: string}\n      y: {type: integer, format: int32}\n      s: {type: string, enum: [on, off], x-ms-enum: {name: S}}\n";
    const NEW: &str = "swagger: '2.0'\ninfo: {title: T, version: '2'}\npaths:\n  /a:\n    get:\n      operationId: A_Get\n      parameters:\n        - {name: api-version, in: query, required: true, type: string}\n        - {name: $filter, in: query, type: string}\n      responses:\n        200: {description: ok, schema: {$ref: '#/definitions/A'}}\n  /b:\n    post:\n      operationId: B_Post\n      responses:\n        202: {description: ok}\ndefinitions:\n  A:\n    properties:\n      x: {type: string}\n      y: {type: integer, format: int64}\n      z: {type: boolean}\n      s: {type: string, enum: [on, off, standby], x-ms-enum: {name: S}}\n";

    #[test]
    fn reports_what_a_bump_changes() {
        let report = diff(&api(OLD, "old"), &api(NEW, "new"));
        let expected = [
            "api-version: 1 -> 2",
            "+ operation B_Post (Post /b)",
            "- operation Gone_Delete (Delete /gone)",
            "~ operation A_Get (Get /a)",
            "    + parameter Query `$filter`: String",
            "~ type A",
            "    + property `z`: Bool",
            "    ~ property `y`: Int32 -> `y`: Int64",
            "~ type S",
            "    + value `standby`",
        ];
        for line in expected {
            assert!(report.lines().any(|l| l == line), "missing `{line}` in:\n{report}");
        }
        assert_eq!(diff(&api(NEW, "a"), &api(NEW, "b")), "");
    }
}
