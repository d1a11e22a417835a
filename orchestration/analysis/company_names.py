"""Company names as the press writes them, from names as filed with the SEC.

Filings spell names in upper case with legal forms and state codes ("BANK OF AMERICA CORP
/DE/", "ELI LILLY & Co"); articles write "Bank of America" and "Eli Lilly".
"""

from __future__ import annotations

import re
from functools import cache

# Legal forms, longest first so "PUBLIC LTD CO" goes before "CO". Stripped from the end.


def words(text: str) -> frozenset[str]:
    """A word list written as one string, which reads better than a list of quoted words."""
    return frozenset(text.split())


_LEGAL_FORMS = (
    "public limited company",
    "public ltd co",
    "co., ltd.",
    "co., ltd",
    "co ltd",
    "s.a.b. de c.v.",
    "sab de cv",
    "s.a. de c.v.",
    "de c.v.",
    "aktiengesellschaft",
    "incorporated",
    "corporation",
    "company",
    "limited",
    "l.l.c.",
    "p.l.c.",
    "s.p.a.",
    "kgaa",
    "gmbh",
    "inc.",
    "corp.",
    "ltd.",
    "co.",
    "llc",
    "l.p.",
    "plc",
    "n.v.",
    "s.a.",
    "spa",
    "oyj",
    "asa",
    "a/s",
    "a s",
    "k.k.",
    "b.v.",
    "tbk",
    "inc",
    "corp",
    "ltd",
    "lp",
    "co",
    "nv",
    "sa",
    "ag",
    "se",
    "ab",
    "bv",
    "pbc",
)
# Forms only companies organised outside the US use (plc is British/Irish, N.V. Dutch, ...).
FOREIGN_FORMS = frozenset(
    {
        "public limited company",
        "public ltd co",
        "co., ltd.",
        "co., ltd",
        "co ltd",
        "s.a.b. de c.v.",
        "sab de cv",
        "s.a. de c.v.",
        "de c.v.",
        "aktiengesellschaft",
        "p.l.c.",
        "s.p.a.",
        "kgaa",
        "gmbh",
        "plc",
        "n.v.",
        "s.a.",
        "spa",
        "oyj",
        "asa",
        "a/s",
        "a s",
        "k.k.",
        "b.v.",
        "tbk",
        "nv",
        "sa",
        "ag",
        "se",
        "ab",
        "bv",
    }
)
_FORM_AT_END = re.compile(
    r"(?<![^\s,&])(" + "|".join(re.escape(f) for f in _LEGAL_FORMS) + r")[\s,]*$", re.I
)
# "/DE/", "/NEW", "\DE\", "/TX", "/CAYMAN": where and when the filer was registered.
_REGISTRY_CODE = re.compile(r"\s*[/\\][A-Za-z .]*[/\\]?\s*$")
_CLASS_NOTE = re.compile(r"\s*\((?:Class [A-Z]|Series [A-Z]|The|Cayman Islands)\)\s*$", re.I)
_DESCRIPTORS = re.compile(r"(?:[\s,]+(?:Group|Holdings?|Companies|Worldwide))+$", re.I)
_LEADING_THE = re.compile(r"^The\s+", re.I)

# Upper-case words that stay upper case; any word with a digit or "&" does too.
ACRONYMS = words(
    "ABB ADR ADT AES AGCO AIG AMD AMC ASML AT&T BHP BNY BP CBRE CDW CF CME CMS CNA CNX CSX CVS "
    "DTE EOG EPAM EQT ETF ETN FMC GE GEO HCA HDFC HF HP HSBC IBM ICICI ING IQVIA JD KB KLA LKQ LPL "
    "MGM MSCI MSA NCR NI NMI NOV NRG NVR NXP ONEOK PG&E PNC PPG PPL PTC PVH REIT RH RPM RTX SAP "
    "RELX SBA SEI SL SM SPX SS&C TD TE TJX UBS UDR UFJ UGI UL UPS US USA WEC WPP WR XPO"
)
# Filing-case spellings whose proper case is not simple capitalisation.
_PROPER_CASE = {
    "JPMORGAN": "JPMorgan",
    "PAYPAL": "PayPal",
    "BLACKROCK": "BlackRock",
    "ABBVIE": "AbbVie",
    "NVIDIA": "Nvidia",
    "ISHARES": "iShares",
    "FEDEX": "FedEx",
    "MASTERCARD": "Mastercard",
    "EXXONMOBIL": "ExxonMobil",
    "DUPONT": "DuPont",
    "HUBSPOT": "HubSpot",
    "MONGODB": "MongoDB",
    "LINKEDIN": "LinkedIn",
    "YOUTUBE": "YouTube",
    "GOPRO": "GoPro",
    "DOORDASH": "DoorDash",
    "CROWDSTRIKE": "CrowdStrike",
    "SOFI": "SoFi",
    "ASTRAZENECA": "AstraZeneca",
    "MERCADOLIBRE": "MercadoLibre",
    "GLAXOSMITHKLINE": "GlaxoSmithKline",
    "ARCELORMITTAL": "ArcelorMittal",
    "JETBLUE": "JetBlue",
    "EBAY": "eBay",
}
_SMALL_WORDS = frozenset({"of", "and", "the", "for", "de", "du", "la", "le", "in", "on", "at"})
_KEEPS_CASE = re.compile(r"[\d&]")
_NO_VOWEL = re.compile(r"[B-DF-HJ-NP-TV-XZ]{2,4}")

