//! The Batch error body behind a failed call.
//!
//! Every failed call returns an [`azure_core::Error`] of kind
//! [`ErrorKind::HttpResponse`](azure_core::error::ErrorKind::HttpResponse) whose `error_code` is
//! the Batch `code` (e.g. `TaskExists`) and whose message is the Batch message. The whole body,
//! with its `values` details, is one call away through [`BatchErrorExt::batch_error`].

use crate::models::BatchError;
use azure_core::error::ErrorKind;

/// Access to the parsed [`BatchError`] of a failed call.
pub trait BatchErrorExt {
    /// The service's error body, when the error came from a response that carried one.
    fn batch_error(&self) -> Option<BatchError>;
}

impl BatchErrorExt for azure_core::Error {
    fn batch_error(&self) -> Option<BatchError> {
        match self.kind() {
            ErrorKind::HttpResponse { raw_response: Some(raw), .. } => serde_json::from_slice(raw.body()).ok(),
            _ => None,
        }
    }
}
