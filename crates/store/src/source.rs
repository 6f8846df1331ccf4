//! A registered source system as both backends store it.

use contactpoint_domain::{
    Coverage, CredentialHash, FeedFormat, Label, LocalAuthorityCode, RecordField, Source, SourceId,
};
use time::OffsetDateTime;

use crate::{Error, Result};

/// A row of `sources`.
#[derive(sqlx::FromRow)]
pub(crate) struct SourceRow {
    pub id: String,
    pub name: String,
    pub coverage: String,
    pub format: String,
    pub mapping: Option<String>,
    /// Field names, comma-separated.
    pub authoritative_for: String,
    pub credential_hash: String,
    pub registered_at: OffsetDateTime,
}

impl SourceRow {
    pub fn from_source(source: &Source) -> Self {
        Self {
            id: source.id.to_string(),
            name: source.name.to_string(),
            coverage: source.coverage.to_string(),
            format: source.format.as_str().to_owned(),
            mapping: source.mapping.clone(),
            authoritative_for: source
                .authoritative_for
                .iter()
                .map(|f| f.as_str())
                .collect::<Vec<_>>()
                .join(","),
            credential_hash: source.credential.to_hex(),
            registered_at: source.registered_at,
        }
    }

    pub fn decode(self) -> Result<Source> {
        let decode = |e: &dyn std::fmt::Display| Error::Decode(e.to_string());
        let coverage = match self.coverage.as_str() {
            "national" => Coverage::National,
            code => {
                Coverage::LocalAuthority(LocalAuthorityCode::parse(code).map_err(|e| decode(&e))?)
            }
        };
        let authoritative_for = self
            .authoritative_for
            .split(',')
            .filter(|f| !f.is_empty())
            .map(RecordField::parse)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| decode(&e))?;
        Source {
            id: SourceId::parse(&self.id).map_err(|e| decode(&e))?,
            name: Label::parse(&self.name).map_err(|e| decode(&e))?,
            coverage,
            format: FeedFormat::parse(&self.format).map_err(|e| decode(&e))?,
            mapping: self.mapping,
            authoritative_for,
            credential: CredentialHash::from_hex(&self.credential_hash).map_err(|e| decode(&e))?,
            registered_at: self.registered_at,
        }
        .checked()
        .map_err(|e| decode(&e))
    }
}

/// Weights as stored: none yet, or a model's text. Weights an earlier
/// version wrote count as none, so the next import estimates them again.
pub(crate) fn decode_weights(text: Option<String>) -> Result<Option<contactpoint_linkage::Model>> {
    use contactpoint_linkage::{Model, ModelError};
    match text.as_deref().map(Model::decode) {
        None | Some(Err(ModelError::Outdated)) => Ok(None),
        Some(Ok(model)) => Ok(Some(model)),
        Some(Err(e)) => Err(Error::Decode(e.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weights_an_earlier_version_wrote_count_as_none_and_garbage_is_an_error() {
        let model = contactpoint_linkage::Model::default();
        assert_eq!(decode_weights(Some(model.encode())).ok(), Some(Some(model)));
        assert!(matches!(
            decode_weights(Some("w1 -20 0.5".into())),
            Ok(None)
        ));
        assert!(matches!(decode_weights(None), Ok(None)));
        assert!(matches!(
            decode_weights(Some("w2 nonsense".into())),
            Err(Error::Decode(_))
        ));
    }
}
