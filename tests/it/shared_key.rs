//! Shared Key authentication (`BatchClient::with_shared_key`).
//!
//! * Known answers: `tests/data/shared_key_vectors.json` holds signatures computed offline by the
//!   Python `azure-batch` package's own `BatchSharedKeyAuthPolicy` (adjusted, with the reason
//!   recorded, where that package departs from the documentation); our string to sign and our
//!   signature must match them.
//! * Over a real socket: a loopback server re-derives the signature from what it received, with
//!   the small implementation below (written from the documentation, sharing no code with the
//!   crate's), and answers 403 `AuthenticationFailed` like the service when it does not match.
//! * Retries: each try carries a fresh `ocp-date` and a fresh signature.

use std::{
    collections::BTreeMap,
    path::PathBuf,
    sync::{
        atomic::{AtomicUsize, Ordering},
        Arc,
    },
    time::{Duration as StdDuration, Instant},
};

use azure_compute_batch::{
    models::{BatchClientGetTaskOptions, BatchTaskAddStatus, BatchTaskGroup, BatchTaskState},
    shared_key::string_to_sign,
    BatchClient, BatchClientOptions, BatchSharedKeyCredential, BatchSharedKeyPolicy,
};
use azure_core::{
    credentials::Secret,
    error::ErrorKind,
    http::{
        headers::{HeaderName, Headers},
        ClientOptions, FixedRetryOptions, Method, Request, RetryOptions, StatusCode, Url,
    },
    time::{parse_rfc3339, parse_rfc7231, Duration, OffsetDateTime},
};
use batch_tests::server::{CannedResponse, RecordedRequest, TestServer};
use serde_json::{json, Value};

const ACCOUNT: &str = "MyBatchAccount";
/// A made-up key (base64 of 64 bytes); it grants nothing.
const KEY: &str =
    "c2hhcmVkLWtleS10ZXN0LWtleS0wMTIzNDU2Nzg5YWJjZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXo/ISMkJV4mKg==";
const OTHER_KEY: &str =
    "b3RoZXIta2V5LW5vdC10aGUtYWNjb3VudHMta2V5LTAxMjM0NTY3ODlhYmNkZWZnaGlqa2xtbm9wcXJzdHV2";

// ---------------------------------------------------------------------------
// Known-answer vectors
// ---------------------------------------------------------------------------

fn vectors() -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("data/shared_key_vectors.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn str_field<'a>(v: &'a Value, name: &str) -> &'a str {
    v[name]
        .as_str()
        .unwrap_or_else(|| panic!("vector field `{name}` is not a string: {v:#}"))
}

/// The vector's headers as the caller sets them (azure_core lowercases the names).
fn vector_headers(v: &Value) -> Vec<(String, String)> {
    v["headers"]
        .as_object()
        .expect("headers object")
        .iter()
        .map(|(n, v)| (n.clone(), v.as_str().expect("header value").to_owned()))
        .collect()
}

#[test]
fn vectors_are_well_formed() {
    let data = vectors();
    assert!(
        str_field(&data, "source").starts_with("azure-batch 15."),
        "source: {}",
        data["source"]
    );
    let vectors = data["vectors"].as_array().expect("vectors array");
    assert!(vectors.len() >= 8, "only {} vectors", vectors.len());
    let mut adjusted = 0;
    for v in vectors {
        // Each expected signature is the HMAC of its expected string with the vector key,
        // checked here with azure_core's HMAC directly (the vectors' own consistency).
        let sig = azure_core::hmac::hmac_sha256(
            str_field(v, "expected_string_to_sign"),
            &Secret::new(str_field(&data, "key").to_owned()),
        )
        .unwrap();
        assert_eq!(sig, str_field(v, "expected_signature"), "{}", v["name"]);
        if let Some(adj) = v.get("adjusted") {
            adjusted += 1;
            assert!(!str_field(adj, "reason").is_empty());
            assert_ne!(
                str_field(adj, "sdk_string_to_sign"),
                str_field(v, "expected_string_to_sign")
            );
        }
    }
    assert!(
        adjusted < vectors.len(),
        "some vectors must be the SDK's own answers"
    );
}

