//! End to end: the generated `BatchClient` calls each operation over a real
//! socket against the loopback HTTPS test server, with azure_core's
//! bearer-token policy in the pipeline.
//!
//! Every test checks both sides of the exchange: what went over the wire
//! (method, path, query, headers, JSON body) and what the client made of the
//! answer (typed model, typed response headers, errors). Request bodies and
//! responses come from the spec's example files.

use std::{
    collections::BTreeSet,
    path::PathBuf,
    sync::{Arc, Mutex, OnceLock},
};

use azure_compute_batch::{
    models::{
        AutoUserScope, BatchClientCreateTaskCollectionOptions, BatchClientGetTaskOptions,
        BatchClientListJobPreparationAndReleaseTaskStatusOptions, BatchClientReimageNodeOptions,
        BatchClientReimageNodeResultHeaders, BatchClientUploadNodeLogsOptions,
        BatchCreateTaskCollectionResultHeaders, BatchJobPreparationAndReleaseTaskStatus,
        BatchJobPreparationAndReleaseTaskStatusListResultHeaders, BatchJobPreparationTaskState,
        BatchJobReleaseTaskState, BatchNodeReimageOption, BatchNodeReimageOptions, BatchTask,
        BatchTaskAddStatus, BatchTaskGroup, BatchTaskHeaders, BatchTaskState, ElevationLevel,
        UploadBatchServiceLogsOptions, UploadBatchServiceLogsResultHeaders,
    },
    BatchClient, BatchClientOptions,
};
use azure_core::{
    credentials::{AccessToken, Secret, TokenCredential, TokenRequestOptions},
    error::ErrorKind,
    http::{ClientOptions, StatusCode, Url},
    time::{parse_rfc3339, Duration, OffsetDateTime},
};
use batch_tests::server::{CannedResponse, RecordedRequest, TestServer};
use futures::TryStreamExt as _;
use serde_json::{json, Value};

const API_VERSION: &str = "2025-06-01";
const TOKEN: &str = "test-token";
const SCOPE: &str = "https://batch.core.windows.net//.default";
/// The `consumes` value of every operation with a body.
const BODY_CONTENT_TYPE: &str = "application/json; odata=minimalmetadata";
const CLIENT_REQUEST_ID: &str = "6f1c3b0e-5a7d-4c1e-9a55-0d6b8f0a1c2e";
/// `ocp_date()` in RFC 7231 form.
const OCP_DATE_TEXT: &str = "Fri, 17 Feb 2017 00:00:00 GMT";
const TIME_OUT: i32 = 25;

fn ocp_date() -> OffsetDateTime {
    rfc3339("2017-02-17T00:00:00Z")
}

fn rfc3339(s: &str) -> OffsetDateTime {
    parse_rfc3339(s).unwrap_or_else(|e| panic!("{s}: {e}"))
}

// ---------------------------------------------------------------------------
// Credential and client
// ---------------------------------------------------------------------------

/// Hands out the fixed token `test-token`, valid for an hour, and records the
/// scopes it was asked for.
#[derive(Debug, Default)]
struct TestCredential {
    requested_scopes: Mutex<Vec<Vec<String>>>,
}

impl TestCredential {
    fn requested_scopes(&self) -> Vec<Vec<String>> {
        self.requested_scopes
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }
}

#[async_trait::async_trait]
impl TokenCredential for TestCredential {
    async fn get_token(
        &self,
        scopes: &[&str],
        _options: Option<TokenRequestOptions<'_>>,
    ) -> azure_core::Result<AccessToken> {
        self.requested_scopes
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(scopes.iter().map(|s| s.to_string()).collect());
        Ok(AccessToken::new(
            Secret::new(TOKEN),
            OffsetDateTime::now_utc() + Duration::hours(1),
        ))
    }
}

fn client_for(server: &TestServer) -> (BatchClient, Arc<TestCredential>) {
    let credential = Arc::new(TestCredential::default());
    let client = BatchClient::new(
        &server.url(),
        credential.clone(),
        Some(BatchClientOptions {
            client_options: ClientOptions {
                transport: Some(server.transport()),
                ..Default::default()
            },
            ..Default::default()
        }),
    )
    .expect("creating the client");
    (client, credential)
}

/// The credential was asked for the Batch scope, and for nothing else.
fn assert_scopes(credential: &TestCredential) {
    let scopes = credential.requested_scopes();
    assert!(
        !scopes.is_empty(),
        "the credential was never asked for a token"
    );
    for s in &scopes {
        assert_eq!(s, &[SCOPE.to_string()], "scopes requested: {scopes:?}");
    }
}

/// A server answering every request with `canned`.
async fn serve(canned: CannedResponse) -> TestServer {
    TestServer::start_https(Arc::new(move |_| canned.clone())).await
}

// ---------------------------------------------------------------------------
// Examples
// ---------------------------------------------------------------------------

fn examples_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../spec/2025-06-01/examples")
}

