-- Blocking keys (see the linkage crate) of every child's current and
-- previous names and addresses: a search fetches candidates by key.
CREATE TABLE search_keys (
    key      INTEGER NOT NULL,
    child_id BLOB NOT NULL REFERENCES children (id) ON DELETE CASCADE,
    PRIMARY KEY (key, child_id)
) WITHOUT ROWID;
CREATE INDEX search_keys_child ON search_keys (child_id);
