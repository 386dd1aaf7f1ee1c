//! Shared Key authentication for Azure Batch.
//!
//! Implements the scheme documented in [Authenticate Requests to Azure Batch][doc] ("the
//! documentation" below): every request carries an `ocp-date` header and
//!
//! ```text
//! Authorization: SharedKey {account}:{Base64(HMAC-SHA256(Base64Decode(key), UTF-8(StringToSign)))}
//! ```
//!
//! [`BatchSharedKeyPolicy`] is a *per-try* policy: it runs after the retry policy, so every
//! attempt, including a retry sent long after the first try, gets a fresh `ocp-date` and a fresh
//! signature. The service rejects requests created more than 15 minutes before it receives them.
//!
//! # Where the documentation and the SDKs disagree
//!
//! The official SDKs differ in details. This module follows the documentation; each choice below
//! names its source and, where it differs, what the Python `azure-batch` 15.1.0 package
//! (`azure.batch._patch.BatchSharedKeyAuthPolicy`) does instead. The known-answer vectors in
//! `tests/data/shared_key_vectors.json` were produced by running that package offline; the
//! vectors where it differs are marked `adjusted` with the reason.
//!
//! | Detail | This crate (source) | azure-batch 15.1.0 |
//! |---|---|---|
//! | `ocp-date` | always overwritten with the current time on every try (issue: "sign a fresh `ocp-date` on every try"; documentation: the service must receive a request within 15 minutes of its creation) | set only when absent, so a retry re-sends the first try's date |
//! | Date slot | empty when `ocp-date` is present (documentation: "If you set ocp-date, construct the signature with an empty value for the Date header") | signs `Date` if set |
//! | Content-Length slot | the `Content-Length` value the request is sent with: the body length, `0` for a `POST`/`PUT`/`PATCH` without body (azure_core's transport adds `content-length: 0` to those), empty when the request has no `Content-Length` (documentation: the standard headers' values, and "When the verb is POST, the Content-Type and Content-Length values are required … as values in the signature string"; the documentation has no "empty when zero" rule, that rule belongs to Azure Storage) | same (`0` for any method but GET/HEAD without the header) |
//! | headers signed in CanonicalizedHeaders | names that *begin with* `ocp-`, case-insensitively (documentation, step 1-2) | names that *contain* `ocp-`, case-sensitively as written |
//! | header values | line breaks unfolded, surrounding white space trimmed (documentation, steps 4-5; applied to the standard headers too, because HTTP strips it on the wire, RFC 9110 §5.5) | as written |
//! | query names | lowercased, then sorted (documentation, steps 4-5) | as written, sorted case-sensitively |
//! | query values | URL-decoded; a repeated name's values sorted and comma-joined; empty values kept (documentation, steps 3, 6-8) | first value only; empty values dropped |
//! | query pair separator | `"\n" + name + ":" + value` for each pair, no trailing newline (documentation's worked example `/myaccount/jobs\napi-version:…\ntimeout:20`; its step 9 wording "append a new line character after each pair" contradicts the example) | same |
//! | path | the URL's path exactly as encoded (documentation: "encoded exactly as it is in the URI") | same |
//! | account name | exactly as given, no case change, in both the resource and the header (documentation: "the name of the account"; nothing says to change its case) | same |
//!
//! [doc]: https://learn.microsoft.com/rest/api/batchservice/authenticate-requests-to-the-azure-batch-service

use crate::{BatchClient, BatchClientOptions};
use async_trait::async_trait;
use azure_core::{
    credentials::Secret,
    error::ErrorKind,
    hmac::hmac_sha256,
    http::{
        headers::{HeaderName, Headers},
        policies::{Policy, PolicyResult},
        Context, Method, Request, Url,
    },
    time::{to_rfc7231, OffsetDateTime},
    Error, Result,
};
use std::{collections::BTreeMap, fmt, sync::Arc};

const OCP_DATE: HeaderName = HeaderName::from_static("ocp-date");
const CONTENT_LENGTH: HeaderName = HeaderName::from_static("content-length");
const AUTHORIZATION: HeaderName = HeaderName::from_static("authorization");

/// The standard headers whose values fill the positional slots of the string to sign, in order.
const STANDARD_HEADERS: [&str; 11] = [
    "content-encoding",
    "content-language",
    "content-length",
    "content-md5",
    "content-type",
    "date",
    "if-modified-since",
    "if-match",
    "if-none-match",
    "if-unmodified-since",
    "range",
];

/// A Batch account name and one of its access keys, for Shared Key authentication.
///
/// The key is kept in an [`azure_core::credentials::Secret`]; [`Debug`](fmt::Debug) shows the
/// account name and `<redacted>` in place of the key, and the key never appears in an error.
#[derive(Clone)]
pub struct BatchSharedKeyCredential {
    account: String,
    key: Secret,
}