fn example(name: &str) -> Value {
    let path = examples_dir().join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The example's response for `status`: its headers and (JSON) body.
fn example_response(example: &Value, status: &str) -> CannedResponse {
    let response = &example["responses"][status];
    assert!(response.is_object(), "no {status} response in {example:#}");
    let mut canned = CannedResponse::new(status.parse().expect("numeric status"));
    if let Some(headers) = response["headers"].as_object() {
        for (name, value) in headers {
            canned = canned.header(name, value.as_str().expect("string header value"));
        }
    }
    if let Some(body) = response.get("body") {
        canned = canned
            .header("content-type", "application/json")
            .body(serde_json::to_vec(body).expect("JSON"));
    }
    canned
}

fn example_response_body(example: &Value, status: &str) -> Value {
    example["responses"][status]["body"].clone()
}

fn example_header<'a>(example: &'a Value, status: &str, name: &str) -> &'a str {
    example["responses"][status]["headers"][name]
        .as_str()
        .unwrap_or_else(|| panic!("example has no {name} header on {status}"))
}

// ---------------------------------------------------------------------------
// Request assertions
// ---------------------------------------------------------------------------

/// Method, path, the names of all query parameters, exactly one
/// `api-version=2025-06-01`, the bearer token and the accept header.
fn assert_request_line(req: &RecordedRequest, method: &str, path: &str, query_names: &[&str]) {
    assert_eq!(req.method, method, "{req:#?}");
    assert_eq!(req.path, path, "{req:#?}");
    let sent: BTreeSet<&str> = req.query.iter().map(|(n, _)| n.as_str()).collect();
    let expected: BTreeSet<&str> = query_names.iter().copied().collect();
    assert_eq!(sent, expected, "query parameters of {req:#?}");
    assert_eq!(
        req.query.len(),
        sent.len(),
        "a query parameter repeats: {req:#?}"
    );
    assert_eq!(req.query_values("api-version"), [API_VERSION], "{req:#?}");
    assert_eq!(
        req.header_values("authorization"),
        [format!("Bearer {TOKEN}").as_str()],
        "{req:#?}"
    );
    assert_eq!(req.header("accept"), Some("application/json"), "{req:#?}");
}

/// `timeOut`, `ocp-date` (RFC 7231), `client-request-id` and
/// `return-client-request-id` as set by `standard options`.
fn assert_standard_options(req: &RecordedRequest) {
    assert_eq!(
        req.query_values("timeOut"),
        [TIME_OUT.to_string().as_str()],
        "{req:#?}"
    );
    assert_eq!(req.header_values("ocp-date"), [OCP_DATE_TEXT], "{req:#?}");
    assert_eq!(
        req.header_values("client-request-id"),
        [CLIENT_REQUEST_ID],
        "{req:#?}"
    );
    assert_eq!(
        req.header_values("return-client-request-id"),
        ["true"],
        "{req:#?}"
    );
}

fn assert_json_body(req: &RecordedRequest, expected: &Value) {
    assert_eq!(
        req.header_values("content-type"),
        [BODY_CONTENT_TYPE],
        "{req:#?}"
    );
    assert_eq!(&req.json(), expected, "body of {} {}", req.method, req.path);
}

fn assert_no_body(req: &RecordedRequest) {
    assert_eq!(
        req.header("content-type"),
        None,
        "content-type without a body: {req:#?}"
    );
    assert!(
        req.body.is_empty(),
        "unexpected body: {:?}",
        req.body_text()
    );
}

// ---------------------------------------------------------------------------
// Tasks_GetTask
// ---------------------------------------------------------------------------

