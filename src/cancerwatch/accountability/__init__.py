"""Accountability: escalation of consistent failure, the Quality Premium, performance-linked funding."""
