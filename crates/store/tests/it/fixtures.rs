//! The shared fixtures, under the name the stories use.

pub use contactpoint_store::testing::fixtures::*;
