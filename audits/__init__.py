"""Sensitive-term lexicons, statistics and flags over relevance results (added with the audit issue)."""
