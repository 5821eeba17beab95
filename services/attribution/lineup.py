"""The models a service computes, built once from settings, with the keys that version credits.

Pure. Every credit stores its model's restatement key (model, code version, parameters,
lookback); the lineup's ``settings_key`` covers every key and the CRM stage rules, so a change of
any of them is noticed and restated (README, *Restatement*).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from services.attribution.models import (
    FITTED_MODELS,
    PATH_MODELS,
    FittedModel,
    PathModel,
    fitted_model,
    path_model,
    restatement_key,
)
from shared.errors import BadInput


@dataclass(frozen=True, slots=True)
class StageRules:
    """Which touch types are lifecycle stages, and which conversion stages close a deal."""

    touch_types: Mapping[str, str]  # touch type → "lead" | "opportunity"
    deal_stages: frozenset[str]
    lost_events: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class Configured:
    name: str
    key: str  # restatement key


@dataclass(frozen=True, slots=True)
class PathEntry(Configured):
    model: PathModel


@dataclass(frozen=True, slots=True)
class FittedEntry(Configured):
    model: FittedModel


@dataclass(frozen=True, slots=True)
class Lineup:
    path: tuple[PathEntry, ...]
    fitted: tuple[FittedEntry, ...]
    lookback: timedelta
    stages: StageRules

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(entry.name for entry in (*self.path, *self.fitted))

    @property
    def keys(self) -> dict[str, str]:
        return {entry.name: entry.key for entry in (*self.path, *self.fitted)}

    @property
    def settings_key(self) -> str:
        described = {
            "keys": self.keys,
            "stage_touch_types": dict(sorted(self.stages.touch_types.items())),
            "deal_stages": sorted(self.stages.deal_stages),
            "lost_events": sorted(self.stages.lost_events),
        }
        text = json.dumps(described, sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()[:32]


def lineup_of(
    specs: Sequence[tuple[str, Mapping[str, Any]]], *, lookback: timedelta, stages: StageRules
) -> Lineup:
    """Raises BadInput naming an unknown model, a bad parameter or a model given twice."""
    seen: set[str] = set()
    path: list[PathEntry] = []
    fitted: list[FittedEntry] = []
    for name, params in specs:
        if name in seen:
            raise BadInput(f"model {name!r} is configured twice; give each model once")
        seen.add(name)
        if name in FITTED_MODELS:
            model = fitted_model(name, params)
            fitted.append(FittedEntry(name, restatement_key(model, lookback=lookback), model))
        elif name in PATH_MODELS:
            chosen = path_model(name, params)
            path.append(PathEntry(name, restatement_key(chosen, lookback=lookback), chosen))
        else:
            known = ", ".join(sorted({*PATH_MODELS, *FITTED_MODELS}))
            raise BadInput(f"unknown model {name!r}; known: {known}", field="models")
    if not seen:
        raise BadInput("configure at least one model", field="models")
    return Lineup(tuple(path), tuple(fitted), lookback, stages)
