"""The terminal tables of the read commands (stories, entities, quotes, timeline, compare).

Kept apart from the stage modules so that a read command imports only the records, Rich and the escaping
helpers: not numpy, rapidfuzz or the rules (a read is a query and a print, under a second past start-up).
Every cell built from article data goes through ``terminal.safe_text``/``printable``: never read as markup.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from newsprism.records import Entity, Event, Quote, Speaker, Story, StoryComparison

if TYPE_CHECKING:
    from rich.table import Table


def story_table(stories: Sequence[Story]) -> Table:
    """A rich Table of stories: title, size, outlets, date range, duplicate reports, top entities."""
    from rich.table import Table

    from newsprism.terminal import safe_text  # article data: escaped, never read as markup

    table = Table(title="Stories", show_lines=False)
    table.add_column("id", style="dim", no_wrap=True)
    table.add_column("title")
    table.add_column("articles", justify="right")
    table.add_column("outlets")
    table.add_column("dates", no_wrap=True)
    table.add_column("dup. reports", justify="right")
    table.add_column("top entities")
    for story in stories:
        dates = story.first or "?"
        if story.last and story.last != story.first:
            dates = f"{dates} .. {story.last}"
        entities = ", ".join(e.name or e.key for e in story.top_entities[:5])
        table.add_row(
            safe_text(story.id),
            safe_text(story.title),
            str(len(story.articles)),
            safe_text(", ".join(story.outlets)),
            safe_text(dates),
            str(len(story.duplicates)),
            safe_text(entities),
        )
    return table


def entity_table(entities: Sequence[Entity], name: str | None = None, total: int | None = None) -> Table:
    """The cast as a Rich table: one row per entity, labels grouped by outlet (``total``: before a limit)."""
    from rich.table import Table
    from rich.text import Text

    from newsprism.terminal import printable, safe_text  # article data: escaped, never read as markup

    if name and total is None:
        from newsprism.entities import find_entities

        rows = list(find_entities(entities, name))
    else:
        rows = list(entities)
    count = len(rows) if total is None else total
    table = Table(
        title=safe_text(f"Cast ({count} entities)" + (f" matching {name!r}" if name else "")),
        show_lines=True,
    )
    table.add_column("Entity", style="bold")
    table.add_column("Type")
    table.add_column("Aliases")
    table.add_column("Mentions", justify="right")
    table.add_column("Labels by outlet")
    for entity in rows:
        aliases = ", ".join(f"{a.text} ×{a.count}" for a in entity.aliases[:8])
        labels = Text("\n").join(
            Text.assemble((printable(outlet), "italic"), ": ", printable("; ".join(texts)))
            for outlet, texts in entity.label_groups.items()
        )
        table.add_row(
            safe_text(entity.name),
            safe_text(entity.type),
            safe_text(aliases),
            f"{len(entity.mentions)} in {len(entity.articles)}",
            labels,
        )
    return table


def quote_table(quotes: Sequence[Quote]) -> Table:
    """A rich table for ``newsprism quotes``: speaker, source type, kind, cue and the quoted text."""
    from rich.table import Table

    from newsprism.terminal import safe_text  # article data: escaped, never read as markup ("[sic]")

    table = Table(title="Who said what", show_lines=False, expand=True)
    table.add_column("article", style="dim", no_wrap=True)
    table.add_column("span", style="dim", no_wrap=True)
    table.add_column("speaker", style="bold")
    table.add_column("source type")
    table.add_column("kind")
    table.add_column("cue", style="cyan")
    table.add_column("text", ratio=3)
    for q in quotes:
        speaker = q.speaker or Speaker()
        who = speaker.text or "" if speaker.text == speaker.mention else f"{speaker.text} ({speaker.mention})"
        if q.via:
            who += f" via {q.via}"
        text = q.text if len(q.text) <= 240 else q.text[:237] + "…"
        table.add_row(
            safe_text(q.article),
            safe_text(f"{q.start}-{q.end}"),
            safe_text(who),
            safe_text(q.source_type or ""),
            safe_text(q.kind),
            safe_text(q.cue or ""),
            safe_text(text),
        )
    return table


def event_table(events: Sequence[Event]) -> Table:
    """A rich table of the timeline for the CLI."""
    from rich.table import Table

    from newsprism.terminal import safe_text  # article data: escaped, never read as markup

    table = Table(title="Timeline", show_lines=False)
    table.add_column("Date", no_wrap=True)
    table.add_column("Prec.", style="dim")
    table.add_column("Event")
    table.add_column("Participants", style="cyan")
    table.add_column("Reported by", justify="right")
    for event in events:
        date_cell = safe_text(event.date or "—")
        if event.date_text:
            date_cell.append("\n").append_text(safe_text(event.date_text, style="dim"))
        table.add_row(
            date_cell,
            safe_text(event.precision),
            safe_text(event.summary),
            safe_text(", ".join(p.split(":", 1)[-1] for p in event.participants)),
            f"{len(event.articles or {m.article for m in event.mentions})} art. / {len(event.mentions)} ment.",
        )
    return table


# ------------------------------------------------------------------------------------------- compare

_CELL = {"reports": "reports", "quotes": "quotes it", "absent": "·"}
_STATUS_STYLE = {"corroborated": "green", "contested": "bold red", "single_source": "yellow"}


def comparison_tables(story: Story, comparison: StoryComparison, limit: int = 20) -> list[Table]:
    """The outlet comparison of one story as terminal tables: kinds, claims, coverage, framing."""
    from rich.table import Table

    from newsprism.terminal import safe_text

    kinds = Table(title=safe_text(f"{story.title} ({story.id}): the outlets"), show_lines=False)
    kinds.add_column("outlet")
    kinds.add_column("article", style="dim")
    kinds.add_column("kind")
    kinds.add_column("evidence")
    for kind in comparison.kinds:
        evidence = [e for e in kind.kind_evidence if not e.startswith("scores:")][:3]
        kinds.add_row(
            safe_text(kind.outlet), safe_text(kind.article[:12]), kind.kind, safe_text("; ".join(evidence))
        )

    claims = Table(title="Claims across outlets (most sourced first)", show_lines=False)
    claims.add_column("status", no_wrap=True)
    claims.add_column("sources", justify="right")
    claims.add_column("outlets")
    claims.add_column("claim")
    shown = [g for g in comparison.claims if g.sources >= 2 or g.status == "contested"][:limit]
    shown += [g for g in comparison.claims if g.sources < 2 and g.status != "contested"][
        : max(0, limit - len(shown))
    ]
    for group in shown:
        text = group.text if len(group.text) <= 200 else group.text[:199] + "…"
        cell = safe_text(text)
        if group.conflict is not None:
            values = " vs ".join(v.value for v in group.conflict.values)
            cell.append_text(safe_text(f"\ndisputed {group.conflict.field}: {values}", "bold red"))
        claims.add_row(
            safe_text(group.status, _STATUS_STYLE.get(group.status, "")),
            str(group.sources),
            safe_text(", ".join(group.outlets)),
            cell,
        )

    cover = Table(title="Coverage: who reports what (· = absent)", show_lines=False)
    cover.add_column("claim")
    for outlet in comparison.coverage.outlets:
        cover.add_column(safe_text(outlet), justify="center")
    text_of = {g.id: g.text for g in comparison.claims}
    rows = [r for r in comparison.coverage.rows if sum(c != "absent" for c in r.cells.values()) >= 2][:limit]
    for row in rows:
        text = text_of.get(row.claim, row.claim)
        cover.add_row(
            safe_text(text[:90] + ("…" if len(text) > 90 else "")),
            *(_CELL.get(row.cells.get(o, "absent"), "·") for o in comparison.coverage.outlets),
        )

    framing = Table(title="Framing of the main actors, by outlet", show_lines=False)
    framing.add_column("actor")
    framing.add_column("outlet")
    framing.add_column("labels")
    framing.add_column("loaded terms (own voice)")
    framing.add_column("sentiment", justify="right")
    framing.add_column("sources quoted")
    for item in comparison.framing:
        own = list(dict.fromkeys(t.text for t in item.loaded_terms if not t.in_quote))
        sentiment = "" if item.sentiment is None else f"{item.sentiment:+.2f}"
        sources = ", ".join(f"{k} {v}" for k, v in sorted(item.sources_quoted.items(), key=lambda kv: -kv[1]))
        framing.add_row(
            safe_text(item.name),
            safe_text(item.outlet),
            safe_text(", ".join(item.labels[:6])),
            safe_text(", ".join(own[:8])),
            sentiment,
            safe_text(sources),
        )
    return [kinds, claims, cover, framing]
