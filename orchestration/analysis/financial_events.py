"""Event classes of company news and the direction each one usually carries for the company.

Each event is a named pattern with a signed weight: guidance and estimates, contracts won or
lost, job cuts and closures, ratings, recalls, litigation and fines, dividends, bankruptcy,
profit warnings, trial read-outs, swings between profit and loss. Written for this project.

Polarity decisions:
- M&A (acquires, merger, divestment) is neutral for the company announcing it in this
  genre, unless the text says why it is good (accretive, synergies) or the deal fails.
- A signed agreement is mildly positive, a won or awarded contract or order clearly so;
  memoranda of understanding and letters of intent stay neutral.
- "Reaffirmed" / "unchanged" / "in line with" guidance is neutral; it shields the
  sentence from a stray direction word ("in line with the forecast, which was raised").
- An outcome that ends a legal threat (dismissed, dropped, acquitted) is positive and
  replaces the negative reading of the same litigation words.
- "A sues B" is no event for the sentence: the suit is bad news for B, not for A, and a
  sentence naming both is scored for each company on its own; "was sued", "a lawsuit" and
  fines are bad news for whoever the sentence is about.
"""

from __future__ import annotations

import re

_EXPECTATIONS = r"(?:analysts'? |market |wall street |the |its |our |own |consensus )*" + (
    r"(?:estimates?|expectations?|forecasts?|consensus|projections?|guidance|plan|targets?"
    r"|schedule)"
)
_GAP = r"(?:[\w'$.,%-]+ ){0,5}?"
_JOBS = r"(?:jobs|positions|employees|workers|staff|roles|people|posts)"
_SITES = (
    r"(?:plants?|factory|factories|stores?|shops?|mills?|sites?|fabs?|branches|outlets|"
    r"facility|facilities|mines?|hotels?|restaurants?|depots?|offices)"
)

