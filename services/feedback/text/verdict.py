"""What reading one piece of feedback text says about it: the contract between the text
classifier and the rest of feedback (triage, themes, KPIs). Plain data."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Language = Literal["fr", "en", "unknown"]
Label = Literal["negative", "neutral", "positive"]
# Deterministic intent rules; each one raises severity whatever the score says.
Intent = Literal["churn", "legal", "money", "safety", "contact_request"]


@dataclass(frozen=True, slots=True)
class TextVerdict:
    language: Language
    label: Label
    # -1 (very unhappy) .. 1 (very happy); ``label`` is this score read through the neutral band.
    score: float
    # 0..1: how far the score is from the neutral band's edges, for low-confidence review queues.
    confidence: float
    themes: tuple[str, ...] = ()
    intents: tuple[Intent, ...] = ()
    # Recorded on every stored response, so agents' overrides can be audited and retrained on.
    classifier_version: str = ""
