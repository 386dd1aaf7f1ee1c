//! Stage 5, emit: turns the IR plus the lowered names into Rust token streams, one per file.
//! Nothing here decides a name; everything comes from [`crate::lower::Lowered`].

use crate::ir::*;
use crate::lower::{Lowered, OpNames};
use proc_macro2::{Ident, Literal, Span, TokenStream};
use quote::{format_ident, quote};
use std::collections::BTreeMap;

/// One file to be written, relative to the crate's `src/generated/` folder.
pub struct EmittedFile {
    pub path: String,
    pub tokens: TokenStream,
}

/// Emits every generated file except the runtime support module.
pub fn emit(api: &Api, low: &Lowered) -> Vec<EmittedFile> {
    let e = Emitter { api, low };
    let client_file = format!("clients/{}.rs", crate::naming::snake(&low.settings.client_name));
    let client_mod = format_ident!("{}", crate::naming::snake(&low.settings.client_name));
    let mut files = vec![
        EmittedFile {
            path: "mod.rs".into(),
            tokens: quote! {
                //! Code generated from the API description.
                pub mod clients;
                pub mod models;
                pub(crate) mod runtime;
            },
        },
        EmittedFile {
            path: "clients/mod.rs".into(),
            tokens: quote! {
                //! Service clients.
                mod #client_mod;
                pub use #client_mod::*;
            },
        },
        EmittedFile { path: client_file, tokens: e.client() },
    ];
    // Model files with nothing in them are left out, so no empty module is declared.
    let mut modules = Vec::new();
    for (name, tokens, has_items) in [
        ("enums", e.enums(), api.types.values().any(|t| matches!(t, TypeDef::Enum(_)))),
        ("headers", e.headers(), e.has_headers()),
        ("method_options", e.method_options(), !api.operations.is_empty()),
        ("structs", e.structs(), api.types.values().any(|t| matches!(t, TypeDef::Object(_) | TypeDef::Union(_)))),
    ] {
        if has_items {
            modules.push(format_ident!("{}", name));
            files.push(EmittedFile { path: format!("models/{name}.rs"), tokens });
        }
    }
    files.push(EmittedFile {
        path: "models/mod.rs".into(),
        tokens: quote! {
            //! Models, enums, per-method options and response header accessors.
            #(mod #modules;)*
            #(pub use #modules::*;)*
        },
    });
    files
}

/// The Rust type of a method parameter of IR type `ty` (as the generated methods take it).
pub fn param_type(api: &Api, low: &Lowered, ty: &TypeRef) -> TokenStream {
    Emitter { api, low }.param_type(ty)
}

/// The Rust type of a request body of IR type `ty`.
pub fn body_type(api: &Api, low: &Lowered, ty: &TypeRef) -> TokenStream {
    Emitter { api, low }.body_type(ty)
}

struct Emitter<'a> {
    api: &'a Api,
    low: &'a Lowered,
}

/// Turns spec prose into rustdoc that renders as text: brackets and angle brackets are escaped
/// so they are not read as links or HTML; bare URLs become autolinks.
pub fn doc_text(text: &str) -> String {
    let mut out = String::new();
    for (i, line) in text.trim().lines().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let line = line.trim_end();
        let mut words = Vec::new();
        for word in line.split(' ') {
            if let Some(pos) = word.find("http://").or_else(|| word.find("https://")) {
                let (pre, url) = word.split_at(pos);
                let trimmed = url.trim_end_matches(['.', ',', ')', ';', ':', '\'', '"']);
                let post = &url[trimmed.len()..];
                words.push(format!("{}<{}>{}", escape_md(pre), trimmed, escape_md(post)));
            } else {
                words.push(escape_md(word));
            }
        }
        out.push_str(&words.join(" "));
    }
    out
}

/// Spec prose made safe for rustdoc, or the generator's own text (already valid markdown).
fn spec_doc(spec: Option<&str>, fallback: impl AsRef<str>) -> String {
    match spec {
        Some(text) => doc_text(text),
        None => fallback.as_ref().to_string(),
    }
}

