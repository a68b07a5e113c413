-- Views prepared at load time (docs/performance.md): what the pages read, computed inside the
-- load (or unload) transaction so that the first visit after a load reads rows instead of
-- running the metric expressions.
--   warehouse_version: one row, a counter bumped by every load and unload that changed data;
--   prepared_views: one payload (JSON) per view key, valid for the version it was prepared at.
CREATE TABLE IF NOT EXISTS warehouse_version (version BIGINT NOT NULL);
INSERT INTO warehouse_version SELECT 0 WHERE NOT EXISTS (SELECT 1 FROM warehouse_version);
CREATE TABLE IF NOT EXISTS prepared_views (
    version BIGINT NOT NULL,
    kind    VARCHAR NOT NULL,
    key     VARCHAR NOT NULL,
    payload VARCHAR NOT NULL,
    PRIMARY KEY (kind, key)
);
