"""Text folding shared by the rules: lower case, no accents, one kind of apostrophe.

Customers type on phones without accents ("resilier", "deja"), with curly apostrophes and with
emphasis ("NULLLL"); folding both the text and the rule phrases the same way lets one phrase
match every spelling. Plain functions, no I/O.
"""

from __future__ import annotations

import re
import unicodedata

_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "`": "'", "\u00b4": "'"})
_SPACES = re.compile(r"\s+")
# "nuuuul", "soooo": three or more of a letter say the same as two.
_STRETCH = re.compile(r"([a-z])\1{2,}")


def fold(text: str) -> str:
    """``text`` in lower case, without accents, with straight apostrophes and single spaces."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_APOSTROPHES).casefold())
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    bare = bare.replace("\u0153", "oe").replace("\u00e6", "ae")  # œ and æ do not decompose
    return _STRETCH.sub(r"\1\1", _SPACES.sub(" ", bare).strip())


def clean(text: str) -> str:
    """``text`` safe for the C engine and regexes: no NUL, no lone surrogates, trimmed."""
    if "\x00" in text:
        text = text.replace("\x00", " ")
    return text.encode("utf-8", "replace").decode("utf-8").strip()


def words(folded: str) -> list[str]:
    """The word tokens of folded text (letters, digits, inner apostrophes and hyphens)."""
    return re.findall(r"[a-z0-9]+(?:['-][a-z0-9]+)*", folded)
