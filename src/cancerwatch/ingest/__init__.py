"""Sources → warehouse: detect, read, validate, quarantine, load (all or nothing)."""
