"""Tell which verdict a sentence of an explanation was written for.

Used by the engine's property tests and by the page tests over the demo scheme:
words are matched back to the templates of :data:`matching.explain.WORDS`, and
checked against phrases that only a reason for (or against) a match may use.
"""

from __future__ import annotations

import re
import string

from matching.explain import WORDS

_FIELDS = {
    "k": r"\d+",
    "total": r"\d+",
    "age": r"\d+",
    "lo": r"\d+",
    "hi": r"\d+",
    "km": r"\d+\.\d",
    "limit": r"\d+(?:\.\d)?",
    "years": r"\d+ years?",
}
# lists of terms (interests, needs, pets...) hold no digits, brackets or colons,
# so a template ending in a list cannot swallow another template's counts
_TERMS = r"[^()\d:]+?"
_NAMES = ("n", "hn")

#: Phrases a reason *for* a match never uses.
NEGATIVE_PHRASES = (
    "no interests in common",
    "do not",
    "no one at",
    "not quite",
    "not close",
    "not of",
    "but ",
    "only ",
    "would prefer a home without",
    "outside the age range",
    "far from",
    "or more",
    "cannot live with",
)
#: Phrases a reason *against* a match never uses.
POSITIVE_PHRASES = (
    "both enjoy",
    ", as ",
    "which {n} would like",
    "which {n} likes",
    "have experience of",
    "within",
    "close to",
    "close in age",
    "can live with",
)


def _regex(template: str) -> re.Pattern:
    out = []
    for literal, field, _spec, _conv in string.Formatter().parse(template):
        out.append(re.escape(literal))
        if field is not None:
            out.append(f"(?:{_FIELDS.get(field, '.+?' if field in _NAMES else _TERMS)})")
    return re.compile("".join(out))


TEMPLATES = {key: _regex(template) for key, template in WORDS.items()}


def templates_of(words: str) -> set[tuple]:
    """Keys of every template in WORDS that could have produced ``words``."""
    return {key for key, pattern in TEMPLATES.items() if pattern.fullmatch(words)}


def verdicts_of(words: str) -> set[str]:
    """Verdicts whose templates could have produced ``words`` (one, if the words are consistent)."""
    return {key[1] for key in templates_of(words)}


def phrase_clashes(words: str, verdict: str, person: str = "") -> list[str]:
    """Phrases in ``words`` that a reason with this verdict must not use."""
    text = words.lower()
    banned = {"for": NEGATIVE_PHRASES, "against": POSITIVE_PHRASES}.get(verdict, ())
    return [p for p in banned if p.replace("{n}", person).lower() in text]
