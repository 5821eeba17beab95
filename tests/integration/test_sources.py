"""Source management on the real database, seen through the collector's authenticator."""

from __future__ import annotations

import argparse
import re

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.collector import cli
from services.collector.sources import SourceDirectory
from shared.settings import DatabaseSettings


async def sources(database_url: str, capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    parser = argparse.ArgumentParser()
    cli.add_parser(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["sources", *argv])
    await cli.run(args, DatabaseSettings(url=database_url), demo_key="demo-key")
    return capsys.readouterr().out


def key_in(output: str) -> str:
    match = re.search(r"write key: (\S+)", output)
    assert match, output
    return match.group(1)


async def test_a_new_source_authenticates_with_the_key_printed_once(
    database_url: str,
    sessions: async_sessionmaker[AsyncSession],
    capsys: pytest.CaptureFixture[str],
) -> None:
    key = key_in(await sources(database_url, capsys, "add", "site", "--kind", "web"))
    source = await SourceDirectory(sessions, ttl_s=0).authenticate(key)
    assert source is not None
    assert (source.name, source.kind) == ("site", "web")
    assert "exists already" in await sources(database_url, capsys, "add", "site")
    assert "site\tweb" in await sources(database_url, capsys, "list")


async def test_rotation_retires_the_old_key_and_disabling_refuses_the_source(
    database_url: str,
    sessions: async_sessionmaker[AsyncSession],
    capsys: pytest.CaptureFixture[str],
) -> None:
    directory = SourceDirectory(sessions, ttl_s=0)
    old = key_in(await sources(database_url, capsys, "add", "crm", "--kind", "crm"))
    new = key_in(await sources(database_url, capsys, "rotate", "crm"))
    assert await directory.authenticate(old) is None
    rotated = await directory.authenticate(new)
    assert rotated is not None
    assert rotated.kind == "crm"
    await sources(database_url, capsys, "disable", "crm")
    assert await directory.authenticate(new) is None
    await sources(database_url, capsys, "enable", "crm")
    assert await directory.authenticate(new) is not None


async def test_seeding_the_demo_source_again_changes_nothing(
    database_url: str,
    sessions: async_sessionmaker[AsyncSession],
    capsys: pytest.CaptureFixture[str],
) -> None:
    await sources(database_url, capsys, "seed-demo")
    assert await SourceDirectory(sessions, ttl_s=0).authenticate("demo-key") is not None
    await sources(database_url, capsys, "disable", "demo")
    await sources(database_url, capsys, "seed-demo")  # a second `make up`
    assert (await sources(database_url, capsys, "list")).count("demo\t") == 1
    assert await SourceDirectory(sessions, ttl_s=0).authenticate("demo-key") is None


async def test_origins_set_by_the_cli_allow_preflights_and_the_sources_pages(
    database_url: str,
    sessions: async_sessionmaker[AsyncSession],
    capsys: pytest.CaptureFixture[str],
) -> None:
    key = key_in(
        await sources(database_url, capsys, "add", "shop", "--origin", "https://shop.example")
    )
    directory = SourceDirectory(sessions, ttl_s=0)
    source = await directory.authenticate(key)
    assert source is not None
    assert source.allows_origin("https://shop.example")
    assert not source.allows_origin("https://evil.example")
    assert await directory.origin_allowed("https://shop.example")
    assert not await directory.origin_allowed("https://evil.example")
    await sources(database_url, capsys, "origins", "shop")  # clears the list
    assert not await directory.origin_allowed("https://shop.example")
    assert "shop\tweb" in await sources(database_url, capsys, "list")