#[tokio::test]
async fn get_task_sends_every_option_and_parses_the_example() -> azure_core::Result<()> {
    let ex = example("Tasks_GetTask.json");
    let body = example_response_body(&ex, "200");
    let server = serve(
        example_response(&ex, "200")
            .header("client-request-id", CLIENT_REQUEST_ID)
            .header("x-unrelated", "ignored"),
    )
    .await;
    let (client, credential) = client_for(&server);

    let options = BatchClientGetTaskOptions {
        timeout: Some(TIME_OUT),
        client_request_id: Some(CLIENT_REQUEST_ID.to_string()),
        return_client_request_id: Some(true),
        ocp_date: Some(ocp_date()),
        if_modified_since: Some(rfc3339("2017-02-16T12:30:45Z")),
        if_unmodified_since: Some(rfc3339("2017-02-18T23:59:59Z")),
        if_match: Some("0x8D3D62350711C55".to_string()),
        if_none_match: Some("0x8D3D600000000000".to_string()),
        select: Some(vec![
            "id".to_string(),
            "state".to_string(),
            "commandLine".to_string(),
        ]),
        expand: Some(vec!["stats".to_string()]),
        ..Default::default()
    };
    let rsp = client.get_task("jobId", "taskId", Some(options)).await?;

    // The request.
    let req = server.only_request();
    assert_request_line(
        &req,
        "GET",
        "/jobs/jobId/tasks/taskId",
        &["api-version", "timeOut", "$select", "$expand"],
    );
    assert_standard_options(&req);
    assert_eq!(req.query_values("$select"), ["id,state,commandLine"]);
    assert_eq!(req.query_values("$expand"), ["stats"]);
    assert_eq!(
        req.header_values("if-modified-since"),
        ["Thu, 16 Feb 2017 12:30:45 GMT"]
    );
    assert_eq!(
        req.header_values("if-unmodified-since"),
        ["Sat, 18 Feb 2017 23:59:59 GMT"]
    );
    assert_eq!(req.header_values("if-match"), ["0x8D3D62350711C55"]);
    assert_eq!(req.header_values("if-none-match"), ["0x8D3D600000000000"]);
    assert_no_body(&req);
    assert_scopes(&credential);

    // Typed response headers.
    assert_eq!(rsp.status(), StatusCode::Ok);
    assert_eq!(rsp.etag()?.as_deref(), Some("0x8D3D62350711C55"));
    assert_eq!(rsp.last_modified()?, Some(rfc3339("2025-09-06T06:59:15Z")));
    assert_eq!(
        rsp.request_id()?.as_deref(),
        Some(example_header(&ex, "200", "request-id"))
    );
    assert_eq!(
        rsp.data_service_id()?.as_deref(),
        Some("https://account.region.batch.azure.com/jobs/jobId/tasks/taskId")
    );
    assert_eq!(rsp.client_request_id()?.as_deref(), Some(CLIENT_REQUEST_ID));

    // The model.
    let task: BatchTask = rsp.into_model()?;
    assert_eq!(task.id.as_deref(), Some("testTask"));
    assert_eq!(
        task.url.as_deref(),
        Some("https://account.region.batch.azure.com/jobs/jobId/tasks/taskId")
    );
    assert_eq!(task.etag.as_deref(), Some("0x8D3D62350711C55"));
    let created = rfc3339("2025-09-06T06:59:15.1161429Z");
    assert_eq!(created.nanosecond(), 116_142_900);
    assert_eq!(task.creation_time, Some(created));
    assert_eq!(task.last_modified, Some(created));
    assert_eq!(task.state_transition_time, Some(created));
    assert_eq!(task.state, Some(BatchTaskState::Active));
    assert_eq!(task.previous_state, None);
    assert_eq!(task.command_line.as_deref(), Some("cmd /c hostname"));
    let auto_user = task
        .user_identity
        .as_ref()
        .and_then(|u| u.auto_user.as_ref())
        .expect("userIdentity.autoUser");
    assert_eq!(auto_user.scope, Some(AutoUserScope::Task));
    assert_eq!(auto_user.elevation_level, Some(ElevationLevel::NonAdmin));
    let multi = task
        .multi_instance_settings
        .as_ref()
        .expect("multiInstanceSettings");
    assert_eq!(multi.number_of_instances, Some(3));
    assert_eq!(
        multi.coordination_command_line.as_deref(),
        Some("cmd /c echo coordinating")
    );
    let constraints = task.constraints.as_ref().expect("constraints");
    // P10675199DT2H48M5.4775807S is .NET's TimeSpan.MaxValue.
    let max = Duration::new(10_675_199 * 86_400 + 2 * 3_600 + 48 * 60 + 5, 477_580_700);
    assert_eq!(constraints.max_wall_clock_time, Some(max));
    assert_eq!(constraints.retention_time, Some(max));
    assert_eq!(constraints.max_task_retry_count, Some(0));
    assert_eq!(task.required_slots, Some(2));
    let execution = task.execution_info.as_ref().expect("executionInfo");
    assert_eq!(execution.retry_count, Some(0));
    assert_eq!(execution.requeue_count, Some(0));

    // And back to the same JSON.
    assert_eq!(serde_json::to_value(&task)?, body);
    Ok(())
}

#[tokio::test]
async fn get_task_without_options_sends_only_the_required_parts() -> azure_core::Result<()> {
    let ex = example("Tasks_GetTask.json");
    let server = serve(example_response(&ex, "200")).await;
    let (client, _) = client_for(&server);

    let task = client
        .get_task("jobId", "taskId", None)
        .await?
        .into_model()?;
    assert_eq!(task.id.as_deref(), Some("testTask"));

    let req = server.only_request();
    assert_request_line(&req, "GET", "/jobs/jobId/tasks/taskId", &["api-version"]);
    for absent in [
        "ocp-date",
        "return-client-request-id",
        "if-match",
        "if-none-match",
        "if-modified-since",
        "if-unmodified-since",
    ] {
        assert_eq!(req.header(absent), None, "{absent} was sent: {req:#?}");
    }
    // The pipeline makes one up.
    assert!(req.header("client-request-id").is_some(), "{req:#?}");
    assert_no_body(&req);
    Ok(())
}