# (feature, pattern, contribution). Patterns run on the lower-cased sentence.
EVENTS: tuple[tuple[str, str, float], ...] = (
    # --- against expectations ---
    (
        "beat estimates",
        rf"\b(?:beat|beats|beating|topped|tops|exceeded|exceeds|exceed|"
        rf"surpassed|surpasses|above|ahead of|better than)\b {_GAP}{_EXPECTATIONS}",
        1.0,
    ),
    ("beat estimates", r"\b(?:better|stronger|higher)-than-expected\b", 1.0),
    (
        "missed estimates",
        rf"\b(?:missed|misses|miss|below|short of|worse than|weaker than|"
        rf"lower than)\b {_GAP}{_EXPECTATIONS}",
        -1.0,
    ),
    ("missed estimates", r"\b(?:worse|weaker|lower)-than-expected\b", -1.0),
    (
        "beat estimates",
        r"\b(?:ahead of|above) last year"
        r"|\bmore than (?:originally |initially )?(?:targeted|expected|planned)"
        r"|\b(?:upper|top|high) end of (?:its|the) (?:[\w-]+ ){0,2}range|\btop of (?:its|the) "
        r"(?:[\w-]+ ){0,2}range",
        1.0,
    ),
    ("in line", r"\b(?:in line with|unchanged|reaffirm\w*|maintain\w*|confirm\w*) ", 0.0),
    # --- guidance and warnings ---
    ("profit warning", r"\bprofit warning|\bwarn(?:s|ed|ing)?\b", -1.0),
    ("expects a loss", r"\bexpects? (?:to (?:post|report|make|book) )?an? (?:\w+ )?loss", -1.0),
    (
        "record",
        r"(?<!of )(?<!on )\brecord\b(?! date)|\ball-time high|\bhighest (?:level )?ever",
        0.7,
    ),
    # --- profit and loss swings ---
    (
        "swung to loss",
        r"\b(?:swung|swings|swing|turned|fell|slipped|plunged) (?:in)?to an? "
        r"(?:\w+ )?loss|\binto the red\b",
        -1.5,
    ),
    (
        "swung to loss",
        r"\bloss\b[^;]{0,60}\b(?:compared (?:with|to)|against|versus|from) an? "
        r"(?:\w+ ){0,2}(?:profit|income|earnings)\b",
        -1.5,
    ),
    (
        "returned to profit",
        r"\b(?:returned|return|back|swung|swings|turned) (?:in)?to (?:an? )?"
        r"(?:\w+ )?(?:profit|the black|growth)|\bback in the black",
        1.5,
    ),
    (
        "returned to profit",
        r"\b(?:profit|income|earnings)\b[^;]{0,60}\b(?:compared (?:with|to)|"
        r"against|versus|from) an? (?:\w+ ){0,2}loss\b",
        1.5,
    ),
    # --- contracts and orders ---
    (
        "contract won",
        rf"\b(?:won|wins|win|winning|secured|secures|awarded|selected|received|"
        rf"receives|landed|lands|booked|obtained)\b {_GAP}(?:contracts?|orders?|deals?|tenders?"
        rf"|agreements?|approvals?)\b",
        1.0,
    ),
    (
        "contract won",
        r"\b(?:contract|order|tender|deal)s? (?:was |were |has been )?"
        r"(?:won|awarded)\b",
        1.0,
    ),
    (
        "contract won",
        r"\b(?:biggest|largest) (?:single )?(?:contract|order)|\bselected to "
        r"(?:provide|supply|build|deliver)",
        1.0,
    ),
    (
        "agreement signed",
        r"\b(?<!be )(?:signed|signs|entered into|concluded)\b "
        rf"{_GAP}(?:contract|agreement|deal|order)s?\b",
        0.6,
    ),
    (
        "contract lost",
        r"\b(?:lost|loses|lose)\b (?:[\w$,.-]+ ){0,4}?(?:contracts?|orders?|"
        r"tenders?|customers?)\b|\b(?:cancel(?:l?ed|s)?|terminat\w+)\b (?:[\w$,.-]+ ){0,4}?"
        r"(?:contracts?|orders?|agreements?|deals?)|\bnot (?:to )?renew\b",
        -1.0,
    ),
    # --- jobs and sites ---
    (
        "job cuts",
        rf"\b(?:cut|cuts|cutting|eliminat\w+|shed|sheds|shedding|axe|axes|slash\w*|"
        rf"reduce|reduces|reducing|lay off|lays off|laid off|laying off)\b {_GAP}{_JOBS}\b"
        r"|\blayoffs?\b|\bjob cuts\b|\bredundanc\w+|\breduce (?:its|the) workforce|"
        r"\bworkforce reduction|\btemporar\w+ lay-?offs?|\bfurlough\w*",
        -1.0,
    ),
    (
        "closure",
        rf"\b(?:close|closes|closing|shut|shuts|shutting|shut down|shuts down)\b "
        rf"(?:[\w,-]+ ){{0,3}}?{_SITES}\b|\b(?:plant|factory|store|mill|site) closures?\b"
        r"|\bexit(?:s|ing)? the \w+ market",
        -1.0,
    ),
    (
        "impairment",
        r"\b(?:wrote|writes|write) down\b|\b(?:recorded|booked|took|recognis|"
        r"recogniz)\w* (?:an? |the )?(?:[\w-]+ ){0,2}(?:impairment|write-?down|write-off)|"
        r"\bimpairment (?:charge )?of\b|\bwrite-?downs? (?:on|of)\b",
        -1.0,
    ),
    (
        "went negative",
        r"\b(?:was|were|turned|remained|stayed) negative\b|\b(?:led to|resulted"
        r" in|caused) an? (?:\w+ )?loss\b",
        -1.0,
    ),
    ("went positive", r"\b(?:turned|was|were) positive\b", 1.0),
    ("restructuring charges", r"\brestructuring (?:charges?|costs?)\b", -0.5),
    # --- ratings ---
    (
        "rating upgrade",
        r"\bupgrad\w+|\boutlook\b[^;]{0,40}\bto positive\b|"
        r"\bto investment grade\b|\b(?:raised|lifted)\b[^;]{0,40}\bto (?:buy|overweight|"
        r"outperform|accumulate)\b",
        1.0,
    ),
    (
        "rating downgrade",
        r"\bdowngrad\w+|\boutlook\b[^;]{0,40}\bto negative\b|\bto junk\b|"
        r"\b(?:cut|lowered)\b[^;]{0,40}\bto (?:sell|underweight|underperform|junk)\b",
        -1.0,
    ),
    # --- operations, legal, solvency ---
    ("recall", r"\brecall(?:s|ed|ing)?\b", -1.0),
    (
        "legal threat ended",
        r"\b(?:dismissed|dropped|rejected|withdrew|closed|ended|won)\b "
        r"(?:[\w'-]+ ){0,4}?(?:lawsuit|case|suit|claims?|investigation|probe|charges)\b"
        r"|\bacquitted\b|\bcleared of\b",
        1.0,
    ),
    (
        "litigation or fine",
        r"\b(?:(?:was|were|is|are|been|being|get|gets|got) sued|sued by|lawsuits?|"
        r"class action|fined|fines?|penalt\w+|investigation|probe|prosecutors?|charged|"
        r"indicted|ordered to pay|damages|antitrust|accus\w+)\b",
        -1.0,
    ),
    (
        "operations halted",
        r"\b(?:halted|suspended|stopped|disrupted)\b|\bstrike\b|"
        r"\b(?:accident|explosion|fire|flood)\b|\bcancel(?:l?ed|s) [\d,]+ flights",
        -0.8,
    ),
    (
        "dividend suspended",
        r"\b(?:suspend\w*|scrap\w*|omit\w*|cancel\w*) (?:its |the )?"
        r"dividend|\bdividend (?:was |is |has been )?(?:suspended|scrapped|omitted|cancelled)",
        -1.0,
    ),
    ("buyback", r"\b(?:buyback|share repurchase|repurchase program\w*)\b", 0.6),
    (
        "bankruptcy",
        r"\bbankrupt\w*|\bchapter 11\b|\binsolven\w+|\bgoing concern\b|"
        r"\bdefault(?:ed|s)? on\b|\bsubstantial doubt\b",
        -1.5,
    ),
    (
        "trial read-out",
        r"\bmet (?:its|the) (?:\w+ )?(?:primary |main )?(?:endpoint|goal)s?"
        r"|\bpositive (?:results|data|top-line)",
        1.0,
    ),
    (
        "trial failure",
        r"\b(?:failed to|did not|didn't|not) meet (?:its|the) (?:\w+ )?"
        r"(?:primary |main )?(?:endpoint|goal)|\bclinical hold\b|\bput a hold\b",
        -1.5,
    ),
    (
        "deal failed",
        r"\b(?:deal|merger|takeover|acquisition|bid|offer)\b[^;]{0,50}\b(?:collapsed"
        r"|called off|blocked|terminated|abandoned|fell through|failed)\b|\bto block\b",
        -1.0,
    ),
    ("deal accretive", r"\baccretive\b|\bsynerg\w+|\badd to earnings\b|\bcost savings\b", 0.8),
    ("m&a", r"\b(?:acquir\w+|acquisition|merger|merge|divest\w*|takeover|buy(?:s)? )", 0.0),
)

