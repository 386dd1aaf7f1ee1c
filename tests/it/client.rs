//! Behaviour of the generated `BatchClient` over a real socket on 127.0.0.1:
//! streamed downloads in bounded memory, HEAD file properties, `*_exists`
//! operations, conditional requests, non-Batch error bodies, paging with
//! resumption, and retries.
//!
//! Every test talks to the loopback HTTPS test server through azure_core's
//! full pipeline (bearer-token policy included) and checks both sides: what
//! went over the wire and what the client made of the answer. Every test is
//! bounded by a timeout.

use std::{
    future::Future,
    io::Read as _,
    process::{Command, Stdio},
    sync::{
        atomic::{AtomicUsize, Ordering},
        Arc, OnceLock,
    },
    time::{Duration as StdDuration, Instant},
};

use azure_compute_batch::{
    models::{
        BatchClientDeletePoolOptions, BatchClientGetNodeFilePropertiesResultHeaders,
        BatchClientGetPoolOptions, BatchClientGetTaskFileOptions,
        BatchClientGetTaskFilePropertiesResultHeaders, BatchClientGetTaskFileResultHeaders,
        BatchClientGetTaskOptions, BatchClientListTasksOptions, BatchClientUpdatePoolOptions,
        BatchPoolHeaders, BatchPoolUpdateOptions, BatchTaskListResultHeaders,
    },
    BatchClient, BatchClientOptions, BatchErrorExt as _,
};
use azure_core::{
    credentials::{AccessToken, Secret, TokenCredential, TokenRequestOptions},
    error::ErrorKind,
    http::{
        pager::{PagerContinuation, PagerOptions},
        ClientOptions, RetryOptions, StatusCode, Url,
    },
    time::{parse_rfc3339, Duration, OffsetDateTime},
};
use batch_tests::server::{CannedResponse, RecordedRequest, StreamedBody, TestServer};
use futures::{StreamExt as _, TryStreamExt as _};
use serde_json::{json, Value};

const API_VERSION: &str = "2025-06-01";
const TOKEN: &str = "client-test-token";
/// Upper bound for every test that does not move a large body.
const TEST_TIMEOUT: StdDuration = StdDuration::from_secs(30);

// ---------------------------------------------------------------------------
// Client, server and assertion helpers
// ---------------------------------------------------------------------------

/// Hands out a fixed token valid for an hour.
#[derive(Debug)]
struct TestCredential;

#[async_trait::async_trait]
impl TokenCredential for TestCredential {
    async fn get_token(
        &self,
        _scopes: &[&str],
        _options: Option<TokenRequestOptions<'_>>,
    ) -> azure_core::Result<AccessToken> {
        Ok(AccessToken::new(
            Secret::new(TOKEN),
            OffsetDateTime::now_utc() + Duration::hours(1),
        ))
    }
}

/// A client for `server` with azure_core's default (exponential) retry policy.
fn client_for(server: &TestServer) -> BatchClient {
    client_with_retry(server, None)
}

/// A client for `server` that never retries.
fn client_without_retries(server: &TestServer) -> BatchClient {
    client_with_retry(server, Some(RetryOptions::none()))
}

fn client_with_retry(server: &TestServer, retry: Option<RetryOptions>) -> BatchClient {
    let mut client_options = ClientOptions {
        transport: Some(server.transport()),
        ..Default::default()
    };
    if let Some(retry) = retry {
        client_options.retry = retry;
    }
    BatchClient::new(
        &server.url(),
        Arc::new(TestCredential),
        Some(BatchClientOptions {
            client_options,
            ..Default::default()
        }),
    )
    .expect("creating the client")
}

/// Runs `fut`, failing the test if it takes longer than `limit`.
async fn bounded<T>(limit: StdDuration, fut: impl Future<Output = T>) -> T {
    tokio::time::timeout(limit, fut)
        .await
        .unwrap_or_else(|_| panic!("test did not finish within {limit:?}"))
}

fn rfc3339(s: &str) -> OffsetDateTime {
    parse_rfc3339(s).unwrap_or_else(|e| panic!("{s}: {e}"))
}

/// Method, path, exactly one `api-version` and exactly one bearer token.
fn assert_request_line(req: &RecordedRequest, method: &str, path: &str) {
    assert_eq!(req.method, method, "{req:#?}");
    assert_eq!(req.path, path, "{req:#?}");
    assert_eq!(req.query_values("api-version"), [API_VERSION], "{req:#?}");
    assert_eq!(
        req.header_values("authorization"),
        [format!("Bearer {TOKEN}").as_str()],
        "{req:#?}"
    );
}

/// The query pairs sorted, for comparisons that do not depend on order.
fn sorted_query(pairs: impl IntoIterator<Item = (String, String)>) -> Vec<(String, String)> {
    let mut pairs: Vec<_> = pairs.into_iter().collect();
    pairs.sort();
    pairs
}

/// Status, Batch error code and the error itself, or a panic for any other kind.
fn http_error(err: &azure_core::Error) -> (StatusCode, Option<String>) {
    match err.kind() {
        ErrorKind::HttpResponse {
            status, error_code, ..
        } => (*status, error_code.clone()),
        other => panic!("expected an HttpResponse error, got {other:?}: {err}"),
    }
}

fn batch_error_body(code: &str, message: &str) -> Value {
    json!({
        "odata.metadata": "https://account.region.batch.azure.com/$metadata#Microsoft.Azure.Batch.Protocol.Entities.Container.errors/@Element",
        "code": code,
        "message": { "lang": "en-US", "value": message }
    })
}

// ---------------------------------------------------------------------------
// 1. Streamed file download in bounded memory
// ---------------------------------------------------------------------------

