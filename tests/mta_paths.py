"""The ChannelAttribution example paths (10,000 aggregated paths, 12 channels, with
non-converting counts) as shipped in the ``mta`` package, a development dependency: read here
with the csv module alone, so that tests do not lean on the reader under test."""

from __future__ import annotations

import csv
import gzip
import importlib.metadata
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, slots=True)
class Row:
    channels: tuple[str, ...]
    conversions: float
    value: float
    nulls: float


def mta_file() -> Path:
    return Path(str(importlib.metadata.distribution("mta").locate_file("mta/data/data.csv.gz")))


def mta_rows() -> list[Row]:
    with gzip.open(mta_file(), "rt", newline="") as handle:
        return [
            Row(
                channels=tuple(part.strip() for part in record["path"].split(">")),
                conversions=float(record["total_conversions"]),
                value=float(record["total_conversion_value"]),
                nulls=float(record["total_null"]),
            )
            for record in csv.DictReader(handle)
        ]
