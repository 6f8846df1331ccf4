use std::fmt;

use crate::Error;

/// Which engine a database URL names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A database URL. Its `Debug` and `Display` hide any password, so it can be
/// logged and shown in errors.
#[derive(Clone, PartialEq, Eq)]
pub struct DatabaseUrl {
    url: String,
    backend: Backend,
}

impl DatabaseUrl {
    pub fn parse(url: &str) -> Result<Self, Error> {
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Backend::Postgres
        } else {
            return Err(Error::UnsupportedUrl);
        };
        Ok(Self {
            url: url.to_owned(),
            backend,
        })
    }

    /// The SQLite database in a data directory.
    pub fn sqlite_in(dir: &std::path::Path) -> Self {
        Self {
            url: format!("sqlite://{}", dir.join("contactpoint.db").display()),
            backend: Backend::Sqlite,
        }
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The URL with its password: only for handing to the driver.
    pub fn expose(&self) -> &str {
        &self.url
    }

    fn redacted(&self) -> String {
        let (url, query) = match self.url.split_once('?') {
            Some((url, query)) => (url, Some(query)),
            None => (self.url.as_str(), None),
        };
        let query = query.map(|q| {
            q.split('&')
                .map(|pair| match pair.split_once('=') {
                    Some((key, _)) if key.eq_ignore_ascii_case("password") => format!("{key}=***"),
                    _ => pair.to_owned(),
                })
                .collect::<Vec<_>>()
                .join("&")
        });
        let base = Self::redact_credentials(url);
        match query {
            Some(query) => format!("{base}?{query}"),
            None => base,
        }
    }

    fn redact_credentials(url: &str) -> String {
        let Some((scheme, rest)) = url.split_once("://") else {
            return url.to_owned();
        };
        match rest.split_once('@') {
            Some((credentials, host)) => {
                let user = credentials.split(':').next().unwrap_or_default();
                let hidden = if credentials.contains(':') {
                    ":***"
                } else {
                    ""
                };
                format!("{scheme}://{user}{hidden}@{host}")
            }
            None => url.to_owned(),
        }
    }
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("DatabaseUrl")
            .field(&self.redacted())
            .finish()
    }
}

impl fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.redacted())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_password_never_shows() {
        let url = DatabaseUrl::parse("postgres://cp:s3cret@db.internal:5432/cp").unwrap();
        assert_eq!(url.to_string(), "postgres://cp:***@db.internal:5432/cp");
        assert!(!format!("{url:?}").contains("s3cret"));
        assert_eq!(url.backend(), Backend::Postgres);
    }

    #[test]
    fn a_password_in_the_query_never_shows() {
        let url =
            DatabaseUrl::parse("postgres://db/cp?user=cp&password=s3cret&sslmode=require").unwrap();
        assert_eq!(
            url.to_string(),
            "postgres://db/cp?user=cp&password=***&sslmode=require"
        );
    }

    #[test]
    fn other_schemes_are_refused() {
        assert!(matches!(
            DatabaseUrl::parse("mysql://x"),
            Err(Error::UnsupportedUrl)
        ));
    }
}
