"""One router module per page (or family of pages)."""
