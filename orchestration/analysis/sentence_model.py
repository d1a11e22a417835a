"""A small learned sentence-level sentiment model that runs on numpy alone.

Multinomial logistic regression over two feature blocks of one cleaned sentence:

- sparse: word unigrams and bigrams, words that follow a negator in a negated form
  ("not_profit"), and the hand-written lexicon's hits as polarity tags with their neighbouring
  words ("shares LEX+", "LEX- after"); binary, idf-weighted, L2-normalised per sentence;
- dense: five features from the lexicon (orchestration.analysis.lexicon): positive and
  negative phrase/word hit mass with negation, intensifiers and hedging applied exactly as in
  offline.sentence_score, so text far from the training data still gets the lexicon's view;
  and three from the results-language reader (orchestration.analysis.results_language):
  the positive and negative mass of its metric-direction, figure and event hits, read from
  the raw sentence (figures and all) before preprocessing.

Vocabulary, idf weights and coefficients live in data/sentence_model.npz, written by
scripts/train_sentence_model.py, which imports ``preprocess`` and ``Featurizer`` from here so
training and inference compute the same features. The vocabulary is stored as strings (no
hashing), so every coefficient can be read back by name (``top_features``).
"""

from __future__ import annotations

import html
import io
import json
import math
import re
from collections.abc import Sequence
from functools import lru_cache
from importlib import resources
from itertools import pairwise, repeat
from pathlib import Path

import numpy as np

from orchestration.analysis import lexicon, results_language
from orchestration.analysis.text import tokens

CLASSES: tuple[str, str, str] = ("negative", "neutral", "positive")
WEIGHTS_FILE = "sentence_model.npz"
FORMAT_VERSION = 2

# --- preprocessing --------------------------------------------------------------------------
# Everything that is a property of how a tweet was posted rather than of what it says goes:
# links, handles, cashtags, trailing hashtag blocks, "Read more:" style call-to-action tails,
# wire-service prefixes. Numbers become placeholders, keeping only the sign of a % move.

# preprocess is on the hot path (the batch API cleans tens of thousands of sentences a
# second), so each pattern only runs when a cheap substring test says it could match.
_URL = re.compile(r"(?:https?://|www\.)\S*|\b[\w.-]+\.(?:com|co|ly|io)/\S*", re.IGNORECASE)
# "via @x", "by @x", "(via @x)", then any remaining handle.
_HANDLE = re.compile(r"\(?\b(?:via|by|h/t|cc) \.?@\w+\)?|\.?@\w+", re.IGNORECASE)
# $AAPL, $BRK.B; not dollar amounts ($1.5 billion).
_CASHTAG = re.compile(r"\$[A-Za-z][A-Za-z0-9]{0,6}(?:\.[A-Za-z]{1,2})?\b")
# Exchange-qualified or bare upper-case tickers in brackets: (NYSE:MLI), (COP), (TSX: X).
_BRACKET_TICKER = re.compile(
    r"\((?:(?:NYSE|NASDAQ|Nasdaq|NYSEARCA|NYSEAMERICAN|AMEX|OTC|OTCMKTS|TSXV?|TSE|LSE|LON|ASX"
    r"|HKG|ETR|EPA) ?: ?)?[A-Z][A-Z0-9.\-]{0,6}\)"
)
# Words that end a text and are only a hashtag or punctuation ("#economy #Stock…", "…").
_TAG_JUNK = ".…|:-–—"
# Call-to-action tails and wire/aggregator furniture, matched on the lower-cased text:
# "Read more:", "Get more info on Seeking Alpha:", "RPT-", "UPDATE 2-", "-- 4th Update",
# "--Data Talk", "- Slideshow", "- Seeking Alpha" at the end.
_CALL_TO_ACTION = re.compile(
    r"\b(?:read more(?: and (?:sign up for|get) updates?)?|keep reading|continue reading"
    r"|get more (?:info|updates)(?: on seeking alpha| here)?|subscribe to seeking alpha for more"
    r"|follow this and any other stock on seeking alpha|more here|learn more|tune in|watch live"
    r"|live now|full story|click here)\b[:!.…]*"
)
_CALL_TO_ACTION_HINTS = ("read", "more", "follow", "tune", "live", "story", "click")
_WIRE_PREFIX = re.compile(
    r"(?:rpt|update(?: ?\d+)?|brief|exclusive|corrected|refile|highlight|video|watch) ?[-:]"
)
_WIRE_DASH = re.compile(
    r"--? ?(?:\d+(?:st|nd|rd|th) )?update\b|--? ?data talk\b|- ?slideshow\b|-\d-"
    r"|- (?:seeking alpha|yahoo finance|reuters|bloomberg|marketwatch|cnbc)$"
)
# A signed or unsigned percentage; the sign (when it is not part of a word) is kept.
_PERCENT = re.compile(r"(?:(?<![\w.])([+\-−–]) ?)?\d+(?:[.,]\d+)* ?%")
# Numbers, with a scale suffix if any ("10m", "2.5bn"); not digits inside words ("q4", "5g").
_NUMBER = re.compile(r"(?<![a-z0-9])\d+(?:[.,:/]\d+)*(?:k|m|b|bn|mn|mln|bln)?(?![a-z0-9])")

