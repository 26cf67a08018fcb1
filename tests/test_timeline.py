"""The timeline: temporal expressions, publication dates, event extraction and cross-outlet merging."""

from __future__ import annotations

import pytest

from newsprism import timeline
from newsprism.records import Alias, Entity, EntityMention

# (publication date, sentence, expression text, expected value, expected precision). Passages are written for
# these tests in several outlets' styles; none comes from the bundled samples.
EXPRESSIONS = [
    # weekdays: most recent on or before publication, unless the clause is in the future
    ("2023-03-15", "The mayor said on Monday that the bridge would reopen.", "Monday", "2023-03-13", "day"),
    ("2023-03-13", "The council voted on Monday to approve the budget.", "Monday", "2023-03-13", "day"),
    ("2023-03-13", "The council will vote on Thursday on the new budget.", "Thursday", "2023-03-16", "day"),
    (
        "2023-03-15",
        "Ministers will meet on Friday in Brussels to discuss fishing quotas.",
        "Friday",
        "2023-03-17",
        "day",
    ),
    ("2023-03-15", "Ministers are expected to meet on Monday in Luxembourg.", "Monday", "2023-03-20", "day"),
    (
        "2022-08-16",
        "The fire started Saturday morning near the ridge above Paradise.",
        "Saturday morning",
        "2022-08-13",
        "day",
    ),
    (
        "2022-08-16",
        "Police arrested the suspect late Thursday outside a bar in Leeds.",
        "late Thursday",
        "2022-08-11",
        "day",
    ),
    ("2022-08-16", "The board met last Friday to discuss the merger.", "last Friday", "2022-08-12", "day"),
    ("2022-08-16", "Voters go to the polls next Sunday in Bavaria.", "next Sunday", "2022-08-21", "day"),
    (
        "2024-01-01",
        "The fireworks display on Saturday drew record crowds to the harbour.",
        "Saturday",
        "2023-12-30",
        "day",
    ),
    (
        "2022-10-07",
        "The company said in a filing on Wednesday, Oct. 5, that it would cut 400 jobs.",
        "Wednesday, Oct. 5",
        "2022-10-05",
        "day",
    ),
    (
        "2016-11-09",
        "Crowds marched through Portland in the early hours of Wednesday.",
        "the early hours of Wednesday",
        "2016-11-09",
        "day",
    ),
    # clock times: with their day, or on the day last named / the publication day
    (
        "2022-08-16",
        "The last ferry left at 6.45 p.m. Sunday, hours before the storm.",
        "at 6.45 p.m. Sunday",
        "2022-08-14",
        "day",
    ),
    (
        "2016-11-10",
        "Police were called to the flat at 11:30pm, a spokesman said.",
        "at 11:30pm",
        "2016-11-10",
        "day",
    ),
    # deictic days
    (
        "2022-08-16",
        "Doctors operated on the striker yesterday, his club said.",
        "yesterday",
        "2022-08-15",
        "day",
    ),
    ("2022-08-16", "The minister will address parliament tomorrow.", "tomorrow", "2022-08-17", "day"),
    ("2022-08-16", "Talks between the two delegations resumed today in Cairo.", "today", "2022-08-16", "day"),
    ("2022-08-16", "Firefighters contained the blaze this morning.", "this morning", "2022-08-16", "day"),
    # weeks
    ("2023-03-15", "The senator plans to travel to Kyiv next week.", "next week", "2023-W12", "week"),
    ("2023-03-15", "Protesters gathered outside parliament last week.", "last week", "2023-W10", "week"),
    (
        "2023-03-15",
        "The strike by rail workers began earlier this week.",
        "earlier this week",
        "2023-03-13/2023-03-14",
        "week",
    ),
    (
        "2022-08-16",
        "The storm is expected to make landfall later this week.",
        "later this week",
        "2022-08-17/2022-08-21",
        "week",
    ),
    (
        "2022-08-16",
        "Prices have climbed sharply in the past week.",
        "in the past week",
        "2022-08-09/2022-08-16",
        "week",
    ),
    ("2021-01-02", "Hospitals in Lombardy were overwhelmed last week.", "last week", "2020-W52", "week"),
    # months
    (
        "2024-01-03",
        "The factory closed in December after losing its biggest client.",
        "in December",
        "2023-12",
        "month",
    ),
    (
        "2023-06-10",
        "The referendum will take place in November, the commission said.",
        "in November",
        "2023-11",
        "month",
    ),
    (
        "2021-01-02",
        "Unemployment rose last month for the first time since spring.",
        "last month",
        "2020-12",
        "month",
    ),
    ("2022-08-16", "The court may rule next month on the appeal.", "next month", "2022-09", "month"),
    ("2019-06-01", "Theresa May met party officials in March.", "in March", "2019-03", "month"),
    (
        "2022-08-16",
        "Earlier this month, the regulator fined the bank $2 million.",
        "Earlier this month",
        "2022-08-01/2022-08-15",
        "month",
    ),
    (
        "2022-08-16",
        "The museum reopened in January 2021 after a long renovation.",
        "January 2021",
        "2021-01",
        "month",
    ),
    # days with and without years, year boundaries
    ("2024-01-03", "The ferry sank on Dec. 28, officials said.", "Dec. 28", "2023-12-28", "day"),
    ("2023-12-29", "The new law takes effect on Jan. 1 across the state.", "Jan. 1", "2024-01-01", "day"),
    ("2022-08-16", "Voters will head to the polls on Nov. 8.", "Nov. 8", "2022-11-08", "day"),
    (None, "The treaty was signed on 4 July 1994 in Geneva.", "4 July 1994", "1994-07-04", "day"),
    (
        None,
        "The report, released March 3, 2021, found widespread abuse.",
        "March 3, 2021",
        "2021-03-03",
        "day",
    ),
    # years and decades
    ("2024-01-03", "The company reported record sales last year.", "last year", "2023", "year"),
    ("2024-01-03", "The tournament will be held next year in Doha.", "next year", "2025", "year"),
    (
        "2022-08-16",
        "The cooperative was founded three years ago by dairy farmers.",
        "three years ago",
        "2019",
        "year",
    ),
    ("2022-08-16", "The pedestrian bridge collapsed two days ago.", "two days ago", "2022-08-14", "day"),
    (None, "Her family emigrated from Hungary in 1956.", "in 1956", "1956", "year"),
    (None, "The copper mine has operated since 1998.", "since 1998", "1998", "year"),
    (None, "The dam was built in the 1980s by a Soviet contractor.", "the 1980s", "198X", "decade"),
    ("2022-08-16", "The ’90s housing boom ended abruptly in Dublin.", "The ’90s", "199X", "decade"),
]


