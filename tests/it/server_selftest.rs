//! Self-tests of the loopback test server (`batch_tests::server`).

use std::sync::Arc;

use azure_core::http::{
    headers::HeaderName, ClientOptions, Context, Method, Pipeline, Request, StatusCode, Url,
};
use batch_tests::server::{CannedResponse, Handler, StreamedBody, TestServer};
use futures::StreamExt as _;
use serde_json::json;

fn pipeline_for(server: &TestServer) -> Pipeline {
    let options = ClientOptions {
        transport: Some(server.transport()),
        ..Default::default()
    };
    Pipeline::new(
        Some("batch-tests"),
        Some("0.0.0"),
        options,
        Vec::new(),
        Vec::new(),
        None,
    )
}

fn echo_handler() -> Handler {
    Arc::new(|req| {
        CannedResponse::json(
            201,
            &json!({ "echoMethod": req.method, "echoPath": req.path, "ok": true }),
        )
        .header("x-ms-request-id", "11111111-2222-3333-4444-555555555555")
        .header("ETag", "\"0x8D\"")
    })
}

/// Sends a POST with a JSON body, custom headers and an encoded query through
/// a full azure_core pipeline, then checks both sides of the exchange.
async fn round_trip(server: &TestServer) {
    let pipeline = pipeline_for(server);
    let mut url = Url::parse(&format!("{}/pools/my%20pool/nodes", server.url())).unwrap();
    url.query_pairs_mut()
        .append_pair("api-version", "2025-06-01")
        .append_pair("$filter", "state eq 'idle' & x=1")
        .append_pair("timeOut", "30");
    let mut request = Request::new(url, Method::Post);
    request.insert_header("client-request-id", "abc-123");
    request.insert_header(
        HeaderName::from_static("x-custom-header"),
        "Mixed Case Value",
    );
    request.insert_header("content-type", "application/json; odata=minimalmetadata");
    let body = json!({ "id": "pool1", "vmSize": "standard_d2s_v3", "targetDedicatedNodes": 3 });
    request.set_body(serde_json::to_vec(&body).unwrap());

    let response = pipeline
        .send(&Context::new(), &mut request, None)
        .await
        .expect("request through the pipeline succeeds");
    assert_eq!(response.status(), StatusCode::Created);
    assert_eq!(
        response
            .headers()
            .get_optional_str(&HeaderName::from_static("x-ms-request-id")),
        Some("11111111-2222-3333-4444-555555555555")
    );
    assert_eq!(
        response
            .headers()
            .get_optional_str(&HeaderName::from_static("etag")),
        Some("\"0x8D\"")
    );
    assert_eq!(
        response
            .headers()
            .get_optional_str(&HeaderName::from_static("content-type")),
        Some("application/json")
    );
    let answer: serde_json::Value = response.into_body().json().unwrap();
    assert_eq!(
        answer,
        json!({ "echoMethod": "POST", "echoPath": "/pools/my pool/nodes", "ok": true })
    );

    let requests = server.requests();
    assert_eq!(requests.len(), 1, "{requests:#?}");
    let recorded = &requests[0];
    assert_eq!(recorded.method, "POST");
    assert_eq!(recorded.path, "/pools/my pool/nodes");
    assert_eq!(
        recorded.query,
        vec![
            ("api-version".to_owned(), "2025-06-01".to_owned()),
            ("$filter".to_owned(), "state eq 'idle' & x=1".to_owned()),
            ("timeOut".to_owned(), "30".to_owned()),
        ]
    );
    assert_eq!(recorded.query_value("api-version"), Some("2025-06-01"));
    assert_eq!(recorded.query_value("missing"), None);
    assert!(recorded
        .raw_query
        .as_deref()
        .unwrap()
        .starts_with("api-version=2025-06-01&"));
    assert_eq!(recorded.header("client-request-id"), Some("abc-123"));
    assert_eq!(recorded.header("X-Custom-Header"), Some("Mixed Case Value"));
    assert_eq!(
        recorded.header("content-type"),
        Some("application/json; odata=minimalmetadata")
    );
    assert!(
        recorded.header("user-agent").is_some(),
        "{:?}",
        recorded.headers
    );
    assert!(
        recorded
            .headers
            .iter()
            .all(|(name, _)| *name == name.to_ascii_lowercase()),
        "{:?}",
        recorded.headers
    );
    assert_eq!(
        recorded
            .headers
            .iter()
            .filter(|(name, _)| name == "x-custom-header")
            .count(),
        1
    );
    assert_eq!(recorded.json(), body);
    assert_eq!(recorded.body, serde_json::to_vec(&body).unwrap());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn https_round_trip_is_recorded_exactly() {
    let server = TestServer::start_https(echo_handler()).await;
    assert!(
        server.url().starts_with("https://127.0.0.1:"),
        "{}",
        server.url()
    );
    assert!(!server.url().ends_with('/'));
    round_trip(&server).await;
}

#[tokio::test(flavor = "current_thread")]
async fn https_works_on_current_thread_runtime_with_keep_alive() {
    let server = TestServer::start_https(Arc::new(|req| {
        CannedResponse::new(200).body(format!("hello {}", req.path).into_bytes())
    }))
    .await;
    let client = server.reqwest_client();
    for i in 0..3 {
        let text = client
            .get(format!("{}/item/{i}", server.url()))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert_eq!(text, format!("hello /item/{i}"));
    }
    let paths: Vec<String> = server.requests().into_iter().map(|r| r.path).collect();
    assert_eq!(paths, ["/item/0", "/item/1", "/item/2"]);
    assert_eq!(
        server.connection_count(),
        1,
        "keep-alive reuses the connection"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plain_http_round_trip_is_recorded_exactly() {
    let server = TestServer::start_http(echo_handler()).await;
    assert!(
        server.url().starts_with("http://127.0.0.1:"),
        "{}",
        server.url()
    );
    round_trip(&server).await;
}

#[tokio::test(flavor = "current_thread")]
async fn https_client_for_another_server_is_rejected() {
    // The transport trusts exactly its own server's certificate.
    let a = TestServer::start_https(echo_handler()).await;
    let b = TestServer::start_https(echo_handler()).await;
    let err = a
        .reqwest_client()
        .get(b.url())
        .send()
        .await
        .expect_err("certificate of another server must not be trusted");
    assert!(err.is_connect(), "{err:?}");
    assert!(b.requests().is_empty());
}

#[tokio::test(flavor = "current_thread")]
async fn handler_panic_becomes_500() {
    let server = TestServer::start_http(Arc::new(|_| panic!("boom"))).await;
    let response = server
        .reqwest_client()
        .delete(format!("{}/jobs/j1", server.url()))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 500);
    let text = response.text().await.unwrap();
    assert!(
        text.contains("boom") && text.contains("DELETE /jobs/j1"),
        "{text}"
    );
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn streamed_8_mib_download_arrives_complete() {
    const TOTAL: u64 = 8 * 1024 * 1024;
    let server = TestServer::start_https(Arc::new(|_| {
        CannedResponse::streamed(200, TOTAL, 64 * 1024)
    }))
    .await;
    let pipeline = pipeline_for(&server);
    let url = Url::parse(&format!("{}/files/big.bin", server.url())).unwrap();
    let mut request = Request::new(url, Method::Get);
    let response = pipeline
        .stream(&Context::new(), &mut request, None)
        .await
        .expect("streamed request succeeds");
    assert_eq!(response.status(), StatusCode::Ok);
    assert_eq!(
        response
            .headers()
            .get_optional_str(&HeaderName::from_static("content-length")),
        Some(TOTAL.to_string().as_str())
    );

    // Verify every byte and a running checksum without buffering the body.
    let mut body = response.into_body();
    let mut received: u64 = 0;
    let mut checksum: u64 = 0;
    let mut chunks = 0usize;
    while let Some(chunk) = body.next().await {
        let chunk = chunk.expect("body chunk");
        chunks += 1;
        for &byte in chunk.iter() {
            assert_eq!(
                byte,
                StreamedBody::byte_at(received),
                "byte {received} differs"
            );
            checksum = checksum.wrapping_mul(31).wrapping_add(u64::from(byte));
            received += 1;
        }
    }
    assert_eq!(received, TOTAL);
    assert!(chunks > 1, "body arrived in {chunks} chunk(s)");
    let expected = (0..TOTAL).fold(0u64, |sum, i| {
        sum.wrapping_mul(31)
            .wrapping_add(u64::from(StreamedBody::byte_at(i)))
    });
    assert_eq!(checksum, expected);

    let requests = server.requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].method, "GET");
    assert_eq!(requests[0].path, "/files/big.bin");
    assert!(requests[0].body.is_empty());
}

#[tokio::test(flavor = "current_thread")]
async fn dropping_the_server_stops_it() {
    let server = TestServer::start_http(echo_handler()).await;
    let client = server.reqwest_client();
    let url = server.url();
    client.get(&url).send().await.unwrap();
    drop(server);
    // Let the aborted tasks be dropped (closing listener and connections).
    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    client.get(&url).send().await.expect_err("server is gone");
}
