"""Self-check for the article-cleaning fixtures in this folder.

Run:  python tests/data/clean/verify_fixtures.py      (exit status 1 on any error)

For every fixture it checks that the matching ``<stem>.expected.json`` parses, follows
the schema described in README.md, and that every title / body paragraph / boilerplate
text literally occurs in the whitespace-normalised source:

* plain text: in the normalised file; additionally the blank-line-separated blocks of
  the file must be exactly title + subtitle + body + boilerplate (a full partition);
* HTML / RSS / Atom / WARC / JSONL ``html``: in the normalised ``lxml`` ``text_content()``
  of the page (or of the feed item's content); every body paragraph must also be the
  normalised text of a ``<p>`` element;
* JSONL ``text``: as for plain text (partition included).
"""

from __future__ import annotations

import copy
import json
import re
import sys
from collections import Counter
from pathlib import Path

import lxml.html
from lxml import etree

HERE = Path(__file__).resolve().parent
REASONS = {
    "donation",
    "newsletter",
    "subscribe",
    "navigation",
    "comments",
    "caption",
    "credit",
    "source_line",
    "byline",
    "share",
    "cookie",
    "bio",
    "copyright",
    "ad",
    "duplicate",
    "teaser",
    "other",
}
KEYS = {"title", "subtitle", "outlet", "author", "published", "dateline", "url", "body", "boilerplate"}
NS = {"content": "http://purl.org/rss/1.0/modules/content/", "a": "http://www.w3.org/2005/Atom"}
SKIP = {"README.md", "make_warc.py", "verify_fixtures.py"}

errors: list[str] = []
warnings: list[str] = []


def norm(s: str) -> str:
    return " ".join(s.split())


def err(msg: str) -> None:
    errors.append(msg)


def expected_path(p: Path) -> Path:
    stem = p.name.split(".")[0]
    return p.with_name(stem + ".expected.json")


def check_schema(name: str, art: dict) -> None:
    if set(art) != KEYS:
        err(f"{name}: keys {sorted(set(art) ^ KEYS)} differ from schema")
    for k in ("title",):
        if not isinstance(art.get(k), str) or not art[k]:
            err(f"{name}: missing {k}")
    for k in ("subtitle", "outlet", "author", "dateline", "url"):
        if art.get(k) is not None and not isinstance(art[k], str):
            err(f"{name}: {k} must be str or null")
    pub = art.get("published")
    if pub is not None and not re.fullmatch(r"\d{4}-\d\d-\d\d", pub):
        err(f"{name}: published {pub!r} not YYYY-MM-DD")
    body = art.get("body", [])
    if not (4 <= len(body) <= 12):
        err(f"{name}: {len(body)} body paragraphs (want 4-12)")
    for t in body:
        if t != norm(t) or not t:
            err(f"{name}: body paragraph not normalised: {t[:60]!r}")
    if art.get("dateline") and not body[0].startswith(art["dateline"]):
        err(f"{name}: first body paragraph does not start with dateline {art['dateline']!r}")
    for b in art.get("boilerplate", []):
        if set(b) != {"text", "reason"} or b["reason"] not in REASONS:
            err(f"{name}: bad boilerplate entry {b}")
        if b["text"] != norm(b["text"]) or not b["text"]:
            err(f"{name}: boilerplate text not normalised: {b['text'][:60]!r}")
        if b["text"] in body and b["reason"] != "duplicate":
            err(f"{name}: boilerplate text is also a body paragraph: {b['text'][:60]!r}")
        if b["reason"] == "duplicate" and b["text"] not in body:
            err(f"{name}: 'duplicate' item does not duplicate a body paragraph")
        for t in body:
            if b["text"] in t and b["reason"] != "duplicate":
                warnings.append(f"{name}: boilerplate {b['text'][:40]!r} is a substring of a body paragraph")


def check_in(name: str, art: dict, hay: str, with_title: bool = True) -> None:
    for t in (
        ([art["title"]] if with_title else [])
        + [art["subtitle"]]
        + art["body"]
        + [b["text"] for b in art["boilerplate"]]
    ):
        if t and t not in hay:
            err(f"{name}: not found in source: {t[:80]!r}")


def check_text(name: str, art: dict, text: str, with_title: bool = True) -> None:
    """with_title: the text starts with the headline (plain-text files); JSONL text does not."""
    check_in(name, art, norm(text), with_title)
    if with_title and norm(text.split("\n", 1)[0]) != art["title"]:
        err(f"{name}: first line is not the title")
    if True:
        blocks = [norm(b) for b in re.split(r"\n[ \t]*\n", text) if b.strip()]
        want = [art["title"]] if with_title else []
        want += (
            ([art["subtitle"]] if art["subtitle"] else [])
            + art["body"]
            + [b["text"] for b in art["boilerplate"]]
        )
        if Counter(blocks) != Counter(want):
            extra = Counter(blocks) - Counter(want)
            missing = Counter(want) - Counter(blocks)
            err(
                f"{name}: blocks do not partition into title/subtitle/body/boilerplate; "
                f"unlabelled={list(extra)[:3]} not-a-block={list(missing)[:3]}"
            )


