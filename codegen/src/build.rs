//! Stage 3, IR: turns resolved Swagger 2.0 / OpenAPI 3.x documents into the IR in [`crate::ir`].
//! The two dialects differ only in where they keep things; both land in the same model.

use crate::error::{Error, Result, Warning};
use crate::ir::*;
use crate::resolve::{Node, Specs};
use heck::ToUpperCamelCase;
use indexmap::IndexMap;
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Dialect {
    Swagger2,
    OpenApi3,
}

struct Builder<'a> {
    specs: &'a Specs,
    dialect: Dialect,
    types: IndexMap<String, TypeDef>,
    /// `doc#pointer` of a schema -> its type name.
    by_origin: HashMap<String, String>,
    warnings: &'a mut Vec<Warning>,
}

/// Builds the IR of the API whose documents are in `specs`.
pub fn build(specs: &Specs, warnings: &mut Vec<Warning>) -> Result<Api> {
    let root = specs.root();
    let dialect = if root.value.get("swagger").and_then(Value::as_str) == Some("2.0") {
        Dialect::Swagger2
    } else if root.value.get("openapi").and_then(Value::as_str).is_some_and(|v| v.starts_with('3')) {
        Dialect::OpenApi3
    } else {
        return Err(Error::spec(
            specs.loc(&root),
            "not a Swagger 2.0 or OpenAPI 3.x document (expected `swagger: \"2.0\"` or `openapi: 3.x`)",
        ));
    };
    let mut b = Builder { specs, dialect, types: IndexMap::new(), by_origin: HashMap::new(), warnings };
    b.api(&root)
}

fn str_of<'v>(v: &'v Value, key: &str) -> Option<&'v str> {
    v.get(key).and_then(Value::as_str)
}

fn text_of(v: &Value, key: &str) -> Option<String> {
    str_of(v, key).map(str::trim).filter(|s| !s.is_empty()).map(str::to_string)
}

fn bool_of(v: &Value, key: &str) -> bool {
    v.get(key).and_then(Value::as_bool).unwrap_or(false)
}

impl<'a> Builder<'a> {
    fn warn(&mut self, node: &Node<'_>, message: impl Into<String>) {
        let location = self.specs.loc(node);
        self.warnings.push(Warning { location, message: message.into() });
    }

    fn err(&self, node: &Node<'_>, message: impl Into<String>) -> Error {
        Error::spec(self.specs.loc(node), message)
    }

    fn api(&mut self, root: &Node<'a>) -> Result<Api> {
        let specs = self.specs;
        let info = root.value.get("info").cloned().unwrap_or(Value::Null);
        let title = text_of(&info, "title").unwrap_or_else(|| "API".to_string());
        let description = text_of(&info, "description");
        let host = self.host(root);
        let scopes = self.scopes(root);

        let mut operations = Vec::new();
        let mut seen_ids: BTreeMap<String, String> = BTreeMap::new();
        for key in ["paths", "x-ms-paths"] {
            let Some(paths) = specs.child(root, key) else { continue };
            for (path, item) in specs.entries(&paths) {
                let item = specs.deref(item)?;
                let path_params = specs.child(&item, "parameters");
                for (method, op) in specs.entries(&item) {
                    let Some(m) = HttpMethod::parse(method) else { continue };
                    if method == "parameters" {
                        continue;
                    }
                    let operation = self.operation(m, path, &op, path_params.as_ref())?;
                    let here = format!("{}", specs.loc(&op));
                    if let Some(first) = seen_ids.insert(operation.id.clone(), here) {
                        return Err(self.err(&op, format!("duplicate operationId `{}` (first declared at {first})", operation.id)));
                    }
                    operations.push(operation);
                }
            }
        }
        let api_version = operations
            .iter()
            .flat_map(|o| o.params.iter())
            .any(|p| p.api_version)
            .then(|| text_of(&info, "version"))
            .flatten();
        // Named schemas not reached from any operation still belong to the API.
        let defs_key: &[&str] = match self.dialect {
            Dialect::Swagger2 => &["definitions"],
            Dialect::OpenApi3 => &["components", "schemas"],
        };
        let mut defs = Some(root.clone());
        for k in defs_key {
            defs = defs.and_then(|d| specs.child(&d, k));
        }
        if let Some(defs) = defs {
            for (name, schema) in specs.entries(&defs) {
                self.named(name, &schema)?;
            }
        }
        Ok(Api { title, description, api_version, host, scopes, operations, types: std::mem::take(&mut self.types) })
    }