#[tokio::test]
async fn path_parameters_are_percent_encoded() -> azure_core::Result<()> {
    let ex = example("Tasks_GetTask.json");
    let server = serve(example_response(&ex, "200")).await;
    let (client, _) = client_for(&server);

    client.get_task("job #1?x=y", "task 2%", None).await?;

    let req = server.only_request();
    // The server decodes the path; had `?` or `#` not been encoded, the path
    // would end early and the query would hold `x=y`.
    assert_request_line(
        &req,
        "GET",
        "/jobs/job #1?x=y/tasks/task 2%",
        &["api-version"],
    );
    Ok(())
}

/// `ocp-date` and the conditional date headers are HTTP dates: always GMT,
/// whatever the offset of the `OffsetDateTime` given.
#[tokio::test]
async fn http_date_headers_are_sent_in_gmt_for_any_offset() -> azure_core::Result<()> {
    let ex = example("Tasks_GetTask.json");
    let server = serve(example_response(&ex, "200")).await;
    let (client, _) = client_for(&server);

    let options = BatchClientGetTaskOptions {
        // Both are 2017-02-17T00:00:00Z.
        ocp_date: Some(rfc3339("2017-02-17T01:00:00+01:00")),
        if_modified_since: Some(rfc3339("2017-02-16T19:00:00-05:00")),
        ..Default::default()
    };
    client.get_task("jobId", "taskId", Some(options)).await?;

    let req = server.only_request();
    assert_eq!(
        req.header_values("ocp-date"),
        [OCP_DATE_TEXT],
        "ocp-date must be the same instant in GMT"
    );
    assert_eq!(
        req.header_values("if-modified-since"),
        [OCP_DATE_TEXT],
        "if-modified-since must be the same instant in GMT"
    );
    Ok(())
}

#[tokio::test]
async fn unknown_enum_values_survive_a_round_trip() -> azure_core::Result<()> {
    let body = json!({
        "id": "t1",
        "state": "hibernating",
        "previousState": "active",
        "userIdentity": { "autoUser": { "scope": "cluster", "elevationLevel": "superuser" } },
        "executionInfo": { "retryCount": 1, "requeueCount": 0, "result": "partialsuccess" }
    });
    let server = serve(CannedResponse::json(200, &body)).await;
    let (client, _) = client_for(&server);

    let task = client.get_task("jobId", "t1", None).await?.into_model()?;

    assert_eq!(
        task.state,
        Some(BatchTaskState::UnknownValue("hibernating".to_string()))
    );
    assert_eq!(task.previous_state, Some(BatchTaskState::Active));
    let state = task.state.as_ref().unwrap();
    assert_eq!(state.as_str(), "hibernating");
    assert_eq!(state.to_string(), "hibernating");
    assert_eq!(serde_json::to_value(state)?, json!("hibernating"));
    let auto_user = task
        .user_identity
        .as_ref()
        .unwrap()
        .auto_user
        .as_ref()
        .unwrap();
    assert_eq!(
        auto_user.scope,
        Some(AutoUserScope::UnknownValue("cluster".to_string()))
    );
    assert_eq!(
        auto_user.elevation_level,
        Some(ElevationLevel::UnknownValue("superuser".to_string()))
    );
    assert_eq!(serde_json::to_value(&task)?, body);
    Ok(())
}

// ---------------------------------------------------------------------------
// Jobs_ListJobPreparationAndReleaseTaskStatus
// ---------------------------------------------------------------------------

const LIST_PATH: &str = "/jobs/jobId/jobpreparationandreleasetaskstatus";
const LIST_FILTER: &str =
    "nodeId ge 'node-1' and jobPreparationTaskExecutionInfo/state eq 'completed'";
const LIST_MAX_RESULTS: i32 = 2;
const PAGE_NODES: [&[&str]; 3] = [&["node-1", "node-2"], &["node-3", "node-4"], &["node-5"]];

fn list_item(node_id: &str) -> Value {
    let ex = example("Jobs_ListJobPreparationAndReleaseTaskStatus_Paged.json");
    let mut item = example_response_body(&ex, "200")["value"][0].clone();
    item["nodeId"] = json!(node_id);
    item
}

