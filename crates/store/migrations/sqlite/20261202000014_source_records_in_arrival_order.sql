-- source_records kept in the order its rows arrive, numbered by seq (never
-- used twice), without an index on (source, record_id): a source's record
-- ids are in no order (a health feed's are UUIDs), so each record an
-- import added rewrote a page of that index of its own, three in five of
-- the pages written to the log at a million children. Each process finds a
-- record through a hash of its source and id that it holds in memory
-- (crates/store/src/sqlite/source_index.rs), read from seq on.
CREATE TABLE source_records_in_order (
    seq       INTEGER PRIMARY KEY AUTOINCREMENT,
    source    TEXT NOT NULL,
    record_id TEXT NOT NULL,
    child_id  BLOB NOT NULL REFERENCES children (id) ON DELETE CASCADE,
    digest    TEXT
);
INSERT INTO source_records_in_order (source, record_id, child_id, digest)
    SELECT source, record_id, child_id, digest FROM source_records ORDER BY child_id;
DROP TABLE source_records;
ALTER TABLE source_records_in_order RENAME TO source_records;
CREATE INDEX source_records_child ON source_records (child_id);
