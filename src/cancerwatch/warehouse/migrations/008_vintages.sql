-- Vintages: what each loaded file says about itself, so the current figures of a month are chosen
-- from the files' own statements (status, coverage, grain), never from the order of loading.
--   status:   'final' | 'provisional' | NULL (not stated) as the file states it;
--   complete: the file proves it covers all of England for its months (its own England check);
--   grain:    the organisations its rows are: 'provider', 'sub_icb', 'icb', 'national', 'record';
--   unloaded_at: set when the load was undone (its rows are gone; the row stays for the record).
ALTER TABLE sources ADD COLUMN status VARCHAR;
ALTER TABLE sources ADD COLUMN complete BOOLEAN DEFAULT false;
ALTER TABLE sources ADD COLUMN grain VARCHAR;
ALTER TABLE sources ADD COLUMN unloaded_at TIMESTAMP;

-- The published distribution of waits in day bands (monthly workbooks), per organisation and
-- breakdown: 'all' rows (every cancer, a route or all routes), 'fds', 'cancer_type', 'modality'.
-- patients: one count per band, in the order of wait_band_defs.i. superseded_by as in facts.
CREATE TABLE wait_bands (
    source_id     INTEGER NOT NULL,
    basis         VARCHAR NOT NULL,
    period        DATE NOT NULL,
    standard      VARCHAR NOT NULL,
    org_code      VARCHAR NOT NULL,
    route         VARCHAR,
    modality      VARCHAR,
    cancer_type   VARCHAR,
    breakdown     VARCHAR NOT NULL,
    patients      DECIMAL(14,1)[] NOT NULL,
    superseded_by INTEGER
);

-- The bands of each standard as a file gives them: i-th count = from_day to to_day days
-- (to_day NULL: open-ended, "after 104 days").
CREATE TABLE wait_band_defs (
    source_id INTEGER NOT NULL,
    standard  VARCHAR NOT NULL,
    i         INTEGER NOT NULL,
    band      VARCHAR NOT NULL,
    from_day  SMALLINT NOT NULL,
    to_day    SMALLINT
);

-- Organisation names as the published files give them (for organisations no reference file
-- names, such as independent-sector providers): latest file wins.
CREATE TABLE ref_published_names (
    source_id INTEGER NOT NULL,
    basis     VARCHAR NOT NULL,
    org_code  VARCHAR NOT NULL,
    org_name  VARCHAR NOT NULL
);

-- The Cancer Alliance codes and names of one ONS vintage (reference data, as published).
CREATE TABLE ref_cancer_alliances (
    source_id     INTEGER NOT NULL,
    alliance_code VARCHAR NOT NULL,
    alliance_name VARCHAR NOT NULL
);
