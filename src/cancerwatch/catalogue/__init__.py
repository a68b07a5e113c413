"""Business rules as data: standards, organisations, tumour groups, disclosure control."""