/// A server with three pages. Like the service, its next links carry the
/// query of the listing ($filter, maxresults) and a skip token; the first one
/// leaves out api-version and the second one names an older api-version, so
/// the client has to put its own in.
async fn three_page_server() -> TestServer {
    let base: Arc<OnceLock<String>> = Arc::new(OnceLock::new());
    let base_in_handler = base.clone();
    let server = TestServer::start_https(Arc::new(move |req| {
        let page = match req.query_value("$skipToken") {
            None => 0,
            Some("page-2") => 1,
            Some("page-3") => 2,
            Some(other) => panic!("unknown skip token {other}"),
        };
        let items: Vec<Value> = PAGE_NODES[page].iter().map(|n| list_item(n)).collect();
        let mut body = json!({
            "odata.metadata": "https://account.region.batch.azure.com/$metadata#jobpreparationandreleasetaskstatuslist",
            "value": items,
        });
        if page < 2 {
            let mut next = Url::parse(&format!(
                "{}{LIST_PATH}",
                base_in_handler.get().expect("base url")
            ))
            .unwrap();
            {
                let mut q = next.query_pairs_mut();
                if page == 1 {
                    q.append_pair("api-version", "2024-07-01.20.0");
                }
                q.append_pair("$filter", LIST_FILTER)
                    .append_pair("maxresults", &LIST_MAX_RESULTS.to_string())
                    .append_pair("$skipToken", &format!("page-{}", page + 2));
            }
            body["odata.nextLink"] = json!(next.as_str());
        }
        CannedResponse::json(200, &body)
            .header("request-id", &format!("request-{page}"))
            .header("etag", &format!("0x8D00000000000{page}"))
            .header("last-modified", "Sun, 03 May 2015 08:00:00 GMT")
    }))
    .await;
    base.set(server.url()).unwrap();
    server
}

fn list_options() -> BatchClientListJobPreparationAndReleaseTaskStatusOptions<'static> {
    BatchClientListJobPreparationAndReleaseTaskStatusOptions {
        timeout: Some(TIME_OUT),
        client_request_id: Some(CLIENT_REQUEST_ID.to_string()),
        return_client_request_id: Some(true),
        ocp_date: Some(ocp_date()),
        maxresults: Some(LIST_MAX_RESULTS),
        filter: Some(LIST_FILTER.to_string()),
        select: Some(vec![
            "poolId".to_string(),
            "nodeId".to_string(),
            "jobPreparationTaskExecutionInfo".to_string(),
        ]),
        ..Default::default()
    }
}

fn assert_page_requests(server: &TestServer) {
    let requests = server.requests();
    assert_eq!(requests.len(), 3, "one request per page: {requests:#?}");
    for (i, req) in requests.iter().enumerate() {
        let mut names = vec!["api-version", "$filter", "maxresults"];
        if i == 0 {
            names.extend(["timeOut", "$select"]);
        } else {
            names.push("$skipToken");
        }
        assert_request_line(req, "GET", LIST_PATH, &names);
        assert_eq!(req.query_values("$filter"), [LIST_FILTER], "page {i}");
        assert_eq!(
            req.query_values("maxresults"),
            [LIST_MAX_RESULTS.to_string().as_str()],
            "page {i}"
        );
        assert_no_body(req);
    }
    let first = &requests[0];
    assert_standard_options(first);
    assert_eq!(
        first.query_values("$select"),
        ["poolId,nodeId,jobPreparationTaskExecutionInfo"]
    );
    assert_eq!(requests[1].query_value("$skipToken"), Some("page-2"));
    assert_eq!(requests[2].query_value("$skipToken"), Some("page-3"));
}

#[tokio::test]
async fn list_follows_next_links_through_three_pages() -> azure_core::Result<()> {
    let server = three_page_server().await;
    let (client, credential) = client_for(&server);

    let items: Vec<BatchJobPreparationAndReleaseTaskStatus> = client
        .list_job_preparation_and_release_task_status("jobId", Some(list_options()))?
        .try_collect()
        .await?;

    let node_ids: Vec<&str> = items.iter().filter_map(|i| i.node_id.as_deref()).collect();
    assert_eq!(node_ids, ["node-1", "node-2", "node-3", "node-4", "node-5"]);
    for item in &items {
        let sent = list_item(item.node_id.as_deref().unwrap());
        assert_eq!(serde_json::to_value(item)?, sent);
        assert_eq!(item.pool_id.as_deref(), Some("poolId"));
        let prep = item.job_preparation_task_execution_info.as_ref().unwrap();
        assert_eq!(prep.state, Some(BatchJobPreparationTaskState::Completed));
        assert_eq!(prep.start_time, Some(rfc3339("2015-05-01T10:20:31Z")));
        assert_eq!(prep.end_time, Some(rfc3339("2015-05-02T20:12:42Z")));
        assert_eq!(prep.exit_code, Some(0));
        assert_eq!(prep.retry_count, Some(0));
        let release = item.job_release_task_execution_info.as_ref().unwrap();
        assert_eq!(release.state, Some(BatchJobReleaseTaskState::Completed));
        assert_eq!(
            release.task_root_directory.as_deref(),
            Some("tasks/myjob/job-1/myjobreleasetask")
        );
    }

    assert_page_requests(&server);
    assert_scopes(&credential);
    Ok(())
}

