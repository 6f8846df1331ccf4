-- Search keys held back from search_keys, to be merged into it in key order
-- later: a bulk load's until it finishes, an import's until a few million
-- have gathered. Rows are appended in the order written, which costs a
-- page per few hundred keys where the index takes one per key or two; a
-- key removed meanwhile is appended again with `removed` set, and a key's
-- last row decides. No index by child: a child is deleted rarely, and the
-- table is empty most of the time.
CREATE TABLE held_search_keys (
    key      INTEGER NOT NULL,
    child_id BLOB NOT NULL REFERENCES children (id) ON DELETE CASCADE,
    removed  INTEGER NOT NULL
);
INSERT INTO held_search_keys (key, child_id, removed)
    SELECT key, child_id, 0 FROM bulk_search_keys;
DROP TABLE bulk_search_keys;
