"""Command-line interface: thin Typer commands over ``cancerwatch.queries`` and the core."""
