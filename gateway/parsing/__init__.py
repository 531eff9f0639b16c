"""MIME parsing and attachment analysis."""
