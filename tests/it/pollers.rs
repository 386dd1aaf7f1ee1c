//! The state-change pollers of `lro.rs` (`BatchClient::begin_*`) against a loopback server that
//! walks the resource through its states as the client polls.
//!
//! Each scenario scripts one resource: what a `GET` answers before the action request, and what
//! the successive `GET`s answer after it (the last answer repeats). The tests check the outcome
//! of the poller, the exact sequence of requests (the action sent once, and no `GET` after the
//! target state was seen), and the failures the rules in `lro.rs` call for.
//!
//! Polling waits one second between reads, so a scenario with `n` intermediate states takes
//! about `n + 1` seconds; the extra scenarios of a poller run concurrently inside its test.

use std::{
    sync::{Arc, Mutex},
    time::Instant,
};

use azure_compute_batch::{
    models::{
        BatchJobDisableOptions, BatchNodeRemoveOptions, BatchPoolResizeOptions,
        DisableBatchJobOption,
    },
    BatchClient, BatchClientOptions, BatchPollOptions, BatchStateChange,
};
use azure_core::{
    error::ErrorKind,
    http::{ClientOptions, Poller, RequestContent, RetryOptions},
    time::Duration,
    Result,
};
use batch_tests::server::{CannedResponse, Handler, RecordedRequest, TestServer};
use futures::TryStreamExt as _;
use serde_json::{json, Value};

const CREATED: &str = "2025-01-01T00:00:00Z";
const RECREATED: &str = "2025-01-01T00:05:00Z";

