-- Registered source systems. A source's machine credential is kept only as
-- its SHA-256; its CSV mapping as the TOML file it was registered with.
CREATE TABLE sources (
    id                TEXT PRIMARY KEY NOT NULL,
    name              TEXT NOT NULL,
    coverage          TEXT NOT NULL,
    format            TEXT NOT NULL CHECK (format IN ('csv', 'fhir-ndjson')),
    mapping           TEXT,
    authoritative_for TEXT NOT NULL,
    credential_hash   TEXT NOT NULL,
    registered_at     TEXT NOT NULL,
    CHECK ((format = 'csv') = (mapping IS NOT NULL))
);
