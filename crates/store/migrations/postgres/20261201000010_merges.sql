-- Merges: two records found to be one child.
ALTER TABLE children DROP CONSTRAINT children_status_check;
ALTER TABLE children ADD CONSTRAINT children_status_check
    CHECK (status IN ('active', 'deceased', 'archived', 'merged'));

-- One row per merge: the versions both records had just before it, which
-- the history keeps whole, so an unmerge can start again from them, and
-- the last entry of the feed log before it: what came after is the merge's.
CREATE TABLE merges (
    id               UUID PRIMARY KEY,
    survivor_id      UUID NOT NULL REFERENCES children (id) ON DELETE CASCADE,
    absorbed_id      UUID NOT NULL REFERENCES children (id) ON DELETE CASCADE,
    survivor_version INTEGER NOT NULL,
    absorbed_version INTEGER NOT NULL,
    log_from         BIGINT NOT NULL,
    merged_at        TIMESTAMPTZ NOT NULL,
    undone_at        TIMESTAMPTZ
);
CREATE INDEX merges_survivor ON merges (survivor_id);
CREATE INDEX merges_absorbed ON merges (absorbed_id);

-- What the feeds applied to a child while it holds a merge not undone, in
-- the order applied: an unmerge replays each on the record it belongs to.
CREATE TABLE merge_updates (
    seq         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    survivor_id UUID NOT NULL REFERENCES children (id) ON DELETE CASCADE,
    source      TEXT NOT NULL,
    record_id   TEXT NOT NULL,
    record      TEXT NOT NULL,
    received_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX merge_updates_survivor ON merge_updates (survivor_id, seq);

-- The children a review waiting for a decision names: a record like one
-- still waiting (a twin's, say) is held back for a person too.
CREATE INDEX reviews_open_candidate ON reviews (candidate_id)
    WHERE status IN ('pending', 'deferred');
