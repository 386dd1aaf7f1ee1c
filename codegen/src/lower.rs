//! Stage 4, Rust lowering: decides every Rust name (types, fields, variants, methods, options)
//! and how each IR type is spelled in Rust. Name clashes get a deterministic rename and a warning.

use crate::error::{Location, Warning};
use crate::ir::*;
use crate::naming::{cannot_be_raw, dedupe, is_keyword, is_reserved_type_name, pascal, snake};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::PathBuf;

/// Settings of one generated crate.
#[derive(Clone, Debug)]
pub struct CrateSettings {
    /// Name of the client type, e.g. `BatchClient`.
    pub client_name: String,
}

impl CrateSettings {
    /// `Azure Batch` -> `BatchClient`.
    pub fn from_title(title: &str) -> CrateSettings {
        let words: Vec<&str> = title.split_whitespace().filter(|w| !matches!(*w, "Azure" | "Microsoft" | "API" | "Api" | "Client" | "Service")).collect();
        let base = pascal(&words.join(" "));
        CrateSettings { client_name: format!("{}Client", if base == "Value" { "Api".into() } else { base }) }
    }
}

/// Rust names for one struct.
#[derive(Clone, Debug)]
pub struct StructNames {
    pub name: String,
    /// One per IR property, same order.
    pub fields: Vec<String>,
    /// Fields whose type must be boxed (recursion).
    pub boxed: Vec<bool>,
    pub additional: String,
}

/// Rust names for one enum.
#[derive(Clone, Debug)]
pub struct EnumNames {
    pub name: String,
    pub variants: Vec<String>,
}

/// Rust names for one operation.
#[derive(Clone, Debug)]
pub struct OpNames {
    pub method: String,
    pub options: String,
    /// One per IR param (and `body` last), same order.
    pub params: Vec<String>,
    pub body: Option<String>,
    /// The marker type of a response without a body.
    pub result_marker: String,
}

/// The lowered API: all names decided.
#[derive(Clone, Debug)]
pub struct Lowered {
    pub settings: CrateSettings,
    pub structs: BTreeMap<String, StructNames>,
    pub enums: BTreeMap<String, EnumNames>,
    /// Polymorphic types: the Rust enum name and one variant name per IR variant.
    pub unions: BTreeMap<String, EnumNames>,
    /// Keyed by operation id.
    pub ops: BTreeMap<String, OpNames>,
    /// Client-level parameters (`x-ms-parameter-location: client`), by wire name: the field
    /// on the client and its options.
    pub client_params: BTreeMap<String, String>,
}

impl Lowered {
    /// Rust name of an IR type name.
    pub fn type_name<'s>(&'s self, ir_name: &'s str) -> &'s str {
        if let Some(s) = self.structs.get(ir_name) {
            &s.name
        } else if let Some(e) = self.enums.get(ir_name) {
            &e.name
        } else if let Some(u) = self.unions.get(ir_name) {
            &u.name
        } else {
            ir_name
        }
    }
}

fn loc(origin: &str) -> Location {
    let (file, pointer) = origin.split_once('#').unwrap_or((origin, ""));
    Location { file: PathBuf::from(file), pointer: pointer.to_string(), line_col: None }
}

/// Makes a snake identifier usable: keywords become raw identifiers (`r#type`) or get `_`.
pub fn field_ident(name: &str) -> String {
    if cannot_be_raw(name) {
        format!("{name}_")
    } else if is_keyword(name) {
        format!("r#{name}")
    } else {
        name.to_string()
    }
}

