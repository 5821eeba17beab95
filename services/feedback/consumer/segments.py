"""Keeping the per-segment counts true when a person's acquisition changes."""

from __future__ import annotations

from collections.abc import Collection

from services.feedback.counting import ResponseDeltas
from services.feedback.repository import counts, responses
from shared.routes import Work


async def recount(work: Work, person_ids: Collection[str]) -> None:
    """Moves the persons' responses counted under another segment than their acquisition's
    now: -1 where they were counted, +1 where they belong (one read, two writes)."""
    moves = await responses.miscounted(work.session, person_ids)
    if not moves:
        return
    deltas = ResponseDeltas()
    deltas.move(moves)
    work.wrote("response_counts", await counts.add_responses(work.session, deltas.nonzero()))
    await responses.recount(work.session, moves)
    work.wrote("responses", len(moves))
