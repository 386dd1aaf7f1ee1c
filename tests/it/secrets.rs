//! Secrets never reach `Debug` output: passwords are `<redacted>`, SAS signatures in URLs are
//! `REDACTED`, and everything else stays readable.

use azure_compute_batch::models::{BatchTask, ContainerRegistryReference, ResourceFile, UploadBatchServiceLogsOptions};
use serde_json::json;

#[test]
fn registry_password_is_redacted_but_kept_for_the_wire() {
    let registry: ContainerRegistryReference = serde_json::from_value(json!({
        "username": "builder",
        "password": "hunter2-very-secret",
        "registryServer": "myregistry.azurecr.io"
    }))
    .unwrap();
    let debug = format!("{registry:?}");
    assert!(!debug.contains("hunter2"), "{debug}");
    assert!(debug.contains("<redacted>"), "{debug}");
    assert!(debug.contains("builder") && debug.contains("myregistry.azurecr.io"), "{debug}");
    // The value itself is untouched: it still goes to the service.
    assert_eq!(serde_json::to_value(&registry).unwrap()["password"], "hunter2-very-secret");
}

#[test]
fn sas_signatures_in_urls_are_redacted() {
    let sas = "https://account.blob.core.windows.net/logs?sv=2022-11-02&se=2030-01-01&sp=w&sig=AbC%2Bsecret%3D";
    let upload: UploadBatchServiceLogsOptions = serde_json::from_value(json!({
        "containerUrl": sas,
        "startTime": "2025-01-01T00:00:00Z"
    }))
    .unwrap();
    let debug = format!("{upload:?}");
    assert!(!debug.contains("AbC%2Bsecret"), "{debug}");
    assert!(debug.contains("sig=REDACTED") && debug.contains("sv=2022-11-02"), "{debug}");
    assert_eq!(serde_json::to_value(&upload).unwrap()["containerUrl"], sas);

    let file: ResourceFile = serde_json::from_value(json!({ "httpUrl": sas, "filePath": "in.txt" })).unwrap();
    let debug = format!("{file:?}");
    assert!(!debug.contains("AbC%2Bsecret") && debug.contains("in.txt"), "{debug}");
}

#[test]
fn a_whole_task_with_a_registry_password_prints_no_secret() {
    let task: BatchTask = serde_json::from_value(json!({
        "id": "t1",
        "containerSettings": {
            "imageName": "ubuntu",
            "registry": { "username": "u", "password": "p@ssw0rd-in-a-task", "registryServer": "r.io" }
        },
        "resourceFiles": [ { "httpUrl": "https://a.blob.core.windows.net/c/f?sig=TOPSECRETSIG", "filePath": "f" } ]
    }))
    .unwrap();
    let debug = format!("{task:#?}");
    assert!(!debug.contains("p@ssw0rd-in-a-task"), "{debug}");
    assert!(!debug.contains("TOPSECRETSIG"), "{debug}");
    assert!(debug.contains("ubuntu"), "{debug}");
}
