"""The finished document model is checked once, at the end of composing (pipeline/paper/check.py): a
malformed table or an unsafe link is refused there, with one message, and the writers trust the rest."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from pipeline.paper import compose
from pipeline.paper.check import checked
from pipeline.paper.model import BulletList, Column, Document, Figure, Heading, Paragraph, Run, Table

TABLE_MESSAGE = "table 't-bad': row 1 has 1 cells but the table has 2 columns"
LINK_MESSAGE = "a link in the paper must start with http:, https:, mailto:, tel: or '#'"
BAD = Table("t-bad", "Bad", (Column("A"), Column("B")), (("only one",),))


def _doc(*blocks, **fields) -> Document:
    return Document("T", "", "OPCC", "S", date(2024, 4, 1), (Heading(1, "T", "t"), *blocks), **fields)


def test_a_good_model_passes_unchanged():
    doc = _doc(Heading(2, "Summary", "summary"), Paragraph((Run("see", href="#summary"), Run(" or "),
                                                            Run("the site", href="https://example.org"))),
               Table("t", "T", (Column("A"), Column("B")), (("a", "b"),), totals=(("TOTAL", "1"),)))
    assert checked(doc) is doc


@pytest.mark.parametrize("where", ["blocks", "front", "web"])
def test_a_table_with_a_missing_cell_is_refused_wherever_it_is(where):
    doc = _doc(BAD) if where == "blocks" else _doc(**{where: (BAD,)})
    with pytest.raises(ValueError, match=TABLE_MESSAGE):
        checked(doc)


def test_tables_inside_figures_and_print_summaries_are_checked_too(tmp_path):
    figure = Figure("f", "F", "alt", tmp_path / "f.svg", tmp_path / "f.png", BAD)
    with pytest.raises(ValueError, match=TABLE_MESSAGE):
        checked(_doc(figure))
    long = Table("t-long", "Long", (Column("A"),), (("a",),), summary=(BAD,))
    with pytest.raises(ValueError, match=TABLE_MESSAGE):
        checked(_doc(long))
    with pytest.raises(ValueError, match="a table needs at least one column"):
        checked(_doc(Table("t-none", "None", (), ())))
    with pytest.raises(ValueError, match="table 't-total': totals row 1 has 3 cells"):
        checked(_doc(Table("t-total", "T", (Column("A"), Column("B")), (), totals=(("a", "b", "c"),))))


@pytest.mark.parametrize("href", ["javascript:alert(1)", " JavaScript:alert(1)", "java\tscript:x", "file:///etc/passwd",
                                  "data:text/html,x", "relative/page.html", ""])
def test_a_link_that_is_not_a_web_address_or_a_place_in_the_paper_is_refused(href):
    with pytest.raises(ValueError, match=LINK_MESSAGE):
        checked(_doc(Paragraph((Run("click", href=href),))))
    with pytest.raises(ValueError, match=LINK_MESSAGE):  # in a list, and as a web-only link
        checked(_doc(BulletList(((Run("click", web_href=href),),))))


def test_the_message_names_the_block_and_the_link():
    with pytest.raises(ValueError, match=r"^front sheet block 1 \(Paragraph\): link 'x' leads to 'javascript:1'"):
        checked(_doc(front=(Paragraph((Run("x", href="javascript:1"),)),)))
    note = Paragraph((Run("where", href="ftp://x"),), role="note")
    with pytest.raises(ValueError, match=r"^block 2 \(Table\) summary 1 \(Paragraph\): link 'where'"):
        checked(_doc(Heading(2, "S", "s"), Table("t", "T", (Column("A"),), (("a",),), summary=(note,))))
    with pytest.raises(ValueError, match="a link needs visible text"):
        checked(_doc(Paragraph((Run(" ", href="https://example.org"),))))


def test_composing_refuses_a_bad_model_once_with_the_same_message(monkeypatch):
    """The check runs once, on the finished model (one message, before any writer starts)."""
    from pipeline.build import compose_edition

    calls = []

    def counted(doc):
        calls.append(doc)
        return checked(doc)

    monkeypatch.setattr(compose, "checked", counted)
    good = compose_edition("2024-25")
    assert len(calls) == 1 and calls[0] is good

    made = compose.Document
    monkeypatch.setattr(compose, "Document", lambda **fields: replace(made(**fields), web=(BAD,)))
    with pytest.raises(ValueError, match=TABLE_MESSAGE):
        compose_edition("2024-25")
    assert len(calls) == 2

