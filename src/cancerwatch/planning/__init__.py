"""Planning: urgent-referral demand forecasts and diagnostic capacity for the Faster Diagnosis Standard."""
