"""A small, offline language guess: which language's common short words a text uses most.

Good enough to flag non-English articles for a financial-news pipeline; it needs no model
and no download. Headlines give few clues, so short texts often come out "und".
"""

from __future__ import annotations

import re

UNDETERMINED = "und"
MIN_HITS = 2  # fewer function words than this says too little to decide


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Frequent function words, chosen so that no word belongs to two languages.
_STOPWORDS = {
    "en": _words(
        "after an and are as at be been by for from has have in is it its of on or said "
        "says shares than that the their this to was were which will with"
    ),
    "de": _words(
        "aktie auch auf aus bei dem den der die ein eine einer für hat im ist mit nach "
        "nicht sich und werden wie wird zu über"
    ),
    "fr": _words(
        "au aux avec ce cette dans des du est et le les leurs par pas plus pour qui "
        "selon sont sur une été"
    ),
    "es": _words(
        "al como con del el entre es esta este fue ha han las lo los más pero por según "
        "su sus una y"
    ),
    "it": _words(
        "alla anche che come dei della delle di dopo ed gli il nel nella per più questa "
        "questo sono è"
    ),
    "nl": _words(
        "aandeel bij dan dat deze een en heeft het met naar niet ook op van voor werd wordt zijn"
    ),
    "pt": _words(
        "após ações com da das do dos em foi mais não o os para pela pelo que seu sua são um uma"
    ),
}
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)


def detect_language(text: str) -> str:
    """The ISO 639-1 code whose function words the text uses most, or "und"."""
    words = _WORD.findall(text.lower())
    hits = {lang: sum(w in stop for w in words) for lang, stop in _STOPWORDS.items()}
    ranked = sorted(hits.items(), key=lambda item: item[1], reverse=True)
    (best, best_hits), (_, runner_up) = ranked[0], ranked[1]
    if best_hits < MIN_HITS or best_hits <= runner_up:
        return UNDETERMINED
    return best
