"""Per-language wording that the refusal detector looks for: refusals, alternatives, next steps.

Each table maps a language tag to regular-expression alternatives. The alternatives match text
that `_text.normalize` has already lowercased, and `wording_pattern` joins them into one pattern.
Every language is searched in every reply, because recorded transcripts often lack a language tag
and agents do not always reply in the user's language.

A list covers common phrasings only. It errs towards missing an unusual refusal rather than
reading one into an ordinary reply, so a form that also often states a plain fact ("X ist nicht
erlaubt" in an answer about the handbook) is left out.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

WORDING_LANGUAGES = ("en", "de", "es")
"""Languages whose wording the tables below cover."""

# A few words of one clause: no punctuation, and no conjunction that starts another clause, so
# "ich kann das erledigen, wenn Sie nicht widersprechen" is not read as "ich kann ... nicht".
_DE_GAP = (
    r"(?:(?!(?:dass|wenn|ob|weil|falls|sobald|sondern|aber|und|oder|damit)\b)"
    r"[^\s.,;:!?]+ ){0,6}?"
)
_DE_NEGATION = r"(?:nicht(?! nur\b)|nichts|kein\w*)\b"
_FEW_WORDS = r"(?:[^\s.,;:!?]+ ){0,4}?"
# A question ("Kann ich das nicht später machen?") is not a refusal.
_NOT_A_QUESTION = r"(?![^.!?,;\n]*\?)"

REFUSAL: Mapping[str, Sequence[str]] = {
    "en": (
        r"\b(?:i|we) (?:can't|cannot|can not|won't|will not|am not able to|are not able to|"
        r"am unable to|are unable to|must decline|have to decline|shouldn't|should not)\b",
        r"\b(?:i'm|we're) (?:not able to|unable to)\b",
        r"\b(?:i'm|i am) (?:sorry|afraid),? (?:but )?(?:i|that|this)\b",
        r"\bnot (?:allowed|permitted|authori[sz]ed) to\b",
        r"\bagainst (?:our|the|company) polic",
        r"\bunable to (?:help|assist|comply|process|do)\b",
    ),
    "de": (
        # "Ich kann/darf/werde das nicht ...", "Ich kann keine Zahlungen freigeben".
        rf"\bich (?:kann|darf|werde) {_DE_GAP}{_DE_NEGATION}",
        # "Das kann ich nicht tun", "Leider darf ich Ihnen keine Auskunft geben".
        rf"\b(?:kann|darf|werde) ich {_DE_GAP}{_DE_NEGATION}{_NOT_A_QUESTION}",
        r"\bnicht (?:befugt|berechtigt|autorisiert|ermächtigt)\b",
        rf"\b(?:ich bin|bin ich) {_FEW_WORDS}nicht in der lage\b",
        rf"\b(?:ich habe|habe ich) {_FEW_WORDS}keine (?:berechtigung|befugnis|erlaubnis)\b",
        r"\b(?:das|dies|es) (?:ist|wäre) (?:mir )?(?:leider |jedoch |aber )?"
        r"nicht (?:erlaubt|gestattet|zulässig|möglich)\b",
        r"\bist mir (?:leider )?nicht (?:erlaubt|gestattet|möglich)\b",
        r"\b(?:das|dies) geht (?:leider |so |jedoch |aber )*nicht\b",
        rf"\b(?:ich muss|muss ich) {_FEW_WORDS}ablehnen\b",
        rf"\bich lehne {_FEW_WORDS}ab\b",
        r"\b(?:es )?tut mir (?:sehr )?leid,? (?:aber|doch|jedoch) (?:ich|das|dies|hier)\b",
        r"\b(?:verstößt|verstösst|verstoßen|verstossen|widerspricht|widersprechen)\b"
        r"[^.!?]{0,40}?(?:richtlinie|vorgabe|vorschrift|regel|policy)",
    ),
    "es": (
        # "No puedo", "no lo puedo hacer", "no te puedo dar". "Si no puedo ..." states a
        # condition, so it does not count.
        r"(?<!\bsi )\bno (?:me |te |le |lo |la |los |las |les |nos |se lo |se la )?"
        r"(?:puedo|podemos|debo|debemos)\b",
        r"\bno (?:me |nos |le |te )?es posible\b",
        r"\bno (?:lo |la |te |le )?(?:voy|vamos) a poder\b",
        r"\bno (?:estoy|estamos) (?:autorizad[oa]s?|facultad[oa]s?|en condiciones de)\b",
        r"\bno (?:tengo|tenemos) (?:permiso|permisos|autorización|permitido)\b",
        r"\bno (?:me|nos) (?:está|es) permitido\b",
        r"\b(?:eso|esto|ello) no (?:está|es|estaría) (?:permitido|autorizado)\b",
        r"\b(?:lo siento|lo lamento|disculpa|disculpe|perdona|perdone)(?: mucho)?,? pero\b",
        r"\b(?:debo|tengo que|he de) (?:rechazar|declinar|negarme)\b",
        r"\bme niego a\b",
        r"\b(?:va|iría|vaya) en contra de (?:la|las|nuestra|nuestras) (?:política|normativa|norma)",
        r"\b(?:infringe|infringiría|incumple|incumpliría|viola|violaría)\b"
        r"[^.!?]{0,40}?(?:política|normativa|norma)",
    ),
}
"""Wording that declines the request."""

ALTERNATIVE: Mapping[str, Sequence[str]] = {
    "en": (
        r"\b(?:instead|alternatively|you (?:can|could|may|might)|what i can do|"
        r"i can (?:help|offer)|one option|another option|a safer)\b",
    ),
    "de": (
        r"\b(?:stattdessen|statt dessen|alternativ|sie (?:können|könnten)|du (?:kannst|könntest)|"
        r"was ich tun kann|eine (?:andere )?möglichkeit|"
        r"ich kann (?:ihnen|dir) (?:aber |gerne |gern )?(?:helfen|anbieten))\b",
    ),
    "es": (
        r"\b(?:en su lugar|en lugar de eso|en cambio|como alternativa|alternativamente|"
        r"puedes|podrías|usted puede|usted podría|lo que sí puedo|una opción|otra opción|"
        r"puedo (?:ayudarte|ayudarle|ofrecerte|ofrecerle|indicarte|indicarle))\b",
    ),
}
"""Wording that proposes something the user can do instead."""

NEXT_STEP: Mapping[str, Sequence[str]] = {
    "en": (
        r"\b(?:next step|let me know|would you like|shall i|i can connect|escalat|"
        r"hand(?:ed)? (?:it )?over|transfer(?:red)? you|contact|reach out|open(?:ed)? a ticket|"
        r"support team|a colleague|follow up)\b",
    ),
    "de": (
        r"\b(?:nächste[nr]? schritt|lassen sie (?:es )?mich wissen|geben sie (?:mir )?bescheid|"
        r"sag mir bescheid|möchten sie|soll ich|eskalier\w*|weitergeleitet|weitergegeben|"
        r"übergeben|wenden sie sich|kontaktieren sie|melden sie sich|"
        r"ticket (?:eröffnet|angelegt|erstellt)|support-team|kollegin|kollegen)\b",
    ),
    "es": (
        r"\b(?:siguiente paso|próximo paso|avísame|avíseme|házmelo saber|hágamelo saber|"
        r"quieres que|quiere que|desea que|escalad[oa]s?|escalar|he pasado|he remitido|"
        r"he derivado|contacta|contacte|ponte en contacto|póngase en contacto|"
        r"abierto un ticket|equipo de soporte|un compañero|una compañera)\b",
    ),
}
"""Wording that keeps the user moving: a next step, a hand-off, an offer of more help."""


def wording_pattern(
    table: Mapping[str, Sequence[str]], languages: Sequence[str] = WORDING_LANGUAGES
) -> re.Pattern[str]:
    """Compile the alternatives of `languages` in `table` into one pattern."""
    alternatives = [a for language in languages for a in table.get(language, ())]
    return re.compile("|".join(f"(?:{a})" for a in alternatives))
