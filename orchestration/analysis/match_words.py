"""Word lists the company matcher consults: what is a ticker, a name, or neither.

Every list is lower-case except the upper-case ticker and acronym sets, which are compared
with upper-case tokens. The lists were written for this project from how financial news
is worded; they are deliberately short and curated rather than derived from a dictionary.
"""

from __future__ import annotations


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Tickers that are also English words or common abbreviations: in prose they are the word,
# so they count only in finance notation ($CAT, "NYSE: CAT") or context ("CAT shares").
COMMON_WORD_TICKERS = _words(
    """
    A ALL AIR AM AN ANY ARE AS AT BE BIG BIO BY CAN CASH CAT CAR CARS COST DAY DO DOG DOOR EAT
    EAR EVER EYE FAN FAST FIVE FLY FOR FOX FUN GO GOOD GOLD HAS HE HEAR HOME HOPE HOT HOUR ICE
    IF IN IS IT JOB JOBS KEY KIDS LAND LIFE LIVE LOAN LOVE LOW MAIN MAN MAX ME MINI MORE MOST
    NEW NEXT NICE NO NOW OF OIL OK ON ONE OR OUT OWN PAY PEAK PLAY PLUS POST PRO RACE REAL RELY
    RENT RIDE RUN SAFE SAVE SEE SELF SHIP SIX SKY SO SUN TEN TALK TECH TOP TRUE TWO UP US WELL
    WIN WORK YOU ZIP
    """
)

# Abbreviations the press writes in capitals that happen to be listed tickers somewhere
# (checked against the SEC's ticker file): only notation or "X shares" makes them tickers.
ACRONYMS = _words(
    """
    AI API AR ATM AUM B2B B2C BOE BOJ CAGR CD CDC CEO CFO CIO COO CPI CTO CY DC DOJ ECB EBIT
    EBITDA EPA EPS ESG ETF ETFS EU EV EVS FAA FBI FCC FDA FDIC FED FOMC FTC FX FY GAAP GDP GM
    GPU HR HQ ICU IMF IPO IPOS IR IRS IT LLC LNG LP M&A MBA NATO NFT NGO NHTSA NYC OEM OPEC
    PC PCE PE PMI PPI PR Q1 Q2 Q3 Q4 QE R&D RBA ROE ROI SEC SME SPAC SUV TV UAE UAW UK UN USA
    USD UN VC VP WHO WTO YOY YTD
    AGM AP ASX BTC CAC CIA CMS CPA CRM CSR DEFI DEI DNA ETH FCF GP HHS HKD IBEX INR IOT IQ LSE
    MD MLP NYT OS PHD PM RNA SF SGD SOL UI USB WTI XRP
    """
)

# Single-word names that are ordinary words, places or people as often as the company:
# they need a capital letter and evidence (a corporate suffix, finance context, or another
# unambiguous mention of the same company in the article).
AMBIGUOUS_NAMES = _words(
    """
    advance agree alliance allied american amber apollo arch atlas avid ball best block boston
    brunswick cabot capital carrier century charter citizens clear coherent
    community compass core corning crown delta discover dominion eagle edison energy
    enterprise equity evergy everest exact fidelity first fortune frontier gap general
    genesis global graham hess hershey home insight intuitive jacobs kellogg
    key liberty lincoln live lumen match mercury monster national nature nexus
    northern pacific patterson penn pioneer premier prime principal progressive
    public regal republic rocket royal science sealed select sky smart snap southern
    spirit square state sun target trade travelers trust union united unity universal
    valley vertex visa vital waters williams zoom
    """
)

# Exchanges, indexes, rating agencies and publishers that share a name with a listed
# company. They are the company only in company context ("Nasdaq Inc. reported",
# "Moody's shares", "(NASDAQ: NDAQ)"), never as a venue, a benchmark or a byline.
FALSE_FRIENDS = _words(
    """
    bloomberg benzinga cboe dow fitch ftse ice moody's morningstar msci nasdaq nyse reuters
    russell s&p spglobal stoxx zacks
    """
) | {"motley fool", "seeking alpha", "dow jones"}

