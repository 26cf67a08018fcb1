"""Shared fixtures: the models load once per test session."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
DATA = ROOT / "tests" / "data"
SAMPLE_FILES = sorted(EXAMPLES.glob("*.txt"))


@pytest.fixture(scope="session")
def sample_articles() -> list[dict]:
    """The three bundled samples, cleaned and annotated (with their sidecar publication dates)."""
    from newsprism.api import process_paths

    return process_paths(SAMPLE_FILES)


@pytest.fixture(scope="session")
def samples_by_outlet(sample_articles) -> dict[str, dict]:
    return {a["outlet"]: a for a in sample_articles}


@pytest.fixture(scope="session")
def undated_sample_articles(tmp_path_factory) -> list[dict]:
    """The samples without their sidecars: no publication dates."""
    from newsprism.api import process_paths

    folder = tmp_path_factory.mktemp("undated")
    for path in SAMPLE_FILES:
        shutil.copy(path, folder / path.name)
    return process_paths(sorted(folder.glob("*.txt")))
