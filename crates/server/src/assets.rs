//! The style sheet and the icon, built into the binary: see
//! `assets/README.md` for how the style sheet was compiled.

use axum::Router;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::response::IntoResponse;
use axum::routing::get;

/// govuk-frontend's styles, compiled with Arial.
const GOVUK_FRONTEND_CSS: &str = include_str!("../assets/govuk-frontend.min.css");

/// Our own icon: a ring on the header's blue (no crown).
const FAVICON_SVG: &str = include_str!("../assets/favicon.svg");

/// Both are the same for every user and holds nothing personal, so browsers and
/// shared caches may keep it for a day.
const CACHE_FOR_A_DAY: &str = "public, max-age=86400";

pub fn router<S: Clone + Send + Sync + 'static>() -> Router<S> {
    Router::new()
        .route("/assets/govuk-frontend.min.css", get(govuk_frontend_css))
        .route("/assets/favicon.svg", get(favicon))
}

async fn govuk_frontend_css() -> impl IntoResponse {
    (
        [
            (CONTENT_TYPE, "text/css; charset=utf-8"),
            (CACHE_CONTROL, CACHE_FOR_A_DAY),
        ],
        GOVUK_FRONTEND_CSS,
    )
}

async fn favicon() -> impl IntoResponse {
    (
        [
            (CONTENT_TYPE, "image/svg+xml"),
            (CACHE_CONTROL, CACHE_FOR_A_DAY),
        ],
        FAVICON_SVG,
    )
}

#[cfg(test)]
mod tests {
    use askama::Template;

    /// A stand-in page that includes the error summary partial, as real
    /// pages will.
    #[derive(Template)]
    #[template(
        source = r#"{% include "partials/error_summary.html" %}"#,
        ext = "html"
    )]
    struct WithErrors<'a> {
        errors: &'a [(&'a str, &'a str)],
    }

    #[test]
    fn the_error_summary_links_each_message_to_its_field() {
        let errors = [("surname", "Enter a surname"), ("dob-day", "Enter a <day>")];

        let html = WithErrors { errors: &errors }.render().unwrap();

        assert!(html.contains(r#"class="govuk-error-summary""#), "{html}");
        assert!(html.contains("There is a problem"), "{html}");
        assert!(
            html.contains(r##"<a href="#surname">Enter a surname</a>"##),
            "{html}"
        );
        assert!(
            html.contains(r##"<a href="#dob-day">Enter a &#60;day&#62;</a>"##),
            "{html}"
        );
    }

    #[test]
    fn the_error_summary_is_absent_when_nothing_is_wrong() {
        let html = WithErrors { errors: &[] }.render().unwrap();

        assert_eq!(html.trim(), "");
    }

    #[test]
    fn the_style_sheet_sets_arial_and_no_font_faces() {
        let css = super::GOVUK_FRONTEND_CSS;

        assert!(css.contains("font-family:arial,sans-serif"));
        assert!(!css.contains("@font-face"));
        assert!(!css.contains("GDS Transport"));
    }
}