# Words one of which must be in a sentence before an event's patterns are tried: most
# sentences name no event, and a dict look-up per word is far cheaper than the patterns.
# A trailing "*" matches any word that starts with the same four letters.
TRIGGERS: dict[str, str] = {
    "beat estimates": "beat beats beating topped tops exceeded exceeds exceed surpass* above "
    "ahead better expected more upper top high",
    "missed estimates": "missed misses miss below short worse weaker lower expected",
    "in line": "line unchanged reaffirm* maintain* confirm*",
    "profit warning": "warning warn warns warned",
    "expects a loss": "expects expect",
    "record": "record all highest",
    "swung to loss": "swung swings swing turned fell slipped plunged red loss",
    "returned to profit": "returned return back swung swings turned black loss",
    "contract won": "won wins win winning secured secures awarded selected received receives "
    "landed lands booked obtained biggest largest",
    "agreement signed": "signed signs entered concluded",
    "contract lost": "lost loses lose cancel* terminat* renew",
    "job cuts": "job jobs positions employees workers staff roles people posts layoff layoffs "
    "lay offs redundanc* workforce furlough*",
    "closure": "close closes closing shut shuts shutting closure closures exit exits exiting",
    "impairment": "wrote writes write writedown writedowns recorded booked took recogni* "
    "impairment",
    "went negative": "negative led resulted caused",
    "went positive": "positive",
    "restructuring charges": "restructuring",
    "rating upgrade": "upgrad* positive investment raised lifted",
    "rating downgrade": "downgrad* negative junk cut lowered",
    "recall": "recall recalls recalled recalling",
    "legal threat ended": "dismissed dropped rejected withdrew closed ended won acquitted cleared",
    "litigation or fine": "sued sues lawsuit lawsuits class fined fine fines penalt* "
    "investigation probe prosecutor prosecutors charged indicted ordered damages antitrust "
    "accus* block",
    "operations halted": "halted suspended stopped disrupted strike accident explosion fire "
    "flood cancel*",
    "dividend suspended": "dividend",
    "buyback": "buyback repurchase",
    "bankruptcy": "bankrupt* chapter insolven* going default defaulted defaults substantial",
    "trial read-out": "met positive",
    "trial failure": "meet clinical hold",
    "deal failed": "collapsed called blocked terminated abandoned fell failed block",
    "deal accretive": "accretive synerg* add savings",
    "m&a": "acquir* acquisition acquisitions merger merge divest* takeover buy buys",
}
_EXACT: dict[str, set[str]] = {}
_PREFIX: dict[str, set[str]] = {}
for _feature, _words in TRIGGERS.items():
    for _word in _words.split():
        if _word.endswith("*"):
            _PREFIX.setdefault(_word[:4], set()).add(_feature)
        else:
            _EXACT.setdefault(_word, set()).add(_feature)
