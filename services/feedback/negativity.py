"""Is a response negative, and why (notes §6.1)? Pure.

The score band decides first. The text can only make things worse: a critical intent or a
strongly negative comment makes any response negative whatever its score, and a negative comment
makes a middling one (NPS passive, CSAT 3, CES 4, 3★) negative. Free text without a score is
what the classifier says, except that a complaint channel is negative by default.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from services.feedback.instruments import Response, is_scored
from services.feedback.policy import NegativityPolicy
from services.feedback.text.verdict import TextVerdict

Cause = Literal["score", "intent", "text", "channel", "signal"]
EMAIL_REASONS = {"spam_report": "marked an email as spam", "unsubscribe": "unsubscribed"}


@dataclass(frozen=True, slots=True)
class Negativity:
    negative: bool
    # What made it negative first; None when it is not negative.
    cause: Cause | None
    reasons: tuple[str, ...]


NOT_NEGATIVE = Negativity(negative=False, cause=None, reasons=())


def assess(
    response: Response, verdict: TextVerdict | None, *, policy: NegativityPolicy
) -> Negativity:
    found: list[tuple[Cause, str]] = [
        *_by_score(response),
        *_by_intent(verdict, policy),
        *_by_text(response, verdict, policy),
    ]
    if not found:
        return NOT_NEGATIVE
    return Negativity(negative=True, cause=found[0][0], reasons=tuple(r for _, r in found))


def recovers(response: Response, negativity: Negativity, *, policy: NegativityPolicy) -> bool:
    """Whether a response shows a resolved case's customer won back (notes §6.7): scored at or
    above the instrument's ``recovered_min`` (NPS 7 and up) and not negative for another reason."""
    instrument = response.instrument
    if negativity.negative or response.score is None or not is_scored(instrument):
        return False
    return response.score >= policy.bands.cuts(instrument).recovered_min


def _by_score(response: Response) -> list[tuple[Cause, str]]:
    if response.instrument in EMAIL_REASONS:
        return [("signal", EMAIL_REASONS[response.instrument])]
    if response.polarity == "negative":
        return [("score", f"{response.instrument.upper()} {response.score} ({response.band})")]
    return []


def _by_intent(verdict: TextVerdict | None, policy: NegativityPolicy) -> list[tuple[Cause, str]]:
    if verdict is None:
        return []
    return [("intent", f"{i} intent") for i in verdict.intents if i in policy.case_intents]


def _by_text(
    response: Response, verdict: TextVerdict | None, policy: NegativityPolicy
) -> list[tuple[Cause, str]]:
    if response.instrument == "feedback" and response.channel in policy.complaint_channels:
        return [("channel", f"a complaint ({response.channel})")]
    if verdict is None or verdict.label != "negative":
        return []
    reason = f"negative text ({verdict.language}, confidence {verdict.confidence:.2f})"
    strong = policy.strong_text_confidence
    if response.polarity in (None, "neutral", "negative"):
        return [("text", reason)]
    if strong is not None and verdict.confidence >= strong:
        return [("text", f"strongly {reason}")]
    return []
