mod server_selftest;
mod stale;
mod errors;
mod snapshots;
mod e2e;
mod examples;
mod shared_key;
mod secrets;
