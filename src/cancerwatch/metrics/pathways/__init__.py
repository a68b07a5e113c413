"""The record-level engine: pathways (the input contract of docs/record-level.md) → CWT standards.

- ``clocks``: clock starts and stops, waits, scope of each standard, the month counted;
- ``breach_allocation``: 62-day shares between referring and treating providers (IPTs);
- ``record_facts``: pathways → rows of the ``facts`` table (dataset ``record``);
- ``ptl``: the patient tracking list of open pathways and the weekly 62-day backlog;
- ``reconcile``: record-level figures against NHS England's published ones.

Every function here builds an Ibis expression (tables in, expressions out, nothing executed), so
the same rules run on the embedded DuckDB warehouse and, through Ibis, on Spark.
"""
