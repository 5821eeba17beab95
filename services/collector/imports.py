"""Offline interactions imported in bulk: CSV or JSON lines, streamed, validated row by row.

``POST /v1/imports/offline`` with the write key of an ``offline`` or ``server`` source. Rows are
read as the body streams in and published in chunks, so a file of any number of rows needs
little memory. Each row becomes one ``track`` event on the ``offline`` channel; a row that
fails validation is reported with its line number and kept in the dead-letter topic. A row's
messageId comes from its ``id`` column, else from its content, so importing the same file
again publishes nothing new.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import json
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import APIRouter, Request

from services.collector.app import Ingestor
from services.collector.body import Deadlines, TooLarge, timed_chunks
from services.collector.clock import EARLIEST
from services.collector.integrations.common import identities, message_id
from services.collector.integrations.store import ReceiptBook
from services.collector.responses import errors
from services.collector.storable import refuse_nul, storable_properties
from shared.errors import BadInput
from shared.events import Campaign, TrackingEvent
from shared.producer import OutgoingRecord, dead_letter

INTERACTIONS = {
    "store_visit": "Store Visit",
    "call": "Call",
    "event_attended": "Event Attended",
    "demo": "Demo Attended",
    "other": "Offline Interaction",
}
IDENTITY_COLUMNS = ("hubspot_contact", "salesforce_contact", "pipedrive_person")
KNOWN_COLUMNS = frozenset(
    {
        "id",
        "type",
        "timestamp",
        "email",
        "user_id",
        "anonymous_id",
        "campaign",
        "source",
        "medium",
        *IDENTITY_COLUMNS,
    }
)
MAX_FUTURE = timedelta(days=1)
CHUNK_ROWS = 500
MAX_LISTED_REJECTIONS = 1_000


@dataclass(frozen=True, slots=True)
class Record:
    line: int  # first physical line of the record, 1-based, as an editor shows it
    text: str


def split_csv_records(
    lines: list[str], first_line: int, pending: str, start: int
) -> tuple[list[Record], str, int]:
    """Joins physical lines into CSV records: a record ends where its quotes balance (a quoted
    field may hold line breaks). Returns records, the unfinished text and its first line."""
    records: list[Record] = []
    for offset, line in enumerate(lines):
        if not pending:
            start = first_line + offset
        pending += line
        if pending.count('"') % 2 == 0:
            records.append(Record(start, pending))
            pending = ""
    return records, pending, start


async def physical_lines(chunks: AsyncIterator[bytes], *, limit: int) -> AsyncIterator[list[str]]:
    """Complete lines (with their ends) as the body arrives; refuses bodies over ``limit``."""
    decoder = codecs.getincrementaldecoder("utf-8-sig")()
    tail, size = "", 0
    async for chunk in chunks:
        size += len(chunk)
        if size > limit:
            raise TooLarge(f"import body exceeds the limit of {limit} bytes; split the file")
        try:
            text = tail + decoder.decode(chunk)
        except UnicodeDecodeError as exc:
            raise BadInput(f"the file is not UTF-8: {exc}", code="invalid_encoding") from exc
        *complete, tail = text.split("\n")
        if complete:
            yield [line + "\n" for line in complete]
    if tail + decoder.decode(b"", final=True):
        yield [tail]


async def records(
    chunks: AsyncIterator[bytes], *, csv_format: bool, limit: int
) -> AsyncIterator[Record]:
    line_number, pending, pending_start = 1, "", 1
    async for lines in physical_lines(chunks, limit=limit):
        if csv_format:
            done, pending, pending_start = split_csv_records(
                lines, line_number, pending, pending_start
            )
            for record in done:
                yield record
        else:
            for offset, line in enumerate(lines):
                yield Record(line_number + offset, line)
        line_number += len(lines)
    if pending:
        yield Record(pending_start, pending)


def csv_row(header: list[str], record: Record) -> dict[str, str]:
    [values] = list(csv.reader([record.text]))
    if len(values) != len(header):
        raise BadInput(f"{len(values)} values for {len(header)} columns", field="row")
    return {name: value.strip() for name, value in zip(header, values, strict=True)}


def json_row(record: Record) -> dict[str, Any]:
    try:
        row = json.loads(record.text)
    except ValueError as exc:
        raise BadInput(f"not a JSON object: {exc}", field="row") from exc
    if not isinstance(row, dict):
        raise BadInput("each line must be a JSON object", field="row")
    return row


def _text(row: Mapping[str, Any], name: str) -> str | None:
    value = row.get(name)
    return str(value).strip() or None if value not in (None, "") else None


def row_timestamp(value: str | None, *, received_at: datetime) -> datetime:
    if value is None:
        raise BadInput("timestamp is required (ISO-8601)", field="timestamp")
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise BadInput(f"timestamp {value!r} is not ISO-8601", field="timestamp") from exc
    moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    if moment > received_at + MAX_FUTURE:
        raise BadInput(f"timestamp {value} is in the future", field="timestamp")
    if moment < EARLIEST:
        raise BadInput(f"timestamp {value} is before 1970", field="timestamp")
    return moment


def row_event(row: Mapping[str, Any], *, source_id: str, received_at: datetime) -> TrackingEvent:
    """One offline interaction as a tracking event. Raises BadInput naming the column. Pure."""
    refuse_nul(row)
    kind = (_text(row, "type") or "").lower()
    if kind not in INTERACTIONS:
        raise BadInput(f"type must be one of {', '.join(INTERACTIONS)}", field="type")
    email = _text(row, "email")
    found = identities(email, **{c: _text(row, c) for c in IDENTITY_COLUMNS})
    if email and "email" not in found:
        raise BadInput(f"email {email!r} is not an address", field="email")
    user_id, anonymous_id = _text(row, "user_id"), _text(row, "anonymous_id")
    if not (found or user_id or anonymous_id):
        raise BadInput(
            "a row needs email, user_id, anonymous_id or a CRM contact id", field="email"
        )
    extra = {k: v for k, v in row.items() if k not in KNOWN_COLUMNS and v not in (None, "")}
    # Columns are properties: value (or revenue, amount…) and currency are checked as money.
    extra = dict(storable_properties(extra, event=None, where=""))
    return TrackingEvent(
        message_id=row_message_id(row, source_id=source_id),
        type="track",
        source_id=source_id,
        event=INTERACTIONS[kind],
        user_id=user_id,
        anonymous_id=anonymous_id,
        identities=found,
        properties={**extra, "interaction": kind},
        timestamp=row_timestamp(_text(row, "timestamp"), received_at=received_at),
        received_at=received_at,
        channel="offline",
        campaign=Campaign(
            name=_text(row, "campaign"),
            source=_text(row, "source"),
            medium=_text(row, "medium") or "offline",
        ),
    )


def row_message_id(row: Mapping[str, Any], *, source_id: str) -> str:
    """From the row's own ``id`` when it has one, else from its content: a re-import of the
    same rows yields the same messageIds, whatever their order or line numbers."""
    given = _text(row, "id")
    if given:
        return message_id("import", source_id, "id", given)
    canonical = json.dumps(
        {k: str(v).strip() for k, v in row.items() if v not in (None, "")}, sort_keys=True
    )
    return message_id("import", source_id, "row", hashlib.sha256(canonical.encode()).hexdigest())


@dataclass
class ImportReport:
    rows: int = 0
    accepted: int = 0
    duplicates: int = 0
    rejected: list[dict[str, Any]] = field(default_factory=list)
    rejected_count: int = 0

    def as_json(self) -> dict[str, Any]:
        return {
            "success": True,
            "rows": self.rows,
            "accepted": self.accepted,
            "duplicates": self.duplicates,
            "rejectedCount": self.rejected_count,
            "rejected": self.rejected,
        }


class OfflineImporter:
    """Reads, validates and publishes one import, a chunk of rows at a time."""

    def __init__(self, ingestor: Ingestor, receipts: ReceiptBook, *, max_bytes: int) -> None:
        self._ingestor = ingestor
        self._receipts = receipts
        self._max_bytes = max_bytes

    async def run(
        self,
        chunks: AsyncIterator[bytes],
        *,
        csv_format: bool,
        source_id: str,
        received_at: datetime,
    ) -> ImportReport:
        report = ImportReport()
        header: list[str] | None = None
        events: list[TrackingEvent] = []
        dead: list[OutgoingRecord] = []
        async for record in records(chunks, csv_format=csv_format, limit=self._max_bytes):
            if not record.text.strip():
                continue
            if csv_format and header is None:
                header = [name.strip().lower() for name in next(csv.reader([record.text]))]
                continue
            report.rows += 1
            try:
                row = csv_row(header or [], record) if csv_format else json_row(record)
                events.append(row_event(row, source_id=source_id, received_at=received_at))
            except (BadInput, ValueError) as exc:
                dead.append(self._reject(report, record, exc, source_id, received_at))
            if len(events) + len(dead) >= CHUNK_ROWS:
                await self._flush(report, events, dead)
                events, dead = [], []
        await self._flush(report, events, dead)
        return report

    def _reject(
        self,
        report: ImportReport,
        record: Record,
        exc: Exception,
        source_id: str,
        received_at: datetime,
    ) -> OutgoingRecord:
        reason = exc.message if isinstance(exc, BadInput) else str(exc)
        where = exc.field if isinstance(exc, BadInput) else None
        report.rejected_count += 1
        if len(report.rejected) < MAX_LISTED_REJECTIONS:
            report.rejected.append({"line": record.line, "reason": reason, "field": where})
        return dead_letter(
            topic=self._ingestor.topics.dead_letter,
            key=source_id,
            reason=f"line {record.line}: {reason}",
            payload=record.text.encode(),
            origin=(
                ("origin", "import"),
                ("source-id", source_id),
                ("line", str(record.line)),
                ("received-at", received_at.isoformat()),
            ),
        )

    async def _flush(
        self, report: ImportReport, events: list[TrackingEvent], dead: list[OutgoingRecord]
    ) -> None:
        known = await self._receipts.seen(f"msg:{e.message_id}" for e in events)
        fresh = list(
            {e.message_id: e for e in events if f"msg:{e.message_id}" not in known}.values()
        )
        taken = len(events) - len(fresh)
        recent = await self._ingestor.publish(fresh, dead, known_duplicates=taken)
        await self._receipts.record(f"msg:{e.message_id}" for e in fresh)
        report.accepted += len(fresh) - recent
        report.duplicates += taken + recent


IMPORT_KINDS = ("offline", "server")
CSV_TYPES = ("text/csv", "application/csv")


def imports_router(
    ingestor: Ingestor, *, receipts: ReceiptBook, max_bytes: int = 64 * 1024 * 1024
) -> APIRouter:
    router = APIRouter(tags=["imports"])
    importer = OfflineImporter(ingestor, receipts, max_bytes=max_bytes)
    options = ingestor.options
    deadlines = Deadlines(
        idle_s=options.limits.body_idle_timeout_s, total_s=options.import_timeout_s
    )

    @router.post("/v1/imports/offline", responses=errors(400, 401, 408, 413, 503))
    async def offline_import(request: Request) -> dict[str, Any]:
        """CSV (``text/csv``, a header line first) or JSON lines (any other type)."""
        source = await ingestor.authenticate(request, None)
        if source.kind not in IMPORT_KINDS:
            raise BadInput(
                f"this write key belongs to a {source.kind} source; imports take the "
                "key of an offline or server source",
                code="wrong_source_kind",
            )
        content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        report = await importer.run(
            timed_chunks(request.stream(), deadlines),
            csv_format=content_type in CSV_TYPES,
            source_id=source.source_id,
            received_at=datetime.now(UTC),
        )
        return report.as_json()

    return router
