-- Children: the current record, with key fields as columns for lookups and
-- the identity (names, address, identifiers with provenance) as JSON.
CREATE TABLE children (
    id              BLOB PRIMARY KEY NOT NULL,
    contactpoint_id TEXT NOT NULL UNIQUE,
    version         INTEGER NOT NULL CHECK (version >= 1),
    status          TEXT NOT NULL CHECK (status IN ('active', 'deceased', 'archived')),
    shielded        INTEGER NOT NULL CHECK (shielded IN (0, 1)),
    family_name     TEXT NOT NULL,
    given_name      TEXT NOT NULL,
    date_of_birth   TEXT NOT NULL,
    gender          TEXT NOT NULL,
    postcode        TEXT,
    nhs_number      TEXT,
    upn             TEXT,
    identity        TEXT NOT NULL,
    updated_at      TEXT NOT NULL
);
CREATE INDEX children_nhs_number ON children (nhs_number) WHERE nhs_number IS NOT NULL;
CREATE INDEX children_upn ON children (upn) WHERE upn IS NOT NULL;

CREATE TABLE carers (
    child_id     BLOB NOT NULL REFERENCES children (id) ON DELETE CASCADE,
    position     INTEGER NOT NULL,
    relationship TEXT NOT NULL,
    detail       TEXT NOT NULL,
    PRIMARY KEY (child_id, position)
) WITHOUT ROWID;

-- Ordinary and sensitive services. A sensitive one cannot be stored without
-- its consent, here as in the domain types.
CREATE TABLE involvements (
    child_id     BLOB NOT NULL REFERENCES children (id) ON DELETE CASCADE,
    position     INTEGER NOT NULL,
    kind         TEXT NOT NULL,
    sensitive    INTEGER NOT NULL CHECK (sensitive IN (0, 1)),
    organisation TEXT NOT NULL,
    detail       TEXT NOT NULL,
    CHECK (sensitive = 0 OR json_extract(detail, '$.value.consent.recorded_at') IS NOT NULL),
    PRIMARY KEY (child_id, position)
) WITHOUT ROWID;

CREATE TABLE source_records (
    source    TEXT NOT NULL,
    record_id TEXT NOT NULL,
    child_id  BLOB NOT NULL REFERENCES children (id) ON DELETE CASCADE,
    PRIMARY KEY (source, record_id)
) WITHOUT ROWID;
CREATE INDEX source_records_child ON source_records (child_id);

-- Every superseded version of a child, whole. Rows are only ever added.
CREATE TABLE child_versions (
    child_id      BLOB NOT NULL REFERENCES children (id) ON DELETE CASCADE,
    version       INTEGER NOT NULL,
    record        TEXT NOT NULL,
    recorded_at   TEXT NOT NULL,
    superseded_at TEXT NOT NULL,
    PRIMARY KEY (child_id, version)
) WITHOUT ROWID;

CREATE TRIGGER child_versions_append_only_update BEFORE UPDATE ON child_versions
BEGIN SELECT RAISE(ABORT, 'child_versions is append-only'); END;