    fn host(&self, root: &Node<'a>) -> Host {
        let v = root.value;
        if let Some(ph) = v.get("x-ms-parameterized-host") {
            let template = str_of(ph, "hostTemplate").unwrap_or("{endpoint}").to_string();
            let scheme_prefix = ph.get("useSchemePrefix").and_then(Value::as_bool).unwrap_or(true);
            let template = if scheme_prefix && !template.starts_with('{') {
                format!("https://{template}")
            } else {
                template
            };
            let params = ph
                .get("parameters")
                .and_then(Value::as_array)
                .map(|a| a.iter().filter_map(|p| str_of(p, "name").map(str::to_string)).collect())
                .unwrap_or_default();
            let base_path = str_of(v, "basePath").unwrap_or("").trim_end_matches('/').to_string();
            return Host { template, base_path, params };
        }
        if let Some(server) = v.get("servers").and_then(Value::as_array).and_then(|a| a.first()) {
            let url = str_of(server, "url").unwrap_or("").trim_end_matches('/').to_string();
            let params = server
                .get("variables")
                .and_then(Value::as_object)
                .map(|m| m.keys().cloned().collect())
                .unwrap_or_default();
            // Split `https://host/v1` or `{endpoint}/v1` into the endpoint and the path prefix.
            let (template, base_path) = if let Some(rest) = url.split_once("://").map(|(_, r)| r) {
                match rest.find('/') {
                    Some(i) => (url[..url.len() - rest.len() + i].to_string(), rest[i..].to_string()),
                    None => (url.clone(), String::new()),
                }
            } else if url.starts_with('{') {
                match url.find('}').and_then(|e| url[e..].find('/').map(|i| e + i)) {
                    Some(i) => (url[..i].to_string(), url[i..].to_string()),
                    None => (url.clone(), String::new()),
                }
            } else if url.starts_with('/') {
                ("{endpoint}".to_string(), url.clone())
            } else {
                (url.clone(), String::new())
            };
            return Host { template, base_path, params };
        }
        let host = str_of(v, "host");
        let base_path = str_of(v, "basePath").unwrap_or("").trim_end_matches('/').to_string();
        match host {
            Some(h) => Host { template: format!("https://{h}"), base_path, params: Vec::new() },
            None => Host { template: "{endpoint}".into(), base_path, params: vec!["endpoint".into()] },
        }
    }

    fn scopes(&self, root: &Node<'a>) -> Vec<String> {
        let defs = match self.dialect {
            Dialect::Swagger2 => root.value.get("securityDefinitions"),
            Dialect::OpenApi3 => root.value.pointer("/components/securitySchemes"),
        };
        let mut scopes = Vec::new();
        for def in defs.and_then(Value::as_object).into_iter().flat_map(|m| m.values()) {
            if str_of(def, "type") != Some("oauth2") {
                continue;
            }
            let mut push = |s: &Value| {
                for k in s.as_object().into_iter().flat_map(|m| m.keys()) {
                    if !scopes.contains(k) {
                        scopes.push(k.clone());
                    }
                }
            };
            if let Some(s) = def.get("scopes") {
                push(s);
            }
            for flow in def.get("flows").and_then(Value::as_object).into_iter().flat_map(|m| m.values()) {
                if let Some(s) = flow.get("scopes") {
                    push(s);
                }
            }
        }
        scopes
    }

