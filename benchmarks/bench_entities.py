"""Benchmark for newsprism.entities: how cross-document resolution scales with the number of articles.

What is timed, honestly:

1. **Linking** (``link_local_entities`` + ``build_entities``), the only stage whose cost depends on the whole
   collection, on synthetic per-article output for 2,000 and 20,000 articles. Parsing 20,000 texts with spaCy
   and embedding their contexts with MiniLM would take hours on this machine and both are per-article costs
   (linear by construction), so the synthetic articles carry ready-made local entities: ~24 actors each drawn
   from a Zipf-distributed population of people and organisations (population grows with the corpus),
   written in spelling variants (vowel swaps that keep or change the metaphone key), surname-only
   mentions, acronyms, and context vectors clustered around a per-actor topic vector.
2. **Per-article stages** on real text: mention extraction, labels and MiniLM context embedding for the 30
   annotated articles in ``tests/data/entities`` (spaCy parsing excluded: it is the pipeline's job), reported
   per article. Pass ``--no-real`` to skip (it loads the models).

Usage: ``python benchmarks/bench_entities.py [--sizes 2000 20000] [--no-real]``.
"""

from __future__ import annotations

import argparse
import random
import resource
import time

import numpy as np

from newsprism.entities import LocalEntity, Mention, build_entities, link_local_entities

DIM = 384  # MiniLM vector size
GIVEN = [
    "Ahmed", "Maria", "John", "Olga", "Li", "Fatima", "Pedro", "Anna", "Yusuf", "Kenji", "Amara", "Ivan",
    "Sofia", "Omar", "Grace", "Mohammed", "Elena", "David", "Aisha", "Carlos", "Nadia", "Peter", "Sara", "Ali",
]  # fmt: skip


def _surname(rng: random.Random) -> str:
    syllables = ["ka", "ha", "far", "mo", "ri", "za", "yed", "ter", "lin", "gor", "bas", "dun", "el", "os",
                 "vik", "ran", "tu", "shi", "mar", "ne", "do", "qa", "fi", "sen"]  # fmt: skip
    return "".join(rng.choice(syllables) for _ in range(rng.randint(2, 3))).capitalize()


def _variant(name: str, rng: random.Random) -> str:
    """A transliteration-like variant: one vowel swapped (metaphone usually unchanged)."""
    vowels = [i for i, c in enumerate(name) if c in "aeiou"]
    if not vowels:
        return name
    i = rng.choice(vowels)
    return name[:i] + rng.choice([v for v in "aeiou" if v != name[i]]) + name[i + 1 :]


def synthesise(n_articles: int, seed: int = 13) -> list[LocalEntity]:
    rng = random.Random(seed)
    np_rng = np.random.default_rng(seed)
    n_people = max(50, n_articles // 3)
    n_orgs = max(30, n_articles // 5)
    people = [(rng.choice(GIVEN), _surname(rng)) for _ in range(n_people)]
    orgs = [" ".join(_surname(rng) for _ in range(rng.randint(2, 4))) + " " + rng.choice(["Army", "Party", "Bank"])
            for _ in range(n_orgs)]  # fmt: skip
    topics = np_rng.normal(size=(n_people + n_orgs, DIM)).astype(np.float32)
    topics /= np.linalg.norm(topics, axis=1, keepdims=True)
    zipf_people = np.minimum(np_rng.zipf(1.3, size=n_articles * 10), n_people) - 1
    zipf_orgs = np.minimum(np_rng.zipf(1.3, size=n_articles * 10), n_orgs) - 1
    locals_: list[LocalEntity] = []
    pi = oi = 0
    for a in range(n_articles):
        article = f"a{a:06d}"
        pos = 0
        actors = {int(x) for x in zipf_people[pi : pi + 10]}
        pi += 10
        orgs_here = {int(x) for x in zipf_orgs[oi : oi + 6]}
        oi += 6
        for p in sorted(actors):
            given, surname = people[p]
            if rng.random() < 0.2:
                surname = _variant(surname, rng)
            forms = [f"{given} {surname}"] if rng.random() < 0.8 else []
            forms += [surname] * rng.randint(1, 4)
            local = LocalEntity(article, "Outlet", "PERSON")
            for form in forms:
                local.mentions.append(Mention(article, pos, pos + len(form), form, "PERSON", "ner", 0, -1))
                pos += len(form) + 40
            vec = topics[p] + np_rng.normal(scale=0.05, size=DIM).astype(np.float32)
            local.vec = vec / np.linalg.norm(vec)
            locals_.append(local)
        for o in sorted(orgs_here):
            name = orgs[o]
            local = LocalEntity(article, "Outlet", "ORG")
            acronym = "".join(w[0] for w in name.split()).upper()
            forms = [name] + ([acronym] if rng.random() < 0.3 else [])
            if rng.random() < 0.1:
                forms = [acronym]
            for form in forms:
                local.mentions.append(Mention(article, pos, pos + len(form), form, "ORG", "ner", 0, -1))
                pos += len(form) + 40
            local.acronym = acronym if len(forms) == 1 and forms[0] == acronym else None
            vec = topics[n_people + o] + np_rng.normal(scale=0.05, size=DIM).astype(np.float32)
            local.vec = vec / np.linalg.norm(vec)
            locals_.append(local)
    return locals_


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def bench_linking(sizes: list[int]) -> dict[int, float]:
    timings: dict[int, float] = {}
    for n in sizes:
        locals_ = synthesise(n)
        mentions = sum(len(loc.mentions) for loc in locals_)
        start = time.perf_counter()
        entities = build_entities(locals_, link_local_entities(locals_))
        elapsed = time.perf_counter() - start
        timings[n] = elapsed
        print(
            f"linking {n:>6} articles: {len(locals_):>7} local entities, {mentions:>7} mentions -> "
            f"{len(entities):>6} entities in {elapsed:7.2f} s ({n / elapsed:8.0f} articles/s, "
            f"{mentions / elapsed:9.0f} mentions/s); peak RSS {peak_rss_mb():.0f} MB"
        )
    return timings


def bench_real() -> None:
    from newsprism import entities as E
    from newsprism.evaluation.entities_eval import gold_articles, load_gold

    articles, _ = gold_articles(load_gold())
    start = time.perf_counter()
    locals_ = [loc for article in articles for loc in E.extract_local_entities(article)]
    extract = time.perf_counter() - start
    from newsprism import nlp

    nlp.embed(["warm-up"])
    start = time.perf_counter()
    E._context_vectors(articles, locals_, nlp.embed)
    embedding = time.perf_counter() - start
    n = len(articles)
    print(
        f"per-article stages on {n} real articles: extraction+labels {1000 * extract / n:.0f} ms/article, "
        f"MiniLM contexts {1000 * embedding / n:.0f} ms/article ({len(locals_)} local entities); "
        f"peak RSS {peak_rss_mb():.0f} MB"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[2000, 20000])
    parser.add_argument("--no-real", action="store_true", help="skip the per-article timing on real text")
    args = parser.parse_args()
    timings = bench_linking(args.sizes)
    if len(args.sizes) >= 2:
        small, large = args.sizes[0], args.sizes[-1]
        print(
            f"growth: {large / small:.0f}x articles -> {timings[large] / timings[small]:.1f}x time "
            f"(linear would be {large / small:.0f}x)"
        )
    if not args.no_real:
        bench_real()


if __name__ == "__main__":
    main()