#[test]
fn known_answer_string_to_sign() {
    let data = vectors();
    for v in data["vectors"].as_array().unwrap() {
        let name = str_field(v, "name");
        let url = Url::parse(str_field(v, "url")).unwrap();
        let method: Method = str_field(v, "method").parse().unwrap();
        let mut headers = Headers::new();
        for (n, value) in vector_headers(v) {
            headers.insert(HeaderName::from(n), value);
        }
        if let Some(cl) = v["content_length"].as_str() {
            headers.insert("content-length", cl.to_owned());
        }
        assert_eq!(
            string_to_sign(method, &url, &headers, str_field(v, "account")),
            str_field(v, "expected_string_to_sign"),
            "vector {name}"
        );
    }
}

#[test]
fn known_answer_signature() {
    let data = vectors();
    let key = str_field(&data, "key");
    for v in data["vectors"].as_array().unwrap() {
        let name = str_field(v, "name");
        let account = str_field(v, "account");
        let policy =
            BatchSharedKeyPolicy::new(BatchSharedKeyCredential::new(account, key).unwrap());

        // The request as the generated client builds it: headers without content-length,
        // body_length bytes of body. The policy adds content-length itself.
        let mut request = Request::new(
            Url::parse(str_field(v, "url")).unwrap(),
            str_field(v, "method").parse().unwrap(),
        );
        let mut date = None;
        for (n, value) in vector_headers(v) {
            if n.eq_ignore_ascii_case("ocp-date") {
                date = Some(parse_rfc7231(&value).unwrap());
            }
            request.insert_header(HeaderName::from(n), value);
        }
        let body_length = v["body_length"].as_u64().unwrap() as usize;
        if body_length > 0 {
            request.set_body(vec![b'x'; body_length]);
        }
        let date = date.expect("every vector fixes ocp-date");
        policy.sign(&mut request, date).unwrap();

        let headers = request.headers();
        assert_eq!(
            headers.get_optional_str(&HeaderName::from_static("content-length")),
            v["content_length"].as_str(),
            "vector {name}: content-length"
        );
        assert_eq!(
            headers.get_optional_str(&HeaderName::from_static("authorization")),
            Some(format!("SharedKey {account}:{}", str_field(v, "expected_signature")).as_str()),
            "vector {name}: authorization"
        );
    }
}

#[test]
fn credential_debug_redacts_the_key() {
    let credential = BatchSharedKeyCredential::new(ACCOUNT, KEY).unwrap();
    for text in [
        format!("{credential:?}"),
        format!("{credential:#?}"),
        format!("{:?}", BatchSharedKeyPolicy::new(credential.clone())),
    ] {
        assert!(!text.contains(KEY), "{text}");
        assert!(!text.contains(&KEY[..16]), "{text}");
        assert!(text.contains("<redacted>"), "{text}");
    }
    assert!(format!("{credential:?}").contains(ACCOUNT));

    let err = BatchSharedKeyCredential::new(ACCOUNT, "not*base64").unwrap_err();
    assert_eq!(*err.kind(), ErrorKind::Credential);
    assert!(!format!("{err} {err:?}").contains("not*base64"));
}

// ---------------------------------------------------------------------------
// An independent verifier, as the service would check a request
// ---------------------------------------------------------------------------

/// Recomputes the Shared Key signature of `req` from what went over the wire and returns why it
/// is not acceptable, if it is not. Written from the documentation only.
fn verify(req: &RecordedRequest, account: &str, key: &str) -> Result<(), String> {
    let header = |n: &str| -> String {
        let values = req.header_values(n);
        assert!(values.len() <= 1, "header {n} sent {} times", values.len());
        values
            .first()
            .map(|v| v.trim().to_owned())
            .unwrap_or_default()
    };
    if let Some(cl) = req.header("content-length") {
        assert_eq!(
            cl.parse::<usize>().ok(),
            Some(req.body.len()),
            "content-length vs body"
        );
    }
    let ocp_date = req.header("ocp-date").ok_or("no ocp-date")?;
    let created = parse_rfc7231(ocp_date).map_err(|e| format!("ocp-date {ocp_date:?}: {e}"))?;
    let age = OffsetDateTime::now_utc() - created;
    if age > Duration::minutes(15) || age < -Duration::minutes(15) {
        return Err(format!(
            "ocp-date {ocp_date:?} is not within 15 minutes of now"
        ));
    }

    let mut s = format!("{}\n", req.method);
    for name in [
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
    ] {
        // ocp-date is set, so the Date line is empty.
        if name != "date" {
            s += &header(name);
        }
        s += "\n";
    }
    let ocp: BTreeMap<String, String> = req
        .headers
        .iter()
        .filter(|(n, _)| n.starts_with("ocp-"))
        .map(|(n, v)| (n.to_lowercase(), v.trim().to_owned()))
        .collect();
    for (n, v) in &ocp {
        s += &format!("{n}:{v}\n");
    }
    // The recorded path is decoded; the tests below use paths with nothing to encode.
    s += &format!("/{account}{}", req.path);
    let mut query: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (n, v) in &req.query {
        query.entry(n.to_lowercase()).or_default().push(v.clone());
    }
    for (n, mut vs) in query {
        vs.sort();
        s += &format!("\n{n}:{}", vs.join(","));
    }

    let expected = format!(
        "SharedKey {account}:{}",
        azure_core::hmac::hmac_sha256(&s, &Secret::new(key.to_owned())).unwrap()
    );
    match req.header("authorization") {
        Some(got) if got == expected => Ok(()),
        Some(got) => Err(format!(
            "The MAC signature found in the HTTP request '{}' is not the same as any computed signature. Server used following string to sign: '{s}'.",
            got.rsplit(':').next().unwrap_or_default()
        )),
        None => Err("no authorization header".to_owned()),
    }
}

