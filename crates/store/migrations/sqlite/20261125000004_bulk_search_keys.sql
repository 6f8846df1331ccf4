-- Search keys of children added by a bulk load, waiting to be merged into
-- search_keys in key order when the load finishes. Keys arrive in random
-- order, and inserting them one batch at a time into a national index
-- rewrites most of its pages with every batch; held here in the order
-- children arrive (time-ordered ids), they are appended instead.
CREATE TABLE bulk_search_keys (
    child_id BLOB NOT NULL REFERENCES children (id) ON DELETE CASCADE,
    key      INTEGER NOT NULL,
    PRIMARY KEY (child_id, key)
) WITHOUT ROWID;
