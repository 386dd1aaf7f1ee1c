//! Every example in `spec/2025-06-01/examples/` round-trips through the
//! generated models: each request body through the operation's body model and
//! each response body through its response model, back to equal JSON.
//!
//! The directory is read when the test runs, and an example for an operation
//! this file does not know fails the test, so new examples are never skipped.

use std::{
    collections::{BTreeMap, BTreeSet},
    fmt,
    path::{Path, PathBuf},
};

use azure_compute_batch::models::*;
use azure_core::time::parse_rfc3339;
use serde::{de::DeserializeOwned, Serialize};
use serde_json::Value;

fn spec_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../spec/2025-06-01")
}

fn examples_dir() -> PathBuf {
    spec_dir().join("examples")
}

fn spec() -> serde_yaml::Value {
    let path = spec_dir().join("batch.yaml");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_yaml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Deserializes `original` into `T` and serializes it back.
type RoundTrip = fn(&Value) -> Result<Value, String>;

fn round_trip<T: DeserializeOwned + Serialize>(original: &Value) -> Result<Value, String> {
    let model: T = serde_json::from_value(original.clone()).map_err(|e| {
        format!(
            "does not deserialize into {}: {e}",
            std::any::type_name::<T>()
        )
    })?;
    serde_json::to_value(&model)
        .map_err(|e| format!("{} does not serialize: {e}", std::any::type_name::<T>()))
}

/// The models of one operation.
struct Models {
    /// The body parameter's model, if the operation takes a body.
    body: Option<RoundTrip>,
    /// The model of the success response's body, if it has one.
    response: Option<RoundTrip>,
}

fn models(operation_id: &str) -> Models {
    match operation_id {
        "Tasks_GetTask" => Models {
            body: None,
            response: Some(round_trip::<BatchTask>),
        },
        "Jobs_ListJobPreparationAndReleaseTaskStatus" => Models {
            body: None,
            response: Some(round_trip::<BatchJobPreparationAndReleaseTaskStatusListResult>),
        },
        "Tasks_CreateTaskCollection" => Models {
            body: Some(round_trip::<BatchTaskGroup>),
            response: Some(round_trip::<BatchCreateTaskCollectionResult>),
        },
        "Nodes_ReimageNode" => Models {
            body: Some(round_trip::<BatchNodeReimageOptions>),
            response: None,
        },
        "Nodes_UploadNodeLogs" => Models {
            body: Some(round_trip::<UploadBatchServiceLogsOptions>),
            response: Some(round_trip::<UploadBatchServiceLogsResult>),
        },
        "Applications_ListApplications" => Models {
            body: None,
            response: Some(round_trip::<BatchApplicationListResult>),
        },
        "Applications_GetApplication" => Models {
            body: None,
            response: Some(round_trip::<BatchApplication>),
        },
        "Certificates_CreateCertificate" => Models {
            body: Some(round_trip::<BatchCertificate>),
            response: None,
        },
        "Jobs_CreateJob" => Models {
            body: Some(round_trip::<BatchJobCreateOptions>),
            response: None,
        },
        "Jobs_GetJobTaskCounts" => Models {
            body: None,
            response: Some(round_trip::<BatchTaskCountsResult>),
        },
        "Tasks_ListTasks" => Models {
            body: None,
            response: Some(round_trip::<BatchTaskListResult>),
        },
        "Tasks_CreateTask" => Models {
            body: Some(round_trip::<BatchTaskCreateOptions>),
            response: None,
        },
        "Tasks_GetTaskFileProperties" => Models {
            body: None,
            response: None,
        },
        "Jobs_TerminateJob" => Models {
            body: Some(round_trip::<BatchJobTerminateOptions>),
            response: None,
        },
        "JobSchedules_CreateJobSchedule" => Models {
            body: Some(round_trip::<BatchJobScheduleCreateOptions>),
            response: None,
        },
        "JobSchedules_JobScheduleExists" => Models {
            body: None,
            response: None,
        },
        "JobSchedules_DisableJobSchedule" => Models {
            body: None,
            response: None,
        },
        "Pools_ListPoolNodeCounts" => Models {
            body: None,
            response: Some(round_trip::<BatchPoolNodeCountsListResult>),
        },
        "Pools_CreatePool" => Models {
            body: Some(round_trip::<BatchPoolCreateOptions>),
            response: None,
        },
        "Pools_GetPool" => Models {
            body: None,
            response: Some(round_trip::<BatchPool>),
        },
        "Pools_PoolExists" => Models {
            body: None,
            response: None,
        },
        "Nodes_GetNode" => Models {
            body: None,
            response: Some(round_trip::<BatchNode>),
        },
        "Nodes_GetNodeRemoteLoginSettings" => Models {
            body: None,
            response: Some(round_trip::<BatchNodeRemoteLoginSettings>),
        },
        "Nodes_CreateNodeUser" => Models {
            body: Some(round_trip::<BatchNodeUserCreateOptions>),
            response: None,
        },
        "Pools_ResizePool" => Models {
            body: Some(round_trip::<BatchPoolResizeOptions>),
            response: None,
        },
        "Pools_ListPoolUsageMetrics" => Models {
            body: None,
            response: Some(round_trip::<BatchPoolListUsageMetricsResult>),
        },
        "Pools_ListSupportedImages" => Models {
            body: None,
            response: Some(round_trip::<BatchAccountListSupportedImagesResult>),
        },
        other => panic!(
            "example for unknown operation {other:?}: add its models to `models()` in tests/it/examples.rs"
        ),
    }
}

/// operationId -> name of its `in: body` parameter, from the spec.
fn body_parameter_names(spec: &serde_yaml::Value) -> BTreeMap<String, Option<String>> {
    let mut out = BTreeMap::new();
    let paths = spec["paths"].as_mapping().expect("paths");
    for (_, path_item) in paths {
        for (_, operation) in path_item.as_mapping().expect("path item") {
            let Some(id) = operation["operationId"].as_str() else {
                continue;
            };
            let body = operation["parameters"]
                .as_sequence()
                .into_iter()
                .flatten()
                .map(|p| match p["$ref"].as_str() {
                    Some(r) => {
                        let name = r.strip_prefix("#/parameters/").expect("local $ref");
                        &spec["parameters"][name]
                    }
                    None => p,
                })
                .find(|p| p["in"].as_str() == Some("body"))
                .map(|p| p["name"].as_str().expect("parameter name").to_string());
            out.insert(id.to_string(), body);
        }
    }
    out
}

/// One place where the round-tripped JSON differs from the example.
struct Difference {
    path: String,
    original: Option<Value>,
    round_tripped: Option<Value>,
}

impl Difference {
    /// Both sides are RFC 3339 date-times naming the same instant.
    fn is_equivalent_date_time(&self) -> bool {
        match (&self.original, &self.round_tripped) {
            (Some(Value::String(a)), Some(Value::String(b))) => {
                match (parse_rfc3339(a), parse_rfc3339(b)) {
                    (Ok(a), Ok(b)) => a == b,
                    _ => false,
                }
            }
            _ => false,
        }
    }
}

impl fmt::Display for Difference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let show = |v: &Option<Value>| match v {
            Some(v) => v.to_string(),
            None => "<absent>".to_string(),
        };
        write!(
            f,
            "{}: example {} -> round trip {}",
            if self.path.is_empty() {
                "$"
            } else {
                &self.path
            },
            show(&self.original),
            show(&self.round_tripped)
        )
    }
}