# Placeholder words. They contain only [a-z], so the shared tokeniser keeps them whole.
PCT_UP = "pctup"
PCT_DOWN = "pctdown"
PCT = "pctval"
NUM = "numval"


def _percent(match: re.Match[str]) -> str:
    sign = match.group(1)
    word = PCT if sign is None else PCT_UP if sign == "+" else PCT_DOWN
    return f" {word} "


def preprocess(text: str) -> str:
    """Clean one text the same way for training and inference; returns lower-case text.

    Drops links, @handles, cashtags and bracketed tickers, a closing run of hashtags,
    "Read more" style tails and wire furniture; keeps the words of inline hashtags; replaces
    percentages with pctup / pctdown / pctval (by sign) and other numbers with numval.
    """
    if "&" in text:
        text = html.unescape(text)
    if not text.isascii():
        text = (
            text.replace("\u2019", "'")
            .replace("\u2018", "'")
            .replace("\u201c", '"')
            .replace("\u201d", '"')
        )
    if "/" in text or "www." in text:
        text = _URL.sub(" ", text)
    if "@" in text:
        text = _HANDLE.sub(" ", text)
    if "$" in text:
        text = _CASHTAG.sub(" ", text)
    if "(" in text:
        text = _BRACKET_TICKER.sub(" ", text)
    words = text.lower().split()
    while words and (words[-1][0] == "#" or not words[-1].strip(_TAG_JUNK)):
        words.pop()
    text = " ".join(words)
    if "#" in text:
        text = text.replace("#", "")
    if any(hint in text for hint in _CALL_TO_ACTION_HINTS):
        text = _CALL_TO_ACTION.sub(" ", text)
    if _WIRE_PREFIX.match(text):
        text = _WIRE_PREFIX.sub(" ", text, count=1)
    if "-" in text:
        text = _WIRE_DASH.sub(" ", text)
    if "%" in text:
        text = _PERCENT.sub(_percent, text)
    text = _NUMBER.sub(f" {NUM} ", text)
    return " ".join(text.split())


# --- lexicon features -----------------------------------------------------------------------

_NEGATION_WINDOW = 3
_UNCERTAIN_DAMPING = 0.6
# Phrases indexed by their first word, longest first, so matching is one dict look-up per
# token in the common case.
_PHRASES_BY_FIRST: dict[str, list[tuple[tuple[str, ...], float]]] = {}
# Signed word values, positive list first (as offline._hit_at looks them up).
_WORD_VALUE: dict[str, float] = {w: -v for w, v in lexicon.NEGATIVE.items()}
_WORD_VALUE.update(lexicon.POSITIVE)
_NEGATORS = lexicon.NEGATORS
_INTENSIFIERS = lexicon.INTENSIFIERS
_UNCERTAINTY = lexicon.UNCERTAINTY
for _phrase, _value in lexicon.PHRASES.items():
    _words = tuple(_phrase.split())
    _PHRASES_BY_FIRST.setdefault(_words[0], []).append((_words, _value))
for _options in _PHRASES_BY_FIRST.values():
    _options.sort(key=lambda item: -len(item[0]))
# Tokens where a phrase or a word hit can start.
_LEXICON_STARTS = frozenset(_PHRASES_BY_FIRST) | frozenset(_WORD_VALUE)

LEXICON_FEATURES = (
    "lex_pos",  # positive mass after negation/intensifiers, log-scaled
    "lex_neg",  # negative mass, log-scaled
    "lex_net",  # tanh of the signed total (offline.sentence_score up to hedging)
    "lex_negated",  # any hit flipped by a negator
    "lex_hedged",  # an uncertainty word is present
)


