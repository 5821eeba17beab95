"""Deterministic FR/EN intent rules: churn, legal, money, safety and contact requests.

Phrases are regular expressions over folded text (no accents, lower case), so "résilier",
"RESILIER" and "resilier" are one phrase. A phrase preceded by a negation cue in its clause
("I'm not going to cancel") does not count. Pure: text in, intents out.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from services.feedback.text.intent_phrases import DEFAULT_INTENT_PHRASES, NEGATION_CUES
from services.feedback.text.verdict import Intent

# Where a clause ends: a negation before it says nothing of what follows.
_CLAUSE_END = re.compile(r"[.!?;,:()\n]| but | mais | though | pourtant ")
_ORDER: tuple[Intent, ...] = ("churn", "legal", "money", "safety", "contact_request")


class IntentRules:
    def __init__(
        self,
        phrases: Mapping[Intent, Sequence[str]] = DEFAULT_INTENT_PHRASES,
        *,
        negation_cues: Sequence[str] = NEGATION_CUES,
    ) -> None:
        self._phrases = {
            intent: [re.compile(phrase) for phrase in phrases.get(intent, ())] for intent in _ORDER
        }
        self._cues = [re.compile(cue) for cue in negation_cues]

    def find(self, folded: str) -> tuple[Intent, ...]:
        """The intents ``folded`` (see ``folding.fold``) expresses, in a fixed order."""
        return tuple(
            intent
            for intent in _ORDER
            if any(self._affirmed(folded, pattern) for pattern in self._phrases[intent])
        )

    def _affirmed(self, folded: str, pattern: re.Pattern[str]) -> bool:
        return any(not self._negated(folded[: m.start()]) for m in pattern.finditer(folded))

    def _negated(self, before: str) -> bool:
        ends = list(_CLAUSE_END.finditer(before))
        clause = before[ends[-1].end() :] if ends else before
        return any(cue.search(clause) for cue in self._cues)
