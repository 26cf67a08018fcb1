"""Cleaning evaluation.

1. Annotated fixtures (``tests/data/clean`` and ``tests/data/samples_gold``): body retention and boilerplate
   removal precision/recall/F1, by blocks and by characters.
2. ``shared/data/trafilatura-eval``: share of ``with`` snippets kept and ``without`` snippets removed, for bare
   ``trafilatura.extract`` and for newsprism (trafilatura + newsprism's cleaner) on the same pages.
"""

from __future__ import annotations

import gzip
import json
import re
import sys
import time
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from newsprism.evaluation import REPO_ROOT, TEST_DATA, prf, shared_data_dir
from newsprism.ingest import read_source
from newsprism.ingest.common import IngestError
from newsprism.model import IngestFailure, RawDocument
from newsprism.pipeline import build_article


def norm(text: str) -> str:
    text = unicodedata.normalize("NFKC", text)
    text = text.translate(str.maketrans("‘’“”–—", "''\"\"--"))
    return re.sub(r"\s+", " ", text).strip()


@dataclass
class Tally:
    tp: float = 0
    fp: float = 0
    fn: float = 0

    def add(self, tp: float = 0, fp: float = 0, fn: float = 0) -> None:
        self.tp += tp
        self.fp += fp
        self.fn += fn

    def scores(self) -> tuple[float, float, float]:
        return prf(self.tp, self.fp, self.fn)


@dataclass
class FixtureResult:
    body_blocks: Tally = field(default_factory=Tally)
    body_chars: Tally = field(default_factory=Tally)
    boiler_blocks: Tally = field(default_factory=Tally)
    boiler_chars: Tally = field(default_factory=Tally)
    metadata: Tally = field(default_factory=Tally)
    errors: list[str] = field(default_factory=list)


def _fixture_inputs() -> list[tuple[Path, Path]]:
    pairs = []
    for expected in sorted((TEST_DATA / "clean").glob("*.expected.json")):
        stem = expected.name[: -len(".expected.json")]
        sources = [
            p
            for p in expected.parent.glob(stem + ".*")
            if not p.name.endswith((".expected.json", ".meta.json"))
        ]
        sources = [p for p in sources if p.suffix not in {".py", ".md"}]
        if sources:
            pairs.append((sorted(sources)[0], expected))
    for expected in sorted((TEST_DATA / "samples_gold").glob("*.expected.json")):
        source = REPO_ROOT / "examples" / (expected.name[: -len(".expected.json")] + ".txt")
        if source.exists():
            pairs.append((source, expected))
    return pairs


def score_article(cleaned: str, gold: dict[str, Any], result: FixtureResult) -> list[str]:
    """Add one article's counts; return the misses (for the report)."""
    text = norm(cleaned)
    kept_paras = [norm(p) for p in cleaned.split("\n\n") if p.strip()]
    body = [norm(b) for b in gold["body"]]
    misses = []
    for para in body:
        if para in text:
            result.body_blocks.add(tp=1)
            result.body_chars.add(tp=len(para))
        else:
            result.body_blocks.add(fn=1)
            result.body_chars.add(fn=len(para))
            result.boiler_blocks.add(fp=1)
            result.boiler_chars.add(fp=len(para))
            misses.append(f"body lost: {para[:90]}")
    for item in gold.get("boilerplate", []):
        snippet = norm(item["text"])
        if not snippet:
            continue
        # Short boilerplate ("Subscribe") may occur inside a body sentence: only count a kept paragraph.
        present = snippet in kept_paras if len(snippet) < 40 else snippet in text
        if present and not any(snippet in b for b in body):
            result.boiler_blocks.add(fn=1)
            result.boiler_chars.add(fn=len(snippet))
            misses.append(f"boilerplate kept ({item.get('reason')}): {snippet[:90]}")
        elif not present:
            result.boiler_blocks.add(tp=1)
            result.boiler_chars.add(tp=len(snippet))
    for para in kept_paras:
        if not any(para in b or b in para for b in body):
            result.body_blocks.add(fp=1)
            result.body_chars.add(fp=len(para))
    return misses


def _same_metadata(field_name: str, got: str, want: str) -> bool:
    got_n, want_n = norm(got).lower(), norm(want).lower()
    if field_name == "dateline":
        # Gold may keep the agency, the date and the dash ("LIMA, Oct 3 (Reuters) -"): compare the place.
        want_n = re.sub(r"\s*\([^)]*\)\s*|[\s\-—–]+$", "", want_n).strip(" ,")
        return bool(got_n) and want_n.startswith(got_n)
    return got_n == want_n


