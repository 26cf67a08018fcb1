"""HTML pages: trafilatura finds the main content and metadata; newsprism's cleaner runs on its output."""

from __future__ import annotations

import logging
import re
import string
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from newsprism.ingest.common import (
    IngestError,
    clean_meta,
    decode,
    read_bytes,
    sanitize_html,
    sha1,
    sidecar_metadata,
)
from newsprism.model import RawDocument, sanitize_body

if TYPE_CHECKING:
    from trafilatura.settings import Document  # trafilatura itself is imported when first used

logging.getLogger("trafilatura").setLevel(logging.CRITICAL)
logging.getLogger("htmldate").setLevel(logging.CRITICAL)

# Limits on what one page may ask of the parser. Real news pages stay far below them (923 pages of the
# trafilatura benchmark: at most 10,106 elements, 10,154 attributes, 38 attributes on one element).
MAX_ATTRS_PER_ELEMENT = 256  # more are dropped: libxml2 checks each against all earlier ones (quadratic)
MAX_TOTAL_ATTRS = 200_000
MAX_ELEMENTS = 25_000  # trafilatura spends ~0.15 ms of CPU per element: ~4 s at the limit
# Above this much markup, htmldate's regex search of the whole page for dates (~0.6 s per MB) is skipped; the
# date still comes from the page's metadata and markup.
LARGE_PAGE_CHARS = 1_000_000
# Text outside scripts and styles: spaCy's own limit, and trafilatura's text filters cost ~1 µs a character.
MAX_TEXT_CHARS = 2_000_000

# --- A linear pre-scan of the markup, following the HTML5 tokenizer (which libxml2 2.14 implements), so that
# an element with thousands of attributes is refused before libxml2 spends quadratic time on it.
_SEP = r"[\t\n\f\r /]"
_ATTR = (
    r"(?>[^\t\n\f\r />][^\t\n\f\r />=]*+"  # name: '=' may start one; quotes and '<' belong to it
    r"(?>[\t\n\f\r ]*+=[\t\n\f\r ]*+(?>\"[^\"]*+\"|'[^']*+'|[^\t\n\f\r >]++|))?)"
)
_RAW_ELEMENTS = ("script", "style", "xmp", "iframe", "noembed", "noframes", "title", "textarea", "plaintext")
_NOT_RAW = rf"(?!(?i:{'|'.join(_RAW_ELEMENTS)})(?:[\t\n\f\r />]|\Z))"
_FEW_ATTRS = 32  # tags with at most this many attributes are skipped in one regex step
_TEXT = r"(?:[^<]++|<+(?![A-Za-z!?/]))"  # a '<' that starts no tag is text
_BORING = re.compile(
    rf"(?:{_TEXT}"
    rf"|(?:<{_NOT_RAW}|</)[A-Za-z][^\t\n\f\r />]*+(?>{_SEP}*+{_ATTR}){{0,{_FEW_ATTRS}}}+{_SEP}*+(?:>|\Z)"
    r"|<!--(?>-?>|(?s:.*?)--!?>|(?s:.*+))"
    r"|<[!?][^>]*+>?"
    r"|</(?![A-Za-z])[^>]*+>?)*+"
)
_TAG = re.compile(rf"</?([A-Za-z][^\t\n\f\r />]*+)((?>{_SEP}*+{_ATTR})*+){_SEP}*+(?:>|\Z)")
_TAG_KEEP = re.compile(rf"</?[A-Za-z][^\t\n\f\r />]*+(?>{_SEP}*+{_ATTR}){{{MAX_ATTRS_PER_ELEMENT}}}")
_TAG_OVER_LIMIT = re.compile(
    rf"</?[A-Za-z][^\t\n\f\r />]*+(?>{_SEP}*+{_ATTR}){{{MAX_ATTRS_PER_ELEMENT + 1}}}"
)
_ONE_ATTR = re.compile(rf"{_SEP}*+{_ATTR}")
_RAW_END = {name: re.compile(rf"</{name}[\t\n\f\r />]", re.I) for name in _RAW_ELEMENTS}
_DASHES = re.compile(r"-*+")
_LETTERS_TO_A = bytes.maketrans(string.ascii_letters.encode(), b"a" * len(string.ascii_letters))
MAX_SCRIPT_MARKERS = 10_000  # "<!--", "-->", "<script" inside one script: a few in real pages
_SCRIPT_STATES = {
    "data": re.compile(r"<!--|</script(?=[\t\n\f\r />])", re.I),
    "escaped": re.compile(r"-->|</script(?=[\t\n\f\r />])|<script(?=[\t\n\f\r />])", re.I),
    "double": re.compile(r"-->|</script(?=[\t\n\f\r />])", re.I),
}