/// The service's answer to a request it cannot authenticate.
fn authentication_failed(detail: &str) -> CannedResponse {
    CannedResponse::json(
        403,
        &json!({
            "odata.metadata": "https://account.region.batch.azure.com/$metadata#Microsoft.Azure.Batch.Protocol.Entities.Container.errors/@Element",
            "code": "AuthenticationFailed",
            "message": {
                "lang": "en-US",
                "value": "Server failed to authenticate the request. Make sure the value of Authorization header is formed correctly including the signature."
            },
            "values": [ { "key": "AuthenticationErrorDetail", "value": detail } ]
        }),
    )
}

/// Answers get_task, create_task_collection and reimage_node like the service, after
/// checking each request's signature with [`verify`].
fn batch_handler(req: &RecordedRequest) -> CannedResponse {
    if let Err(detail) = verify(req, ACCOUNT, KEY) {
        return authentication_failed(&detail);
    }
    match (req.method.as_str(), req.path.as_str()) {
        ("GET", "/jobs/job-1/tasks/task-1") => CannedResponse::json(
            200,
            &json!({ "id": "task-1", "state": "active", "commandLine": "cmd /c echo hi" }),
        ),
        ("POST", "/jobs/job-1/addtaskcollection") => {
            let body = req.json();
            let results: Vec<Value> = body["value"]
                .as_array()
                .expect("task list")
                .iter()
                .map(|t| json!({ "status": "success", "taskId": t["id"] }))
                .collect();
            CannedResponse::json(200, &json!({ "value": results }))
        }
        ("POST", "/pools/pool-1/nodes/tvm-1/reimage") => CannedResponse::new(202),
        _ => CannedResponse::new(404),
    }
}

fn client(server: &TestServer, key: &str, retry: Option<RetryOptions>) -> BatchClient {
    let mut client_options = ClientOptions {
        transport: Some(server.transport()),
        ..Default::default()
    };
    if let Some(retry) = retry {
        client_options.retry = retry;
    }
    BatchClient::with_shared_key(
        &server.url(),
        BatchSharedKeyCredential::new(ACCOUNT, key).unwrap(),
        Some(BatchClientOptions {
            client_options,
            ..Default::default()
        }),
    )
    .expect("creating the client")
}

fn task_group() -> BatchTaskGroup {
    serde_json::from_value(json!({
        "value": [
            { "id": "task-1", "commandLine": "cmd /c echo hello" },
            { "id": "task-2", "commandLine": "/bin/sh -c 'echo hi'" }
        ]
    }))
    .unwrap()
}

// ---------------------------------------------------------------------------
// Over the socket
// ---------------------------------------------------------------------------

