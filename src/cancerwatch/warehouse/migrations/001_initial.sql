-- Loaded sources: one row per file loaded, with reconciled row counts.
CREATE SEQUENCE IF NOT EXISTS source_id_seq START 1;
CREATE TABLE sources (
    source_id        INTEGER PRIMARY KEY,
    file_name        VARCHAR NOT NULL,
    sha256           VARCHAR NOT NULL,
    kind             VARCHAR NOT NULL,
    basis            VARCHAR,
    first_month      DATE,
    last_month       DATE,
    months           VARCHAR,
    publication      VARCHAR,
    loaded_at        TIMESTAMP NOT NULL,
    rows_read        BIGINT NOT NULL,
    rows_loaded      BIGINT NOT NULL,
    rows_quarantined BIGINT NOT NULL,
    CHECK (rows_read = rows_loaded + rows_quarantined)
);

-- Conformed facts: counts by month x standard x organisation x breakdown.
-- Counts are exact decimals: 62-day shared pathways give half patients.
-- dataset: 'published' (NHS England extracts and workbooks) or 'record' (computed from pathways).
-- superseded_by: the source that revised these figures; NULL = current.
CREATE TABLE facts (
    source_id       INTEGER NOT NULL,
    dataset         VARCHAR NOT NULL,
    basis           VARCHAR NOT NULL,
    period          DATE NOT NULL,
    standard        VARCHAR NOT NULL,
    org_code        VARCHAR NOT NULL,
    route           VARCHAR,
    modality        VARCHAR,
    cancer_type     VARCHAR,
    tumour_scheme   VARCHAR,
    breakdown       VARCHAR NOT NULL,
    total           DECIMAL(14,1) NOT NULL,
    within_standard DECIMAL(14,1) NOT NULL,
    breaches        DECIMAL(14,1) NOT NULL,
    superseded_by   INTEGER
);

-- England figures as published in the national time series (month, quarter, year).
CREATE TABLE national_series (
    source_id       INTEGER NOT NULL,
    period_type     VARCHAR NOT NULL,
    period_start    DATE NOT NULL,
    period_label    VARCHAR NOT NULL,
    standard        VARCHAR NOT NULL,
    total           DECIMAL(14,1) NOT NULL,
    within_standard DECIMAL(14,1) NOT NULL,
    breaches        DECIMAL(14,1) NOT NULL,
    superseded_by   INTEGER
);

-- Rejected rows, with the raw content and the reason.
CREATE TABLE quarantine (
    source_id   INTEGER NOT NULL,
    file_name   VARCHAR NOT NULL,
    sheet       VARCHAR,
    row_number  BIGINT,
    column_name VARCHAR,
    reason      VARCHAR NOT NULL,
    raw_row     VARCHAR
);

-- Organisations of every type (provider, sub_icb, icb, region, alliance, hub, ...).
CREATE TABLE organisations (
    org_code   VARCHAR NOT NULL,
    org_name   VARCHAR NOT NULL,
    org_type   VARCHAR NOT NULL,
    ons_code   VARCHAR,
    open_date  DATE,
    close_date DATE,
    source     VARCHAR NOT NULL,
    PRIMARY KEY (org_code, org_type)
);

-- Time-versioned hierarchy: child -> parent valid over [valid_from, valid_to].
CREATE TABLE org_hierarchy (
    child_code   VARCHAR NOT NULL,
    child_type   VARCHAR NOT NULL,
    parent_code  VARCHAR NOT NULL,
    parent_type  VARCHAR NOT NULL,
    valid_from   DATE NOT NULL,
    valid_to     DATE,
    source       VARCHAR NOT NULL
);

-- Tumour-group mapping across the October 2023 reclassification.
CREATE TABLE tumour_map (
    group_2023 VARCHAR NOT NULL,
    group_2022 VARCHAR NOT NULL,
    source     VARCHAR NOT NULL
);
