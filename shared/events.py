"""Schemas of the records Boucle writes to Kafka.

Every record is JSON. Field names on the wire are camelCase, like the Segment spec the collector
speaks; Python code uses snake_case. Each schema is versioned through its topic name.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic.alias_generators import to_camel

EventType = Literal["track", "page", "screen", "identify", "group", "alias"]


class WireModel(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, frozen=True)

    def to_bytes(self) -> bytes:
        return self.model_dump_json(by_alias=True, exclude_none=True).encode()


class Campaign(WireModel):
    """Campaign parameters in Segment's naming (``utm_campaign`` is ``name``)."""

    name: str | None = None
    source: str | None = None
    medium: str | None = None
    term: str | None = None
    content: str | None = None
    id: str | None = None

    def is_empty(self) -> bool:
        return not any(self.model_dump().values())


DeviceClass = Literal["desktop", "mobile", "tablet", "bot", "other"]


class Software(WireModel):
    """A browser or operating system: its family and major version, as ua-parser names them."""

    family: str
    major: str | None = None


class Device(WireModel):
    """What the collector read from the sender's user agent (``class`` on the wire)."""

    class_: DeviceClass = Field(alias="class")
    browser: Software | None = None
    os: Software | None = None


class TrackingEvent(WireModel):
    """One interaction as validated and enriched by the collector (topic ``tracking.events.v1``)."""

    message_id: str
    type: EventType
    source_id: str
    anonymous_id: str | None = None
    user_id: str | None = None
    previous_id: str | None = None
    group_id: str | None = None
    event: str | None = None
    name: str | None = None
    properties: dict[str, Any] = Field(default_factory=dict)
    traits: dict[str, Any] = Field(default_factory=dict)
    context: dict[str, Any] = Field(default_factory=dict)
    # Event time after clock-skew correction; what every consumer reasons with.
    timestamp: datetime
    original_timestamp: datetime | None = None
    sent_at: datetime | None = None
    received_at: datetime
    campaign: Campaign = Field(default_factory=Campaign)
    click_ids: dict[str, str] = Field(default_factory=dict)
    # Further identifiers of the person, {kind: value}: see shared.identity.
    identities: dict[str, str] = Field(default_factory=dict)
    channel: str = "direct"
    referrer_host: str | None = None
    page_url: str | None = None
    flags: tuple[str, ...] = ()
    # From context.userAgent, else a browser's or the pixel's User-Agent header.
    device: Device | None = None
    # False when the event's consent object grants no tracking category: it is only counted,
    # never sessionized or attributed (services/collector/privacy.py).
    tracking_consent: bool = True

    @model_validator(mode="after")
    def _identified(self) -> TrackingEvent:
        if not (self.anonymous_id or self.user_id or self.identities):
            raise ValueError("an event needs an anonymousId, a userId or an identity")
        return self

    @property
    def actor_id(self) -> str:
        """The key of the event: the device first, then the user, then its first identity
        (``kind:value``, for webhook events that know a person only by email or CRM id)."""
        if self.anonymous_id or self.user_id:
            return self.anonymous_id or self.user_id or ""
        kind, value = sorted(self.identities.items())[0]
        return f"{kind}:{value}"


class Touchpoint(WireModel):
    kind: Literal["touchpoint"] = "touchpoint"
    touchpoint_id: str
    person_id: str
    session_id: str | None = None  # None for touchpoints that are not web sessions
    occurred_at: datetime
    channel: str
    source: str | None = None
    medium: str | None = None
    campaign: str | None = None
    landing_page: str | None = None
    # "session" for a web session, else the event that made it (e.g. "Email Link Clicked").
    touch_type: str = "session"
    # Every change of a touchpoint (late events, merges of sessions or persons) is re-sent with
    # a higher version; a retracted touchpoint no longer exists (its session merged into another).
    version: int = 1
    retracted: bool = False


class Conversion(WireModel):
    kind: Literal["conversion"] = "conversion"
    conversion_id: str
    person_id: str
    occurred_at: datetime
    name: str
    revenue: Decimal
    currency: str
    stage: str = "purchase"
    version: int = 1
    # The CRM deal a ``Deal Won`` closes (``<crm>:<deal id>``, shared.deals): attribution keys
    # the deal's conversion by it, so an amount change restates it and a lost deal retracts it.
    deal_id: str | None = None