/// What the server answers to a `GET` of the resource.
#[derive(Clone, Debug)]
enum Reply {
    /// 200 with this JSON body.
    Found(Value),
    /// 404 with a Batch error body carrying this code.
    Gone(&'static str),
    /// Another status with a Batch error body carrying this code.
    Status(u16, &'static str),
}

impl Reply {
    fn response(&self) -> CannedResponse {
        match self {
            Reply::Found(body) => CannedResponse::json(200, body),
            Reply::Gone(code) => Reply::Status(404, code).response(),
            Reply::Status(status, code) => CannedResponse::json(
                *status,
                &json!({
                    "code": code,
                    "message": { "lang": "en-US", "value": "The specified resource does not exist." }
                }),
            ),
        }
    }
}

fn pool(state: &str, allocation_state: &str, created: &str) -> Reply {
    Reply::Found(json!({
        "id": "pool1",
        "state": state,
        "allocationState": allocation_state,
        "creationTime": created,
    }))
}

fn job(id: &str, state: &str, created: &str) -> Reply {
    Reply::Found(json!({ "id": id, "state": state, "creationTime": created }))
}

fn node(state: &str) -> Reply {
    Reply::Found(json!({ "id": "node1", "state": state }))
}

/// A resource at `resource` that answers `before` until the action request (`method path`)
/// arrives, then `after[0]`, `after[1]`, ... to the successive `GET`s (the last one repeats).
/// Any other request gets a 400 `UnexpectedRequest` (not a 5xx, which would be retried).
struct Script {
    resource: &'static str,
    action: (&'static str, &'static str),
    before: Reply,
    after: Vec<Reply>,
}

impl Script {
    fn handler(self) -> Handler {
        assert!(!self.after.is_empty());
        // (action seen, GETs answered since)
        let progress = Mutex::new((false, 0usize));
        Arc::new(move |req: &RecordedRequest| {
            let mut progress = progress.lock().unwrap_or_else(|e| e.into_inner());
            if req.method == self.action.0 && req.path == self.action.1 {
                progress.0 = true;
                return CannedResponse::new(202);
            }
            if req.method == "GET" && req.path == self.resource {
                if !progress.0 {
                    return self.before.response();
                }
                let reply = &self.after[progress.1.min(self.after.len() - 1)];
                progress.1 += 1;
                return reply.response();
            }
            CannedResponse::json(
                400,
                &json!({
                    "code": "UnexpectedRequest",
                    "message": { "lang": "en-US", "value": format!("unexpected {} {}", req.method, req.path) }
                }),
            )
        })
    }

    async fn start(self) -> (TestServer, BatchClient) {
        let server = TestServer::start_http(self.handler()).await;
        let client = client(&server);
        (server, client)
    }
}

/// A plain-HTTP client without authentication or retries.
fn client(server: &TestServer) -> BatchClient {
    BatchClient::with_policies(
        &server.url(),
        vec![],
        Some(BatchClientOptions {
            client_options: ClientOptions {
                transport: Some(server.transport()),
                retry: RetryOptions::none(),
                ..Default::default()
            },
            ..Default::default()
        }),
    )
    .expect("creating the client")
}

fn poll(timeout_seconds: i64) -> Option<BatchPollOptions> {
    Some(BatchPollOptions {
        frequency: Duration::seconds(1),
        timeout: Duration::seconds(timeout_seconds),
    })
}

/// The requests the server saw, as `METHOD path`.
fn seen(server: &TestServer) -> Vec<String> {
    server
        .requests()
        .iter()
        .map(|r| format!("{} {}", r.method, r.path))
        .collect()
}

/// The requests a poller should send: an optional `GET` of the resource before the action, the
/// action, then `gets` reads of the resource.
fn expected(initial_get: bool, resource: &str, action: (&str, &str), gets: usize) -> Vec<String> {
    let mut out = Vec::new();
    if initial_get {
        out.push(format!("GET {resource}"));
    }
    out.push(format!("{} {}", action.0, action.1));
    out.extend(std::iter::repeat_n(format!("GET {resource}"), gets));
    out
}

fn assert_action_once(server: &TestServer, action: (&str, &str)) {
    let count = server
        .requests()
        .iter()
        .filter(|r| r.method == action.0 && r.path == action.1)
        .count();
    assert_eq!(
        count, 1,
        "action {} {} sent {count} times",
        action.0, action.1
    );
}

/// Awaits the poller and checks its final report.
async fn finishes(poller: Poller<BatchStateChange>, resource_state: &str) -> Result<()> {
    let done = poller.await?.into_model()?;
    assert_eq!(
        done,
        BatchStateChange {
            status: "Succeeded".into(),
            resource_state: Some(resource_state.into()),
        }
    );
    Ok(())
}

/// Runs a scenario whose poller must succeed: checks the final state and the exact requests.
async fn succeeds(
    script: Script,
    initial_get: bool,
    begin: impl FnOnce(&BatchClient) -> Result<Poller<BatchStateChange>>,
    resource_state: &str,
) -> Result<()> {
    let (resource, action, gets) = (script.resource, script.action, script.after.len());
    let (server, client) = script.start().await;
    finishes(begin(&client)?, resource_state).await?;
    assert_action_once(&server, action);
    assert_eq!(
        seen(&server),
        expected(initial_get, resource, action, gets),
        "requests (one GET per scripted state after the action, none after the target)"
    );
    Ok(())
}

// ---------------------------------------------------------------------------
// Deletes
// ---------------------------------------------------------------------------

const POOL: &str = "/pools/pool1";
const DELETE_POOL: (&str, &str) = ("DELETE", POOL);

async fn delete_pool_gone() -> Result<()> {
    let script = Script {
        resource: POOL,
        action: DELETE_POOL,
        before: pool("active", "steady", CREATED),
        after: vec![
            pool("deleting", "steady", CREATED),
            Reply::Gone("PoolNotFound"),
        ],
    };
    succeeds(
        script,
        true,
        |c| c.begin_delete_pool("pool1", None, poll(20)),
        "deleted",
    )
    .await
}

/// A pool with the same id but a new creation time is a new pool: the old one is gone.
async fn delete_pool_recreated() -> Result<()> {
    let script = Script {
        resource: POOL,
        action: DELETE_POOL,
        before: pool("active", "steady", CREATED),
        after: vec![
            pool("deleting", "steady", CREATED),
            pool("active", "resizing", RECREATED),
        ],
    };
    succeeds(
        script,
        true,
        |c| c.begin_delete_pool("pool1", None, poll(20)),
        "deleted",
    )
    .await
}

/// A pool that stays `deleting` past the timeout ends the poller with an error.
async fn delete_pool_timeout() -> Result<()> {
    let script = Script {
        resource: POOL,
        action: DELETE_POOL,
        before: pool("active", "steady", CREATED),
        after: vec![pool("deleting", "steady", CREATED)],
    };
    let (server, client) = script.start().await;
    let started = Instant::now();
    let err = client
        .begin_delete_pool("pool1", None, poll(3))?
        .await
        .expect_err("a pool still deleting after the timeout must fail the poller");
    let elapsed = started.elapsed();
    let message = err.to_string();
    assert!(
        message.contains("did not finish within") && message.contains("3s"),
        "error should name the time limit: {message}"
    );
    assert!(
        elapsed >= std::time::Duration::from_secs(3) && elapsed < std::time::Duration::from_secs(8),
        "gave up after {elapsed:?}"
    );
    assert_action_once(&server, DELETE_POOL);
    let requests = seen(&server);
    let gets_after = requests.len() - 2;
    assert!(
        (2..=3).contains(&gets_after),
        "reads after the delete within a 3 s limit at 1 s intervals: {requests:?}"
    );
    assert_eq!(requests, expected(true, POOL, DELETE_POOL, gets_after));
    Ok(())
}

/// A read failing with anything but 404 fails the poller with that error.
async fn delete_pool_read_fails() -> Result<()> {
    let script = Script {
        resource: POOL,
        action: DELETE_POOL,
        before: pool("active", "steady", CREATED),
        after: vec![
            pool("deleting", "steady", CREATED),
            Reply::Status(403, "AuthorizationFailure"),
        ],
    };
    let (server, client) = script.start().await;
    let err = client
        .begin_delete_pool("pool1", None, poll(20))?
        .await
        .expect_err("a failed read must fail the poller");
    match err.kind() {
        ErrorKind::HttpResponse {
            status, error_code, ..
        } => {
            assert_eq!(u16::from(*status), 403, "{err}");
            assert_eq!(error_code.as_deref(), Some("AuthorizationFailure"), "{err}");
        }
        other => panic!("expected the 403, got {other:?}: {err}"),
    }
    assert_action_once(&server, DELETE_POOL);
    assert_eq!(seen(&server), expected(true, POOL, DELETE_POOL, 2));
    Ok(())
}

#[tokio::test]
async fn delete_pool() -> Result<()> {
    let (gone, recreated, timeout, read_fails) = tokio::join!(
        delete_pool_gone(),
        delete_pool_recreated(),
        delete_pool_timeout(),
        delete_pool_read_fails()
    );
    gone?;
    recreated?;
    timeout?;
    read_fails
}

#[tokio::test]
async fn delete_job() -> Result<()> {
    let script = Script {
        resource: "/jobs/job1",
        action: ("DELETE", "/jobs/job1"),
        before: job("job1", "active", CREATED),
        after: vec![job("job1", "deleting", CREATED), Reply::Gone("JobNotFound")],
    };
    succeeds(
        script,
        true,
        |c| c.begin_delete_job("job1", None, poll(20)),
        "deleted",
    )
    .await
}

#[tokio::test]
async fn delete_job_schedule() -> Result<()> {
    let script = Script {
        resource: "/jobschedules/schedule1",
        action: ("DELETE", "/jobschedules/schedule1"),
        before: job("schedule1", "active", CREATED),
        after: vec![
            job("schedule1", "deleting", CREATED),
            Reply::Gone("JobScheduleNotFound"),
        ],
    };
    succeeds(
        script,
        true,
        |c| c.begin_delete_job_schedule("schedule1", None, poll(20)),
        "deleted",
    )
    .await
}

// ---------------------------------------------------------------------------
// Pool allocation
// ---------------------------------------------------------------------------

const RESIZE: (&str, &str) = ("POST", "/pools/pool1/resize");

fn resize_body() -> Result<RequestContent<BatchPoolResizeOptions>> {
    BatchPoolResizeOptions {
        target_dedicated_nodes: Some(4),
        ..Default::default()
    }
    .try_into()
}

async fn resize_pool_steady() -> Result<()> {
    let script = Script {
        resource: POOL,
        action: RESIZE,
        before: pool("active", "steady", CREATED),
        after: vec![
            pool("active", "resizing", CREATED),
            pool("active", "steady", CREATED),
        ],
    };
    let body = resize_body()?;
    let (server, client) = script.start().await;
    finishes(
        client.begin_resize_pool("pool1", body, None, poll(20))?,
        "steady",
    )
    .await?;
    assert_action_once(&server, RESIZE);
    assert_eq!(seen(&server), expected(false, POOL, RESIZE, 2));
    let resize = server
        .requests()
        .into_iter()
        .find(|r| r.method == "POST")
        .expect("the resize request");
    assert_eq!(resize.json()["targetDedicatedNodes"], 4);
    Ok(())
}

/// A resize that settles with resize errors fails with the service's error code.
async fn resize_pool_errors() -> Result<()> {
    let script = Script {
        resource: POOL,
        action: RESIZE,
        before: pool("active", "steady", CREATED),
        after: vec![
            pool("active", "resizing", CREATED),
            Reply::Found(json!({
                "id": "pool1",
                "state": "active",
                "allocationState": "steady",
                "creationTime": CREATED,
                "resizeErrors": [{
                    "code": "AccountCoreQuotaReached",
                    "message": "The specified account has reached its core quota."
                }],
            })),
        ],
    };
    let body = resize_body()?;
    let (server, client) = script.start().await;
    let err = client
        .begin_resize_pool("pool1", body, None, poll(20))?
        .await
        .expect_err("resize errors must fail the poller");
    assert!(
        err.to_string().contains("AccountCoreQuotaReached"),
        "message: {err}"
    );
    match err.kind() {
        ErrorKind::HttpResponse { error_code, .. } => {
            assert_eq!(error_code.as_deref(), Some("AccountCoreQuotaReached"))
        }
        other => panic!("expected an HttpResponse error with the code, got {other:?}: {err}"),
    }
    assert_action_once(&server, RESIZE);
    assert_eq!(seen(&server), expected(false, POOL, RESIZE, 2));
    Ok(())
}

#[tokio::test]
async fn resize_pool() -> Result<()> {
    let (steady, errors) = tokio::join!(resize_pool_steady(), resize_pool_errors());
    steady?;
    errors
}

#[tokio::test]
async fn stop_pool_resize() -> Result<()> {
    let script = Script {
        resource: POOL,
        action: ("POST", "/pools/pool1/stopresize"),
        before: pool("active", "resizing", CREATED),
        after: vec![
            pool("active", "stopping", CREATED),
            pool("active", "steady", CREATED),
        ],
    };
    succeeds(
        script,
        false,
        |c| c.begin_stop_pool_resize("pool1", None, poll(20)),
        "steady",
    )
    .await
}

#[tokio::test]
async fn remove_nodes() -> Result<()> {
    let script = Script {
        resource: POOL,
        action: ("POST", "/pools/pool1/removenodes"),
        before: pool("active", "steady", CREATED),
        after: vec![
            pool("active", "resizing", CREATED),
            pool("active", "steady", CREATED),
        ],
    };
    let body: RequestContent<BatchNodeRemoveOptions> = BatchNodeRemoveOptions {
        node_ids: Some(vec!["node1".into()]),
        ..Default::default()
    }
    .try_into()?;
    succeeds(
        script,
        false,
        |c| c.begin_remove_nodes("pool1", body, None, poll(20)),
        "steady",
    )
    .await
}

// ---------------------------------------------------------------------------
// Job and job schedule states
// ---------------------------------------------------------------------------

const JOB: &str = "/jobs/job1";

/// A job that settles in a state other than the target fails the poller.
async fn disable_job_settles_elsewhere() -> Result<()> {
    let script = Script {
        resource: JOB,
        action: ("POST", "/jobs/job1/disable"),
        before: job("job1", "active", CREATED),
        after: vec![
            job("job1", "disabling", CREATED),
            job("job1", "completed", CREATED),
        ],
    };
    let body: RequestContent<BatchJobDisableOptions> = BatchJobDisableOptions {
        disable_tasks: Some(DisableBatchJobOption::Wait),
    }
    .try_into()?;
    let (server, client) = script.start().await;
    let err = client
        .begin_disable_job("job1", body, None, poll(20))?
        .await
        .expect_err("a job that completes instead of being disabled must fail the poller");
    assert!(err.to_string().contains("completed"), "message: {err}");
    assert_eq!(
        seen(&server),
        expected(true, JOB, ("POST", "/jobs/job1/disable"), 2)
    );
    Ok(())
}

#[tokio::test]
async fn disable_job() -> Result<()> {
    let (disabled, elsewhere) =
        tokio::join!(disable_job_disabled(), disable_job_settles_elsewhere());
    disabled?;
    elsewhere
}

async fn disable_job_disabled() -> Result<()> {
    let script = Script {
        resource: JOB,
        action: ("POST", "/jobs/job1/disable"),
        before: job("job1", "active", CREATED),
        after: vec![
            job("job1", "disabling", CREATED),
            job("job1", "disabled", CREATED),
        ],
    };
    let body: RequestContent<BatchJobDisableOptions> = BatchJobDisableOptions {
        disable_tasks: Some(DisableBatchJobOption::Requeue),
    }
    .try_into()?;
    succeeds(
        script,
        true,
        |c| c.begin_disable_job("job1", body, None, poll(20)),
        "disabled",
    )
    .await
}

#[tokio::test]
async fn enable_job() -> Result<()> {
    let script = Script {
        resource: JOB,
        action: ("POST", "/jobs/job1/enable"),
        before: job("job1", "disabled", CREATED),
        after: vec![
            job("job1", "enabling", CREATED),
            job("job1", "active", CREATED),
        ],
    };
    succeeds(
        script,
        true,
        |c| c.begin_enable_job("job1", None, poll(20)),
        "active",
    )
    .await
}

#[tokio::test]
async fn terminate_job() -> Result<()> {
    let script = Script {
        resource: JOB,
        action: ("POST", "/jobs/job1/terminate"),
        before: job("job1", "active", CREATED),
        after: vec![
            job("job1", "terminating", CREATED),
            job("job1", "completed", CREATED),
        ],
    };
    succeeds(
        script,
        true,
        |c| c.begin_terminate_job("job1", None, poll(20)),
        "completed",
    )
    .await
}

#[tokio::test]
async fn terminate_job_schedule() -> Result<()> {
    let script = Script {
        resource: "/jobschedules/schedule1",
        action: ("POST", "/jobschedules/schedule1/terminate"),
        before: job("schedule1", "active", CREATED),
        after: vec![
            job("schedule1", "terminating", CREATED),
            job("schedule1", "completed", CREATED),
        ],
    };
    succeeds(
        script,
        true,
        |c| c.begin_terminate_job_schedule("schedule1", None, poll(20)),
        "completed",
    )
    .await
}

// ---------------------------------------------------------------------------
// Node states
// ---------------------------------------------------------------------------

const NODE: &str = "/pools/pool1/nodes/node1";
const REBOOT: (&str, &str) = ("POST", "/pools/pool1/nodes/node1/reboot");

/// The node still reads `idle` right after the reboot request: that is its initial state, not
/// the target; the poller is done only once the node has left `idle` and come back.
async fn reboot_node_back_to_idle() -> Result<()> {
    let script = Script {
        resource: NODE,
        action: REBOOT,
        before: node("idle"),
        after: vec![
            node("idle"),
            node("rebooting"),
            node("rebooting"),
            node("idle"),
        ],
    };
    let (server, client) = script.start().await;
    let started = Instant::now();
    finishes(
        client.begin_reboot_node("pool1", "node1", None, poll(20))?,
        "idle",
    )
    .await?;
    assert!(
        started.elapsed() >= std::time::Duration::from_secs(4),
        "four reads one second apart took {:?}",
        started.elapsed()
    );
    assert_action_once(&server, REBOOT);
    let requests = seen(&server);
    let gets = requests.iter().filter(|r| r.starts_with("GET ")).count();
    assert_eq!(
        gets, 5,
        "one GET before the reboot and four after: {requests:?}"
    );
    assert_eq!(requests, expected(true, NODE, REBOOT, 4));
    Ok(())
}

/// A node that turns `unusable` fails the reboot.
async fn reboot_node_unusable() -> Result<()> {
    let script = Script {
        resource: NODE,
        action: REBOOT,
        before: node("idle"),
        after: vec![node("rebooting"), node("unusable")],
    };
    let (server, client) = script.start().await;
    let err = client
        .begin_reboot_node("pool1", "node1", None, poll(20))?
        .await
        .expect_err("an unusable node must fail the reboot");
    assert!(err.to_string().contains("unusable"), "message: {err}");
    assert_action_once(&server, REBOOT);
    assert_eq!(seen(&server), expected(true, NODE, REBOOT, 2));
    Ok(())
}

/// Rebooting an `unusable` node: reading `unusable` before it moved is its initial state, not a
/// failure; the poller is done when the node comes back `idle`.
async fn reboot_node_repairs_unusable() -> Result<()> {
    let script = Script {
        resource: NODE,
        action: REBOOT,
        before: node("unusable"),
        after: vec![node("unusable"), node("rebooting"), node("idle")],
    };
    succeeds(
        script,
        true,
        |c| c.begin_reboot_node("pool1", "node1", None, poll(20)),
        "idle",
    )
    .await
}

/// Rebooting an `unusable` node that comes back `unusable` after rebooting fails the poller as
/// soon as that is read (the node left its initial state and settled in a failure state).
/// The 3 s timeout only bounds the test should the poller keep waiting (the failure is due at
/// the second read, about 2 s in).
#[tokio::test]
async fn reboot_node_unusable_again() -> Result<()> {
    let script = Script {
        resource: NODE,
        action: REBOOT,
        before: node("unusable"),
        after: vec![node("rebooting"), node("unusable")],
    };
    let (server, client) = script.start().await;
    let err = client
        .begin_reboot_node("pool1", "node1", None, poll(3))?
        .await
        .expect_err("a node unusable again after rebooting must fail the reboot");
    assert!(
        err.to_string().contains("unusable"),
        "the reboot should fail because the node settled `unusable` again, not: {err}"
    );
    assert_eq!(
        seen(&server),
        expected(true, NODE, REBOOT, 2),
        "polling should stop at the first `unusable` read after `rebooting`"
    );
    Ok(())
}

#[tokio::test]
async fn reboot_node() -> Result<()> {
    let (back, unusable, repaired) = tokio::join!(
        reboot_node_back_to_idle(),
        reboot_node_unusable(),
        reboot_node_repairs_unusable()
    );
    back?;
    unusable?;
    repaired
}

const REIMAGE: (&str, &str) = ("POST", "/pools/pool1/nodes/node1/reimage");

async fn reimage_node_idle() -> Result<()> {
    let script = Script {
        resource: NODE,
        action: REIMAGE,
        before: node("idle"),
        after: vec![node("reimaging"), node("idle")],
    };
    succeeds(
        script,
        true,
        |c| c.begin_reimage_node("pool1", "node1", None, poll(20)),
        "idle",
    )
    .await
}

/// A node whose start task fails after the reimage fails the poller.
async fn reimage_node_start_task_failed() -> Result<()> {
    let script = Script {
        resource: NODE,
        action: REIMAGE,
        before: node("idle"),
        after: vec![node("reimaging"), node("starttaskfailed")],
    };
    let (server, client) = script.start().await;
    let err = client
        .begin_reimage_node("pool1", "node1", None, poll(20))?
        .await
        .expect_err("a failed start task must fail the reimage");
    assert!(
        err.to_string().contains("starttaskfailed"),
        "message: {err}"
    );
    assert_eq!(seen(&server), expected(true, NODE, REIMAGE, 2));
    Ok(())
}

#[tokio::test]
async fn reimage_node() -> Result<()> {
    let (idle, failed) = tokio::join!(reimage_node_idle(), reimage_node_start_task_failed());
    idle?;
    failed
}

#[tokio::test]
async fn start_node() -> Result<()> {
    let script = Script {
        resource: NODE,
        action: ("POST", "/pools/pool1/nodes/node1/start"),
        before: node("deallocated"),
        after: vec![node("starting"), node("idle")],
    };
    succeeds(
        script,
        true,
        |c| c.begin_start_node("pool1", "node1", None, poll(20)),
        "idle",
    )
    .await
}

#[tokio::test]
async fn deallocate_node() -> Result<()> {
    let script = Script {
        resource: NODE,
        action: ("POST", "/pools/pool1/nodes/node1/deallocate"),
        before: node("idle"),
        after: vec![node("deallocating"), node("deallocated")],
    };
    succeeds(
        script,
        true,
        |c| c.begin_deallocate_node("pool1", "node1", None, poll(20)),
        "deallocated",
    )
    .await
}

// ---------------------------------------------------------------------------
// The poller as a stream, and its options
// ---------------------------------------------------------------------------

/// Iterating the poller yields one report per step: the action, each intermediate state, then
/// the final state, after which the stream ends.
#[tokio::test]
async fn poller_as_stream() -> Result<()> {
    let script = Script {
        resource: NODE,
        action: REBOOT,
        before: node("idle"),
        after: vec![node("rebooting"), node("rebooting"), node("idle")],
    };
    let (server, client) = script.start().await;
    let mut poller = client.begin_reboot_node("pool1", "node1", None, poll(20))?;
    let mut reports = Vec::new();
    while let Some(response) = poller.try_next().await? {
        let report = response.into_model()?;
        reports.push((report.status, report.resource_state));
    }
    let report =
        |status: &str, state: Option<&str>| (status.to_string(), state.map(str::to_string));
    assert_eq!(
        reports,
        vec![
            report("InProgress", None),
            report("InProgress", Some("rebooting")),
            report("InProgress", Some("rebooting")),
            report("Succeeded", Some("idle")),
        ]
    );
    assert_action_once(&server, REBOOT);
    assert_eq!(seen(&server), expected(true, NODE, REBOOT, 3));
    Ok(())
}

/// A poll frequency below one second is refused by every `begin_*`, before any request.
#[tokio::test]
async fn frequency_below_one_second() -> Result<()> {
    let server =
        TestServer::start_http(Arc::new(|_: &RecordedRequest| CannedResponse::new(500))).await;
    let client = client(&server);
    for frequency in [Duration::milliseconds(999), Duration::ZERO] {
        let poll = || {
            Some(BatchPollOptions {
                frequency,
                timeout: Duration::seconds(20),
            })
        };
        let results: Vec<(&str, Result<Poller<BatchStateChange>>)> = vec![
            (
                "delete_pool",
                client.begin_delete_pool("pool1", None, poll()),
            ),
            ("delete_job", client.begin_delete_job("job1", None, poll())),
            (
                "delete_job_schedule",
                client.begin_delete_job_schedule("s1", None, poll()),
            ),
            (
                "resize_pool",
                client.begin_resize_pool("pool1", resize_body()?, None, poll()),
            ),
            (
                "stop_pool_resize",
                client.begin_stop_pool_resize("pool1", None, poll()),
            ),
            (
                "remove_nodes",
                client.begin_remove_nodes(
                    "pool1",
                    BatchNodeRemoveOptions::default().try_into()?,
                    None,
                    poll(),
                ),
            ),
            (
                "disable_job",
                client.begin_disable_job(
                    "job1",
                    BatchJobDisableOptions::default().try_into()?,
                    None,
                    poll(),
                ),
            ),
            ("enable_job", client.begin_enable_job("job1", None, poll())),
            (
                "terminate_job",
                client.begin_terminate_job("job1", None, poll()),
            ),
            (
                "terminate_job_schedule",
                client.begin_terminate_job_schedule("s1", None, poll()),
            ),
            (
                "reboot_node",
                client.begin_reboot_node("pool1", "node1", None, poll()),
            ),
            (
                "reimage_node",
                client.begin_reimage_node("pool1", "node1", None, poll()),
            ),
            (
                "start_node",
                client.begin_start_node("pool1", "node1", None, poll()),
            ),
            (
                "deallocate_node",
                client.begin_deallocate_node("pool1", "node1", None, poll()),
            ),
        ];
        assert_eq!(results.len(), 14);
        for (name, result) in results {
            let err = result
                .err()
                .unwrap_or_else(|| panic!("begin_{name} accepted a frequency of {frequency}"));
            assert!(err.to_string().contains("frequency"), "begin_{name}: {err}");
        }
    }
    assert!(server.requests().is_empty(), "{:?}", seen(&server));
    Ok(())
}
