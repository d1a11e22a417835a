"""Publisher boilerplate and disclaimers, removed before either analyzer reads an article.

Footers name companies the article is not about (nasdaq.com's disclaimer names "Nasdaq,
Inc.", Zacks footers name Zacks, a Motley Fool disclosure lists every stock the fool
recommends) and carry no news. Each pattern removes one sentence or line; the ones marked
"and the rest" end the article, since nothing after them is the story.
"""

from __future__ import annotations

import re

# A sentence here runs to the next ". ", "! " or "? " or line end.
_SENTENCE = r"[^\n]*?(?:[.!?](?=\s|$)|$)"

_TO_THE_END = [
    r"The views and opinions expressed herein are the views and opinions of the author",
    r"(?:This|The) article was originally published (?:on|by|at)\b",
    r"(?:This|The) article originally (?:appeared|published) (?:on|in|at)\b",
    r"Want the latest recommendations from Zacks Investment Research\?",
    r"Should you invest \$[\d,]+ in [^?\n]{1,80} right now\?",
    r"Before you buy stock in [^,\n]{1,80}, consider this:",
    r"Read Next:",
    r"Related (?:Articles|Links|Stories):",
]

_ONE_SENTENCE = [
    r"The Motley Fool has (?:positions? in|a disclosure policy|no position)",
    r"\b[A-Z][\w.'-]*(?: [A-Z][\w.'-]*){0,3} (?:has|have) no positions? in any (?:of the )?stocks",
    r"\b[A-Z][\w.'-]*(?: [A-Z][\w.'-]*){0,3} has positions? in",
    r"Zacks Investment Research\b",
    r"Click (?:here )?to (?:get|read|see|download|learn)",
    r"Click here\b",
    r"Reporting by [^;\n]{1,200}(?:;|$)",
    r"(?:Additional reporting|Writing|Editing|Compiled) by ",
    r"(?:Copyright|\(c\)|©)\s*(?:\d{4}|[A-Z])",
    r"All rights reserved",
    r"(?:This|The) (?:article|story|content) (?:was )?(?:generated|produced) "
    r"(?:by|with the help of|using) ",
    r"Disclosure:",
    r"Disclaimer:",
    r"See (?:also|more):",
    r"Subscribe to ",
    r"Sign up for ",
]

# Every pattern above contains one of these: most articles have none, and a substring test
# is far cheaper than trying the alternation at every character.
_TRIGGERS = (
    "views and opinions",
    "originally",
    "Zacks",
    "Should you invest",
    "Before you buy",
    "Read Next",
    "Related ",
    "Motley Fool",
    "position",
    "Click",
    "eporting by",
    "Writing by",
    "Editing by",
    "Compiled by",
    "Copyright",
    "(c)",
    "\u00a9",
    "rights reserved",
    "generated",
    "produced",
    "Disclosure:",
    "Disclaimer:",
    "See also",
    "See more",
    "Subscribe to",
    "Sign up for",
)
_END = re.compile(r"(?:" + "|".join(_TO_THE_END) + r")[\s\S]*")
_SENTENCES = re.compile(r"(?:" + "|".join(_ONE_SENTENCE) + r")" + _SENTENCE)
_SPACES = re.compile(r"[ \t]{2,}")
_BLANK_LINES = re.compile(r"\n\s*\n\s*(?:\n\s*)+")


def strip_boilerplate(text: str) -> str:
    """`text` without publisher footers, disclosures, bylines and copyright lines."""
    if not text or not any(trigger in text for trigger in _TRIGGERS):
        return text
    text = _END.sub("", text)
    text = _SENTENCES.sub("", text)
    text = _SPACES.sub(" ", text)
    return _BLANK_LINES.sub("\n\n", text).strip()
