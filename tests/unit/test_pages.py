"""The pages router: a service's own files and the shared modules under /ui/, from memory, with
a policy that keeps scripts and connections to the stack's origins; and the CORS that lets the
pipeline page read the consumers' summaries (the pages run in tests/e2e/test_pages.py)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from pydantic import ValidationError

from services.attribution.__main__ import PAGES as ATTRIBUTION_PAGES
from services.collector.__main__ import PAGES as COLLECTOR_PAGES
from services.feedback.__main__ import PAGES as FEEDBACK_PAGES
from shared.pages import STATIC, Pages, allow_pages, pages_router
from shared.settings import PagesSettings

LINKS = {"collector": "http://127.0.0.1:8000", "feedback": "https://cx.example/boucle"}


@pytest.fixture
def directory(tmp_path: Path) -> Path:
    (tmp_path / "index.html").write_text("<!doctype html><title>queue</title>")
    (tmp_path / "queue.js").write_text("export const queue = 1;")
    (tmp_path / "notes.txt").write_text("not served: not a page's file type")
    return tmp_path


@pytest.fixture
async def http(directory: Path) -> AsyncIterator[httpx.AsyncClient]:
    app = FastAPI()
    pages = Pages("feedback", directory, links=LINKS, extra={"queues": ["billing", "support"]})
    app.include_router(pages_router(pages))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://svc") as client:
        yield client


async def test_ui_serves_the_services_index_and_its_modules_with_their_types(
    http: httpx.AsyncClient,
) -> None:
    index = await http.get("/ui/")
    assert index.status_code == 200
    assert index.headers["content-type"] == "text/html; charset=utf-8"
    assert "<title>queue</title>" in index.text
    module = await http.get("/ui/queue.js")
    assert module.headers["content-type"] == "text/javascript; charset=utf-8"
    assert (await http.get("/ui")).headers["location"] == "/ui/"


async def test_the_shared_modules_are_served_under_lib_for_every_service(
    http: httpx.AsyncClient,
) -> None:
    for path in sorted(STATIC.iterdir()):
        answer = await http.get(f"/ui/lib/{path.name}")
        assert answer.status_code == 200, path.name
        assert answer.content == path.read_bytes()


async def test_config_says_which_service_this_is_where_the_others_are_and_its_extras(
    http: httpx.AsyncClient,
) -> None:
    config = (await http.get("/ui/config.json")).json()
    assert config == {
        "queues": ["billing", "support"],
        "service": "feedback",
        "services": LINKS,
    }


@pytest.mark.parametrize(
    "path",
    [
        "/ui/notes.txt",
        "/ui/../pages/__init__.py",
        "/ui/%2e%2e/%2e%2e/etc/passwd",
        "/ui/lib/",
        "/ui/x%00",
    ],
)
async def test_anything_but_the_known_files_is_a_404(http: httpx.AsyncClient, path: str) -> None:
    assert (await http.get(path)).status_code == 404


async def test_every_answer_keeps_scripts_and_connections_to_the_stacks_origins(
    http: httpx.AsyncClient,
) -> None:
    policy = (await http.get("/ui/")).headers["content-security-policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["connect-src"] == "'self' http://127.0.0.1:8000 https://cx.example"
    assert directives["frame-ancestors"] == "'none'"


async def test_an_unchanged_file_is_answered_304_to_its_etag(http: httpx.AsyncClient) -> None:
    first = await http.get("/ui/queue.js")
    again = await http.get("/ui/queue.js", headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304
    assert again.content == b""
    assert first.headers["cache-control"] == "no-cache"


@pytest.mark.parametrize(
    ("directory", "files"),
    [
        (ATTRIBUTION_PAGES, {"index.html", "attribution.js", "drilldown.js"}),
        (FEEDBACK_PAGES, {"index.html", "case.html", "queue.js", "outer.js", "case.js"}),
        (COLLECTOR_PAGES, {"index.html", "pipeline.js"}),
    ],
)
def test_each_service_ships_its_pages_and_every_module_they_import_exists(
    directory: Path, files: set[str]
) -> None:
    assets = Pages("any", directory).assets()
    assert files <= set(assets)
    for name in files:
        text = assets[name].body.decode()
        for line in text.splitlines():
            if line.startswith("import ") and " from " in line:
                target = line.rsplit(" from ", 1)[1].strip(' ";').removeprefix("./")
                assert target in assets, f"{name} imports {target}"


async def test_cors_lets_the_pages_origins_read_with_a_token_and_nobody_else() -> None:
    app = FastAPI()
    allow_pages(app, PagesSettings(services=LINKS).origins())

    @app.get("/v1/pipeline")
    async def pipeline() -> dict[str, int]:
        return {"records": 1}

    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://svc") as http:
        asked = {
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "authorization",
        }
        allowed = await http.options(
            "/v1/pipeline", headers={"Origin": "http://127.0.0.1:8000", **asked}
        )
        assert allowed.status_code == 200
        assert allowed.headers["access-control-allow-origin"] == "http://127.0.0.1:8000"
        assert "authorization" in allowed.headers["access-control-allow-headers"].lower()
        assert "access-control-allow-credentials" not in allowed.headers
        other = await http.options(
            "/v1/pipeline", headers={"Origin": "https://evil.example", **asked}
        )
        assert "access-control-allow-origin" not in other.headers
        write = await http.options(
            "/v1/pipeline",
            headers={"Origin": "http://127.0.0.1:8000", "Access-Control-Request-Method": "POST"},
        )
        assert write.status_code == 400  # writes stay on the page's own origin


def test_pages_settings_name_the_service_whose_url_is_not_one() -> None:
    with pytest.raises(ValidationError, match=r"services\.feedback: an http"):
        PagesSettings(services={"feedback": "cx.example:8003"})
    settings = PagesSettings.model_validate(
        {"services": json.loads('{"attribution": "https://mkt.example/boucle/"}')}
    )
    assert settings.services == {"attribution": "https://mkt.example/boucle"}
    assert settings.origins() == ["https://mkt.example"]
