//! Stage 3 output, the IR: a language-neutral model of the API. Nothing here knows about Rust;
//! names are the spec's own. Order is the spec's order (IndexMap), so runs are deterministic.

use indexmap::IndexMap;
use serde::Serialize;

/// A whole API description.
#[derive(Clone, Debug, Serialize)]
pub struct Api {
    pub title: String,
    pub description: Option<String>,
    /// The value sent as `api-version`, when the API has one.
    pub api_version: Option<String>,
    pub host: Host,
    /// OAuth2 scopes the service accepts.
    pub scopes: Vec<String>,
    pub operations: Vec<Operation>,
    /// Named types, keyed by their spec name.
    pub types: IndexMap<String, TypeDef>,
}

/// How the base URL is formed.
#[derive(Clone, Debug, Serialize)]
pub struct Host {
    /// E.g. `{endpoint}` or `https://example.com`.
    pub template: String,
    /// Path prefix put before every operation path.
    pub base_path: String,
    pub params: Vec<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum HttpMethod {
    Get,
    Put,
    Post,
    Delete,
    Patch,
    Head,
    Options,
}

impl HttpMethod {
    pub fn parse(s: &str) -> Option<HttpMethod> {
        Some(match s.to_ascii_lowercase().as_str() {
            "get" => HttpMethod::Get,
            "put" => HttpMethod::Put,
            "post" => HttpMethod::Post,
            "delete" => HttpMethod::Delete,
            "patch" => HttpMethod::Patch,
            "head" => HttpMethod::Head,
            "options" => HttpMethod::Options,
            _ => return None,
        })
    }
}

/// One operation (method + path).
#[derive(Clone, Debug, Serialize)]
pub struct Operation {
    /// The spec's operationId (or one derived from method and path).
    pub id: String,
    /// The part of the operationId before `_`, e.g. `Tasks` in `Tasks_GetTask`.
    pub group: Option<String>,
    /// The part after `_`, e.g. `GetTask`.
    pub name: String,
    pub method: HttpMethod,
    pub path: String,
    pub summary: Option<String>,
    pub description: Option<String>,
    pub deprecated: bool,
    pub params: Vec<Param>,
    pub body: Option<Body>,
    /// Success responses, by status code.
    pub responses: Vec<Response>,
    /// The body type of the `default` (error) response.
    pub error: Option<TypeRef>,
    pub pageable: Option<Pageable>,
    /// Where it was declared, `file#pointer`.
    pub origin: String,
    /// `x-ms-examples`: title and example file.
    pub examples: Vec<ExampleRef>,
    /// A HEAD operation that declares 404 as an answer: it tells whether the resource exists.
    pub exists: bool,
}

/// One `x-ms-examples` entry.
#[derive(Clone, Debug, Serialize)]
pub struct ExampleRef {
    pub title: String,
    /// The example file (relative references resolved against the spec file).
    pub file: std::path::PathBuf,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum ParamLocation {
    Path,
    Query,
    Header,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum CollectionFormat {
    Csv,
    Ssv,
    Tsv,
    Pipes,
    Multi,
}

/// A path, query or header parameter.
#[derive(Clone, Debug, Serialize)]
pub struct Param {
    /// Wire name.
    pub name: String,
    /// `x-ms-client-name`, when given.
    pub client_name: Option<String>,
    pub location: ParamLocation,
    pub ty: TypeRef,
    pub required: bool,
    pub description: Option<String>,
    pub collection_format: CollectionFormat,
    pub default: Option<serde_json::Value>,
    /// The `api-version` query parameter, filled by the client.
    pub api_version: bool,
    /// `x-ms-parameter-location: client`: set once on the client (in its options), not per call.
    pub client_level: bool,
    /// `x-ms-skip-url-encoding`.
    pub skip_url_encoding: bool,
    /// `x-ms-client-request-id` (or the Batch `client-request-id` header): the client fills it
    /// with a fresh id for every call the caller does not set it on.
    pub client_request_id: bool,
}

/// A request body.
#[derive(Clone, Debug, Serialize)]
pub struct Body {
    pub name: String,
    pub ty: TypeRef,
    pub required: bool,
    pub description: Option<String>,
    pub content_type: String,
}

/// A success response.
#[derive(Clone, Debug, Serialize)]
pub struct Response {
    pub status: u16,
    pub body: Option<TypeRef>,
    pub headers: Vec<Header>,
}

/// A response header.
#[derive(Clone, Debug, Serialize)]
pub struct Header {
    pub name: String,
    pub ty: TypeRef,
    pub description: Option<String>,
}

/// `x-ms-pageable`.
#[derive(Clone, Debug, Serialize)]
pub struct Pageable {
    /// JSON name of the next-link property; `None` when the list is a single page.
    pub next_link_name: Option<String>,
    /// JSON name of the items array.
    pub item_name: String,
}

/// A reference to a type.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum TypeRef {
    Named(String),
    Scalar(Scalar),
    Array(Box<TypeRef>),
    Map(Box<TypeRef>),
}

/// Built-in types.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum Scalar {
    String,
    Int32,
    Int64,
    Float64,
    Bool,
    /// RFC 3339 date-time.
    DateTime,
    /// RFC 7231 / RFC 1123 date (HTTP date).
    DateTimeRfc7231,
    /// Seconds since the Unix epoch.
    UnixTime,
    /// ISO 8601 date.
    Date,
    /// ISO 8601 duration.
    Duration,
    Uuid,
    /// Base64 bytes in JSON.
    Bytes,
    /// Raw bytes (a file body).
    Binary,
    /// Anything (free-form JSON).
    Any,
}

/// A named type.
#[derive(Clone, Debug, Serialize)]
pub enum TypeDef {
    Object(Object),
    Enum(Enum),
    /// A polymorphic type: one of several objects, told apart by a discriminator property.
    Union(Union),
}

impl TypeDef {
    pub fn name(&self) -> &str {
        match self {
            TypeDef::Object(o) => &o.name,
            TypeDef::Enum(e) => &e.name,
            TypeDef::Union(u) => &u.name,
        }
    }

