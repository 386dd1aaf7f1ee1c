//! Azure Batch client library for Rust, built on `azure_core`.
//!
//! Create a [`BatchClient`] with a Microsoft Entra ID credential and call
//! the service's operations; every optional parameter lives in the method's `*Options` struct.
//! To authenticate with the account's access key instead, use
//! [`BatchClient::with_shared_key`] with a [`BatchSharedKeyCredential`] (see [`shared_key`]).
//! Long-running state changes (deleting a pool, resizing it, rebooting a node, ...) have
//! `begin_*` methods that return a [`Poller`](azure_core::http::Poller) (see [`lro`]).
//!
//! ```no_run
//! # async fn example(credential: std::sync::Arc<dyn azure_core::credentials::TokenCredential>) -> azure_core::Result<()> {
//! use azure_compute_batch::{models::BatchClientGetTaskOptions, BatchClient, BatchErrorExt};
//! use futures::TryStreamExt;
//!
//! let client = BatchClient::new("https://account.region.batch.azure.com", credential, None)?;
//! let options = BatchClientGetTaskOptions { timeout: Some(30), ..Default::default() };
//! match client.get_task("job-1", "task-1", Some(options)).await {
//!     Ok(response) => println!("{:?}", response.into_model()?.state),
//!     Err(e) => println!("{:?}", e.batch_error().and_then(|b| b.code)),
//! }
//! let mut pools = client.list_pools(None)?;
//! while let Some(pool) = pools.try_next().await? {
//!     println!("{:?}", pool.id);
//! }
//! client.begin_delete_pool("old-pool", None, None)?.await?;
//! # Ok(()) }
//! ```
//!
//! The code under `src/generated/` is written by `cargo xtask codegen` from the API description
//! in `spec/`; the modules beside it are written by hand.

#![warn(missing_docs)]

mod errors;
mod generated;
pub mod lro;
pub mod shared_key;

pub mod clients {
    //! The Batch service client.
    pub use crate::generated::clients::*;
}

pub mod models {
    //! Request and response models, enums, per-method options and typed response headers.
    pub use crate::generated::models::*;
}

pub use clients::{BatchClient, BatchClientOptions, DEFAULT_API_VERSION};
pub use errors::BatchErrorExt;
pub use lro::{BatchPollOptions, BatchStateChange};
pub use shared_key::{BatchSharedKeyCredential, BatchSharedKeyPolicy};
