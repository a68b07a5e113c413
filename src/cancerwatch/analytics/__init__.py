"""Pure statistics on small in-memory series; no I/O."""
