"""Negated and understated phrases whose polarity sentence embeddings get backwards.

"pas mal du tout", "not bad at all", "aucun reproche", "never had a problem" are praise made
of negative words, and "pas terrible", "not great", "pas satisfait" complaints made of positive
ones; e5 reads the words. Each phrase found shifts the model's score by ``shift`` towards its
own side. Regular expressions over folded text; the classic cases of both languages, not
lines of the evaluation set. Pure.
"""

from __future__ import annotations

import re

POSITIVE = (
    r"\b(?:pas|plutot pas|vraiment pas) mal\b(?! de (?:probleme|souci|retard))",
    r"\bpas (?:si|trop) mal\b",
    r"\bnot (?:too |so |that )?bad\b(?!,? but)",
    r"\bnot too shabby\b",
    r"\b(?:pas|jamais) (?:ete )?decu",
    r"\bnot (?:at all )?disappointed\b",
    r"\b(?:aucun|aucune|pas de|sans) (?:reproche|plainte|souci|probleme)s?\b",
    r"\brien a (?:redire|reprocher|dire)\b",
    r"\bno (?:complaints?|issues?|problems?)\b",
    r"\bnothing to complain about\b|\bcan'?t complain\b|\bcouldn'?t be happier\b",
    r"\bnever had (?:a|any) (?:problem|issue)s?\b",
    r"\bjamais eu (?:le moindre|de|un seul|aucun) (?:probleme|souci)",
    r"\bpourrai(?:s|t) pas etre plus (?:content|satisfait|heureux)",
)
NEGATIVE = (
    r"\bpas (?:terrible|top|genial|fou|folichon|ouf)\b",
    r"\b(?:ne suis |n'est |ne sommes |suis )?pas (?:satisfait|content|convaincu)e?s?\b",
    r"\bnot (?:great|good|happy|satisfied|impressed|convinced|worth)\b",
    r"\b(?:ne|n') (?:vaut|valait) pas\b",
    r"\bpas (?:a la hauteur|terrible)\b|\bnot up to (?:scratch|standard|par)\b",
    r"\bne (?:recommande|conseille) pas\b|\bwouldn'?t recommend\b|\bdon'?t recommend\b",
)


class Idioms:
    def __init__(self, *, shift: float = 0.4) -> None:
        self._positive = [re.compile(p) for p in POSITIVE]
        self._negative = [re.compile(p) for p in NEGATIVE]
        self.shift = shift

    def adjust(self, folded: str, score: float) -> float:
        """``score`` moved by ``shift`` per side whose phrases ``folded`` contains, in -1..1."""
        up = any(p.search(folded) for p in self._positive)
        down = any(p.search(folded) for p in self._negative)
        return round(max(-1.0, min(1.0, score + self.shift * (up - down))), 4)
