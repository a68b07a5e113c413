-- Indicators beyond the waiting-time standards (issue 12): prevention, screening, early
-- diagnosis, survival, patient experience, workforce and spend. The catalogue
-- (catalogue/indicators.toml) says what each indicator means; these tables hold the figures.
--
-- indicator_values: one published (or derived) figure per indicator x period x organisation.
--   org_code is the code as published (ODS for trusts, ICBs and sub-ICB locations; ONS E-codes
--   from Fingertips are mapped to ODS codes at query time through organisations.ons_code;
--   England is always 'ENG'). value is in the catalogue's unit (proportions 0-1, not per cent).
--   ci_low / ci_high are the published 95% limits, where the source gives them.
--   superseded_by: the source that revised this figure; NULL = current.
CREATE TABLE indicator_values (
    source_id     INTEGER NOT NULL,
    indicator_id  VARCHAR NOT NULL,
    period_start  DATE NOT NULL,
    period_type   VARCHAR NOT NULL,
    org_code      VARCHAR NOT NULL,
    org_level     VARCHAR NOT NULL,
    numerator     DOUBLE,
    denominator   DOUBLE,
    value         DOUBLE,
    ci_low        DOUBLE,
    ci_high       DOUBLE,
    superseded_by INTEGER
);

-- Each Cancer Alliance's own team staffing and whether it has published a workforce plan
-- (a register Alliances keep; loaded from a simple CSV). One row per Alliance per as_of date.
CREATE TABLE alliance_workforce_register (
    source_id                INTEGER NOT NULL,
    alliance_code            VARCHAR NOT NULL,
    team_posts_funded        DOUBLE NOT NULL,
    team_posts_filled        DOUBLE NOT NULL,
    workforce_plan_published BOOLEAN NOT NULL,
    as_of                    DATE NOT NULL,
    source                   VARCHAR NOT NULL
);

-- A GDP deflator series (financial years) used to express spend in one year's prices.
-- Only one vintage is kept: loading a new series replaces the old one, because ratios between
-- years are only meaningful within one vintage.
CREATE TABLE deflator_series (
    source_id   INTEGER NOT NULL,
    year_start  DATE NOT NULL,
    year_label  VARCHAR NOT NULL,
    deflator    DOUBLE NOT NULL
);
