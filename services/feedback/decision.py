"""What one response does, given what is known of its person. Pure: the consumer loads the
person's value, history and last case for a whole batch, then decides each response in order.

A negative response is triaged (priority from severity and customer value, a queue) and opens,
joins or reopens the person's case; a response that shows a resolved case's customer won back
marks it recovered; any other response only counts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from services.feedback.case import Case, Change
from services.feedback.instruments import Response
from services.feedback.intake import on_negative, on_recovering, signal_of
from services.feedback.negativity import Negativity, assess, recovers
from services.feedback.policy import FeedbackPolicy
from services.feedback.text.verdict import TextVerdict
from services.feedback.triage import CustomerValue, History, Triage, triage
from shared.ids import stable_id


@dataclass(frozen=True, slots=True)
class Decision:
    negativity: Negativity
    triage: Triage | None = None
    change: Change | None = None

    @property
    def case_id(self) -> str | None:
        """The case a negative response opened, joined or reopened."""
        if self.triage is None or self.change is None:
            return None
        return self.change.case.case_id


def case_id_for(response: Response) -> str:
    """A case opened by a response is named after it, so a replay names it alike."""
    return stable_id("case", response.message_id)


def decide(
    response: Response,
    verdict: TextVerdict | None,
    *,
    person_id: str,
    last: Case | None,
    value: CustomerValue,
    earlier_negatives: Sequence[datetime],
    at: datetime,
    policy: FeedbackPolicy,
) -> Decision:
    """``last``: the person's active case, else their most recently resolved one."""
    negativity = assess(response, verdict, policy=policy.negativity)
    if negativity.negative:
        history = History(
            earlier_negatives=earlier_negatives,
            unrecovered_case=last is not None
            and last.status == "resolved"
            and last.recovered is False,
        )
        triaged = triage(response, verdict, value=value, history=history, policy=policy.triage)
        signal = signal_of(response, verdict, negativity=negativity, triage=triaged)
        change = on_negative(
            last,
            signal,
            new_case_id=case_id_for(response),
            person_id=person_id,
            at=at,
            policy=policy.intake,
        )
        return Decision(negativity, triaged, change)
    if recovers(response, negativity, policy=policy.negativity):
        return Decision(
            negativity, change=on_recovering(last, response, at=at, policy=policy.intake)
        )
    return Decision(negativity)
