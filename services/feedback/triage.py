"""Triage of a negative response: priority from ordered rules, queue from ordered routes. Pure.

Severity (instrument, score band, text label, intents) and customer value are facts the rules
test; the first rule that matches sets the base priority, the first route that matches picks the
queue unless the rule named one. A repeat negative within the window, or an earlier case closed
as not recovered, raises the priority by one (never more, never lower).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import TypeVar

from services.feedback.instruments import POLARITY, Response
from services.feedback.policy import Condition, Route, TriagePolicy, TriageRule
from services.feedback.text.verdict import TextVerdict

R = TypeVar("R", TriageRule, Route)
Number = TypeVar("Number", int, float, Decimal)
FALLBACK = "fallback"
DEFAULT_ROUTE = "default"


@dataclass(frozen=True, slots=True)
class CustomerValue:
    """What the person is worth, in the reporting currency."""

    revenue_to_date: Decimal = Decimal(0)
    lifetime_value: Decimal | None = None

    @property
    def amount(self) -> Decimal:
        # Lifetime value includes revenue to date; the larger survives a stale estimate.
        return max(self.revenue_to_date, self.lifetime_value or Decimal(0))


@dataclass(frozen=True, slots=True)
class History:
    """What the person did before this response."""

    # When the person's earlier negative responses happened (this one excluded).
    earlier_negatives: Sequence[datetime] = ()
    # The person's last case was resolved as not recovered.
    unrecovered_case: bool = False


@dataclass(frozen=True, slots=True)
class Triage:
    priority: int
    queue: str
    topic: str
    rule: str
    route: str
    reasons: tuple[str, ...]
    # The rule's priority, before a repeat or an unrecovered case raised it: what a case
    # holding several negatives is raised from, whatever order they came in.
    base_priority: int = 0


@dataclass(frozen=True, slots=True)
class Facts:
    """What conditions test, gathered once per response."""

    response: Response
    verdict: TextVerdict | None
    value: Decimal

    @property
    def language(self) -> str:
        if self.verdict is not None:
            return self.verdict.language
        return self.response.language or "unknown"


def triage(
    response: Response,
    verdict: TextVerdict | None,
    *,
    value: CustomerValue,
    history: History,
    policy: TriagePolicy,
) -> Triage:
    facts = Facts(response, verdict, value.amount)
    rule = first_match(policy.rules, facts)
    base = rule.priority if rule else policy.fallback_priority
    name = rule.name if rule else FALLBACK
    raise_reason = repeat_reason(response, history, policy)
    priority = max(1, base - 1) if raise_reason else base
    queue, route = queue_of(rule, facts, policy)
    reasons = [f"rule {name}: P{base}"]
    if raise_reason:
        reasons.append(f"{raise_reason}: P{priority}")
    reasons.append(f"route {route}: {queue}")
    return Triage(
        priority=priority,
        queue=queue,
        topic=policy.queues[queue].topic,
        rule=name,
        route=route,
        reasons=tuple(reasons),
        base_priority=base,
    )


def first_match(items: Iterable[R], facts: Facts) -> R | None:
    return next((item for item in items if matches(item.when, facts)), None)


def queue_of(rule: TriageRule | None, facts: Facts, policy: TriagePolicy) -> tuple[str, str]:
    """The queue and the name of what chose it: the rule, a route, or the default."""
    if rule is not None and rule.queue is not None:
        return rule.queue, f"rule {rule.name}"
    route = first_match(policy.routes, facts)
    if route is not None:
        return route.queue, route.name
    return policy.default_queue, DEFAULT_ROUTE


def repeat_reason(response: Response, history: History, policy: TriagePolicy) -> str | None:
    window = policy.repeat_window
    since = response.occurred_at - window
    if any(since <= at <= response.occurred_at for at in history.earlier_negatives):
        span = f"{window.days} days" if window % timedelta(days=1) == timedelta(0) else str(window)
        return f"repeat negative within {span}"
    if history.unrecovered_case:
        return "last case was not recovered"
    return None


def matches(when: Condition, facts: Facts) -> bool:
    return all(check(when, facts) for check in CHECKS)


def _within(value: Number | None, low: Number | None, high: Number | None) -> bool:
    if low is None and high is None:
        return True
    if value is None:
        return False
    return (low is None or value >= low) and (high is None or value <= high)


def _any_of(wanted: Collection[str] | None, have: Iterable[str]) -> bool:
    return wanted is None or any(item in wanted for item in have)


def _bands(when: Condition, facts: Facts) -> bool:
    band = facts.response.band
    return _any_of(when.bands, (band, POLARITY[band]) if band else ())


def _text(when: Condition, facts: Facts) -> bool:
    verdict = facts.verdict
    if verdict is None:  # a condition on the text fails when there is no text verdict
        asked = (when.labels, when.themes, when.intents, when.confidence_min, when.confidence_max)
        return all(condition is None for condition in asked)
    return (
        _any_of(when.labels, (verdict.label,))
        and _any_of(when.themes, verdict.themes)
        and _any_of(when.intents, verdict.intents)
        and _within(verdict.confidence, when.confidence_min, when.confidence_max)
    )


def _response(when: Condition, facts: Facts) -> bool:
    response = facts.response
    return (
        _any_of(when.instruments, (response.instrument,))
        and _within(response.score, when.score_min, when.score_max)
        and _any_of(when.channels, (response.channel,))
        and (when.public is None or when.public == response.public)
    )


CHECKS: tuple[Callable[[Condition, Facts], bool], ...] = (
    _response,
    _bands,
    _text,
    lambda when, facts: _any_of(when.languages, (facts.language,)),
    lambda when, facts: _within(facts.value, when.value_min, when.value_max),
)
