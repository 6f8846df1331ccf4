use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

/// The one error type handlers return. The status comes from the variant;
/// internals are logged by id and never shown.
#[derive(Debug, thiserror::Error)]
pub enum HttpError {
    #[error("not found")]
    NotFound,
    #[error("the service is unavailable")]
    Unavailable(#[source] contactpoint_store::Error),
    #[error("internal error")]
    Internal(#[source] contactpoint_store::Error),
}

impl From<contactpoint_store::Error> for HttpError {
    fn from(error: contactpoint_store::Error) -> Self {
        use contactpoint_store::Error;
        match error {
            Error::NotFound => Self::NotFound,
            Error::Unavailable(_) => Self::Unavailable(error),
            other => Self::Internal(other),
        }
    }
}

impl IntoResponse for HttpError {
    fn into_response(self) -> Response {
        let status = match &self {
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        };
        if let Self::Unavailable(source) | Self::Internal(source) = &self {
            tracing::error!(error = %source, "request failed");
        }
        (status, self.to_string()).into_response()
    }
}
