"""What browsers and mail clients need besides the JSON API: CORS, the snippet and the pixel.

Preflights carry no write key, so they are answered for origins that some enabled source allows;
the request itself is then checked against its own source's origins (403 otherwise). The pixel
always answers a 1x1 GIF, even for bad input: an image tag cannot act on an error, so what it
carried goes to the dead-letter topic (or, without a valid key, to the rejected counter) instead.
"""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request, Response

from services.collector.campaign import UTM_FIELDS
from services.collector.sources import Authenticator

GIF = base64.b64decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7")
SNIPPET = Path(__file__).with_name("snippet.js")
ALLOWED_HEADERS = "Authorization, Content-Type, Content-Encoding, X-Retry-Count"
NO_STORE = {"Cache-Control": "no-store, max-age=0"}


def cors_headers(request: Request) -> dict[str, str]:
    """Headers letting the page read our answer, once its origin was checked."""
    origin = getattr(request.state, "cors_origin", None)
    return {"Access-Control-Allow-Origin": origin, "Vary": "Origin"} if origin else {}


def pixel_message(params: dict[str, str]) -> dict[str, Any]:
    """A Segment message from pixel query parameters: ``event``, ``anonymousId``, ``userId``,
    ``messageId``, ``p.<name>`` properties and the ``utm_*`` parameters."""
    message: dict[str, Any] = {"type": params.get("type", "track")}
    for name in ("event", "anonymousId", "userId", "messageId", "name", "timestamp"):
        if params.get(name):
            message[name] = params[name]
    message["properties"] = {k[2:]: v for k, v in params.items() if k.startswith("p.")}
    campaign = {field: params[param] for param, field in UTM_FIELDS.items() if params.get(param)}
    message["context"] = {"campaign": campaign} if campaign else {}
    return message


def add_browser_routes(app: FastAPI, sources: Authenticator, *, snippet_max_age_s: int) -> None:
    snippet = SNIPPET.read_bytes()

    @app.options("/v1/{rest:path}", include_in_schema=False)
    async def preflight(request: Request) -> Response:
        origin = request.headers.get("origin")
        if not origin or not await sources.origin_allowed(origin):
            return Response(status_code=403, headers={"Vary": "Origin"})
        return Response(
            status_code=204,
            headers={
                "Access-Control-Allow-Origin": origin,
                "Access-Control-Allow-Methods": "POST, GET, OPTIONS",
                "Access-Control-Allow-Headers": ALLOWED_HEADERS,
                "Access-Control-Max-Age": "600",
                "Vary": "Origin",
            },
        )

    @app.post("/v1/m", include_in_schema=False)
    async def client_telemetry(request: Request) -> Response:
        # analytics-next reports its own delivery statistics here; they are not events.
        origin = request.headers.get("origin")
        allowed = origin is not None and await sources.origin_allowed(origin)
        cors = {"Access-Control-Allow-Origin": origin, "Vary": "Origin"} if allowed else {}
        return Response(status_code=204, headers=cors)  # type: ignore[arg-type]

    @app.get("/b.js", include_in_schema=False)
    async def boucle_snippet() -> Response:
        return Response(
            snippet,
            media_type="text/javascript",
            headers={"Cache-Control": f"public, max-age={snippet_max_age_s}"},
        )


def gif_response() -> Response:
    return Response(GIF, media_type="image/gif", headers=NO_STORE)
