"""Plain-data builders shared by unit and integration tests."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

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