impl BatchSharedKeyCredential {
    /// Creates a credential from the account name and a base64-encoded access key (as shown in
    /// the Azure portal under *Keys*; padding is optional).
    ///
    /// The account name is used exactly as given (no case change) in the signature and in the
    /// `Authorization` header.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Credential`] if the account name is empty or contains white space, `:` or
    /// control characters, or if the key is empty or not valid standard base64. The error
    /// message never contains the key.
    pub fn new(account: impl Into<String>, key: impl Into<String>) -> Result<Self> {
        let account = account.into();
        if account.is_empty()
            || account
                .chars()
                .any(|c| c == ':' || c.is_whitespace() || c.is_control())
        {
            return Err(Error::with_message(
                ErrorKind::Credential,
                format!("invalid Batch account name {account:?}: it must be non-empty without white space, ':' or control characters"),
            ));
        }
        let key = key.into();
        // Map the decoding error to a fixed message: base64 errors quote the offending byte.
        let decoded = azure_core::base64::decode(key.as_bytes()).map_err(|_| {
            Error::with_message(
                ErrorKind::Credential,
                format!("the access key of Batch account {account:?} is not valid base64"),
            )
        })?;
        if decoded.is_empty() {
            return Err(Error::with_message(
                ErrorKind::Credential,
                format!("the access key of Batch account {account:?} is empty"),
            ));
        }
        Ok(Self {
            account,
            key: Secret::new(key),
        })
    }

    /// The account name, as given to [`new`](Self::new).
    pub fn account(&self) -> &str {
        &self.account
    }

    /// `Base64(HMAC-SHA256(Base64Decode(key), UTF-8(string_to_sign)))`.
    fn signature(&self, string_to_sign: &str) -> Result<String> {
        hmac_sha256(string_to_sign, &self.key)
    }
}

impl fmt::Debug for BatchSharedKeyCredential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BatchSharedKeyCredential")
            .field("account", &self.account)
            .field("key", &format_args!("<redacted>"))
            .finish()
    }
}

/// A per-try pipeline policy that signs each attempt of a request with Shared Key.
///
/// On every try it overwrites `ocp-date` with the current time, so a value a caller set (for
/// example through a method's `ocp_date` option) is replaced: the documentation requires the
/// service to receive a request within 15 minutes of the time in `ocp-date`, and a retry must
/// not re-send an old one. It then sets `content-length` when the request has a body of known
/// length (or is a `POST`/`PUT`/`PATCH` without body), so the value signed is the value sent,
/// and sets `authorization`.
///
/// [`BatchClient::with_shared_key`] installs it; use it directly with
/// [`BatchClient::with_policies`] to combine it with other per-try policies.
#[derive(Clone, Debug)]
pub struct BatchSharedKeyPolicy {
    credential: Arc<BatchSharedKeyCredential>,
}

impl BatchSharedKeyPolicy {
    /// Creates the policy for `credential`.
    pub fn new(credential: BatchSharedKeyCredential) -> Self {
        Self {
            credential: Arc::new(credential),
        }
    }

    /// Signs `request` as created at `date`: sets `ocp-date` (RFC 7231, whole seconds, GMT),
    /// `content-length` where the request is sent with one, and `authorization`.
    ///
    /// [`Policy::send`] calls this with the current time on every try; it is public so a
    /// signature can be checked against known answers.
    ///
    /// # Errors
    ///
    /// If `date` is out of range or the HMAC cannot be computed.
    pub fn sign(&self, request: &mut Request, date: OffsetDateTime) -> Result<()> {
        // `to_rfc7231` formats the date's own offset as if it were GMT: convert to UTC first.
        let date = OffsetDateTime::from_unix_timestamp(date.unix_timestamp())
            .map_err(|e| Error::with_error(ErrorKind::Other, e, "ocp-date out of range"))?;
        request.insert_header(OCP_DATE, to_rfc7231(&date));
        if let Some(length) = content_length_to_send(request) {
            request.insert_header(CONTENT_LENGTH, length);
        }
        let string_to_sign = string_to_sign(
            request.method(),
            request.url(),
            request.headers(),
            &self.credential.account,
        );
        let signature = self.credential.signature(&string_to_sign)?;
        request.insert_header(
            AUTHORIZATION,
            format!("SharedKey {}:{}", self.credential.account, signature),
        );
        Ok(())
    }
}

#[cfg_attr(target_arch = "wasm32", async_trait(?Send))]
#[cfg_attr(not(target_arch = "wasm32"), async_trait)]
impl Policy for BatchSharedKeyPolicy {
    async fn send(
        &self,
        ctx: &Context,
        request: &mut Request,
        next: &[Arc<dyn Policy>],
    ) -> PolicyResult {
        self.sign(request, OffsetDateTime::now_utc())?;
        next[0].send(ctx, request, &next[1..]).await
    }
}

