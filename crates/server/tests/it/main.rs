//! The service through its real HTTP server, on a real database.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod api;
mod browser;
mod feeds;
mod helpers;
mod merges;
mod pages;
mod reviews;