# Phrases that are never a company although they start with a company's name: indexes,
# index funds by description, venues, rating divisions. The longest match wins, so these
# hide "Dow" in "Dow Jones Industrial Average" and "MSCI" in "iShares MSCI Japan".
NOT_COMPANY_PHRASES = frozenset(
    phrase.strip()
    for phrase in """
    dow jones|dow jones industrial average|dow jones industrials|dow industrials|dow futures
    dow component|dow components|dow transports|dow theory
    s&p 500|s&p 400|s&p 600|s&p 100|s&p midcap|s&p smallcap|s&p index|s&p futures
    s&p global ratings|s&p global market intelligence|s&p global mobility|s&p global pmi
    s&p ratings|s&p dow jones indices|s&p composite|s&p/tsx|s&p/asx 200
    nasdaq composite|nasdaq 100|nasdaq-100|nasdaq futures|nasdaq index|nasdaq stock market
    nasdaq exchange|nasdaq-listed|nasdaq listed|nasdaq global select market
    nasdaq global market|nasdaq capital market|nasdaq stockholm|nasdaq copenhagen
    nasdaq helsinki|nasdaq dubai|nasdaq.com
    nyse composite|nyse american|nyse arca|nyse-listed|nyse listed
    msci world|msci acwi|msci emerging markets|msci eafe|msci index|msci indexes
    msci indices|msci all country|msci europe|msci asia|msci china|msci japan|msci usa
    ishares msci|ishares|spdr|invesco qqq|vanguard s&p 500
    russell 1000|russell 2000|russell 3000|russell midcap|russell microcap|ftse russell
    ftse 100|ftse 250|ftse all-world|ftse mib|ftse index|ftse all-share
    stoxx 600|euro stoxx|euro stoxx 50|cboe volatility index|cboe vix
    moody's investors service|moody's ratings|moody's analytics chief economist
    fitch ratings|morningstar rating|morningstar analyst|zacks rank|zacks consensus
    zacks investment research|zacks equity research|motley fool|seeking alpha|benzinga pro
    thomson reuters foundation|reuters poll|reuters calculations|bloomberg intelligence
    bloomberg news|bloomberg terminal|bloomberg index|bloomberg consensus|bloomberg survey
    bloomberg billionaires index|bloomberg dollar spot index|bloomberg commodity index
    """.replace("\n", "|").split("|")
    if phrase.strip()
)

# Words after a name that make it a company: a corporate suffix.
CORPORATE_SUFFIXES = _words(
    """
    inc inc. incorporated corp corp. corporation co co. company companies plc ltd ltd. limited
    group holdings holding n.v nv s.a sa ag se llc lp l.p
    """
)

# Words right after a name or ticker that make it a listed company.
COMPANY_CONTEXT_AFTER = _words(
    """
    shares share stock stocks shareholders stockholders ceo cfo chief executive
    reported reports posted beat beats missed misses topped announced unveiled agreed
    acquired acquires bought sold said says forecast forecasts expects raised lowered cut
    cuts reaffirmed issued priced launched filed sued hired named plans
    earnings revenue revenues sales profit quarterly results guidance dividend buyback
    rose fell gained jumped climbed rallied surged soared slipped dropped declined tumbled
    plunged slumped sank advanced
    """
)

# Stricter for false friends: what an index, venue or byline never does ("Reuters said",
# "the Nasdaq rose" are not the company).
FALSE_FRIEND_CONTEXT_AFTER = _words(
    """
    shares stock stocks shareholders stockholders ceo cfo earnings revenue revenues profit
    quarterly results guidance dividend buyback
    """
)

# "shares of X", "stake in X": finance context before a ticker or name.
CONTEXT_BEFORE = (
    ("shares", "of"),
    ("stock", "of"),
    ("stake", "in"),
    ("position", "in"),
)

# The last word of an exchange in "NYSE: X", "NYSE American: X", "(OTC: NSRGY)".
EXCHANGE_WORDS = _words(
    """
    nyse nasdaq amex american arca otc otcqx otcqb otcmkts markets mkt cboe bats tsx tsxv lse
    exchange gs gm cm ng
    """
)

# Reuters instrument code suffixes of US venues: AAPL.O and IBM.N are the US tickers.
US_RIC_SUFFIXES = frozenset({"O", "OQ", "N", "K", "A", "P", "Z", "PK"})
# Foreign venue suffixes: VOD.L or SAP.DE name the home listing, which we report as the
# company's US listing (an ADR under the same code) when there is one.
FOREIGN_RIC_SUFFIXES = _words(
    """
    L DE F PA AS BR MI MC LS SW ST CO HE OL VI T HK SS SZ KS KQ TW AX NZ TO V SA MX SI BO NS
    JK BK IS TA JO
    """
)

# "formerly", "previously known as": a former ticker or name is trusted after it.
FORMERLY = frozenset({"formerly", "previously", "once", "ex", "née", "nee"})

# Never a company's one-word name, whatever the universe's name variants say: months, days,
# numbers, sectors, assets and everyday words that small companies use as names ("Post",
# "Quantum", "Strategy" as a whole name still counts: "Post Holdings").
NOT_A_ONE_WORD_NAME = _words(
    """
    jan feb mar apr may jun jul aug sep sept oct nov dec monday tuesday wednesday thursday
    friday saturday sunday billion million trillion ten news city coffee cool crypto emerging
    employers esg founder guess here highway hub joint lithium nice outdoor paid pattern
    perfect pool popular post pros quantum root sea seek senior slam sound speed star stem
    team tiny track ultimate unit weed bullish bearish aware bill gates on morgan energy
    utilities financials technology materials industrials healthcare consumer markets stocks
    bonds gold silver copper oil bitcoin dollar euro retail banks insurance
    """
)
