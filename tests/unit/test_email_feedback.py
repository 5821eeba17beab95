"""Spam complaints and unsubscribes from email providers are negative feedback too."""

from __future__ import annotations

from datetime import UTC, datetime

from services.collector.integrations import sendgrid
from services.collector.integrations.common import WebhookRequest
from services.feedback.routing import negative_signal
from shared.events import TrackingEvent
from shared.identity import email_hash
from tests import webhooks
from tests.factories import event

RECEIVED = datetime(2026, 3, 1, tzinfo=UTC)


def sendgrid_events() -> dict[str, TrackingEvent]:
    body = webhooks.fixture("sendgrid/events.json")
    parsed = sendgrid.parse(
        WebhookRequest("POST", "u", {}, body), source_id="s", received_at=RECEIVED
    )
    return {str(e.event): e for e in parsed.events}


def test_a_spam_report_opens_a_priority_2_case_for_the_hashed_email() -> None:
    spam = sendgrid_events()["Email Marked as Spam"]
    signal = negative_signal(spam)
    assert signal is not None
    assert (signal.kind, signal.priority, signal.score) == ("spam_report", 2, None)
    assert signal.person_id == f"email:{email_hash('grumpy@example.com')}"
    assert signal.reason.startswith("Email Marked as Spam (")


def test_an_unsubscribe_is_priority_3_and_opens_and_clicks_are_not_negative() -> None:
    events = sendgrid_events()
    unsubscribe = negative_signal(events["Unsubscribed"])
    assert unsubscribe is not None
    assert (unsubscribe.kind, unsubscribe.priority) == ("unsubscribe", 3)
    for name in ("Email Opened", "Email Link Clicked", "Email Delivered", "Email Bounced"):
        assert negative_signal(events[name]) is None


def test_nps_detractors_keep_their_behaviour() -> None:
    signal = negative_signal(
        event(
            type="track",
            name="NPS Submitted",
            user_id="u1",
            properties={"score": 1, "comment": "broken"},
        )
    )
    assert signal is not None
    assert (signal.kind, signal.priority, signal.reason) == ("nps", 1, "NPS 1: broken")
