//! The web service.