#[tokio::test]
async fn list_pages_carry_typed_headers() -> azure_core::Result<()> {
    let server = three_page_server().await;
    let (client, _) = client_for(&server);

    let pages: Vec<_> = client
        .list_job_preparation_and_release_task_status("jobId", Some(list_options()))?
        .into_pages()
        .try_collect()
        .await?;
    assert_eq!(pages.len(), 3);
    for (i, page) in pages.into_iter().enumerate() {
        assert_eq!(page.status(), StatusCode::Ok);
        assert_eq!(page.request_id()?, Some(format!("request-{i}")));
        assert_eq!(page.etag()?, Some(format!("0x8D00000000000{i}")));
        assert_eq!(page.last_modified()?, Some(rfc3339("2015-05-03T08:00:00Z")));
        let model = page.into_model()?;
        let nodes: Vec<&str> = model
            .value
            .iter()
            .flatten()
            .filter_map(|s| s.node_id.as_deref())
            .collect();
        assert_eq!(nodes, PAGE_NODES[i]);
        assert_eq!(model.odata_next_link.is_some(), i < 2);
    }
    assert_page_requests(&server);
    Ok(())
}

#[tokio::test]
async fn list_parses_the_single_page_example() -> azure_core::Result<()> {
    let ex = example("Jobs_ListJobPreparationAndReleaseTaskStatus.json");
    let server = serve(example_response(&ex, "200")).await;
    let (client, _) = client_for(&server);

    let items: Vec<_> = client
        .list_job_preparation_and_release_task_status("jobId", None)?
        .try_collect()
        .await?;
    let expected = example_response_body(&ex, "200")["value"].clone();
    assert_eq!(serde_json::to_value(&items)?, expected);

    let req = server.only_request();
    assert_request_line(&req, "GET", LIST_PATH, &["api-version"]);
    assert_no_body(&req);
    Ok(())
}

#[tokio::test]
async fn list_error_on_the_first_page_is_an_http_response_error() {
    let error_body = json!({
        "odata.metadata": "https://account.region.batch.azure.com/$metadata#Microsoft.Azure.Batch.Protocol.Entities.Container.errors/@Element",
        "code": "JobPreparationTaskOrReleaseTaskNotSpecified",
        "message": { "lang": "en-US", "value": "The job does not have a job preparation or release task." }
    });
    let server = serve(CannedResponse::json(409, &error_body)).await;
    let (client, _) = client_for(&server);

    let err = client
        .list_job_preparation_and_release_task_status("jobId", None)
        .expect("creating the pager")
        .try_collect::<Vec<_>>()
        .await
        .expect_err("a 409 must fail the listing");
    match err.kind() {
        ErrorKind::HttpResponse {
            status, error_code, ..
        } => {
            assert_eq!(*status, StatusCode::Conflict);
            assert_eq!(
                error_code.as_deref(),
                Some("JobPreparationTaskOrReleaseTaskNotSpecified")
            );
        }
        other => panic!("unexpected error kind {other:?}: {err}"),
    }
    assert!(
        err.to_string()
            .contains("The job does not have a job preparation or release task."),
        "{err}"
    );
    assert_eq!(server.requests().len(), 1);
}

// ---------------------------------------------------------------------------
// Tasks_CreateTaskCollection
// ---------------------------------------------------------------------------

fn create_task_collection_options() -> BatchClientCreateTaskCollectionOptions<'static> {
    BatchClientCreateTaskCollectionOptions {
        timeout: Some(TIME_OUT),
        client_request_id: Some(CLIENT_REQUEST_ID.to_string()),
        return_client_request_id: Some(true),
        ocp_date: Some(ocp_date()),
        ..Default::default()
    }
}

#[tokio::test]
async fn create_task_collection_sends_the_example_bodies() -> azure_core::Result<()> {
    for name in [
        "Tasks_CreateTaskCollection.json",
        "Tasks_CreateTaskCollection_Complex.json",
    ] {
        let ex = example(name);
        let request_body = ex["parameters"]["taskCollection"].clone();
        let response_body = example_response_body(&ex, "200");
        let server = serve(
            example_response(&ex, "200")
                .header("client-request-id", CLIENT_REQUEST_ID)
                .header("etag", "0x8D3D623CD661246")
                .header("last-modified", "Tue, 06 Sep 2016 07:02:44 GMT"),
        )
        .await;
        let (client, credential) = client_for(&server);

        let group: BatchTaskGroup = serde_json::from_value(request_body.clone())?;
        let rsp = client
            .create_task_collection(
                "jobId",
                group.try_into()?,
                Some(create_task_collection_options()),
            )
            .await?;

        let req = server.only_request();
        assert_request_line(
            &req,
            "POST",
            "/jobs/jobId/addtaskcollection",
            &["api-version", "timeOut"],
        );
        assert_standard_options(&req);
        assert_json_body(&req, &request_body);
        assert_scopes(&credential);

        assert_eq!(rsp.status(), StatusCode::Ok);
        assert_eq!(
            rsp.request_id()?.as_deref(),
            Some(example_header(&ex, "200", "request-id")),
            "{name}"
        );
        assert_eq!(rsp.client_request_id()?.as_deref(), Some(CLIENT_REQUEST_ID));
        assert_eq!(rsp.etag()?.as_deref(), Some("0x8D3D623CD661246"));
        assert_eq!(rsp.last_modified()?, Some(rfc3339("2016-09-06T07:02:44Z")));

        let result = rsp.into_model()?;
        let values = result.values.as_ref().expect("value");
        let expected = response_body["value"].as_array().unwrap();
        assert_eq!(values.len(), expected.len(), "{name}");
        for (got, want) in values.iter().zip(expected) {
            assert_eq!(got.status, Some(BatchTaskAddStatus::Success), "{name}");
            assert_eq!(got.task_id.as_deref(), want["taskId"].as_str(), "{name}");
            assert_eq!(got.etag.as_deref(), want["eTag"].as_str(), "{name}");
            assert_eq!(
                got.last_modified,
                Some(rfc3339(want["lastModified"].as_str().unwrap())),
                "{name}"
            );
            assert_eq!(got.location.as_deref(), want["location"].as_str(), "{name}");
            assert!(got.error.is_none());
        }
        assert_eq!(serde_json::to_value(&result)?, response_body, "{name}");
    }
    Ok(())
}

