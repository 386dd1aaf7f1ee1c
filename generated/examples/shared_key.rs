//! Fetches one task with Shared Key authentication and prints its id and state.
//!
//! ```text
//! AZURE_BATCH_ENDPOINT=https://myaccount.westus.batch.azure.com \
//! AZURE_BATCH_ACCOUNT=myaccount \
//! AZURE_BATCH_ACCESS_KEY=... \
//! AZURE_BATCH_JOB_ID=myjob \
//! AZURE_BATCH_TASK_ID=mytask \
//! cargo run -p azure_compute_batch --example shared_key
//! ```

use azure_compute_batch::{BatchClient, BatchSharedKeyCredential};
use std::process::ExitCode;

const VARIABLES: [&str; 5] = [
    "AZURE_BATCH_ENDPOINT",
    "AZURE_BATCH_ACCOUNT",
    "AZURE_BATCH_ACCESS_KEY",
    "AZURE_BATCH_JOB_ID",
    "AZURE_BATCH_TASK_ID",
];

#[tokio::main]
async fn main() -> ExitCode {
    let values: Vec<Option<String>> = VARIABLES
        .iter()
        .map(|name| std::env::var(name).ok().filter(|v| !v.trim().is_empty()))
        .collect();
    let missing: Vec<&str> = VARIABLES
        .iter()
        .zip(&values)
        .filter(|(_, v)| v.is_none())
        .map(|(name, _)| *name)
        .collect();
    if !missing.is_empty() {
        eprintln!(
            "error: set these environment variables first: {}\n\
             (AZURE_BATCH_ENDPOINT is e.g. https://myaccount.westus.batch.azure.com; the access key \
             is under Keys in the Batch account in the Azure portal)",
            missing.join(", ")
        );
        return ExitCode::from(2);
    }
    let [endpoint, account, key, job_id, task_id] =
        <[String; 5]>::try_from(values.into_iter().flatten().collect::<Vec<_>>())
            .expect("all five variables are set");

    match run(&endpoint, account, key, &job_id, &task_id).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // The key is never part of an error message.
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run(
    endpoint: &str,
    account: String,
    key: String,
    job_id: &str,
    task_id: &str,
) -> azure_core::Result<()> {
    let credential = BatchSharedKeyCredential::new(account, key)?;
    let client = BatchClient::with_shared_key(endpoint, credential, None)?;
    let task = client.get_task(job_id, task_id, None).await?.into_model()?;
    println!(
        "task {}: {}",
        task.id.as_deref().unwrap_or(task_id),
        task.state
            .as_ref()
            .map(|s| s.as_str().to_owned())
            .unwrap_or_else(|| "<no state>".to_owned())
    );
    Ok(())
}
