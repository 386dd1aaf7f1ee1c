//! Lists the pools of a Batch account with Microsoft Entra ID authentication (the identity of
//! `az login` or `azd auth login`) and prints each pool's id, state and node count.
//!
//! ```text
//! AZURE_BATCH_ENDPOINT=https://myaccount.westus.batch.azure.com \
//! cargo run -p azure_compute_batch --example entra_id
//! ```

use azure_compute_batch::{models::BatchClientListPoolsOptions, BatchClient};
use azure_identity::DeveloperToolsCredential;
use futures::TryStreamExt;
use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    let Some(endpoint) = std::env::var("AZURE_BATCH_ENDPOINT").ok().filter(|v| !v.trim().is_empty()) else {
        eprintln!("error: set AZURE_BATCH_ENDPOINT first, e.g. https://myaccount.westus.batch.azure.com");
        return ExitCode::from(2);
    };
    match run(&endpoint).await {
        Ok(count) => {
            println!("{count} pools");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run(endpoint: &str) -> azure_core::Result<usize> {
    let credential = DeveloperToolsCredential::new(None)?;
    let client = BatchClient::new(endpoint, credential, None)?;
    let options = BatchClientListPoolsOptions { maxresults: Some(100), ..Default::default() };
    let mut pools = client.list_pools(Some(options))?;
    let mut count = 0;
    while let Some(pool) = pools.try_next().await? {
        count += 1;
        println!(
            "{}\t{}\t{} nodes",
            pool.id.as_deref().unwrap_or("?"),
            pool.state.map(|s| s.to_string()).unwrap_or_default(),
            pool.current_dedicated_nodes.unwrap_or(0) + pool.current_low_priority_nodes.unwrap_or(0)
        );
    }
    Ok(count)
}
