"""Reading request bodies with a hard cap and deadlines, before any parsing. Decompresses gzip
safely. A client that sends its headers and then a body slowly, or not at all, would otherwise
hold a connection and its buffer for as long as it likes."""

from __future__ import annotations

import asyncio
import base64
import binascii
import time
import zlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Literal

from starlette.requests import Request

from shared.errors import BadInput


class TooLarge(BadInput):
    def __init__(self, message: str) -> None:
        super().__init__(message, code="too_large")


class BodyTimeout(BadInput):
    """Answered 408: the body stalled for ``idle_s``, or was not complete within ``total_s``."""

    def __init__(self, message: str, *, limit: Literal["idle", "total"]) -> None:
        super().__init__(message, code="body_timeout")
        self.limit = limit


@dataclass(frozen=True, slots=True)
class Deadlines:
    idle_s: float
    total_s: float


async def timed_chunks(
    chunks: AsyncIterator[bytes],
    deadlines: Deadlines,
    *,
    clock: Callable[[], float] = time.monotonic,
) -> AsyncIterator[bytes]:
    """``chunks`` as they come, until none arrives for ``idle_s`` or ``total_s`` has passed."""
    deadline = clock() + deadlines.total_s
    while True:
        left = deadline - clock()
        idle = deadlines.idle_s <= left
        try:
            async with asyncio.timeout(max(0.0, min(deadlines.idle_s, left))):
                chunk = await anext(chunks)
        except StopAsyncIteration:
            return
        except TimeoutError:
            raise _timed_out(deadlines, idle=idle) from None
        yield chunk


def _timed_out(deadlines: Deadlines, *, idle: bool) -> BodyTimeout:
    if idle:
        return BodyTimeout(
            f"no bytes of the request body arrived for {deadlines.idle_s:g} s; "
            "send the body with the request",
            limit="idle",
        )
    return BodyTimeout(
        f"the request body was not complete within {deadlines.total_s:g} s; "
        "send smaller requests or a faster upload",
        limit="total",
    )


async def read_capped(request: Request, *, limit: int, deadlines: Deadlines) -> bytes:
    """The body, refused as soon as it passes ``limit`` bytes (after decompression) or misses
    one of its ``deadlines``."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise TooLarge(f"request body is {declared} bytes; the limit is {limit}")
    chunks = bytearray()
    async for chunk in timed_chunks(request.stream(), deadlines):
        chunks += chunk
        if len(chunks) > limit:
            raise TooLarge(f"request body exceeds the limit of {limit} bytes")
    encoding = request.headers.get("content-encoding", "identity").lower()
    if encoding == "gzip":
        return _gunzip(bytes(chunks), limit=limit)
    if encoding not in ("identity", ""):
        raise BadInput(
            f"unsupported Content-Encoding {encoding!r}; send gzip or none",
            code="unsupported_encoding",
        )
    return bytes(chunks)


def _gunzip(data: bytes, *, limit: int) -> bytes:
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        out = inflater.decompress(data, limit + 1)
    except zlib.error as exc:
        raise BadInput(f"body is not valid gzip: {exc}", code="invalid_gzip") from exc
    if len(out) > limit:
        raise TooLarge(f"decompressed body exceeds the limit of {limit} bytes")
    return out


def basic_username(authorization: str | None) -> str | None:
    """The username of an HTTP Basic ``Authorization`` header (Segment's write key)."""
    if not authorization:
        return None
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "basic" or not token:
        return None
    try:
        decoded = base64.b64decode(token.strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return None
    return decoded.partition(":")[0] or None
