-- NHS Workforce Statistics (NHS England): staff in NHS trusts and other core organisations by
-- main staff group. One row per month x organisation x staff group.
--   org_level: 'national' (England), 'region' (NHS England region, Y-code), 'icb' (the ICS
--     total, Q-code) or 'organisation' (an employing organisation: trust, ICB body, ...; an ICB
--     body shares its Q-code with its ICS total but is a different row);
--   staff_group: catalogue id (catalogue/workforce_staff_groups.csv);
--   headcount: people (not additive: someone in two roles or organisations counts in each);
--   fte: full-time equivalent (additive). NULL where the source prints '.' (not applicable).
CREATE TABLE workforce_staff (
    source_id     INTEGER NOT NULL,
    period        DATE NOT NULL,
    org_level     VARCHAR NOT NULL,
    org_code      VARCHAR NOT NULL,
    org_name      VARCHAR,
    parent_code   VARCHAR,
    staff_group   VARCHAR NOT NULL,
    headcount     DOUBLE,
    fte           DOUBLE,
    superseded_by INTEGER
);