fn diff(path: &str, original: &Value, round_tripped: &Value, out: &mut Vec<Difference>) {
    match (original, round_tripped) {
        (Value::Object(a), Value::Object(b)) => {
            let keys: BTreeSet<&String> = a.keys().chain(b.keys()).collect();
            for key in keys {
                let sub = format!("{path}.{key}");
                match (a.get(key), b.get(key)) {
                    (Some(x), Some(y)) => diff(&sub, x, y, out),
                    (x, y) => out.push(Difference {
                        path: sub,
                        original: x.cloned(),
                        round_tripped: y.cloned(),
                    }),
                }
            }
        }
        (Value::Array(a), Value::Array(b)) if a.len() == b.len() => {
            for (i, (x, y)) in a.iter().zip(b).enumerate() {
                diff(&format!("{path}[{i}]"), x, y, out);
            }
        }
        (a, b) if a == b => {}
        (a, b) => out.push(Difference {
            path: path.to_string(),
            original: Some(a.clone()),
            round_tripped: Some(b.clone()),
        }),
    }
}

#[derive(Default)]
struct Report {
    checked: usize,
    /// Differences that are only another spelling of the same date-time.
    date_spellings: Vec<String>,
    failures: Vec<String>,
}

impl Report {
    fn check(&mut self, what: String, round_trip: RoundTrip, original: &Value) {
        self.checked += 1;
        let round_tripped = match round_trip(original) {
            Ok(v) => v,
            Err(e) => {
                self.failures.push(format!("{what}: {e}"));
                return;
            }
        };
        let mut differences = Vec::new();
        diff("", original, &round_tripped, &mut differences);
        for d in differences {
            if d.is_equivalent_date_time() {
                self.date_spellings.push(format!("{what}: {d}"));
            } else {
                self.failures.push(format!("{what}: {d}"));
            }
        }
    }
}

