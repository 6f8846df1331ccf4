//! The API's one error body: a code a program can act on, a message a
//! person can read, and for a bad query each field at fault.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use contactpoint_domain::SearchError;
use serde::Serialize;

use crate::HttpError;
use crate::queue::DecisionError;

#[derive(Debug, Serialize)]
pub struct FieldError {
    pub field: &'static str,
    pub message: String,
}

#[derive(Debug)]
pub enum ApiError {
    /// A query or path the API cannot accept; each field at fault.
    BadRequest(Vec<FieldError>),
    /// No credential, or not the one registered: which is never said.
    Unauthorized,
    /// The request conflicts with what is stored (a review already
    /// decided); what, in words.
    Conflict(String),
    Http(HttpError),
}

#[derive(Serialize)]
struct Body<'a> {
    error: &'static str,
    message: &'a str,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    errors: &'a [FieldError],
}

impl From<Vec<SearchError>> for ApiError {
    fn from(errors: Vec<SearchError>) -> Self {
        Self::BadRequest(
            errors
                .into_iter()
                .map(|e| FieldError {
                    field: e.field.as_str(),
                    message: e.message,
                })
                .collect(),
        )
    }
}

impl ApiError {
    /// A bad request with one field at fault.
    pub fn field(field: &'static str, message: impl Into<String>) -> Self {
        Self::BadRequest(vec![FieldError {
            field,
            message: message.into(),
        }])
    }
}

impl From<DecisionError> for ApiError {
    fn from(error: DecisionError) -> Self {
        match error {
            DecisionError::AlreadyDecided(_) => Self::Conflict(error.to_string()),
            DecisionError::Http(error) => Self::Http(error),
        }
    }
}

impl From<HttpError> for ApiError {
    fn from(error: HttpError) -> Self {
        Self::Http(error)
    }
}

impl From<contactpoint_store::Error> for ApiError {
    fn from(error: contactpoint_store::Error) -> Self {
        Self::Http(error.into())
    }
}

impl From<contactpoint_ingest::FeedImportError> for ApiError {
    fn from(error: contactpoint_ingest::FeedImportError) -> Self {
        use contactpoint_ingest::FeedImportError;
        match error {
            FeedImportError::Store(error) => error.into(),
            FeedImportError::HeldBack(_) => Self::Http(HttpError::Internal(Box::new(error))),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code, message, errors) = match &self {
            Self::BadRequest(errors) => (
                StatusCode::BAD_REQUEST,
                "invalid_request",
                "the request is not valid: see errors",
                &errors[..],
            ),
            Self::Unauthorized => (
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                "give the source's credential as Authorization: Bearer <credential>",
                &[][..],
            ),
            Self::Conflict(_) => (StatusCode::CONFLICT, "conflict", "", &[][..]),
            Self::Http(error) => {
                error.log();
                let code = match error {
                    HttpError::NotFound => "not_found",
                    HttpError::Forbidden => "forbidden",
                    HttpError::Unavailable(_) => "unavailable",
                    HttpError::Internal(_) => "internal",
                };
                (error.status(), code, "", &[][..])
            }
        };
        let message = if message.is_empty() {
            match &self {
                Self::Http(error) => error.to_string(),
                Self::Conflict(message) => message.clone(),
                Self::BadRequest(_) | Self::Unauthorized => String::new(),
            }
        } else {
            message.to_owned()
        };
        let body = Body {
            error: code,
            message: &message,
            errors,
        };
        let mut response = (status, Json(body)).into_response();
        if status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(
                axum::http::header::WWW_AUTHENTICATE,
                axum::http::HeaderValue::from_static("Bearer"),
            );
        }
        response
    }
}

/// Any other path under the API: a JSON 404, not a page.
pub async fn not_found() -> ApiError {
    ApiError::Http(HttpError::NotFound)
}
