//! Snapshot tests of the generator on small fixture specs (`tests/fixtures/`), one feature per
//! fixture. Each fixture gets three snapshots: the IR (`__ir`), the emitted Rust without the fixed
//! `runtime.rs` (`__rust`) and the warnings (`__warnings`). Absolute paths are replaced by
//! `<fixtures>` so the snapshots do not depend on the machine.
//!
//! Update with `INSTA_UPDATE=always cargo test -p batch-tests --test it snapshots` and review the
//! `.snap` files in `tests/it/snapshots/`.

use codegen::ir::{Api, Scalar, TypeDef, TypeRef};
use codegen::lower::{self, CrateSettings};
use std::path::{Path, PathBuf};

fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

fn fixture(rel: &str) -> PathBuf {
    fixtures_dir().join(rel)
}

/// Replaces the machine-specific fixtures folder with `<fixtures>`.
fn scrub(text: &str) -> String {
    let dir = fixtures_dir();
    text.replace(&dir.display().to_string(), "<fixtures>")
}

fn scrub_json(v: &mut serde_json::Value) {
    match v {
        serde_json::Value::String(s) => *s = scrub(s),
        serde_json::Value::Array(a) => a.iter_mut().for_each(scrub_json),
        serde_json::Value::Object(m) => m.values_mut().for_each(scrub_json),
        _ => {}
    }
}

fn settings(rel: &str) -> insta::Settings {
    let mut s = insta::Settings::clone_current();
    s.set_snapshot_path("snapshots");
    s.set_omit_expression(true);
    s.set_description(format!("fixtures/{rel}"));
    s
}

fn load(rel: &str) -> (Api, Vec<codegen::Warning>) {
    codegen::load_ir(&fixture(rel)).unwrap_or_else(|e| panic!("{rel} should load: {e}"))
}

fn generate(rel: &str) -> codegen::Generated {
    codegen::generate(&fixture(rel)).unwrap_or_else(|e| panic!("{rel} should generate: {e}"))
}

/// Every generated file but `runtime.rs`, each under a header line with its path.
fn rust_text(g: &codegen::Generated) -> String {
    let mut out = String::new();
    for f in g.files.iter().filter(|f| f.path != "runtime.rs") {
        out.push_str(&format!("// ===== {} =====\n", f.path));
        out.push_str(&f.contents);
        if !f.contents.ends_with('\n') {
            out.push('\n');
        }
        out.push('\n');
    }
    scrub(&out)
}

fn warnings_text(warnings: &[codegen::Warning]) -> String {
    if warnings.is_empty() {
        return "(no warnings)".to_string();
    }
    warnings.iter().map(|w| scrub(&w.to_string())).collect::<Vec<_>>().join("\n")
}

/// Takes the three snapshots of one fixture and returns what was generated, for further checks.
fn snapshot(name: &str, rel: &str) -> (Api, codegen::Generated) {
    let (api, ir_warnings) = load(rel);
    let generated = generate(rel);
    // Stages 4-6 only add warnings; the IR warnings come first and unchanged.
    assert_eq!(&generated.warnings[..ir_warnings.len()], &ir_warnings[..], "{rel}: IR warnings are a prefix of all warnings");
    assert!(generated.files.iter().any(|f| f.path == "runtime.rs"), "{rel}: runtime.rs is generated");

    let mut ir = serde_json::to_value(&api).expect("the IR serializes");
    scrub_json(&mut ir);
    settings(rel).bind(|| {
        insta::assert_yaml_snapshot!(format!("{name}__ir"), ir);
        insta::assert_snapshot!(format!("{name}__rust"), rust_text(&generated));
        insta::assert_snapshot!(format!("{name}__warnings"), warnings_text(&generated.warnings));
    });
    (api, generated)
}

fn object<'a>(api: &'a Api, name: &str) -> &'a codegen::ir::Object {
    match api.types.get(name) {
        Some(TypeDef::Object(o)) => o,
        other => panic!("`{name}` should be an object type, found {other:?}"),
    }
}