    fn operation(&mut self, method: HttpMethod, path: &str, op: &Node<'a>, path_params: Option<&Node<'a>>) -> Result<Operation> {
        let specs = self.specs;
        let v = op.value;
        let id = match text_of(v, "operationId") {
            Some(id) => id,
            None => {
                let derived = derive_operation_id(method, path);
                self.warn(op, format!("operation has no operationId; named `{derived}` from its method and path"));
                derived
            }
        };
        let (group, name) = match id.split_once('_') {
            Some((g, n)) if !g.is_empty() && !n.is_empty() => (Some(g.to_string()), n.to_string()),
            _ => (None, id.clone()),
        };
        // Path-level parameters first, overridden by operation-level ones with the same name and location.
        let mut raw: Vec<Node<'a>> = Vec::new();
        for list in [path_params.cloned(), specs.child(op, "parameters")].into_iter().flatten() {
            for p in specs.items(&list) {
                let p = specs.deref(p)?;
                let key = (str_of(p.value, "name"), str_of(p.value, "in"));
                match raw.iter().position(|q| (str_of(q.value, "name"), str_of(q.value, "in")) == key) {
                    Some(i) => raw[i] = p,
                    None => raw.push(p),
                }
            }
        }
        let mut params = Vec::new();
        let mut body = None;
        for p in &raw {
            let pv = p.value;
            let pname = str_of(pv, "name").ok_or_else(|| self.err(p, "parameter has no `name`"))?.to_string();
            let location = match str_of(pv, "in") {
                Some("path") => ParamLocation::Path,
                Some("query") => ParamLocation::Query,
                Some("header") => ParamLocation::Header,
                Some("body") => {
                    let schema = specs.child(p, "schema").ok_or_else(|| self.err(p, "body parameter has no `schema`"))?;
                    let hint = format!("{}{}", name, pname.to_upper_camel_case());
                    let ty = self.schema(&schema, &hint)?;
                    let content_type = consumes(specs.root().value, v).unwrap_or_else(|| "application/json".into());
                    body = Some(Body { name: pname, ty, required: bool_of(pv, "required"), description: text_of(pv, "description"), content_type });
                    continue;
                }
                Some("formData") => {
                    self.warn(p, format!("formData parameter `{pname}` is not supported and was left out"));
                    continue;
                }
                Some("cookie") => {
                    self.warn(p, format!("cookie parameter `{pname}` is not supported and was left out"));
                    continue;
                }
                other => return Err(self.err(p, format!("parameter `{pname}` has an unknown location {other:?}"))),
            };
            // Swagger 2 keeps type on the parameter; OpenAPI 3 in `schema`.
            let schema_node = specs.child(p, "schema").unwrap_or_else(|| p.clone());
            let hint = format!("{}{}", name, pname.to_upper_camel_case());
            let ty = self.schema(&schema_node, &hint)?;
            let collection_format = match str_of(pv, "collectionFormat").or_else(|| str_of(pv, "style")) {
                Some("ssv") | Some("spaceDelimited") => CollectionFormat::Ssv,
                Some("tsv") => CollectionFormat::Tsv,
                Some("pipes") | Some("pipeDelimited") => CollectionFormat::Pipes,
                Some("multi") => CollectionFormat::Multi,
                Some("form") if pv.get("explode").and_then(Value::as_bool).unwrap_or(true) && matches!(ty, TypeRef::Array(_)) => CollectionFormat::Multi,
                _ => CollectionFormat::Csv,
            };
            let api_version = location == ParamLocation::Query && pname == "api-version";
            let client_level = !api_version && str_of(pv, "x-ms-parameter-location") == Some("client");
            let default = pv.get("default").or_else(|| schema_node.value.get("default")).cloned();
            params.push(Param {
                client_name: text_of(pv, "x-ms-client-name"),
                required: bool_of(pv, "required") || location == ParamLocation::Path,
                description: text_of(pv, "description"),
                skip_url_encoding: bool_of(pv, "x-ms-skip-url-encoding"),
                client_request_id: location == ParamLocation::Header && (bool_of(pv, "x-ms-client-request-id") || pname.eq_ignore_ascii_case("client-request-id")),
                name: pname,
                location,
                ty,
                collection_format,
                default,
                api_version,
                client_level,
            });
        }
        if let Some(rb) = specs.child(op, "requestBody") {
            let rb = specs.deref(rb)?;
            let (content_type, schema) = self.pick_content(&rb)?;
            let ty = match schema {
                Some(s) => self.schema(&s, &format!("{name}Body"))?,
                None => TypeRef::Scalar(Scalar::Binary),
            };
            let ty = if is_binary_content(&content_type) && !matches!(ty, TypeRef::Named(_)) { TypeRef::Scalar(Scalar::Binary) } else { ty };
            let bname = text_of(rb.value, "x-ms-requestBody-name").unwrap_or_else(|| "body".into());
            body = Some(Body { name: bname, ty, required: bool_of(rb.value, "required"), description: text_of(rb.value, "description"), content_type });
        }

        let mut responses = Vec::new();
        let mut error = None;
        let exists = method == HttpMethod::Head && specs.child(op, "responses").is_some_and(|r| r.value.get("404").is_some());
        if let Some(rs) = specs.child(op, "responses") {
            for (code, r) in specs.entries(&rs) {
                let r = specs.deref(r)?;
                let body_ty = match self.dialect {
                    Dialect::Swagger2 => match specs.child(&r, "schema") {
                        Some(s) => Some(self.schema(&s, &format!("{name}Response"))?),
                        None => None,
                    },
                    Dialect::OpenApi3 => match specs.child(&r, "content") {
                        Some(_) => {
                            let (ct, s) = self.pick_content(&r)?;
                            match s {
                                Some(s) if !is_binary_content(&ct) => Some(self.schema(&s, &format!("{name}Response"))?),
                                _ => Some(TypeRef::Scalar(Scalar::Binary)),
                            }
                        }
                        None => None,
                    },
                };
                if code == "default" || code.starts_with('4') || code.starts_with('5') {
                    if error.is_none() {
                        error = body_ty;
                    }
                    continue;
                }
                let status: u16 = match code.parse() {
                    Ok(s) => s,
                    Err(_) => {
                        self.warn(&r, format!("response code `{code}` is not a number and was left out"));
                        continue;
                    }
                };
                let mut headers = Vec::new();
                if let Some(hs) = specs.child(&r, "headers") {
                    for (hname, h) in specs.entries(&hs) {
                        let h = specs.deref(h)?;
                        let schema = specs.child(&h, "schema").unwrap_or_else(|| h.clone());
                        let ty = match (schema_type(schema.value), str_of(schema.value, "format")) {
                            // A header is text; `type: string, format: int64` (Content-Length) is a number in it.
                            (Some("string"), Some("int32")) => TypeRef::Scalar(Scalar::Int32),
                            (Some("string"), Some("int64")) => TypeRef::Scalar(Scalar::Int64),
                            _ => self.schema(&schema, &format!("{name}{}", hname.to_upper_camel_case()))?,
                        };
                        headers.push(Header { name: hname.to_string(), ty, description: text_of(h.value, "description") });
                    }
                }
                responses.push(Response { status, body: body_ty, headers });
            }
        }
        if responses.is_empty() {
            responses.push(Response { status: 200, body: None, headers: Vec::new() });
        }
        let pageable = v.get("x-ms-pageable").map(|pg| Pageable {
            next_link_name: match pg.get("nextLinkName") {
                Some(Value::String(s)) => Some(s.clone()),
                Some(Value::Null) => None,
                _ => Some("nextLink".to_string()),
            },
            item_name: str_of(pg, "itemName").unwrap_or("value").to_string(),
        });
        Ok(Operation {
            id,
            group,
            name,
            method,
            path: path.to_string(),
            summary: text_of(v, "summary"),
            description: text_of(v, "description"),
            deprecated: bool_of(v, "deprecated"),
            params,
            body,
            responses,
            error,
            pageable,
            origin: format!("{}#{}", specs.path(op.doc).display(), op.pointer),
            examples: v
                .get("x-ms-examples")
                .and_then(Value::as_object)
                .into_iter()
                .flatten()
                .filter_map(|(title, e)| {
                    let r = str_of(e, "$ref")?;
                    let base = specs.path(op.doc).parent().unwrap_or(std::path::Path::new("."));
                    Some(ExampleRef { title: title.clone(), file: base.join(crate::resolve::split_ref(r).0) })
                })
                .collect(),
            exists,
        })
    }

