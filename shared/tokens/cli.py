"""``python -m shared.tokens``: create, list and revoke API tokens; seed the local demo token.

A token is shown once, when it is created; only its SHA-256 is stored. A chosen value
(``create --token``, ``seed-demo``) is accepted only for a database on this machine: a fixed
token is for local stacks and tests, never for a shared deployment.
"""

from __future__ import annotations

import argparse
import ipaddress
from collections.abc import Sequence

from pydantic import Field
from pydantic_settings import BaseSettings
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession

from shared.auth import SCOPES, hash_token, new_token, parse_scopes
from shared.database import create_engine, create_session_factory
from shared.settings import ENV_CONFIG, DatabaseSettings
from shared.tokens import store

DEMO_NAME = "demo"
MIN_CHOSEN_LENGTH = 12


class TokenCliSettings(BaseSettings):
    model_config = ENV_CONFIG

    database: DatabaseSettings = Field(default_factory=DatabaseSettings)
    # Only for `seed-demo` on a local stack (`make up`); never a token of a real deployment.
    demo_token: str = Field(default="demo-admin-token", validation_alias="BOUCLE_DEMO_TOKEN")


class Refusal(Exception):
    """A command that cannot be carried out as given; the message says what to do."""


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="python -m shared.tokens", description=__doc__)
    actions = top.add_subparsers(dest="action", required=True)
    create = actions.add_parser("create", help="create a token; prints it once")
    create.add_argument("--name", required=True)
    create.add_argument(
        "--scopes", required=True, help=f"comma-separated: {', '.join(SCOPES)} (admin: all)"
    )
    create.add_argument(
        "--token", help="a chosen value instead of a random one (local databases only)"
    )
    actions.add_parser("list", help="list tokens (never their secrets)")
    revoke = actions.add_parser("revoke", help="revoke a token; services refuse it within 10 s")
    revoke.add_argument("token", metavar="NAME|ID")
    actions.add_parser(
        "seed-demo", help="create or reset the local demo token (BOUCLE_DEMO_TOKEN, every scope)"
    )
    return top


def is_local(url: str) -> bool:
    """A database on this machine: a loopback address, or a Unix socket (no host)."""
    host = make_url(url).host
    if not host or host.startswith("/") or host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def chosen_value(token: str, database: DatabaseSettings) -> str:
    if not is_local(database.url):
        raise Refusal(
            "a chosen token value is only accepted for a database on this machine (a local "
            "stack or tests); leave out --token and a random token is made"
        )
    if len(token) < MIN_CHOSEN_LENGTH:
        raise Refusal(f"a chosen token must be at least {MIN_CHOSEN_LENGTH} characters")
    return token


async def run(argv: Sequence[str], database: DatabaseSettings, *, demo_token: str) -> int:
    args = parser().parse_args(argv)
    engine = create_engine(database)
    try:
        async with create_session_factory(engine)() as session, session.begin():
            said = await dispatch(session, args, database, demo_token=demo_token)
        print(said)  # once committed: a token printed is a token that works
        return 0
    except (Refusal, ValueError) as exc:
        print(f"error: {exc}")
        return 1
    finally:
        await engine.dispose()


async def dispatch(
    session: AsyncSession, args: argparse.Namespace, database: DatabaseSettings, *, demo_token: str
) -> str:
    if args.action == "list":
        return "\n".join(describe(info) for info in await store.all_tokens(session)) or "no tokens"
    if args.action == "revoke":
        done = await store.revoke(session, args.token)
        if done is None:
            raise Refusal(f"no token is named or has the id {args.token!r}; see `list`")
        return f"token {args.token} revoked" if done else f"token {args.token} was revoked already"
    if args.action == "seed-demo":
        token = chosen_value(demo_token, database)
        await store.put_token(session, name=DEMO_NAME, token_hash=hash_token(token), scopes=SCOPES)
        return f"demo token (every scope, local use only): {token}"
    scopes = parse_scopes(args.scopes)
    token = chosen_value(args.token, database) if args.token else new_token()
    if await store.add_token(session, name=args.name, token_hash=hash_token(token), scopes=scopes):
        return (
            f"token {args.name} ({','.join(scopes)}): {token}\n"
            "it is shown only now; send it as `Authorization: Bearer <token>`"
        )
    raise Refusal(f"a token named {args.name!r} exists already; revoke it or choose another name")


def describe(info: store.TokenInfo) -> str:
    state = f"revoked {info.revoked_at:%Y-%m-%d %H:%M}" if info.revoked_at else "active"
    used = f"{info.last_used_at:%Y-%m-%d %H:%M}" if info.last_used_at else "never"
    return (
        f"{info.name}\t{info.token_id}\t{','.join(info.scopes)}\t"
        f"created {info.created_at:%Y-%m-%d %H:%M}\tlast used {used}\t{state}"
    )
