"""The privacy CLI's calls to the services' APIs: JSON over HTTP with an API token, on the
standard library (a command line needs no client library for a few GETs)."""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from pydantic import SecretStr

Params = Mapping[str, str | Sequence[str]]
# GET url?params → the JSON answer, or None for a 404 (the service holds no such thing).
Fetch = Callable[[str, Params], dict[str, Any] | None]


class ServiceUnavailable(Exception):
    """A service that cannot be reached, or that refused the call: the message says which."""


def fetcher(token: SecretStr | None, *, timeout_s: float) -> Fetch:
    if token is None:
        raise ValueError("set BOUCLE_TOKEN to an API token with the privacy scopes")
    headers = {"Authorization": f"Bearer {token.get_secret_value()}", "Accept": "application/json"}

    def fetch(url: str, params: Params) -> dict[str, Any] | None:
        if urllib.parse.urlsplit(url).scheme not in ("http", "https"):
            raise ValueError(f"not an http(s) URL: {url}")
        query = urllib.parse.urlencode(params, doseq=True)
        target = f"{url}?{query}" if query else url
        request = urllib.request.Request(target, headers=headers)  # noqa: S310 - http(s) only
        try:
            with urllib.request.urlopen(request, timeout=timeout_s) as answer:  # noqa: S310
                found: dict[str, Any] = json.loads(answer.read())
                return found
        except urllib.error.HTTPError as exc:
            if exc.code == 404:
                return None
            detail = exc.read().decode(errors="replace")[:300]
            raise ServiceUnavailable(f"{url} answered {exc.code}: {detail}") from exc
        except (urllib.error.URLError, OSError) as exc:
            raise ServiceUnavailable(f"{url} cannot be reached: {exc}") from exc

    return fetch


def path_part(value: str) -> str:
    """An identifier as one segment of a URL path (``email:…``, ``a/b`` included)."""
    return urllib.parse.quote(value, safe="")