    /// OpenAPI 3 `content`: prefers JSON, else the first entry.
    fn pick_content(&self, node: &Node<'a>) -> Result<(String, Option<Node<'a>>)> {
        let specs = self.specs;
        let Some(content) = specs.child(node, "content") else {
            return Ok(("application/json".into(), None));
        };
        let entries = specs.entries(&content);
        let chosen = entries
            .iter()
            .find(|(ct, _)| ct.contains("json"))
            .or_else(|| entries.first())
            .cloned();
        Ok(match chosen {
            Some((ct, media)) => (ct.to_string(), specs.child(&media, "schema")),
            None => ("application/json".into(), None),
        })
    }

    /// The type of a schema; `hint` names it if it must become a new named type.
    fn schema(&mut self, node: &Node<'a>, hint: &str) -> Result<TypeRef> {
        let specs = self.specs;
        if let Some(target) = specs.ref_target(node)? {
            let target = specs.deref(target)?;
            if let Some(name) = schema_name(&target.pointer) {
                if is_named_kind(target.value) {
                    return self.named(&name, &target);
                }
                return self.schema(&target, &name);
            }
            return self.schema(&target, hint);
        }
        let v = node.value;
        if !v.is_object() {
            if v == &Value::Bool(true) {
                return Ok(TypeRef::Scalar(Scalar::Any));
            }
            return Err(self.err(node, "schema must be an object"));
        }
        if v.get("enum").is_some() && schema_type(v) != Some("boolean") && (schema_type(v).is_none() || schema_type(v) == Some("string")) {
            let name = v.pointer("/x-ms-enum/name").and_then(Value::as_str).map(str::to_string).unwrap_or_else(|| hint.to_string());
            return self.named(&name, node);
        }
        if v.get("allOf").is_some() || v.get("properties").is_some() {
            let all_of_only_ref = v.get("properties").is_none()
                && v.get("allOf").and_then(Value::as_array).is_some_and(|a| a.len() == 1 && a[0].get("$ref").is_some());
            if all_of_only_ref {
                let inner = specs.child(&specs.child(node, "allOf").expect("checked"), "0").expect("checked");
                return self.schema(&inner, hint);
            }
            return self.named(hint, node);
        }
        for key in ["oneOf", "anyOf"] {
            if let Some(alts) = v.get(key).and_then(Value::as_array) {
                // `anyOf: [X, {type: null}]` is just a nullable X.
                let non_null: Vec<usize> = (0..alts.len()).filter(|&i| schema_type(&alts[i]) != Some("null")).collect();
                if non_null.len() == 1 {
                    let only = specs.child(&specs.child(node, key).expect("exists"), &non_null[0].to_string()).expect("exists");
                    return self.schema(&only, hint);
                }
                self.warn(node, format!("`{key}` with {} alternatives is mapped to serde_json::Value", alts.len()));
                return Ok(TypeRef::Scalar(Scalar::Any));
            }
        }
        let ty = schema_type(v).or_else(|| match v.get("const") {
            Some(Value::String(_)) => Some("string"),
            Some(Value::Bool(_)) => Some("boolean"),
            Some(Value::Number(n)) if n.is_i64() => Some("integer"),
            Some(Value::Number(_)) => Some("number"),
            _ => None,
        });
        let format = str_of(v, "format").unwrap_or("");
        Ok(match ty {
            Some("string") => TypeRef::Scalar(match format {
                "date-time" => Scalar::DateTime,
                "date-time-rfc1123" | "date-time-rfc7231" => Scalar::DateTimeRfc7231,
                "date" => Scalar::Date,
                "duration" => Scalar::Duration,
                "uuid" => Scalar::Uuid,
                "byte" | "base64url" => Scalar::Bytes,
                "binary" | "file" => Scalar::Binary,
                "unixtime" => Scalar::UnixTime,
                _ => Scalar::String,
            }),
            Some("file") => TypeRef::Scalar(Scalar::Binary),
            Some("integer") => TypeRef::Scalar(match format {
                "int32" => Scalar::Int32,
                "unixtime" => Scalar::UnixTime,
                _ => Scalar::Int64,
            }),
            // `float` still maps to f64: the service writes numbers with more digits than f32
            // keeps (an official example has `totalCoreHours: 39.384838`), so f32 would not
            // round-trip what the service sends.
            Some("number") => TypeRef::Scalar(match format {
                "int32" => Scalar::Int32,
                "int64" => Scalar::Int64,
                _ => Scalar::Float64,
            }),
            Some("boolean") => TypeRef::Scalar(Scalar::Bool),
            Some("array") => {
                let items = specs.child(node, "items").ok_or_else(|| self.err(node, "array schema has no `items`"))?;
                let item_hint = format!("{hint}Item");
                TypeRef::Array(Box::new(self.schema(&items, &item_hint)?))
            }
            Some("object") | None => match specs.child(node, "additionalProperties") {
                Some(ap) if ap.value.is_object() => {
                    let value_hint = format!("{hint}Value");
                    TypeRef::Map(Box::new(self.schema(&ap, &value_hint)?))
                }
                Some(ap) if ap.value == &Value::Bool(true) => TypeRef::Map(Box::new(TypeRef::Scalar(Scalar::Any))),
                _ => TypeRef::Scalar(Scalar::Any),
            },
            Some("null") => TypeRef::Scalar(Scalar::Any),
            Some(other) => {
                let at = specs.child(node, "type").unwrap_or_else(|| node.clone());
                return Err(self.err(&at, format!("unknown type `{other}`")));
            }
        })
    }

