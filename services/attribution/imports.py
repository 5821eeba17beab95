"""Spend and exchange-rate imports: CSV (header first) or JSON lines, row by row. Pure.

Spend rows are what ad platforms export and GA4's cost data import takes: ``date``, ``source``,
``medium``, ``campaign``, ``cost``, ``currency``, optionally ``impressions``, ``clicks`` and
``channel``. Rate rows: ``date``, ``currency``, ``rate``. A bad row is refused alone with its line
and the reason; the rest is taken. A body that cannot be read at all (not UTF-8, a CSV header
without a required column) is refused whole.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, Generic, TypeVar

from services.attribution.signals import currency_code, money
from shared.errors import BadInput

T = TypeVar("T")
SPEND_COLUMNS = ("date", "source", "medium", "campaign", "cost", "currency")
RATE_COLUMNS = ("date", "currency", "rate")
MAX_TEXT = 512


@dataclass(frozen=True, slots=True)
class SpendRow:
    day: date
    source: str
    medium: str
    campaign: str
    cost: Decimal
    currency: str
    impressions: int | None = None
    clicks: int | None = None
    channel: str | None = None


@dataclass(frozen=True, slots=True)
class RateRow:
    day: date
    currency: str
    rate: Decimal


@dataclass(frozen=True, slots=True)
class Refused:
    line: int
    reason: str
    field: str | None


@dataclass
class Parsed(Generic[T]):
    rows: list[T] = field(default_factory=list)
    refused: list[Refused] = field(default_factory=list)

    @property
    def total(self) -> int:
        return len(self.rows) + len(self.refused)


def records(body: bytes, *, is_csv: bool, required: tuple[str, ...]) -> Iterator[tuple[int, Any]]:
    """(line, record) for each row; a JSON line that is not an object comes back as it is."""
    try:
        content = body.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise BadInput(f"the body is not UTF-8 text (byte {error.start})", field="body") from error
    if is_csv:
        yield from _csv_records(content, required)
        return
    for number, line in enumerate(content.splitlines(), start=1):
        if line.strip():
            try:
                yield number, json.loads(line)
            except (ValueError, RecursionError):  # not JSON, or nested past Python's stack
                yield number, "not JSON"


def _csv_records(content: str, required: tuple[str, ...]) -> Iterator[tuple[int, Any]]:
    reader = csv.DictReader(io.StringIO(content))
    try:
        header = [name.strip() for name in reader.fieldnames or []]
    except csv.Error as error:
        raise BadInput(f"the CSV header cannot be read: {error}", field="header") from error
    missing = [name for name in required if name not in header]
    if missing:
        raise BadInput(
            f"the CSV header needs the columns {', '.join(required)}; missing: "
            f"{', '.join(missing)}",
            field="header",
        )
    reader.fieldnames = header
    start = reader.line_num + 1
    try:
        for row in reader:
            yield start, row
            start = reader.line_num + 1
    except csv.Error as error:  # an unterminated quote, a field past the size limit…
        raise BadInput(
            f"the CSV cannot be read from line {start}: {error}", field="body"
        ) from error


def parse(
    body: bytes,
    *,
    is_csv: bool,
    columns: tuple[str, ...],
    row_of: Callable[[Mapping[str, Any]], T],
) -> Parsed[T]:
    """Every row of the body; ``columns`` must all be in a CSV header, and all but ``campaign``
    (which may be empty: spend of a whole source) must have a value in each row."""
    parsed: Parsed[T] = Parsed()
    for line, record in records(body, is_csv=is_csv, required=columns):
        try:
            if not isinstance(record, dict):
                raise BadInput("each line must be a JSON object", field=None)
            missing = [c for c in columns if c != "campaign" and _blank(record.get(c))]
            if missing:
                raise BadInput(f"{missing[0]} is required", field=missing[0])
            parsed.rows.append(row_of(record))
        except BadInput as error:
            parsed.refused.append(Refused(line, error.message, error.field))
    return parsed


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _text(record: Mapping[str, Any], name: str) -> str:
    value = record.get(name)
    text = "" if value is None else str(value).strip()
    if len(text) > MAX_TEXT:
        raise BadInput(f"{name} is longer than {MAX_TEXT} characters", field=name)
    if "\x00" in text:  # PostgreSQL text cannot hold it
        raise BadInput(f"{name} contains a NUL character", field=name)
    return text


def _day(record: Mapping[str, Any]) -> date:
    value = _text(record, "date")
    try:
        return date.fromisoformat(value)  # 2026-03-01, and the basic form 20260301
    except ValueError as error:
        raise BadInput(f"date {value!r} is not a date (YYYY-MM-DD)", field="date") from error


def _whole(record: Mapping[str, Any], name: str) -> int | None:
    value = record.get(name)
    if _blank(value):
        return None
    try:
        number = Decimal(str(value).strip())
    except ArithmeticError as error:
        raise BadInput(f"{name} must be a whole number, not {value!r}", field=name) from error
    if not number.is_finite() or number < 0 or number >= 2**53 or number % 1:
        raise BadInput(
            f"{name} must be a whole number from 0 to 2^53, not {str(value)[:40]!r}", field=name
        )
    return int(number)


def spend_row(record: Mapping[str, Any]) -> SpendRow:
    channel = _text(record, "channel")
    return SpendRow(
        day=_day(record),
        source=_text(record, "source"),
        medium=_text(record, "medium"),
        campaign=_text(record, "campaign"),
        cost=money(record.get("cost"), field="cost"),
        currency=currency_code(record.get("currency")),
        impressions=_whole(record, "impressions"),
        clicks=_whole(record, "clicks"),
        channel=channel[:40] or None,
    )


MAX_RATE = Decimal(10) ** 13  # numeric(24, 10)


def rate_row(record: Mapping[str, Any]) -> RateRow:
    rate = _decimal(record.get("rate"))
    if rate is None or rate <= 0 or rate >= MAX_RATE:
        given = str(record.get("rate"))[:40]
        raise BadInput(f"rate must be a positive number below 10^13, not {given!r}", field="rate")
    return RateRow(
        day=_day(record),
        currency=currency_code(record.get("currency")),
        rate=rate.quantize(Decimal("1E-10")),
    )


def _decimal(value: Any) -> Decimal | None:
    try:
        number = Decimal(str(value).strip())
    except ArithmeticError:
        return None
    return number if number.is_finite() else None


def parse_spend(body: bytes, *, is_csv: bool) -> Parsed[SpendRow]:
    return parse(body, is_csv=is_csv, columns=SPEND_COLUMNS, row_of=spend_row)


def parse_rates(body: bytes, *, is_csv: bool) -> Parsed[RateRow]:
    return parse(body, is_csv=is_csv, columns=RATE_COLUMNS, row_of=rate_row)
