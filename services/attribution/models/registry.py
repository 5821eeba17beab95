"""Every model by name, built from its parameters, with the key that versions its credits.

A model's key names it, its code version and every parameter
(``time_decay.v1(half_life_days=7.0)``), so stored credits whose key differs from the configured
model's are due for restatement.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from datetime import timedelta
from typing import Any, ClassVar, Protocol, TypeVar

from services.attribution.models.fitted import Markov, Shapley
from services.attribution.models.journey import Journey, Weights
from services.attribution.models.milestones import FullPath, WShaped
from services.attribution.models.path import (
    FirstTouch,
    LastNonDirect,
    LastTouch,
    Linear,
    PositionBased,
    TimeDecay,
)
from shared.errors import BadInput


class PathModel(Protocol):
    name: ClassVar[str]
    version: ClassVar[int]
    needs_times: ClassVar[bool]  # meaningless without touch or stage times

    def weigh(self, journey: Journey) -> Weights: ...


FittedModel = Markov | Shapley
M = TypeVar("M")

PATH_MODELS: dict[str, type[PathModel]] = {
    model.name: model
    for model in (
        FirstTouch,
        LastTouch,
        LastNonDirect,
        Linear,
        TimeDecay,
        PositionBased,
        WShaped,
        FullPath,
    )
}
FITTED_MODELS: dict[str, type[FittedModel]] = {Markov.name: Markov, Shapley.name: Shapley}


def path_model(name: str, params: Mapping[str, Any] | None = None) -> PathModel:
    return _build(PATH_MODELS, name, params or {})


def fitted_model(name: str, params: Mapping[str, Any] | None = None) -> FittedModel:
    return _build(FITTED_MODELS, name, params or {})


def _build(known: Mapping[str, type[M]], name: str, params: Mapping[str, Any]) -> M:
    if name not in known:
        raise BadInput(f"unknown model {name!r}; known: {', '.join(sorted(known))}", field="model")
    model = known[name]
    # The registry holds dataclasses only; the Protocol type cannot say so.
    accepted = {field.name for field in dataclasses.fields(model)}  # type: ignore[arg-type]
    unknown = sorted(set(params) - accepted)
    if unknown:
        allowed = ", ".join(sorted(accepted)) or "none"
        raise BadInput(
            f"{name} has no parameter {unknown[0]!r} (parameters: {allowed})", field=unknown[0]
        )
    try:
        return model(**params)
    except TypeError as error:  # a parameter of the wrong type (a text where a number goes)
        raise BadInput(f"{name}: bad parameter: {error}", field="model") from error


def model_key(model: PathModel | FittedModel) -> str:
    params = [
        f"{field.name}={_text(getattr(model, field.name), declared=str(field.type))}"
        for field in dataclasses.fields(model)  # type: ignore[arg-type]  # dataclasses only
    ]
    suffix = f"({','.join(params)})" if params else ""
    return f"{model.name}.v{model.version}{suffix}"


def restatement_key(model: PathModel | FittedModel, *, lookback: timedelta) -> str:
    """The model's key and the lookback window: a change of either restates credits."""
    return f"{model_key(model)}@lookback={lookback.total_seconds():g}s"


def _text(value: object, *, declared: str) -> str:
    if isinstance(value, tuple):
        return "|".join(str(item) for item in value)
    if declared == "float" and isinstance(value, int | float):
        return repr(float(value))  # 7 and 7.0 are one parameter, so one key
    return str(value)