    /// Registers (once) the named type declared by `node` and returns a reference to it.
    fn named(&mut self, name: &str, node: &Node<'a>) -> Result<TypeRef> {
        let origin = format!("{}#{}", self.specs.path(node.doc).display(), node.pointer);
        let v = node.value;
        let is_enum = v.get("enum").is_some() && (schema_type(v).is_none() || schema_type(v) == Some("string"));
        // Enums with an x-ms-enum name are shared by name wherever they are declared.
        let key = match v.pointer("/x-ms-enum/name").and_then(Value::as_str) {
            Some(enum_name) if is_enum => format!("enum:{enum_name}"),
            _ => origin.clone(),
        };
        if let Some(existing) = self.by_origin.get(&key) {
            return Ok(TypeRef::Named(existing.clone()));
        }
        if !is_named_kind(v) {
            // A named alias of a plain type, e.g. `definitions/Id: {type: string}`.
            let name = name.to_string();
            return self.schema(node, &name);
        }
        let mut unique = name.to_string();
        let mut n = 2;
        while self.types.contains_key(&unique) {
            unique = format!("{name}{n}");
            n += 1;
        }
        if unique != name {
            self.warn(node, format!("type name `{name}` is already used by another schema; this one is named `{unique}`"));
        }
        self.by_origin.insert(key, unique.clone());
        // Reserve the slot first so that recursive references find the name and order stays first-seen.
        let placeholder = TypeDef::Object(Object { name: unique.clone(), description: None, properties: Vec::new(), additional_properties: None, origin: origin.clone() });
        self.types.insert(unique.clone(), placeholder);
        let def = if is_enum {
            TypeDef::Enum(self.enum_def(&unique, node, origin)?)
        } else if let Some(discriminator) = discriminator_property(v) {
            TypeDef::Union(self.union_def(&unique, node, origin, discriminator)?)
        } else {
            TypeDef::Object(self.object_def(&unique, node, origin)?)
        };
        self.types.insert(unique.clone(), def);
        Ok(TypeRef::Named(unique))
    }

