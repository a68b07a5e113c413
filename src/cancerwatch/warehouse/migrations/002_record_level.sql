-- Record-level pathways (the input contract of docs/record-level.md). patient_id never leaves the warehouse.
CREATE TABLE pathways (
    source_id               INTEGER NOT NULL,
    pathway_id              VARCHAR NOT NULL,
    patient_id              VARCHAR,
    route                   VARCHAR NOT NULL,
    referral_date           DATE NOT NULL,
    commissioner_code       VARCHAR,
    first_provider_code     VARCHAR,
    tumour_group            VARCHAR,
    fds_end_date            DATE,
    fds_outcome             VARCHAR,
    decision_to_treat_date  DATE,
    treatment_date          DATE,
    treatment_kind          VARCHAR,
    treatment_modality      VARCHAR,
    treating_provider_code  VARCHAR,
    ipt_date                DATE,
    adjustment_days         INTEGER NOT NULL DEFAULT 0,
    stage                   VARCHAR,
    emergency_presentation  BOOLEAN,
    extra                   VARCHAR
);
