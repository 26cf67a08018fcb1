"""Fuzz the HTML, feed and WARC readers: whatever the bytes, a reader yields documents or failures, or refuses
the file with an IngestError; any other exception escaping it is a bug (issue 15, item 10).

The readers are called directly (``newsprism.ingest.READERS``), not through ``read_source``, whose catch-all
would turn every crash into a failure record and hide it.

    .venv/bin/python fuzz/fuzz_readers.py html            # 60 s with atheris (coverage-guided)
    FUZZ_SECONDS=300 .venv/bin/python fuzz/fuzz_readers.py warc
    .venv/bin/python fuzz/fuzz_readers.py feed --hypothesis   # the fallback engine, without atheris

Without atheris installed the same target runs under hypothesis for the same time budget. Corpus and crash
files go to ``$FUZZ_DIR/<target>/`` (default: a ``newsprism-fuzz`` folder in the system temp directory).
"""

from __future__ import annotations

import io
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

MAX_BYTES = 2 * 1024 * 1024  # the reader's own size limit for a fuzz input (inputs are far smaller)
TARGETS = {"html": ".html", "feed": ".rss", "warc": ".warc"}


# ------------------------------------------------------------------------------------------ seeds


def _warc(payload: bytes, url: str = "https://example.org/a", gzip: bool = False) -> bytes:
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    out = io.BytesIO()
    writer = WARCWriter(out, gzip=gzip)
    headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1")
    writer.write_record(
        writer.create_warc_record(url, "response", payload=io.BytesIO(payload), http_headers=headers)
    )
    return out.getvalue()


PAGE = (
    b"<!doctype html><html><head><title>Bridge reopens</title><meta name=author content='Ana Ruiz'>"
    b"<meta property='article:published_time' content='2024-03-02'></head><body><article><h1>Bridge reopens"
    b"</h1><p>The bridge reopened on Monday after three months, officials said.</p><p>&ldquo;It is safe,&rdquo;"
    b" said Ana Ruiz.</p><script>alert(1)</script></article></body></html>"
)
FEED = (
    b"<?xml version='1.0'?><rss version='2.0'><channel><title>Wire</title><item><title>Bridge reopens</title>"
    b"<link>https://example.org/a</link><pubDate>Mon, 04 Mar 2024 10:00:00 GMT</pubDate><description>"
    b"&lt;p&gt;The bridge reopened on Monday.&lt;/p&gt;</description></item></channel></rss>"
)
ATOM = (
    b"<?xml version='1.0' encoding='utf-8'?><feed xmlns='http://www.w3.org/2005/Atom'><title>W</title><entry>"
    b"<title>T</title><link href='../etc/passwd'/><updated>2024-03-04T10:00:00Z</updated><content type='html'>"
    b"&lt;p&gt;Body text of the entry.&lt;/p&gt;</content></entry></feed>"
)


def seeds(target: str) -> list[bytes]:
    if target == "html":
        return [PAGE, PAGE.replace(b"utf-8", b"latin-1") + "é".encode("latin-1"), b"<p>x", b""]
    if target == "feed":
        return [FEED, ATOM, FEED.replace(b"<item>", b"<item>" * 3), b"<rss>"]
    return [_warc(PAGE), _warc(PAGE, gzip=True), _warc(PAGE)[:300], b"WARC/1.0\r\n\r\n"]


# ------------------------------------------------------------------------------------------ target


def make_target(target: str, workdir: Path) -> Callable[[bytes], None]:
    """A one-input check: write the bytes as a file of the target's kind and read it to the end."""
    from newsprism.ingest import READERS
    from newsprism.ingest.common import IngestError, sanitized
    from newsprism.model import IngestFailure, RawDocument

    suffix = TARGETS[target]
    reader = READERS[suffix]
    path = workdir / f"input{suffix}"

    def one_input(data: bytes) -> None:
        path.write_bytes(data)
        try:
            for item in reader(path, MAX_BYTES):
                # One of the two record kinds; once sanitised (as read_source does) every string in it can be
                # stored as UTF-8.
                assert isinstance(item, RawDocument | IngestFailure), type(item)
                if isinstance(item, RawDocument):
                    assert isinstance(item.text, str) or isinstance(item.html, str), item
                else:
                    assert item.reason
                clean = sanitized(item)
                for value in vars(clean).values():
                    for text in value.values() if isinstance(value, dict) else [value]:
                        if isinstance(text, str):
                            text.encode("utf-8")
        except IngestError as exc:  # the documented refusal: the file is named with a reason
            assert str(exc)

    return one_input


