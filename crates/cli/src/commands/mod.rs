pub mod bench;
pub mod demo;
pub mod generate;
pub mod serve;
pub mod source;
