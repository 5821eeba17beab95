"""Which feedback is negative and how urgently to follow it up. Pure functions.

NPS (0-10): detractors are 0-6. Priority 1 is the most urgent: the lower the score, the angrier
the customer and the sooner someone should call. Email providers report two more negative
signals: a spam complaint (priority 2: the recipient is annoyed enough to hurt deliverability)
and an unsubscribe (priority 3: a quiet goodbye worth a look).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from shared.events import TrackingEvent

NPS_EVENT = "NPS Submitted"
DETRACTOR_MAX = 6
COMMENT_EXCERPT = 200
# Segment's email event names → (signal kind, priority).
EMAIL_SIGNALS = {"Email Marked as Spam": ("spam_report", 2), "Unsubscribed": ("unsubscribe", 3)}


@dataclass(frozen=True, slots=True)
class NegativeSignal:
    message_id: str
    person_id: str
    score: int | None
    comment: str | None
    occurred_at: datetime
    kind: str = "nps"
    email_priority: int = 3

    @property
    def priority(self) -> int:
        return priority_for(self.score) if self.score is not None else self.email_priority

    @property
    def reason(self) -> str:
        if self.score is None:
            return self.comment or self.kind
        reason = f"NPS {self.score}"
        if self.comment:
            reason += f": {self.comment[:COMMENT_EXCERPT]}"
        return reason


def priority_for(nps_score: int) -> int:
    """1 for scores 0-2, 2 for 3-4, 3 for 5-6."""
    if nps_score <= 2:
        return 1
    return 2 if nps_score <= 4 else 3


def nps_score(value: object) -> int | None:
    """The score as an int in 0..10, or None when it is not one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return value if isinstance(value, int) and 0 <= value <= 10 else None


def negative_signal(event: TrackingEvent) -> NegativeSignal | None:
    """The negative feedback an event carries, if any."""
    if event.type == "track" and event.event in EMAIL_SIGNALS:
        return email_signal(event)
    if event.type != "track" or event.event != NPS_EVENT:
        return None
    score = nps_score(event.properties.get("score"))
    if score is None or score > DETRACTOR_MAX:
        return None
    comment = event.properties.get("comment")
    return NegativeSignal(
        message_id=event.message_id,
        person_id=event.user_id or event.actor_id,
        score=score,
        comment=str(comment).strip() or None if comment is not None else None,
        occurred_at=event.timestamp,
    )


def email_signal(event: TrackingEvent) -> NegativeSignal:
    """A spam complaint or unsubscribe; the reason names the campaign or email when known."""
    kind, priority = EMAIL_SIGNALS[str(event.event)]
    about = event.campaign.name or event.properties.get("email_id")
    return NegativeSignal(
        message_id=event.message_id,
        person_id=event.user_id or event.actor_id,
        score=None,
        comment=f"{event.event} ({about})" if about else str(event.event),
        occurred_at=event.timestamp,
        kind=kind,
        email_priority=priority,
    )