/// The `Content-Length` the transport will send when the request has none yet: the body's
/// length when known and non-zero, and `0` for an empty `POST`/`PUT`/`PATCH` body (what
/// azure_core's `TransportPolicy` adds). `None` when no header will be sent (an empty body on
/// another method, or a stream of unknown length, which goes out chunked).
fn content_length_to_send(request: &Request) -> Option<String> {
    if request
        .headers()
        .get_optional_str(&CONTENT_LENGTH)
        .is_some()
    {
        return None;
    }
    match request.body().len() {
        Some(0) if matches!(request.method(), Method::Post | Method::Put | Method::Patch) => {
            Some("0".to_string())
        }
        Some(0) | None => None,
        Some(n) => Some(n.to_string()),
    }
}

/// Builds the Shared Key string to sign for a request, as documented in
/// [Authenticate Requests to Azure Batch](https://learn.microsoft.com/rest/api/batchservice/authenticate-requests-to-the-azure-batch-service):
///
/// ```text
/// VERB \n Content-Encoding \n Content-Language \n Content-Length \n Content-MD5 \n
/// Content-Type \n Date \n If-Modified-Since \n If-Match \n If-None-Match \n
/// If-Unmodified-Since \n Range \n CanonicalizedHeaders CanonicalizedResource
/// ```
///
/// `headers` are taken as they will be sent: `Content-Length` is signed as present in
/// `headers` (empty when absent; [`BatchSharedKeyPolicy::sign`] adds it first). The `Date` slot
/// is empty when `ocp-date` is present. See the [module documentation](self) for every choice.
pub fn string_to_sign(method: Method, url: &Url, headers: &Headers, account: &str) -> String {
    let mut out = String::with_capacity(256);
    out.push_str(&method.as_ref().to_ascii_uppercase());
    out.push('\n');

    let mut ocp_headers: BTreeMap<String, String> = BTreeMap::new();
    let mut standard: [Option<String>; STANDARD_HEADERS.len()] = Default::default();
    for (name, value) in headers.iter() {
        // azure_core keeps header names lowercase already; lowercase anyway (documentation, step 2).
        let name = name.as_str().to_ascii_lowercase();
        if name.starts_with("ocp-") {
            ocp_headers.insert(name, canonical_header_value(value.as_str()));
        } else if let Some(i) = STANDARD_HEADERS.iter().position(|h| *h == name) {
            standard[i] = Some(canonical_header_value(value.as_str()));
        }
    }
    // "If you set ocp-date, construct the signature with an empty value for the Date header."
    if ocp_headers.contains_key("ocp-date") {
        standard[5] = None;
    }
    for value in &standard {
        out.push_str(value.as_deref().unwrap_or(""));
        out.push('\n');
    }

    // CanonicalizedHeaders: `name:value\n` for each ocp- header, sorted by lowercase name.
    for (name, value) in &ocp_headers {
        out.push_str(name);
        out.push(':');
        out.push_str(value);
        out.push('\n');
    }

    // CanonicalizedResource: `/account/encoded-path`, then `\nname:value[,value…]` per query
    // name, names lowercased and sorted, names and values URL-decoded (`+` is a space, as in the
    // form encoding azure_core's query builder writes), values of a repeated name sorted.
    out.push('/');
    out.push_str(account);
    out.push_str(url.path());
    let mut query: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (name, value) in url.query_pairs() {
        query
            .entry(name.to_lowercase())
            .or_default()
            .push(value.into_owned());
    }
    for (name, mut values) in query {
        values.sort();
        out.push('\n');
        out.push_str(&name);
        out.push(':');
        out.push_str(&values.join(","));
    }
    out
}

/// Unfolds line breaks (with the white space around them) into a single space and trims
/// surrounding white space (documentation, "Construct the canonicalized headers string",
/// steps 4-5).
fn canonical_header_value(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    let mut pending_space = false;
    let mut chars = value.trim().chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\r' || c == '\n' {
            // Drop white space already written before the break, and any that follows it.
            while out.ends_with([' ', '\t']) {
                out.pop();
            }
            while chars.peek().is_some_and(|c| c.is_whitespace()) {
                chars.next();
            }
            pending_space = true;
            continue;
        }
        if pending_space {
            out.push(' ');
            pending_space = false;
        }
        out.push(c);
    }
    out
}

