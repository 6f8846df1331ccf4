//! `/children/{contactpoint_id}`: one child's record.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use contactpoint_domain::ContactPointId;
use contactpoint_store::Store;

use crate::AppState;
use crate::HttpError;
use crate::views::{ChildRecord, ServiceView};

#[derive(Template, WebTemplate)]
#[template(path = "child.html")]
pub struct ChildPage {
    record: ChildRecord,
}

impl ChildPage {
    fn services_of(&self, kinds: &[&str]) -> Vec<&ServiceView> {
        self.record
            .details
            .iter()
            .flat_map(|d| &d.services)
            .filter(|s| kinds.contains(&s.kind))
            .collect()
    }

    fn education(&self) -> Vec<&ServiceView> {
        self.services_of(&["educational_setting"])
    }

    fn gp(&self) -> Vec<&ServiceView> {
        self.services_of(&["gp_practice"])
    }

    /// Every service that is neither the educational setting nor the GP.
    fn other_services(&self) -> Vec<&ServiceView> {
        self.record
            .details
            .iter()
            .flat_map(|d| &d.services)
            .filter(|s| !["educational_setting", "gp_practice"].contains(&s.kind))
            .collect()
    }

    fn born(&self) -> String {
        format!(
            "{} (age {})",
            crate::views::long_date(&self.record.date_of_birth),
            self.record.age
        )
    }

    fn lead(&self) -> Option<&ServiceView> {
        self.record.lead_professional()
    }
}

pub async fn show<S: Store>(
    State(state): State<AppState<S>>,
    Path(id): Path<String>,
) -> Result<Response, HttpError> {
    // A malformed identifier names no child: the same answer as an unknown one.
    let id = ContactPointId::parse(&id).map_err(|_| HttpError::NotFound)?;
    let stored = state.store.child_by_contactpoint_id(id).await?;
    if stored.child.is_archived() {
        return Err(HttpError::NotFound);
    }
    if let Some(into) = stored.child.merged_into() {
        let kept = state
            .store
            .child(into)
            .await?
            .child
            .contactpoint_id
            .compact();
        return Ok(Redirect::to(&format!("/children/{kept}")).into_response());
    }
    Ok(ChildPage {
        record: ChildRecord::new(&stored.child, crate::today()),
    }
    .into_response())
}
