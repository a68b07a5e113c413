"""Ibis expressions only: tables in, expressions out, nothing executed here."""