/// Size of the large download. In a debug build on the 2-core test machine
/// 1 GiB streams in about 14 s alone and about 18 s next to the whole suite
/// (the parent test prints the child's figures with `--nocapture`).
const DOWNLOAD_LEN: u64 = 1 << 30;
/// Server-side chunk size of the generated body.
const DOWNLOAD_CHUNK: usize = 64 * 1024;
/// Allowed growth of the resident set while downloading. A buffered download
/// (e.g. `into_body().collect()` or a client that reads the whole body before
/// returning, as `Pipeline::send` does) would grow by ~1 GiB (the body) or
/// more (plus reallocation copies), so 64 MiB separates the two clearly while
/// leaving room for socket, TLS and allocator buffers.
const MAX_GROWTH_KIB: u64 = 64 * 1024;
const CHILD_ENV: &str = "BATCH_TESTS_CLIENT_DOWNLOAD_CHILD";
const CHILD_TEST: &str = "client::streamed_download_child";

const FILE_URL: &str = "https://account.region.batch.azure.com/jobs/job-1/tasks/task-1/files/wd/big.bin";
const FILE_CREATED: &str = "Tue, 06 Sep 2016 07:02:44 GMT";
const FILE_MODIFIED: &str = "Wed, 07 Sep 2016 08:03:45 GMT";

/// `VmHWM` (peak resident set) and `VmRSS` (current resident set) in KiB.
fn memory_kib() -> (u64, u64) {
    let status = std::fs::read_to_string("/proc/self/status").expect("reading /proc/self/status");
    let field = |name: &str| -> u64 {
        status
            .lines()
            .find_map(|line| line.strip_prefix(name))
            .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap_or_else(|| panic!("{name} missing from /proc/self/status:\n{status}"))
    };
    (field("VmHWM:"), field("VmRSS:"))
}

/// Checks streamed chunks against `StreamedBody::byte_at` without holding the
/// body: each chunk is compared (memcmp) with a slice of a precomputed
/// repetition of the 251-byte period, and a running SHA-256 over the received
/// bytes is compared with the SHA-256 of the expected bytes at the end.
///
/// SHA-256 comes from rustls' aws-lc-rs provider (assembly), so hashing 1 GiB
/// costs well under a second even in a debug build, where a checksum loop
/// written in Rust here would cost several seconds on each side.
struct BodyVerifier {
    /// `pattern[k] == byte_at(k)`; long enough for any offset in the period
    /// plus `PATTERN_WINDOW` bytes.
    pattern: Vec<u8>,
    received: u64,
    checksum: Box<dyn rustls::crypto::hash::Context>,
}

const PATTERN_WINDOW: usize = 1 << 20;

fn sha256() -> &'static dyn rustls::crypto::hash::Hash {
    rustls::crypto::aws_lc_rs::cipher_suite::TLS13_AES_128_GCM_SHA256
        .tls13()
        .expect("a TLS 1.3 suite")
        .common
        .hash_provider
}

impl BodyVerifier {
    fn new() -> Self {
        let pattern = (0..(251 + PATTERN_WINDOW) as u64)
            .map(StreamedBody::byte_at)
            .collect();
        BodyVerifier {
            pattern,
            received: 0,
            checksum: sha256().start(),
        }
    }

    /// The expected bytes from `at`, at most `PATTERN_WINDOW` of them.
    fn expected(&self, at: u64, len: usize) -> &[u8] {
        let start = (at % 251) as usize;
        &self.pattern[start..start + len.min(PATTERN_WINDOW)]
    }

    fn feed(&mut self, mut chunk: &[u8]) {
        self.checksum.update(chunk);
        while !chunk.is_empty() {
            let expected = self.expected(self.received, chunk.len());
            let n = expected.len();
            if chunk[..n] != *expected {
                let at = chunk[..n]
                    .iter()
                    .zip(expected)
                    .position(|(a, b)| a != b)
                    .unwrap();
                panic!(
                    "byte {} is {} but should be {}",
                    self.received + at as u64,
                    chunk[at],
                    expected[at]
                );
            }
            self.received += n as u64;
            chunk = &chunk[n..];
        }
    }

    /// SHA-256 of the bytes received so far.
    fn checksum(self) -> Vec<u8> {
        self.checksum.finish().as_ref().to_vec()
    }

    /// SHA-256 of the first `len` bytes of every streamed body.
    fn expected_checksum(&self, len: u64) -> Vec<u8> {
        let mut hash = sha256().start();
        let mut at = 0u64;
        while at < len {
            let piece = self.expected(at, usize::try_from(len - at).unwrap_or(usize::MAX));
            hash.update(piece);
            at += piece.len() as u64;
        }
        hash.finish().as_ref().to_vec()
    }
}

