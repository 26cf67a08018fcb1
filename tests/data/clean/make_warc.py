"""Regenerate warc_two_articles.warc.gz from the HTML files in warc_src/.

Usage (from anywhere):  python tests/data/clean/make_warc.py

Record layout (in file order):
  1. warcinfo
  2. request   GET https://www.meridianmarkets.com/economy/colombia-central-bank-rate-cut-march-2024
  3. response  text/html   -> article 1 (warc_src/central_bank.html)
  4. request   GET https://www.touchlinedaily.com/robots.txt
  5. response  text/plain  robots.txt                (not an article, must be ignored)
  6. response  image/jpeg  lead image of article 2    (not an article, must be ignored)
  7. response  text/html   -> article 2 (warc_src/football_transfer.html)

Record ids and dates are fixed so the archive content is reproducible.
"""

from __future__ import annotations

import uuid
from io import BytesIO
from pathlib import Path

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

HERE = Path(__file__).resolve().parent
OUT = HERE / "warc_two_articles.warc.gz"
SRC = HERE / "warc_src"

ARTICLE_1_URL = "https://www.meridianmarkets.com/economy/colombia-central-bank-rate-cut-march-2024"
ARTICLE_2_URL = "https://www.touchlinedaily.com/transfer-centre/fiorentina-sign-kelechi-nwosu-genk/"
ROBOTS_URL = "https://www.touchlinedaily.com/robots.txt"
IMAGE_URL = "https://www.touchlinedaily.com/wp-content/uploads/2024/08/nwosu-genk.jpg"

ROBOTS_TXT = b"User-agent: *\nDisallow: /wp-admin/\nAllow: /wp-admin/admin-ajax.php\n\nSitemap: https://www.touchlinedaily.com/sitemap_index.xml\n"
# A tiny but structurally valid 1x1 baseline JPEG.
TINY_JPEG = bytes.fromhex(
    "ffd8ffe000104a46494600010100000100010000ffdb004300080606070605080707070909080a0c140d0c0b0b0c1912130f"
    "141d1a1f1e1d1a1c1c20242e2720222c231c1c2837292c30313434341f27393d38323c2e333432ffc0000b08000100010101"
    "1100ffc4001f0000010501010101010100000000000000000102030405060708090a0bffc400b5100002010303020403050504"
    "040000017d01020300041105122131410613516107227114328191a1082342b1c11552d1f02433627282090a161718191a25"
    "262728292a3435363738393a434445464748494a535455565758595a636465666768696a737475767778797a838485868788"
    "898a92939495969798999aa2a3a4a5a6a7a8a9aab2b3b4b5b6b7b8b9bac2c3c4c5c6c7c8c9cad2d3d4d5d6d7d8d9dae1e2e3"
    "e4e5e6e7e8e9eaf1f2f3f4f5f6f7f8f9faffda0008010100003f00fbd3ffd9"
)


def rid(n: int) -> str:
    return f"<urn:uuid:{uuid.UUID(int=0x6E657773707269736D00000000000000 + n)}>"


def main() -> None:
    with OUT.open("wb") as fh:
        w = WARCWriter(fh, gzip=True)
        n = 0

        def write(rec_type, url, payload, http_headers=None, date="2024-08-30T09:00:00Z", content_type=None):
            nonlocal n
            n += 1
            warc_headers = {"WARC-Record-ID": rid(n), "WARC-Date": date}
            rec = w.create_warc_record(
                url,
                rec_type,
                payload=BytesIO(payload),
                length=len(payload),
                http_headers=http_headers,
                warc_headers_dict=warc_headers,
                warc_content_type=content_type,
            )
            w.write_record(rec)

        info = w.create_warcinfo_record(
            OUT.name,
            {
                "software": "newsprism test fixture (warcio)",
                "format": "WARC File Format 1.0",
                "description": "Two news articles plus non-article records",
            },
        )
        info.rec_headers.replace_header("WARC-Record-ID", rid(0))
        info.rec_headers.replace_header("WARC-Date", "2024-08-30T09:00:00Z")
        w.write_record(info)

        def http_response(body: bytes, ctype: str) -> StatusAndHeaders:
            return StatusAndHeaders(
                "200 OK",
                [("Content-Type", ctype), ("Content-Length", str(len(body))), ("Server", "nginx")],
                protocol="HTTP/1.1",
            )

        def http_request(url: str) -> StatusAndHeaders:
            host = url.split("/")[2]
            path = "/" + url.split("/", 3)[3]
            return StatusAndHeaders(
                f"GET {path} HTTP/1.1",
                [
                    ("Host", host),
                    ("User-Agent", "Mozilla/5.0 (compatible; newsprism-fixture)"),
                    ("Accept", "*/*"),
                ],
                is_http_request=True,
            )

        art1 = (SRC / "central_bank.html").read_bytes()
        art2 = (SRC / "football_transfer.html").read_bytes()

        write("request", ARTICLE_1_URL, b"", http_request(ARTICLE_1_URL), date="2024-03-22T20:30:00Z")
        write(
            "response",
            ARTICLE_1_URL,
            art1,
            http_response(art1, "text/html; charset=utf-8"),
            date="2024-03-22T20:30:00Z",
        )
        write("request", ROBOTS_URL, b"", http_request(ROBOTS_URL))
        write("response", ROBOTS_URL, ROBOTS_TXT, http_response(ROBOTS_TXT, "text/plain"))
        write("response", IMAGE_URL, TINY_JPEG, http_response(TINY_JPEG, "image/jpeg"))
        write("response", ARTICLE_2_URL, art2, http_response(art2, "text/html; charset=UTF-8"))
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
