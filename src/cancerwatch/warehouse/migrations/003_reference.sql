-- Reference data as published (raw), from which org_hierarchy and org_rollup are rebuilt.
CREATE TABLE ref_sub_icb_lookup (
    source_id     INTEGER NOT NULL,
    sub_icb_code  VARCHAR NOT NULL,
    sub_icb_ons   VARCHAR,
    sub_icb_name  VARCHAR,
    icb_code      VARCHAR NOT NULL,
    icb_ons       VARCHAR,
    icb_name      VARCHAR,
    region_code   VARCHAR NOT NULL,
    region_ons    VARCHAR,
    region_name   VARCHAR,
    valid_from    DATE NOT NULL
);
CREATE TABLE ref_trusts (
    source_id   INTEGER NOT NULL,
    org_code    VARCHAR NOT NULL,
    org_name    VARCHAR NOT NULL,
    region_code VARCHAR,
    icb_code    VARCHAR,
    open_date   DATE,
    close_date  DATE
);
-- Flattened roll-up: each fact organisation's ancestor at every level, valid over a date range.
CREATE TABLE org_rollup (
    basis       VARCHAR NOT NULL,
    org_code    VARCHAR NOT NULL,
    level       VARCHAR NOT NULL,
    parent_code VARCHAR NOT NULL,
    valid_from  DATE NOT NULL,
    valid_to    DATE
);
