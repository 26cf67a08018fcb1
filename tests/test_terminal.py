"""Terminal safety: hostile article data never reaches the terminal as markup or control characters."""

from __future__ import annotations

import io
import json
import logging
import sys
import unicodedata
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st
from rich.console import Console
from typer.testing import CliRunner

from newsprism import cli
from newsprism.cli import app
from newsprism.terminal import EscapingFormatter, printable, safe_text

BIDI_CONTROLS = set("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
UNSAFE_CATEGORIES = {"Cc", "Cs", "Zl", "Zp"}  # controls (C0, DEL, C1), surrogates, line/paragraph separators


def unsafe_chars(text: str, allowed: str = "") -> list[str]:
    """Characters a terminal would act on (or choke on) rather than show."""
    return [
        c
        for c in text
        if c not in allowed and (unicodedata.category(c) in UNSAFE_CATEGORIES or c in BIDI_CONTROLS)
    ]


# The kinds of hostile pieces a page or feed can carry: SGR, OSC (window title, hyperlink), CSI via C1, erase
# screen, cursor tricks, line forging, bidi override, a lone surrogate, NUL and DEL.
HOSTILE_PIECES = [
    "\x1b[31m",
    "\x1b]0;title\x07",
    "\x1b]8;;http://evil.example/\x1b\\",
    "\x9b2J",
    "\x1b[2J",
    "\r",
    "\n",
    "\r\n",
    "\t",
    "\x08",
    "\x00",
    "\x7f",
    "\x85",
    "\u2028",
    "\u202e",
    "\u2066",
    "\ud800",
    "[/b]",
    "[bold red]",
    "[sic]",
    ":smile:",
]

any_char = st.characters(exclude_categories=())  # every code point, surrogates and controls included
hostile_text = st.lists(st.one_of(any_char, st.sampled_from(HOSTILE_PIECES)), max_size=40).map("".join)
# Characters that str.isprintable() accepts: everything but controls, format, surrogates, private use,
# unassigned and separators other than the ASCII space.
printable_text = st.text(
    st.one_of(
        st.characters(exclude_categories=("Cc", "Cf", "Cs", "Co", "Cn", "Zs", "Zl", "Zp")), st.just(" ")
    )
)


# ------------------------------------------------------------------------------------------ printable


def test_printable_escapes_control_characters_visibly() -> None:
    assert printable("a\x1b[31mb") == "a\\x1b[31mb"
    assert printable("\x1b]0;title\x07") == "\\x1b]0;title\\x07"
    assert printable("one\ntwo\r\tthree") == "one\\ntwo\\r\\tthree"
    assert printable("\x00\x7f\x85\x9b") == "\\x00\\x7f\\x85\\x9b"
    assert printable("abc\u202edef\u2066\u2028") == "abc\\u202edef\\u2066\\u2028"
    assert printable("\ud800") == "\\ud800"


def test_printable_leaves_text_and_markup_alone() -> None:
    for text in ("Budget vote [/b] passes", "promised [sic]", "Zoë’s café — 10 €", "東京 👩‍👩‍👧", "a\\x1b"):
        assert printable(text) == text
    assert printable("co\u00adop\u200dx") == "co\u00adop\u200dx"  # soft hyphen, zero-width joiner: text
    assert printable(None) == ""
    assert printable(42) == "42"
    assert printable(Path("a\nb.txt")) == "a\\nb.txt"


def test_multiline_keeps_only_newlines() -> None:
    assert printable("one\ntwo\r\n\x1b[2J", multiline=True) == "one\ntwo\\r\n\\x1b[2J"


@given(hostile_text)
def test_printable_output_never_contains_a_control_character(text: str) -> None:
    out = printable(text)
    assert unsafe_chars(out) == []
    assert "\x1b" not in out and "\n" not in out
    out.encode("utf-8")  # lone surrogates escaped: always encodable (raises otherwise)
    multi = printable(text, multiline=True)
    assert unsafe_chars(multi, allowed="\n") == []
    assert multi.count("\n") == text.count("\n")


@given(printable_text)
def test_printable_text_is_unchanged(text: str) -> None:
    assert text.isprintable()
    assert printable(text) == text
    assert printable(text, multiline=True) == text


@given(hostile_text)
def test_safe_text_is_never_markup_and_keeps_every_character(text: str) -> None:
    rendered = safe_text(text, style="bold")
    assert rendered.plain == printable(text)  # Rich strips nothing and parses no [markup] or :emoji:
    console = Console(file=io.StringIO(), width=10_000, color_system=None, legacy_windows=False)
    console.print(rendered, end="")
    assert console.file.getvalue().rstrip(" ") == printable(text).rstrip(" ")


# ------------------------------------------------------------------------------------------ log lines


def _record(msg: str, *args: object, exc_info: Any = None) -> logging.LogRecord:
    return logging.LogRecord("newsprism", logging.WARNING, __file__, 1, msg, args, exc_info)


def test_log_record_is_one_escaped_line_and_the_original_is_untouched() -> None:
    source = "/corpus/bad\nWARNING: forged\x1b]0;pwned\x07.txt"
    record = _record("%s: %s", source, "binary file \x1b[2J")
    line = EscapingFormatter("%(levelname)s: %(message)s").format(record)
    assert line == "WARNING: /corpus/bad\\nWARNING: forged\\x1b]0;pwned\\x07.txt: binary file \\x1b[2J"
    assert record.args == (source, "binary file \x1b[2J")  # other handlers still see the real values
    assert record.getMessage() == f"{source}: binary file \x1b[2J"


def test_log_traceback_keeps_lines_but_escapes_controls() -> None:
    try:
        raise ValueError("bad \x1b[31mvalue\r")
    except ValueError:
        record = _record("failed %s", "x\ny", exc_info=sys.exc_info())
    text = EscapingFormatter("%(message)s").format(record)
    first, *rest = text.split("\n")
    assert first == "failed x\\ny"
    assert rest and "\x1b" not in text and "\r" not in text
    assert "bad \\x1b[31mvalue\\r" in text


@pytest.fixture
def restore_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


@pytest.mark.usefixtures("restore_logging")
@pytest.mark.parametrize("terminal", [True, False], ids=["rich", "plain"])
def test_cli_logging_escapes_on_a_terminal_and_when_piped(
    terminal: bool, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    console = Console(file=io.StringIO(), force_terminal=terminal, color_system=None, width=300)
    monkeypatch.setattr(cli, "err", console)
    cli._setup_logging(quiet=False, verbose=False)
    logging.getLogger("newsprism").warning("%s: %s", "dir/bad\nname\x1b]0;t\x07[b].txt", "binary file")
    out = console.file.getvalue() if terminal else capsys.readouterr().err
    lines = [line for line in out.splitlines() if line.strip()]
    assert len(lines) == 1, out
    assert "dir/bad\\nname\\x1b]0;t\\x07[b].txt: binary file" in lines[0]
    assert unsafe_chars(out, allowed="\n") == []


# -------------------------------------------------------------------------------------------- the CLI


def test_ingest_warning_for_a_hostile_file_name_is_one_line(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    names = ["bad\nname.txt", "esc\x1b]0;pwned\x07[b].txt"]
    for name in names:
        (folder / name).write_bytes(bytes(range(256)) * 8)  # binary: refused by name
    result = CliRunner().invoke(app, ["ingest", str(folder), "--db", str(tmp_path / "n.db")])
    assert result.exit_code == 1, result.output
    lines = result.output.splitlines()
    for name in names:
        escaped = printable(str(folder / name))
        (line,) = [line for line in lines if escaped in line]
        assert "binary" in line
    assert not any(line.startswith("name.txt") for line in lines)
    assert unsafe_chars(result.output, allowed="\n") == []
    assert "0 stored, 0 already stored (skipped), 2 failed" in result.output


def test_missing_database_message_is_escaped_not_markup(tmp_path: Path) -> None:
    db = tmp_path / "no\x1b[2Jsuch [bold]db[/bold]"
    result = CliRunner().invoke(app, ["stories", "--db", str(db)])
    assert result.exit_code == 2
    assert f"no database at {printable(str(db))}: run `newsprism ingest`" in result.output
    assert "\x1b" not in result.output


@pytest.mark.parametrize("command", ["ingest", "analyze"])
def test_follow_symlinks_flag_reaches_the_ingest_options(
    command: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from newsprism import pipeline

    seen: list[pipeline.IngestOptions] = []

    def fake_ingest(paths: list[str], store: object, options: pipeline.IngestOptions, **_: object):  # type: ignore[no-untyped-def]
        seen.append(options)
        return pipeline.IngestReport()

    monkeypatch.setattr(pipeline, "ingest", fake_ingest)
    runner = CliRunner()
    for flags, expected in (([], False), (["--follow-symlinks"], True)):
        result = runner.invoke(app, [command, str(tmp_path), "--db", str(tmp_path / "n.db"), "-q", *flags])
        assert result.exit_code == 0, result.output
        assert seen[-1].follow_symlinks is expected


BODY = (
    "The city council of Tarvik voted on Tuesday to approve the budget for next year after a long debate. "
    "Mayor Ilse Brandt said the vote was a victory for residents. "
    "“We were promised [sic] a balanced plan, and [the council] delivered it,” said Brandt. "
    "Opposition leader Karl Vost said the plan would raise taxes on small businesses in the city."
)
# Two outlets' reports of one story, as a JSON Lines export carries them: markup and escape sequences in the
# title and outlet fields, bracketed editorial insertions in the quote.
HOSTILE_RECORDS = [
    {
        "title": "Budget vote [/b] passes",
        "outlet": "Tarvik [bold]Daily[/bold]",
        "published": "2024-03-05",
        "url": "https://daily.example/budget",
        "text": BODY,
    },
    {
        "title": "Budget vote [/b] passes\x1b[31m in Tarvik\x1b]0;pwned\x07",
        "outlet": "Nord\x1b[2JPost",
        "published": "2024-03-05",
        "url": "https://post.example/budget",
        "text": BODY.replace("on Tuesday", "on Tuesday evening"),
    },
]
COMMANDS = ["stories", "quotes", "entities", "timeline"]


@pytest.fixture(scope="module")
def hostile_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from newsprism.analysis import update
    from newsprism.pipeline import ingest
    from newsprism.store import Store

    folder = tmp_path_factory.mktemp("hostile")
    (folder / "feed.jsonl").write_text("\n".join(json.dumps(r) for r in HOSTILE_RECORDS) + "\n", "utf-8")
    db = folder / "n.db"
    store = Store(db)
    report = ingest([folder], store)
    assert len(report.added) == 2 and not report.failures
    assert not update(store).failures  # the read commands show stored analyses only
    return db


@pytest.mark.slow
def test_tables_show_hostile_articles_as_text(hostile_db: Path) -> None:
    runner = CliRunner()
    outputs: dict[str, str] = {}
    for command in COMMANDS:
        result = runner.invoke(app, [command, "--db", str(hostile_db)])
        assert result.exit_code == 0 and result.exception is None, (command, result.output)
        assert unsafe_chars(result.output, allowed="\n") == [], command
        outputs[command] = result.output
    assert "Budget vote [/b] passes" in outputs["stories"]  # used to raise MarkupError
    assert "Tarvik [bold]Daily[/bold]" in outputs["stories"] and "Nord" in outputs["stories"]
    assert "[sic]" in outputs["quotes"] and "[the council]" in outputs["quotes"]
    assert "Tarvik [bold]Daily[/bold]: Mayor" in outputs["entities"]

    result = runner.invoke(app, ["quotes", "--db", str(hostile_db), "--story", "x[/b]\x1b]0;t\x07"])
    assert result.exit_code == 2 and result.exception is not None  # typer's Exit, not MarkupError
    assert isinstance(result.exception, SystemExit)
    assert "no story 'x[/b]\\x1b]0;t\\x07'; known: story-" in result.output
    assert "\x1b" not in result.output


PAYLOAD = " [/b] [sic] \x1b[31m\x1b]0;pwned\x07\r\nforged\u202e\x9b2J\ud800"


def _poison(value: Any) -> Any:
    """Every string of a real analysis with the payload appended; its shape stays the producer's."""
    if isinstance(value, str):
        return value + PAYLOAD
    if isinstance(value, list):
        return [_poison(v) for v in value]
    if isinstance(value, dict):
        return {
            k: ({_poison(o): _poison(t) for o, t in v.items()} if k == "label_groups" else _poison(v))
            for k, v in value.items()  # label_groups: outlet -> labels, its keys are article data too
        }
    return value


def _poisoned(real: Callable[..., Any]) -> Callable[..., Any]:
    """A render_table whose records each have the payload appended to every string (same record types)."""

    def render(rows: Any, *args: Any, **kwargs: Any) -> Any:
        from newsprism import records

        poisoned = [msgspec.convert(_poison(records.to_builtins(r)), type(r), strict=False) for r in rows]
        return real(poisoned, *args, **kwargs)

    return render


@pytest.mark.slow
def test_every_table_cell_with_article_data_is_escaped(
    hostile_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Whatever the stages let through (an older store, a field the sanitiser missed), no cell is raw."""
    from newsprism import tables

    # The read commands hand stored records to the table functions.
    for name in ("entity_table", "quote_table", "story_table", "event_table"):
        monkeypatch.setattr(tables, name, _poisoned(getattr(tables, name)))
    monkeypatch.setattr(cli, "_out", lambda: Console(width=4000))  # no wrapping: a row is one line
    runner = CliRunner()
    for command in COMMANDS:
        result = runner.invoke(app, [command, "--db", str(hostile_db)])
        assert result.exit_code == 0 and result.exception is None, (command, result.output)
        out = result.output
        assert unsafe_chars(out, allowed="\n") == [], command
        assert "[/b] [sic] \\x1b[31m\\x1b]0;pwned\\x07\\r\\nforged\\u202e\\x9b2J\\ud800" in out, command
        # Every payload is whole on its line: no cell's newline became a line of the table.
        assert out.count("forged") == out.count("\\r\\nforged") > 0, command
        assert not any(line.lstrip("│ ").startswith("forged") for line in out.splitlines()), command