fn enum_def<'a>(api: &'a Api, name: &str) -> &'a codegen::ir::Enum {
    match api.types.get(name) {
        Some(TypeDef::Enum(e)) => e,
        other => panic!("`{name}` should be an enum type, found {other:?}"),
    }
}

fn prop_ty(o: &codegen::ir::Object, json_name: &str) -> TypeRef {
    o.properties.iter().find(|p| p.json_name == json_name).unwrap_or_else(|| panic!("{} has no property `{json_name}`", o.name)).ty.clone()
}

fn file<'a>(g: &'a codegen::Generated, path: &str) -> &'a str {
    &g.files.iter().find(|f| f.path == path).unwrap_or_else(|| panic!("no generated file {path}")).contents
}

fn lowered(api: &Api) -> lower::Lowered {
    lower::lower(api, CrateSettings::from_title(&api.title), &mut Vec::new())
}

fn named(n: &str) -> TypeRef {
    TypeRef::Named(n.to_string())
}

fn scalar(s: Scalar) -> TypeRef {
    TypeRef::Scalar(s)
}

const ALL_FIXTURES: &[&str] = &[
    "types_scalars.yaml",
    "types_collections.yaml",
    "enums.yaml",
    "inline_objects.yaml",
    "recursion.json",
    "names.yaml",
    "params.yaml",
    "pageable.yaml",
    "responses.yaml",
    "multi_file/api.yaml",
    "oas3_basic.yaml",
    "oas31.json",
    "no_operation_id.yaml",
    "polymorphic/api.yaml",
    "client_params/api.yaml",
    "azure_extensions/api.yaml",
];

#[test]
fn types_scalars() {
    let (api, g) = snapshot("types_scalars", "types_scalars.yaml");
    let o = object(&api, "Specimen");
    let expected = [
        ("label", Scalar::String),
        ("count32", Scalar::Int32),
        ("count64", Scalar::Int64),
        // `format: float` is read as f64 (no precision lost on the way through JSON).
        ("ratio", Scalar::Float64),
        ("precise", Scalar::Float64),
        ("alive", Scalar::Bool),
        ("seenAt", Scalar::DateTime),
        ("lastModified", Scalar::DateTimeRfc7231),
        ("bornOn", Scalar::Date),
        ("lifespan", Scalar::Duration),
        ("tag", Scalar::Uuid),
        ("photo", Scalar::Bytes),
        ("epoch", Scalar::UnixTime),
        ("extra", Scalar::Any),
    ];
    assert_eq!(o.properties.len(), expected.len());
    for (json, s) in expected {
        assert_eq!(prop_ty(o, json), scalar(s), "property `{json}`");
    }
    let structs = file(&g, "models/structs.rs");
    for needle in [
        "pub count32: Option<i32>",
        "pub count64: Option<i64>",
        "pub ratio: Option<f64>",
        "pub precise: Option<f64>",
        "pub alive: Option<bool>",
        "pub seen_at: Option<OffsetDateTime>",
        "pub last_modified: Option<OffsetDateTime>",
        "pub epoch: Option<OffsetDateTime>",
        "pub lifespan: Option<Duration>",
        "pub tag: Option<azure_core::Uuid>",
        "pub photo: Option<Vec<u8>>",
        "pub extra: Option<serde_json::Value>",
    ] {
        assert!(structs.contains(needle), "structs.rs lacks `{needle}`");
    }
}

#[test]
fn types_collections() {
    let (api, g) = snapshot("types_collections", "types_collections.yaml");
    let o = object(&api, "Shelf");
    assert_eq!(prop_ty(o, "labels"), TypeRef::Array(Box::new(scalar(Scalar::String))));
    assert_eq!(prop_ty(o, "books"), TypeRef::Array(Box::new(named("Book"))));
    assert_eq!(prop_ty(o, "counts"), TypeRef::Map(Box::new(scalar(Scalar::Int64))));
    assert_eq!(prop_ty(o, "booksByIsbn"), TypeRef::Map(Box::new(named("Book"))));
    assert_eq!(prop_ty(o, "anything"), TypeRef::Map(Box::new(scalar(Scalar::Any))));
    assert_eq!(prop_ty(o, "grid"), TypeRef::Array(Box::new(TypeRef::Array(Box::new(scalar(Scalar::Float64))))));
    let structs = file(&g, "models/structs.rs");
    assert!(structs.contains("pub grid: Option<Vec<Vec<f64>>>"));
    assert!(structs.contains("pub books_by_isbn: Option<HashMap<String, Book>>"));
}

