"""Feedback instruments: which tracking events are feedback, read into one ``Response``. Pure.

Every response is kept, promoters and passives included: the KPIs need all of them, and
negativity is decided later (``negativity``), with the text verdict in hand. A score that is
missing, not a whole number, or outside its scale raises ``BadInput`` naming the property, so the
consumer dead-letters it with a reason the sender can act on.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, TypeGuard

from pydantic import BaseModel, ConfigDict, model_validator

from shared.errors import BadInput
from shared.events import TrackingEvent

Instrument = Literal["nps", "csat", "ces", "review", "feedback", "spam_report", "unsubscribe"]
Scored = Literal["nps", "csat", "ces", "review"]
# NPS speaks of detractors, passives and promoters; every other instrument of polarities.
Band = Literal["detractor", "passive", "promoter", "negative", "neutral", "positive"]
Polarity = Literal["negative", "neutral", "positive"]

SCORED_EVENTS: dict[str, Scored] = {
    "NPS Submitted": "nps",
    "CSAT Submitted": "csat",
    "CES Submitted": "ces",
    "Review Submitted": "review",
    "Product Reviewed": "review",  # Segment's e-commerce spec: rating and review_body
}
FEEDBACK_EVENT = "Feedback Submitted"
EMAIL_EVENTS: dict[str, Instrument] = {
    "Email Marked as Spam": "spam_report",
    "Unsubscribed": "unsubscribe",
}
SCALES: dict[Scored, tuple[int, int]] = {
    "nps": (0, 10),
    "csat": (1, 5),
    "ces": (1, 7),
    "review": (1, 5),
}
NPS_BANDS: dict[Polarity, Band] = {
    "negative": "detractor",
    "neutral": "passive",
    "positive": "promoter",
}
POLARITY: dict[Band, Polarity] = {
    "detractor": "negative",
    "passive": "neutral",
    "promoter": "positive",
    "negative": "negative",
    "neutral": "neutral",
    "positive": "positive",
}
SCORE_KEYS = ("score", "rating")
TEXT_KEYS = ("comment", "text", "review_body")


class Cuts(BaseModel):
    """Where a scale's negative band ends and its positive band starts; what counts as won back."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    negative_max: int
    positive_min: int
    # A later response at or above this after a resolved case marks the case recovered.
    recovered_min: int

    @model_validator(mode="after")
    def _ordered(self) -> Cuts:
        if self.negative_max >= self.positive_min:
            raise ValueError("negative_max must be below positive_min")
        if self.recovered_min <= self.negative_max:
            raise ValueError("recovered_min must be above negative_max")
        return self


