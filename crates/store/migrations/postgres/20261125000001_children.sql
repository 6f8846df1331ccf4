-- Children: the current record, with key fields as columns for lookups and
-- the identity (names, address, identifiers with provenance) as JSON.
CREATE TABLE children (
    id              UUID PRIMARY KEY,
    contactpoint_id TEXT NOT NULL UNIQUE,
    version         INTEGER NOT NULL CHECK (version >= 1),
    status          TEXT NOT NULL CHECK (status IN ('active', 'deceased', 'archived')),
    shielded        BOOLEAN NOT NULL,
    family_name     TEXT NOT NULL,
    given_name      TEXT NOT NULL,
    date_of_birth   DATE NOT NULL,
    gender          TEXT NOT NULL,
    postcode        TEXT,
    nhs_number      TEXT,
    upn             TEXT,
    identity        JSONB NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL
);
CREATE INDEX children_nhs_number ON children (nhs_number) WHERE nhs_number IS NOT NULL;
CREATE INDEX children_upn ON children (upn) WHERE upn IS NOT NULL;

CREATE TABLE carers (
    child_id     UUID NOT NULL REFERENCES children (id) ON DELETE CASCADE,
    position     INTEGER NOT NULL,
    relationship TEXT NOT NULL,
    detail       JSONB NOT NULL,
    PRIMARY KEY (child_id, position)
);

-- Ordinary and sensitive services. A sensitive one cannot be stored without
-- its consent, here as in the domain types.
CREATE TABLE involvements (
    child_id     UUID NOT NULL REFERENCES children (id) ON DELETE CASCADE,
    position     INTEGER NOT NULL,
    kind         TEXT NOT NULL,
    sensitive    BOOLEAN NOT NULL,
    organisation TEXT NOT NULL,
    detail       JSONB NOT NULL,
    CHECK (NOT sensitive OR detail #> '{value,consent,recorded_at}' IS NOT NULL),
    PRIMARY KEY (child_id, position)
);

CREATE TABLE source_records (
    source    TEXT NOT NULL,
    record_id TEXT NOT NULL,
    child_id  UUID NOT NULL REFERENCES children (id) ON DELETE CASCADE,
    PRIMARY KEY (source, record_id)
);
CREATE INDEX source_records_child ON source_records (child_id);

-- Every superseded version of a child, whole. Rows are only ever added.
CREATE TABLE child_versions (
    child_id      UUID NOT NULL REFERENCES children (id) ON DELETE CASCADE,
    version       INTEGER NOT NULL,
    record        JSONB NOT NULL,
    recorded_at   TIMESTAMPTZ NOT NULL,
    superseded_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (child_id, version)
);

CREATE FUNCTION child_versions_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'child_versions is append-only'; END $$;
CREATE TRIGGER child_versions_append_only_update BEFORE UPDATE ON child_versions
FOR EACH ROW EXECUTE FUNCTION child_versions_append_only();