# Single generic words a short name may come down to ("First Group" -> "First"); such a word
# alone names no company, so it is not offered as a variant.
GENERIC_WORDS = words(
    "american bank capital central eastern energy financial first general global health "
    "international investment investors national news northern pacific partners resources "
    "southern systems technologies trust united universal western world"
)


def strip_registry(filed: str) -> str:
    """The name without SEC registry codes such as /DE/ or /NEW."""
    name = filed.strip()
    while (shorter := _REGISTRY_CODE.sub("", name)) != name:
        name = shorter
    return name


@cache
def split_legal_form(name: str) -> tuple[str, str | None]:
    """(name without trailing legal forms, the last form removed in lower case, if any)."""
    rest, found = _CLASS_NOTE.sub("", strip_registry(name)).rstrip(" ,"), None
    while match := _FORM_AT_END.search(rest):
        # "& Co" is part of the legal form: "ELI LILLY & Co" -> "ELI LILLY".
        cut = re.sub(r"[\s,]*&$", "", rest[: match.start()].rstrip(" ,")).rstrip(" ,")
        if not cut:  # the whole name is a legal form: keep it
            break
        rest, found = cut, found or match.group(1).lower()
    return rest, found


def clean_name(filed: str) -> str:
    """ "HONEYWELL INTERNATIONAL INC" -> "Honeywell International"; mixed case is kept."""
    name, form = split_legal_form(filed)
    if form and is_generic(name):  # "NEWS CORP" stays "News Corp", not "News"
        name = _CLASS_NOTE.sub("", strip_registry(filed)).rstrip(" ,.")
    name = _inverted(re.sub(r"\s+", " ", name))
    if any(c.islower() for c in name):
        return name
    return _proper_case(name)


def _inverted(name: str) -> str:
    """ "Lilly (Eli)" -> "Eli Lilly": a list's sort order undone."""
    match = re.fullmatch(r"(.+?) \(([A-Z][a-z]+)\)", name)
    return f"{match.group(2)} {match.group(1)}" if match else name


def short_name(name: str) -> str:
    """The name without "The" and descriptors: "Alibaba Group Holding" -> "Alibaba"."""
    return _LEADING_THE.sub("", _DESCRIPTORS.sub("", name)).strip(" ,")


def is_generic(name: str) -> bool:
    return " " not in name and name.lower() in GENERIC_WORDS


def _proper_case(upper: str) -> str:
    words = upper.split(" ")
    out: list[str] = []
    for i, word in enumerate(words):
        if word == "COM" and out:  # "AMAZON COM" is how filings write "Amazon.com"
            out[-1] += ".com"
            continue
        out.append(_proper_word(word, first=i == 0))
    return " ".join(out)


def _proper_word(word: str, first: bool) -> str:
    bare = word.strip(",.()")
    if bare in ACRONYMS or _KEEPS_CASE.search(bare) or _NO_VOWEL.fullmatch(bare):
        return word  # "3M", "PG&E", or no vowel: an acronym such as CSX, NRG, PPG
    if bare in _PROPER_CASE:
        return word.replace(bare, _PROPER_CASE[bare])
    if not first and word.lower() in _SMALL_WORDS:
        return word.lower()
    return "-".join(_capitalise(part) for part in word.split("-"))


def _capitalise(part: str) -> str:
    lower = part.lower()
    if lower.startswith("mc") and len(lower) > 3:
        return "Mc" + lower[2:].capitalize()
    if lower.startswith("o'") and len(lower) > 2:
        return "O'" + lower[2:].capitalize()
    return lower[:1].upper() + lower[1:]