# A numeric character reference to a control character, a surrogate or past U+10FFFF: libxml2 puts the
# character itself into the tree (an ESC made trafilatura lose a whole page), so it becomes U+FFFD first.
# References in 0x80-0x9F stay: HTML maps most of them to Windows-1252 punctuation.
_CHAR_REF = re.compile(r"&#(?:[xX]0*+([0-9A-Fa-f]{1,8})|0*+([0-9]{1,10}))(?![0-9A-Za-z]);?")
_UNDEFINED_C1 = {0x81, 0x8D, 0x8F, 0x90, 0x9D}


def _safe_char_ref(match: re.Match[str]) -> str:
    value = int(match.group(1), 16) if match.group(1) else int(match.group(2) or "0")
    if (
        value in (0x09, 0x0A, 0x0D)
        or 0x20 <= value < 0x7F
        or (0x80 <= value <= 0x9F and value not in _UNDEFINED_C1)
    ):
        return match.group()
    if value > 0x9F and not 0xD800 <= value <= 0xDFFF and value <= 0x10FFFF:
        return match.group()
    return "&#xFFFD;"


def _too_complex(what: str) -> IngestError:
    return IngestError(f"HTML too complex: {what}")


def _script_end(html: str, pos: int) -> int:
    """Where a script element's text ends (HTML5 script data states, escapes included)."""
    state = "data"
    for _ in range(MAX_SCRIPT_MARKERS):
        m = _SCRIPT_STATES[state].search(html, pos)
        if m is None:
            return len(html)
        token = m.group().lower()
        pos = m.end()
        if token.startswith("</") and state != "double":
            return m.start()
        if token == "<!--":
            pos = _DASHES.match(html, pos).end()  # type: ignore[union-attr]  # matches the empty string
            if pos < len(html) and html[pos] == ">":  # "<!-->" and "<!--->" close at once
                pos += 1
            else:
                state = "escaped"
        elif token == "-->":
            state = "data"
        else:
            state = "double" if state == "escaped" else "escaped"
    raise _too_complex(f"a script with more than {MAX_SCRIPT_MARKERS:,} comment or script markers")


def check_markup(html: str) -> str:
    """The page, checked in linear time against markup that would make the parser slow or huge.

    An element with more than MAX_ATTRS_PER_ELEMENT attributes keeps its first ones only (libxml2 would spend
    quadratic time on the rest, and no article text lives in them); other excesses raise IngestError."""
    if html.count("<") > 2 * MAX_ELEMENTS:
        # Start tags ('<' and a letter, scripts included) bound the elements the parser will build.
        letters = html.encode("utf-8", "surrogatepass").translate(_LETTERS_TO_A)
        if letters.count(b"<a") > 2 * MAX_ELEMENTS:
            raise _too_complex(f"more than {MAX_ELEMENTS:,} elements")
    heavy = 0
    pieces: list[str] = []  # the page rewritten, when a tag had to lose attributes
    copied = 0
    pos, end = 0, len(html)
    while True:
        pos = _BORING.match(html, pos).end()  # type: ignore[union-attr]  # the pattern matches the empty string
        if pos >= end:
            break
        tag = _TAG.match(html, pos)
        if tag is None:  # cannot happen: the tag pattern matches any '<' + letter; step over it regardless
            pos += 1
            continue
        if _TAG_OVER_LIMIT.match(html, pos):
            kept = _TAG_KEEP.match(html, pos).group()  # type: ignore[union-attr]  # it has more than that
            pieces += [html[copied:pos], kept, ">" if tag.group().endswith(">") else ""]
            copied = tag.end()
            attrs = MAX_ATTRS_PER_ELEMENT
        else:
            attrs = sum(1 for _ in _ONE_ATTR.finditer(tag.group(2)))
        if attrs > _FEW_ATTRS:
            heavy += attrs
            if heavy > MAX_TOTAL_ATTRS:
                raise _too_complex(f"more than {MAX_TOTAL_ATTRS:,} attributes")
        pos = tag.end()
        name = tag.group(1).lower()
        if html[tag.start() + 1] == "/" or name not in _RAW_ELEMENTS:
            continue
        if name == "plaintext":
            break
        if name == "script":
            pos = _script_end(html, pos)
        else:
            close = _RAW_END[name].search(html, pos)
            pos = close.start() if close else end
    if not pieces:
        return html
    return "".join([*pieces, html[copied:]])


