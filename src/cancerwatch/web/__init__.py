"""The web dashboard: NHS.UK-styled pages over ``cancerwatch.queries`` (see ``app.create_app``)."""
