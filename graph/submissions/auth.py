"""Tokens: one or more per partner organisation, and curator tokens. Only a token's SHA-256
is stored (a token is 256 random bits, so a plain hash is enough: nothing to guess from it);
the token itself is shown once, when it is created. Revoked tokens stop working at once.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from graph.errors import GraphError
from graph.submissions.storage import Storage, now

PREFIX = "owl40_"


class AuthError(GraphError):
    """A missing, unknown or revoked token (401), or a token that may not do this (403)."""

    def __init__(self, message: str, status: int = 401) -> None:
        super().__init__(message)
        self.message, self.status = message, status


@dataclass(frozen=True)
class Identity:
    """Who a token belongs to."""

    token_id: int
    role: str  # partner | curator
    organisation: str | None
    label: str

    @property
    def is_curator(self) -> bool:
        return self.role == "curator"

    @property
    def actor(self) -> str:
        return f"{self.role}:{self.token_id}:{self.label}"

    def may_see(self, organisation: str) -> bool:
        return self.is_curator or organisation == self.organisation


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_token(storage: Storage, *, role: str, organisation: str | None, label: str
                 ) -> tuple[int, str]:
    """A new token; returns (its id, the token), the only time the token is known."""
    if role not in ("partner", "curator"):
        raise ValueError(role)
    if role == "partner" and not organisation:
        raise ValueError("a partner token needs an organisation")
    token = PREFIX + secrets.token_urlsafe(32)
    with storage.transaction() as db:
        cur = db.execute("INSERT INTO tokens (token_hash, role, organisation, label, created_at) "
                         "VALUES (?, ?, ?, ?, ?)",
                         (token_hash(token), role, organisation if role == "partner" else None,
                          label, now()))
    return int(cur.lastrowid), token


def list_tokens(storage: Storage) -> list[dict]:
    return [dict(r) for r in storage.query(
        "SELECT id, role, organisation, label, created_at, revoked_at FROM tokens ORDER BY id")]


def revoke_token(storage: Storage, token_id: int) -> bool:
    """Revoke a token; False when there is no such (unrevoked) token."""
    with storage.transaction() as db:
        cur = db.execute("UPDATE tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL",
                         (now(), token_id))
    return cur.rowcount == 1


def identify(storage: Storage, token: str | None) -> Identity:
    """The identity of a token, or AuthError (401) when it is missing, unknown or revoked."""
    if not token:
        raise AuthError("a token is needed: send \"Authorization: Bearer <token>\"")
    if not token.startswith(PREFIX) or len(token) > 200:
        raise AuthError("this is not a valid token")
    rows = storage.query("SELECT id, role, organisation, label, revoked_at FROM tokens "
                         "WHERE token_hash = ?", (token_hash(token),))
    if not rows:
        raise AuthError("this is not a valid token")
    row = rows[0]
    if row["revoked_at"]:
        raise AuthError("this token was revoked")
    return Identity(row["id"], row["role"], row["organisation"], row["label"])


def identify_hash(storage: Storage, digest: str | None) -> Identity:
    """The identity of a token known by its hash (the pages' session), as ``identify``."""
    if not digest:
        raise AuthError("not signed in")
    rows = storage.query("SELECT id, role, organisation, label, revoked_at FROM tokens "
                         "WHERE token_hash = ?", (digest,))
    if not rows or rows[0]["revoked_at"]:
        raise AuthError("this token is not valid (any more)")
    row = rows[0]
    return Identity(row["id"], row["role"], row["organisation"], row["label"])
