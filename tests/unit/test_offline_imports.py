"""Offline imports: record splitting, row validation, and the report, with a list for Kafka."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from prometheus_client import CollectorRegistry

from services.collector.app import Ingestor
from services.collector.imports import OfflineImporter, Record, records, row_event
from services.collector.metrics import CollectorMetrics
from services.collector.settings import CollectorOptions
from shared.errors import BadInput
from shared.events import TrackingEvent
from shared.identity import email_hash
from tests import webhooks
from tests.unit.test_collector_api import TOPICS, DictSources, ListSink
from tests.unit.test_webhook_api import SetReceipts

NOW = datetime(2026, 3, 4, tzinfo=UTC)


async def chunked(data: bytes, size: int = 7) -> AsyncIterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


async def collect(data: bytes, *, csv_format: bool) -> list[Record]:
    return [r async for r in records(chunked(data), csv_format=csv_format, limit=10_000)]


async def test_csv_records_keep_quoted_line_breaks_and_their_first_line_number() -> None:
    found = await collect(b'a,b\n1,"x\ny"\n2,z', csv_format=True)
    assert [(r.line, r.text) for r in found] == [(1, "a,b\n"), (2, '1,"x\ny"\n'), (4, "2,z")]


async def test_json_lines_are_one_record_per_line_across_chunk_boundaries() -> None:
    found = await collect(b'{"a": 1}\n{"b": "\xc3\xa9"}\n', csv_format=False)
    assert [(r.line, r.text.strip()) for r in found] == [(1, '{"a": 1}'), (2, '{"b": "é"}')]


async def test_a_body_over_the_limit_is_refused() -> None:
    with pytest.raises(BadInput, match="limit"):
        [r async for r in records(chunked(b"x\n" * 100), csv_format=False, limit=50)]


def test_a_store_visit_row_is_an_offline_track_event_of_the_hashed_email() -> None:
    event = row_event(
        {
            "type": "store_visit",
            "timestamp": "2026-03-01T10:15:00+01:00",
            "email": "Alice.Martin@example.com",
            "location": "Paris",
            "campaign": "spring-sale",
        },
        source_id="s",
        received_at=NOW,
    )
    assert (event.event, event.channel, event.campaign.name) == (
        "Store Visit",
        "offline",
        "spring-sale",
    )
    assert event.identities == {"email": email_hash("alice.martin@example.com")}
    assert event.properties == {"location": "Paris", "interaction": "store_visit"}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"type": "visit"}, "type"),
        ({"timestamp": "yesterday"}, "timestamp"),
        ({"timestamp": "2027-01-01T00:00:00Z"}, "timestamp"),
        ({"email": "nope"}, "email"),
        ({"email": ""}, "email"),
        ({"value": "12 euros"}, "value"),
    ],
)
def test_invalid_rows_name_the_column_to_fix(change: dict[str, str], field: str) -> None:
    row = {"type": "call", "timestamp": "2026-03-01T10:00:00Z", "email": "a@example.com", **change}
    with pytest.raises(BadInput) as refused:
        row_event(row, source_id="s", received_at=NOW)
    assert refused.value.field == field


def test_the_same_row_gets_the_same_message_id_and_an_id_column_wins() -> None:
    row = {"type": "call", "timestamp": "2026-03-01T10:00:00Z", "email": "a@example.com"}
    same = row_event(dict(reversed(row.items())), source_id="s", received_at=NOW)
    assert row_event(row, source_id="s", received_at=NOW).message_id == same.message_id
    with_id = row_event({**row, "id": "x-1"}, source_id="s", received_at=NOW)
    assert (
        with_id.message_id
        == row_event(
            {**row, "id": "x-1", "note": "edited"}, source_id="s", received_at=NOW
        ).message_id
    )


async def test_the_fixture_imports_with_a_report_by_line_and_dead_letters() -> None:
    sink, receipts = ListSink(), SetReceipts()
    ingestor = Ingestor(
        sink,
        DictSources(),
        options=CollectorOptions(),
        topics=TOPICS,
        metrics=CollectorMetrics(CollectorRegistry()),
    )
    importer = OfflineImporter(ingestor, receipts, max_bytes=1_000_000)
    data = webhooks.fixture("offline/store_visits.csv")
    report = await importer.run(chunked(data, 64), csv_format=True, source_id="s", received_at=NOW)
    assert (report.rows, report.accepted, report.duplicates, report.rejected_count) == (9, 4, 0, 5)
    assert [(r["line"], r["field"]) for r in report.rejected] == [
        (5, "timestamp"),
        (7, "type"),
        (8, "email"),
        (9, "email"),
        (11, "value"),
    ]
    events = [TrackingEvent.model_validate_json(r.value) for r in sink.on(TOPICS.raw_events)]
    assert [e.event for e in events] == ["Store Visit", "Call", "Event Attended", "Store Visit"]
    assert events[1].properties["note"] == "Asked about pricing,\nthen booked a demo"
    dead = sink.on(TOPICS.dead_letter)
    assert dead[0].value.startswith(b"v-1003,store_visit,yesterday")
    assert dict(dead[0].headers)["line"] == b"5"

    again = await importer.run(chunked(data, 64), csv_format=True, source_id="s", received_at=NOW)
    assert (again.accepted, again.duplicates) == (0, 4)
    assert len(sink.on(TOPICS.raw_events)) == 4
