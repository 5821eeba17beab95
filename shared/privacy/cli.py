"""``python -m shared.privacy``: request an erasure, follow it, export what is held of a person.

    python -m shared.privacy erase IDENTIFIER…          publish an ErasureRequest; prints its id
    python -m shared.privacy status REQUEST_ID [--wait S]   each service's erasure record
    python -m shared.privacy export IDENTIFIER --out FILE   everything held, as one JSON document

``erase`` publishes straight to Kafka (KAFKA__*, TOPICS__PRIVACY), like the collector's
``POST /v1/privacy/erasures``. ``status`` and ``export`` call the three consuming services
(PRIVACY__SESSIONIZER_URL, PRIVACY__ATTRIBUTION_URL, PRIVACY__FEEDBACK_URL) with the API token
in BOUCLE_TOKEN (scopes ``privacy:erase``, ``privacy:export``). Exit codes: 0 done, 1 an
erasure still pending (``status``), 2 a usage error or a service that cannot answer.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import Field, SecretStr

from shared.errors import DependencyDown
from shared.events import ErasureRequest
from shared.privacy import checked_identifiers
from shared.privacy.web import Fetch, ServiceUnavailable, fetcher, path_part
from shared.producer import EventProducer, OutgoingRecord
from shared.settings import PrivacySettings, ServiceSettings

DOWNSTREAM = ("attribution", "feedback")
Status = Mapping[str, Any] | None  # a service's answer, None when it never saw the request


class PrivacyCliOptions(PrivacySettings):
    sessionizer_url: str = "http://127.0.0.1:8001"
    attribution_url: str = "http://127.0.0.1:8002"
    feedback_url: str = "http://127.0.0.1:8003"
    timeout_s: float = Field(default=10.0, gt=0)


class PrivacyCliSettings(ServiceSettings):
    privacy: PrivacyCliOptions = Field(default_factory=PrivacyCliOptions)
    token: SecretStr | None = Field(default=None, validation_alias="BOUCLE_TOKEN")

    def urls(self) -> dict[str, str]:
        p = self.privacy
        urls = {"sessionizer": p.sessionizer_url, "attribution": p.attribution_url}
        return {**urls, "feedback": p.feedback_url}


def state_of(statuses: Mapping[str, Status]) -> str:
    """done: the sessionizer applied the request and every other service erased each person
    it announced; pending: not yet; unknown: the sessionizer never received it."""
    first = statuses.get("sessionizer")
    if first is None:
        return "unknown"
    if first["state"] != "done":
        return "pending"
    for service in DOWNSTREAM:
        found = statuses.get(service)
        if found is None or found["state"] != "done" or found["persons"] < first["persons"]:
            return "pending"
    return "done"


def also_of(journeys: Mapping[str, Any]) -> list[str]:
    """The person ids and identifiers the sessionizer's export found: what the other
    services are asked for too."""
    found: list[str] = []
    for person in journeys.get("persons", []):
        found.append(person["personId"])
        found.extend(identity["identifier"] for identity in person["identities"])
    return list(dict.fromkeys(found))


async def publish(settings: PrivacyCliSettings, identifiers: Sequence[str]) -> ErasureRequest:
    request = ErasureRequest(
        request_id=str(uuid.uuid4()),
        identifiers=tuple(identifiers),
        requested_at=datetime.now(UTC),
    )
    producer = EventProducer(settings.kafka, client_id=f"{settings.kafka.client_id}-privacy")
    await producer.start()
    try:
        record = OutgoingRecord(
            topic=settings.topics.privacy, key=request.request_id, value=request.to_bytes()
        )
        await producer.send_all([record])
    finally:
        await producer.stop()
    return request


def statuses_of(fetch: Fetch, urls: Mapping[str, str], request_id: str) -> dict[str, Status]:
    return {
        service: fetch(f"{url}/v1/privacy/erasures/{path_part(request_id)}", {})
        for service, url in urls.items()
    }


def export_of(fetch: Fetch, urls: Mapping[str, str], identifier: str) -> dict[str, Any]:
    path = f"/v1/privacy/export/{path_part(identifier)}"
    journeys = fetch(urls["sessionizer"] + path, {}) or {"persons": []}
    also = {"also": also_of(journeys)}
    return {
        "identifier": identifier,
        "exportedAt": datetime.now(UTC).isoformat(),
        # The collector holds nothing by person (README, Security and privacy).
        "sessionizer": journeys,
        **{service: fetch(urls[service] + path, also) for service in DOWNSTREAM},
    }


def run(
    args: argparse.Namespace, settings: PrivacyCliSettings, *, out: Callable[[str], None]
) -> int:
    if args.command == "erase":
        request = asyncio.run(publish(settings, checked_identifiers(args.identifiers)))
        out(request.model_dump_json(by_alias=True))
        return 0
    fetch = fetcher(settings.token, timeout_s=settings.privacy.timeout_s)
    if args.command == "status":
        deadline = time.monotonic() + args.wait
        while True:
            statuses = statuses_of(fetch, settings.urls(), args.request_id)
            state = state_of(statuses)
            if state == "done" or time.monotonic() >= deadline:
                out(json.dumps({"requestId": args.request_id, "state": state, **statuses}))
                return 0 if state == "done" else 1
            time.sleep(1.0)
    document = export_of(fetch, settings.urls(), checked_identifiers([args.identifier])[0])
    Path(args.out).write_text(json.dumps(document, indent=2) + "\n")
    out(f"wrote {args.out}")
    return 0


def parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m shared.privacy")
    commands = parser.add_subparsers(dest="command", required=True)
    erase = commands.add_parser("erase", help="erase a person, by any of their identifiers")
    erase.add_argument("identifiers", nargs="+", metavar="IDENTIFIER")
    status = commands.add_parser("status", help="what each service did of an erasure")
    status.add_argument("request_id", metavar="REQUEST_ID")
    status.add_argument("--wait", type=float, default=0.0, help="seconds to wait until done")
    export = commands.add_parser("export", help="everything held about a person, as JSON")
    export.add_argument("identifier", metavar="IDENTIFIER")
    export.add_argument("--out", required=True, help="the JSON file to write")
    return parser


def main(argv: Sequence[str]) -> int:
    args = parser().parse_args(argv)
    try:
        return run(args, PrivacyCliSettings(), out=print)
    except (ValueError, ServiceUnavailable, DependencyDown) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
