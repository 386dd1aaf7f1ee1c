//! Example conformance: a harness program (generated from the IR) drives every `x-ms-examples`
//! entry through the generated client, over its real HTTP transport, against a small HTTP
//! server on 127.0.0.1 that records the request and answers with the example's response; this
//! module writes that program and compares what the server received with the example.
//!
//! The harness reads `[{"operationId", "parameters", "status", "headers", "body"}]` on stdin and
//! prints one result per example: the request the client sent and the response model serialized
//! back. Comparison rules: JSON bodies are compared as values; `null` counts as absent; strings
//! that are the same RFC 3339 or RFC 7231 instant are equal.

use crate::emit::EmittedFile;
use crate::ir::*;
use crate::lower::Lowered;
use proc_macro2::{Ident, Span};
use quote::quote;
use serde_json::Value;

fn ident(s: &str) -> Ident {
    match s.strip_prefix("r#") {
        Some(raw) => Ident::new_raw(raw, Span::call_site()),
        None => Ident::new(s, Span::call_site()),
    }
}

/// Whether a parameter type is read with `FromExample` (scalars, string lists) rather than serde.
fn simple(ty: &TypeRef) -> bool {
    match ty {
        TypeRef::Scalar(s) => matches!(s, Scalar::String | Scalar::Int32 | Scalar::Int64 | Scalar::Float64 | Scalar::Bool | Scalar::DateTime | Scalar::DateTimeRfc7231 | Scalar::Date),
        TypeRef::Array(inner) => **inner == TypeRef::Scalar(Scalar::String),
        _ => false,
    }
}

