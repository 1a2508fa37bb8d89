"""The one normal form of an email address, for storing it and for finding an account by it."""

from __future__ import annotations

import unicodedata


def normalize_email(email: str) -> str:
    """Return the email as stored and compared: NFKC of its Unicode case fold ("ÉMILE@x.io" → "émile@x.io").

    `lower()` in PostgreSQL follows the database's locale, and under the C locale folds ASCII only, so the fold happens
    here, once, before the value reaches the database.
    """
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", email).casefold())


def normalize_login(login: str) -> str:
    """Return a typed username-or-email in the form it is compared in (an email as stored, a username lowercased)."""
    login = login.strip()
    return normalize_email(login) if "@" in login else login.lower()
