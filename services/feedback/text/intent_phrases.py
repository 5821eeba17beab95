"""Default FR/EN intent phrases: regular expressions over folded text (see ``folding.fold``).

Written from how customers phrase these threats and requests, not from the evaluation set.
A phrase says what the customer wants or reports ("I want a refund", "charged twice"), not a
mere word ("refund"), so that "thanks for the quick refund" raises nothing. Both languages
are always tried: code-switching and misdetected short texts are common.
"""

from __future__ import annotations

from collections.abc import Mapping

from services.feedback.text.verdict import Intent

CHURN = (
    # en
    r"\bcancel(?:l?ing|l?ed)? (?:my |our |the )?(?:subscription|account|contract|membership"
    r"|plan|service|direct debit)",
    r"\b(?:i'?m|i am|we'?re|we are) (?:cancel(?:l)?ing|done with)\b",
    r"\b(?:i'?ll|i will|we'?ll|we will|going to|gonna) (?:cancel|leave you)\b",
    r"\b(?:close|closing) (?:my|our) account",
    r"\bunsubscrib",
    r"\bswitch(?:ing)? (?:provider|supplier)s?\b",
    r"\b(?:to|with) (?:a|your|another) competitor",
    r"\bthinking (?:of|about) (?:leaving|cancel)",
    r"\b(?:lost|losing) a (?:loyal )?customer",
    r"\bnever (?:order|ordering|buy|buying|shop|shopping|use|using|coming back|again)\b",
    r"\bwon'?t (?:be )?(?:order|buy|shop|use|coming back|back)",
    r"\btaking my (?:business|money) elsewhere",
    r"\bdone with (?:you|this company|your company)",
    # fr
    r"\bresili",
    r"\bdesabonn",
    r"\bdesinscri",
    r"\b(?:cloture|cloturer|clore|fermer|ferme|supprimer|supprime) (?:mon|notre) compte",
    r"\bje (?:pars|m'en vais|vous quitte)\b",
    r"\b(?:passe|passer|partir|vais|aller|irai) (?:chez|a|vers) "
    r"(?:un |la |le |vos |votre )?concurren",
    r"\bchanger (?:de|d') ?(?:fournisseur|operateur|banque|prestataire|assureur|enseigne)",
    r"\bperdu (?:un|une) (?:client|cliente)\b",
    r"\bplus jamais (?:je |j'|chez|ici|de ma vie)",
    r"\bjamais plus\b",
    r"\bne (?:commanderai|reviendrai|rachet\w*|acheterai|mettrai) (?:plus|jamais)",
    r"\b(?:pense|envisage de|compte|vais) partir\b",
    r"\bderniere (?:fois|commande) (?:chez|que)",
)
LEGAL = (
    # en
    r"\b(?:lawyer|attorney|solicitor|lawsuit)s?\b",
    r"\blegal action",
    r"\b(?:sue|suing) (?:you|your|the|them)\b|\bi(?:'ll| will) sue\b",
    r"\b(?:take|taking) (?:you|this|it) to court",
    r"\bsmall claims",
    r"\btrading standards",
    r"\bconsumer (?:protection|rights)",
    r"\bombudsman",
    r"\bbetter business bureau|\bbbb\b",
    r"\b(?:file|filing|lodge) a (?:formal )?complaint with",
    # fr
    r"\bavocats?\b",
    r"\b(?:porter|porte|deposer|depose|portera) plainte",
    r"\bplainte contre",
    r"\btribunal",
    r"\ben justice\b",
    r"\b(?:procedure|poursuites?|action) judiciaire",
    r"\bmise en demeure",
    r"\bufc\b|\bque choisir",
    r"\bdgccrf",
    r"\bmediateur",
    r"\bassociation de consommateurs",
    r"\bhuissier",
)
MONEY = (
    # en
    r"\b(?:want|need|demand|request|expect)(?:ing)? (?:a |my |the |an |a full )?refund",
    r"\brefund me\b|\bget (?:a |my |the )?refund",
    r"\b(?:still )?no refund",
    r"\b(?:haven'?t|have not|hasn'?t|has not|never) (?:been |got |received )?(?:my |a )?refund",
    r"\bwaiting for (?:my|a|the) refund",
    r"\bwhere is my refund",
    r"\b(?:want|need|demand|give me|get|getting) (?:my |our )?money back",
    r"\b(?:charged|billed|debited) (?:me )?(?:twice|two times|double)",
    r"\bdouble[- ]charged",
    r"\bover(?:charg|bill)",
    r"\bcharge ?back",
    r"\bdispute (?:the|this|a) (?:charge|payment)",
    r"\bduplicate (?:payment|charge)",
    r"\b(?:scam|scammers|rip[- ]?off|fraud)\b",
    r"\b(?:charged|debited|billed|paid)\b[^.!?]{0,40}\bbut\b[^.!?]{0,40}"
    r"\b(?:never (?:received|arrived|delivered|shipped)|not (?:received|delivered)|nothing|cancel)",
    r"\bdeposit (?:isn'?t|is not|not|never|wasn'?t) (?:returned|refunded)",
    # fr
    r"\brembourse[sz]?[- ]moi",
    r"\b(?:veux|exige|demande|reclame|souhaite) (?:d'|a )?etre rembours",
    r"\betre rembours",
    r"\b(?:exige|demande|reclame|attends?) (?:un |le |mon )?remboursement",
    r"\b(?:toujours|jamais|pas) (?:ete )?rembourse",
    r"\b(?:toujours pas|pas recu|pas eu) (?:de |mon )?remboursement",
    r"\b(?:debite|preleve|facture)e?s? (?:deux|2) fois",
    r"\bdouble (?:prelevement|debit|facturation|paiement)",
    r"\bsurfactur",
    r"\barnaque|\bescroc|\bfraude",
    r"\bfaire opposition",
    r"\brendez[- ]moi mon argent",
    r"\b(?:debite|preleve|paye|facture)e?s?\b[^.!?]{0,40}\bmais\b[^.!?]{0,40}"
    r"\b(?:jamais recu|pas recu|pas livre|rien recu|annul)",
    r"\b(?:restitution|rendre|rendu|rembourser?) (?:de )?(?:ma|la|mon) (?:caution|depot)",
)
SAFETY = (
    # en
    r"\bdanger(?:ous)?\b",
    r"\bunsafe\b|\bsafety (?:hazard|issue|risk|problem)|\bhazard",
    r"\binjur(?:y|ies|ed)\b",
    r"\bburn(?:ed|t)? (?:my|his|her|me|our)\b",
    r"\b(?:caught|catch|on) fire\b",
    r"\bsmok(?:e|ing)\b",
    r"\bexplod",
    r"\belectric(?:al)? shock|\bexposed wires",
    r"\ballergic reaction|\bfood poisoning|\bchok(?:e|ing)\b",
    r"\bsharp edge|\bcut (?:myself|himself|herself)",
    r"\bhospital|\bemergency room|\ba&e\b",
    r"\bproduct recall|\brecalled\b",
    # fr
    r"\bdangere",
    r"\bpris feu|\bprend feu|\bincendie",
    r"\bbrul(?:e|ee|ure)",
    r"\bfumee\b",
    r"\b(?:batterie|appareil|telephone|bouteille) (?:a )?explose",
    r"\bdecharge electrique|\belectrocut|\bfils (?:electriques )?a nu",
    r"\breaction allergique|\bintoxication|\betouffe",
    r"\bblesse|\bblessure",
    r"\burgences\b|\bhopital",
    r"\brappel (?:de |du )?produit",
)
CONTACT_REQUEST = (
    # en
    r"\b(?:call|ring|phone) (?:me|us)\b",
    r"\b(?:want|wants|need|needs|like|request|requests|asked for)(?:ed)? (?:a )?call ?back",
    r"\b(?:contact|email) me\b",
    r"\bget (?:back )?in touch with me",
    r"\breach (?:out to )?me\b",
    r"\b(?:speak|talk) (?:to|with) (?:a |the |your |a real )?"
    r"(?:manager|supervisor|human|person|someone|somebody|agent)\b",
    r"\bsomeone (?:to )?call\b|\bsomeone call\b",
    r"\b(?:to|will|please) call (?:me|her|him|them|us) back",
    # fr
    r"\b(?:rappelez|recontactez|contactez|appelez)[- ]moi",
    r"\b(?:me |m')(?:r)?appel(?:er|ez)\b",
    r"\bme (?:re)?contacter\b",
    r"\b(?:etre|soit) (?:r|re)?(?:appele|contacte)e?",
    r"\bparler (?:a|avec) (?:quelqu'un|(?:un |une |le |la |un vrai |une vraie )"
    r"(?:responsable|conseiller|conseillere|humain|personne|manager|superieur))\b",
)

DEFAULT_INTENT_PHRASES: Mapping[Intent, tuple[str, ...]] = {
    "churn": CHURN,
    "legal": LEGAL,
    "money": MONEY,
    "safety": SAFETY,
    "contact_request": CONTACT_REQUEST,
}

# A cue right before a phrase (same clause, at most two words between) takes the intent back:
# "I'm not going to cancel", "je ne vais pas résilier", "ne m'appelez pas". "Can't cancel" and
# "impossible de résilier" are no cue: the customer still wants to leave.
NEGATION_CUES = (
    r"\b(?:not|don'?t|do not|won'?t|will not|wouldn'?t|no need(?: to)?|no intention(?: of| to)?"
    r"|never going to|no longer (?:want|need) to)\b(?: [\w']+){0,2} ?$",
    r"\b(?:ne vais pas|vais pas|ne compte pas|compte pas|ne veux pas|veux pas|ne souhaite pas"
    r"|pas l'intention(?: de)?|pas question(?: de)?|pas besoin(?: de)?|pas la peine(?: de)?"
    r"|inutile(?: de)?|ne pense pas)"
    r"(?: [\w']+){0,2} ?$",
    r"\bne $",
)
