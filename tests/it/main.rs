mod server_selftest;
mod stale;