#[tokio::test]
async fn create_task_collection_conflict_keeps_code_message_and_response() {
    let error_body = json!({
        "odata.metadata": "https://account.region.batch.azure.com/$metadata#Microsoft.Azure.Batch.Protocol.Entities.Container.errors/@Element",
        "code": "TaskExists",
        "message": { "lang": "en-US", "value": "The specified task already exists." },
        "values": [ { "key": "TaskId", "value": "t1" } ]
    });
    let server = serve(
        CannedResponse::json(409, &error_body)
            .header("request-id", "00000000-1111-2222-3333-444444444444"),
    )
    .await;
    let (client, _) = client_for(&server);

    let group: BatchTaskGroup = serde_json::from_value(json!({
        "value": [ { "id": "t1", "commandLine": "cmd /c echo hi" } ]
    }))
    .unwrap();
    let err = client
        .create_task_collection(
            "jobId",
            group.try_into().unwrap(),
            Some(create_task_collection_options()),
        )
        .await
        .expect_err("a 409 must be an error");

    assert_eq!(err.http_status(), Some(StatusCode::Conflict));
    match err.kind() {
        ErrorKind::HttpResponse {
            status,
            error_code,
            raw_response,
        } => {
            assert_eq!(u16::from(*status), 409);
            assert_eq!(error_code.as_deref(), Some("TaskExists"));
            let raw = raw_response.as_ref().expect("the raw response is kept");
            assert_eq!(raw.status(), StatusCode::Conflict);
            let kept: Value = serde_json::from_slice(raw.body().as_ref())
                .expect("the kept body is the JSON sent");
            assert_eq!(kept, error_body);
            assert_eq!(
                raw.headers().get_optional_str(
                    &azure_core::http::headers::HeaderName::from_static("request-id")
                ),
                Some("00000000-1111-2222-3333-444444444444")
            );
        }
        other => panic!("unexpected error kind {other:?}: {err}"),
    }
    let text = err.to_string();
    assert!(
        text.contains("The specified task already exists."),
        "{text}"
    );
    // The parsed Batch error, with its key/value details.
    let batch = azure_compute_batch::BatchErrorExt::batch_error(&err).expect("a Batch error body");
    assert_eq!(batch.code.as_deref(), Some("TaskExists"));
    assert_eq!(
        batch.message.as_ref().and_then(|m| m.value.as_deref()),
        Some("The specified task already exists.")
    );
    let values = batch.values.expect("details");
    assert_eq!(values[0].key.as_deref(), Some("TaskId"));
    assert_eq!(values[0].value.as_deref(), Some("t1"));
    // Not retried.
    assert_eq!(server.requests().len(), 1);
}

// ---------------------------------------------------------------------------
// Nodes_ReimageNode
// ---------------------------------------------------------------------------

