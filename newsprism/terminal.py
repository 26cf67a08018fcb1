"""Terminal safety: untrusted text (titles, quotes, names, file paths) made printable before it is shown.

Article data comes from hostile sources. Printed raw, an ESC or OSC sequence recolours the terminal, retitles
the window or hides text; a newline or carriage return forges extra log lines; a bidi override reorders what
the reader sees; a lone surrogate makes the encoder raise. Rich also parses ``[...]`` as markup in plain
strings, so "[sic]" would vanish and "[/b]" would raise. ``printable`` escapes the dangerous characters
visibly (``\\x1b``, ``\\n``, ``\\u202e``), and ``safe_text`` wraps the result in a ``rich.text.Text``, which
Rich never parses for markup or emoji codes.
"""

from __future__ import annotations

import logging
import re
from types import TracebackType

from rich.text import Text

__all__ = ["EscapingFormatter", "printable", "safe_text"]

# C0 controls, DEL and C1 controls (category Cc); line and paragraph separators (Zl, Zp), which some tools
# treat as line breaks; bidi embeddings, overrides, isolates and marks, which reorder the displayed text
# ("Trojan Source"); lone surrogates (Cs), which cannot be encoded for output. Joiners, soft hyphens and
# other format characters are legitimate in text and stay.
_UNSAFE = re.compile(
    "[\x00-\x1f\x7f-\x9f\u2028\u2029\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff]"
)
_UNSAFE_KEEP_NEWLINE = re.compile(
    "[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff]"
)
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
_ExcInfo = tuple[type[BaseException], BaseException, TracebackType | None] | tuple[None, None, None]


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    named = _NAMED.get(char)
    if named is not None:
        return named
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(value: object, *, multiline: bool = False) -> str:
    """``value`` as a string safe to print: unsafe characters shown as escapes, everything else unchanged.

    One line by default (newlines become ``\\n``): table cells, log lines and messages. ``multiline=True``
    keeps ``\\n`` for blocks of text that are meant to span lines. ``None`` is the empty string.
    """
    if value is None:
        return ""
    text = value if isinstance(value, str) else str(value)
    pattern = _UNSAFE_KEEP_NEWLINE if multiline else _UNSAFE
    if pattern.search(text) is None:  # the common case: no copy
        return text
    return pattern.sub(_escape, text)


def safe_text(value: object, style: str = "", *, multiline: bool = False) -> Text:
    """``printable(value)`` as a Rich ``Text`` (for table cells, titles and messages): never markup-parsed."""
    return Text(printable(value, multiline=multiline), style=style)


class EscapingFormatter(logging.Formatter):
    """Each log record on one line with its data escaped, whatever the sources and reasons contain.

    The whole formatted message is escaped, not only its arguments, so a message built with an f-string
    elsewhere is just as safe. Tracebacks keep their line breaks; their other control characters are escaped too.
    """

    def format(self, record: logging.LogRecord) -> str:
        # A copy: other handlers (pytest's caplog, a file handler) must still see the original record.
        safe = logging.makeLogRecord(record.__dict__)
        safe.msg, safe.args = printable(record.getMessage()), None
        return super().format(safe)

    def formatException(self, ei: _ExcInfo) -> str:
        return printable(super().formatException(ei), multiline=True)

    def formatStack(self, stack_info: str) -> str:
        return printable(super().formatStack(stack_info), multiline=True)