    /// A base schema with a discriminator: its variants are the schemas whose `allOf` refers to it.
    fn union_def(&mut self, name: &str, node: &Node<'a>, origin: String, discriminator: String) -> Result<Union> {
        let specs = self.specs;
        let mapping: Vec<(String, String)> = node
            .value
            .pointer("/discriminator/mapping")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
            .filter_map(|(tag, r)| Some((tag.clone(), r.as_str()?.to_string())))
            .collect();
        let mut variants = Vec::new();
        if let Some(tag) = str_of(node.value, "x-ms-discriminator-value") {
            // The base is a variant of its own: its fields live in `<Name>Base`.
            let base_name = format!("{name}Base");
            let base_origin = format!("{origin}(base)");
            self.types.insert(base_name.clone(), TypeDef::Object(Object { name: base_name.clone(), description: None, properties: Vec::new(), additional_properties: None, origin: base_origin.clone() }));
            let object = self.object_def(&base_name, node, base_origin)?;
            self.types.insert(base_name.clone(), TypeDef::Object(object));
            variants.push(UnionVariant { tag: tag.to_string(), ty: base_name });
        }
        let defs_key: &[&str] = match self.dialect {
            Dialect::Swagger2 => &["definitions"],
            Dialect::OpenApi3 => &["components", "schemas"],
        };
        for doc in 0..specs.doc_count() {
            let mut defs = Some(specs.doc_root(doc));
            for k in defs_key {
                defs = defs.and_then(|d| specs.child(&d, k));
            }
            let Some(defs) = defs else { continue };
            for (child_name, child) in specs.entries(&defs) {
                let Some(all_of) = specs.child(&child, "allOf") else { continue };
                let extends = specs.items(&all_of).iter().any(|parent| {
                    specs.ref_target(parent).ok().flatten().is_some_and(|t| t.doc == node.doc && t.pointer == node.pointer)
                });
                if !extends {
                    continue;
                }
                let tag = str_of(child.value, "x-ms-discriminator-value")
                    .map(str::to_string)
                    .or_else(|| mapping.iter().find(|(_, r)| r.ends_with(&format!("/{child_name}"))).map(|(t, _)| t.clone()))
                    .unwrap_or_else(|| child_name.to_string());
                match self.named(child_name, &child)? {
                    TypeRef::Named(ty) => variants.push(UnionVariant { tag, ty }),
                    _ => self.warn(&child, format!("`{child_name}` extends `{name}` but is not an object; left out of the union")),
                }
            }
        }
        if variants.is_empty() {
            self.warn(node, format!("`{name}` has a discriminator but nothing extends it; its variants are kept as JSON values"));
        }
        Ok(Union { name: name.to_string(), description: text_of(node.value, "description"), discriminator, variants, origin })
    }