class Bands(BaseModel):
    """Score bands per instrument. CSAT 3 is neutral here; Zendesk counts it as bad
    (``csat: {"negative_max": 3, "positive_min": 4, "recovered_min": 4}``)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    nps: Cuts = Cuts(negative_max=6, positive_min=9, recovered_min=7)
    csat: Cuts = Cuts(negative_max=2, positive_min=4, recovered_min=4)
    ces: Cuts = Cuts(negative_max=3, positive_min=5, recovered_min=5)
    review: Cuts = Cuts(negative_max=2, positive_min=4, recovered_min=4)

    @model_validator(mode="after")
    def _within_scales(self) -> Bands:
        for instrument, (low, high) in SCALES.items():
            cuts = self.cuts(instrument)
            if not low <= cuts.negative_max < cuts.positive_min <= high:
                raise ValueError(f"{instrument} bands must lie within its scale {low}-{high}")
        return self

    def cuts(self, instrument: Scored) -> Cuts:
        cuts: Cuts = getattr(self, instrument)
        return cuts

    def band(self, instrument: Scored, score: int) -> Band:
        cuts = self.cuts(instrument)
        polarity: Polarity = "neutral"
        if score <= cuts.negative_max:
            polarity = "negative"
        elif score >= cuts.positive_min:
            polarity = "positive"
        return NPS_BANDS[polarity] if instrument == "nps" else polarity


def is_scored(instrument: Instrument) -> TypeGuard[Scored]:
    return instrument in SCALES


@dataclass(frozen=True, slots=True)
class Response:
    """One piece of feedback, whatever instrument or channel it came from."""

    message_id: str
    instrument: Instrument
    score: int | None
    scale: tuple[int, int] | None
    # None only for free text, whose polarity the text verdict decides.
    band: Band | None
    text: str | None
    # Where the feedback was given: the ``channel`` property (contact_form, support_chat,
    # call, store, complaint…), else ``offline`` for imports, ``email`` for email signals, ``web``.
    channel: str
    source: str
    public: bool
    occurred_at: datetime
    # userId, anonymousId and ``kind:value`` identities, as the sessionizer's identity graph
    # knows them: the consumer resolves them to a person through identity links.
    identifiers: tuple[str, ...]
    language: str | None = None
    survey_id: str | None = None
    # Set when the response answers the follow-up survey of a resolved case.
    case_id: str | None = None

    @property
    def polarity(self) -> Polarity | None:
        return POLARITY[self.band] if self.band else None


def response_of(event: TrackingEvent, *, bands: Bands) -> Response | None:
    """The feedback an event carries, or None when it is not feedback."""
    if event.type != "track" or event.event is None:
        return None
    if event.event in SCORED_EVENTS:
        instrument = SCORED_EVENTS[event.event]
        score = score_of(event, instrument)
        return _response(
            event,
            instrument,
            score=score,
            scale=SCALES[instrument],
            band=bands.band(instrument, score),
        )
    if event.event == FEEDBACK_EVENT:
        if text_of(event.properties) is None:
            raise BadInput(
                f"{FEEDBACK_EVENT} needs its feedback in properties.text (or comment)",
                field="properties.text",
            )
        return _response(event, "feedback", score=None, scale=None, band=None)
    if event.event in EMAIL_EVENTS:
        signal = EMAIL_EVENTS[event.event]
        return _response(event, signal, score=None, scale=None, band="negative")
    return None


def score_of(event: TrackingEvent, instrument: Scored) -> int:
    """The whole-number score of ``properties.score`` (or ``rating``), within the scale."""
    key = next((k for k in SCORE_KEYS if event.properties.get(k) is not None), SCORE_KEYS[0])
    low, high = SCALES[instrument]
    field = f"properties.{key}"
    expected = f"{event.event}: {field} must be a whole number from {low} to {high}"
    raw = event.properties.get(key)
    if raw is None:
        raise BadInput(f"{expected}; it is missing", field=field, code="missing_score")
    score = whole_number(raw)
    if score is None:
        raise BadInput(f"{expected}, got {raw!r}", field=field, code="invalid_score")
    if not low <= score <= high:
        raise BadInput(f"{expected}, got {score}", field=field, code="score_out_of_range")
    return score


def whole_number(value: object) -> int | None:
    """An int from an int, an integral float, or a numeric string ("7", " 7.0 ")."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        try:
            value = float(value.strip())
        except ValueError:
            return None
    if isinstance(value, float):
        return int(value) if math.isfinite(value) and value.is_integer() else None
    return value if isinstance(value, int) else None


def text_of(properties: dict[str, Any]) -> str | None:
    for key in TEXT_KEYS:
        value = properties.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return None


def _response(
    event: TrackingEvent,
    instrument: Instrument,
    *,
    score: int | None,
    scale: tuple[int, int] | None,
    band: Band | None,
) -> Response:
    props = event.properties
    return Response(
        message_id=event.message_id,
        instrument=instrument,
        score=score,
        scale=scale,
        band=band,
        text=text_of(props),
        channel=_label(props.get("channel")) or _default_channel(event, instrument),
        source=_label(props.get("source")) or event.source_id,
        public=_public(props, instrument),
        occurred_at=event.timestamp,
        identifiers=identifiers_of(event),
        language=language_of(event),
        survey_id=_id(props.get("survey_id")),
        case_id=_id(props.get("case_id")),
    )


def _default_channel(event: TrackingEvent, instrument: Instrument) -> str:
    if instrument in ("spam_report", "unsubscribe"):
        return "email"
    return "offline" if event.channel == "offline" else "web"


def _public(props: dict[str, Any], instrument: Instrument) -> bool:
    """A review is published unless marked ``public: false``; other feedback is private unless
    marked ``public: true`` (a social-media post, say)."""
    flag = props.get("public")
    return flag if isinstance(flag, bool) else instrument == "review"


def _label(value: object) -> str | None:
    return value.strip().lower() if isinstance(value, str) and value.strip() else None


def language_of(event: TrackingEvent) -> str | None:
    """The language the sender declared: ``properties.language``, else ``context.locale``,
    reduced to its primary subtag (``fr-FR`` → ``fr``); a hint for the text classifier."""
    declared = _label(event.properties.get("language")) or _label(event.context.get("locale"))
    return declared.replace("_", "-").split("-")[0] if declared else None


def _id(value: object) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def identifiers_of(event: TrackingEvent) -> tuple[str, ...]:
    """The identifiers the sessionizer stitches, in its order: user, device, identities."""
    found = [
        event.user_id,
        event.anonymous_id,
        *(f"{kind}:{value}" for kind, value in sorted(event.identities.items())),
    ]
    return tuple(dict.fromkeys(i for i in found if i))
