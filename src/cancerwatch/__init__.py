"""cancerwatch: performance and commissioning intelligence for NHS cancer services in England."""

__version__ = "0.1.0"
