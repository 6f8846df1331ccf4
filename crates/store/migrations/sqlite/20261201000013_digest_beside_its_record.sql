-- A source record's digest kept in its own row of source_records, no longer
-- in a table of its own under the same key: the key is the source's record
-- id, in no order, so every record written rewrote a page of each of the
-- two indexes (a third of all an import's log at a million children). A
-- digest says what the record said when it was last applied to its child,
-- so only a linked record has one.
ALTER TABLE source_records ADD COLUMN digest TEXT;
UPDATE source_records SET digest = d.digest
    FROM source_record_digests d
    WHERE d.source = source_records.source AND d.record_id = source_records.record_id;
DROP TABLE source_record_digests;
