"""Feed bytes in the charset they are really in, before feedparser reads them.

Without a detector feedparser falls back to windows-1252, so a Shift_JIS or KOI8-R feed
with no declared charset landed as mojibake. A declared charset (Content-Type or XML
declaration) that decodes the bytes is trusted; otherwise charset-normalizer (already a
dependency, via requests) guesses, and the document is handed on as UTF-8.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

import charset_normalizer

_BOMS = (codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE, codecs.BOM_UTF32_LE)
_XML_DECLARATION = re.compile(rb"^\s*<\?xml[^>]*?\?>")
_DECLARED = re.compile(rb"""encoding\s*=\s*["']([A-Za-z0-9._:\-]+)["']""")
_ENCODING_ATTRIBUTE = re.compile(r"""\s+encoding\s*=\s*["'][^"']*["']""")
_HTTP_CHARSET = re.compile(r"charset\s*=\s*[\"']?([A-Za-z0-9._:\-]+)", re.I)


@dataclass(frozen=True)
class Decoded:
    content: bytes  # what feedparser should read
    note: str | None = None  # for the source's message, when the bytes were re-decoded


def declared_charsets(content: bytes, content_type: str | None) -> tuple[str | None, str | None]:
    """(the Content-Type's charset, the XML declaration's encoding), each None if unnamed."""
    http = xml = None
    if content_type and (match := _HTTP_CHARSET.search(content_type)):
        http = match[1]
    if (declaration := _XML_DECLARATION.match(content)) and (
        match := _DECLARED.search(declaration[0])
    ):
        xml = match[1].decode("ascii")
    return http, xml


def decode_feed(content: bytes, content_type: str | None = None) -> Decoded:
    """The document as feedparser should see it, and a note when its charset was guessed."""
    if content.startswith(_BOMS):
        return Decoded(content)  # a byte order mark settles it; feedparser reads those
    http_declared, xml_declared = declared_charsets(content, content_type)
    declared = [name for name in (http_declared, xml_declared) if name]
    for name in declared or ["utf-8"]:
        text = _strict(content, name)
        if text is None:
            continue
        if _same(name, xml_declared) or (xml_declared is None and _same(name, "utf-8")):
            return Decoded(content)  # feedparser will read it as declared
        return Decoded(_as_utf8(text))  # only the HTTP header had it right
    best = charset_normalizer.from_bytes(content).best()
    said = ", ".join(dict.fromkeys(declared)) or "none"
    if best is None:
        return Decoded(
            _as_utf8(content.decode("utf-8", errors="replace")),
            f"charset unknown (declared: {said}); undecodable bytes shown as U+FFFD",
        )
    return Decoded(
        _as_utf8(str(best)), f"decoded as {label(best.encoding)} (detected; declared: {said})"
    )


def label(codec: str) -> str:
    """The name people know a codec by: cp1252 is windows-1252."""
    name = codecs.lookup(codec).name
    return f"windows-{name[2:]}" if re.fullmatch(r"cp125\d", name) else name


def _strict(content: bytes, name: str) -> str | None:
    try:
        return content.decode(name)
    except (LookupError, UnicodeDecodeError):
        return None


def _same(a: str | None, b: str | None) -> bool:
    if a is None or b is None:
        return False
    try:
        return codecs.lookup(a).name == codecs.lookup(b).name
    except LookupError:
        return False


def _as_utf8(text: str) -> bytes:
    # The declaration must stop naming the old charset, or feedparser decodes twice.
    text = text.lstrip("\ufeff")
    if text.lstrip().startswith("<?xml"):
        end = text.find("?>")
        text = _ENCODING_ATTRIBUTE.sub("", text[:end], count=1) + text[end:]
    return text.encode("utf-8")