# ------------------------------------------------------------------------------------------ engines


def run_atheris(target: str, seconds: int, folder: Path, extra: list[str]) -> None:
    import atheris

    with atheris.instrument_imports(include=["newsprism"]):
        import newsprism.ingest  # noqa: F401  (instrumented for coverage feedback)
    corpus = folder / "corpus"
    corpus.mkdir(parents=True, exist_ok=True)
    if not any(corpus.iterdir()):
        for n, seed in enumerate(seeds(target)):
            (corpus / f"seed-{n}").write_bytes(seed)
    work = Path(tempfile.mkdtemp(prefix=f"fuzz-{target}-"))
    one_input = make_target(target, work)
    argv = [
        sys.argv[0],
        f"-max_total_time={seconds}",
        "-timeout=20",  # one input taking longer is reported as a hang
        "-rss_limit_mb=3072",
        "-max_len=65536",
        f"-artifact_prefix={folder}/",
        *extra,
    ]
    if not any(Path(a).is_file() for a in extra):  # (given input files, libFuzzer replays just those)
        argv.append(str(corpus))
    atheris.Setup(argv, one_input)
    atheris.Fuzz()


def run_hypothesis(target: str, seconds: int) -> None:
    """The fallback engine: hypothesis-generated bytes (mutated seeds and raw bytes) for the time budget.

    Hypothesis has no time limit of its own, so it runs in rounds of a few hundred examples until the budget
    is spent; a failing input is shrunk and reported as usual."""
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    work = Path(tempfile.mkdtemp(prefix=f"fuzz-{target}-"))
    one_input = make_target(target, work)
    base = seeds(target)

    @st.composite
    def mutated(draw: st.DrawFn) -> bytes:
        data = bytearray(draw(st.sampled_from(base)))
        for _ in range(draw(st.integers(0, 8))):
            op = draw(st.sampled_from(["flip", "cut", "insert", "repeat"]))
            at = draw(st.integers(0, len(data)))
            if op == "flip" and data:
                data[min(at, len(data) - 1)] ^= 1 << draw(st.integers(0, 7))
            elif op == "cut":
                del data[at : at + draw(st.integers(0, 64))]
            elif op == "insert":
                data[at:at] = draw(
                    st.binary(max_size=32) | st.sampled_from([b"<", b">", b"&#", b"\x1f\x8b", b"\r\n"])
                )
            elif op == "repeat":
                data[at:at] = data[at : at + draw(st.integers(0, 64))] * draw(st.integers(1, 50))
        return bytes(data)

    @settings(max_examples=200, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(mutated() | st.binary(max_size=4096))
    def round_(data: bytes) -> None:
        one_input(data)

    stop = time.monotonic() + seconds
    rounds = 0
    while time.monotonic() < stop:
        round_()
        rounds += 1
    print(f"{target}: {rounds} rounds of 200 inputs in {seconds} s, no exception escaped")


def main() -> None:
    args = sys.argv[1:]
    if not args or args[0] not in TARGETS:
        sys.exit(f"usage: fuzz_readers.py {{{'|'.join(TARGETS)}}} [--hypothesis] [libFuzzer flags]")
    target, rest = args[0], args[1:]
    seconds = int(os.environ.get("FUZZ_SECONDS", "60"))
    folder = Path(os.environ.get("FUZZ_DIR") or Path(tempfile.gettempdir()) / "newsprism-fuzz") / target
    folder.mkdir(parents=True, exist_ok=True)
    use_hypothesis = "--hypothesis" in rest
    rest = [a for a in rest if a != "--hypothesis"]
    if not use_hypothesis:
        try:
            import atheris  # noqa: F401
        except ImportError:
            print("atheris is not installed: running the hypothesis fallback instead", file=sys.stderr)
            use_hypothesis = True
    if use_hypothesis:
        run_hypothesis(target, seconds)
    else:
        run_atheris(target, seconds, folder, rest)


if __name__ == "__main__":
    main()
