//! Refusing requests that change something when a browser sent them from
//! another site (cross-site request forgery).
//!
//! There are no sessions yet, so there is no CSRF token to check: the
//! browser's own word is all there is. A form posted to a page is accepted
//! only when the browser says it came from one of this service's pages
//! (`Sec-Fetch-Site: same-origin`, or an `Origin` naming this host). When
//! sign-in arrives, the session's CSRF token is checked as well.

use axum::extract::Request;
use axum::http::HeaderMap;
use axum::http::header::{HOST, ORIGIN};
use axum::middleware::Next;
use axum::response::Response;

use crate::HttpError;

/// For the pages: a request that is not safe (a POST) must come from one
/// of our own pages.
pub async fn from_our_pages(request: Request, next: Next) -> Result<Response, HttpError> {
    if request.method().is_safe() || sent_by_our_pages(request.headers()) {
        return Ok(next.run(request).await);
    }
    tracing::warn!(method = %request.method(), "a form sent from another site was refused");
    Err(HttpError::Forbidden)
}

/// For the API: programs send neither header and are let through; a
/// browser saying the request came from another site is refused. (A
/// cross-site page cannot send a JSON body without a CORS preflight, which
/// this service never grants; this is the second lock.)
pub async fn not_from_another_site(
    request: Request,
    next: Next,
) -> Result<Response, crate::api::ApiError> {
    if request.method().is_safe() || !sent_from_another_site(request.headers()) {
        return Ok(next.run(request).await);
    }
    tracing::warn!(method = %request.method(), "an API request sent from another site was refused");
    Err(HttpError::Forbidden.into())
}

fn header(headers: &HeaderMap, name: impl axum::http::header::AsHeaderName) -> Option<&str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// Whether `Origin` names the host the request was sent to.
fn origin_is_host(headers: &HeaderMap) -> Option<bool> {
    let origin = header(headers, ORIGIN)?;
    let host = header(headers, HOST).unwrap_or_default();
    Some(
        origin
            .strip_prefix("https://")
            .or_else(|| origin.strip_prefix("http://"))
            .is_some_and(|authority| !host.is_empty() && authority.eq_ignore_ascii_case(host)),
    )
}

fn sent_by_our_pages(headers: &HeaderMap) -> bool {
    header(headers, "sec-fetch-site") == Some("same-origin")
        || origin_is_host(headers) == Some(true)
}

fn sent_from_another_site(headers: &HeaderMap) -> bool {
    match header(headers, "sec-fetch-site") {
        Some("same-origin" | "none") => false,
        Some(_) => true,
        None => origin_is_host(headers) == Some(false),
    }
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for (name, value) in pairs {
            headers.insert(*name, HeaderValue::from_static(value));
        }
        headers
    }

    #[test]
    fn a_form_from_our_own_pages_is_recognised_by_either_header() {
        assert!(sent_by_our_pages(&headers(&[(
            "sec-fetch-site",
            "same-origin"
        )])));
        assert!(sent_by_our_pages(&headers(&[
            ("host", "127.0.0.1:8080"),
            ("origin", "http://127.0.0.1:8080"),
        ])));
    }

    #[test]
    fn a_form_from_elsewhere_or_saying_nothing_is_not_ours() {
        for pairs in [
            &[][..],
            &[("sec-fetch-site", "cross-site")][..],
            &[("sec-fetch-site", "same-site"), ("host", "cp.example")][..],
            &[
                ("host", "127.0.0.1:8080"),
                ("origin", "http://evil.example"),
            ][..],
            &[("host", "127.0.0.1:8080"), ("origin", "null")][..],
            &[("origin", "http://127.0.0.1:8080")][..],
        ] {
            assert!(!sent_by_our_pages(&headers(pairs)), "{pairs:?}");
        }
    }

    #[test]
    fn a_program_calling_the_api_is_not_another_site_but_a_browser_elsewhere_is() {
        assert!(!sent_from_another_site(&headers(&[("host", "cp.example")])));
        assert!(!sent_from_another_site(&headers(&[(
            "sec-fetch-site",
            "same-origin"
        )])));
        assert!(sent_from_another_site(&headers(&[(
            "sec-fetch-site",
            "cross-site"
        )])));
        assert!(sent_from_another_site(&headers(&[
            ("host", "cp.example"),
            ("origin", "https://evil.example"),
        ])));
    }
}