def lexicon_scan(toks: Sequence[str]) -> tuple[list[float], list[str]]:
    """One pass of the lexicon over a token list, mirroring offline.sentence_score.

    Returns the dense LEXICON_FEATURES and the token sequence with every phrase or word hit
    replaced by a polarity tag: "LEX+" / "LEX-", or "LEXN+" / "LEXN-" when a negator
    precedes it (the tag keeps the lexicon's own direction; the "N" says it was negated).
    Tags are upper case, so they never collide with the lower-case tokens.
    """
    hedged = not _UNCERTAINTY.isdisjoint(toks)
    # Only positions where a phrase or a word of the lexicon could start need a look.
    starts = [i for i, tok in enumerate(toks) if tok in _LEXICON_STARTS]
    if not starts:
        return [0.0, 0.0, 0.0, 0.0, 1.0 if hedged else 0.0], list(toks)
    pos = neg = 0.0
    negated = False
    tagged: list[str] = []
    n = len(toks)
    done = 0  # toks[:done] are consumed (emitted or covered by a phrase)
    for i in starts:
        if i < done:
            continue  # inside a phrase matched earlier
        tok = toks[i]
        value = 0.0
        width = 0
        for words, phrase_value in _PHRASES_BY_FIRST.get(tok, ()):
            k = len(words)
            if 1 < k <= n - i and tuple(toks[i : i + k]) == words:
                # A phrase can be listed with weight 0 to neutralise its words ("up to").
                value, width = phrase_value, k
                break
        if not width:
            value = _WORD_VALUE.get(tok, 0.0)
            if not value:
                continue
            width = 1
        tagged.extend(toks[done:i])
        done = i + width
        if not value:
            tagged.append("_".join(toks[i:done]))
            continue
        sign = "+" if value > 0 else "-"
        if i > 0 and toks[i - 1] in _INTENSIFIERS:
            value *= _INTENSIFIERS[toks[i - 1]]
        if not _NEGATORS.isdisjoint(toks[max(0, i - _NEGATION_WINDOW) : i]):
            value = -0.75 * value
            negated = True
            tagged.append("LEXN" + sign)
        else:
            tagged.append("LEX" + sign)
        if value > 0:
            pos += value
        else:
            neg -= value
    tagged.extend(toks[done:])
    damp = _UNCERTAIN_DAMPING if hedged else 1.0
    dense = [
        math.log1p(pos * damp),
        math.log1p(neg * damp),
        math.tanh((pos - neg) * damp),
        1.0 if negated else 0.0,
        1.0 if hedged else 0.0,
    ]
    return dense, tagged


def lexicon_features(toks: Sequence[str]) -> list[float]:
    return lexicon_scan(toks)[0]


RESULTS_FEATURES = (
    "res_pos",  # positive mass of the results-language hits, log-scaled
    "res_neg",  # negative mass, log-scaled
    "res_net",  # tanh of their signed sum (results_language.score)
)
DENSE_FEATURES = LEXICON_FEATURES + RESULTS_FEATURES


def results_features(hits: Sequence[results_language.Hit]) -> list[float]:
    """The RESULTS_FEATURES of one sentence's results-language hits."""
    if not hits:
        return [0.0, 0.0, 0.0]
    pos = sum(h.contribution for h in hits if h.contribution > 0)
    neg = -sum(h.contribution for h in hits if h.contribution < 0)
    return [math.log1p(pos), math.log1p(neg), math.tanh(pos - neg)]


# --- sparse features ------------------------------------------------------------------------


