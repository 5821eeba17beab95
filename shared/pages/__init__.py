"""Boucle's pages, served by the service that owns their data under ``/ui/``.

Each service serves its own pages (``services/<name>/pages/``) and the shared front-end modules
(``shared/pages/static/``, under ``/ui/lib/``): plain HTML, CSS and ES modules, read once at
start and answered from memory, with no build step and nothing fetched at run time. The pages
call the same read APIs as everyone else, with an API token the person types in (kept in the
tab's ``sessionStorage``, sent as ``Authorization: Bearer``): nothing here reads data.

Every answer carries a Content-Security-Policy that allows scripts and styles from this origin
only and connections to the services' origins only, so a comment a customer wrote can never
run as script, nor send the token elsewhere.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import RedirectResponse

STATIC = Path(__file__).resolve().parent / "static"
TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
}


@dataclass(frozen=True, slots=True)
class Asset:
    body: bytes
    media_type: str
    etag: str


@dataclass(frozen=True, slots=True)
class Pages:
    """A service's pages: ``directory`` holds them (``index.html`` first); ``links`` says
    where a browser reaches each service (``PAGES__SERVICES``); ``extra`` is what else the
    pages read from ``config.json`` (feedback's queue names)."""

    service: str
    directory: Path
    links: Mapping[str, str] = field(default_factory=dict)
    extra: Mapping[str, object] = field(default_factory=dict)

    def assets(self) -> dict[str, Asset]:
        """Every file by its path under ``/ui/``: the service's own, and the shared modules
        under ``lib/``; then ``config.json``, what the pages need to know of the stack."""
        found = {**_read(STATIC, prefix="lib/"), **_read(self.directory, prefix="")}
        config = {**self.extra, "service": self.service, "services": dict(self.links)}
        found["config.json"] = _asset(json.dumps(config).encode(), "application/json")
        return found

    def security_policy(self) -> str:
        origins = " ".join(sorted({_origin(url) for url in self.links.values()}))
        return (
            "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            f"connect-src 'self' {origins}; form-action 'self'; base-uri 'none'; "
            "frame-ancestors 'none'"
        )


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _asset(body: bytes, media_type: str) -> Asset:
    return Asset(body, media_type, '"' + hashlib.sha256(body).hexdigest()[:20] + '"')


def _read(directory: Path, *, prefix: str) -> dict[str, Asset]:
    return {
        prefix + path.name: _asset(path.read_bytes(), TYPES[path.suffix])
        for path in sorted(directory.iterdir())
        if path.is_file() and path.suffix in TYPES
    }


def pages_router(pages: Pages) -> APIRouter:
    """``/ui/`` (the service's ``index.html``), ``/ui/<file>``, ``/ui/lib/<module>``; 404 for
    anything else. Left out of the OpenAPI: these are files, not an API."""
    assets = pages.assets()
    headers = {
        "Content-Security-Policy": pages.security_policy(),
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
        # Revalidated each time (an ETag makes that a 304): a new release is seen at once.
        "Cache-Control": "no-cache",
    }
    router = APIRouter(include_in_schema=False)

    @router.get("/ui")
    async def ui_root() -> RedirectResponse:
        return RedirectResponse("/ui/", status_code=308)

    @router.get("/ui/{name:path}")
    async def asset(name: str, request: Request) -> Response:
        found = assets.get(name or "index.html")
        if found is None:
            return Response(b"no such page\n", status_code=404, media_type="text/plain")
        if request.headers.get("if-none-match") == found.etag:
            return Response(status_code=304, headers={**headers, "ETag": found.etag})
        return Response(
            found.body, media_type=found.media_type, headers={**headers, "ETag": found.etag}
        )

    return router


def allow_pages(app: FastAPI, origins: list[str]) -> None:
    """Lets the pages of ``origins`` read this app's API from a browser (GET with a token: the
    pipeline page, on the collector, reads every service's ``/v1/pipeline``). Writes stay
    same-origin. No cookies: the page sends the token itself, so a site without one gains
    nothing."""
    app.add_middleware(
        CORSMiddleware,
        allow_origins=origins,
        allow_methods=["GET"],
        allow_headers=["Authorization"],
        allow_credentials=False,
        max_age=600,
    )