    /// Where it was declared, `file#pointer`.
    pub fn origin(&self) -> &str {
        match self {
            TypeDef::Object(o) => &o.origin,
            TypeDef::Enum(e) => &e.origin,
            TypeDef::Union(u) => &u.origin,
        }
    }
}

/// `discriminator` (+ `x-ms-discriminator-value` or an OpenAPI 3 `mapping`): the base schema
/// becomes a union of the schemas that extend it.
#[derive(Clone, Debug, Serialize)]
pub struct Union {
    pub name: String,
    pub description: Option<String>,
    /// JSON name of the property that tells the variants apart.
    pub discriminator: String,
    pub variants: Vec<UnionVariant>,
    pub origin: String,
}

/// One variant of a [`Union`].
#[derive(Clone, Debug, Serialize)]
pub struct UnionVariant {
    /// The discriminator value.
    pub tag: String,
    /// The object type (IR name).
    pub ty: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct Object {
    pub name: String,
    pub description: Option<String>,
    pub properties: Vec<Property>,
    /// Type of extra properties (`additionalProperties`), if allowed.
    pub additional_properties: Option<TypeRef>,
    /// Where it was declared, `file#pointer`.
    pub origin: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct Property {
    pub json_name: String,
    pub client_name: Option<String>,
    pub ty: TypeRef,
    pub required: bool,
    pub read_only: bool,
    /// `x-ms-secret` or a name that is known to carry a secret.
    pub secret: bool,
    pub nullable: bool,
    pub description: Option<String>,
    /// The value the service assumes when the property is absent (`default`).
    pub default: Option<serde_json::Value>,
    /// `x-ms-mutability`: when the property may be sent (`create`, `update`, `read`).
    pub mutability: Vec<String>,
}

/// A string enum. Every enum is extensible: unknown values are kept.
#[derive(Clone, Debug, Serialize)]
pub struct Enum {
    pub name: String,
    pub description: Option<String>,
    pub values: Vec<EnumValue>,
    pub origin: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct EnumValue {
    pub value: String,
    /// `x-ms-enum` value name, when given.
    pub name: Option<String>,
    pub description: Option<String>,
}
