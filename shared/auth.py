"""Who may read: API tokens sent as ``Authorization: Bearer``, checked against their scopes.

Every read API declares the scope it needs with ``Depends(require(scope))``; the token store is
the service's ``app.state.tokens`` (a ``TokenVerifier``). Answers: 401 with
``WWW-Authenticate: Bearer`` for a missing, unknown or revoked token, 403 naming the missing
scope, 503 with ``Retry-After`` when PostgreSQL cannot say (a token verified shortly before
keeps working). A collector write key is never a token: it lives in another table, is sent as
HTTP Basic, and as a Bearer it is simply unknown.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Annotated, Any, Literal, Protocol, get_args

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from shared.cache import ExpiringCache
from shared.errors import DependencyDown

Scope = Literal[
    "read:journeys",
    "read:reports",
    "reports:write",
    "read:cases",
    "cases:write",
    "read:metrics",
    "privacy:erase",
    "privacy:export",
    "admin",
]
SCOPES: tuple[Scope, ...] = get_args(Scope)
ADMIN: Scope = "admin"
TOKEN_PREFIX = "bcl_"  # noqa: S105 - a prefix that tells tokens apart, not a secret
# Longer than any token we mint; anything longer is refused without a lookup.
MAX_TOKEN_LENGTH = 200
MAX_CACHED_TOKENS = 10_000


@dataclass(frozen=True, slots=True)
class Principal:
    """A valid, unrevoked token: its id, name and scopes (never its secret)."""

    token_id: str
    name: str
    scopes: frozenset[str]

    def grants(self, scope: Scope) -> bool:
        return ADMIN in self.scopes or scope in self.scopes


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def parse_scopes(text: str | Iterable[str]) -> tuple[Scope, ...]:
    """``read:journeys,read:reports`` → scopes; ValueError naming an unknown one."""
    given = [part.strip() for part in (text.split(",") if isinstance(text, str) else text)]
    unknown = [part for part in given if part and part not in SCOPES]
    if unknown:
        raise ValueError(f"unknown scope {unknown[0]!r}; scopes are {', '.join(SCOPES)}")
    chosen = tuple(dict.fromkeys(part for part in given if part))
    if not chosen:
        raise ValueError(f"give at least one scope: {', '.join(SCOPES)}")
    return chosen  # type: ignore[return-value]  # checked against SCOPES above


class TokenLookup(Protocol):
    async def find(self, token_hash: str) -> Principal | None:
        """The unrevoked token of that hash, or None. Raises database errors as they come."""
        ...


class TokenVerifier:
    """Tokens looked up once per ``ttl_s`` (a revocation takes effect within it); through a
    database outage a token verified recently keeps working for ``max_stale_s`` more."""

    def __init__(
        self,
        lookup: TokenLookup,
        *,
        ttl_s: float = 10.0,
        max_stale_s: float = 300.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._lookup = lookup
        self._cache: ExpiringCache[str, Principal | None] = ExpiringCache(
            ttl_s=ttl_s, max_entries=MAX_CACHED_TOKENS, max_stale_s=max_stale_s, clock=clock
        )

    async def verify(self, token: str) -> Principal | None:
        """The token's principal, or None when unknown or revoked. Raises DependencyDown."""
        if not token or len(token) > MAX_TOKEN_LENGTH:
            return None
        token_hash = hash_token(token)
        return await self._cache.get(token_hash, lambda: self._lookup.find(token_hash))


REALM = 'Bearer realm="boucle"'
bearer = HTTPBearer(
    auto_error=False,
    description="An API token (`python -m shared.tokens create`), as `Authorization: Bearer`.",
)
Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]


def unauthorized(message: str, *, invalid: bool) -> HTTPException:
    challenge = f'{REALM}, error="invalid_token"' if invalid else REALM
    return HTTPException(401, message, headers={"WWW-Authenticate": challenge})


async def authorize(request: Request, credentials: Credentials, scope: Scope) -> Principal:
    """The principal of the request's Bearer token if it grants ``scope``; else the HTTP
    error to answer."""
    if credentials is None:
        raise unauthorized(
            f"this API needs a token with the scope {scope}: send it as "
            "`Authorization: Bearer <token>` (create one with `python -m shared.tokens create`)",
            invalid=False,
        )
    verifier: TokenVerifier = request.app.state.tokens
    try:
        principal = await verifier.verify(credentials.credentials)
    except DependencyDown as exc:
        raise HTTPException(
            503,
            "PostgreSQL is unavailable to check this token; retry later",
            headers={"Retry-After": "5"},
        ) from exc
    if principal is None:
        raise unauthorized("unknown or revoked token", invalid=True)
    if not principal.grants(scope):
        challenge = f'{REALM}, error="insufficient_scope", scope="{scope}"'
        raise HTTPException(
            403,
            f"token {principal.name!r} lacks the scope {scope}",
            headers={"WWW-Authenticate": challenge},
        )
    return principal


def require(scope: Scope) -> Callable[..., Awaitable[Principal]]:
    """A FastAPI dependency: ``Depends(require("read:journeys"))``."""

    async def token_with_scope(request: Request, credentials: Credentials) -> Principal:
        return await authorize(request, credentials, scope)

    return token_with_scope


# What a route behind `require` may answer besides its own statuses, for its OpenAPI.
AUTH_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"description": "No token, or an unknown or revoked one (`WWW-Authenticate: Bearer`)"},
    403: {"description": "The token lacks the scope this route needs"},
    503: {"description": "PostgreSQL cannot say whether the token is valid; retry after"},
}
