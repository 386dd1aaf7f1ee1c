//! Test support for the generated Azure Batch client.
//!
//! The library part of this crate provides [`server::TestServer`], a real
//! HTTP/1.1 server on `127.0.0.1` (plain HTTP or HTTPS with an in-process
//! self-signed certificate) that records the requests it receives and answers
//! with canned responses. Its [`server::TestServer::transport`] plugs into
//! `azure_core::http::ClientOptions::transport`, so the generated client runs
//! its real pipeline (including authentication policies that require HTTPS)
//! over a real socket, without touching any network beyond loopback.
//!
//! ```no_run
//! # async fn demo() {
//! use batch_tests::server::{CannedResponse, TestServer};
//! use std::sync::Arc;
//!
//! let server = TestServer::start_https(Arc::new(|req| {
//!     assert_eq!(req.method, "GET");
//!     CannedResponse::json(200, &serde_json::json!({ "value": [] }))
//! }))
//! .await;
//! let transport = server.transport(); // trusts exactly this server's certificate
//! // ... build the client with `server.url()` as endpoint and `transport` ...
//! # let _ = transport;
//! assert!(server.requests().is_empty());
//! # }
//! ```
//!
//! The integration tests live in `it/` (one binary, `it`).

pub mod server;
