//! Source feed formats and the linking pipeline.