/// Decides all names.
pub fn lower(api: &Api, settings: CrateSettings, warnings: &mut Vec<Warning>) -> Lowered {
    // Types: one namespace for structs and enums.
    let ir_names: Vec<&String> = api.types.keys().collect();
    let wanted: Vec<String> = ir_names
        .iter()
        .map(|n| {
            let p = pascal(n);
            if is_reserved_type_name(&p) || p == settings.client_name {
                let origin = api.types[n.as_str()].origin();
                warnings.push(Warning { location: loc(origin), message: format!("schema `{n}` would be named `{p}`, which generated code uses for another type; named `{p}Model`") });
                format!("{p}Model")
            } else {
                p
            }
        })
        .collect();
    let (final_names, renames) = dedupe(&wanted, false);
    for (i, from, to) in renames {
        let origin = api.types[ir_names[i].as_str()].origin().to_string();
        warnings.push(Warning { location: loc(&origin), message: format!("schema `{}` maps to Rust name `{from}`, already taken; named `{to}`", ir_names[i]) });
    }
    let rust_of: HashMap<&str, &str> = ir_names.iter().map(|n| n.as_str()).zip(final_names.iter().map(String::as_str)).collect();

    let mut structs = BTreeMap::new();
    let mut enums = BTreeMap::new();
    let mut unions = BTreeMap::new();
    for (ir_name, def) in &api.types {
        let name = rust_of[ir_name.as_str()].to_string();
        match def {
            TypeDef::Object(o) => {
                let wanted: Vec<String> = o.properties.iter().map(|p| snake(p.client_name.as_deref().unwrap_or(&p.json_name))).collect();
                let (fields, renames) = dedupe(&wanted, true);
                for (i, from, to) in renames {
                    warnings.push(Warning {
                        location: loc(&format!("{}/properties/{}", o.origin, crate::error::escape_segment(&o.properties[i].json_name))),
                        message: format!("property `{}` of `{}` maps to field `{from}`, already taken; named `{to}`", o.properties[i].json_name, o.name),
                    });
                }
                let fields: Vec<String> = fields.iter().map(|f| field_ident(f)).collect();
                let boxed = o.properties.iter().map(|p| matches!(&p.ty, TypeRef::Named(t) if reaches(api, t, ir_name, &mut HashSet::new()))).collect();
                let mut additional = "additional_properties".to_string();
                while fields.contains(&additional) {
                    additional.push('_');
                }
                structs.insert(ir_name.clone(), StructNames { name, fields, boxed, additional });
            }
            TypeDef::Enum(e) => {
                let wanted: Vec<String> = e
                    .values
                    .iter()
                    .map(|v| variant_name(v.name.as_deref().unwrap_or(&v.value)))
                    .collect();
                let (variants, renames) = dedupe(&wanted, false);
                for (i, from, to) in renames {
                    warnings.push(Warning {
                        location: loc(&format!("{}/enum/{i}", e.origin)),
                        message: format!("enum value `{}` of `{}` maps to variant `{from}`, already taken; named `{to}`", e.values[i].value, e.name),
                    });
                }
                enums.insert(ir_name.clone(), EnumNames { name, variants });
            }
            TypeDef::Union(u) => {
                let wanted: Vec<String> = u
                    .variants
                    .iter()
                    .map(|v| variant_name(&v.tag))
                    .collect();
                let (variants, renames) = dedupe(&wanted, false);
                for (i, from, to) in renames {
                    warnings.push(Warning {
                        location: loc(&u.origin),
                        message: format!("discriminator value `{}` of `{}` maps to variant `{from}`, already taken; named `{to}`", u.variants[i].tag, u.name),
                    });
                }
                unions.insert(ir_name.clone(), EnumNames { name, variants });
            }
        }
    }

    // Operations: method names are unique per client. The group prefix of an operationId
    // (`Tasks_` in `Tasks_GetTask`) is dropped unless that makes two methods alike
    // (`Pool_List` and `Job_List`), in which case those keep it (`pool_list`, `job_list`).
    let short: Vec<String> = api.operations.iter().map(|o| snake(&o.name)).collect();
    let wanted: Vec<String> = api
        .operations
        .iter()
        .zip(&short)
        .map(|(o, s)| {
            let n = if short.iter().filter(|x| *x == s).count() > 1 { snake(&o.id) } else { s.clone() };
            field_ident(&n)
        })
        .collect();
    let (methods, renames) = dedupe(&wanted, true);
    for (i, from, to) in renames {
        warnings.push(Warning {
            location: loc(&api.operations[i].origin),
            message: format!("operation `{}` maps to method `{from}`, already taken; named `{to}`", api.operations[i].id),
        });
    }
    let mut ops = BTreeMap::new();
    for (op, method) in api.operations.iter().zip(methods) {
        let bare = method.trim_start_matches("r#");
        let options = format!("{}{}Options", settings.client_name, pascal(bare));
        let result_marker = format!("{}{}Result", settings.client_name, pascal(bare));
        let mut wanted: Vec<String> = op.params.iter().map(|p| snake(preferred_name(p.client_name.as_deref(), &p.name))).collect();
        if let Some(b) = &op.body {
            wanted.push(snake(&b.name));
        }
        wanted.push("method_options".into());
        let (mut names, renames) = dedupe(&wanted, true);
        for (i, from, to) in renames {
            warnings.push(Warning {
                location: loc(&op.origin),
                message: format!("parameter #{i} of `{}` maps to `{from}`, already taken; named `{to}`", op.id),
            });
        }
        names.pop();
        let body = op.body.as_ref().map(|_| field_ident(&names.pop().expect("body name")));
        let params = names.iter().map(|n| field_ident(n)).collect();
        ops.insert(op.id.clone(), OpNames { method, options, params, body, result_marker });
    }
    let mut client_params = BTreeMap::new();
    for p in api.operations.iter().flat_map(|o| o.params.iter()).filter(|p| p.client_level) {
        let taken: Vec<&String> = client_params.values().collect();
        let mut field = field_ident(&snake(preferred_name(p.client_name.as_deref(), &p.name)));
        if ["endpoint", "api_version", "pipeline", "client_options"].contains(&field.as_str()) || taken.contains(&&field) {
            field = format!("{}_param", field.trim_start_matches("r#"));
        }
        client_params.entry(p.name.clone()).or_insert(field);
    }
    Lowered { settings, structs, enums, unions, ops, client_params }
}

/// The name to build a Rust name from: `x-ms-client-name` unless it only drops the word breaks
/// of the wire name (`ocpdate` for `ocp-date`), where the wire name splits into better words.
fn preferred_name<'s>(client_name: Option<&'s str>, wire: &'s str) -> &'s str {
    match client_name {
        Some(c) => {
            let squash = |s: &str| s.chars().filter(|c| c.is_alphanumeric()).collect::<String>().to_lowercase();
            if c.chars().all(|ch| !ch.is_uppercase()) && squash(c) == squash(wire) {
                wire
            } else {
                c
            }
        }
        None => wire,
    }
}

/// A variant name for an enum value or a union tag; `UnknownValue` is kept for the catch-all.
fn variant_name(value: &str) -> String {
    let p = pascal(value);
    if p == "UnknownValue" || p == "Self" {
        format!("{p}Variant")
    } else {
        p
    }
}

/// Whether type `from` can reach `target` through direct (unboxed, non-collection) fields.
fn reaches(api: &Api, from: &str, target: &str, seen: &mut HashSet<String>) -> bool {
    if from == target {
        return true;
    }
    if !seen.insert(from.to_string()) {
        return false;
    }
    match api.types.get(from) {
        Some(TypeDef::Object(o)) => o.properties.iter().any(|p| matches!(&p.ty, TypeRef::Named(t) if reaches(api, t, target, seen))),
        // A union holds its variants inline.
        Some(TypeDef::Union(u)) => u.variants.iter().any(|v| reaches(api, &v.ty, target, seen)),
        _ => false,
    }
}