#[test]
fn enums() {
    let (api, g) = snapshot("enums", "enums.yaml");
    // Shared by x-ms-enum name: one `Finish` although declared three times.
    assert_eq!(api.types.keys().filter(|k| k.starts_with("Finish")).count(), 1, "{:?}", api.types.keys().collect::<Vec<_>>());
    assert_eq!(prop_ty(object(&api, "Can"), "finish"), named("Finish"));
    assert_eq!(prop_ty(object(&api, "Brush"), "finish"), named("Finish"));
    // An inline enum without x-ms-enum is named from its parent and property.
    assert_eq!(prop_ty(object(&api, "Can"), "size"), named("CanSize"));
    let color = enum_def(&api, "ColorFamily");
    assert_eq!(color.values[0].name.as_deref(), Some("Crimson"));
    assert_eq!(color.values[1].description.as_deref(), Some("Leaf green."));
    let odd = enum_def(&api, "OddValues");
    assert_eq!(odd.values.iter().map(|v| v.value.as_str()).collect::<Vec<_>>(), ["a-b", "1.0", "Standard_LRS"]);
    let enums = file(&g, "models/enums.rs");
    for needle in ["Crimson,", "Navy,", "Green,", "AB,", "V10,", "StandardLrs,", "\"Standard_LRS\" => Self::StandardLrs", "UnknownValue(String)"] {
        assert!(enums.contains(needle), "enums.rs lacks `{needle}`");
    }
}

#[test]
fn inline_objects() {
    let (api, g) = snapshot("inline_objects", "inline_objects.yaml");
    let order = object(&api, "Order");
    assert_eq!(prop_ty(order, "shipping"), named("OrderShipping"));
    assert_eq!(prop_ty(object(&api, "OrderShipping"), "address"), named("OrderShippingAddress"));
    assert_eq!(prop_ty(order, "lines"), TypeRef::Array(Box::new(named("OrderLinesItem"))));
    let structs = file(&g, "models/structs.rs");
    for s in ["pub struct OrderShipping ", "pub struct OrderShippingAddress ", "pub struct OrderLinesItem "] {
        assert!(structs.contains(s), "structs.rs lacks `{s}`");
    }
}

#[test]
fn recursion() {
    let (api, g) = snapshot("recursion", "recursion.json");
    let low = lowered(&api);
    let boxed = |t: &str| low.structs[t].boxed.clone();
    assert_eq!(boxed("LinkedNode"), [false, true], "direct self reference is boxed");
    assert_eq!(boxed("Husband"), [false, true], "mutual recursion is boxed");
    assert_eq!(boxed("Wife"), [false, true], "mutual recursion is boxed");
    assert_eq!(boxed("TreeNode"), [false, false, false], "Vec and HashMap already break the cycle");
    assert_eq!(boxed("Registry"), [false, false], "pointing into a cycle needs no box");
    let structs = file(&g, "models/structs.rs");
    assert!(structs.contains("pub next: Option<Box<LinkedNode>>"));
    assert!(structs.contains("pub children: Option<Vec<TreeNode>>"));
    assert_eq!(structs.matches("Box<").count(), 3, "exactly three boxed fields");
}