fn example_files() -> Vec<PathBuf> {
    let dir = examples_dir();
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.expect("directory entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    files
}

fn file_name(path: &Path) -> String {
    path.file_name().unwrap().to_string_lossy().into_owned()
}

#[test]
fn every_example_round_trips_through_the_models() {
    let spec = spec();
    let body_names = body_parameter_names(&spec);
    let files = example_files();
    assert!(
        !files.is_empty(),
        "no examples in {}",
        examples_dir().display()
    );

    let mut report = Report::default();
    for path in &files {
        let name = file_name(path);
        let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{name}: {e}"));
        let example: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
        let operation_id = example["operationId"]
            .as_str()
            .unwrap_or_else(|| panic!("{name}: no operationId"));
        let models = models(operation_id);
        let body_name = body_names
            .get(operation_id)
            .unwrap_or_else(|| panic!("{name}: {operation_id} is not in the spec"));

        // The request body.
        match (body_name, models.body) {
            (Some(param), Some(round_trip)) => {
                if let Some(body) = example["parameters"].get(param) {
                    report.check(format!("{name} request `{param}`"), round_trip, body);
                }
            }
            (None, None) => {}
            (Some(param), None) => panic!(
                "{name}: {operation_id} takes the body `{param}` but `models()` names no model for it"
            ),
            (None, Some(_)) => {
                panic!("{name}: `models()` names a body model but {operation_id} takes no body")
            }
        }

        // The response bodies.
        let responses = example["responses"]
            .as_object()
            .unwrap_or_else(|| panic!("{name}: no responses"));
        assert!(!responses.is_empty(), "{name}: no responses");
        for (status, response) in responses {
            let Some(body) = response.get("body") else {
                continue;
            };
            let success = status.starts_with('2');
            let round_trip = if success {
                models.response.unwrap_or_else(|| {
                    panic!("{name}: {status} has a body but {operation_id} has no response model")
                })
            } else {
                round_trip::<BatchError>
            };
            report.check(format!("{name} response {status}"), round_trip, body);
        }
    }

    println!(
        "round-tripped {} example bodies from {} example files",
        report.checked,
        files.len()
    );
    for d in &report.date_spellings {
        println!("equivalent date-time spelling (lossy text): {d}");
    }
    assert!(report.checked > 0, "no example bodies were checked");
    assert!(
        report.failures.is_empty(),
        "round trips that change the JSON:\n{}",
        report.failures.join("\n")
    );
}

/// The examples directory and the spec's `x-ms-examples` agree, so an example
/// cannot be added to one and forgotten in the other.
#[test]
fn every_example_file_is_referenced_by_the_spec() {
    let spec = spec();
    let mut referenced = BTreeSet::new();
    for (_, path_item) in spec["paths"].as_mapping().expect("paths") {
        for (_, operation) in path_item.as_mapping().expect("path item") {
            let Some(id) = operation["operationId"].as_str() else {
                continue;
            };
            for (_, example) in operation["x-ms-examples"]
                .as_mapping()
                .into_iter()
                .flatten()
            {
                let r = example["$ref"].as_str().expect("example $ref");
                let file = r.strip_prefix("./examples/").unwrap_or(r).to_string();
                // The file names the same operation.
                let path = examples_dir().join(&file);
                let text = std::fs::read_to_string(&path)
                    .unwrap_or_else(|e| panic!("{id} refers to {r}: {e}"));
                let example: Value = serde_json::from_str(&text).expect("example JSON");
                assert_eq!(example["operationId"].as_str(), Some(id), "{file}");
                referenced.insert(file);
            }
        }
    }
    let present: BTreeSet<String> = example_files().iter().map(|p| file_name(p)).collect();
    assert_eq!(present, referenced);
}
