use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};

/// The one error type handlers return. The status comes from the variant;
/// internals are logged by id and never shown.
#[derive(Debug, thiserror::Error)]
pub enum HttpError {
    #[error("not found")]
    NotFound,
    /// A request the service will not act on: a form posted from another
    /// site.
    #[error("forbidden")]
    Forbidden,
    #[error("the service is unavailable")]
    Unavailable(#[source] contactpoint_store::Error),
    #[error("internal error")]
    Internal(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl From<contactpoint_store::Error> for HttpError {
    fn from(error: contactpoint_store::Error) -> Self {
        use contactpoint_store::Error;
        match error {
            Error::NotFound => Self::NotFound,
            Error::Unavailable(_) => Self::Unavailable(error),
            other => Self::Internal(Box::new(other)),
        }
    }
}

impl HttpError {
    pub fn status(&self) -> StatusCode {
        match self {
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::Forbidden => StatusCode::FORBIDDEN,
            Self::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// Logs what went wrong inside, once, by the request's span.
    pub fn log(&self) {
        match self {
            Self::Unavailable(source) => tracing::error!(error = %source, "request failed"),
            Self::Internal(source) => tracing::error!(error = %source, "request failed"),
            Self::NotFound | Self::Forbidden => {}
        }
    }
}

/// The page a person sees instead of the one asked for.
#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    title: &'static str,
    message: &'static str,
}

impl IntoResponse for HttpError {
    fn into_response(self) -> Response {
        self.log();
        let (title, message) = match &self {
            Self::NotFound => (
                "Page not found",
                "If you typed the web address, check it is correct. If you followed a link, what it pointed to is no longer here.",
            ),
            Self::Forbidden => (
                "This request was refused",
                "The form was not sent from a ContactPoint page, so nothing was changed. Go back to the page, reload it and try again.",
            ),
            Self::Unavailable(_) => (
                "Sorry, the service is unavailable",
                "ContactPoint cannot reach its database. Try again later.",
            ),
            Self::Internal(_) => (
                "Sorry, there is a problem with the service",
                "Try again later.",
            ),
        };
        match (ErrorPage { title, message }).render() {
            Ok(html) => (self.status(), Html(html)).into_response(),
            Err(error) => {
                tracing::error!(%error, "the error page could not be rendered");
                (self.status(), self.to_string()).into_response()
            }
        }
    }
}

/// Any path no route serves: the not-found page.
pub async fn not_found() -> HttpError {
    HttpError::NotFound
}
