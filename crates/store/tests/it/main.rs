//! The store conformance suite: every story runs on SQLite, and on
//! PostgreSQL when `CONTACTPOINT_TEST_POSTGRES_URL` names a server.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod backends;
mod fixtures;
mod imports;
mod merges;
mod opening;
mod search;
mod sources;
mod stories;
