"""Decoders of the three input topics. Raw events are mostly not feedback: their type and name
are read first, with msgspec, and only feedback events are decoded in full (``python -m
bench.feedback_consumer`` measures both: reading the name costs a quarter to a fifth of a full
decode)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

import msgspec
from pydantic import TypeAdapter

from services.feedback.instruments import (
    EMAIL_EVENTS,
    FEEDBACK_EVENT,
    SCORED_EVENTS,
    Bands,
    Response,
    response_of,
)
from shared.codec import json_decoder
from shared.errors import BadInput, BadRecord
from shared.events import Conversion, IdentityLink, JourneyRecord, Touchpoint, TrackingEvent

FEEDBACK_NAMES = frozenset({*SCORED_EVENTS, FEEDBACK_EVENT, *EMAIL_EVENTS})
NUL = "\x00"
REPLACEMENT = "\ufffd"


class Head(msgspec.Struct):
    """The two fields that say whether an event is feedback; the rest is skipped unread."""

    type: str = ""
    event: str | None = None


def response_decoder(bands: Bands) -> Callable[[bytes], Response | None]:
    """Bytes of a raw event → its feedback response, or None when it is not feedback. Bad
    feedback (a score out of range…) raises ``BadInput``: the loop dead-letters it."""
    head = msgspec.json.Decoder(Head)
    event = json_decoder(TrackingEvent)

    def decode(value: bytes) -> Response | None:
        try:
            peek = head.decode(value)
        except msgspec.DecodeError as exc:  # also a "type" that is not a string
            raise BadRecord(f"not a JSON event: {exc}", code="schema") from exc
        if peek.type != "track" or peek.event not in FEEDBACK_NAMES:
            return None
        response = response_of(event(value), bands=bands)
        return storable(response) if response is not None else None

    return decode


def storable(response: Response) -> Response:
    """PostgreSQL text cannot hold NUL. In the feedback's text it is noise (a client's
    serialisation bug), and the score matters more than the byte: it is replaced with U+FFFD
    and the response kept. In an id it would change which record or person it names: refused."""
    ids = [
        ("messageId", response.message_id),
        ("properties.channel", response.channel),
        ("properties.source", response.source),
        ("properties.survey_id", response.survey_id),
        ("properties.case_id", response.case_id),
        ("properties.language", response.language),
        *(("an identifier (userId, anonymousId, identities)", i) for i in response.identifiers),
    ]
    for field, value in ids:
        if value is not None and NUL in value:
            raise BadInput(
                f"{field} contains a NUL character (\\u0000), which cannot be stored",
                field=field,
                code="nul_character",
            )
    if response.text is not None and NUL in response.text:
        return replace(response, text=response.text.replace(NUL, REPLACEMENT))
    return response


def journey_decoder() -> Callable[[bytes], Touchpoint | Conversion]:
    return json_decoder(TypeAdapter[Touchpoint | Conversion](JourneyRecord))


@dataclass(frozen=True, slots=True)
class IdentityForgotten:
    """A tombstone on the identities topic: the sessionizer erased this identifier."""

    identifier: str


def identity_decoder() -> Callable[[bytes], IdentityLink | IdentityForgotten]:
    return json_decoder(IdentityLink)


def identity_tombstone(key: bytes | None) -> IdentityLink | IdentityForgotten:
    """A record without value, keyed by the identifier it deletes. One without a key names
    nothing: it is refused as the undecodable record it is."""
    if not key:
        raise BadRecord("a tombstone without a key names no identifier", code="schema")
    return IdentityForgotten(key.decode(errors="replace"))