#[tokio::test]
async fn reimage_node_with_the_example_body() -> azure_core::Result<()> {
    let ex = example("Nodes_ReimageNode.json");
    let request_body = ex["parameters"]["options"].clone();
    let server = serve(
        example_response(&ex, "202")
            .header("client-request-id", CLIENT_REQUEST_ID)
            .header("etag", "0x8D4131F1E4F0B7F")
            .header("last-modified", "Tue, 22 Nov 2016 19:35:00 GMT"),
    )
    .await;
    let (client, credential) = client_for(&server);

    let body: BatchNodeReimageOptions = serde_json::from_value(request_body.clone())?;
    assert_eq!(
        body.node_reimage_option,
        Some(BatchNodeReimageOption::Terminate)
    );
    let options = BatchClientReimageNodeOptions {
        timeout: Some(TIME_OUT),
        client_request_id: Some(CLIENT_REQUEST_ID.to_string()),
        return_client_request_id: Some(true),
        ocp_date: Some(ocp_date()),
        options: Some(body.try_into()?),
        ..Default::default()
    };
    let rsp = client
        .reimage_node("poolId", "tvm-1695681911_1-20161122t193202z", Some(options))
        .await?;

    let req = server.only_request();
    assert_request_line(
        &req,
        "POST",
        "/pools/poolId/nodes/tvm-1695681911_1-20161122t193202z/reimage",
        &["api-version", "timeOut"],
    );
    assert_standard_options(&req);
    assert_json_body(&req, &request_body);
    assert_scopes(&credential);

    assert_eq!(rsp.status(), StatusCode::Accepted);
    assert_eq!(
        rsp.data_service_id()?.as_deref(),
        Some(example_header(&ex, "202", "DataServiceId"))
    );
    assert_eq!(
        rsp.request_id()?.as_deref(),
        Some(example_header(&ex, "202", "request-id"))
    );
    assert_eq!(rsp.client_request_id()?.as_deref(), Some(CLIENT_REQUEST_ID));
    assert_eq!(rsp.etag()?.as_deref(), Some("0x8D4131F1E4F0B7F"));
    assert_eq!(rsp.last_modified()?, Some(rfc3339("2016-11-22T19:35:00Z")));
    Ok(())
}

#[tokio::test]
async fn reimage_node_without_a_body_sends_no_content_type() -> azure_core::Result<()> {
    let ex = example("Nodes_ReimageNode.json");
    let server = serve(example_response(&ex, "202")).await;
    let (client, _) = client_for(&server);

    let options = BatchClientReimageNodeOptions {
        ocp_date: Some(ocp_date()),
        ..Default::default()
    };
    let rsp = client
        .reimage_node("poolId", "tvm-1695681911_1-20161122t193202z", Some(options))
        .await?;
    assert_eq!(rsp.status(), StatusCode::Accepted);

    let req = server.only_request();
    assert_request_line(
        &req,
        "POST",
        "/pools/poolId/nodes/tvm-1695681911_1-20161122t193202z/reimage",
        &["api-version"],
    );
    assert_eq!(req.header_values("ocp-date"), [OCP_DATE_TEXT]);
    assert_no_body(&req);
    Ok(())
}

// ---------------------------------------------------------------------------
// Nodes_UploadNodeLogs
// ---------------------------------------------------------------------------

#[tokio::test]
async fn upload_node_logs_with_the_example_body() -> azure_core::Result<()> {
    let ex = example("Nodes_UploadNodeLogs.json");
    let request_body = ex["parameters"]["uploadOptions"].clone();
    let response_body = example_response_body(&ex, "200");
    let server = serve(
        example_response(&ex, "200")
            .header("client-request-id", CLIENT_REQUEST_ID)
            .header("etag", "0x8D535C4C7A8B7D1")
            .header("last-modified", "Mon, 27 Nov 2017 10:15:00 GMT"),
    )
    .await;
    let (client, credential) = client_for(&server);

    let body: UploadBatchServiceLogsOptions = serde_json::from_value(request_body.clone())?;
    assert_eq!(body.start_time, Some(rfc3339("2017-11-27T00:00:00Z")));
    assert_eq!(body.end_time, None);
    let options = BatchClientUploadNodeLogsOptions {
        timeout: Some(TIME_OUT),
        client_request_id: Some(CLIENT_REQUEST_ID.to_string()),
        return_client_request_id: Some(true),
        ocp_date: Some(ocp_date()),
        ..Default::default()
    };
    let rsp = client
        .upload_node_logs(
            "poolId",
            "tvm-1695681911_1-20161121t182739z",
            body.try_into()?,
            Some(options),
        )
        .await?;

    let req = server.only_request();
    assert_request_line(
        &req,
        "POST",
        "/pools/poolId/nodes/tvm-1695681911_1-20161121t182739z/uploadbatchservicelogs",
        &["api-version", "timeOut"],
    );
    assert_standard_options(&req);
    assert_json_body(&req, &request_body);
    assert_scopes(&credential);

    assert_eq!(rsp.status(), StatusCode::Ok);
    assert_eq!(
        rsp.request_id()?.as_deref(),
        Some(example_header(&ex, "200", "request-id"))
    );
    assert_eq!(rsp.client_request_id()?.as_deref(), Some(CLIENT_REQUEST_ID));
    assert_eq!(rsp.etag()?.as_deref(), Some("0x8D535C4C7A8B7D1"));
    assert_eq!(rsp.last_modified()?, Some(rfc3339("2017-11-27T10:15:00Z")));

    let result = rsp.into_model()?;
    assert_eq!(
        result.virtual_directory_name.as_deref(),
        Some("poolId/tvm-1695681911-1-20161121t182739z/0795539d-82fe-48e3-bbff-2964905b6de0")
    );
    assert_eq!(result.number_of_files_uploaded, Some(8));
    assert_eq!(serde_json::to_value(&result)?, response_body);
    Ok(())
}
