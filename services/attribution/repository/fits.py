"""SQL of the fitted models: their counts, their fits, and the conversions each fit weighed."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

import msgspec
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from services.attribution.lines import FitView
from services.attribution.models import ChannelFit

_fit = msgspec.json.Decoder(dict[str, dict[str, float] | float])


def encode_fit(fit: ChannelFit) -> bytes:
    return msgspec.json.encode(
        {
            "scores": fit.scores,
            "value_scores": fit.value_scores,
            "standard_errors": fit.standard_errors,
            "conversions": fit.conversions,
            "value": fit.value,
        }
    )


def decode_fit(blob: bytes) -> ChannelFit:
    data = _fit.decode(blob)

    def scores(name: str) -> dict[str, float]:
        value = data.get(name, {})
        return value if isinstance(value, dict) else {}

    def number(name: str) -> float:
        value = data.get(name, 0.0)
        return float(value) if isinstance(value, float | int) else 0.0

    return ChannelFit(
        scores=scores("scores"),
        value_scores=scores("value_scores"),
        conversions=number("conversions"),
        value=number("value"),
        standard_errors=scores("standard_errors"),
    )


async def counts_of(session: AsyncSession, model_key: str) -> list[tuple[str, int, int]]:
    result = await session.execute(
        text("SELECT item, conversions, nulls FROM attribution.fitted_counts WHERE model_key = :k"),
        {"k": model_key},
    )
    return [(row[0], row[1], row[2]) for row in result.all()]


async def current_fits(session: AsyncSession, model_keys: Collection[str]) -> dict[str, FitView]:
    """The current fit of each model key."""
    if not model_keys:
        return {}
    result = await session.execute(
        text(
            "SELECT c.model_key, f.fit_id, f.scores FROM attribution.current_fits c "
            "JOIN attribution.fits f USING (fit_id) "
            "WHERE c.model_key = ANY(CAST(:keys AS text[]))"
        ),
        {"keys": sorted(model_keys)},
    )
    return {row[0]: FitView(row[1], decode_fit(row[2])) for row in result.all()}


async def fits_by_id(session: AsyncSession, ids: Collection[str]) -> dict[str, ChannelFit]:
    if not ids:
        return {}
    result = await session.execute(
        text(
            "SELECT fit_id, scores FROM attribution.fits WHERE fit_id = ANY(CAST(:ids AS text[]))"
        ),
        {"ids": sorted(ids)},
    )
    return {row[0]: decode_fit(row[1]) for row in result.all()}


async def save_fit(
    session: AsyncSession,
    view: FitView,
    *,
    model_key: str,
    at: datetime,
    solve_ms: float,
) -> None:
    """Stores the fit and makes it the model's current one."""
    await session.execute(
        text(
            "INSERT INTO attribution.fits (fit_id, model_key, fitted_at, scores, channels, "
            "solve_ms) VALUES (:id, :key, :at, :scores, :channels, :ms) "
            "ON CONFLICT (fit_id) DO UPDATE SET fitted_at = excluded.fitted_at"
        ),
        {
            "id": view.fit_id,
            "key": model_key,
            "at": at,
            "scores": encode_fit(view.fit),
            "channels": len(view.fit.scores),
            "ms": round(solve_ms, 3),
        },
    )
    await session.execute(
        text(
            "INSERT INTO attribution.current_fits (model_key, fit_id) VALUES (:key, :id) "
            "ON CONFLICT (model_key) DO UPDATE SET fit_id = excluded.fit_id"
        ),
        {"key": model_key, "id": view.fit_id},
    )


async def prune_fits(session: AsyncSession, *, model_key: str, keep: str) -> int:
    """Fits no credit refers to any more, but the current one."""
    result = await session.execute(
        text(
            "DELETE FROM attribution.fits f WHERE f.model_key = :key AND f.fit_id <> :keep "
            "AND NOT EXISTS (SELECT 1 FROM attribution.credit_versions v "
            "WHERE v.fit_id = f.fit_id)"
        ),
        {"key": model_key, "keep": keep},
    )
    return int(getattr(result, "rowcount", 0) or 0)


@dataclass(frozen=True, slots=True)
class FitGroup:
    """Conversions of one model whose credits came from an earlier fit, per channel set."""

    fit_id: str
    channel_set: str
    conversions: int


async def earlier_fit_groups(
    session: AsyncSession, *, model: str, model_key: str, current: str
) -> list[FitGroup]:
    result = await session.execute(
        text(
            "SELECT fit_id, channel_set, conversions FROM attribution.credit_versions "
            "WHERE model = :model AND model_key = :key AND fit_id <> :current "
            "AND conversions > 0 ORDER BY fit_id, channel_set"
        ),
        {"model": model, "key": model_key, "current": current},
    )
    return [FitGroup(row[0], row[1], row[2]) for row in result.all()]


async def persons_weighed_by(
    session: AsyncSession, *, model: str, group: FitGroup, limit: int
) -> list[tuple[str, str]]:
    """Up to ``limit`` (outcome, person) weighed by the group's fit on its channel set."""
    result = await session.execute(
        text(
            "SELECT DISTINCT outcome_id, person_id FROM attribution.credits "
            "WHERE model = :model AND fit_id = :fit AND channel_set = :set LIMIT :limit"
        ),
        {"model": model, "fit": group.fit_id, "set": group.channel_set, "limit": limit},
    )
    return [(row[0], row[1]) for row in result.all()]
