-- What each source record last said, as a digest: a record received again
-- unchanged is recognised without reading or rewriting its child, so a
-- feed imported twice changes nothing the second time.
CREATE TABLE source_record_digests (
    source    TEXT NOT NULL,
    record_id TEXT NOT NULL,
    digest    TEXT NOT NULL,
    PRIMARY KEY (source, record_id)
);