#[test]
fn names() {
    let (api, g) = snapshot("names", "names.yaml");
    let warnings = warnings_text(&g.warnings);
    for needle in ["`foo_bar_2`", "`Weird2`", "`AB2`", "`items_list_all_2`"] {
        assert!(warnings.contains(needle), "warnings lack {needle}:\n{warnings}");
    }
    let structs = file(&g, "models/structs.rs");
    for needle in [
        "pub read_iops:",
        "pub read_io_gib:",
        "pub user_cpu_time:",
        "pub r#type:",
        "pub self_:",
        "pub foo_bar:",
        "pub foo_bar_2:",
        "pub struct Weird ",
        "pub struct Weird2 ",
        "pub struct ResultModel ",
    ] {
        assert!(structs.contains(needle), "structs.rs lacks `{needle}`");
    }
    assert!(!structs.contains("pub struct Result "), "`Result` must not shadow azure_core::Result");
    let client = file(&g, "clients/name_torture_client.rs");
    // Short names clash, so all three keep their group; two still clash and one is renamed.
    for m in ["items_list_all", "items_list_all_2", "things_list_all"] {
        assert!(client.contains(&format!("pub async fn {m}(")), "client lacks `{m}`");
    }
    assert!(client.contains("Result<Response<ResultModel>>"));
    assert_eq!(api.operations.len(), 3);
}

#[test]
fn params() {
    let (api, g) = snapshot("params", "params.yaml");
    let op = |id: &str| api.operations.iter().find(|o| o.id == id).unwrap_or_else(|| panic!("no operation {id}"));
    let get = op("Items_Get");
    let names: Vec<&str> = get.params.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(
        names,
        ["storeName", "itemId", "api-version", "$filter", "top", "includeDeleted", "sort", "fields", "tag", "x-request-tag", "If-Modified-Since", "x-dry-run"]
    );
    assert_eq!(get.params[3].client_name.as_deref(), Some("filterExpression"));
    assert!(get.params[2].api_version);
    assert_eq!(api.api_version.as_deref(), Some("2022-02-02"));
    // The operation-level `itemId` replaces the path-level one.
    let delete = op("Items_Delete");
    let item_id = delete.params.iter().find(|p| p.name == "itemId").expect("itemId");
    assert_eq!(item_id.ty, scalar(Scalar::Int64));
    assert_eq!(delete.params.iter().filter(|p| p.name == "itemId").count(), 1);
    assert!(op("Items_Put").body.as_ref().is_some_and(|b| b.required));
    assert!(op("Stores_Restock").body.as_ref().is_some_and(|b| !b.required));
    let options = file(&g, "models/method_options.rs");
    assert!(options.contains("pub filter_expression: Option<String>"));
    assert!(options.contains("pub request: Option<RequestContent<RestockRequest>>"));
    let client = file(&g, "clients/inventory_client.rs");
    assert!(client.contains("query_builder.append_pair(\"tag\""), "multi collection format appends");
    assert!(client.contains("\"if-modified-since\""));
}

#[test]
fn pageable() {
    let (api, g) = snapshot("pageable", "pageable.yaml");
    let pg = |id: &str| api.operations.iter().find(|o| o.id == id).and_then(|o| o.pageable.clone()).expect("pageable");
    assert_eq!(pg("Photos_List").next_link_name.as_deref(), Some("odata.nextLink"));
    assert_eq!(pg("Photos_List").item_name, "value");
    assert_eq!(pg("Albums_List").item_name, "albums");
    assert_eq!(pg("Tags_List").next_link_name, None);
    let client = file(&g, "clients/photo_roll_client.rs");
    assert_eq!(client.matches("-> Result<Pager<").count(), 3);
    assert!(client.contains("page.odata_next_link"));
    assert!(client.contains("page.continue_at"));
    let structs = file(&g, "models/structs.rs");
    assert_eq!(structs.matches("impl Page for").count(), 3);
}

#[test]
fn responses() {
    let (api, g) = snapshot("responses", "responses.yaml");
    let op = |id: &str| api.operations.iter().find(|o| o.id == id).expect("operation");
    let statuses = |id: &str| op(id).responses.iter().map(|r| r.status).collect::<Vec<_>>();
    assert_eq!(statuses("Jobs_CreateOrReplace"), [200, 201]);
    assert_eq!(statuses("Jobs_Delete"), [202, 204]);
    assert_eq!(statuses("Jobs_Exists"), [200]);
    assert_eq!(op("Jobs_Get").error, Some(named("ErrorBody")));
    assert!(op("Jobs_Delete").responses.iter().all(|r| r.body.is_none()));
    // A HEAD that declares 404 answers whether the resource exists.
    assert!(op("Jobs_Exists").exists);
    let client = file(&g, "clients/job_runner_client.rs");
    assert!(client.contains("Result<bool>"), "exists returns bool");
    let headers = file(&g, "models/headers.rs");
    for needle in ["fn retry_after(", "fn location(", "fn x_ms_request_id(", "fn etag("] {
        assert!(headers.contains(needle), "headers.rs lacks `{needle}`");
    }
}