def _parse(html: str) -> Any:  # an lxml HtmlElement
    """The page parsed as trafilatura parses it, checked against the limits; IngestError with the reason."""
    from trafilatura.utils import HTML_PARSER, load_html

    tree = load_html(html)
    for error in HTML_PARSER.error_log:
        # libxml2 stops at 256 levels or at a 10 MB text, comment or attribute, and keeps what it had so far:
        # a page cut short is refused, not half-read.
        if error.level_name == "FATAL" and error.type_name == "ERR_RESOURCE_LIMIT":
            if "depth" in error.message:
                raise _too_complex("elements nested 256 or more levels deep (the parser stops there)")
            raise IngestError("HTML too large: the parser stops at its 10 MB resource limit")
    if tree is None:
        raise IngestError("no article text found in the HTML")
    elements = attrs = chars = 0
    for element in tree.iter():
        elements += 1
        attrs += len(element.attrib)
        chars += len(element.tail or "")
        if element.tag not in ("script", "style"):
            chars += len(element.text or "")
    if elements > MAX_ELEMENTS:
        raise _too_complex(f"{elements:,} elements exceed the limit of {MAX_ELEMENTS:,}")
    if attrs > MAX_TOTAL_ATTRS:
        raise _too_complex(f"{attrs:,} attributes exceed the limit of {MAX_TOTAL_ATTRS:,}")
    if chars > MAX_TEXT_CHARS:
        raise IngestError(
            f"HTML too large: {chars:,} characters of text exceed the limit of {MAX_TEXT_CHARS:,}"
        )
    return tree


def _bare_extraction(
    tree: Any,  # an lxml HtmlElement
    url: str | None,
    favor_recall: bool,
    with_metadata: bool = True,
    extensive_date_search: bool = True,
) -> Document | None:
    import trafilatura
    from trafilatura.settings import set_date_params

    document = trafilatura.bare_extraction(
        tree,
        url=url,
        with_metadata=with_metadata,
        date_extraction_params=None if extensive_date_search else set_date_params(False),
        include_comments=False,
        include_tables=True,
        include_images=False,
        favor_recall=favor_recall,
        deduplicate=False,
    )
    # A dict comes back only for the deprecated as_dict=True, which is not passed.
    assert not isinstance(document, dict)
    return document


def merge_lines(base: str, extra: str) -> str:
    """Lines of ``base`` in order, with lines only ``extra`` has inserted after their predecessor there.

    A linked list over line slots: each insertion is O(1), so the merge is linear in the number of lines."""
    base_lines = base.split("\n") if base else []
    texts = ["", *base_lines]  # slot 0 is the head sentinel
    following = [*range(1, len(base_lines) + 1), -1]
    slot_of = {line: i for i, line in enumerate(base_lines, start=1)}  # a repeated line: its last slot
    last = 0
    for line in extra.split("\n") if extra else []:
        slot = slot_of.get(line)
        if slot is not None:
            last = slot
            continue
        texts.append(line)
        following.append(following[last])
        following[last] = len(texts) - 1
        last = slot_of[line] = len(texts) - 1
    out: list[str] = []
    slot = following[0]
    while slot != -1:
        out.append(texts[slot])
        slot = following[slot]
    return "\n".join(out)


def extract_html(html: str, url: str | None = None) -> tuple[str, dict[str, Any]]:
    """Main text (one paragraph per line) and metadata. Never fetches anything: trafilatura only parses.

    trafilatura's precise and recall-oriented modes each miss paragraphs the other finds; their union keeps
    more of the article, and newsprism's cleaner then removes the extra boilerplate recall mode lets in.
    The page is checked against the limits above first, and parsed once for both modes."""
    html = check_markup(_CHAR_REF.sub(_safe_char_ref, sanitize_html(html)))
    tree = _parse(html)
    extensive = len(html) <= LARGE_PAGE_CHARS
    precise = _bare_extraction(tree, url, favor_recall=False, extensive_date_search=extensive)
    # The metadata comes from the precise pass; the recall pass needs it only when the precise one failed.
    recall = _bare_extraction(
        tree, url, favor_recall=True, with_metadata=precise is None, extensive_date_search=extensive
    )
    doc = precise or recall
    text = merge_lines((precise.text or "") if precise else "", (recall.text or "") if recall else "")
    if doc is None or not text.strip():
        raise IngestError("no article text found in the HTML")
    meta = {
        "title": doc.title,
        "author": doc.author,
        "published": doc.date,
        "outlet": doc.sitename,
        "url": doc.url or url,
    }
    return sanitize_body(text), clean_meta(meta)


def html_document(source: str, html: str, meta: dict[str, Any], raw_hash: str) -> RawDocument:
    if "<" not in html:
        raise IngestError("not HTML: no markup found")
    return RawDocument(source=source, html=html, meta=meta, raw_hash=raw_hash)


def read_html_file(path: Path, max_bytes: int) -> Iterator[RawDocument]:
    data = read_bytes(path, max_bytes)
    yield html_document(str(path), decode(data), sidecar_metadata(path), sha1(data))