@pytest.mark.parametrize(("published", "sentence", "expr_text", "value", "precision"), EXPRESSIONS)
def test_expression_resolution(published, sentence, expr_text, value, precision):
    found = timeline.find_temporal_expressions(sentence, published)
    match = [e for e in found if e["text"] == expr_text]
    assert match, f"{expr_text!r} not found in {[e['text'] for e in found]}"
    assert (match[0]["value"], match[0]["precision"]) == (value, precision)
    assert sentence[match[0]["start"] : match[0]["end"]] == expr_text


def test_at_least_forty_expressions():
    assert len(EXPRESSIONS) >= 40


def test_tense_and_anchor():
    found = timeline.find_temporal_expressions(
        "The council will vote on Thursday. It met on Monday.", "2023-03-15"
    )
    thursday, monday = found
    assert (thursday["tense"], thursday["value"]) == ("future", "2023-03-16")
    assert (monday["tense"], monday["value"]) == ("past", "2023-03-13")
    assert thursday["anchor"] == "publication"


def test_offset_counts_from_previous_expression():
    text = "The ceasefire collapsed on Monday. Two days later, the rebels retook the town of Kidal."
    found = {e["text"]: e for e in timeline.find_temporal_expressions(text, "2022-08-18")}
    assert found["Monday"]["value"] == "2022-08-15"
    assert found["Two days later"]["value"] == "2022-08-17"
    assert (
        found["Two days later"]["anchor"] == f"expression:{found['Monday']['start']}-{found['Monday']['end']}"
    )


def test_clock_time_takes_the_day_last_named():
    text = (
        "The tram derailed on Wednesday morning in Croydon. It left the tracks at about 6.10am, police said."
    )
    found = {e["text"]: e for e in timeline.find_temporal_expressions(text, "2016-11-10")}
    assert found["at about 6.10am"]["value"] == "2016-11-09"


