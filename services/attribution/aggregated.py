"""Aggregated paths (ChannelAttribution's and GA's export layout) read and attributed by every
model, with the same model code as the stream. Pure: lines in, figures out.

Columns: ``path`` (channels joined by ``>``), ``total_conversions``, optionally
``total_conversion_value`` and ``total_null``; comma or semicolon separated, other columns ignored.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from services.attribution.models import (
    CONVERSION,
    NULL,
    START,
    Allocation,
    ChannelFit,
    Markov,
    PathModel,
    Shapley,
    Tally,
    journey_of,
    markov_counts,
    shapley_counts,
)
from services.attribution.models.journey import Journey, Weights
from services.attribution.models.markov import MarkovSolution
from services.attribution.models.shapley import ShapleySolution
from shared.errors import BadInput

REQUIRED = ("path", "total_conversions")
RESERVED = frozenset({START, CONVERSION, NULL})
FITTED_REPORTS = ("markov", "markov_global", "shapley", "shapley_global")


@dataclass(frozen=True, slots=True)
class AggregatedPath:
    channels: tuple[str, ...]
    outcome: Tally


@dataclass(frozen=True, slots=True)
class PathReport:
    models: dict[str, dict[str, Allocation]]  # model → channel → conversions and value
    markov: MarkovSolution | None = None  # the fits behind them, when a fitted model ran
    shapley: ShapleySolution | None = None


def parse_paths(lines: Iterable[str]) -> list[AggregatedPath]:
    rows = iter(lines)
    header = next(rows, "")
    delimiter = ";" if header.count(";") > header.count(",") else ","
    names = [name.strip().lower() for name in next(csv.reader([header], delimiter=delimiter))]
    missing = [column for column in REQUIRED if column not in names]
    if missing:
        raise BadInput(
            f"missing column {missing[0]!r}: the header must name path and total_conversions "
            f"(found: {', '.join(names) or 'nothing'})",
            field=missing[0],
        )
    paths = []
    for line, values in enumerate(csv.reader(rows, delimiter=delimiter), start=2):
        if values:
            paths.append(_path_of(dict(zip(names, values, strict=False)), line, delimiter))
    return paths


def _path_of(row: dict[str, str], line: int, delimiter: str) -> AggregatedPath:
    channels = tuple(channel.strip() for channel in row.get("path", "").split(">"))
    if not any(channels) or not all(channels):
        raise BadInput(
            f"line {line}: path {row.get('path', '')!r} has an empty channel", field="path"
        )
    reserved = RESERVED.intersection(channels)
    if reserved:
        raise BadInput(
            f"line {line}: {min(reserved)} names a state of the Markov chain, not a channel",
            field="path",
        )

    def number(column: str) -> float:
        text = row.get(column, "").strip() or "0"
        if delimiter == ";":
            text = text.replace(",", ".")  # a decimal comma, as semicolon files are written
        try:
            amount = float(text)
        except ValueError:
            amount = math.nan
        if not (math.isfinite(amount) and amount >= 0):
            raise BadInput(
                f"line {line}: {column} must be a number >= 0, not {text!r}", field=column
            )
        return amount

    outcome = Tally(
        conversions=number("total_conversions"),
        value=number("total_conversion_value"),
        nulls=number("total_null"),
    )
    return AggregatedPath(channels=channels, outcome=outcome)


def attribute_paths(
    paths: Sequence[AggregatedPath],
    names: Sequence[str],
    *,
    path_models: dict[str, PathModel],
    markov: Markov,
    shapley: Shapley,
) -> PathReport:
    """Every requested model's conversions and value per channel over the paths."""
    timed = [name for name in names if name in path_models and path_models[name].needs_times]
    if timed:
        raise BadInput(
            f"{', '.join(timed)} cannot run on aggregated paths: time_decay needs touch times and "
            "w_shaped and full_path CRM stage times, which aggregated paths do not carry",
            field="models",
        )
    channels = sorted({channel for path in paths for channel in path.channels})
    rows = [(path.channels, path.outcome) for path in paths]
    chain = (
        markov.solve(markov_counts(rows, order=markov.order)) if _wants("markov", names) else None
    )
    game = shapley.solve(shapley_counts(rows)) if _wants("shapley", names) else None
    fits: dict[str, ChannelFit] = {}
    if chain is not None:
        fits["markov"] = markov.fit_of(chain)
    if game is not None:
        fits["shapley"] = shapley.fit_of(game)
    models: dict[str, dict[str, Allocation]] = {}
    for name in names:
        if name in path_models:
            models[name] = _per_conversion(paths, channels, path_models[name].weigh)
        elif name.endswith("_global"):
            fit = fits[name.removesuffix("_global")]
            models[name] = {**_zero(channels), **fit.global_allocation()}
        else:
            models[name] = _per_conversion(paths, channels, fits[name].weigh)
    return PathReport(models=models, markov=chain, shapley=game)


def _wants(fitted: str, names: Sequence[str]) -> bool:
    return fitted in names or f"{fitted}_global" in names


def _per_conversion(
    paths: Sequence[AggregatedPath], channels: Sequence[str], weigh: Callable[[Journey], Weights]
) -> dict[str, Allocation]:
    conversions = dict.fromkeys(channels, 0.0)
    value = dict.fromkeys(channels, 0.0)
    for path in paths:
        if path.outcome.conversions == 0 and path.outcome.value == 0:
            continue
        for channel, weight in zip(path.channels, weigh(journey_of(path.channels)), strict=True):
            conversions[channel] += path.outcome.conversions * weight
            value[channel] += path.outcome.value * weight
    return {channel: Allocation(conversions[channel], value[channel]) for channel in channels}


def _zero(channels: Sequence[str]) -> dict[str, Allocation]:
    return {channel: Allocation(0.0, 0.0) for channel in channels}