    fn enum_def(&mut self, name: &str, node: &Node<'a>, origin: String) -> Result<Enum> {
        let v = node.value;
        let described: HashMap<String, (Option<String>, Option<String>)> = v
            .pointer("/x-ms-enum/values")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|e| {
                let value = match e.get("value")? {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                Some((value, (text_of(e, "name"), text_of(e, "description"))))
            })
            .collect();
        let mut values = Vec::new();
        for (i, item) in v.get("enum").and_then(Value::as_array).into_iter().flatten().enumerate() {
            let value = match item {
                Value::String(s) => s.clone(),
                Value::Null => continue,
                other => {
                    let at = self.specs.child(&self.specs.child(node, "enum").expect("exists"), &i.to_string()).expect("exists");
                    self.warn(&at, format!("enum value {other} is not a string; kept as its JSON text"));
                    other.to_string()
                }
            };
            let (vname, description) = described.get(&value).cloned().unwrap_or((None, None));
            values.push(EnumValue { value, name: vname, description });
        }
        Ok(Enum { name: name.to_string(), description: text_of(v, "description").or_else(|| text_of(v, "title")), values, origin })
    }

    fn object_def(&mut self, name: &str, node: &Node<'a>, origin: String) -> Result<Object> {
        let mut properties: Vec<Property> = Vec::new();
        let mut additional = None;
        self.collect_properties(name, node, &mut properties, &mut additional, 0)?;
        Ok(Object { name: name.to_string(), description: text_of(node.value, "description").or_else(|| text_of(node.value, "title")), properties, additional_properties: additional, origin })
    }

    /// Properties of a schema, with those of its `allOf` parents first.
    fn collect_properties(&mut self, name: &str, node: &Node<'a>, out: &mut Vec<Property>, additional: &mut Option<TypeRef>, depth: usize) -> Result<()> {
        let specs = self.specs;
        if depth > 32 {
            return Err(self.err(node, "allOf nesting is too deep or cyclic"));
        }
        if let Some(all) = specs.child(node, "allOf") {
            for parent in specs.items(&all) {
                let parent = specs.deref(parent)?;
                self.collect_properties(name, &parent, out, additional, depth + 1)?;
            }
        }
        let required: Vec<String> = node
            .value
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|r| r.as_str().map(str::to_string))
            .collect();
        if let Some(props) = specs.child(node, "properties") {
            for (pname, p) in specs.entries(&props) {
                let hint = format!("{name}{}", pname.to_upper_camel_case());
                let ty = self.schema(&p, &hint)?;
                let pv = p.value;
                // Facts written beside a $ref (description, readOnly) still count.
                let target = specs.deref(p.clone())?;
                let tv = target.value;
                let read_only = bool_of(pv, "readOnly") || pv.get("x-ms-mutability").and_then(Value::as_array).is_some_and(|m| m.len() == 1 && m[0] == "read");
                let secret = bool_of(pv, "x-ms-secret") || str_of(pv, "format") == Some("password") || is_secret_name(pname);
                let null_alternative = ["anyOf", "oneOf"].iter().any(|k| pv.get(*k).and_then(Value::as_array).is_some_and(|a| a.iter().any(|x| schema_type(x) == Some("null"))));
                let nullable = bool_of(pv, "x-nullable") || bool_of(pv, "nullable") || null_alternative || matches!(pv.get("type"), Some(Value::Array(t)) if t.iter().any(|x| x == "null"));
                let description = text_of(pv, "description").or_else(|| text_of(tv, "description")).or_else(|| text_of(pv, "title"));
                let prop = Property {
                    json_name: pname.to_string(),
                    client_name: text_of(pv, "x-ms-client-name"),
                    ty,
                    required: required.iter().any(|r| r == pname),
                    read_only,
                    secret,
                    nullable,
                    description,
                    default: pv.get("default").cloned(),
                    mutability: pv.get("x-ms-mutability").and_then(Value::as_array).map(|m| m.iter().filter_map(|x| x.as_str().map(str::to_string)).collect()).unwrap_or_default(),
                };
                out.retain(|q| q.json_name != prop.json_name);
                out.push(prop);
            }
        } else {
            // A `required` list without properties tightens inherited ones.
            for p in out.iter_mut() {
                if required.contains(&p.json_name) {
                    p.required = true;
                }
            }
        }
        if let Some(ap) = specs.child(node, "additionalProperties") {
            if ap.value.is_object() {
                let t = self.schema(&ap, &format!("{name}Value"))?;
                *additional = Some(t);
            } else if ap.value == &Value::Bool(true) {
                *additional = Some(TypeRef::Scalar(Scalar::Any));
            }
        }
        Ok(())
    }
}

