"""Shared, API-agnostic machinery of nordfin: transport, auth, retry, rate limiting, pagination, redaction.

Private: overlays import from here, application code does not. Nothing in ``_core`` knows any API.
"""