def test_not_dates():
    for text in (
        "The Sun reported that the striker had signed.",
        "About 2000 people attended the rally in Lyon.",
        "Officials said the court may rule soon.",
        "Sat down with the minister, she smiled.",
    ):
        assert timeline.find_temporal_expressions(text, "2022-08-16") == [], text


def test_unresolved_without_publication_date():
    found = timeline.find_temporal_expressions(
        "The ministry said on Tuesday that it would appeal the ruling made last month.", None
    )
    assert [(e["text"], e["value"], e["anchor"]) for e in found] == [
        ("Tuesday", None, None),
        ("last month", None, None),
    ]


# ------------------------------------------------------------------------------------------------ samples


@pytest.fixture(scope="session")
def sample_timeline(sample_articles):
    return timeline.build_timeline(sample_articles)


@pytest.fixture(scope="session")
def undated_timeline(undated_sample_articles):
    return timeline.build_timeline(undated_sample_articles)


def _events_with(events, type_, *names):
    return [
        e
        for e in events
        if e.type == type_ and all(any(p.endswith(":" + n) for p in e.participants) for n in names)
    ]


def test_reuters_thursday(samples_by_outlet):
    reuters = samples_by_outlet["Reuters"]
    found = timeline.find_temporal_expressions(reuters.doc, reuters.article.published)
    assert {e["value"] for e in found if e["text"] == "Thursday"} == {"2019-04-18"}


def test_trump_haftar_call_is_one_event_on_monday(sample_timeline, samples_by_outlet):
    calls = _events_with(sample_timeline, "communication", "trump", "haftar")
    reuters, tac = samples_by_outlet["Reuters"].id, samples_by_outlet["The American Conservative"].id
    both = [e for e in calls if {reuters, tac} <= set(e.articles)]
    assert len(both) == 1
    call = both[0]
    assert (call.date, call.precision) == ("2019-04-15", "day")
    # the Reuters "Monday" and the American Conservative "last week" are both among its mentions
    texts = {
        samples_by_outlet[o].text[m.start : m.end]
        for o in ("Reuters", "The American Conservative")
        for m in call.mentions
        if m.article == samples_by_outlet[o].id
    }
    assert any("on Monday" in t for t in texts) and any("last week" in t for t in texts)


def test_mother_jones_calls_last_year(sample_timeline, samples_by_outlet):
    mj = samples_by_outlet["Mother Jones"]
    calls = [
        e
        for e in sample_timeline
        if e.type == "communication" and e.articles == [mj.id] and e.date_text == "last year"
    ]
    assert len(calls) == 1
    assert (calls[0].date, calls[0].precision) == ("2019", "year")


def test_sisi_meeting_and_gaddafi(sample_timeline):
    meeting = _events_with(sample_timeline, "meeting", "el-sisi")
    assert [e.date for e in meeting] == ["2019-04-09"]
    toppling = _events_with(sample_timeline, "overthrow", "gaddafi")
    assert toppling and toppling[0].date == "2011"
    assert len(toppling[0].articles) == 2  # Reuters' "toppled" and Mother Jones' "overthrow of Qaddafi"


def test_sorted_and_provenance(sample_timeline, sample_articles):
    by_id = {a.id: a for a in sample_articles}
    starts = [e.range[0] for e in sample_timeline if e.range]
    assert starts == sorted(starts)
    first_undated = next(i for i, e in enumerate(sample_timeline) if not e.range)
    assert all(not e.range for e in sample_timeline[first_undated:])
    for event in sample_timeline:
        assert event.summary and event.mentions and (event.date is None) == (event.range is None)
        for m in event.mentions:
            text = by_id[m.article].text
            assert 0 <= m.start <= m.trigger[0] < m.trigger[1] <= m.end <= len(text)
    assert len({e.id for e in sample_timeline}) == len(sample_timeline)


def test_deterministic(sample_articles, sample_timeline):
    assert timeline.build_timeline(list(reversed(sample_articles))) == sample_timeline