class Featurizer:
    """Cleaned text -> (sparse feature names, dense lexicon and results features)."""

    def __init__(self, negation_marks: bool = True, lexicon_context: bool = True) -> None:
        self.negation_marks = negation_marks
        self.lexicon_context = lexicon_context

    def config(self) -> dict:
        return {"negation_marks": self.negation_marks, "lexicon_context": self.lexicon_context}

    @classmethod
    def from_config(cls, config: dict) -> Featurizer:
        return cls(
            negation_marks=bool(config["negation_marks"]),
            lexicon_context=bool(config["lexicon_context"]),
        )

    def sparse(self, toks: Sequence[str], tagged: Sequence[str]) -> list[str]:
        """Sparse feature names (a sentence's set of them; repeats carry no extra weight).

        Word unigrams and bigrams; words that follow a negator, marked ("not_profit"); and
        the lexicon's polarity tags with their neighbouring words ("shares LEX+", "LEX-
        after"), so what the lexicon knows about a word carries over to the contexts the
        training data saw for other words of the same polarity.
        """
        feats = list(toks)
        feats += [a + " " + b for a, b in pairwise(toks)]
        if self.negation_marks and not _NEGATORS.isdisjoint(toks):
            last_negator = -100
            for i, tok in enumerate(toks):
                if tok in _NEGATORS:
                    last_negator = i
                elif i - last_negator <= _NEGATION_WINDOW:
                    feats.append("not_" + tok)
        if self.lexicon_context:
            last = len(tagged) - 1
            for i, tag in enumerate(tagged):
                if tag[0] == "L":  # tokens are lower case, so only tags start with "L"
                    feats.append(tag)
                    if i > 0:
                        feats.append(tagged[i - 1] + " " + tag)
                    if i < last:
                        feats.append(tag + " " + tagged[i + 1])
        return feats

    def analyse(self, text: str) -> tuple[set[str], list[float]]:
        """Raw text in: the set of sparse feature names and the DENSE_FEATURES."""
        toks = tokens(preprocess(text))
        dense, tagged = lexicon_scan(toks)
        dense = dense + results_features(results_language.explain(text))
        return set(self.sparse(toks, tagged)), dense


# --- the model ------------------------------------------------------------------------------