_WORD = re.compile(r"[a-z0-9]+")
_BY_FEATURE: dict[str, list[tuple[re.Pattern[str], float]]] = {}
for _feature, _pattern, _value in EVENTS:
    _BY_FEATURE.setdefault(_feature, []).append((re.compile(_pattern), _value))
_ORDER = tuple(_BY_FEATURE)
assert {feature for feature, _, _ in EVENTS} == set(TRIGGERS)
# When the first fires, the second is not counted: an ended lawsuit is not a lawsuit.
_OVERRIDES = {"legal threat ended": "litigation or fine", "deal failed": "litigation or fine"}
# A swing between profit and loss makes the raw figures meaningless to compare.
SWINGS = frozenset(("swung to loss", "returned to profit"))


def events(text: str) -> list[tuple[str, str, float]]:
    """(matched words, event feature, contribution) for each event class found, once each."""
    lowered = text.lower().replace("\u2019", "'")
    words = set(_WORD.findall(lowered))
    candidates: set[str] = set()
    for word in words.intersection(_EXACT):
        candidates |= _EXACT[word]
    for stem in {word[:4] for word in words}.intersection(_PREFIX):
        candidates |= _PREFIX[stem]
    found: dict[str, tuple[str, str, float]] = {}
    for feature in _ORDER:
        if feature not in candidates:
            continue
        for pattern, value in _BY_FEATURE[feature]:
            match = pattern.search(lowered)
            if match:
                found[feature] = (match.group(0).strip(), feature, value)
                break
    for winner, loser in _OVERRIDES.items():
        if winner in found:
            found.pop(loser, None)
    return list(found.values())
