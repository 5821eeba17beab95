"""Settings of the feedback text reader (a group to nest in the feedback service's settings,
e.g. ``FEEDBACK__TEXT__NEUTRAL_LOW=-0.15``)."""

from __future__ import annotations

from typing import Self

from pydantic import BaseModel, Field, model_validator

from services.feedback.text.themes import DEFAULT_TAXONOMY, ThemePhrases
from services.feedback.text.verdict import Intent, Label, Language


class TextSettings(BaseModel):
    # Chosen on the dev split of tests/fixtures/feedback/labelled.csv (see the README).
    neutral_low: float = -0.1
    neutral_high: float = 0.1
    strong_intents: list[Intent] = Field(default=["churn", "legal", "money", "safety"])
    # A strong intent pulls the score down to at most this (below ``neutral_low``).
    override_score: float = -0.5
    # Longer texts are read from their start: the API refuses them, the consumer truncates.
    max_chars: int = Field(default=5000, ge=1)
    language_min_probability: float = Field(default=0.9, ge=0.0, le=1.0)
    language_guess_probability: float = Field(default=0.6, ge=0.0, le=1.0)
    default_language: Language = "unknown"
    # Theme → keywords and phrases per language; replaces the default taxonomy when set.
    themes: dict[str, ThemePhrases] = Field(default_factory=lambda: dict(DEFAULT_TAXONOMY))
    # More example sentences per label, added to the built-in anchors (e.g. agents' labels).
    examples: dict[Label, list[str]] = Field(default_factory=dict)
    # Identical texts ("ok", "merci") are read once; 0 turns the memo off.
    memo_size: int = Field(default=10_000, ge=0)
    # Threads of the embedding engine (OpenMP; None: one per core). One by default: on a
    # shared, busy machine OpenMP's threads wait for each other (measured 51 ms a text with
    # one thread against 594 ms with two, under load; README).
    threads: int | None = Field(default=1, ge=1)

    @model_validator(mode="after")
    def _band_is_ordered(self) -> Self:
        if not -1.0 < self.override_score < self.neutral_low <= 0.0 <= self.neutral_high < 1.0:
            raise ValueError("need -1 < override_score < neutral_low <= 0 <= neutral_high < 1")
        return self
