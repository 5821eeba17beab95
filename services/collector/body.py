"""Reading request bodies with a hard cap, before any parsing. Decompresses gzip safely."""

from __future__ import annotations

import base64
import binascii
import zlib

from starlette.requests import Request

from shared.errors import BadInput


class TooLarge(BadInput):
    def __init__(self, message: str) -> None:
        super().__init__(message, code="too_large")


async def read_capped(request: Request, *, limit: int) -> bytes:
    """The body, refused as soon as it passes ``limit`` bytes (after decompression)."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise TooLarge(f"request body is {declared} bytes; the limit is {limit}")
    chunks = bytearray()
    async for chunk in request.stream():
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
