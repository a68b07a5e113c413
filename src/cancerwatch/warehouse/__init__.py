"""The only place that knows about database connections (DuckDB by default)."""
