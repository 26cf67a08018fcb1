"""Scaling check for the per-article text stages on pathological inputs (issue 15, item 9).

Each case is generated at size n and 2n; the stage's CPU time (the spaCy parse excluded: it is done first and
timed apart) and the ratio between the two sizes are printed. A linear stage doubles (ratio about 2); a
quadratic one quadruples. Targets: 10,000 quotation marks through the quote stage in under 2 s; nothing
superlinear. The stages are single-threaded Python, so CPU time is their cost even on a machine busy with
other work (wall time is printed too).

    .venv/bin/python fuzz/bench_text_stages.py                  # every stage
    .venv/bin/python fuzz/bench_text_stages.py --stage quotes   # one stage
    .venv/bin/python fuzz/bench_text_stages.py --scale 0.5      # smaller inputs
    .venv/bin/python fuzz/bench_text_stages.py --baseline DIR   # the stage modules of another version:
        DIR holds clean.py, quotes.py, timeline.py, entities.py (e.g. from `git show REV:newsprism/quotes.py`)
        and a `rules` link to newsprism/rules

This is a benchmark, not a test: the numbers depend on the machine.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

FIRST = [
    "Maria",
    "John",
    "Aisha",
    "Pedro",
    "Hannah",
    "Omar",
    "Grace",
    "Ivan",
    "Sofia",
    "Kwame",
    "Lena",
    "Rahul",
]
LAST = [
    "Lopez",
    "Smith",
    "Khan",
    "Alvarez",
    "Schmidt",
    "Haddad",
    "Okafor",
    "Petrov",
    "Rossi",
    "Mensah",
    "Berg",
]
MONTHS = ["January", "February", "March", "April", "June", "July", "August", "September", "October"]


SYLLABLES = [
    "ka",
    "lo",
    "mi",
    "ren",
    "sa",
    "to",
    "vu",
    "bel",
    "dor",
    "fa",
    "gi",
    "han",
    "jo",
    "ku",
    "ner",
    "pi",
]


def person(i: int) -> str:
    return f"{FIRST[i % len(FIRST)]} {LAST[(i // len(FIRST)) % len(LAST)]}"


def distinct_person(i: int) -> str:
    """A different made-up surname for every i ("Maria Kalomi"), so the names do not repeat."""
    syllables, k = [], i + len(SYLLABLES)
    while k:
        k, r = divmod(k, len(SYLLABLES))
        syllables.append(SYLLABLES[r])
    return f"{FIRST[i % len(FIRST)]} {''.join(syllables).capitalize()}"


# ------------------------------------------------------------------------------------------ generators
# Each generator takes a size n (quotation marks, lines, dates or names) and returns one article's text.


def _quote_sentences(n_marks: int, curly: bool) -> list[str]:
    o, c = ("“", "”") if curly else ('"', '"')
    out: list[str] = []
    i = 0
    while 2 * len(out) < n_marks:
        who = person(i)
        forms = [
            f"{o}We will rebuild bridge number {i} before the winter comes,{c} said {who}.",
            f"{who} said: {o}The budget for district {i} is not enough for the schools.{c}",
            f"{o}Prices in block {i} keep rising,{c} she said. {o}Wages do not.{c}",
            f"The mayor called plan {i} a {o}quiet revolution{c} on Tuesday, according to {who}.",
            f"{who}, a teacher in ward {i}, told reporters that {o}nobody listens to us{c} anymore.",
        ]
        out.append(forms[i % len(forms)])
        i += 1
    return out


def quotes_straight(n: int) -> str:
    sents = _quote_sentences(n, curly=False)
    paras = [" ".join(sents[k : k + 4]) for k in range(0, len(sents), 4)]
    return "Council meets on the budget\n\n" + "\n\n".join(paras)


def quotes_curly(n: int) -> str:
    sents = _quote_sentences(n, curly=True)
    paras = [" ".join(sents[k : k + 4]) for k in range(0, len(sents), 4)]
    return "Council meets on the budget\n\n" + "\n\n".join(paras)


def quotes_unbalanced(n: int) -> str:
    """Opening marks that never close, stray straight marks and inch marks, in paragraphs of four sentences."""
    sents = []
    for i in range(n):
        who = person(i)
        forms = [
            f"{who} said “the plan for road {i} will work and then left.",
            f'The {i % 30 + 2}" pipe burst near the station, {who} said.',
            f"“Open the doors of hall {i} now,” said {who}",
            f"Some called it “a disgrace and others “a triumph of road {i}.",
        ]
        sents.append(forms[i % len(forms)])
    paras = [" ".join(sents[k : k + 4]) for k in range(0, len(sents), 4)]
    return "Stray marks\n\n" + "\n\n".join(paras)


def quotes_giant_paragraph(n: int) -> str:
    return "One paragraph\n\n" + " ".join(_quote_sentences(n, curly=True))


def quotes_short_paragraphs(n: int) -> str:
    return "Many paragraphs\n\n" + "\n\n".join(_quote_sentences(n, curly=True))


def quotes_single(n: int) -> str:
    sents = [f"‘The levy on lane {i} is unfair,’ said {person(i)}." for i in range(n // 2)]
    return "British style\n\n" + "\n\n".join(" ".join(sents[k : k + 4]) for k in range(0, len(sents), 4))


def clean_huge_paragraph(n: int) -> str:
    body = " ".join(f"The council approved item {i} after a long “debate about roads." for i in range(n))
    return "Headline of the day\n\n" + body


def clean_short_lines(n: int) -> str:
    return "Headline of the day\n" + "\n".join(f"Item {i}" for i in range(n))


def clean_short_paragraphs(n: int) -> str:
    return (
        "Headline of the day\n\n"
        + "\n\n".join(f"Line {i} ok" for i in range(n))
        + "\n\nDonate now to support us."
    )


def clean_repeated_blocks(n: int) -> str:
    blocks = [
        "Sign up for our newsletter to get the news every morning.",
        "The bridge reopened on Monday after repairs that took three months, officials said.",
        "Share this article",
    ]
    return "Headline of the day\n\n" + "\n\n".join(blocks[i % 3] for i in range(n))


def timeline_dates(n: int) -> str:
    forms = [
        "On {m} {d}, 2019, the council met in the hall.",
        "Last Tuesday the mayor spoke to {p} about the plan.",
        "Three days later, {p} resigned from the board.",
        "The vote was held in {m} 2018 and again on {m} {d}.",
        "By 2021-03-{dd} the works had started, and two weeks ago they stopped.",
    ]
    sents = []
    for i in range(n):
        form = forms[i % len(forms)]
        sents.append(
            form.format(m=MONTHS[i % len(MONTHS)], d=i % 28 + 1, dd=f"{i % 28 + 1:02d}", p=person(i))
        )
    return "Dates\n\n" + "\n\n".join(" ".join(sents[k : k + 5]) for k in range(0, len(sents), 5))


def timeline_dates_one_paragraph(n: int) -> str:
    return "Dates\n\n" + " ".join(
        f"On {MONTHS[i % 9]} {i % 28 + 1}, {1990 + i % 30} it rained." for i in range(n)
    )


def entities_names(n: int) -> str:
    forms = [
        "Mr. {last} met {p} of the National Roads Agency (NRA) on Monday.",
        "{p}'s office said the NRA would answer.",
        "{last} and Dr. {p2} visited {city}, where Senator {p} spoke.",
        "The agency chief, {p}, said {last} was wrong.",
    ]
    cities = ["Lagos", "Berlin", "Lima", "Cairo", "Pune", "Oslo", "Quito", "Accra"]
    sents = []
    for i in range(n // 2):
        p, p2 = distinct_person(i), distinct_person(i * 7 + 3)
        sents.append(
            forms[i % len(forms)].format(p=p, p2=p2, last=p.split()[-1], city=cities[i % len(cities)])
        )
    return "Names\n\n" + "\n\n".join(" ".join(sents[k : k + 4]) for k in range(0, len(sents), 4))


# ------------------------------------------------------------------------------------------ stages


@dataclass
class Case:
    stage: str
    name: str
    make: Callable[[int], str]
    n: int
    unit: str


CASES = [
    Case("quotes", "straight", quotes_straight, 10_000, "marks"),
    Case("quotes", "curly", quotes_curly, 10_000, "marks"),
    Case("quotes", "unbalanced", quotes_unbalanced, 10_000, "marks"),
    Case("quotes", "giant paragraph", quotes_giant_paragraph, 10_000, "marks"),
    Case("quotes", "short paragraphs", quotes_short_paragraphs, 10_000, "marks"),
    Case("quotes", "single marks", quotes_single, 10_000, "marks"),
    Case("clean", "huge paragraph", clean_huge_paragraph, 20_000, "sentences"),
    Case("clean", "short lines", clean_short_lines, 50_000, "lines"),
    Case("clean", "short paragraphs", clean_short_paragraphs, 50_000, "paragraphs"),
    Case("clean", "repeated blocks", clean_repeated_blocks, 30_000, "blocks"),
    Case("timeline", "dates", timeline_dates, 5_000, "dates"),
    Case("timeline", "dates, one paragraph", timeline_dates_one_paragraph, 5_000, "dates"),
    Case("entities", "names", entities_names, 5_000, "names"),
]


def _parse(text: str):  # type: ignore[no-untyped-def]
    from newsprism import nlp

    spacy = nlp.load_spacy()
    spacy.max_length = max(spacy.max_length, len(text) + 1)
    return spacy(text)


STAGE_MODULES = {"clean": "clean", "quotes": "quotes", "timeline": "timeline", "entities": "entities"}
_modules: dict[str, Any] = {}


def stage_module(name: str, baseline: Path | None) -> Any:
    """newsprism.<name>, or the file of that name in the baseline folder (loaded under another name)."""
    if baseline is None:
        return importlib.import_module(f"newsprism.{name}")
    if name not in _modules:
        spec = importlib.util.spec_from_file_location(f"baseline_{name}", baseline / f"{name}.py")
        assert spec is not None and spec.loader is not None, baseline
        module = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = module
        spec.loader.exec_module(module)
        _modules[name] = module
    return _modules[name]


@dataclass
class Timing:
    parse: float  # wall seconds of the spaCy parse (0 for the cleaner)
    cpu: float  # CPU seconds of the stage
    wall: float  # wall seconds of the stage
    count: int  # size of the output


def run_stage(stage: str, text: str, baseline: Path | None = None) -> Timing:
    module = stage_module(STAGE_MODULES[stage], baseline)
    parse_s = 0.0
    if stage == "clean":
        c0, t0 = time.process_time(), time.perf_counter()
        count = len(module.clean(text).blocks)
        return Timing(parse_s, time.process_time() - c0, time.perf_counter() - t0, count)
    t0 = time.perf_counter()
    doc = _parse(text)
    parse_s = time.perf_counter() - t0
    article = {"id": "bench", "text": text, "spacy_doc": doc, "published": "2019-04-20", "outlet": "Bench"}
    c0, t0 = time.process_time(), time.perf_counter()
    if stage == "quotes":
        count = len(module.extract_quotes(article))
    elif stage == "timeline":
        count = len(module.find_temporal_expressions(doc, "2019-04-20"))
        count += len(module.extract_event_mentions(article))
    else:
        count = len(module.extract_local_entities(article))
    return Timing(parse_s, time.process_time() - c0, time.perf_counter() - t0, count)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--stage", choices=["quotes", "clean", "timeline", "entities"], action="append")
    ap.add_argument("--case", help="only cases whose name contains this")
    ap.add_argument("--scale", type=float, default=1.0, help="multiply every size by this")
    ap.add_argument("--no-double", action="store_true", help="size n only (no 2n run, no ratio)")
    ap.add_argument("--baseline", type=Path, help="folder with another version's stage modules")
    args = ap.parse_args()
    stages = args.stage or ["quotes", "clean", "timeline", "entities"]
    print(
        f"{'stage':9} {'case':22} {'n':>7} {'unit':10} {'chars':>9} {'parse s':>8} {'cpu s':>7} {'wall s':>7} "
        f"{'2n cpu s':>8} {'ratio':>6}"
    )
    for case in CASES:
        if case.stage not in stages or (args.case and args.case not in case.name):
            continue
        n = max(10, int(case.n * args.scale))
        text = case.make(n)
        one = run_stage(case.stage, text, args.baseline)
        double, ratio = "", ""
        if not args.no_double:
            two = run_stage(case.stage, case.make(2 * n), args.baseline)
            double, ratio = f"{two.cpu:8.2f}", f"{two.cpu / max(one.cpu, 1e-3):6.1f}"
        print(
            f"{case.stage:9} {case.name:22} {n:7d} {case.unit:10} {len(text):9d} {one.parse:8.1f} {one.cpu:7.2f} "
            f"{one.wall:7.2f} {double:>8} {ratio:>6}",
            flush=True,
        )


if __name__ == "__main__":
    main()