fn escape_md(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '[' | ']' | '<' | '>' | '*' | '_' | '`' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// `#[doc = ...]` lines for a doc text (each line its own attribute so it renders as `///`).
fn doc(text: &str) -> TokenStream {
    let lines: Vec<String> = text.lines().map(|l| format!(" {l}").trim_end().to_string()).collect();
    quote! { #( #[doc = #lines] )* }
}

fn ident(s: &str) -> Ident {
    match s.strip_prefix("r#") {
        Some(raw) => Ident::new_raw(raw, Span::call_site()),
        None => Ident::new(s, Span::call_site()),
    }
}

fn lit(s: &str) -> Literal {
    Literal::string(s)
}

/// How a value of some type is turned into a query/header string, given an expression `v` that is a reference.
fn to_wire_string(ty: &TypeRef, v: TokenStream, low: &Lowered) -> TokenStream {
    match ty {
        TypeRef::Scalar(Scalar::String) => quote! { #v.to_string() },
        TypeRef::Scalar(Scalar::DateTime) => quote! { azure_core::time::to_rfc3339(#v) },
        TypeRef::Scalar(Scalar::DateTimeRfc7231) => quote! { runtime::http_date::format(#v) },
        TypeRef::Scalar(Scalar::UnixTime) => quote! { #v.unix_timestamp().to_string() },
        TypeRef::Scalar(Scalar::Duration) => quote! { runtime::duration::format(#v) },
        TypeRef::Scalar(Scalar::Bytes) => quote! { azure_core::base64::encode(#v) },
        TypeRef::Scalar(Scalar::Any) => quote! { #v.to_string() },
        TypeRef::Scalar(_) => quote! { #v.to_string() },
        TypeRef::Named(n) if low.enums.contains_key(n) => quote! { #v.as_str().to_string() },
        TypeRef::Named(_) | TypeRef::Map(_) => quote! { azure_core::json::to_json(#v)?.to_string() },
        TypeRef::Array(inner) => {
            let each = to_wire_string(inner, quote! { x }, low);
            quote! { #v.iter().map(|x| #each).collect::<Vec<String>>() }
        }
    }
}

impl<'a> Emitter<'a> {
    /// The Rust type of an IR type in a model field (`boxed` for recursive fields).
    fn rust_type(&self, ty: &TypeRef, boxed: bool) -> TokenStream {
        let t = match ty {
            TypeRef::Named(n) => {
                let id = ident(self.low.type_name(n));
                quote! { #id }
            }
            TypeRef::Scalar(s) => scalar_type(*s),
            TypeRef::Array(inner) => {
                let i = self.rust_type(inner, false);
                quote! { Vec<#i> }
            }
            TypeRef::Map(inner) => {
                let i = self.rust_type(inner, false);
                quote! { HashMap<String, #i> }
            }
        };
        if boxed {
            quote! { Box<#t> }
        } else {
            t
        }
    }

    /// The parameter type of a method argument or option field.
    fn param_type(&self, ty: &TypeRef) -> TokenStream {
        match ty {
            TypeRef::Array(inner) if matches!(**inner, TypeRef::Scalar(Scalar::String)) => quote! { Vec<String> },
            _ => self.rust_type(ty, false),
        }
    }

    /// The named types of one kind, sorted by Rust name (so output order does not follow the
    /// spec's order and api-version bumps diff cleanly).
    fn sorted_types<T>(&self, pick: impl Fn(&'a TypeDef) -> Option<&'a T>) -> Vec<(&'a String, &'a T)> {
        let mut out: Vec<(&String, &T)> = self.api.types.iter().filter_map(|(k, d)| pick(d).map(|t| (k, t))).collect();
        out.sort_by(|a, b| self.low.type_name(a.0).cmp(self.low.type_name(b.0)));
        out
    }

    fn structs(&self) -> TokenStream {
        let mut items = Vec::new();
        let sorted = self.sorted_types(|d| match d {
            TypeDef::Object(o) => Some(o),
            _ => None,
        });
        let pages: BTreeMap<&str, &Pageable> = self
            .api
            .operations
            .iter()
            .filter_map(|op| {
                let pg = op.pageable.as_ref()?;
                match op.responses.iter().find_map(|r| r.body.as_ref()) {
                    Some(TypeRef::Named(n)) => Some((n.as_str(), pg)),
                    _ => None,
                }
            })
            .collect();
        let bodies: std::collections::BTreeSet<&str> = self
            .api
            .operations
            .iter()
            .filter_map(|op| match op.body.as_ref().map(|b| &b.ty) {
                Some(TypeRef::Named(n)) => Some(n.as_str()),
                _ => None,
            })
            .collect();
        for (ir_name, o) in sorted {
            let names = &self.low.structs[ir_name];
            let name = ident(&names.name);
            let docs = doc(&spec_doc(o.description.as_deref(), format!("The `{}` model.", o.name)));
            let mut fields = Vec::new();
            let mut debug_fields = Vec::new();
            let mut custom_debug = false;
            for (i, p) in o.properties.iter().enumerate() {
                let fname = ident(&names.fields[i]);
                let ty = self.rust_type(&p.ty, names.boxed[i]);
                let mut text = spec_doc(p.description.as_deref(), format!("The `{}` property.", p.json_name));
                let mut notes = Vec::new();
                if p.required {
                    notes.push("Required by the service.".to_string());
                }
                if p.read_only {
                    notes.push("Read-only: set by the service.".to_string());
                }
                if p.secret {
                    notes.push("Secret: shown as `<redacted>` in `Debug` output.".to_string());
                }
                if let Some(d) = &p.default {
                    notes.push(format!("The service uses `{d}` when this is not set."));
                }
                if !p.mutability.is_empty() && !p.read_only {
                    notes.push(format!("Sent on: {}.", p.mutability.iter().filter(|m| *m != "read").map(|m| format!("`{m}`")).collect::<Vec<_>>().join(", ")));
                }
                if !notes.is_empty() {
                    text.push_str("\n\n");
                    text.push_str(&notes.join(" "));
                }
                let fdoc = doc(&text);
                let json = lit(&p.json_name);
                let with = serde_with(&p.ty);
                let attr = match with {
                    Some(w) => {
                        let w = lit(w);
                        quote! { #[serde(default, rename = #json, skip_serializing_if = "Option::is_none", with = #w)] }
                    }
                    None => quote! { #[serde(default, rename = #json, skip_serializing_if = "Option::is_none")] },
                };
                fields.push(quote! { #fdoc #attr pub #fname: Option<#ty>, });
                let fname_str = lit(names.fields[i].trim_start_matches("r#"));
                if p.secret {
                    custom_debug = true;
                    debug_fields.push(quote! { .field(#fname_str, &runtime::redact(&self.#fname)) });
                } else if is_url_like(&p.json_name) && p.ty == TypeRef::Scalar(Scalar::String) {
                    custom_debug = true;
                    debug_fields.push(quote! { .field(#fname_str, &runtime::SasRedacted(&self.#fname)) });
                } else {
                    debug_fields.push(quote! { .field(#fname_str, &self.#fname) });
                }
            }
            if let Some(ap) = &o.additional_properties {
                let aname = ident(&names.additional);
                let ty = self.rust_type(ap, false);
                fields.push(quote! {
                    /// Properties not named by the API description, kept as they came.
                    #[serde(flatten, skip_serializing_if = "HashMap::is_empty")]
                    pub #aname: HashMap<String, #ty>,
                });
                let aname_str = lit(&names.additional);
                debug_fields.push(quote! { .field(#aname_str, &self.#aname) });
            }
            let derives = if custom_debug {
                quote! { #[derive(Clone, Default, Deserialize, PartialEq, Serialize)] }
            } else {
                quote! { #[derive(Clone, Debug, Default, Deserialize, PartialEq, Serialize)] }
            };
            items.push(quote! {
                #docs
                #derives
                pub struct #name { #(#fields)* }
            });
            if custom_debug {
                let name_str = lit(&names.name);
                items.push(quote! {
                    impl fmt::Debug for #name {
                        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                            f.debug_struct(#name_str) #(#debug_fields)* .finish()
                        }
                    }
                });
            }
            if let Some(pg) = pages.get(ir_name.as_str()) {
                if let Some(idx) = o.properties.iter().position(|p| p.json_name == pg.item_name) {
                    let items_field = ident(&names.fields[idx]);
                    let item_ty = match &o.properties[idx].ty {
                        TypeRef::Array(inner) => self.rust_type(inner, false),
                        other => self.rust_type(other, false),
                    };
                    items.push(quote! {
                        #[async_trait]
                        impl Page for #name {
                            type Item = #item_ty;
                            type IntoIter = <Vec<#item_ty> as IntoIterator>::IntoIter;
                            async fn into_items(self) -> Result<Self::IntoIter> {
                                Ok(self.#items_field.unwrap_or_default().into_iter())
                            }
                        }
                    });
                }
            }
            if bodies.contains(ir_name.as_str()) {
                items.push(quote! {
                    impl TryFrom<#name> for RequestContent<#name> {
                        type Error = azure_core::Error;
                        fn try_from(value: #name) -> Result<Self> {
                            Ok(to_json(&value)?.into())
                        }
                    }
                });
            }
        }
        // Polymorphic types: one enum per base schema, told apart by the discriminator.
        let unions = self.sorted_types(|d| match d {
            TypeDef::Union(u) => Some(u),
            _ => None,
        });
        for (ir_name, u) in unions {
            let names = &self.low.unions[ir_name];
            let name = ident(&names.name);
            let docs = doc(&spec_doc(u.description.as_deref(), format!("One of several kinds of `{}`, told apart by `{}`.", u.name, u.discriminator)));
            let variants: Vec<Ident> = names.variants.iter().map(|v| ident(v)).collect();
            let tys: Vec<Ident> = u.variants.iter().map(|v| ident(self.low.type_name(&v.ty))).collect();
            let tags: Vec<Literal> = u.variants.iter().map(|v| lit(&v.tag)).collect();
            let vdocs: Vec<String> = u.variants.iter().map(|v| format!(" `{}` is `{}`.", u.discriminator, v.tag)).collect();
            let disc = lit(&u.discriminator);
            let unknown_doc = " A kind this version does not know, kept as the JSON it came as.";
            if bodies.contains(ir_name.as_str()) {
                items.push(quote! {
                    impl TryFrom<#name> for RequestContent<#name> {
                        type Error = azure_core::Error;
                        fn try_from(value: #name) -> Result<Self> {
                            Ok(to_json(&value)?.into())
                        }
                    }
                });
            }
            items.push(quote! {
                #docs
                #[derive(Clone, Debug, PartialEq)]
                #[non_exhaustive]
                pub enum #name {
                    #( #[doc = #vdocs] #variants(#tys), )*
                    #[doc = #unknown_doc]
                    UnknownValue(serde_json::Value),
                }

                impl Serialize for #name {
                    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
                        let (tag, mut value) = match self {
                            #( Self::#variants(v) => (#tags, serde_json::to_value(v).map_err(serde::ser::Error::custom)?), )*
                            Self::UnknownValue(v) => return v.serialize(s),
                        };
                        if let serde_json::Value::Object(m) = &mut value {
                            m.insert(#disc.to_string(), serde_json::Value::String(tag.to_string()));
                        }
                        value.serialize(s)
                    }
                }

                impl<'de> Deserialize<'de> for #name {
                    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
                        let value = serde_json::Value::deserialize(d)?;
                        let tag = value.get(#disc).and_then(|t| t.as_str()).map(str::to_string);
                        match tag.as_deref() {
                            #( Some(#tags) => serde_json::from_value(value).map(Self::#variants).map_err(serde::de::Error::custom), )*
                            _ => Ok(Self::UnknownValue(value)),
                        }
                    }
                }
            });
        }
        quote! {
            //! Models: the JSON bodies the service sends and receives.
            #![allow(unused_imports)]
            use super::*;
            use crate::generated::runtime;
            use async_trait::async_trait;
            use azure_core::{http::{pager::Page, RequestContent}, json::to_json, time::{Duration, OffsetDateTime}, Result};
            use serde::{Deserialize, Serialize};
            use std::{collections::HashMap, fmt};
            #(#items)*
        }
    }

    fn enums(&self) -> TokenStream {
        let mut items = Vec::new();
        let sorted = self.sorted_types(|d| match d {
            TypeDef::Enum(e) => Some(e),
            _ => None,
        });
        for (ir_name, e) in sorted {
            let names = &self.low.enums[ir_name];
            let name = ident(&names.name);
            let name_str = &names.name;
            let docs = doc(&spec_doc(e.description.as_deref(), format!("Values of `{}`.", e.name)));
            let variants: Vec<Ident> = names.variants.iter().map(|v| ident(v)).collect();
            let values: Vec<Literal> = e.values.iter().map(|v| lit(&v.value)).collect();
            let vdocs: Vec<TokenStream> = e
                .values
                .iter()
                .map(|v| doc(&spec_doc(v.description.as_deref(), format!("The value `{}`.", v.value))))
                .collect();
            let unknown_doc = format!(" A value this version of `{name_str}` does not know, kept as it was sent.");
            let expecting = format!("a `{name_str}` string");
            items.push(quote! {
                #docs
                #[derive(Clone, Debug, Eq, Hash, PartialEq)]
                #[non_exhaustive]
                pub enum #name {
                    #( #vdocs #variants, )*
                    #[doc = #unknown_doc]
                    UnknownValue(String),
                }

                impl #name {
                    /// The value as it is sent on the wire.
                    pub fn as_str(&self) -> &str {
                        match self {
                            #( Self::#variants => #values, )*
                            Self::UnknownValue(s) => s.as_str(),
                        }
                    }
                }

                impl From<&str> for #name {
                    fn from(s: &str) -> Self {
                        match s {
                            #( #values => Self::#variants, )*
                            other => Self::UnknownValue(other.to_string()),
                        }
                    }
                }

                impl FromStr for #name {
                    type Err = Infallible;
                    fn from_str(s: &str) -> std::result::Result<Self, Infallible> {
                        Ok(Self::from(s))
                    }
                }

                impl AsRef<str> for #name {
                    fn as_ref(&self) -> &str {
                        self.as_str()
                    }
                }

                impl fmt::Display for #name {
                    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                        f.write_str(self.as_str())
                    }
                }

                impl Serialize for #name {
                    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
                        s.serialize_str(self.as_str())
                    }
                }

                impl<'de> Deserialize<'de> for #name {
                    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
                        struct V;
                        impl de::Visitor<'_> for V {
                            type Value = #name;
                            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                                f.write_str(#expecting)
                            }
                            fn visit_str<E: de::Error>(self, s: &str) -> std::result::Result<#name, E> {
                                Ok(#name::from(s))
                            }
                        }
                        d.deserialize_str(V)
                    }
                }
            });
        }
        quote! {
            //! Enums. Every enum is extensible: a value added to the service later is kept in
            //! `UnknownValue` and written back unchanged.
            #![allow(unused_imports)]
            use serde::{de, Deserialize, Deserializer, Serialize, Serializer};
            use std::{convert::Infallible, fmt, str::FromStr};
            #(#items)*
        }
    }

    /// Options of a method: optional parameters and the optional body.
    fn method_options(&self) -> TokenStream {
        let client = &self.low.settings.client_name;
        let mut items = Vec::new();
        for op in self.sorted_ops() {
            let names = &self.low.ops[&op.id];
            let oname = ident(&names.options);
            let method_doc = format!(" Options for [`{client}::{}()`](crate::clients::{client}::{}).", names.method.trim_start_matches("r#"), names.method.trim_start_matches("r#"));
            let mut fields = Vec::new();
            let mut owned = Vec::new();
            for (i, p) in op.params.iter().enumerate() {
                if p.required || p.api_version || p.client_level {
                    continue;
                }
                let f = ident(&names.params[i]);
                let ty = self.param_type(&p.ty);
                let mut text = spec_doc(p.description.as_deref(), format!("The `{}` parameter.", p.name));
                if let Some(d) = &p.default {
                    text.push_str(&format!("\n\nThe service uses `{d}` when this is not set."));
                }
                let fdoc = doc(&text);
                fields.push(quote! { #fdoc pub #f: Option<#ty>, });
                owned.push(quote! { #f: self.#f, });
            }
            if let Some(b) = op.body.as_ref().filter(|b| !b.required) {
                let f = ident(names.body.as_deref().expect("body name"));
                let ty = self.body_type(&b.ty);
                let fdoc = doc(&spec_doc(b.description.as_deref(), "The request body."));
                fields.push(quote! { #fdoc pub #f: Option<RequestContent<#ty>>, });
                owned.push(quote! { #f: self.#f, });
            }
            let (mo_ty, into_owned) = if op.pageable.is_some() {
                (
                    quote! { PagerOptions<'a> },
                    quote! {
                        impl #oname<'_> {
                            /// Turns these options into ones that own all their data.
                            pub fn into_owned(self) -> #oname<'static> {
                                #oname {
                                    #(#owned)*
                                    method_options: PagerOptions {
                                        context: self.method_options.context.into_owned(),
                                        continuation: self.method_options.continuation,
                                    },
                                }
                            }
                        }
                    },
                )
            } else {
                (quote! { ClientMethodOptions<'a> }, quote! {})
            };
            items.push(quote! {
                #[doc = #method_doc]
                #[derive(Clone, Debug, Default)]
                pub struct #oname<'a> {
                    #(#fields)*
                    /// Lets the caller customize the call (context, ...).
                    pub method_options: #mo_ty,
                }
                #into_owned
            });
        }
        quote! {
            //! Per-method options.
            #![allow(unused_imports)]
            use super::*;
            use azure_core::{http::{pager::PagerOptions, ClientMethodOptions, RequestContent}, time::{Duration, OffsetDateTime}};
            use std::collections::HashMap;
            #(#items)*
        }
    }

    fn body_type(&self, ty: &TypeRef) -> TokenStream {
        match ty {
            TypeRef::Scalar(Scalar::Binary) => quote! { Bytes },
            other => self.rust_type(other, false),
        }
    }

    fn sorted_ops(&self) -> Vec<&'a Operation> {
        let mut ops: Vec<&Operation> = self.api.operations.iter().collect();
        ops.sort_by(|a, b| self.low.ops[&a.id].method.cmp(&self.low.ops[&b.id].method));
        ops
    }

    /// The model type of an operation's success body, if any.
    fn response_model(&self, op: &Operation) -> Option<&'a TypeRef> {
        self.api.operations.iter().find(|o| o.id == op.id).and_then(|o| o.responses.iter().find_map(|r| r.body.as_ref()))
    }

    /// Whether any response has headers or a header-only marker type.
    fn has_headers(&self) -> bool {
        self.api.operations.iter().any(|op| !op.exists && (self.response_model(op).is_none() || matches!(self.response_model(op), Some(TypeRef::Scalar(Scalar::Binary)))))
            || self.api.operations.iter().any(|op| op.responses.iter().any(|r| !r.headers.is_empty()))
    }

    /// Typed accessors for response headers: one trait per response type.
    fn headers(&self) -> TokenStream {
        // Response type name -> (Rust type tokens, format tokens, union of headers).
        let mut by_type: BTreeMap<String, (TokenStream, TokenStream, Vec<&Header>)> = BTreeMap::new();
        let mut markers = Vec::new();
        for op in self.sorted_ops() {
            let names = &self.low.ops[&op.id];
            let headers: Vec<&Header> = op.responses.iter().flat_map(|r| r.headers.iter()).collect();
            if op.exists {
                continue;
            }
            // A zero-sized result type for responses whose body is not a model.
            let mut marker = |what: &str| {
                let id = ident(&names.result_marker);
                let (client, method) = (&self.low.settings.client_name, names.method.trim_start_matches("r#"));
                let mdoc = format!(" The result of [`{client}::{method}()`](crate::clients::{client}::{method}): {what}.");
                markers.push(quote! {
                    #[doc = #mdoc]
                    #[derive(Clone, Copy, Debug, Default)]
                    pub struct #id;
                });
                quote! { #id }
            };
            let (key, ty, format) = match self.response_model(op) {
                Some(TypeRef::Named(n)) => {
                    let rn = self.low.type_name(n).to_string();
                    let id = ident(&rn);
                    (rn, quote! { #id }, quote! { JsonFormat })
                }
                Some(TypeRef::Scalar(Scalar::Binary)) => (names.result_marker.clone(), marker("the body streams as it arrives"), quote! { Stream }),
                Some(_) => continue,
                None => (names.result_marker.clone(), marker("the response has no body, only headers"), quote! { NoFormat }),
            };
            let entry = by_type.entry(key).or_insert_with(|| (ty, format, Vec::new()));
            for h in headers {
                if !entry.2.iter().any(|x| x.name.eq_ignore_ascii_case(&h.name)) {
                    entry.2.push(h);
                }
            }
        }
        let mut traits = Vec::new();
        for (key, (ty, format, headers)) in by_type {
            if headers.is_empty() {
                continue;
            }
            let tname = format_ident!("{}Headers", key);
            let tdoc = format!(" Typed response headers of `{key}` responses.");
            let mut decls = Vec::new();
            let mut impls = Vec::new();
            let mut sorted = headers.clone();
            sorted.sort_by_key(|h| h.name.to_ascii_lowercase());
            let wanted: Vec<String> = sorted.iter().map(|h| crate::lower::field_ident(&crate::naming::snake(&h.name))).collect();
            let (mnames, _) = crate::naming::dedupe(&wanted, true);
            for (h, m) in sorted.iter().zip(mnames) {
                let m = ident(&m);
                let wire = lit(&h.name.to_ascii_lowercase());
                let (rty, parser) = header_type(&h.ty, self);
                let hdoc = doc(&format!("The `{}` header{}", h.name, h.description.as_deref().map(|d| format!(": {}", doc_text(d))).unwrap_or_else(|| ".".into())));
                decls.push(quote! { #hdoc fn #m(&self) -> Result<Option<#rty>>; });
                impls.push(quote! {
                    fn #m(&self) -> Result<Option<#rty>> {
                        runtime::header(self.headers(), #wire, #parser)
                    }
                });
            }
            let response = if format.to_string() == "Stream" { quote! { AsyncResponse<#ty> } } else { quote! { Response<#ty, #format> } };
            traits.push(quote! {
                #[doc = #tdoc]
                pub trait #tname: private::Sealed {
                    #(#decls)*
                }
                impl #tname for #response {
                    #(#impls)*
                }
                impl private::Sealed for #response {}
            });
        }
        let sealed = if traits.is_empty() {
            quote! {}
        } else {
            quote! {
                mod private {
                    /// Keeps the header traits implemented only here.
                    pub trait Sealed {}
                }
            }
        };
        quote! {
            //! Typed response headers.
            #![allow(unused_imports)]
            use super::*;
            use crate::generated::runtime;
            use azure_core::{http::{AsyncResponse, JsonFormat, NoFormat, Response}, time::{Duration, OffsetDateTime}, Result};
            #sealed
            #(#markers)*
            #(#traits)*
        }
    }

    fn client(&self) -> TokenStream {
        let api = self.api;
        let client = ident(&self.low.settings.client_name);
        let client_str = &self.low.settings.client_name;
        let options_name = format_ident!("{}Options", client_str);
        let api_version = api.api_version.clone().unwrap_or_default();
        let scopes = &api.scopes;
        let request_id_header = api.operations.iter().flat_map(|o| o.params.iter()).find(|p| p.client_request_id).map(|p| p.name.to_ascii_lowercase());
        let request_id_policy = if let Some(header) = request_id_header {
            quote! { let per_call: Vec<Arc<dyn Policy>> = vec![Arc::new(ClientRequestIdPolicy::with_header_name(#header))]; }
        } else {
            quote! { let per_call: Vec<Arc<dyn Policy>> = Vec::new(); }
        };
        let title_doc = doc(&format!("Client for {}.{}", doc_text(&api.title), api.description.as_deref().map(|d| format!("\n\n{}", doc_text(d))).unwrap_or_default()));
        let new_fn = if scopes.is_empty() {
            quote! {
                /// Creates a client that sends requests without authentication.
                pub fn new(endpoint: &str, options: Option<#options_name>) -> Result<Self> {
                    Self::with_policies(endpoint, Vec::new(), options)
                }
            }
        } else {
            quote! {
                /// Creates a client that authenticates with Microsoft Entra ID tokens from `credential`.
                ///
                /// # Arguments
                ///
                /// * `endpoint` - The service endpoint, e.g. `https://account.region.batch.azure.com`.
                /// * `credential` - The source of tokens, e.g. a credential from `azure_identity`.
                /// * `options` - Optional settings for the client.
                pub fn new(endpoint: &str, credential: Arc<dyn TokenCredential>, options: Option<#options_name>) -> Result<Self> {
                    let scopes: Vec<String> = DEFAULT_SCOPES.iter().map(|s| s.to_string()).collect();
                    let auth: Arc<dyn Policy> = Arc::new(BearerTokenAuthorizationPolicy::new(credential, scopes));
                    Self::with_policies(endpoint, vec![auth], options)
                }
            }
        };
        let methods: Vec<TokenStream> = self.sorted_ops().into_iter().map(|op| self.method(op, &self.low.ops[&op.id])).collect();
        let opt_doc = format!(" Options for creating a [`{client_str}`].");
        // Client-level parameters: set once in the options, kept on the client.
        let mut client_fields = Vec::new();
        let mut client_option_fields = Vec::new();
        let mut client_defaults = Vec::new();
        let mut client_inits = Vec::new();
        for (wire, field) in &self.low.client_params {
            let p = api.operations.iter().flat_map(|o| o.params.iter()).find(|p| &p.name == wire).expect("client param");
            let f = ident(field);
            let ty = self.param_type(&p.ty);
            let fdoc = doc(&spec_doc(p.description.as_deref(), format!("The `{wire}` parameter, sent with every call that takes it.")));
            client_fields.push(quote! { pub(crate) #f: Option<#ty>, });
            client_option_fields.push(quote! { #fdoc pub #f: Option<#ty>, });
            client_defaults.push(quote! { #f: None, });
            client_inits.push(quote! { #f: options.#f, });
        }
        // A fixed host in the description (no `{variable}`) is offered as the default endpoint.
        let default_endpoint = if api.host.template.contains('{') {
            quote! {}
        } else {
            let url = api.host.template.clone();
            quote! {
                /// The endpoint named by the API description.
                pub const DEFAULT_ENDPOINT: &str = #url;
            }
        };
        quote! {
            //! The service client and its operations.
            #![allow(unused_imports)]
            use crate::generated::models::*;
            use crate::generated::runtime;
            use azure_core::{
                credentials::TokenCredential,
                error::ErrorKind,
                http::{
                    pager::{PagerContinuation, PagerResult, PagerState},
                    policies::{auth::BearerTokenAuthorizationPolicy, ClientRequestIdPolicy, Policy},
                    AsyncResponse, ClientOptions, Method, NoFormat, Pager, Pipeline, RawResponse, Request, RequestContent, Response, Url, UrlExt,
                },
                json, Bytes, Result,
            };
            use std::sync::Arc;

            /// The api-version this crate was generated for.
            pub const DEFAULT_API_VERSION: &str = #api_version;

            /// OAuth2 scopes of the service.
            pub const DEFAULT_SCOPES: &[&str] = &[#(#scopes),*];

            #default_endpoint

            #title_doc
            #[derive(Clone, Debug)]
            pub struct #client {
                pub(crate) endpoint: Url,
                pub(crate) api_version: String,
                pub(crate) pipeline: Pipeline,
                #(#client_fields)*
            }

            #[doc = #opt_doc]
            #[derive(Clone, Debug)]
            pub struct #options_name {
                /// The api-version sent with every request.
                pub api_version: String,
                /// Transport, retry and telemetry settings.
                pub client_options: ClientOptions,
                #(#client_option_fields)*
            }

            impl Default for #options_name {
                fn default() -> Self {
                    Self { api_version: DEFAULT_API_VERSION.to_string(), client_options: ClientOptions::default(), #(#client_defaults)* }
                }
            }

            impl #client {
                #new_fn

                /// Creates a client whose requests go through `per_try` policies (e.g. an
                /// authentication policy that signs every attempt) before the transport.
                pub fn with_policies(endpoint: &str, per_try: Vec<Arc<dyn Policy>>, options: Option<#options_name>) -> Result<Self> {
                    let options = options.unwrap_or_default();
                    let mut endpoint = Url::parse(endpoint)?;
                    if !matches!(endpoint.scheme(), "http" | "https") {
                        return Err(azure_core::Error::with_message(ErrorKind::Other, format!("{endpoint} must use http(s)")));
                    }
                    endpoint.set_query(None);
                    #request_id_policy
                    Ok(Self {
                        endpoint,
                        #(#client_inits)*
                        api_version: options.api_version,
                        pipeline: Pipeline::new(option_env!("CARGO_PKG_NAME"), option_env!("CARGO_PKG_VERSION"), options.client_options, per_call, per_try, None),
                    })
                }

                /// The endpoint requests are sent to.
                pub fn endpoint(&self) -> &Url {
                    &self.endpoint
                }

                /// The api-version sent with every request.
                pub fn api_version(&self) -> &str {
                    &self.api_version
                }

                #(#methods)*
            }
        }
    }

    fn method(&self, op: &Operation, names: &OpNames) -> TokenStream {
        let method = ident(&names.method);
        let options_ty = ident(&names.options);
        let mut args = Vec::new();
        let mut arg_docs = Vec::new();
        let mut checks = Vec::new();
        let mut path_code = Vec::new();
        let mut query_code = Vec::new();
        let mut header_code = Vec::new();
        let base_path = &self.api.host.base_path;
        let path_fmt = format!("{base_path}{}", op.path.split('?').next().unwrap_or(""));
        // Fixed query pairs written in x-ms-paths keys (`/x?op=y`).
        if let Some((_, q)) = op.path.split_once('?') {
            for pair in q.split('&').filter(|p| !p.is_empty()) {
                let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
                let (k, v) = (lit(k), lit(v));
                query_code.push(quote! { query_builder.set_pair(#k, #v); });
            }
        }
        for (i, p) in op.params.iter().enumerate() {
            let pname = &names.params[i];
            let f = ident(pname);
            let wire = lit(&p.name);
            if p.api_version {
                query_code.push(quote! { query_builder.set_pair(#wire, &self.api_version); });
                continue;
            }
            let client_field = p.client_level.then(|| ident(&self.low.client_params[&p.name]));
            if let (Some(cf), true) = (&client_field, p.required) {
                // A required client-level value: taken from the client, an error when unset.
                let message = format!("the client option `{}` must be set for this call", self.low.client_params[&p.name]);
                if p.ty == TypeRef::Scalar(Scalar::String) {
                    checks.push(quote! { let #f: &str = self.#cf.as_deref().ok_or_else(|| azure_core::Error::with_message(ErrorKind::Other, #message))?; });
                } else {
                    checks.push(quote! { let #f = self.#cf.as_ref().ok_or_else(|| azure_core::Error::with_message(ErrorKind::Other, #message))?; });
                }
            } else if p.required {
                let is_str = p.ty == TypeRef::Scalar(Scalar::String);
                let ty = if is_str { quote! { &str } } else { self.param_type(&p.ty) };
                args.push(quote! { #f: #ty });
                arg_docs.push(format!("* `{}` - {}", pname.trim_start_matches("r#"), spec_doc(p.description.as_deref(), "A required parameter.").replace('\n', " ")));
            }
            let (value, guard_open) = match (&client_field, p.required) {
                (_, true) => (quote! { #f }, false),
                (Some(cf), false) => (quote! { self.#cf }, true),
                (None, false) => (quote! { options.#f }, true),
            };
            match p.location {
                ParamLocation::Path => {
                    let placeholder = format!("{{{}}}", p.name);
                    let lit_name = lit(pname.trim_start_matches("r#"));
                    if p.ty == TypeRef::Scalar(Scalar::String) {
                        checks.push(quote! { runtime::require_non_empty(#lit_name, #f)?; });
                    }
                    let ph = lit(&placeholder);
                    if p.ty == TypeRef::Scalar(Scalar::String) {
                        let encoded = if p.skip_url_encoding { quote! { #f } } else { quote! { &runtime::encode_path_segment(#f) } };
                        path_code.push(quote! { path = path.replace(#ph, #encoded); });
                    } else {
                        let c = to_wire_string(&p.ty, quote! { v }, self.low);
                        let encoded = if p.skip_url_encoding { quote! { &#c } } else { quote! { &runtime::encode_path_segment(&#c) } };
                        path_code.push(quote! { { let v = &#f; path = path.replace(#ph, #encoded); } });
                    }
                }
                ParamLocation::Query | ParamLocation::Header => {
                    let is_query = p.location == ParamLocation::Query;
                    let setter = |val: TokenStream| -> TokenStream {
                        if is_query {
                            quote! { query_builder.set_pair(#wire, #val); }
                        } else {
                            let h = lit(&p.name.to_ascii_lowercase());
                            quote! { request.insert_header(#h, #val); }
                        }
                    };
                    let body = match &p.ty {
                        TypeRef::Array(_) => {
                            let list = to_wire_string(&p.ty, quote! { v }, self.low);
                            match (p.collection_format, is_query) {
                                (CollectionFormat::Multi, true) => quote! { for item in #list { query_builder.append_pair(#wire, item); } },
                                (cf, _) => {
                                    let sep = lit(match cf {
                                        CollectionFormat::Ssv => " ",
                                        CollectionFormat::Tsv => "\t",
                                        CollectionFormat::Pipes => "|",
                                        _ => ",",
                                    });
                                    setter(quote! { #list.join(#sep) })
                                }
                            }
                        }
                        other => setter(to_wire_string(other, quote! { v }, self.low)),
                    };
                    let code = if guard_open {
                        quote! { if let Some(v) = #value.as_ref() { #body } }
                    } else {
                        quote! { { let v = &#value; #body } }
                    };
                    if is_query {
                        query_code.push(code);
                    } else {
                        header_code.push(code);
                    }
                }
            }
        }
        // Body.
        let mut body_code = quote! {};
        if let Some(b) = &op.body {
            let f = ident(names.body.as_deref().expect("body"));
            let ct = lit(&b.content_type);
            let bty = self.body_type(&b.ty);
            if b.required {
                args.push(quote! { #f: RequestContent<#bty> });
                arg_docs.push(format!("* `{}` - {}", names.body.as_deref().unwrap_or("body").trim_start_matches("r#"), spec_doc(b.description.as_deref(), "The request body.").replace('\n', " ")));
                body_code = quote! {
                    request.insert_header("content-type", #ct);
                    request.set_body(#f);
                };
            } else {
                body_code = quote! {
                    if let Some(body) = options.#f.take() {
                        request.insert_header("content-type", #ct);
                        request.set_body(body);
                    }
                };
            }
        }
        arg_docs.push("* `options` - Optional parameters for the request.".to_string());
        let http_method = format_ident!("{}", format!("{:?}", op.method));
        let success: Vec<u16> = op.responses.iter().map(|r| r.status).collect();
        let model = op.responses.iter().find_map(|r| r.body.as_ref());
        let accept = if matches!(model, Some(TypeRef::Scalar(Scalar::Binary))) { lit("application/octet-stream") } else { lit("application/json") };
        let mut docs = spec_doc(op.summary.as_deref(), format!("Calls `{}`.", op.id));
        if let Some(d) = &op.description {
            docs.push_str("\n\n");
            docs.push_str(&doc_text(d));
        }
        docs.push_str(&format!("\n\n`{:?} {}` (operation `{}`).", op.method, op.path, op.id).replace("Get ", "GET ").replace("Post ", "POST ").replace("Put ", "PUT ").replace("Delete ", "DELETE ").replace("Patch ", "PATCH ").replace("Head ", "HEAD ").replace("Options ", "OPTIONS "));
        docs.push_str("\n\n# Arguments\n\n");
        docs.push_str(&arg_docs.join("\n"));
        let docs = doc(&docs);
        let deprecated = if op.deprecated { quote! { #[deprecated(note = "the service marks this operation as deprecated")] } } else { quote! {} };
        let path_lit = lit(&path_fmt);
        let (query_block, query_block_first) = if query_code.is_empty() {
            (quote! {}, quote! {})
        } else {
            (
                quote! { let mut query_builder = url.query_builder(); #(#query_code)* query_builder.build(); },
                quote! { let mut query_builder = first_url.query_builder(); #(#query_code)* query_builder.build(); },
            )
        };
        let path_decl = if path_code.is_empty() { quote! { let path = String::from(#path_lit); } } else { quote! { let mut path = String::from(#path_lit); } };
        let mut_body = if op.body.as_ref().is_some_and(|b| !b.required) { quote! { mut } } else { quote! {} };

        let has_api_version = op.params.iter().any(|p| p.api_version);
        let readd_api_version = if has_api_version {
            quote! {
                // The next link carries the query of the first request but not always the api-version.
                let mut qb = next.query_builder();
                qb.set_pair("api-version", &api_version);
                qb.build();
            }
        } else {
            quote! {}
        };
        let next_binding = if has_api_version { quote! { mut next } } else { quote! { next } };
        let api_version_capture = if has_api_version { quote! { let api_version = self.api_version.clone(); } } else { quote! {} };
        if let Some(pg) = &op.pageable {
            let model_ty = match model {
                Some(t) => self.rust_type(t, false),
                None => quote! { azure_core::Value },
            };
            let next_link = match (&pg.next_link_name, model) {
                (Some(nl), Some(TypeRef::Named(n))) => {
                    let o = match self.api.types.get(n) {
                        Some(TypeDef::Object(o)) => Some(o),
                        _ => None,
                    };
                    o.and_then(|o| o.properties.iter().position(|p| &p.json_name == nl)).map(|idx| ident(&self.low.structs[n].fields[idx]))
                }
                _ => None,
            };
            let clone_first_url = if next_link.is_some() { quote! { let first_url = first_url.clone(); } } else { quote! {} };
            let result = match next_link {
                Some(nl) => quote! {
                    let page: #model_ty = json::from_json(&body)?;
                    let rsp = RawResponse::from_bytes(status, headers, body).into();
                    Ok(match page.#nl {
                        Some(next_link) if !next_link.is_empty() => PagerResult::More {
                            response: rsp,
                            continuation: PagerContinuation::Link(first_url.join(next_link.as_ref())?),
                        },
                        _ => PagerResult::Done { response: rsp },
                    })
                },
                None => quote! {
                    let rsp = RawResponse::from_bytes(status, headers, body).into();
                    Ok(PagerResult::Done { response: rsp })
                },
            };
            return quote! {
                #docs
                #deprecated
                pub fn #method(&self, #(#args,)* options: Option<#options_ty<'_>>) -> Result<Pager<#model_ty>> {
                    #(#checks)*
                    let options = options.unwrap_or_default().into_owned();
                    let pipeline = self.pipeline.clone();
                    let mut first_url = self.endpoint.clone();
                    #path_decl
                    #(#path_code)*
                    first_url.append_path(&path);
                    #query_block_first
                    #api_version_capture
                    let mut request = Request::new(first_url.clone(), Method::#http_method);
                    request.insert_header("accept", #accept);
                    #(#header_code)*
                    let base_request = request;
                    Ok(Pager::new(
                        move |state: PagerState, pager_options| {
                            let mut request = base_request.clone();
                            if let PagerState::More(continuation) = state {

                                // The next link carries every query parameter but the api-version.
                                let next: azure_core::Result<Url> = continuation.try_into();
                                match next {
                                    Ok(#next_binding) => {
                                        #readd_api_version
                                        *request.url_mut() = next;
                                    }
                                    Err(e) => return Box::pin(async move { Err(e) }),
                                }
                            }
                            let pipeline = pipeline.clone();
                            #clone_first_url
                            Box::pin(async move {
                                let rsp = runtime::send(&pipeline, &pager_options.context, &mut request, &[#(#success),*]).await?;
                                let (status, headers, body) = rsp.deconstruct();
                                #result
                            })
                        },
                        Some(options.method_options),
                    ))
                }
            };
        }

        let send = if op.exists {
            quote! { runtime::exists(&self.pipeline, &ctx, &mut request, &[#(#success),*]).await }
        } else if matches!(model, Some(TypeRef::Scalar(Scalar::Binary))) {
            quote! { Ok(runtime::stream(&self.pipeline, &ctx, &mut request, &[#(#success),*]).await?.into()) }
        } else {
            quote! { Ok(runtime::send(&self.pipeline, &ctx, &mut request, &[#(#success),*]).await?.into()) }
        };
        let ret = match model {
            _ if op.exists => quote! { bool },
            Some(TypeRef::Scalar(Scalar::Binary)) => {
                let m = ident(&names.result_marker);
                quote! { AsyncResponse<#m> }
            }
            Some(t) => {
                let t = self.rust_type(t, false);
                quote! { Response<#t> }
            }
            None => {
                let m = ident(&names.result_marker);
                quote! { Response<#m, NoFormat> }
            }
        };
        quote! {
            #docs
            #deprecated
            pub async fn #method(&self, #(#args,)* options: Option<#options_ty<'_>>) -> Result<#ret> {
                #(#checks)*
                let #mut_body options = options.unwrap_or_default();
                let ctx = options.method_options.context.to_borrowed();
                let mut url = self.endpoint.clone();
                #path_decl
                #(#path_code)*
                url.append_path(&path);
                #query_block
                let mut request = Request::new(url, Method::#http_method);
                request.insert_header("accept", #accept);
                #(#header_code)*
                #body_code
                #send
            }
        }
    }
}

fn scalar_type(s: Scalar) -> TokenStream {
    match s {
        Scalar::String | Scalar::Date => quote! { String },
        Scalar::Int32 => quote! { i32 },
        Scalar::Int64 => quote! { i64 },
        Scalar::Float64 => quote! { f64 },
        Scalar::Bool => quote! { bool },
        Scalar::DateTime | Scalar::DateTimeRfc7231 | Scalar::UnixTime => quote! { OffsetDateTime },
        Scalar::Duration => quote! { Duration },
        Scalar::Uuid => quote! { azure_core::Uuid },
        Scalar::Bytes | Scalar::Binary => quote! { Vec<u8> },
        Scalar::Any => quote! { serde_json::Value },
    }
}

/// The serde `with` module of a field type that needs one.
fn serde_with(ty: &TypeRef) -> Option<&'static str> {
    match ty {
        TypeRef::Scalar(Scalar::DateTime) => Some("azure_core::time::rfc3339::option"),
        TypeRef::Scalar(Scalar::DateTimeRfc7231) => Some("runtime::http_date::option"),
        TypeRef::Scalar(Scalar::UnixTime) => Some("azure_core::time::unix_time::option"),
        TypeRef::Scalar(Scalar::Duration) => Some("runtime::duration::option"),
        TypeRef::Scalar(Scalar::Bytes) | TypeRef::Scalar(Scalar::Binary) => Some("azure_core::base64::option"),
        _ => None,
    }
}

/// Header value type and parser.
fn header_type(ty: &TypeRef, e: &Emitter<'_>) -> (TokenStream, TokenStream) {
    match ty {
        TypeRef::Scalar(Scalar::DateTimeRfc7231) => (quote! { OffsetDateTime }, quote! { runtime::parse::rfc7231 }),
        TypeRef::Scalar(Scalar::DateTime) => (quote! { OffsetDateTime }, quote! { runtime::parse::rfc3339 }),
        TypeRef::Scalar(Scalar::Duration) => (quote! { Duration }, quote! { runtime::parse::duration }),
        TypeRef::Scalar(Scalar::String) | TypeRef::Scalar(Scalar::Date) | TypeRef::Scalar(Scalar::Any) | TypeRef::Scalar(Scalar::Bytes) | TypeRef::Scalar(Scalar::Binary) | TypeRef::Array(_) | TypeRef::Map(_) => (quote! { String }, quote! { runtime::parse::string }),
        TypeRef::Scalar(Scalar::UnixTime) => (quote! { OffsetDateTime }, quote! { runtime::parse::unix_time }),
        other => (e.rust_type(other, false), quote! { runtime::parse::from_str }),
    }
}

/// Properties holding URLs, whose query may carry a SAS signature.
fn is_url_like(json_name: &str) -> bool {
    let n = json_name.to_ascii_lowercase();
    n.ends_with("url") || n.ends_with("uri")
}
