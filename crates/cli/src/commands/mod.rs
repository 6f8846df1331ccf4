pub mod bench;
pub mod demo;
pub mod generate;
pub mod import;
pub mod merge;
pub mod review;
pub mod serve;
pub mod source;
