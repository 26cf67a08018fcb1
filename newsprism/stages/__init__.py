"""The stage registry: what each stage needs and produces, where it runs, and its version.

Every stage has one signature, ``run(batch, context) -> results`` (a list in, a list of the same length out,
each result a record or a :class:`~newsprism.records.StageFailure`), so executors (serial, process pool, Ray)
run any of them without knowing which. A stage's version is its code version plus a hash of the rule files it
reads: results stamped with another version are recomputed by ``newsprism reprocess``, and only those.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Literal

Scope = Literal["article", "corpus", "story"]

# The actor-sentiment weights the extract stage runs (``compare.sentiment.MODEL_VERSION``; a test keeps the two
# equal): new weights are a new extract version. Kept here so the registry imports no model code.
SENTIMENT_MODEL = "minilm3-mtsc-1"


@dataclass(frozen=True)
class StageSpec:
    name: str
    scope: Scope  # article: once per article, in the workers; corpus: over the store; story: once per story
    needs: tuple[str, ...]
    produces: tuple[str, ...]
    code_version: str  # bump when the stage's output for the same input changes
    rule_files: tuple[str, ...] = ()  # files under newsprism/rules/ whose contents shape the output

    @property
    def version(self) -> str:
        return _version(self.code_version, self.rule_files)


@cache
def _version(code_version: str, rule_files: tuple[str, ...]) -> str:
    digest = hashlib.sha1()
    rules = resources.files("newsprism") / "rules"
    for name in rule_files:
        digest.update(name.encode())
        digest.update((rules / name).read_bytes())
    return f"{code_version}+{digest.hexdigest()[:10]}" if rule_files else code_version


def _rules(*suffixes: str) -> tuple[str, ...]:
    rules = resources.files("newsprism") / "rules"
    return tuple(sorted(p.name for p in rules.iterdir() if p.name.endswith(suffixes)))


STAGES: dict[str, StageSpec] = {
    spec.name: spec
    for spec in (
        StageSpec("ingest", "article", ("source",), ("article", "parse"), "1", _rules(".toml", ".txt")),
        StageSpec(
            "extract",
            "article",
            ("article", "parse"),
            ("local_entities", "quotes", "event_mentions", "story_vector", "claims", "framing_cues"),
            # 2: the writer's first person, dash credits, transcript turns, named days, capital initials
            # 3: titles with their modifiers ("Florida Gov."), party-state tags, hyphenated titles, party
            # members as the party ("Senate Democrats"), administrations named after their leader, "the court"
            # after the Supreme Court
            # 4: the outlet comparison's per-article part (claims, loaded terms, actor sentiment, kind)
            # 5: each claim's neutral wording for the brief
            f"5.{SENTIMENT_MODEL}",
            _rules(".toml", ".txt"),
        ),
        StageSpec("stories", "corpus", ("article", "story_vector"), ("story", "duplicate"), "1"),
        StageSpec(
            "story_analysis",
            "story",
            ("story", "local_entities", "quotes", "event_mentions"),
            ("entity", "quote", "event", "comparison", "brief"),
            "4",  # 2: one actor across stories keeps one id; 3: the outlet comparison; 4: the brief
            _rules(".toml", ".txt"),
        ),
    )
}


def stage(name: str) -> StageSpec:
    try:
        return STAGES[name]
    except KeyError:
        raise KeyError(f"no stage {name!r}; stages: {', '.join(STAGES)}") from None
