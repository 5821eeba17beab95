"""Feedback policy: negativity, triage rules, SLA clocks, reopen and recovery windows, spike
test. Pydantic models, so the whole policy can live in settings (JSON in the environment or a
file) and a mistake is refused at start with the path of what to fix."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, model_validator

from services.feedback.instruments import Band, Bands, Instrument
from services.feedback.text.verdict import Intent, Label, Language

PRIORITIES = (1, 2, 3)  # 1 is the most urgent
Priority = Annotated[int, Field(ge=1, le=3)]
CRITICAL_INTENTS: list[Intent] = ["churn", "legal", "money", "safety"]
HIGH_VALUE = Decimal(1000)


class Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class NegativityPolicy(Strict):
    bands: Bands = Field(default_factory=Bands)
    # Intents that make any response need a follow-up whatever its score: a promoter who
    # writes "you charged me twice" or "call me" still gets called.
    case_intents: list[Intent] = [*CRITICAL_INTENTS, "contact_request"]
    # A negative verdict at least this confident makes any response negative, promoters
    # included; None leaves promoters to their score (intents still apply).
    strong_text_confidence: float | None = Field(default=0.8, ge=0, le=1)
    # Free text from these channels is negative whatever the classifier says.
    complaint_channels: list[str] = ["complaint"]


class Condition(Strict):
    """What a response must be for a rule to apply. Every condition given must hold; a list
    holds when any of its items does; an empty condition matches every negative response."""

    instruments: list[Instrument] | None = None
    # Band names or polarities: ``negative`` matches NPS detractors too.
    bands: list[Band] | None = None
    score_min: int | None = None
    score_max: int | None = None
    labels: list[Label] | None = None
    confidence_min: float | None = None
    confidence_max: float | None = None
    themes: list[str] | None = None
    intents: list[Intent] | None = None
    languages: list[Language] | None = None
    channels: list[str] | None = None
    public: bool | None = None
    # Customer value: the larger of revenue to date and lifetime value, reporting currency.
    value_min: Decimal | None = None
    value_max: Decimal | None = None

    @model_validator(mode="after")
    def _ranges(self) -> Condition:
        for low, high in (("score_min", "score_max"), ("confidence_min", "confidence_max")):
            if _above(getattr(self, low), getattr(self, high)):
                raise ValueError(f"{low} is above {high}")
        if _above(self.value_min, self.value_max):
            raise ValueError("value_min is above value_max")
        return self


def _above(low: float | Decimal | None, high: float | Decimal | None) -> bool:
    return low is not None and high is not None and low > high


class TriageRule(Strict):
    name: str = Field(min_length=1)
    when: Condition = Field(default_factory=Condition)
    priority: Priority
    # None: the queue comes from the routes.
    queue: str | None = None


class Route(Strict):
    name: str = Field(min_length=1)
    when: Condition = Field(default_factory=Condition)
    queue: str


class Queue(Strict):
    topic: str = Field(min_length=1)


def _queues(*names: str) -> dict[str, Queue]:
    return {name: Queue(topic=f"feedback.followups.{name}.v1") for name in names}


def default_rules() -> list[TriageRule]:
    """Notes §6.2: critical intents, public 1★ and valuable detractors first; then
    detractors, contact requests and spam reports; every other negative last."""
    scored: list[Instrument] = ["nps", "csat", "ces", "review"]
    return [
        TriageRule(name="critical-intent", when=Condition(intents=CRITICAL_INTENTS), priority=1),
        TriageRule(
            name="public-one-star",
            when=Condition(instruments=["review"], public=True, score_max=1),
            priority=1,
        ),
        TriageRule(
            name="high-value-detractor",
            when=Condition(instruments=scored, bands=["negative"], value_min=HIGH_VALUE),
            priority=1,
        ),
        TriageRule(
            name="detractor", when=Condition(instruments=scored, bands=["negative"]), priority=2
        ),
        TriageRule(name="contact-request", when=Condition(intents=["contact_request"]), priority=2),
        TriageRule(name="spam-report", when=Condition(instruments=["spam_report"]), priority=2),
        TriageRule(name="other-negative", priority=3),
    ]


def default_routes() -> list[Route]:
    """Notes §6.4: valuable customers to their account team, then theme, then channel."""
    return [
        Route(name="account-team", when=Condition(value_min=HIGH_VALUE), queue="sales"),
        Route(name="billing", when=Condition(themes=["billing"]), queue="billing"),
        Route(name="delivery", when=Condition(themes=["delivery"]), queue="delivery"),
        Route(name="stores", when=Condition(channels=["store", "offline"]), queue="stores"),
        Route(
            name="email",
            when=Condition(instruments=["spam_report", "unsubscribe"]),
            queue="marketing",
        ),
        Route(name="ads", when=Condition(themes=["ads"]), queue="marketing"),
    ]


class TriagePolicy(Strict):
    queues: dict[str, Queue] = Field(
        default_factory=lambda: _queues(
            "support", "billing", "delivery", "sales", "stores", "marketing"
        )
    )
    rules: list[TriageRule] = Field(default_factory=default_rules)
    routes: list[Route] = Field(default_factory=default_routes)
    default_queue: str = "support"
    # When no rule matches a negative response.
    fallback_priority: Priority = 3
    # An earlier negative from the same person within this window raises priority by one.
    repeat_window: timedelta = timedelta(days=30)

    @model_validator(mode="after")
    def _consistent(self) -> TriagePolicy:
        for kind, names in (
            ("rule", [r.name for r in self.rules]),
            ("route", [r.name for r in self.routes]),
        ):
            twice = sorted({n for n in names if names.count(n) > 1})
            if twice:
                raise ValueError(f"{kind} names must be unique; repeated: {', '.join(twice)}")
        wanted = [(f"rule {r.name!r}", r.queue) for r in self.rules if r.queue]
        wanted += [(f"route {r.name!r}", r.queue) for r in self.routes]
        wanted.append(("default_queue", self.default_queue))
        for who, queue in wanted:
            if queue not in self.queues:
                known = ", ".join(sorted(self.queues))
                raise ValueError(f"{who} sends to unknown queue {queue!r}; queues: {known}")
        return self


class EscalationStep(Strict):
    # Time past the deadline; the first step is usually the breach itself (0).
    after: timedelta = timedelta(0)
    notify: str = Field(min_length=1)


class PrioritySla(Strict):
    first_contact: timedelta
    resolve: timedelta
    ladder: list[EscalationStep] = Field(min_length=1)

    @model_validator(mode="after")
    def _ordered(self) -> PrioritySla:
        if self.first_contact <= timedelta(0) or self.resolve <= timedelta(0):
            raise ValueError("first_contact and resolve must be positive durations")
        afters = [step.after for step in self.ladder]
        if afters != sorted(set(afters)) or afters[0] < timedelta(0):
            raise ValueError("ladder steps must come in strictly increasing 'after' order, >= 0")
        return self


def default_slas() -> dict[int, PrioritySla]:
    """Notes §6.3, in calendar hours (customer-facing clocks)."""
    hour, day = timedelta(hours=1), timedelta(days=1)
    lead, manager, head = "team_lead", "manager", "head_of_cx"
    return {
        1: PrioritySla(
            first_contact=4 * hour,
            resolve=2 * day,
            ladder=[
                EscalationStep(notify=lead),
                EscalationStep(after=4 * hour, notify=manager),
                EscalationStep(after=day, notify=head),
            ],
        ),
        2: PrioritySla(
            first_contact=day,
            resolve=5 * day,
            ladder=[EscalationStep(notify=lead), EscalationStep(after=day, notify=manager)],
        ),
        3: PrioritySla(
            first_contact=2 * day, resolve=10 * day, ladder=[EscalationStep(notify=lead)]
        ),
    }


class SlaPolicy(Strict):
    # Share of a timer after which a warning is due; None: no warnings.
    warning_ratio: float | None = Field(default=0.75, gt=0, lt=1)
    priorities: dict[int, PrioritySla] = Field(default_factory=default_slas)

    @model_validator(mode="after")
    def _every_priority(self) -> SlaPolicy:
        if sorted(self.priorities) != list(PRIORITIES):
            raise ValueError(f"priorities needs exactly the keys {list(PRIORITIES)}")
        return self


class IntakePolicy(Strict):
    # A negative within this time of a case's resolution reopens it (notes §6.5).
    reopen_window: timedelta = timedelta(days=14)
    # A recovering response within this time of the resolution marks the case recovered.
    recovery_window: timedelta = timedelta(days=90)


class SpikePolicy(Strict):
    """The spike test of ``trends`` (see there for why these numbers)."""

    baseline_weeks: int = Field(default=4, ge=2)
    alpha: float = Field(default=0.001, gt=0, lt=1)
    min_count: int = Field(default=5, ge=1)
    # Overdispersed baselines (variance above the mean) must also clear this z-score.
    z_min: float = Field(default=3.0, gt=0)
    # Weak signal: growth by this factor from a baseline mean of at most ``emerging_max_mean``,
    # with a looser tail.
    emerging_ratio: float = Field(default=3.0, gt=1)
    emerging_max_mean: float = Field(default=5.0, gt=0)
    emerging_alpha: float = Field(default=0.01, gt=0, lt=1)


class FeedbackPolicy(Strict):
    negativity: NegativityPolicy = Field(default_factory=NegativityPolicy)
    triage: TriagePolicy = Field(default_factory=TriagePolicy)
    sla: SlaPolicy = Field(default_factory=SlaPolicy)
    intake: IntakePolicy = Field(default_factory=IntakePolicy)
    spikes: SpikePolicy = Field(default_factory=SpikePolicy)
