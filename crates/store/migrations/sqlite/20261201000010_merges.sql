-- no-transaction
-- Merges: two records found to be one child. SQLite cannot change a CHECK
-- constraint in place, so children is rebuilt to accept the 'merged'
-- status; with foreign keys off, dropping the old table cascades to nothing.
PRAGMA foreign_keys = OFF;
BEGIN IMMEDIATE;

CREATE TABLE children_rebuilt (
    id              BLOB PRIMARY KEY NOT NULL,
    contactpoint_id TEXT NOT NULL UNIQUE,
    version         INTEGER NOT NULL CHECK (version >= 1),
    status          TEXT NOT NULL CHECK (status IN ('active', 'deceased', 'archived', 'merged')),
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
INSERT INTO children_rebuilt SELECT * FROM children;
DROP TABLE children;
ALTER TABLE children_rebuilt RENAME TO children;
CREATE INDEX children_nhs_number ON children (nhs_number) WHERE nhs_number IS NOT NULL;
CREATE INDEX children_upn ON children (upn) WHERE upn IS NOT NULL;

-- One row per merge: the versions both records had just before it, which
-- the history keeps whole, so an unmerge can start again from them, and
-- the last entry of the feed log before it: what came after is the merge's.
CREATE TABLE merges (
    id               BLOB PRIMARY KEY NOT NULL,
    survivor_id      BLOB NOT NULL REFERENCES children (id) ON DELETE CASCADE,
    absorbed_id      BLOB NOT NULL REFERENCES children (id) ON DELETE CASCADE,
    survivor_version INTEGER NOT NULL,
    absorbed_version INTEGER NOT NULL,
    log_from         BIGINT NOT NULL,
    merged_at        TEXT NOT NULL,
    undone_at        TEXT
);
CREATE INDEX merges_survivor ON merges (survivor_id);
CREATE INDEX merges_absorbed ON merges (absorbed_id);

-- What the feeds applied to a child while it holds a merge not undone, in
-- the order applied: an unmerge replays each on the record it belongs to.
CREATE TABLE merge_updates (
    -- AUTOINCREMENT: a sequence number is never used twice, even after
    -- the log's last entries are dropped.
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    survivor_id BLOB NOT NULL REFERENCES children (id) ON DELETE CASCADE,
    source      TEXT NOT NULL,
    record_id   TEXT NOT NULL,
    record      TEXT NOT NULL,
    received_at TEXT NOT NULL
);
CREATE INDEX merge_updates_survivor ON merge_updates (survivor_id, seq);

-- The children a review waiting for a decision names: a record like one
-- still waiting (a twin's, say) is held back for a person too.
CREATE INDEX reviews_open_candidate ON reviews (candidate_id)
    WHERE status IN ('pending', 'deferred');

COMMIT;
PRAGMA foreign_keys = ON;