JourneyRecord = Annotated[Touchpoint | Conversion, Field(discriminator="kind")]


class IdentityLink(WireModel):
    """Which person an identifier belongs to now (``identities.v1``, keyed by the identifier).

    Identifiers are those the sessionizer stitches: a userId, an anonymousId, or a namespaced
    identity ``kind:value`` (hashed email, CRM contact id). A merge re-sends every identifier of
    the absorbed person with the survivor and a higher version; the highest version wins."""

    kind: Literal["identity"] = "identity"
    identifier: str
    person_id: str
    version: int = 1
    # When set, this link moved because ``merged_from`` was absorbed into ``person_id``.
    merged_from: str | None = None


class ErasureRequest(WireModel):
    """Erase a person, named by any of their identifiers (``privacy.requests.v1``, keyed by the
    request). The sessionizer resolves the identifiers to persons, erases what it holds and
    announces each person erased; the other services erase on that announcement."""

    kind: Literal["erasure_request"] = "erasure_request"
    request_id: str
    identifiers: tuple[str, ...]
    requested_at: datetime


class PersonErased(WireModel):
    """The sessionizer erased a person (``privacy.requests.v1``, keyed by the request): every
    service deletes what it holds of ``person_id`` and of the identifiers, keeping only
    anonymous aggregates, and records the erasure without the personal data."""

    kind: Literal["person_erased"] = "person_erased"
    request_id: str
    person_id: str
    identifiers: tuple[str, ...]
    erased_at: datetime


PrivacyRecord = Annotated[ErasureRequest | PersonErased, Field(discriminator="kind")]


class Credit(WireModel):
    """Share of one conversion given to one touchpoint by one model (``attribution.credits.v1``).

    ``conversion_id`` is the attribution's conversion: a deal's (``stable_id("deal", deal id,
    stage)``) or, for any other conversion, the sessionizer's conversion id."""

    conversion_id: str
    model: str
    touchpoint_id: str | None = None
    person_id: str
    weight: Decimal
    revenue: Decimal
    currency: str
    channel: str
    campaign: str | None = None
    source: str | None = None
    medium: str | None = None
    touch_type: str | None = None
    stage: str | None = None
    converted_at: datetime | None = None
    # The model, its code version, parameters and lookback (a changed key restates credits),
    # and for fitted models the fit the weights came from.
    model_key: str | None = None
    fit_id: str | None = None
    # Higher with each restatement of the conversion's credits; the highest version wins.
    version: int = 1
    # A restatement re-sends a conversion's credits; one no longer given is sent retracted.
    retracted: bool = False


class CaseEventRecord(WireModel):
    """One event in a follow-up case's history (``feedback.followups.v1``, keyed by person;
    opened, attached and escalated also go to the case queue's own topic).

    ``kind`` is what happened (opened, attached, assigned, acknowledged, noted, resolved,
    close_the_loop, reopened, sla_warning, escalated, merged, transferred, recovered); the
    case's state after it rides along, so a consumer of one topic needs no other. Events of one
    case come with increasing ``version`` (several events of one command share it, in ``seq``
    order); a re-sent event has the same case, version and seq, which consumers ignore."""

    kind: str
    case_id: str
    person_id: str
    version: int
    seq: int
    at: datetime
    by: str | None = None
    status: str
    priority: int
    queue: str
    owner: str | None = None
    summary: str
    # What the event says beyond the state: the response that opened or joined the case, the
    # resolution, the SLA level reached, whether a follow-up survey is wanted (close_the_loop).
    detail: dict[str, Any] = Field(default_factory=dict)


class SpikeAlertRecord(WireModel):
    """A theme whose count jumped in a complete window (``feedback.alerts.v1``, keyed by
    theme): sent once per theme, window and measure."""

    theme: str
    window: Literal["week", "day"]
    starts_on: date
    measure: Literal["negative", "responses"]
    kind: Literal["spike", "emerging"]
    observed: int
    expected: float
    p_value: float
    z: float | None = None
