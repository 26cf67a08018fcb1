"""Shared fixtures: the models load once per test session."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from newsprism.nlp import ParsedArticle

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
DATA = ROOT / "tests" / "data"
SAMPLE_FILES = sorted(EXAMPLES.glob("*.txt"))


@pytest.fixture(scope="session")
def sample_articles() -> list[ParsedArticle]:
    """The three bundled samples, cleaned and annotated (with their sidecar publication dates)."""
    from newsprism.api import process_paths

    return process_paths(SAMPLE_FILES)


@pytest.fixture(scope="session")
def samples_by_outlet(sample_articles) -> dict[str, ParsedArticle]:
    return {a.article.outlet or "": a for a in sample_articles}


@pytest.fixture(scope="session")
def undated_sample_articles(tmp_path_factory) -> list[ParsedArticle]:
    """The samples without their sidecars: no publication dates."""
    from newsprism.api import process_paths

    folder = tmp_path_factory.mktemp("undated")
    for path in SAMPLE_FILES:
        shutil.copy(path, folder / path.name)
    return process_paths(sorted(folder.glob("*.txt")))
