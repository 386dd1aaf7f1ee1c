mod server_selftest;