#[test]
fn polymorphic() {
    let (api, g) = snapshot("polymorphic", "polymorphic/api.yaml");
    match &api.types["Animal"] {
        TypeDef::Union(u) => {
            assert_eq!(u.discriminator, "kind");
            let tags: Vec<(&str, &str)> = u.variants.iter().map(|v| (v.tag.as_str(), v.ty.as_str())).collect();
            assert_eq!(tags, [("dog", "Dog"), ("cat", "Cat")]);
        }
        other => panic!("Animal should be a union: {other:?}"),
    }
    let structs = file(&g, "models/structs.rs");
    // Dog holds an Animal, and Animal holds a Dog inline: the cycle is boxed.
    assert!(structs.contains("pub best_friend: Option<Box<Animal>>"), "{structs}");
    assert!(structs.contains("pub residents: Option<Vec<Animal>>"), "{structs}");
    assert!(structs.contains("UnknownValue(serde_json::Value)"), "{structs}");
    assert!(structs.contains("impl TryFrom<Animal> for RequestContent<Animal>"), "{structs}");
}

#[test]
fn client_params() {
    let (api, g) = snapshot("client_params", "client_params/api.yaml");
    let op = &api.operations[0];
    let client_level: Vec<&str> = op.params.iter().filter(|p| p.client_level).map(|p| p.name.as_str()).collect();
    assert_eq!(client_level, ["tenantId", "x-region"]);
    let client = file(&g, "clients/tenant_store_client.rs");
    // Set once in the client options, not a method argument or a per-call option.
    assert!(client.contains("pub tenant_id: Option<String>"), "{client}");
    assert!(client.contains("the client option `tenant_id` must be set for this call"), "{client}");
    assert!(client.contains("item_id: &str,"), "{client}");
    assert!(!client.contains("tenant_id: &str,"), "{client}");
    let options = file(&g, "models/method_options.rs");
    assert!(!options.contains("x_region"), "{options}");
}