def check_html(name: str, art: dict, html: str, with_title: bool = True) -> None:
    """with_title: the headline is part of the HTML (full pages); feed item content has no headline."""
    doc = lxml.html.fromstring(html)
    check_in(name, art, norm(doc.text_content()), with_title)
    ptexts = {norm(p.text_content()) for p in doc.iter("p")}
    for t in art["body"]:
        if t not in ptexts:
            err(f"{name}: body paragraph is not the text of a <p>: {t[:80]!r}")


def load_expected(p: Path) -> list[dict]:
    ep = expected_path(p)
    if not ep.exists():
        err(f"{p.name}: no {ep.name}")
        return []
    try:
        arts = json.loads(ep.read_text(encoding="utf-8"))["articles"]
    except Exception as e:
        err(f"{ep.name}: does not parse: {e}")
        return []
    for i, a in enumerate(arts):
        check_schema(f"{p.name}[{i}]", a)
    return arts


def main() -> int:
    fixtures = sorted(
        p
        for p in HERE.iterdir()
        if p.is_file() and p.name not in SKIP and not p.name.endswith(".expected.json")
    )
    for ep in HERE.glob("*.expected.json"):
        if not any(expected_path(p) == ep for p in fixtures):
            err(f"{ep.name}: no fixture for it")
    n_articles = 0
    for p in fixtures:
        arts = load_expected(p)
        n_articles += len(arts)
        suf = "".join(p.suffixes)
        if suf == ".txt":
            if len(arts) != 1:
                err(f"{p.name}: expected exactly one article")
                continue
            check_text(p.name, arts[0], p.read_text(encoding="utf-8"))
        elif suf == ".html":
            check_html(p.name, arts[0], p.read_text(encoding="utf-8"))
        elif suf in (".xml", ".rss"):
            import feedparser

            items = etree.parse(str(p)).xpath("//item")
            fp = feedparser.parse(str(p))
            if fp.bozo or len(fp.entries) != len(items):
                err(f"{p.name}: feedparser problem ({fp.bozo_exception if fp.bozo else len(fp.entries)})")
            if len(items) != len(arts):
                err(f"{p.name}: {len(items)} items but {len(arts)} expected articles")
            for i, (it, a) in enumerate(zip(items, arts, strict=False)):
                if norm(it.findtext("title")) != a["title"]:
                    err(f"{p.name}[{i}]: title mismatch")
                check_html(
                    f"{p.name}[{i}]",
                    a,
                    "<div>" + it.findtext("content:encoded", namespaces=NS) + "</div>",
                    with_title=False,
                )
        elif suf == ".atom":
            import feedparser

            entries = etree.parse(str(p)).xpath("//a:entry", namespaces=NS)
            fp = feedparser.parse(str(p))
            if fp.bozo or len(fp.entries) != len(entries):
                err(f"{p.name}: feedparser problem")
            if len(entries) != len(arts):
                err(f"{p.name}: {len(entries)} entries but {len(arts)} expected articles")
            for i, (en, a) in enumerate(zip(entries, arts, strict=False)):
                if norm(fp.entries[i].title) != a["title"]:
                    err(f"{p.name}[{i}]: title mismatch")
                c = en.find("a:content", NS)
                if c.get("type") == "xhtml":
                    div = copy.deepcopy(c[0])
                    html = etree.tostring(div, encoding="unicode")
                    html = html.replace(' xmlns="http://www.w3.org/1999/xhtml"', "")
                else:
                    html = "<div>" + c.text + "</div>"
                check_html(f"{p.name}[{i}]", a, html, with_title=False)
        elif suf == ".warc.gz":
            from warcio.archiveiterator import ArchiveIterator

            pages = []
            with p.open("rb") as fh:
                for rec in ArchiveIterator(fh):
                    if rec.rec_type != "response":
                        continue
                    ctype = rec.http_headers.get_header("Content-Type", "")
                    if ctype.startswith("text/html"):
                        pages.append(rec.content_stream().read().decode("utf-8"))
            if len(pages) != len(arts):
                err(f"{p.name}: {len(pages)} HTML responses but {len(arts)} expected articles")
            for i, (h, a) in enumerate(zip(pages, arts, strict=False)):
                check_html(f"{p.name}[{i}]", a, h)
        elif suf == ".jsonl":
            rows = [json.loads(line) for line in p.read_text(encoding="utf-8").splitlines() if line.strip()]
            if len(rows) != len(arts):
                err(f"{p.name}: {len(rows)} rows but {len(arts)} expected articles")
            for i, (r, a) in enumerate(zip(rows, arts, strict=False)):
                for k in ("title", "url", "outlet", "author"):
                    # a null field in the row may be recovered from the text (e.g. author from the byline)
                    if r.get(k) is not None and r.get(k) != a[k]:
                        err(f"{p.name}[{i}]: field {k} differs from expected")
                if "text" in r:
                    check_text(f"{p.name}[{i}]", a, r["text"], with_title=False)
                else:
                    check_html(f"{p.name}[{i}]", a, r["html"])
        else:
            err(f"{p.name}: unknown fixture type")
    for w in warnings:
        print("warning:", w)
    for e in errors:
        print("ERROR:", e)
    print(f"{len(fixtures)} fixtures, {n_articles} articles, {len(errors)} errors, {len(warnings)} warnings")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
