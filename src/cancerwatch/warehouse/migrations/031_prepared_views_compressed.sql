-- Prepared payloads are kept zlib-compressed (docs/performance.md): DuckDB reads a payload with
-- the column segment around it, so a tenth of the bytes is a third of the lookup time. Prepared
-- views are derived data: the table starts empty and the next load (or unload) prepares them.
DROP TABLE IF EXISTS prepared_views;
CREATE TABLE prepared_views (
    version BIGINT NOT NULL,
    kind    VARCHAR NOT NULL,
    key     VARCHAR NOT NULL,
    payload BLOB NOT NULL,
    PRIMARY KEY (kind, key)
);
