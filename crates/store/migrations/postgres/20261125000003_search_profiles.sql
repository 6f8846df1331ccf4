-- What a search matches on, for every child a search may find (archived
-- children have none): the linkage profile (every name and postcode the
-- child has had, folded, with phonetic codes) and the summary a result
-- shows. Narrow rows, so a search reads a few pages, never a whole record.
CREATE TABLE search_profiles (
    child_id        UUID PRIMARY KEY REFERENCES children (id) ON DELETE CASCADE,
    contactpoint_id TEXT NOT NULL,
    given_name      TEXT NOT NULL,
    family_name     TEXT NOT NULL,
    date_of_birth   DATE NOT NULL,
    gender          TEXT NOT NULL,
    district        TEXT,
    shielded        BOOLEAN NOT NULL,
    profile         TEXT NOT NULL
);

-- How many searchable children bear each current name (folded), and in all
-- (kind 'all', name ''): the term frequencies of scoring, kept current as
-- children are added, changed and archived.
CREATE TABLE name_counts (
    kind     TEXT NOT NULL CHECK (kind IN ('surname', 'forename', 'all')),
    name     TEXT NOT NULL,
    children BIGINT NOT NULL,
    PRIMARY KEY (kind, name)
);

-- Only searchable children have keys now; archived ones lose theirs.
DELETE FROM search_keys WHERE child_id IN (SELECT id FROM children WHERE status = 'archived');
