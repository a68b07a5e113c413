"""One reader per published source format."""