/// The harness's `main.rs` for a crate named `crate_name`.
pub fn harness(api: &Api, low: &Lowered, crate_name: &str) -> EmittedFile {
    let krate = ident(crate_name);
    let client = ident(&low.settings.client_name);
    let client_options = ident(&format!("{}Options", low.settings.client_name));
    let mut arms = Vec::new();
    for op in &api.operations {
        let names = &low.ops[&op.id];
        let method = ident(&names.method);
        let options = ident(&names.options);
        let id = &op.id;
        let mut pre = Vec::new();
        let mut args = Vec::new();
        let mut opts = Vec::new();
        for (i, p) in op.params.iter().enumerate() {
            if p.api_version || p.client_level {
                continue;
            }
            let f = ident(&names.params[i]);
            let wire = &p.name;
            let reader = if simple(&p.ty) { quote! { opt } } else { quote! { opt_de } };
            if p.required {
                let var = ident(&format!("arg_{}", names.params[i].trim_start_matches("r#")));
                let ty = crate::emit::param_type(api, low, &p.ty);
                pre.push(quote! { let #var: #ty = #reader(p, #wire)?.ok_or_else(|| format!("the example has no `{}`", #wire))?; });
                if p.ty == TypeRef::Scalar(Scalar::String) {
                    args.push(quote! { &#var });
                } else {
                    args.push(quote! { #var });
                }
            } else {
                opts.push(quote! { o.#f = #reader(p, #wire)?; });
            }
        }
        if let Some(b) = &op.body {
            let f = ident(names.body.as_deref().expect("body"));
            let wire = &b.name;
            let convert = if b.ty == TypeRef::Scalar(Scalar::Binary) {
                quote! { |v: String| -> Result<RequestContent<_>, String> { Ok(RequestContent::from(v.into_bytes())) } }
            } else {
                quote! { |v| -> Result<RequestContent<_>, String> { RequestContent::try_from(v).map_err(|e: azure_core::Error| e.to_string()) } }
            };
            let reader = if b.ty == TypeRef::Scalar(Scalar::Binary) { quote! { opt } } else { quote! { opt_de } };
            let bty = crate::emit::body_type(api, low, &b.ty);
            let raw_ty = if b.ty == TypeRef::Scalar(Scalar::Binary) { quote! { String } } else { bty.clone() };
            let convert = quote! { |v: #raw_ty| -> Result<RequestContent<#bty>, String> { (#convert)(v) } };
            if b.required {
                pre.push(quote! { let body = #reader(p, #wire)?.ok_or_else(|| format!("the example has no body `{}`", #wire))?; let body = (#convert)(body)?; });
                args.push(quote! { body });
            } else {
                opts.push(quote! { o.#f = match #reader(p, #wire)? { Some(v) => Some((#convert)(v)?), None => None }; });
            }
        }
        let model = op.responses.iter().find_map(|r| r.body.as_ref());
        let call = if op.pageable.is_some() {
            quote! {
                let mut pages = client.#method(#(#args,)* Some(o)).map_err(|e| e.to_string())?.into_pages();
                match pages.next().await {
                    Some(page) => {
                        let model = page.map_err(|e| e.to_string())?.into_model().map_err(|e| e.to_string())?;
                        Ok(Some(serde_json::to_string(&model).map_err(|e| e.to_string())?))
                    }
                    None => Ok(None),
                }
            }
        } else {
            match model {
                Some(TypeRef::Scalar(Scalar::Binary)) | None => quote! {
                    client.#method(#(#args,)* Some(o)).await.map_err(|e| e.to_string())?;
                    Ok(None)
                },
                Some(_) => quote! {
                    let model = client.#method(#(#args,)* Some(o)).await.map_err(|e| e.to_string())?.into_model().map_err(|e| e.to_string())?;
                    Ok(Some(serde_json::to_string(&model).map_err(|e| e.to_string())?))
                },
            }
        };
        arms.push(quote! {
            #id => {
                {
                    #(#pre)*
                    #[allow(clippy::field_reassign_with_default)]
                    let mut o = #options::default();
                    #(#opts)*
                    #call
                }
            }
        });
    }
    // Client-level parameters come from the example too, through the client's options.
    let client_sets: Vec<proc_macro2::TokenStream> = low
        .client_params
        .iter()
        .map(|(wire, field)| {
            let f = ident(field);
            let p = api.operations.iter().flat_map(|o| o.params.iter()).find(|p| &p.name == wire).expect("client param");
            let reader = if simple(&p.ty) { quote! { opt } } else { quote! { opt_de } };
            quote! { options.#f = match #reader(&p, #wire) { Ok(v) => v, Err(e) => { results.push(serde_json::json!({ "sent": Value::Null, "parsed": Value::Null, "error": e })); continue; } }; }
        })
        .collect();
    let tokens = quote! {
        //! Conformance harness: drives each example through the generated client.
        #![allow(unused_imports, unused_mut, dead_code, deprecated, clippy::all)]
        use #krate::clients::*;
        use #krate::models::*;
        use azure_core::{
            http::{ClientOptions, RequestContent, RetryOptions},
            time::OffsetDateTime,
            Bytes,
        };
        use futures::StreamExt;
        use serde_json::{Map, Value};
        use std::sync::{Arc, Mutex};

        /// What the loopback server answers and what it received.
        #[derive(Debug, Default)]
        struct Exchange {
            sent: Vec<Value>,
            response: Option<(u16, Vec<(String, String)>, Vec<u8>)>,
        }

        /// A minimal HTTP/1.1 server on 127.0.0.1: records each request, answers with the
        /// example's response, closes the connection.
        fn serve(listener: std::net::TcpListener, exchange: Arc<Mutex<Exchange>>) {
            use std::io::{BufRead, Read, Write};
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let mut reader = std::io::BufReader::new(match stream.try_clone() { Ok(s) => s, Err(_) => continue });
                let mut line = String::new();
                if reader.read_line(&mut line).is_err() {
                    continue;
                }
                let mut parts = line.split_whitespace();
                let method = parts.next().unwrap_or("").to_string();
                let target = parts.next().unwrap_or("/").to_string();
                let mut headers = Map::new();
                let mut length = 0usize;
                loop {
                    let mut h = String::new();
                    if reader.read_line(&mut h).unwrap_or(0) == 0 || h.trim().is_empty() {
                        break;
                    }
                    if let Some((k, v)) = h.split_once(':') {
                        let (k, v) = (k.trim().to_ascii_lowercase(), v.trim().to_string());
                        if k == "content-length" {
                            length = v.parse().unwrap_or(0);
                        }
                        headers.insert(k, Value::String(v));
                    }
                }
                let mut body = vec![0u8; length];
                let _ = reader.read_exact(&mut body);
                let (status, hs, out) = {
                    let mut ex = exchange.lock().unwrap();
                    ex.sent.push(serde_json::json!({
                        "method": method,
                        "url": format!("http://127.0.0.1{target}"),
                        "headers": headers,
                        "body": String::from_utf8_lossy(&body),
                    }));
                    ex.response.clone().unwrap_or((200, Vec::new(), Vec::new()))
                };
                let mut head = format!("HTTP/1.1 {status} Example\r\ncontent-length: {}\r\nconnection: close\r\n", out.len());
                for (k, v) in hs.iter().filter(|(k, _)| !k.eq_ignore_ascii_case("content-length")) {
                    head.push_str(&format!("{k}: {v}\r\n"));
                }
                head.push_str("\r\n");
                let _ = stream.write_all(head.as_bytes());
                let _ = stream.write_all(&out);
            }
        }

        trait FromExample: Sized {
            fn from_example(v: &Value) -> Result<Self, String>;
        }
        impl FromExample for String {
            fn from_example(v: &Value) -> Result<Self, String> {
                Ok(match v { Value::String(s) => s.clone(), other => other.to_string() })
            }
        }
        impl FromExample for bool {
            fn from_example(v: &Value) -> Result<Self, String> {
                match v { Value::Bool(b) => Ok(*b), Value::String(s) => s.parse().map_err(|e| format!("{e}")), other => Err(format!("not a boolean: {other}")) }
            }
        }
        macro_rules! numbers {
            ($($t:ty),*) => {$(
                impl FromExample for $t {
                    fn from_example(v: &Value) -> Result<Self, String> {
                        match v { Value::String(s) => s.parse().map_err(|e| format!("{e}")), other => other.to_string().parse().map_err(|e| format!("{e}")) }
                    }
                }
            )*};
        }
        numbers!(i32, i64, f32, f64);
        impl FromExample for OffsetDateTime {
            fn from_example(v: &Value) -> Result<Self, String> {
                let s = v.as_str().ok_or_else(|| format!("not a date: {v}"))?;
                azure_core::time::parse_rfc3339(s).or_else(|_| azure_core::time::parse_rfc7231(s)).map_err(|e| e.to_string())
            }
        }
        impl FromExample for Vec<String> {
            fn from_example(v: &Value) -> Result<Self, String> {
                match v {
                    Value::Array(a) => a.iter().map(String::from_example).collect(),
                    Value::String(s) => Ok(s.split(',').map(str::to_string).collect()),
                    other => Err(format!("not a list: {other}")),
                }
            }
        }

        fn opt<T: FromExample>(p: &Map<String, Value>, name: &str) -> Result<Option<T>, String> {
            match p.get(name) {
                None | Some(Value::Null) => Ok(None),
                Some(v) => T::from_example(v).map(Some).map_err(|e| format!("parameter `{name}`: {e}")),
            }
        }

        fn opt_de<T: serde::de::DeserializeOwned>(p: &Map<String, Value>, name: &str) -> Result<Option<T>, String> {
            match p.get(name) {
                None | Some(Value::Null) => Ok(None),
                Some(v) => serde_json::from_value(v.clone()).map(Some).map_err(|e| format!("parameter `{name}`: {e}")),
            }
        }

        async fn call(client: &#client, op: &str, p: &Map<String, Value>) -> Result<Option<String>, String> {
            match op {
                #(#arms)*
                other => Err(format!("unknown operationId `{other}`")),
            }
        }

        #[tokio::main(flavor = "current_thread")]
        async fn main() {
            let mut input = String::new();
            std::io::Read::read_to_string(&mut std::io::stdin(), &mut input).expect("stdin");
            let cases: Vec<Value> = serde_json::from_str(&input).expect("input is JSON");
            let mut results = Vec::new();
            let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
            let endpoint = format!("http://{}", listener.local_addr().expect("address"));
            let exchange = Arc::new(Mutex::new(Exchange::default()));
            {
                let exchange = exchange.clone();
                std::thread::spawn(move || serve(listener, exchange));
            }
            for case in cases {
                let p = case["parameters"].as_object().cloned().unwrap_or_default();
                let status = case["status"].as_u64().unwrap_or(200) as u16;
                let mut headers: Vec<(String, String)> = case["headers"].as_object().map(|m| m.iter().map(|(k, v)| (k.clone(), match v { Value::String(s) => s.clone(), o => o.to_string() })).collect()).unwrap_or_default();
                let body = match &case["body"] { Value::Null => Vec::new(), Value::String(s) => s.clone().into_bytes(), v => serde_json::to_vec(v).unwrap() };
                if !body.is_empty() && !headers.iter().any(|(k, _)| k.eq_ignore_ascii_case("content-type")) {
                    headers.push(("content-type".into(), "application/json".into()));
                }
                {
                    let mut ex = exchange.lock().unwrap();
                    ex.sent.clear();
                    ex.response = Some((status, headers, body));
                }
                let mut options = #client_options::default();
                if let Some(v) = p.get("api-version").and_then(Value::as_str) {
                    options.api_version = v.to_string();
                }
                #(#client_sets)*
                // No retries: one example, one request.
                options.client_options = ClientOptions { retry: RetryOptions::none(), ..Default::default() };
                let outcome = match #client::with_policies(&endpoint, Vec::new(), Some(options)) {
                    Ok(client) => call(&client, case["operationId"].as_str().unwrap_or(""), &p).await,
                    Err(e) => Err(e.to_string()),
                };
                let sent = exchange.lock().unwrap().sent.first().cloned().unwrap_or(Value::Null);
                let (parsed, error) = match outcome {
                    Ok(v) => (v.map(Value::String).unwrap_or(Value::Null), Value::Null),
                    Err(e) => (Value::Null, Value::String(e)),
                };
                results.push(serde_json::json!({ "sent": sent, "parsed": parsed, "error": error }));
            }
            println!("{}", serde_json::to_string(&results).unwrap());
        }
    };
    EmittedFile { path: "main.rs".into(), tokens }
}

/// The `Cargo.toml` of the harness crate.
pub fn harness_manifest(crate_name: &str, crate_path: &str) -> String {
    format!(
        "[package]\nname = \"conformance_harness\"\nversion = \"0.0.0\"\nedition = \"2021\"\npublish = false\n\n[dependencies]\n{crate_name} = {{ path = \"{crate_path}\" }}\nazure_core = {{ version = \"1.1\" }}\nfutures = \"0.3\"\nserde = \"1\"\nserde_json = \"1\"\ntokio = {{ version = \"1\", features = [\"macros\", \"rt\"] }}\n\n[workspace]\n"
    )
}

/// One example to run: its file, operation and the harness input.
#[derive(Debug)]
pub struct Case {
    pub file: std::path::PathBuf,
    pub title: String,
    pub op: usize,
    pub example: Value,
    /// The harness input.
    pub input: Value,
}

/// Reads every example of every operation. Unreadable example files are failures, not skips.
pub fn cases(api: &Api) -> (Vec<Case>, Vec<String>) {
    let mut cases = Vec::new();
    let mut problems = Vec::new();
    for (i, op) in api.operations.iter().enumerate() {
        for ex in &op.examples {
            let text = match std::fs::read_to_string(&ex.file) {
                Ok(t) => t,
                Err(e) => {
                    problems.push(format!("{}: {e}", ex.file.display()));
                    continue;
                }
            };
            let example: Value = match serde_json::from_str(&text) {
                Ok(v) => v,
                Err(e) => {
                    problems.push(format!("{}: invalid JSON: {e}", ex.file.display()));
                    continue;
                }
            };
            let (status, response) = success_response(&example);
            let input = serde_json::json!({
                "operationId": op.id,
                "parameters": example.get("parameters").cloned().unwrap_or(Value::Null),
                "status": status,
                "headers": response.get("headers").cloned().unwrap_or(Value::Null),
                "body": response.get("body").cloned().unwrap_or(Value::Null),
            });
            cases.push(Case { file: ex.file.clone(), title: ex.title.clone(), op: i, example, input });
        }
    }
    (cases, problems)
}

/// The first 2xx response of an example.
fn success_response(example: &Value) -> (u16, Value) {
    let mut found: Vec<(u16, Value)> = example
        .get("responses")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .filter_map(|(k, v)| k.parse::<u16>().ok().filter(|s| (200..300).contains(s)).map(|s| (s, v.clone())))
        .collect();
    found.sort_by_key(|(s, _)| *s);
    found.into_iter().next().unwrap_or((200, Value::Null))
}

/// Compares the harness result of one case with its example; returns the differences.
pub fn check(api: &Api, case: &Case, result: &Value) -> Vec<String> {
    let op = &api.operations[case.op];
    let mut diffs = Vec::new();
    if let Some(e) = result.get("error").and_then(Value::as_str) {
        diffs.push(format!("call failed: {e}"));
        return diffs;
    }
    let sent = &result["sent"];
    let params = case.example.get("parameters").and_then(Value::as_object).cloned().unwrap_or_default();
    let want_method = format!("{:?}", op.method).to_uppercase();
    if sent["method"].as_str() != Some(want_method.as_str()) {
        diffs.push(format!("method: expected {want_method}, found {}", sent["method"]));
    }
    let url = sent["url"].as_str().unwrap_or("");
    let after_host = url.split_once("://").map(|(_, r)| r).and_then(|r| r.find('/').map(|i| &r[i..])).unwrap_or("/");
    let (path_part, query_part) = after_host.split_once('?').unwrap_or((after_host, ""));
    let mut want_path = format!("{}{}", api.host.base_path, op.path.split('?').next().unwrap_or(""));
    for p in op.params.iter().filter(|p| p.location == ParamLocation::Path) {
        if let Some(v) = params.get(&p.name) {
            want_path = want_path.replace(&format!("{{{}}}", p.name), &scalar_text(v));
        }
    }
    let got_path = percent_decode(path_part);
    if !got_path.ends_with(&want_path) {
        diffs.push(format!("path: expected {want_path}, found {got_path}"));
    }
    let query: Vec<(String, String)> = query_part
        .split('&')
        .filter(|s| !s.is_empty())
        .map(|kv| {
            let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
            (percent_decode(&k.replace('+', " ")), percent_decode(&v.replace('+', " ")))
        })
        .collect();
    let headers = sent["headers"].as_object().cloned().unwrap_or_default();
    for p in &op.params {
        let Some(v) = params.get(&p.name).filter(|v| !v.is_null()) else { continue };
        let want = match v {
            Value::Array(a) => a.iter().map(scalar_text).collect::<Vec<_>>().join(","),
            other => scalar_text(other),
        };
        match p.location {
            ParamLocation::Query => {
                let got: Vec<&String> = query.iter().filter(|(k, _)| k == &p.name).map(|(_, v)| v).collect();
                if got.len() != 1 || !same_text(got[0], &want) {
                    diffs.push(format!("query `{}`: expected {want:?}, found {got:?}", p.name));
                }
            }
            ParamLocation::Header => {
                let got = headers.get(&p.name.to_ascii_lowercase()).and_then(Value::as_str);
                if !got.is_some_and(|g| same_text(g, &want)) {
                    diffs.push(format!("header `{}`: expected {want:?}, found {got:?}", p.name));
                }
            }
            ParamLocation::Path => {}
        }
    }
    let sent_body = sent["body"].as_str().unwrap_or("");
    match op.body.as_ref().and_then(|b| params.get(&b.name).map(|v| (b, v))) {
        Some((b, want)) => {
            if b.ty == TypeRef::Scalar(Scalar::Binary) {
                if sent_body != want.as_str().unwrap_or("") {
                    diffs.push("body: the bytes sent differ from the example".into());
                }
            } else {
                match serde_json::from_str::<Value>(sent_body) {
                    Ok(got) => diffs.extend(json_diff("body", want, &got)),
                    Err(e) => diffs.push(format!("body: not JSON ({e})")),
                }
            }
            if !headers.contains_key("content-type") {
                diffs.push("header `content-type`: missing on a request with a body".into());
            }
        }
        None => {
            if !sent_body.is_empty() {
                diffs.push(format!("body: expected none, sent {} bytes", sent_body.len()));
            }
            if headers.contains_key("content-type") {
                diffs.push("header `content-type`: sent on a request without a body".into());
            }
        }
    }
    let (_, response) = success_response(&case.example);
    if let (Some(want), Some(parsed)) = (response.get("body"), result["parsed"].as_str()) {
        match serde_json::from_str::<Value>(parsed) {
            Ok(got) => diffs.extend(json_diff("response", want, &got)),
            Err(e) => diffs.push(format!("response: the model did not serialize to JSON ({e})")),
        }
    }
    diffs
}

fn scalar_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            if let Ok(x) = u8::from_str_radix(&s[i + 1..i + 3], 16) {
                out.push(x);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).to_string()
}

/// Equal text, or the same instant written two ways.
fn same_text(a: &str, b: &str) -> bool {
    if a == b {
        return true;
    }
    match (instant(a), instant(b)) {
        (Some(x), Some(y)) => x == y,
        _ => false,
    }
}

fn instant(s: &str) -> Option<time::OffsetDateTime> {
    use time::format_description::well_known::{Rfc2822, Rfc3339};
    time::OffsetDateTime::parse(s, &Rfc3339).ok().or_else(|| time::OffsetDateTime::parse(s, &Rfc2822).ok()).or_else(|| {
        // RFC 7231 uses "GMT", which RFC 2822 parsing also accepts in time's implementation;
        // fall back to replacing it with +0000.
        time::OffsetDateTime::parse(&s.replace("GMT", "+0000"), &Rfc2822).ok()
    })
}

/// Differences between the expected and the found JSON, each with its JSON pointer.
pub fn json_diff(what: &str, want: &Value, got: &Value) -> Vec<String> {
    let mut out = Vec::new();
    diff_into(&mut out, what, String::new(), want, got);
    out
}

fn diff_into(out: &mut Vec<String>, what: &str, at: String, want: &Value, got: &Value) {
    match (want, got) {
        (Value::Object(w), Value::Object(g)) => {
            for (k, wv) in w {
                let p = format!("{at}/{}", crate::error::escape_segment(k));
                match g.get(k) {
                    Some(gv) => diff_into(out, what, p, wv, gv),
                    None if wv.is_null() => {}
                    None => out.push(format!("{what} {p}: dropped (expected {})", short(wv))),
                }
            }
            for (k, gv) in g {
                if !w.contains_key(k) && !gv.is_null() {
                    out.push(format!("{what} {at}/{}: invented (found {})", crate::error::escape_segment(k), short(gv)));
                }
            }
        }
        (Value::Array(w), Value::Array(g)) => {
            if w.len() != g.len() {
                out.push(format!("{what} {at}: expected {} items, found {}", w.len(), g.len()));
            }
            for (i, (wv, gv)) in w.iter().zip(g).enumerate() {
                diff_into(out, what, format!("{at}/{i}"), wv, gv);
            }
        }
        (Value::String(w), Value::String(g)) if same_text(w, g) => {}
        (Value::Number(w), Value::Number(g)) if w.as_f64() == g.as_f64() => {}
        (w, g) if w == g => {}
        (w, g) => out.push(format!("{what} {at}: expected {}, found {}", short(w), short(g))),
    }
}

fn short(v: &Value) -> String {
    let s = v.to_string();
    if s.len() > 80 {
        format!("{}…", &s[..s.char_indices().take_while(|(i, _)| *i < 77).last().map(|(i, c)| i + c.len_utf8()).unwrap_or(0)])
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn json_diff_names_what_was_dropped_or_invented() {
        let want = json!({"a": 1, "b": {"c": "2016-09-06T06:59:15.1161429Z"}, "n": null});
        let got = json!({"a": 1, "b": {"c": "2016-09-06T06:59:15.1161429+00:00"}, "x": true});
        assert_eq!(json_diff("body", &want, &got), vec!["body /x: invented (found true)".to_string()]);
        let got = json!({"b": {"c": "2016-09-06T06:59:16Z"}});
        let d = json_diff("body", &want, &got);
        assert_eq!(d.len(), 2, "{d:?}");
        assert!(d[0].contains("/a: dropped"));
        assert!(d[1].contains("/b/c: expected"));
    }

    #[test]
    fn http_dates_compare_by_instant() {
        assert!(same_text("Fri, 17 Feb 2017 00:00:00 GMT", "2017-02-17T00:00:00Z"));
        assert!(!same_text("Fri, 17 Feb 2017 00:00:01 GMT", "2017-02-17T00:00:00Z"));
    }

    #[test]
    fn percent_decoding() {
        assert_eq!(percent_decode("/jobs/a%20b/tasks/%23x"), "/jobs/a b/tasks/#x");
    }
}
