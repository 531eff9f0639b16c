"""Extraction of the free-text fields prescribers write: phones, dates, NAM, names, orders."""
