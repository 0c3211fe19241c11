"""A POSTed body as the text of an XML document that expat will read, whatever WeChat's user typed.

WeChat's servers pass a resident's text through as it came, so a message signed by WeChat may hold
code points XML 1.0 forbids (control characters, U+FFFE/U+FFFF), raw or as character references, and
PostgreSQL refuses NUL in any text or JSON value. Such a message is still the resident's and gets an
answer: the body is decoded here (byte-order mark, else the declared encoding, else UTF-8; bytes that
do not decode become U+FFFD), its declaration dropped (the text is decoded now), C0 control characters
other than tab and line breaks removed, and the other forbidden code points (surrogates, U+FFFE,
U+FFFF) replaced by U+FFFD; inside CDATA sections a character reference is text and is left alone.
"""
from __future__ import annotations

import codecs
import re

REPLACEMENT = "\ufffd"
_BOMS = ((codecs.BOM_UTF32_LE, "utf-32-le"), (codecs.BOM_UTF32_BE, "utf-32-be"), (codecs.BOM_UTF8, "utf-8"),
         (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"))
_DECLARATION = re.compile(rb"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._:-]{1,40})["']""")
_TEXT_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")
_CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")
_NONCHARACTERS = re.compile("[\ud800-\udfff\ufffe\uffff]")
_CDATA = re.compile(r"(<!\[CDATA\[.*?\]\]>)", re.DOTALL)
_REFERENCE = re.compile(r"&#(x[0-9a-fA-F]+|[0-9]+);")


def decode_body(body: bytes) -> str:
    """The body's characters: by its byte-order mark, else its declared encoding, else UTF-8."""
    for bom, codec in _BOMS:
        if body.startswith(bom):
            return body[len(bom):].decode(codec, errors="replace")
    if body.startswith(b"<\x00"):
        return body.decode("utf-16-le", errors="replace")
    if body.startswith(b"\x00<"):
        return body.decode("utf-16-be", errors="replace")
    declared = _DECLARATION.match(body[:200])
    codec = "utf-8"
    if declared:
        try:
            codec = codecs.lookup(declared.group(1).decode("ascii")).name
        except LookupError:
            codec = "utf-8"  # an encoding Python does not know: read what is UTF-8 of it
    return body.decode(codec, errors="replace")


def _reference(match: re.Match) -> str:
    value = match.group(1)
    digits = (value[1:] if value[0] == "x" else value).lstrip("0") or "0"
    number = 0x110000 if len(digits) > 8 else int(digits, 16 if value[0] == "x" else 10)
    if number > 0x10FFFF or 0xD800 <= number <= 0xDFFF or number in (0xFFFE, 0xFFFF):
        return f"&#x{ord(REPLACEMENT):X};"
    if number < 0x20 and number not in (0x9, 0xA, 0xD):
        return ""
    return match.group(0)


def clean_text(text: str) -> str:
    """Only characters XML 1.0 (and PostgreSQL) accept."""
    return _NONCHARACTERS.sub(REPLACEMENT, _CONTROLS.sub("", text))


def readable_document(body: bytes | str) -> str:
    """The body as a document expat reads: decoded, without its declaration, forbidden characters gone."""
    text = decode_body(body) if isinstance(body, bytes) else body
    text = _TEXT_DECLARATION.sub("", clean_text(text), count=1)
    if "&#" not in text:
        return text
    parts = _CDATA.split(text)  # odd indexes are CDATA sections, where a reference is just text
    return "".join(part if index % 2 else _REFERENCE.sub(_reference, part) for index, part in enumerate(parts))
