-- The review queue: a feed record close to a known child but not surely the
-- same, waiting for a local management team's decision. The record is kept
-- whole (as the pipeline received it, JSON) with the evidence of its score.
CREATE TABLE reviews (
    id           UUID PRIMARY KEY,
    source       TEXT NOT NULL,
    record_id    TEXT NOT NULL,
    record       TEXT NOT NULL,
    candidate_id UUID NOT NULL REFERENCES children (id) ON DELETE CASCADE,
    probability  DOUBLE PRECISION NOT NULL CHECK (probability >= 0 AND probability <= 1),
    evidence     TEXT NOT NULL,
    received_at  TIMESTAMPTZ NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('pending', 'linked', 'kept_apart', 'deferred'))
);
-- One open decision per source record: a re-import does not queue it twice.
CREATE UNIQUE INDEX reviews_open_record ON reviews (source, record_id)
    WHERE status IN ('pending', 'deferred');
CREATE INDEX reviews_pending ON reviews (received_at) WHERE status = 'pending';
