"""Reading NeuS (``shared/data/neus``): each line of ``{train,val}.source`` is one story told by several
outlets, ``TITLE=> ... ARTICLE=> ...`` segments joined by `` [SEP] ``."""

from __future__ import annotations

import re

NEUS_SEGMENT = re.compile(r"TITLE=> (?P<title>.*?) ARTICLE=> (?P<text>.*)", re.S)


def split_neus_line(line: str) -> list[tuple[str, str]]:
    """(title, text) of each outlet's take in one ``*.source`` line; a take with an empty excerpt is kept
    with text "" so positions stay those of the line."""
    takes: list[tuple[str, str]] = []
    for segment in line.rstrip("\n").split(" [SEP] "):
        match = NEUS_SEGMENT.fullmatch(segment.strip())
        if match is None:
            # "ARTICLE=> " with nothing after it loses its trailing space to strip()
            match = NEUS_SEGMENT.fullmatch(segment.strip() + " ")
        if match is None:
            continue
        title = match.group("title").strip()
        # The dataset ends every title with an added "." ("Branding?." upstream): drop that one.
        takes.append((title[:-1] if title.endswith(".") else title, match.group("text").strip()))
    return takes