#[tokio::test]
async fn signed_requests_are_accepted_over_http() -> azure_core::Result<()> {
    let server = TestServer::start_http(Arc::new(batch_handler)).await;
    let client = client(&server, KEY, None);

    let options = BatchClientGetTaskOptions {
        timeout: Some(30),
        select: Some(vec!["id".into(), "state".into()]),
        if_none_match: Some("\"0x8D4B4C0F2F0E1A3\"".into()),
        ..Default::default()
    };
    let task = client
        .get_task("job-1", "task-1", Some(options))
        .await?
        .into_model()?;
    assert_eq!(task.id.as_deref(), Some("task-1"));
    assert_eq!(task.state, Some(BatchTaskState::Active));

    let result = client
        .create_task_collection("job-1", task_group().try_into()?, None)
        .await?
        .into_model()?;
    let results = result.values.expect("results");
    assert_eq!(results.len(), 2);
    assert!(results
        .iter()
        .all(|r| r.status == Some(BatchTaskAddStatus::Success)));

    // A POST without body goes out with content-length: 0, signed as "0".
    client.reimage_node("pool-1", "tvm-1", None).await?;

    let requests = server.requests();
    assert_eq!(requests.len(), 3);
    let get = &requests[0];
    assert_eq!(get.query_value("timeOut"), Some("30"));
    assert_eq!(get.query_value("$select"), Some("id,state"));
    assert_eq!(get.header("content-length"), None);
    let post = &requests[1];
    assert_eq!(
        post.header("content-length"),
        Some(post.body.len().to_string().as_str())
    );
    let reimage = &requests[2];
    assert_eq!(reimage.header_values("content-length"), ["0"]);
    for req in &requests {
        verify(req, ACCOUNT, KEY).unwrap();
        let auth = req.header("authorization").unwrap();
        assert!(auth.starts_with(&format!("SharedKey {ACCOUNT}:")), "{auth}");
        assert!(!auth.contains(KEY));
    }
    Ok(())
}

#[tokio::test]
async fn a_wrong_key_is_rejected_by_the_verifier() {
    let server = TestServer::start_http(Arc::new(batch_handler)).await;
    let client = client(&server, OTHER_KEY, Some(RetryOptions::none()));
    let err = client
        .get_task("job-1", "task-1", None)
        .await
        .expect_err("a request signed with another key must fail");
    match err.kind() {
        ErrorKind::HttpResponse {
            status, error_code, ..
        } => {
            assert_eq!(*status, StatusCode::Forbidden);
            assert_eq!(error_code.as_deref(), Some("AuthenticationFailed"));
        }
        other => panic!("unexpected error kind {other:?}: {err}"),
    }
    assert!(!format!("{err} {err:?}").contains(OTHER_KEY));
}

#[tokio::test]
async fn every_try_is_signed_with_a_fresh_ocp_date() {
    let started = Instant::now();
    let tries = Arc::new(AtomicUsize::new(0));
    let handler_tries = tries.clone();
    let server = TestServer::start_http(Arc::new(move |req: &RecordedRequest| {
        if handler_tries.fetch_add(1, Ordering::SeqCst) == 0 {
            // The service is busy: the client must wait a second and try again.
            return CannedResponse::new(503).header("retry-after", "1");
        }
        batch_handler(req)
    }))
    .await;
    let client = client(
        &server,
        KEY,
        Some(RetryOptions::fixed(FixedRetryOptions {
            delay: Duration::milliseconds(50),
            max_retries: 2,
            max_total_elapsed: Duration::seconds(20),
        })),
    );

    // A caller-set ocp-date from 2017 would be rejected; the policy replaces it on every try.
    let options = BatchClientGetTaskOptions {
        ocp_date: Some(parse_rfc3339("2017-02-17T00:00:00Z").unwrap()),
        ..Default::default()
    };
    let task = tokio::time::timeout(
        StdDuration::from_secs(30),
        client.get_task("job-1", "task-1", Some(options)),
    )
    .await
    .expect("the retried call must finish within 30 s")
    .expect("the retry must succeed")
    .into_model()
    .unwrap();
    assert_eq!(task.id.as_deref(), Some("task-1"));

    let requests = server.requests();
    assert_eq!(requests.len(), 2, "one 503, then one success");
    let dates: Vec<OffsetDateTime> = requests
        .iter()
        .map(|r| {
            verify(r, ACCOUNT, KEY).unwrap_or_else(|e| panic!("try not correctly signed: {e}"));
            parse_rfc7231(r.header("ocp-date").unwrap()).unwrap()
        })
        .collect();
    assert!(
        dates[1] > dates[0],
        "the retry must carry a later ocp-date: {dates:?}"
    );
    assert!(dates[1] - dates[0] >= Duration::seconds(1), "{dates:?}");
    assert_ne!(
        requests[0].header("authorization"),
        requests[1].header("authorization"),
        "a fresh date means a fresh signature"
    );
    assert!(started.elapsed() < StdDuration::from_secs(30));
}
