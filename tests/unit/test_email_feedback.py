"""Spam complaints and unsubscribes from email providers are negative feedback too."""

from __future__ import annotations

from datetime import UTC, datetime

from services.collector.integrations import sendgrid
from services.collector.integrations.common import WebhookRequest
from services.feedback.consumer.decoding import response_decoder
from services.feedback.instruments import Bands, Response
from services.feedback.negativity import assess
from services.feedback.policy import FeedbackPolicy
from services.feedback.triage import CustomerValue, History, Triage, triage
from shared.events import TrackingEvent
from shared.identity import email_hash
from tests import webhooks

RECEIVED = datetime(2026, 3, 1, tzinfo=UTC)
POLICY = FeedbackPolicy()
DECODE = response_decoder(Bands())


def sendgrid_events() -> dict[str, TrackingEvent]:
    body = webhooks.fixture("sendgrid/events.json")
    parsed = sendgrid.parse(
        WebhookRequest("POST", "u", {}, body), source_id="s", received_at=RECEIVED
    )
    return {str(e.event): e for e in parsed.events}


def triaged(response: Response) -> Triage:
    negativity = assess(response, None, policy=POLICY.negativity)
    assert negativity.negative
    assert negativity.cause == "signal"
    return triage(response, None, value=CustomerValue(), history=History(), policy=POLICY.triage)


def test_a_spam_report_is_a_priority_2_case_for_marketing_under_the_hashed_email() -> None:
    spam = DECODE(sendgrid_events()["Email Marked as Spam"].to_bytes())
    assert spam is not None
    assert (spam.instrument, spam.channel, spam.score) == ("spam_report", "email", None)
    assert f"email:{email_hash('grumpy@example.com')}" in spam.identifiers
    assert (triaged(spam).priority, triaged(spam).queue) == (2, "marketing")


def test_an_unsubscribe_is_priority_3_and_opens_clicks_deliveries_are_not_feedback() -> None:
    events = sendgrid_events()
    unsubscribe = DECODE(events["Unsubscribed"].to_bytes())
    assert unsubscribe is not None
    assert (triaged(unsubscribe).priority, triaged(unsubscribe).queue) == (3, "marketing")
    for name in ("Email Opened", "Email Link Clicked", "Email Delivered", "Email Bounced"):
        assert DECODE(events[name].to_bytes()) is None
