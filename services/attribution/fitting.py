"""Fitted models between re-solves: counts as stored, fit identity, which weights moved. Pure.

A fitted model weighs a conversion by the scores of the distinct channels on its path: channel
k's share is max(s_k, 0) / Σ_{j on the path} max(s_j, 0), spread over k's touches (linear when
no channel scores above 0). So whether a new fit moves a stored conversion's weights depends only
on its channel set, and the restatement job decides per (earlier fit, channel set) group, never
per conversion: a group is restated when some channel's share moved by more than the tolerance
between the fit its credits came from and the current one.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence

from services.attribution.lines import CHANNEL_SET_SEPARATOR
from services.attribution.models import ChannelFit, Tally
from shared.ids import stable_id


def counts_from(rows: Iterable[tuple[str, int, int]]) -> dict[tuple[str, ...], Tally]:
    """The stored counts as the models take them: each item back to its tuple key (a
    transition for Markov, a channel set for Shapley)."""
    return {
        tuple(item.split(CHANNEL_SET_SEPARATOR)): Tally(conversions=float(c), nulls=float(n))
        for item, c, n in rows
        if c or n
    }


def fit_id_of(model_key: str, fit: ChannelFit) -> str:
    """The same scores give the same id, so a re-solve that changes nothing adds no fit."""
    scores = json.dumps(sorted(fit.scores.items()))
    return stable_id("fit", model_key, scores)


def channel_shares(fit: ChannelFit | None, channels: Sequence[str]) -> dict[str, float] | None:
    """Each channel's share of a conversion with these channels; None when the fit gives none
    of them a positive score (the weights are then linear)."""
    if fit is None or not channels:
        return None
    positive = {channel: max(fit.scores.get(channel, 0.0), 0.0) for channel in channels}
    total = sum(positive.values())
    if total <= 0:
        return None
    return {channel: score / total for channel, score in positive.items()}


def moved(
    before: ChannelFit | None, after: ChannelFit, channel_set: str, *, tolerance: float
) -> bool:
    channels = channel_set.split(CHANNEL_SET_SEPARATOR) if channel_set else []
    old, new = channel_shares(before, channels), channel_shares(after, channels)
    if old is None or new is None:
        return (old is None) != (new is None)
    return max(abs(old[channel] - new[channel]) for channel in channels) > tolerance