def evaluate_fixtures(verbose: bool = False) -> dict[str, Any]:
    result = FixtureResult()
    n_articles = 0
    for source, expected_path in _fixture_inputs():
        expected = json.loads(expected_path.read_text("utf-8"))["articles"]
        raws: list[RawDocument] = []
        for item in read_source(source):
            if isinstance(item, IngestFailure):
                result.errors.append(f"{source.name}: {item.reason}")
            else:
                raws.append(item)
        for raw, gold in zip(raws, expected, strict=False):
            n_articles += 1
            try:
                article = build_article(raw)
            except IngestError as exc:
                result.errors.append(f"{raw.source}: {exc}")
                score_article("", gold, result)
                continue
            misses = score_article(article.text, gold, result)
            for field_name in ("outlet", "dateline", "title"):
                want = gold.get(field_name)
                if want:
                    got = getattr(article, field_name)
                    if got and _same_metadata(field_name, got, want):
                        result.metadata.add(tp=1)
                    else:
                        result.metadata.add(fn=1, fp=1 if got else 0)
                        misses.append(f"{field_name}: got {got!r}, want {want!r}")
            if verbose:
                for miss in misses:
                    print(f"  {Path(raw.source).name}: {miss}")
        if len(raws) != len(expected):
            result.errors.append(f"{source.name}: {len(raws)} articles read, {len(expected)} expected")
    rows = {
        "body retention (blocks)": result.body_blocks.scores(),
        "body retention (chars)": result.body_chars.scores(),
        "boilerplate removal (blocks)": result.boiler_blocks.scores(),
        "boilerplate removal (chars)": result.boiler_chars.scores(),
        "metadata (outlet, dateline, title)": result.metadata.scores(),
    }
    return {"articles": n_articles, "scores": rows, "errors": result.errors}


# ------------------------------------------------------------------------------------ trafilatura-eval


def _page_html(base: Path, filename: str) -> str | None:
    for folder in ("eval", "cache"):
        for candidate in (base / folder / filename, base / folder / (filename + ".gz")):
            if candidate.exists():
                data = candidate.read_bytes()
                if candidate.suffix == ".gz":
                    data = gzip.decompress(data)
                return data.decode("utf-8", "replace")
    return None


def evaluate_trafilatura(limit: int | None = None) -> dict[str, Any] | None:
    import trafilatura

    from newsprism.clean import clean
    from newsprism.ingest.html import extract_html

    data_dir = shared_data_dir()
    if data_dir is None or not (data_dir / "trafilatura-eval" / "evaldata.json").exists():
        return None
    base = data_dir / "trafilatura-eval"
    pages = json.loads((base / "evaldata.json").read_text("utf-8"))
    systems = ("trafilatura.extract", "newsprism")
    counts = {
        s: {"with": 0, "with_kept": 0, "without": 0, "without_removed": 0, "seconds": 0.0} for s in systems
    }
    n_pages = 0
    for url, page in sorted(pages.items()):
        html = _page_html(base, page["file"])
        if html is None:
            continue
        n_pages += 1
        if limit and n_pages > limit:
            break
        outputs: dict[str, str] = {}
        started = time.perf_counter()
        outputs["trafilatura.extract"] = trafilatura.extract(html, url=url) or ""
        counts["trafilatura.extract"]["seconds"] += time.perf_counter() - started
        started = time.perf_counter()
        try:
            text, meta = extract_html(html, url=url)
            result = clean(
                text,
                title_first_line=False,
                line_blocks=True,
                known_title=meta.get("title"),
                outlet_hint=meta.get("outlet"),
            )
            # newsprism outputs the headline as the article's title field, beside the body.
            outputs["newsprism"] = f"{result.title or ''}\n{result.text}"
        except IngestError:
            outputs["newsprism"] = ""
        counts["newsprism"]["seconds"] += time.perf_counter() - started
        for system, output in outputs.items():
            out = norm(output)
            c = counts[system]
            for snippet in page.get("with", []):
                c["with"] += 1
                c["with_kept"] += norm(snippet) in out
            for snippet in page.get("without", []):
                c["without"] += 1
                c["without_removed"] += norm(snippet) not in out
    return {"pages": min(n_pages, limit or n_pages), "counts": counts}


def run(verbose: bool = False, trafilatura_limit: int | None = None) -> dict[str, Any]:
    print("== Cleaning: annotated fixtures (tests/data/clean, tests/data/samples_gold)")
    fixtures = evaluate_fixtures(verbose=verbose)
    print(f"{fixtures['articles']} articles")
    print(f"{'':38} {'P':>6} {'R':>6} {'F1':>6}")
    for name, (p, r, f) in fixtures["scores"].items():
        print(f"{name:38} {p:6.3f} {r:6.3f} {f:6.3f}")
    for error in fixtures["errors"]:
        print(f"  error: {error}")
    print()
    print("== HTML extraction: shared/data/trafilatura-eval")
    traf = evaluate_trafilatura(limit=trafilatura_limit)
    if traf is None:
        print("skipped: ../shared/data/trafilatura-eval not found")
    else:
        print(f"{traf['pages']} pages")
        print(f"{'system':22} {'with kept':>10} {'without removed':>16} {'seconds':>8}")
        for system, c in traf["counts"].items():
            kept = c["with_kept"] / max(1, c["with"])
            removed = c["without_removed"] / max(1, c["without"])
            print(f"{system:22} {kept:10.3f} {removed:16.3f} {c['seconds']:8.1f}")
    print()
    return {"fixtures": fixtures, "trafilatura": traf}


if __name__ == "__main__":
    run(verbose="-v" in sys.argv)