class SentenceModel:
    """Numpy-only inference for the shipped sentence sentiment model.

    logits = intercept + coef_sparse . (binary tf * idf, L2-normalised) + coef_dense . (lex_weight
    * DENSE_FEATURES); probabilities are the softmax of the logits.
    """

    classes = CLASSES

    def __init__(
        self,
        featurizer: Featurizer,
        vocab: Sequence[str],
        idf: np.ndarray,
        coef: np.ndarray,
        intercept: np.ndarray,
        lex_weight: float,
        meta: dict | None = None,
    ) -> None:
        self.featurizer = featurizer
        self.vocab = list(vocab)
        self._index = {f: i for i, f in enumerate(self.vocab)}
        self.idf = np.asarray(idf, dtype=np.float64)
        self.coef = np.asarray(coef, dtype=np.float64)  # (n_sparse + n_dense, 3)
        self.intercept = np.asarray(intercept, dtype=np.float64)  # (3,)
        self.lex_weight = float(lex_weight)
        self.meta = meta or {}
        n = len(self.vocab)
        if self.coef.shape != (n + len(DENSE_FEATURES), len(CLASSES)) or self.idf.shape != (n,):
            raise ValueError("sentence model weights do not match this feature set")
        # Strength of results-language reading that overrides the model (see
        # results_language.decide); chosen by cross-validation at training time.
        self.rule_threshold: float | None = self.meta.get("rule_threshold")
        self._sparse_coef = self.coef[:n]
        self._lex_coef = self.coef[n:]

    # -- persistence --
    def save(self, path: str | Path) -> None:
        meta = dict(self.meta)
        meta.update(
            format_version=FORMAT_VERSION,
            classes=list(CLASSES),
            featurizer=self.featurizer.config(),
            lex_weight=self.lex_weight,
            dense_features=list(DENSE_FEATURES),
        )
        buffer = io.BytesIO()
        np.savez_compressed(
            buffer,
            vocab=np.array("\n".join(self.vocab)),
            idf=self.idf.astype(np.float32),
            coef=self.coef.astype(np.float32),
            intercept=self.intercept.astype(np.float32),
            meta=np.array(json.dumps(meta, sort_keys=True)),
        )
        Path(path).write_bytes(buffer.getvalue())

    @classmethod
    def load(cls, path: str | Path | None = None) -> SentenceModel:
        """Load weights from ``path``, or the ones packaged with orchestration.analysis."""
        if path is None:
            resource = resources.files("orchestration.analysis").joinpath("data", WEIGHTS_FILE)
            blob = resource.read_bytes()
        else:
            blob = Path(path).read_bytes()
        with np.load(io.BytesIO(blob), allow_pickle=False) as data:
            meta = json.loads(str(data["meta"]))
            if meta.get("format_version") != FORMAT_VERSION:
                raise ValueError(f"unsupported sentence model format: {meta.get('format_version')}")
            if tuple(meta["classes"]) != CLASSES:
                raise ValueError("unexpected class order in sentence model weights")
            if tuple(meta["dense_features"]) != DENSE_FEATURES:
                raise ValueError("sentence model was trained with other dense features")
            return cls(
                featurizer=Featurizer.from_config(meta["featurizer"]),
                vocab=str(data["vocab"]).split("\n"),
                idf=data["idf"],
                coef=data["coef"],
                intercept=data["intercept"],
                lex_weight=meta["lex_weight"],
                meta=meta,
            )

    # -- inference --
    def decision_function(
        self,
        texts: Sequence[str],
        results: Sequence[Sequence[results_language.Hit]] | None = None,
    ) -> np.ndarray:
        """Logits, shape (n, 3). The whole batch is gathered into flat index arrays first,
        so numpy does the arithmetic in a handful of vectorised calls.

        ``results`` are the texts' results_language.explain hits when the caller already
        has them (the offline analyzer reuses them); otherwise they are read here.
        """
        if results is None:
            results = [results_language.explain(text) for text in texts]
        get = self._index.get
        sparse = self.featurizer.sparse
        rows: list[int] = []
        cols: list[int] = []
        lex: list[list[float]] = []
        for r, text in enumerate(texts):
            toks = tokens(preprocess(text))
            dense, tagged = lexicon_scan(toks)
            hits = set(map(get, sparse(toks, tagged), repeat(-1)))
            hits.discard(-1)
            cols.extend(hits)
            rows.extend(repeat(r, len(hits)))
            lex.append(dense + results_features(results[r]))
        n = len(lex)
        logits = np.tile(self.intercept, (n, 1))
        if n == 0:
            return logits
        row_arr = np.asarray(rows, dtype=np.intp)
        col_arr = np.asarray(cols, dtype=np.intp)
        if len(col_arr):
            vals = self.idf[col_arr]
            sq = np.bincount(row_arr, weights=vals * vals, minlength=n)
            inv_norm = 1.0 / np.sqrt(np.where(sq > 0, sq, 1.0))
            contrib = self._sparse_coef[col_arr] * vals[:, None]
            for k in range(len(CLASSES)):
                logits[:, k] += np.bincount(row_arr, weights=contrib[:, k], minlength=n) * inv_norm
        logits += (self.lex_weight * np.asarray(lex, dtype=np.float64)) @ self._lex_coef
        return logits

    def predict_proba(
        self,
        texts: Sequence[str],
        results: Sequence[Sequence[results_language.Hit]] | None = None,
    ) -> np.ndarray:
        """Class probabilities, shape (n, 3), columns in CLASSES order."""
        logits = self.decision_function(texts, results)
        logits -= logits.max(axis=1, keepdims=True)
        np.exp(logits, out=logits)
        logits /= logits.sum(axis=1, keepdims=True)
        return logits

    def scores(self, texts: Sequence[str]) -> np.ndarray:
        """p(positive) - p(negative), in [-1, 1]."""
        proba = self.predict_proba(texts)
        return np.clip(proba[:, 2] - proba[:, 0], -1.0, 1.0)

    def labels(self, texts: Sequence[str]) -> list[str]:
        return [CLASSES[i] for i in self.predict_proba(texts).argmax(axis=1)]

    def top_features(self, k: int = 20) -> dict[str, list[tuple[str, float]]]:
        """Per class, the k features that pull hardest towards it.

        The weight is the coefficient minus its mean over the three classes (the pull
        relative to the other two), per unit of the feature's model input: sparse features
        enter as idf-weighted, L2-normalised indicators (typically 0.1-0.4 in a headline),
        dense features as lex_weight times their value. Word weights are fitted jointly
        with the lexicon features, so a polar word the lexicon already scores may show a
        correcting weight of its own.
        """
        names = list(self.vocab) + list(DENSE_FEATURES)
        weighted = self.coef.copy()
        weighted[len(self.vocab) :] *= self.lex_weight
        relative = weighted - weighted.mean(axis=1, keepdims=True)
        out: dict[str, list[tuple[str, float]]] = {}
        for j, label in enumerate(CLASSES):
            order = np.argsort(-relative[:, j], kind="stable")[:k]
            out[label] = [(names[i], round(float(relative[i, j]), 4)) for i in order]
        return out


@lru_cache(maxsize=1)
def default_model() -> SentenceModel:
    """The packaged model, loaded once per process."""
    return SentenceModel.load()
