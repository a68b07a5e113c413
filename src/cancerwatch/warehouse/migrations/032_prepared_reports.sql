-- Annual reports printed at load time (`cancerwatch load --reports`): one body per report key
-- (organisation, financial year, viewer) and format (html, pdf), zlib-compressed, valid for the
-- data version it was printed at. Derived data: a load or unload that changes the data empties it.
CREATE TABLE IF NOT EXISTS prepared_reports (
    version BIGINT NOT NULL,
    key     VARCHAR NOT NULL,
    format  VARCHAR NOT NULL,
    body    BLOB NOT NULL,
    PRIMARY KEY (key, format)
);
