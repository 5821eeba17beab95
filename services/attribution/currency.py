"""Reporting currency: credited revenue made comparable across currencies. Pure.

Conversions and credits keep the currency and amount they happened in; conversion happens only
when totals are reported, with a rates table loaded from a file: a CSV with the header
``currency,rate``, where ``rate`` is the value of one unit of ``currency`` in the reporting
currency. Rates are one table, not a history: a new file restates every reported total.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

from services.attribution.models import MONEY_QUANTUM


@dataclass(frozen=True, slots=True)
class Rates:
    reporting: str
    per_unit: Mapping[str, Decimal]

    def convert(self, amount: Decimal, currency: str) -> Decimal | None:
        """``amount`` in the reporting currency; None when the table has no rate for it."""
        code = currency.upper()
        rate = Decimal(1) if code == self.reporting else self.per_unit.get(code)
        return None if rate is None else (amount * rate).quantize(MONEY_QUANTUM)


def parse_rates(rows: Iterable[Mapping[str, str]], *, reporting: str) -> Rates:
    """Raises ValueError naming the bad line, so a wrong file stops the service at start."""
    table: dict[str, Decimal] = {}
    for line, row in enumerate(rows, start=2):
        code = (row.get("currency") or "").strip().upper()
        try:
            rate = Decimal((row.get("rate") or "").strip())
        except InvalidOperation as exc:
            given = row.get("rate")
            raise ValueError(f"rates line {line}: rate {given!r} is not a number") from exc
        if len(code) != 3 or not code.isalpha() or not rate.is_finite() or rate <= 0:
            raise ValueError(f"rates line {line}: need a 3-letter currency and a positive rate")
        table[code] = rate
    return Rates(reporting=reporting.upper(), per_unit=table)


def load_rates(path: Path, *, reporting: str) -> Rates:
    with path.open(newline="", encoding="utf-8") as handle:
        return parse_rates(csv.DictReader(handle), reporting=reporting)
