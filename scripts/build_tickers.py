"""Build orchestration/analysis/data/tickers.csv from a public S&P 500 constituents list.

Source: the "datasets/s-and-p-500-companies" data package (constituents.csv), licence
ODC-PDDL (public domain). A copy lives in ../shared/reference/ for developers; run:

    python scripts/build_tickers.py ../shared/reference/sp500_constituents.csv

Name variants are what the matcher looks for in text: the full security name, the name
without corporate suffixes, and a few hand-written aliases for names the press really uses.
"""

from __future__ import annotations

import csv
import re
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "orchestration" / "analysis" / "data" / "tickers.csv"

_SUFFIX = re.compile(
    r"(,?\s+(Inc\.?|Incorporated|Corp\.?|Corporation|Co\.?|Company|Companies|plc|PLC|Ltd\.?|"
    r"Limited|N\.V\.|S\.A\.|AG|SE|Holdings?|Group|Trust|& Co\.?))+$"
)
_CLASS = re.compile(r"\s*\((Class [A-Z]|Series [A-Z]|The)\)$")
_LEADING_THE = re.compile(r"^The\s+")

# Single words that are ordinary English (or other companies' words) far more often than
# they are this company; matching them alone would invent mentions.
AMBIGUOUS = {
    "American",
    "General",
    "United",
    "Southern",
    "Public",
    "Progressive",
    "Target",
    "Block",
    "Ball",
    "Match",
    "Fox",
    "News",
    "Universal",
    "Global",
    "First",
    "International",
    "Federal",
    "National",
    "Digital",
    "Equity",
    "Realty",
    "Energy",
    "Health",
    "Booking",
    "Domino's",
    "Principal",
    "Regions",
    "Citizens",
    "State",
    "Camden",
    "Essex",
    "Linde",
    "Loews",
    "Masco",
    "Amcor",
    "Leidos",
    "Entergy",
    "Insulet",
    "Waters",
    "Corning",
    "Mosaic",
    "Nucor",
    "Allegion",
    "Carrier",
    "Hologic",
    "Xylem",
    "Steris",
    "Ross",
    "Paychex",
    "Pool",
    "Snap-on",
    "Textron",
    "Teradyne",
    "Jabil",
    "Garmin",
    "Church",
    "Dover",
    "Eaton",
    "Howmet",
    "Huntington",
    "Kellanova",
}

# Names the financial press uses that the constituents list does not spell out.
ALIASES: dict[str, list[str]] = {
    "GOOGL": ["Google", "Alphabet"],
    "META": ["Meta", "Facebook"],
    "JPM": ["JPMorgan", "J.P. Morgan", "JP Morgan"],
    "XOM": ["Exxon Mobil", "Exxon"],
    "DIS": ["Disney"],
    "NVDA": ["Nvidia", "NVIDIA"],
    "BRK.B": ["Berkshire Hathaway", "Berkshire"],
    "GS": ["Goldman Sachs", "Goldman"],
    "MS": ["Morgan Stanley"],
    "BAC": ["Bank of America", "BofA"],
    "WFC": ["Wells Fargo"],
    "C": ["Citigroup", "Citi"],
    "KO": ["Coca-Cola", "Coke"],
    "PG": ["Procter & Gamble", "P&G"],
    "JNJ": ["Johnson & Johnson", "J&J"],
    "HD": ["Home Depot"],
    "WMT": ["Walmart", "Wal-Mart"],
    "AMZN": ["Amazon", "AWS"],
    "MSFT": ["Microsoft"],
    "AAPL": ["Apple"],
    "TSLA": ["Tesla"],
    "BA": ["Boeing"],
    "INTC": ["Intel"],
    "AMD": ["AMD", "Advanced Micro Devices"],
    "IBM": ["IBM"],
    "CVX": ["Chevron"],
    "PFE": ["Pfizer"],
    "NFLX": ["Netflix"],
    "UNH": ["UnitedHealth"],
    "TGT": ["Target Corp"],
    "GM": ["GM", "General Motors"],
    "GE": ["GE Aerospace"],
    "F": ["Ford", "Ford Motor"],
    "T": ["AT&T"],
    "VZ": ["Verizon"],
    "LLY": ["Eli Lilly", "Lilly"],
    "MRK": ["Merck"],
    "V": ["Visa"],
    "MA": ["Mastercard"],
    "CRM": ["Salesforce"],
    "ORCL": ["Oracle"],
    "AVGO": ["Broadcom"],
    "QCOM": ["Qualcomm"],
    "COST": ["Costco"],
    "SBUX": ["Starbucks"],
    "MCD": ["McDonald's"],
    "NKE": ["Nike"],
    "UBER": ["Uber"],
    "PYPL": ["PayPal"],
    "CAT": ["Caterpillar"],
    "DE": ["John Deere", "Deere"],
    "LMT": ["Lockheed Martin", "Lockheed"],
    "RTX": ["Raytheon", "RTX"],
    "UPS": ["UPS"],
    "FDX": ["FedEx"],
    "DAL": ["Delta Air Lines", "Delta"],
    "UAL": ["United Airlines"],
    "AAL": ["American Airlines"],
}


def name_variants(symbol: str, security: str) -> list[str]:
    """The strings that, found in text, mean this company."""
    full = _CLASS.sub("", security).strip()
    variants = [full]
    short = _LEADING_THE.sub("", _SUFFIX.sub("", full)).strip(" ,")
    if short and short != full and short not in AMBIGUOUS:
        variants.append(short)
    variants.extend(ALIASES.get(symbol, []))
    seen: set[str] = set()
    return [v for v in variants if not (v in seen or seen.add(v))]


def build(source: Path) -> list[dict[str, str]]:
    rows = list(csv.DictReader(source.open(encoding="utf-8")))
    claimed: set[str] = set()
    out = []
    for row in rows:
        symbol = row["Symbol"].strip()
        variants = name_variants(symbol, row["Security"].strip())
        # Share classes (GOOGL/GOOG, FOXA/FOX, NWSA/NWS) share names: the first listed keeps them.
        variants = [v for v in variants if v not in claimed]
        claimed.update(variants)
        out.append(
            {
                "symbol": symbol,
                "name": row["Security"].strip(),
                "sector": row["GICS Sector"].strip(),
                "industry": row["GICS Sub-Industry"].strip(),
                "cik": row["CIK"].strip(),
                "name_variants": "|".join(variants),
            }
        )
    return sorted(out, key=lambda r: r["symbol"])


def main() -> None:
    source = Path(
        sys.argv[1] if len(sys.argv) > 1 else "../shared/reference/sp500_constituents.csv"
    )
    rows = build(source)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    with OUT.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    print(f"wrote {len(rows)} tickers to {OUT}")


if __name__ == "__main__":
    main()