def test_undated_samples_keep_events_but_leave_dates_open(undated_timeline, undated_sample_articles):
    assert all(a.article.published is None for a in undated_sample_articles)
    calls = [
        e for e in _events_with(undated_timeline, "communication", "trump", "haftar") if len(e.articles) >= 2
    ]
    assert len(calls) == 1 and calls[0].date is None
    meeting = _events_with(undated_timeline, "meeting", "el-sisi")
    assert [e.date for e in meeting] == [None]
    toppling = _events_with(undated_timeline, "overthrow", "gaddafi")
    assert toppling[0].date == "2011"  # absolute dates need no publication date
    relative = {e.date for e in undated_timeline if e.date_text in ("Monday", "last week", "last year")}
    assert relative <= {None}
    # dated first, then undated ordered by evidence: the two-outlet call comes before single-article events
    undated = [e for e in undated_timeline if not e.range]
    assert len(undated[0].articles) >= 2


def test_cast_entities_become_participant_ids(sample_articles):
    reuters = next(a for a in sample_articles if a.article.outlet == "Reuters")
    cast = []
    for name, surname in (("Donald Trump", "Trump"), ("Khalifa Haftar", "Haftar")):
        mentions = [
            EntityMention(article=reuters.id, start=e.start, end=e.end, text=e.text, kind="ner")
            for e in reuters.article.entities
            if e.text.endswith(surname)
        ]
        cast.append(
            Entity(
                id=f"E-{surname.lower()}",
                name=name,
                type="PERSON",
                aliases=[Alias(text=surname, count=len(mentions))],
                mentions=mentions,
                labels=[],
                label_groups={},
                articles=[reuters.id],
                merges=[],
            )
        )
    events = timeline.build_timeline([reuters], entities=cast)
    call = [e for e in events if e.type == "communication" and e.date == "2019-04-15"]
    assert call and {"E-trump", "E-haftar"} <= set(call[0].participants)


def test_publication_date_sources():
    assert timeline.publication_date("2019-04-19T10:00:00", "").date == "2019-04-19"
    stamped = timeline.publication_date(None, "Updated March 3, 2021\n\nThe port reopened on Monday.")
    assert (stamped.date, stamped.source) == ("2021-03-03", "text")
    windowed = timeline.publication_date(
        None, "The port, closed since June 2, 2020, reopened on Monday after talks."
    )
    assert windowed.date is None and windowed.window == ("2020-06-02", None)


def test_render_table(sample_timeline):
    table = timeline.render_table(sample_timeline)
    assert table.row_count == len(sample_timeline)


def test_merging_on_unseen_story():
    from newsprism.api import process_text

    wire = process_text(
        "Kenya and Ethiopia agree to reopen border\n\n"
        "NAIROBI (AFP) - Kenyan President William Ruto met with Ethiopian Prime Minister Abiy Ahmed on Tuesday "
        "in Nairobi, his office said.\n\nThe two leaders signed a border security agreement.\n",
        source="wire.txt",
        published="2022-05-06",
        outlet="AFP",
    )
    weekly = process_text(
        "Ruto's busy week of diplomacy\n\n"
        "William Ruto met with Abiy Ahmed last week, the first visit by an Ethiopian leader since 2018.\n\n"
        "Ruto also met with Ugandan President Yoweri Museveni on Thursday to discuss fuel imports.\n",
        source="weekly.txt",
        published="2022-05-09",
        outlet="The Weekly",
    )
    events = timeline.build_timeline([wire, weekly])
    abiy = _events_with(events, "meeting", "ruto", "ahmed")
    assert len(abiy) == 1
    assert set(abiy[0].articles) == {wire.id, weekly.id}
    assert (abiy[0].date, abiy[0].precision) == ("2022-05-03", "day")  # "last week" narrowed to Tuesday
    museveni = _events_with(events, "meeting", "museveni")
    assert [e.date for e in museveni] == ["2022-05-05"] and museveni[0].articles == [weekly.id]


def test_summaries_keep_phrasal_particles_and_the_verb_of_a_nominal_subject() -> None:
    from newsprism.analysis import analyze_articles
    from newsprism.api import process_documents
    from newsprism.model import RawDocument

    text = (
        "Depot row deepens\n\nCouncillor Ines Barto hit back at the union on Tuesday, saying the depot plan "
        "was fair. The talks collapsed on Wednesday after six hours."
    )
    raws = [RawDocument(source="d.txt", text=text, meta={"published": "2024-05-09"})]
    summaries = {e.date: e.summary for e in analyze_articles(process_documents(raws)).events}
    assert summaries["2024-05-07"].startswith("Councillor Ines Barto hit back")
    assert "Tuesday" not in summaries["2024-05-07"]  # the date is not the object
    assert summaries["2024-05-08"].startswith("The talks collapsed")
