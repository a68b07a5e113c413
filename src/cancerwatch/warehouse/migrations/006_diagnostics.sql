-- Diagnostics (DM01): NHS England's monthly Diagnostics Waiting Times and Activity return, by
-- provider and test. One row per month x provider x test ('all' = the "Provider" sheet, every
-- test together; otherwise a catalogue test id, catalogue/diagnostic_tests.csv).
--   waiting_list, waiting_6plus, waiting_13plus: patients waiting at month end (in total, and for
--     6 weeks or more, 13 weeks or more);
--   planned_activity, unscheduled_activity, waiting_list_activity: tests done in the month, by
--     DM01's three activity types (total activity is their sum);
--   vintage: the file's "Revised" date, else its "Published" date. For a month, the figures of the
--     latest vintage are current; earlier ones keep superseded_by = the source that revised them.
CREATE TABLE diagnostics_facts (
    source_id             INTEGER NOT NULL,
    period                DATE NOT NULL,
    org_code              VARCHAR NOT NULL,
    test                  VARCHAR NOT NULL,
    waiting_list          BIGINT NOT NULL,
    waiting_6plus         BIGINT NOT NULL,
    waiting_13plus        BIGINT NOT NULL,
    planned_activity      BIGINT NOT NULL,
    unscheduled_activity  BIGINT NOT NULL,
    waiting_list_activity BIGINT NOT NULL,
    vintage               DATE NOT NULL,
    superseded_by         INTEGER,
    CHECK (waiting_6plus <= waiting_list AND waiting_13plus <= waiting_6plus)
);

-- Providers as DM01 names them, with the NHS England region DM01 gives each one, per month and
-- source. The organisation rebuild (warehouse/dm01_providers.py) uses the current source of each
-- month to name and place providers the ODS trust file does not list (independent sector).
CREATE TABLE ref_providers_dm01 (
    source_id   INTEGER NOT NULL,
    period      DATE NOT NULL,
    org_code    VARCHAR NOT NULL,
    org_name    VARCHAR NOT NULL,
    region_code VARCHAR NOT NULL,
    region_name VARCHAR
);
