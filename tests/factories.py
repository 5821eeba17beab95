"""Plain-data builders shared by unit and integration tests."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from services.feedback.instruments import SCALES, Band, Bands, Instrument, Response, is_scored
from services.feedback.text.verdict import Intent, Label, Language, TextVerdict
from shared.events import Campaign, EventType, TrackingEvent

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def event(
    *,
    minutes: float = 0,
    type: EventType = "page",
    anonymous_id: str | None = "anon-1",
    user_id: str | None = None,
    name: str | None = None,
    properties: dict[str, Any] | None = None,
    campaign: str | None = None,
    channel: str = "direct",
    message_id: str | None = None,
) -> TrackingEvent:
    at = T0 + timedelta(minutes=minutes)
    return TrackingEvent(
        message_id=message_id or str(uuid.uuid4()),
        type=type,
        source_id="test",
        anonymous_id=anonymous_id,
        user_id=user_id,
        event=name if type == "track" else None,
        name=name if type == "page" else None,
        properties=properties or {},
        timestamp=at,
        received_at=at,
        campaign=Campaign(
            name=campaign, source="google" if campaign else None, medium="cpc" if campaign else None
        ),
        channel=channel,
    )


def feedback(
    instrument: Instrument = "nps",
    score: int | None = None,
    *,
    text: str | None = None,
    channel: str = "web",
    public: bool | None = None,
    days: float = 0,
    message_id: str | None = None,
) -> Response:
    """A feedback response as ``instruments`` reads it, banded with the default bands."""
    scale = SCALES[instrument] if is_scored(instrument) else None
    band: Band | None = None
    if is_scored(instrument) and score is not None:
        band = Bands().band(instrument, score)
    elif instrument in ("spam_report", "unsubscribe"):
        band = "negative"
    return Response(
        message_id=message_id or str(uuid.uuid4()),
        instrument=instrument,
        score=score,
        scale=scale,
        band=band,
        text=text,
        channel=channel,
        source="test",
        public=instrument == "review" if public is None else public,
        occurred_at=T0 + timedelta(days=days),
        identifiers=("u1",),
    )


def verdict(
    label: Label = "negative",
    *,
    language: Language = "en",
    confidence: float = 0.9,
    themes: tuple[str, ...] = (),
    intents: tuple[Intent, ...] = (),
) -> TextVerdict:
    """A hand-made classifier verdict; the score follows the label."""
    score = {"negative": -confidence, "neutral": 0.0, "positive": confidence}[label]
    return TextVerdict(
        language=language,
        label=label,
        score=score,
        confidence=confidence,
        themes=themes,
        intents=intents,
        classifier_version="hand-made",
    )