/// The discriminator property of a base schema: `discriminator: kind` (Swagger 2.0) or
/// `discriminator: {propertyName: kind}` (OpenAPI 3).
fn discriminator_property(v: &Value) -> Option<String> {
    match v.get("discriminator")? {
        Value::String(s) => Some(s.clone()),
        Value::Object(m) => m.get("propertyName").and_then(Value::as_str).map(str::to_string),
        _ => None,
    }
}

/// The `type` of a schema; OpenAPI 3.1 lists like `["string", "null"]` give the non-null one.
fn schema_type(v: &Value) -> Option<&str> {
    match v.get("type") {
        Some(Value::String(s)) => Some(s.as_str()),
        Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).find(|t| *t != "null").or(Some("null")),
        _ => {
            if v.get("properties").is_some() || v.get("additionalProperties").is_some() {
                Some("object")
            } else {
                None
            }
        }
    }
}

/// Schemas that become a named Rust type (struct or enum) rather than an alias.
fn is_named_kind(v: &Value) -> bool {
    let t = schema_type(v);
    (v.get("enum").is_some() && (t.is_none() || t == Some("string")))
        || v.get("properties").is_some()
        || v.get("allOf").is_some()
        || (t == Some("object") && v.get("additionalProperties").is_none() && v.get("oneOf").is_none() && v.get("anyOf").is_none() && v.get("properties").is_some())
}

/// `/definitions/Foo` or `/components/schemas/Foo` -> `Foo`.
fn schema_name(pointer: &str) -> Option<String> {
    let segs = crate::error::pointer_segments(pointer);
    match segs.as_slice() {
        [d, name] if d == "definitions" => Some(name.clone()),
        [c, s, name] if c == "components" && s == "schemas" => Some(name.clone()),
        _ => None,
    }
}

fn consumes(root: &Value, op: &Value) -> Option<String> {
    op.get("consumes")
        .or_else(|| root.get("consumes"))
        .and_then(Value::as_array)
        .and_then(|a| a.first())
        .and_then(Value::as_str)
        .map(str::to_string)
}

fn is_binary_content(ct: &str) -> bool {
    ct == "application/octet-stream" || ct.starts_with("image/") || ct.starts_with("video/") || ct.starts_with("audio/")
}

/// Property names that carry a secret even when the spec does not say `x-ms-secret`.
fn is_secret_name(json_name: &str) -> bool {
    let n = json_name.to_ascii_lowercase();
    n == "password" || n.ends_with("password") || n == "accountkey" || n.ends_with("accountkey") || n == "saskey" || n == "sastoken" || n == "secret" || n.ends_with("secret")
}

/// `GET /jobs/{jobId}/tasks` -> `get_jobs_jobId_tasks`-like id, stable for a given method and path.
fn derive_operation_id(method: HttpMethod, path: &str) -> String {
    let mut id = format!("{method:?}");
    for seg in path.split('/').filter(|s| !s.is_empty()) {
        let seg = seg.trim_start_matches('{').trim_end_matches('}');
        id.push_str(&seg.to_upper_camel_case());
    }
    id
}
