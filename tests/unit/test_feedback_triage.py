"""Triage: ordered rules (first match wins), customer value, routes to queues, repeat raises."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from services.feedback.instruments import Response
from services.feedback.policy import Condition, Queue, Route, TriagePolicy, TriageRule
from services.feedback.text.verdict import TextVerdict
from services.feedback.triage import CustomerValue, History, Triage, triage
from tests.factories import T0, feedback, verdict

DEFAULTS = TriagePolicy()
NOBODY = CustomerValue()


def run(
    response: Response,
    reading: TextVerdict | None = None,
    *,
    value: CustomerValue = NOBODY,
    history: History | None = None,
    policy: TriagePolicy = DEFAULTS,
) -> Triage:
    return triage(response, reading, value=value, history=history or History(), policy=policy)


def test_the_first_matching_rule_wins_even_when_a_later_one_is_more_urgent() -> None:
    policy = TriagePolicy(
        rules=[
            TriageRule(name="any-nps", when=Condition(instruments=["nps"]), priority=3),
            TriageRule(name="angry", when=Condition(score_max=2), priority=1),
        ]
    )
    result = run(feedback("nps", 0), policy=policy)
    assert (result.rule, result.priority) == ("any-nps", 3)
    reordered = policy.model_copy(update={"rules": list(reversed(policy.rules))})
    assert run(feedback("nps", 0), policy=reordered).rule == "angry"


def test_no_matching_rule_falls_back_to_the_fallback_priority() -> None:
    policy = TriagePolicy(
        rules=[TriageRule(name="csat", when=Condition(instruments=["csat"]), priority=1)],
        fallback_priority=2,
    )
    result = run(feedback("nps", 3), policy=policy)
    assert (result.rule, result.priority) == ("fallback", 2)


def test_default_rules_follow_the_notes_for_plain_negatives() -> None:
    detractor = run(feedback("nps", 4))
    assert (detractor.rule, detractor.priority) == ("detractor", 2)
    assert run(feedback("csat", 2)).priority == 2
    assert run(feedback("ces", 1)).priority == 2
    passive = run(feedback("nps", 8, text="meh"), verdict(confidence=0.3))
    assert (passive.rule, passive.priority) == ("other-negative", 3)
    assert run(feedback("feedback", text="slow"), verdict()).priority == 3


def test_a_critical_intent_is_p1_whatever_the_score() -> None:
    result = run(feedback("nps", 10, text="je résilie"), verdict(language="fr", intents=("churn",)))
    assert (result.rule, result.priority) == ("critical-intent", 1)


def test_a_public_one_star_review_is_p1_and_a_private_one_is_not() -> None:
    assert run(feedback("review", 1)).rule == "public-one-star"
    private = run(feedback("review", 1, public=False))
    assert (private.rule, private.priority) == ("detractor", 2)
    assert run(feedback("review", 2)).priority == 2


def test_customer_value_makes_a_detractor_p1_and_routes_to_the_account_team() -> None:
    plain = run(feedback("nps", 5))
    valuable = run(feedback("nps", 5), value=CustomerValue(revenue_to_date=Decimal(1500)))
    assert (plain.priority, plain.queue) == (2, "support")
    assert (valuable.rule, valuable.priority, valuable.queue) == (
        "high-value-detractor",
        1,
        "sales",
    )
    below = run(feedback("nps", 5), value=CustomerValue(revenue_to_date=Decimal(999)))
    assert below.priority == 2


def test_a_known_lifetime_value_counts_as_customer_value() -> None:
    worth = CustomerValue(revenue_to_date=Decimal(100), lifetime_value=Decimal(5000))
    assert run(feedback("csat", 1), value=worth).priority == 1
    stale = CustomerValue(revenue_to_date=Decimal(2000), lifetime_value=Decimal(10))
    assert stale.amount == Decimal(2000)


def test_routes_pick_the_queue_by_theme_then_channel_and_each_queue_has_its_topic() -> None:
    billing = run(feedback("nps", 2, text="facturé deux fois"), verdict(themes=("billing",)))
    assert (billing.queue, billing.route, billing.topic) == (
        "billing",
        "billing",
        "feedback.followups.billing.v1",
    )
    delivery = run(feedback("csat", 1), verdict(themes=("delivery",)))
    assert delivery.queue == "delivery"
    assert run(feedback("nps", 3, channel="store")).queue == "stores"
    spam = run(feedback("spam_report"))
    assert (spam.priority, spam.queue) == (2, "marketing")
    unsubscribe = run(feedback("unsubscribe"))
    assert (unsubscribe.priority, unsubscribe.queue) == (3, "marketing")
    unrouted = run(feedback("nps", 3))
    assert (unrouted.queue, unrouted.route) == ("support", "default")


def test_a_rule_that_names_a_queue_overrides_the_routes() -> None:
    policy = TriagePolicy(
        queues={"support": Queue(topic="s"), "legal": Queue(topic="feedback.legal.v1")},
        rules=[
            TriageRule(name="legal", when=Condition(intents=["legal"]), priority=1, queue="legal")
        ],
        routes=[Route(name="all", queue="support")],
    )
    legal = run(feedback("nps", 9), verdict(intents=("legal",)), policy=policy)
    assert (legal.queue, legal.route, legal.topic) == ("legal", "rule legal", "feedback.legal.v1")
    assert run(feedback("nps", 1), policy=policy).queue == "support"


def test_conditions_on_language_label_confidence_and_score_range() -> None:
    rule = TriageRule(
        name="fr-sure-negative",
        when=Condition(
            languages=["fr"], labels=["negative"], confidence_min=0.7, score_min=5, score_max=8
        ),
        priority=1,
    )
    policy = TriagePolicy(rules=[rule], fallback_priority=3)
    hit = feedback("nps", 7, text="nul")
    assert run(hit, verdict(language="fr", confidence=0.8), policy=policy).priority == 1
    assert run(hit, verdict(language="en", confidence=0.8), policy=policy).priority == 3
    assert run(hit, verdict(language="fr", confidence=0.6), policy=policy).priority == 3
    assert run(feedback("nps", 4), verdict(language="fr"), policy=policy).priority == 3
    assert run(hit, None, policy=policy).priority == 3


def test_a_repeat_negative_within_30_days_raises_priority_by_one() -> None:
    response = feedback("nps", 4, days=40)
    recent = History(earlier_negatives=(T0 + timedelta(days=15),))
    raised = run(response, history=recent)
    assert (raised.rule, raised.priority) == ("detractor", 1)
    assert "repeat negative within 30 days: P1" in raised.reasons
    old = History(earlier_negatives=(T0 + timedelta(days=9),))
    assert run(response, history=old).priority == 2


def test_an_unrecovered_earlier_case_raises_priority_once_and_never_past_p1() -> None:
    both = History(earlier_negatives=(T0,), unrecovered_case=True)
    assert run(feedback("feedback", text="encore", days=1), verdict(), history=both).priority == 2
    critical = run(feedback("nps", 0), verdict(intents=("churn",)), history=both)
    assert critical.priority == 1


def test_reasons_say_which_rule_and_route_decided() -> None:
    result = run(feedback("nps", 3), verdict(themes=("delivery",)))
    assert result.reasons == ("rule detractor: P2", "route delivery: delivery")