/// The large download runs in a child process (this same test binary, only
/// the ignored `streamed_download_child` test) so that `/proc/self/status`
/// measures the download alone, not the other tests running in parallel in
/// this process. The child asserts; this test checks that it passed and shows
/// its figures.
#[test]
fn streamed_task_file_download_stays_in_bounded_memory() {
    let exe = std::env::current_exe().expect("path of the test binary");
    let mut child = Command::new(exe)
        .args([CHILD_TEST, "--exact", "--ignored", "--nocapture", "--test-threads=1"])
        .env(CHILD_ENV, "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("starting the child test process");
    let mut stdout = child.stdout.take().unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let out_reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stdout.read_to_string(&mut s);
        s
    });
    let err_reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stderr.read_to_string(&mut s);
        s
    });

    let limit = StdDuration::from_secs(180);
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("waiting for the child") {
            break Some(status);
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(StdDuration::from_millis(50));
    };
    let out = out_reader.join().unwrap();
    let err = err_reader.join().unwrap();
    let status = status
        .unwrap_or_else(|| panic!("the download did not finish within {limit:?}:\n{out}\n{err}"));
    assert!(
        status.success(),
        "the download child failed ({status}):\n{out}\n{err}"
    );
    assert!(
        out.contains("test client::streamed_download_child ...")
            && out.contains("test result: ok. 1 passed"),
        "the child did not run the download test:\n{out}\n{err}"
    );
    let figures = out
        .lines()
        .find_map(|l| l.find("download figures:").map(|at| &l[at..]))
        .unwrap_or_else(|| panic!("no figures in the child's output:\n{out}"));
    eprintln!("{figures}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "run in a child process by streamed_task_file_download_stays_in_bounded_memory"]
async fn streamed_download_child() -> azure_core::Result<()> {
    bounded(StdDuration::from_secs(170), streamed_download()).await
}

async fn streamed_download() -> azure_core::Result<()> {
    let server = TestServer::start_https(Arc::new(|_| {
        CannedResponse::streamed(200, DOWNLOAD_LEN, DOWNLOAD_CHUNK)
            .header("content-type", "application/octet-stream")
            .header("ocp-batch-file-isdirectory", "false")
            .header("ocp-batch-file-url", FILE_URL)
            .header("ocp-batch-file-mode", "0644")
            .header("ocp-creation-time", FILE_CREATED)
            .header("etag", "0x8D4131F1E4F0B7F")
            .header("last-modified", FILE_MODIFIED)
            .header("request-id", "11111111-2222-3333-4444-555555555555")
            .header("client-request-id", "6f1c3b0e-5a7d-4c1e-9a55-0d6b8f0a1c2e")
    }))
    .await;
    let client = client_for(&server);
    let verifier = BodyVerifier::new();
    let expected_checksum = verifier.expected_checksum(DOWNLOAD_LEN);

    let (hwm_before, rss_before) = memory_kib();
    let started = Instant::now();
    let rsp = client
        .get_task_file("job-1", "task-1", "wd/big.bin", None)
        .await?;
    let headers_after = started.elapsed();

    // Typed headers, available before the body is read.
    assert_eq!(rsp.status(), StatusCode::Ok);
    assert_eq!(rsp.content_length()?, Some(DOWNLOAD_LEN as i64));
    assert_eq!(rsp.ocp_batch_file_isdirectory()?, Some(false));
    assert_eq!(rsp.ocp_batch_file_url()?.as_deref(), Some(FILE_URL));
    assert_eq!(rsp.ocp_batch_file_mode()?.as_deref(), Some("0644"));
    assert_eq!(
        rsp.ocp_creation_time()?,
        Some(rfc3339("2016-09-06T07:02:44Z"))
    );
    assert_eq!(rsp.etag()?.as_deref(), Some("0x8D4131F1E4F0B7F"));
    assert_eq!(rsp.last_modified()?, Some(rfc3339("2016-09-07T08:03:45Z")));
    assert_eq!(
        rsp.request_id()?.as_deref(),
        Some("11111111-2222-3333-4444-555555555555")
    );
    assert_eq!(
        rsp.client_request_id()?.as_deref(),
        Some("6f1c3b0e-5a7d-4c1e-9a55-0d6b8f0a1c2e")
    );

    // Read the body chunk by chunk, sampling the resident set as we go.
    let mut verifier = verifier;
    let mut body = rsp.into_body();
    let mut chunks = 0u64;
    let mut max_rss = rss_before;
    let mut next_sample = 0u64;
    while let Some(chunk) = body.next().await {
        let chunk = chunk?;
        chunks += 1;
        verifier.feed(&chunk);
        if verifier.received >= next_sample {
            max_rss = max_rss.max(memory_kib().1);
            next_sample += 16 << 20;
        }
    }
    let elapsed = started.elapsed();
    let (hwm_after, rss_after) = memory_kib();
    max_rss = max_rss.max(rss_after);

    assert_eq!(verifier.received, DOWNLOAD_LEN, "bytes received");
    // The call returned at the headers, long before the body was through: a
    // client that read the body before returning would take about as long to
    // return as the whole download.
    assert!(
        headers_after * 4 < elapsed,
        "get_task_file returned after {headers_after:?} of {elapsed:?}"
    );
    assert_eq!(verifier.checksum(), expected_checksum, "SHA-256 of the body");
    assert!(chunks > 1, "the body arrived in {chunks} chunk(s)");

    let hwm_growth = hwm_after.saturating_sub(rss_before);
    let rss_growth = max_rss.saturating_sub(rss_before);
    let mib_per_s = DOWNLOAD_LEN as f64 / (1 << 20) as f64 / elapsed.as_secs_f64();
    println!(
        "download figures: {} MiB in {:.2} s ({mib_per_s:.0} MiB/s, headers after {:.0} ms, {chunks} chunks); \
         VmRSS before {rss_before} KiB, max sampled {max_rss} KiB, after {rss_after} KiB; \
         VmHWM before {hwm_before} KiB, after {hwm_after} KiB; growth: peak {hwm_growth} KiB, sampled {rss_growth} KiB",
        DOWNLOAD_LEN >> 20,
        elapsed.as_secs_f64(),
        headers_after.as_secs_f64() * 1000.0,
    );
    // VmHWM after the download is the highest resident set the process ever
    // had, so its distance to the resident set before the request bounds the
    // growth caused by the download from above.
    assert!(
        hwm_growth < MAX_GROWTH_KIB,
        "peak resident set grew by {hwm_growth} KiB while streaming {} MiB (limit {MAX_GROWTH_KIB} KiB)",
        DOWNLOAD_LEN >> 20
    );
    assert!(rss_growth < MAX_GROWTH_KIB, "resident set grew by {rss_growth} KiB");

    // The request.
    let req = server.only_request();
    assert_request_line(&req, "GET", "/jobs/job-1/tasks/task-1/files/wd/big.bin");
    assert_eq!(req.raw_query.as_deref(), Some("api-version=2025-06-01"));
    assert_eq!(req.header("accept"), Some("application/octet-stream"));
    assert_eq!(req.header("ocp-range"), None);
    assert!(req.body.is_empty());
    Ok(())
}

#[tokio::test]
async fn ranged_task_file_download_sends_ocp_range() -> azure_core::Result<()> {
    bounded(TEST_TIMEOUT, async {
        let server = TestServer::start_https(Arc::new(|_| {
            CannedResponse::streamed(200, 1024, 100)
                .header("ocp-batch-file-isdirectory", "false")
                .header("ocp-batch-file-mode", "0755")
        }))
        .await;
        let client = client_for(&server);

        let options = BatchClientGetTaskFileOptions {
            ocp_range: Some("bytes=0-1023".to_string()),
            if_modified_since: Some(rfc3339("2016-09-06T09:02:44+02:00")),
            ..Default::default()
        };
        let rsp = client
            .get_task_file("job-1", "task-1", "stdout.txt", Some(options))
            .await?;
        assert_eq!(rsp.content_length()?, Some(1024));
        assert_eq!(rsp.ocp_batch_file_isdirectory()?, Some(false));
        assert_eq!(rsp.ocp_batch_file_mode()?.as_deref(), Some("0755"));
        // Headers the server did not send are None, not errors.
        assert_eq!(rsp.ocp_creation_time()?, None);
        assert_eq!(rsp.ocp_batch_file_url()?, None);
        assert_eq!(rsp.etag()?, None);
        let body = rsp.into_body().collect().await?;
        let expected: Vec<u8> = (0..1024).map(StreamedBody::byte_at).collect();
        assert_eq!(body.as_ref(), expected.as_slice());

        let req = server.only_request();
        assert_request_line(&req, "GET", "/jobs/job-1/tasks/task-1/files/stdout.txt");
        assert_eq!(req.header_values("ocp-range"), ["bytes=0-1023"]);
        assert_eq!(
            req.header_values("if-modified-since"),
            ["Tue, 06 Sep 2016 07:02:44 GMT"]
        );
        assert_eq!(req.header("accept"), Some("application/octet-stream"));
        Ok(())
    })
    .await
}

#[tokio::test]
async fn failed_download_reads_the_error_body() {
    bounded(TEST_TIMEOUT, async {
        let server = TestServer::start_https(Arc::new(|_| {
            CannedResponse::json(
                404,
                &batch_error_body("FileNotFound", "The specified file does not exist."),
            )
        }))
        .await;
        let client = client_for(&server);
        let err = client
            .get_task_file("job-1", "task-1", "missing.txt", None)
            .await
            .expect_err("a 404 download must fail");
        assert_eq!(
            http_error(&err),
            (StatusCode::NotFound, Some("FileNotFound".to_string()))
        );
        assert!(
            err.to_string().contains("The specified file does not exist."),
            "{err}"
        );
        assert_eq!(server.requests().len(), 1);
    })
    .await
}

// ---------------------------------------------------------------------------
// 2. HEAD file properties
// ---------------------------------------------------------------------------

/// Answers like the service: file properties in headers, no body. Paths
/// containing `linux` answer without `ocp-creation-time`, as Linux nodes do.
fn file_properties_server_handler(req: &RecordedRequest) -> CannedResponse {
    assert_eq!(req.method, "HEAD", "file properties must use HEAD");
    let mut rsp = CannedResponse::new(200)
        .header("ocp-batch-file-isdirectory", "false")
        .header("ocp-batch-file-url", FILE_URL)
        .header("ocp-batch-file-mode", "0644")
        .header("content-length", "12345")
        .header("etag", "0x8D4131F1E4F0B7F")
        .header("last-modified", FILE_MODIFIED)
        .header("request-id", "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee");
    if !req.path.contains("linux") {
        rsp = rsp.header("ocp-creation-time", FILE_CREATED);
    }
    rsp
}

#[tokio::test]
async fn task_file_properties_come_from_head_headers() -> azure_core::Result<()> {
    bounded(TEST_TIMEOUT, async {
        let server = TestServer::start_https(Arc::new(file_properties_server_handler)).await;
        let client = client_for(&server);

        let rsp = client
            .get_task_file_properties("job-1", "task-1", "wd/out.txt", None)
            .await?;
        assert_eq!(rsp.status(), StatusCode::Ok);
        assert_eq!(rsp.ocp_batch_file_isdirectory()?, Some(false));
        assert_eq!(rsp.ocp_batch_file_url()?.as_deref(), Some(FILE_URL));
        assert_eq!(rsp.ocp_batch_file_mode()?.as_deref(), Some("0644"));
        assert_eq!(
            rsp.ocp_creation_time()?,
            Some(rfc3339("2016-09-06T07:02:44Z"))
        );
        assert_eq!(rsp.content_length()?, Some(12345));
        assert_eq!(rsp.etag()?.as_deref(), Some("0x8D4131F1E4F0B7F"));
        assert_eq!(rsp.last_modified()?, Some(rfc3339("2016-09-07T08:03:45Z")));
        assert_eq!(
            rsp.request_id()?.as_deref(),
            Some("aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee")
        );

        // Linux node: no creation time.
        let rsp = client
            .get_task_file_properties("job-linux", "task-1", "wd/out.txt", None)
            .await?;
        assert_eq!(rsp.ocp_creation_time()?, None);
        assert_eq!(rsp.content_length()?, Some(12345));

        let requests = server.requests();
        assert_eq!(requests.len(), 2, "{requests:#?}");
        assert_request_line(&requests[0], "HEAD", "/jobs/job-1/tasks/task-1/files/wd/out.txt");
        assert_request_line(
            &requests[1],
            "HEAD",
            "/jobs/job-linux/tasks/task-1/files/wd/out.txt",
        );
        for req in &requests {
            assert!(req.body.is_empty(), "{req:#?}");
            assert_eq!(req.header("content-type"), None, "{req:#?}");
        }
        Ok(())
    })
    .await
}

#[tokio::test]
async fn node_file_properties_come_from_head_headers() -> azure_core::Result<()> {
    bounded(TEST_TIMEOUT, async {
        let server = TestServer::start_https(Arc::new(file_properties_server_handler)).await;
        let client = client_for(&server);

        let rsp = client
            .get_node_file_properties("pool-1", "tvm-1", "startup/stdout.txt", None)
            .await?;
        assert_eq!(rsp.status(), StatusCode::Ok);
        assert_eq!(rsp.ocp_batch_file_isdirectory()?, Some(false));
        assert_eq!(rsp.ocp_batch_file_url()?.as_deref(), Some(FILE_URL));
        assert_eq!(rsp.ocp_batch_file_mode()?.as_deref(), Some("0644"));
        assert_eq!(
            rsp.ocp_creation_time()?,
            Some(rfc3339("2016-09-06T07:02:44Z"))
        );
        assert_eq!(rsp.content_length()?, Some(12345));
        assert_eq!(rsp.etag()?.as_deref(), Some("0x8D4131F1E4F0B7F"));
        assert_eq!(rsp.last_modified()?, Some(rfc3339("2016-09-07T08:03:45Z")));

        let rsp = client
            .get_node_file_properties("pool-linux", "tvm-1", "startup/stdout.txt", None)
            .await?;
        assert_eq!(rsp.ocp_creation_time()?, None);
        assert_eq!(rsp.ocp_batch_file_mode()?.as_deref(), Some("0644"));

        let requests = server.requests();
        assert_eq!(requests.len(), 2, "{requests:#?}");
        // The file path is one segment: its `/` is percent-encoded, which the
        // server decodes back.
        assert_request_line(
            &requests[0],
            "HEAD",
            "/pools/pool-1/nodes/tvm-1/files/startup/stdout.txt",
        );
        assert_request_line(
            &requests[1],
            "HEAD",
            "/pools/pool-linux/nodes/tvm-1/files/startup/stdout.txt",
        );
        Ok(())
    })
    .await
}

// ---------------------------------------------------------------------------
// 3. exists -> bool
// ---------------------------------------------------------------------------

/// Answers by the id in the path: `found` 200, `missing` 404, `broken` 500
/// with a Batch error body (plus `x-ms-error-code` when the id is `coded`).
fn exists_handler(req: &RecordedRequest) -> CannedResponse {
    assert_eq!(req.method, "HEAD");
    let id = req.path.rsplit('/').next().unwrap_or_default();
    match id {
        "found" => CannedResponse::new(200).header("etag", "0x8D1"),
        "missing" => CannedResponse::json(
            404,
            &batch_error_body("PoolNotFound", "The specified pool does not exist."),
        ),
        "broken" => CannedResponse::json(
            500,
            &batch_error_body("InternalError", "Server encountered an internal error."),
        ),
        "coded" => CannedResponse::json(
            500,
            &batch_error_body("InternalError", "Server encountered an internal error."),
        )
        .header("x-ms-error-code", "InternalError"),
        other => panic!("unexpected id {other}"),
    }
}

/// `exists(found)`, `exists(missing)`, `exists(broken)`, `exists(coded)`.
async fn check_exists<F, Fut>(server: &TestServer, prefix: &str, exists: F)
where
    F: Fn(&'static str) -> Fut,
    Fut: Future<Output = azure_core::Result<bool>>,
{
    assert!(exists("found").await.expect("200 is Ok(true)"));
    assert!(!exists("missing").await.expect("404 is Ok(false)"));

    // A HEAD response cannot carry a body (RFC 9110 §9.3.2): the server's
    // Batch error JSON never reaches the client, so only the status (and an
    // error-code header, when the service sends one) is left.
    let err = exists("broken").await.expect_err("500 is an error");
    let (status, code) = http_error(&err);
    assert_eq!(status, StatusCode::InternalServerError);
    assert_eq!(code, None, "no body, no header: no code");
    assert!(err.to_string().contains("500"), "{err}");
    match err.kind() {
        ErrorKind::HttpResponse {
            raw_response: Some(raw),
            ..
        } => assert!(raw.body().is_empty(), "HEAD response with a body"),
        other => panic!("{other:?}"),
    }
    assert!(err.batch_error().is_none());

    let err = exists("coded").await.expect_err("500 is an error");
    assert_eq!(
        http_error(&err),
        (
            StatusCode::InternalServerError,
            Some("InternalError".to_string())
        )
    );

    let requests = server.requests();
    let paths: Vec<&str> = requests.iter().map(|r| r.path.as_str()).collect();
    // Exactly one request each: the client under test does not retry.
    assert_eq!(
        paths,
        ["found", "missing", "broken", "coded"].map(|id| format!("{prefix}/{id}"))
    );
    for req in &requests {
        assert_request_line(req, "HEAD", &req.path);
        assert!(req.body.is_empty());
    }
}

#[tokio::test]
async fn pool_exists_maps_200_and_404_to_bool() {
    bounded(TEST_TIMEOUT, async {
        let server = TestServer::start_https(Arc::new(exists_handler)).await;
        let client = client_without_retries(&server);
        check_exists(&server, "/pools", |id| client.pool_exists(id, None)).await;
    })
    .await
}

#[tokio::test]
async fn job_schedule_exists_maps_200_and_404_to_bool() {
    bounded(TEST_TIMEOUT, async {
        let server = TestServer::start_https(Arc::new(exists_handler)).await;
        let client = client_without_retries(&server);
        check_exists(&server, "/jobschedules", |id| {
            client.job_schedule_exists(id, None)
        })
        .await;
    })
    .await
}

// ---------------------------------------------------------------------------
// 4. Conditional requests
// ---------------------------------------------------------------------------

#[tokio::test]
async fn get_task_not_modified_is_a_304_error() {
    bounded(TEST_TIMEOUT, async {
        let server = TestServer::start_https(Arc::new(|_| {
            CannedResponse::new(304).header("etag", "\"0x8D3D62350711C55\"")
        }))
        .await;
        let client = client_for(&server);

        let options = BatchClientGetTaskOptions {
            if_none_match: Some("\"0x8D3D62350711C55\"".to_string()),
            // 2017-02-16T12:30:45Z written with a -05:00 offset.
            if_modified_since: Some(rfc3339("2017-02-16T07:30:45-05:00")),
            ..Default::default()
        };
        let err = client
            .get_task("job-1", "task-1", Some(options))
            .await
            .expect_err("304 is not a success of get_task");
        assert_eq!(err.http_status(), Some(StatusCode::NotModified));
        let (status, code) = http_error(&err);
        assert_eq!(status, StatusCode::NotModified);
        assert_eq!(code, None);
        assert!(err.to_string().contains("304"), "{err}");
        assert!(err.batch_error().is_none());

        let req = server.only_request();
        assert_request_line(&req, "GET", "/jobs/job-1/tasks/task-1");
        assert_eq!(req.header_values("if-none-match"), ["\"0x8D3D62350711C55\""]);
        assert_eq!(
            req.header_values("if-modified-since"),
            ["Thu, 16 Feb 2017 12:30:45 GMT"]
        );
        assert_eq!(req.header("if-match"), None);
        assert_eq!(req.header("if-unmodified-since"), None);
    })
    .await
}

fn condition_not_met() -> CannedResponse {
    CannedResponse::json(
        412,
        &batch_error_body(
            "ConditionNotMet",
            "The condition specified using HTTP conditional header(s) is not met.",
        ),
    )
}

#[tokio::test]
async fn update_pool_precondition_failed_is_a_412_with_code() {
    bounded(TEST_TIMEOUT, async {
        let server = TestServer::start_https(Arc::new(|_| condition_not_met())).await;
        let client = client_for(&server);

        let update = BatchPoolUpdateOptions {
            display_name: Some("renamed".to_string()),
            ..Default::default()
        };
        let options = BatchClientUpdatePoolOptions {
            if_match: Some("\"0x8D4131F1E4F0B7F\"".to_string()),
            // 2016-11-22T19:35:00Z written with a +01:00 offset.
            if_unmodified_since: Some(rfc3339("2016-11-22T20:35:00+01:00")),
            ..Default::default()
        };
        let err = client
            .update_pool("pool-1", update.try_into().unwrap(), Some(options))
            .await
            .expect_err("412 must fail");
        assert_eq!(err.http_status(), Some(StatusCode::PreconditionFailed));
        assert_eq!(
            http_error(&err),
            (
                StatusCode::PreconditionFailed,
                Some("ConditionNotMet".to_string())
            )
        );
        assert!(
            err.to_string()
                .contains("The condition specified using HTTP conditional header(s) is not met."),
            "{err}"
        );
        assert_eq!(
            err.batch_error().and_then(|e| e.code).as_deref(),
            Some("ConditionNotMet")
        );

        let req = server.only_request();
        assert_request_line(&req, "PATCH", "/pools/pool-1");
        assert_eq!(req.header_values("if-match"), ["\"0x8D4131F1E4F0B7F\""]);
        assert_eq!(
            req.header_values("if-unmodified-since"),
            ["Tue, 22 Nov 2016 19:35:00 GMT"]
        );
        assert_eq!(req.header("if-none-match"), None);
        assert_eq!(req.header("if-modified-since"), None);
        assert_eq!(req.json(), json!({ "displayName": "renamed" }));
    })
    .await
}

#[tokio::test]
async fn delete_pool_sends_all_four_conditions() {
    bounded(TEST_TIMEOUT, async {
        let server = TestServer::start_https(Arc::new(|_| condition_not_met())).await;
        let client = client_for(&server);

        let options = BatchClientDeletePoolOptions {
            if_match: Some("\"0x8D1\"".to_string()),
            if_none_match: Some("*".to_string()),
            if_modified_since: Some(rfc3339("2017-02-16T00:00:00Z")),
            if_unmodified_since: Some(rfc3339("2017-02-18T23:59:59.999Z")),
            ..Default::default()
        };
        let err = client
            .delete_pool("pool-1", Some(options))
            .await
            .expect_err("412 must fail");
        assert_eq!(
            http_error(&err),
            (
                StatusCode::PreconditionFailed,
                Some("ConditionNotMet".to_string())
            )
        );

        let req = server.only_request();
        assert_request_line(&req, "DELETE", "/pools/pool-1");
        assert_eq!(req.header_values("if-match"), ["\"0x8D1\""]);
        assert_eq!(req.header_values("if-none-match"), ["*"]);
        assert_eq!(
            req.header_values("if-modified-since"),
            ["Thu, 16 Feb 2017 00:00:00 GMT"]
        );
        // HTTP dates have whole seconds: the fraction is dropped.
        assert_eq!(
            req.header_values("if-unmodified-since"),
            ["Sat, 18 Feb 2017 23:59:59 GMT"]
        );
        assert!(req.body.is_empty());
    })
    .await
}

// ---------------------------------------------------------------------------
// 5. Bodies that are not Batch errors
// ---------------------------------------------------------------------------

#[tokio::test]
async fn html_bad_gateway_keeps_status_and_text() {
    bounded(TEST_TIMEOUT, async {
        let server = TestServer::start_https(Arc::new(|_| {
            CannedResponse::new(502)
                .header("content-type", "text/html")
                .body(b"<html>Bad gateway</html>".to_vec())
        }))
        .await;
        let client = client_without_retries(&server);

        let err = client
            .get_pool("pool-1", None)
            .await
            .expect_err("502 must fail");
        assert_eq!(http_error(&err), (StatusCode::BadGateway, None));
        let text = err.to_string();
        assert!(text.contains("<html>Bad gateway</html>"), "{text}");
        assert!(text.contains("502"), "{text}");
        assert!(err.batch_error().is_none());
        match err.kind() {
            ErrorKind::HttpResponse {
                raw_response: Some(raw),
                ..
            } => assert_eq!(raw.body().as_ref(), b"<html>Bad gateway</html>"),
            other => panic!("{other:?}"),
        }
        assert_eq!(server.requests().len(), 1, "retries are off");
    })
    .await
}

#[tokio::test]
async fn empty_500_mentions_the_status() {
    bounded(TEST_TIMEOUT, async {
        let server = TestServer::start_https(Arc::new(|_| CannedResponse::new(500))).await;
        let client = client_without_retries(&server);

        let err = client
            .get_pool("pool-1", None)
            .await
            .expect_err("500 must fail");
        assert_eq!(http_error(&err), (StatusCode::InternalServerError, None));
        let text = err.to_string();
        assert!(text.contains("500"), "{text}");
        assert!(err.batch_error().is_none());
        assert_eq!(server.requests().len(), 1, "retries are off");
    })
    .await
}

// ---------------------------------------------------------------------------
// 6. Paging
// ---------------------------------------------------------------------------

const TASKS_PATH: &str = "/jobs/job-1/tasks";
const TASK_FILTER: &str = "state eq 'active' and startswith(id, 'x+y')";
/// A skip token with characters that need encoding in a query.
const SKIP_2: &str = "page 2+/=&";
const SKIP_3: &str = "page-3";
const PAGE_TASKS: [&[&str]; 3] = [&["t1", "t2"], &["t3", "t4"], &["t5"]];

/// The next link the server hands out after page `page` (0-based), as the
/// service writes it: the listing's own query plus a skip token. The link to
/// page 2 carries no api-version; the link to page 3 carries an old one.
fn next_link(base: &str, page: usize) -> Url {
    let mut next = Url::parse(&format!("{base}{TASKS_PATH}")).unwrap();
    {
        let mut q = next.query_pairs_mut();
        if page == 1 {
            q.append_pair("api-version", "2024-07-01.20.0");
        }
        q.append_pair("$filter", TASK_FILTER)
            .append_pair("maxresults", "2")
            .append_pair("$skipToken", if page == 0 { SKIP_2 } else { SKIP_3 });
    }
    next
}

async fn task_pages_server() -> TestServer {
    let base: Arc<OnceLock<String>> = Arc::new(OnceLock::new());
    let base_in_handler = base.clone();
    let server = TestServer::start_https(Arc::new(move |req| {
        assert_eq!(req.path, TASKS_PATH);
        let page = match req.query_value("$skipToken") {
            None => 0,
            Some(SKIP_2) => 1,
            Some(SKIP_3) => 2,
            Some(other) => panic!("unknown skip token {other:?}"),
        };
        let tasks: Vec<Value> = PAGE_TASKS[page]
            .iter()
            .map(|id| json!({ "id": id, "state": "active" }))
            .collect();
        let mut body = json!({ "value": tasks });
        if page < 2 {
            let link = next_link(base_in_handler.get().unwrap(), page);
            body["odata.nextLink"] = json!(link.as_str());
        }
        CannedResponse::json(200, &body).header("request-id", &format!("page-{page}"))
    }))
    .await;
    base.set(server.url()).unwrap();
    server
}

fn list_tasks_options() -> BatchClientListTasksOptions<'static> {
    BatchClientListTasksOptions {
        filter: Some(TASK_FILTER.to_string()),
        select: Some(vec!["id".to_string(), "state".to_string()]),
        expand: Some(vec!["stats".to_string()]),
        maxresults: Some(2),
        timeout: Some(20),
        ..Default::default()
    }
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    sorted_query(list.iter().map(|(k, v)| (k.to_string(), v.to_string())))
}

/// The query the client must send for page `page` (0-based) when it follows
/// the server's next link: the link's pairs with api-version replaced.
fn expected_follow_query(base: &str, page: usize) -> Vec<(String, String)> {
    let link = next_link(base, page - 1);
    sorted_query(
        link.query_pairs()
            .filter(|(k, _)| k != "api-version")
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .chain([("api-version".to_string(), API_VERSION.to_string())]),
    )
}

fn assert_first_page_request(req: &RecordedRequest) {
    assert_request_line(req, "GET", TASKS_PATH);
    assert_eq!(
        sorted_query(req.query.clone()),
        pairs(&[
            ("api-version", API_VERSION),
            ("timeOut", "20"),
            ("maxresults", "2"),
            ("$filter", TASK_FILTER),
            ("$select", "id,state"),
            ("$expand", "stats"),
        ]),
        "{req:#?}"
    );
}

#[tokio::test]
async fn list_tasks_sends_options_and_follows_next_links() -> azure_core::Result<()> {
    bounded(TEST_TIMEOUT, async {
        let server = task_pages_server().await;
        let client = client_for(&server);

        let tasks: Vec<_> = client
            .list_tasks("job-1", Some(list_tasks_options()))?
            .try_collect()
            .await?;
        let ids: Vec<&str> = tasks.iter().filter_map(|t| t.id.as_deref()).collect();
        assert_eq!(ids, ["t1", "t2", "t3", "t4", "t5"]);

        let requests = server.requests();
        assert_eq!(requests.len(), 3, "one request per page: {requests:#?}");
        assert_first_page_request(&requests[0]);
        for (page, req) in requests.iter().enumerate().skip(1) {
            assert_request_line(req, "GET", TASKS_PATH);
            assert_eq!(
                sorted_query(req.query.clone()),
                expected_follow_query(&server.url(), page),
                "page {page}: {req:#?}"
            );
        }
        assert_eq!(requests[1].query_value("$skipToken"), Some(SKIP_2));
        assert_eq!(requests[2].query_value("$skipToken"), Some(SKIP_3));
        Ok(())
    })
    .await
}

#[tokio::test]
async fn list_tasks_pages_carry_typed_headers() -> azure_core::Result<()> {
    bounded(TEST_TIMEOUT, async {
        let server = task_pages_server().await;
        let client = client_for(&server);
        let pages: Vec<_> = client
            .list_tasks("job-1", Some(list_tasks_options()))?
            .into_pages()
            .try_collect()
            .await?;
        assert_eq!(pages.len(), 3);
        for (i, page) in pages.into_iter().enumerate() {
            assert_eq!(page.request_id()?, Some(format!("page-{i}")));
            let model = page.into_model()?;
            assert_eq!(model.odata_next_link.is_some(), i < 2);
        }
        Ok(())
    })
    .await
}

#[tokio::test]
async fn list_tasks_resumes_from_a_page_continuation() -> azure_core::Result<()> {
    bounded(TEST_TIMEOUT, async {
        let server = task_pages_server().await;
        let client = client_for(&server);

        // Read page 1 only.
        let mut pages = client
            .list_tasks("job-1", Some(list_tasks_options()))?
            .into_pages();
        let first = pages.try_next().await?.expect("page 1");
        let ids: Vec<String> = first
            .into_model()?
            .value
            .unwrap_or_default()
            .into_iter()
            .filter_map(|t| t.id)
            .collect();
        assert_eq!(ids, PAGE_TASKS[0]);
        let continuation = pages.into_continuation().expect("a continuation after page 1");
        let link = next_link(&server.url(), 0);
        assert!(
            matches!(&continuation, PagerContinuation::Link(url) if *url == link),
            "{continuation:?} should be the next link {link}"
        );
        assert_eq!(server.take_requests().len(), 1);

        // A new pager (here from the same client) resumes at page 2.
        let options = BatchClientListTasksOptions {
            method_options: PagerOptions {
                continuation: Some(continuation),
                ..Default::default()
            },
            ..list_tasks_options()
        };
        let rest: Vec<_> = client
            .list_tasks("job-1", Some(options))?
            .try_collect()
            .await?;
        let ids: Vec<&str> = rest.iter().filter_map(|t| t.id.as_deref()).collect();
        assert_eq!(ids, ["t3", "t4", "t5"]);

        let requests = server.requests();
        assert_eq!(requests.len(), 2, "{requests:#?}");
        for (i, req) in requests.iter().enumerate() {
            let page = i + 1;
            assert_request_line(req, "GET", TASKS_PATH);
            assert_eq!(
                sorted_query(req.query.clone()),
                expected_follow_query(&server.url(), page),
                "resumed page {page}: {req:#?}"
            );
        }
        // The new pager's first request is the next link, not the listing URL.
        assert_eq!(requests[0].query_value("$skipToken"), Some(SKIP_2));
        assert_eq!(requests[0].query_value("$select"), None);
        Ok(())
    })
    .await
}

#[tokio::test]
async fn list_tasks_item_continuation_never_skips_items() -> azure_core::Result<()> {
    bounded(TEST_TIMEOUT, async {
        let server = task_pages_server().await;
        let client = client_for(&server);

        let mut pager = client.list_tasks("job-1", Some(list_tasks_options()))?;
        for id in PAGE_TASKS[0] {
            let task = pager.try_next().await?.expect("an item of page 1");
            assert_eq!(task.id.as_deref(), Some(*id));
        }
        // azure_core's item pager keeps the continuation of the page it is
        // on: after page 1's items it still points at page 1 (None = start).
        assert!(pager.continuation().is_none(), "{:?}", pager.continuation());
        // The first item of page 2 moves it to page 2's link.
        let t3 = pager.try_next().await?.expect("first item of page 2");
        assert_eq!(t3.id.as_deref(), Some("t3"));
        let continuation = pager.into_continuation().expect("page 2's link");
        assert_eq!(AsRef::<str>::as_ref(&continuation), next_link(&server.url(), 0).as_str());
        assert_eq!(server.take_requests().len(), 2);

        let options = BatchClientListTasksOptions {
            method_options: PagerOptions {
                continuation: Some(continuation),
                ..Default::default()
            },
            ..Default::default()
        };
        let rest: Vec<_> = client
            .list_tasks("job-1", Some(options))?
            .try_collect()
            .await?;
        let ids: Vec<&str> = rest.iter().filter_map(|t| t.id.as_deref()).collect();
        // Page 2 again from its start: t3 is seen twice, nothing is skipped.
        assert_eq!(ids, ["t3", "t4", "t5"]);
        let requests = server.requests();
        assert_eq!(requests.len(), 2);
        assert_eq!(
            sorted_query(requests[0].query.clone()),
            expected_follow_query(&server.url(), 1)
        );
        Ok(())
    })
    .await
}

// ---------------------------------------------------------------------------
// 7. Retry
// ---------------------------------------------------------------------------

#[tokio::test]
async fn get_pool_retries_429_after_retry_after() -> azure_core::Result<()> {
    bounded(TEST_TIMEOUT, async {
        let calls = Arc::new(AtomicUsize::new(0));
        let calls_in_handler = calls.clone();
        let server = TestServer::start_https(Arc::new(move |_| {
            if calls_in_handler.fetch_add(1, Ordering::SeqCst) == 0 {
                CannedResponse::json(
                    429,
                    &batch_error_body("TooManyRequests", "Too many requests."),
                )
                .header("retry-after", "1")
            } else {
                CannedResponse::json(200, &json!({ "id": "pool-1", "vmSize": "standard_d2s_v3" }))
                    .header("etag", "0x8D2")
            }
        }))
        .await;
        let client = client_for(&server);

        let started = Instant::now();
        let options = BatchClientGetPoolOptions {
            client_request_id: Some("0b6e0f3c-1111-2222-3333-444444444444".to_string()),
            ..Default::default()
        };
        let rsp = client.get_pool("pool-1", Some(options)).await?;
        let elapsed = started.elapsed();
        assert_eq!(rsp.status(), StatusCode::Ok);
        assert_eq!(rsp.etag()?.as_deref(), Some("0x8D2"));
        let pool = rsp.into_model()?;
        assert_eq!(pool.id.as_deref(), Some("pool-1"));
        assert!(
            elapsed >= StdDuration::from_millis(950),
            "Retry-After: 1 was not honoured: retried after {elapsed:?}"
        );

        let requests = server.requests();
        assert_eq!(requests.len(), 2, "{requests:#?}");
        for req in &requests {
            assert_request_line(req, "GET", "/pools/pool-1");
            assert_eq!(
                req.header_values("client-request-id"),
                ["0b6e0f3c-1111-2222-3333-444444444444"]
            );
        }
        assert_eq!(requests[0].raw_query, requests[1].raw_query);
        Ok(())
    })
    .await
}

#[tokio::test]
async fn get_pool_does_not_retry_400() {
    bounded(TEST_TIMEOUT, async {
        let server = TestServer::start_https(Arc::new(|_| {
            CannedResponse::json(
                400,
                &batch_error_body("InvalidQueryParameterValue", "Value for one of the query parameters specified in the request URI is invalid."),
            )
        }))
        .await;
        let client = client_for(&server);

        let started = Instant::now();
        let err = client
            .get_pool("pool-1", None)
            .await
            .expect_err("400 must fail");
        assert_eq!(
            http_error(&err),
            (
                StatusCode::BadRequest,
                Some("InvalidQueryParameterValue".to_string())
            )
        );
        assert_eq!(server.requests().len(), 1, "400 must not be retried");
        assert!(started.elapsed() < StdDuration::from_secs(5));
    })
    .await
}
