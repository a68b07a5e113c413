"""The JSON API (``/api/v1``): FastAPI routers per resource over ``cancerwatch.queries``."""
