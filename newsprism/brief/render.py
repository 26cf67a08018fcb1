"""A stored brief as text, Markdown or JSON, as prose or as an outline, with numbered footnotes that quote the
cited article sentences (read from the store: nothing is recomputed)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from newsprism.records import Brief, BriefCitation, Story

_MD_SPECIAL = str.maketrans({c: "\\" + c for c in "\\`*_[]#|"} | {"<": "&lt;", ">": "&gt;", "&": "&amp;"})
STATUS_TAGS = {"corroborated": "corroborated", "single_source": "one source", "contested": "contested"}


@dataclass(frozen=True)
class CitedArticle:
    outlet: str
    title: str
    text: str


class _Notes:
    """Footnote numbers, one per distinct cited sentence, in order of first citation."""

    def __init__(self) -> None:
        self.order: list[BriefCitation] = []
        self.number: dict[tuple[str, int, int], int] = {}

    def mark(self, citations: Sequence[BriefCitation]) -> list[int]:
        out = []
        for c in citations:
            key = (c.article, c.start, c.end)
            if key not in self.number:
                self.order.append(c)
                self.number[key] = len(self.order)
            out.append(self.number[key])
        return out


def render(
    story: Story,
    brief: Brief,
    articles: dict[str, CitedArticle],
    fmt: str = "text",  # text | md
    outline: bool = False,
) -> str:
    md = fmt == "md"

    def safe(text: str) -> str:
        """Article text is untrusted: in Markdown no tag, link or emphasis of its own survives."""
        return text.translate(_MD_SPECIAL) if md else text

    notes = _Notes()
    lines = [f"## {safe(story.title)}" if md else story.title, ""]
    body = []
    for sentence in brief.sentences:
        marks = notes.mark(sentence.citations)
        ref = "".join(f"[^{n}]" for n in marks) if md else "[" + ",".join(map(str, marks)) + "]"
        if outline:
            tag = STATUS_TAGS.get(sentence.status, sentence.status)
            when = f"{sentence.date}, " if sentence.date else ""
            body.append(f"- {safe(sentence.text)} {ref} ({when}{tag}: {safe(', '.join(sentence.outlets))})")
        else:
            body.append(f"{safe(sentence.text)}{ref}")
    lines.extend(body if outline else [" ".join(body)])
    if brief.differences:
        lines += ["", "### How the outlets differ" if md else "How the outlets differ:", ""]
        for difference in brief.differences:
            marks = notes.mark(difference.citations[:6])
            ref = (
                "".join(f"[^{n}]" for n in marks)
                if md
                else ("[" + ",".join(map(str, marks)) + "]" if marks else "")
            )
            lines.append(f"- {safe(difference.text)}{ref}")
    if notes.order:
        lines += ["", "### Sources" if md else "Sources:", ""]
        for n, c in enumerate(notes.order, start=1):
            found = articles.get(c.article)
            quoted = " ".join(found.text[c.start : c.end].split()) if found else ""
            where = f"{found.outlet}, “{found.title}”" if found else c.article
            lines.append(f"[^{n}]: {safe(where)}: “{safe(quoted)}”" if md else f"[{n}] {where}: “{quoted}”")
    return "\n".join(lines).rstrip() + "\n"