#[test]
fn azure_extensions() {
    let (api, g) = snapshot("azure_extensions", "azure_extensions/api.yaml");
    let op = |id: &str| api.operations.iter().find(|o| o.id == id).expect("operation");
    assert_eq!(op("Robots_Restart").path, "/robots/{robotId}?op=restart");
    let client = file(&g, "clients/robot_fleet_client.rs");
    // x-ms-paths: the query discriminator is sent as a fixed pair on the real path.
    assert!(client.contains(r#"String::from("/robots/{robotId}")"#) && client.contains(r#"query_builder.set_pair("op", "restart")"#), "{client}");
    // x-ms-client-request-id names the header the client fills per call.
    assert!(client.contains(r#"ClientRequestIdPolicy::with_header_name("x-ms-client-request-id")"#), "{client}");
    // A binary body goes as bytes with its content type; a file response streams.
    assert!(client.contains("image: RequestContent<Bytes>") && client.contains(r#""application/octet-stream""#), "{client}");
    assert!(client.contains("Result<AsyncResponse<RobotFleetClientDownloadLogsResult>>"), "{client}");
    let structs = file(&g, "models/structs.rs");
    // x-ms-secret: redacted in Debug; readOnly, x-ms-mutability and default in the docs.
    assert!(structs.contains(r#".field("admin_password", &runtime::redact(&self.admin_password))"#), "{structs}");
    assert!(structs.contains(r#".field("token", &runtime::redact(&self.token))"#), "{structs}");
    assert!(structs.contains("Read-only: set by the service."), "{structs}");
    assert!(structs.contains("Sent on: `create`."), "{structs}");
    assert!(structs.contains("The service uses `1.5` when this is not set."), "{structs}");
    let robot = object(&api, "Robot");
    assert!(robot.properties.iter().any(|p| p.json_name == "nickname" && p.nullable));
    // x-ms-parameter-grouping: the per-method options struct is the group.
    let options = file(&g, "models/method_options.rs");
    assert!(options.contains("pub struct RobotFleetClientGetOptions") && options.contains("pub timeout: Option<i32>"), "{options}");
}

#[test]
fn multi_file() {
    let (api, _) = snapshot("multi_file", "multi_file/api.yaml");
    let keys: Vec<&str> = api.types.keys().map(String::as_str).collect();
    for t in ["Widget", "Part", "Failure", "LocalThing"] {
        assert!(keys.contains(&t), "{t} missing from {keys:?}");
    }
    match &api.types["Widget"] {
        TypeDef::Object(o) => assert!(o.origin.ends_with("models.yaml#/definitions/Widget"), "{}", o.origin),
        other => panic!("{other:?}"),
    }
}

#[test]
fn oas3_basic() {
    let (api, _) = snapshot("oas3_basic", "oas3_basic.yaml");
    assert_eq!(api.host.template, "{endpoint}");
    assert_eq!(api.host.base_path, "/garden");
    assert_eq!(api.host.params, ["endpoint"]);
    let bed = object(&api, "Bed");
    assert!(bed.properties.iter().find(|p| p.json_name == "plantedOn").is_some_and(|p| p.nullable));
    assert!(bed.properties.iter().find(|p| p.json_name == "name").is_some_and(|p| p.required));
    let put = api.operations.iter().find(|o| o.id == "Beds_Put").expect("Beds_Put");
    assert_eq!(put.body.as_ref().map(|b| b.ty.clone()), Some(named("Bed")));
    assert_eq!(put.params.iter().map(|p| p.name.as_str()).collect::<Vec<_>>(), ["bedId"]);
}

#[test]
fn oas31() {
    let (api, _) = snapshot("oas31", "oas31.json");
    let k = object(&api, "Kettle");
    assert_eq!(prop_ty(k, "name"), scalar(Scalar::String));
    assert_eq!(prop_ty(k, "temperature"), scalar(Scalar::Float64));
    assert_eq!(prop_ty(k, "owner"), named("Owner"));
    for p in ["name", "temperature"] {
        assert!(k.properties.iter().find(|x| x.json_name == p).is_some_and(|x| x.nullable), "{p} is nullable");
    }
}

#[test]
fn no_operation_id() {
    let (api, g) = snapshot("no_operation_id", "no_operation_id.yaml");
    assert_eq!(api.operations[0].id, "GetBoxesBoxIdLids");
    assert!(g.warnings.iter().any(|w| w.message.contains("no operationId")));
}

#[test]
fn generation_is_deterministic() {
    for rel in ALL_FIXTURES {
        let a = generate(rel);
        let b = generate(rel);
        assert_eq!(a.files, b.files, "{rel}: two runs differ");
        assert_eq!(a.warnings, b.warnings, "{rel}: warnings differ between runs");
        let (ir_a, _) = load(rel);
        let (ir_b, _) = load(rel);
        assert_eq!(serde_json::to_string(&ir_a).unwrap(), serde_json::to_string(&ir_b).unwrap(), "{rel}: IR differs");
    }
}

#[test]
fn every_fixture_has_a_test() {
    let mut on_disk = Vec::new();
    for entry in std::fs::read_dir(fixtures_dir()).expect("fixtures dir") {
        let path = entry.expect("entry").path();
        if path.is_file() {
            on_disk.push(path.file_name().unwrap().to_string_lossy().into_owned());
        } else if path.join("api.yaml").is_file() {
            on_disk.push(format!("{}/api.yaml", path.file_name().unwrap().to_string_lossy()));
        }
    }
    on_disk.sort();
    let mut listed: Vec<String> = ALL_FIXTURES.iter().map(|s| s.to_string()).collect();
    listed.sort();
    assert_eq!(on_disk, listed);
}
