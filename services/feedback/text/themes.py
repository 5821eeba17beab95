"""Themes of a piece of feedback from a configurable FR/EN taxonomy of keywords and phrases.

A phrase is folded like the text (see ``folding.fold``) and matches whole words; a phrase that
ends with ``*`` matches any word that starts with it (``livr*``: livraison, livré, livreur).
Both languages' phrases are tried on every text, since short texts are often misdetected and
the words rarely collide. Pure: text in, themes out, in the taxonomy's order.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from pydantic import BaseModel, Field

from services.feedback.text.folding import fold


class ThemePhrases(BaseModel):
    fr: list[str] = Field(default_factory=list)
    en: list[str] = Field(default_factory=list)


def _phrases(fr: str, en: str) -> ThemePhrases:
    return ThemePhrases(fr=fr.split(", "), en=en.split(", "))


DEFAULT_TAXONOMY: Mapping[str, ThemePhrases] = {
    "delivery": _phrases(
        "livr*, colis, expedi*, transporteur, point relais, suivi, "
        "en retard, retard de livraison, retards de livraison",
        "deliver*, shipping, shipped, ship to, parcel*, package*, courier, dispatch*, "
        "tracking, arrived*, arrive*, late delivery",
    ),
    "price": _phrases(
        "prix, cher, chere, chers, tarif*, cout*, promo*, remise*, reduction*, "
        "qualite prix, qualite-prix, frais, augmentation, moins cher, trop cher",
        "price*, pricing, expensive, cheap, cheaper, cheapest, overpriced, cost*, "
        "discount*, value for money, worth the money, fees, fee",
    ),
    "product_quality": _phrases(
        "qualite, casse*, defectu*, abime*, panne, fonctionne*, marche pas, fuit, "
        "finition, taille*, tissu, produit*, solide, fragile, autonomie, confortable*",
        "quality, broke*, broken, defective, damaged, faulty, stopped working, works, "
        "leak*, flimsy, build, fabric, sizing, size, fits, product, battery, comfortable",
    ),
    "support": _phrases(
        "service client, sav, conseill*, hotline, au telephone, support, assistance, "
        "chatbot, rappel, equipe, reparation",
        "customer service, support, agent*, advisor*, helpdesk, help desk, on hold, "
        "hotline, bot, callback, on the phone, team, repair",
    ),
    "billing": _phrases(
        "factur*, prelev*, prelevement*, debit*, remboursement*, rembours*",
        "invoice*, billing, billed, overbill*, charged, charge, chargeback, direct debit, "
        "debited, payment*, refund*",
    ),
    "website_app": _phrases(
        "site, site web, appli, application, app, connecter, connexion, "
        "mot de passe, bug*, plante, mise a jour, deconnecte, bouton, en ligne, "
        "paiement",
        "website, site, app, application, log in, login, logging, password, bug*, "
        "crash*, update, checkout, online, button",
    ),
    "returns": _phrases(
        "retour, retourner, echange*, etiquette de retour, renvoyer",
        "return label, return, returns, exchange*, send it back, replaced, replacement",
    ),
    "store": _phrases(
        "magasin*, boutique, caisse, caissier*, caissiere*, rayon*, vendeu*, personnel, parking",
        "store, shop, cashier*, queue, shelves, staff, parking",
    ),
}


def _pattern(phrase: str) -> str:
    folded = fold(phrase)
    if folded.endswith("*"):
        return r"\b" + re.escape(folded[:-1])
    return r"\b" + re.escape(folded) + r"\b"


class ThemeFinder:
    def __init__(self, taxonomy: Mapping[str, ThemePhrases] = DEFAULT_TAXONOMY) -> None:
        self._themes: list[tuple[str, re.Pattern[str]]] = [
            (theme, _compile([*phrases.fr, *phrases.en]))
            for theme, phrases in taxonomy.items()
            if phrases.fr or phrases.en
        ]

    @property
    def themes(self) -> tuple[str, ...]:
        return tuple(theme for theme, _ in self._themes)

    def find(self, folded: str) -> tuple[str, ...]:
        """The themes ``folded`` (see ``folding.fold``) mentions."""
        return tuple(theme for theme, pattern in self._themes if pattern.search(folded))


def _compile(phrases: Sequence[str]) -> re.Pattern[str]:
    alternatives = sorted({_pattern(p) for p in phrases if p.strip(" *")}, key=len, reverse=True)
    return re.compile("|".join(alternatives))