impl BatchClient {
    /// Creates a client that authenticates with the account's Shared Key.
    ///
    /// Every try of every request is signed by a [`BatchSharedKeyPolicy`], with a fresh
    /// `ocp-date`, so retries are accepted however long the earlier tries took. Shared Key works
    /// over plain `http` too (there is no bearer token to protect), but the key signs requests
    /// that anyone on the path can read: use `https` outside of tests.
    ///
    /// # Arguments
    ///
    /// * `endpoint` - The service endpoint, e.g. `https://account.region.batch.azure.com`.
    /// * `credential` - The account name and access key.
    /// * `options` - Optional settings for the client.
    ///
    /// # Errors
    ///
    /// If `endpoint` is not an `http(s)` URL.
    pub fn with_shared_key(
        endpoint: &str,
        credential: BatchSharedKeyCredential,
        options: Option<BatchClientOptions>,
    ) -> Result<Self> {
        let policy: Arc<dyn Policy> = Arc::new(BatchSharedKeyPolicy::new(credential));
        Self::with_policies(endpoint, vec![policy], options)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";

    #[test]
    fn documentation_example_string_to_sign() {
        // "Construct the signature string": list jobs with a timeout of 20 seconds gives
        // GET\n\n\n\n\n\n\n\n\n\n\n\nocp-date:Tue, 29 Jul 2014 21:49:13 GMT\n/myaccount/jobs\napi-version:2014-04-01.1.0\ntimeout:20
        let url = Url::parse(
            "https://myaccount.region.batch.azure.com/jobs?api-version=2014-04-01.1.0&timeout=20",
        )
        .unwrap();
        let mut headers = Headers::new();
        headers.insert("ocp-date", "Tue, 29 Jul 2014 21:49:13 GMT");
        headers.insert("accept", "application/json");
        assert_eq!(
            string_to_sign(Method::Get, &url, &headers, "myaccount"),
            "GET\n\n\n\n\n\n\n\n\n\n\n\nocp-date:Tue, 29 Jul 2014 21:49:13 GMT\n/myaccount/jobs\napi-version:2014-04-01.1.0\ntimeout:20"
        );
    }

    #[test]
    fn header_values_are_unfolded_and_trimmed() {
        assert_eq!(canonical_header_value("  a b  "), "a b");
        assert_eq!(canonical_header_value("a \r\n\t b"), "a b");
        assert_eq!(canonical_header_value("a\nb"), "a b");
        assert_eq!(canonical_header_value(""), "");
    }

    #[test]
    fn credential_validation_and_redaction() {
        let credential = BatchSharedKeyCredential::new("acct", KEY).unwrap();
        let debug = format!("{credential:?}");
        assert!(
            debug.contains("acct") && debug.contains("<redacted>"),
            "{debug}"
        );
        assert!(!debug.contains(KEY), "{debug}");

        for bad_key in ["", "not base64!", "Q", "QQ=Q"] {
            let err = BatchSharedKeyCredential::new("acct", bad_key).unwrap_err();
            assert_eq!(*err.kind(), ErrorKind::Credential);
            if !bad_key.is_empty() {
                assert!(!err.to_string().contains(bad_key), "{err}");
            }
        }
        for bad_account in ["", "a b", "a:b"] {
            assert!(BatchSharedKeyCredential::new(bad_account, KEY).is_err());
        }
    }

    #[test]
    fn sign_sets_fresh_date_content_length_and_authorization() {
        let policy = BatchSharedKeyPolicy::new(BatchSharedKeyCredential::new("acct", KEY).unwrap());
        let url =
            Url::parse("https://acct.region.batch.azure.com/pools/p/nodes/n/reimage?api-version=1")
                .unwrap();
        let mut request = Request::new(url, Method::Post);
        request.insert_header("ocp-date", "Thu, 01 Jan 2015 00:00:00 GMT");
        let date = azure_core::time::parse_rfc7231("Mon, 02 Jun 2025 10:15:30 GMT").unwrap();
        policy.sign(&mut request, date).unwrap();
        let headers = request.headers();
        assert_eq!(
            headers.get_optional_str(&OCP_DATE),
            Some("Mon, 02 Jun 2025 10:15:30 GMT")
        );
        assert_eq!(headers.get_optional_str(&CONTENT_LENGTH), Some("0"));
        let expected = credential_signature(
            "POST\n\n\n0\n\n\n\n\n\n\n\n\nocp-date:Mon, 02 Jun 2025 10:15:30 GMT\n/acct/pools/p/nodes/n/reimage\napi-version:1",
        );
        assert_eq!(
            headers.get_optional_str(&AUTHORIZATION),
            Some(format!("SharedKey acct:{expected}").as_str())
        );
    }

    fn credential_signature(s: &str) -> String {
        BatchSharedKeyCredential::new("acct", KEY)
            .unwrap()
            .signature(s)
            .unwrap()
    }
}
