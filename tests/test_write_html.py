"""The HTML edition, checked as a reader (and a screen reader) would meet it."""

from __future__ import annotations

import base64
import re
from datetime import date
from pathlib import Path

import matplotlib
import pytest
from lxml import html as lxml_html

from pipeline.paper.model import (BulletList, Column, Contents, Document, Figure, Heading, Paragraph, Run,
                            Table)
from pipeline.writers.html import render_html, write_html

try:
    from tests.a11y import (WCAG_TAGS, ChromiumMissing, axe_violations, chromium_path, format_violations,
                            open_page, run_axe)
except ImportError:  # tests/ run as plain modules, not as a package
    from a11y import (WCAG_TAGS, ChromiumMissing, axe_violations, chromium_path, format_violations,
                      open_page, run_axe)

matplotlib.use("Agg")

SCRIPT = "<script>alert(1)</script>"
JINJA = "{{ 7*7 }}"
QUOTE_ATTACK = '" onerror="alert(1)'
EXTERNAL_LINK = "https://www.gov.uk/government/publications/the-code-of-practice-for-victims-of-crime"


def _draw_chart(tmp_path: Path) -> tuple[Path, Path]:
    import matplotlib.pyplot as plt

    matplotlib.rcParams["svg.hashsalt"] = "commissioning-framework"
    fig, ax = plt.subplots(figsize=(7, 3.5))
    ax.barh(["Victim services", "Vulnerability", "Prevention"], [1_309_114, 772_416, 1_211_075],
            color="#1d70b8")
    ax.set_xlabel("2024-25 spend (£)")
    ax.xaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: f"£{v / 1e6:.1f}m"))
    ax.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    svg, png = tmp_path / "spend.svg", tmp_path / "spend.png"
    fig.savefig(svg, format="svg", metadata={"Date": None})
    fig.savefig(png, format="png", dpi=200, metadata={"Software": None})
    plt.close(fig)
    return svg, png


def _money_table(anchor: str, caption: str, rows, totals=(), wide=True) -> Table:
    return Table(
        anchor=anchor,
        caption=caption,
        columns=(Column("Term"), Column("Priority"), Column("Project", width=2.5),
                 Column("Provider", width=2), Column("2024-25 spend (£)", align="right", kind="money")),
        rows=rows,
        totals=totals,
        wide=wide,
    )


def sample_document(tmp_path: Path, svg: bool = True) -> Document:
    svg_path, png_path = _draw_chart(tmp_path)
    if not svg:
        svg_path.unlink()
    table = _money_table(
        "table-1",
        "Table 1: Commissioned services and grants by priority, 2024-25 " + SCRIPT,
        rows=(
            ("Long", "Victim Services", "Victim First", "Catch 22", "500,000"),
            ("Long", "Victim Services", "Victim Pathway Service", "Force", "80,000"),
            ("Med", "Victim Services", "Helpline and Engagement (DA Services)", "Freeva", "435,455"),
            ("Partnership", "Vulnerability", "Adults Safeguarding Board", "Leicester City Council", ""),
            ("Short", "Prevention", "Reflect - Young Adults Pathway " + JINJA, "Ingeus", "90,000"),
            ("Annual", "Community Safety", "CSP - Hinckley and Bosworth PLF",
             "Hinckley and Bosworth District Council", "51,218"),
        ),
        totals=(("TOTAL", "", "", "", "1,156,673"),),
    )
    chart_data = Table(
        anchor="figure-1-data",
        caption="Figure 1 data: 2024-25 spend by priority",
        columns=(Column("Priority"), Column("2024-25 spend (£)", align="right", kind="money")),
        rows=(("Victim services", "1,309,114"), ("Vulnerability", "772,416"), ("Prevention", "1,211,075")),
        totals=(("Total", "3,292,605"),),
        row_header=True,
    )
    figure = Figure(
        anchor="figure-1",
        caption="Figure 1: 2024-25 spend by priority",
        alt="Bar chart: victim services take the largest share of spend (£1.3m), then prevention "
            "(£1.2m) and vulnerability (£0.8m). " + QUOTE_ATTACK,
        svg=svg_path,
        png=png_path,
        data=chart_data,
    )
    return Document(
        title="Commissioning Framework 2024-25",
        subtitle="Office of the Police and Crime Commissioner's overview of commissioned and grant activity",
        author="Office of the Police and Crime Commissioner for Leicestershire and Rutland",
        subject="Commissioned services and grants, 2024-25 and the medium term",
        date=date(2024, 7, 1),
        keywords=("commissioning", "grants", "victim services"),
        blocks=(
            Heading(1, "Commissioning Framework 2024-25", "title"),
            Contents(),
            Heading(2, "Summary", "summary"),
            Paragraph((Run("Commissioning within the OPCC takes two major strands: supporting victims "
                           "and witnesses, and preventing crime and offending behaviours."),), role="lead"),
            Paragraph((Run("The PCC has a "), Run("statutory responsibility", bold=True),
                       Run(" to support victims, in line with the "),
                       Run("Victims' Code", href=EXTERNAL_LINK),
                       Run(" (see "), Run("Table 1", href="#table-1"), Run("). "),
                       Run("Hostile text stays text: "), Run(SCRIPT, italic=True), Run(" and "), Run(JINJA),
                       Run(".")),),
            Paragraph((Run("Figures are for the 2024-25 financial year and exclude the VRN."),), role="note"),
            Paragraph((Run("MoJ grant funding of £435,000 ends in March 2025 with no indication "
                           "that it will continue."),), role="warning"),
            Heading(2, "Commissioning categories", "categories"),
            BulletList(items=(
                (Run("Recently re-commissioned and "), Run("committed", bold=True), Run(" over the medium term")),
                (Run("Coming to the end of the contract or grant period and under review"),),
                (Run("Funded for 12 months, where sustainability must be considered " + SCRIPT),),
            )),
            Heading(3, "Long-term committed activity", "long-term"),
            BulletList(items=((Run("Victim First"),), (Run("Victim Pathway Service"),)), ordered=True),
            Heading(2, "Spend " + JINJA, "spend"),
            table,
            figure,
            Heading(3, "Notes on the figures", "notes-on-figures"),
            Paragraph((Run("Spend is shown in pounds, rounded to the nearest pound."),)),
        ),
    )


@pytest.fixture
def doc(tmp_path) -> Document:
    return sample_document(tmp_path)


@pytest.fixture
def page_path(tmp_path, doc) -> Path:
    path = tmp_path / "out" / "paper.html"
    write_html(doc, path)
    return path


def _figure(doc: Document) -> Figure:
    return next(b for b in doc.blocks if isinstance(b, Figure))


def _tree(text: str):
    return lxml_html.document_fromstring(text)


def _text(el) -> str:
    return " ".join(el.text_content().split())


# --- structure -----------------------------------------------------------------------------------

def test_page_basics(doc):
    tree = _tree(render_html(doc))
    assert tree.get("lang") == "en-GB"
    assert tree.find("head/meta[@charset]").get("charset").lower() == "utf-8"
    assert "width=device-width" in tree.xpath("//meta[@name='viewport']/@content")[0]
    assert tree.findtext("head/title") == doc.title
    main = tree.xpath("//main")
    assert len(main) == 1 and main[0].get("id") == "main"
    skip = tree.xpath("//body/*[1]")[0]
    assert skip.tag == "a" and skip.get("href") == "#main"


def test_one_h1_and_levels_never_skip(doc):
    tree = _tree(render_html(doc))
    headings = tree.xpath("//h1|//h2|//h3|//h4|//h5|//h6")
    levels = [int(h.tag[1]) for h in headings]
    assert levels.count(1) == 1 and levels[0] == 1
    for before, after in zip(levels, levels[1:]):
        assert after <= before + 1, f"heading levels skip: {levels}"
    ids = {h.get("id") for h in headings if h.get("id")}
    assert {"title", "summary", "categories", "long-term", "spend", "notes-on-figures"} <= ids


def test_h1_from_title_when_model_has_no_level_1_heading(doc):
    from dataclasses import replace
    tree = _tree(render_html(replace(doc, blocks=doc.blocks[1:])))
    h1 = tree.xpath("//h1")
    assert len(h1) == 1 and _text(h1[0]) == doc.title


def test_contents_links_to_every_section(doc):
    tree = _tree(render_html(doc))
    nav = tree.xpath("//nav[@aria-label='Contents']")
    assert len(nav) == 1
    links = [(a.get("href"), _text(a)) for a in nav[0].iter("a")]
    assert links == [("#summary", "Summary"), ("#categories", "Commissioning categories"),
                     ("#spend", "Spend " + JINJA)]
    ids = set(tree.xpath("//@id"))
    for href in tree.xpath("//a[starts-with(@href, '#')]/@href"):
        assert href[1:] in ids, f"internal link {href} has no target"


def test_runs_become_strong_em_and_links(doc):
    tree = _tree(render_html(doc))
    para = tree.xpath("//p[contains(., 'statutory responsibility')]")[0]
    assert [_text(s) for s in para.iter("strong")] == ["statutory responsibility"]
    assert [_text(e) for e in para.iter("em")] == [SCRIPT]
    assert [(a.get("href"), _text(a)) for a in para.iter("a")] == [(EXTERNAL_LINK, "Victims' Code"),
                                                                   ("#table-1", "Table 1")]
    # no stray spaces between runs
    assert "a statutory responsibility to support victims" in _text(para)
    assert "(see Table 1)." in _text(para)


def test_paragraph_roles_and_lists(doc):
    tree = _tree(render_html(doc))
    assert tree.xpath("//p[@class='lead']")
    assert tree.xpath("//p[@class='note']")
    warning = tree.xpath("//p[@class='warning']")[0]
    assert _text(warning).startswith("Warning: MoJ grant funding")
    assert _text(warning).count("Warning") == 1
    assert len(tree.xpath("//main//ul/li")) == 3
    assert len(tree.xpath("//main//ol[not(ancestor::nav)]/li")) == 2


def test_warning_already_labelled_is_not_labelled_twice(doc):
    from dataclasses import replace
    own = Paragraph((Run("Warning:", bold=True), Run(" funding ends in March 2025.")), role="warning")
    tree = _tree(render_html(replace(doc, blocks=doc.blocks + (own,))))
    assert [_text(p) for p in tree.xpath("//p[@class='warning']")][-1] == "Warning: funding ends in March 2025."


def test_tables_have_caption_header_scopes_totals_and_alignment(doc):
    tree = _tree(render_html(doc))
    tables = tree.xpath("//table")
    assert len(tables) == 2
    for table in tables:
        assert table.find("caption") is not None and _text(table.find("caption"))
        header_cells = table.xpath("thead/tr/th")
        assert header_cells and all(th.get("scope") == "col" for th in header_cells)
        assert not table.xpath("thead//td")
        region = table.getparent()
        assert region.get("role") == "region" and region.get("tabindex") == "0"
        assert region.get("aria-label") == _text(table.find("caption"))
    main_table = tree.get_element_by_id("table-1")
    assert len(main_table.xpath("tbody/tr")) == 6
    assert not main_table.xpath("tbody//th")  # row_header=False
    total = main_table.xpath("tfoot/tr")[0]
    assert total[0].tag == "th" and total[0].get("scope") == "row" and _text(total[0]) == "TOTAL"
    assert _text(total[-1]) == "1,156,673"
    money = [row[-1] for row in main_table.xpath("thead/tr|tbody/tr|tfoot/tr")]
    assert all("num" in (cell.get("class") or "").split() for cell in money)
    assert not any("num" in (row[0].get("class") or "") for row in main_table.xpath("tbody/tr"))
    data_table = tree.get_element_by_id("figure-1-data")
    assert all(row[0].tag == "th" and row[0].get("scope") == "row" for row in data_table.xpath("tbody/tr"))


def test_figure_has_caption_alt_and_data(doc):
    tree = _tree(render_html(doc))
    figure = tree.get_element_by_id("figure-1")
    assert figure.tag == "figure"
    assert _text(figure.find("figcaption")) == "Figure 1: 2024-25 spend by priority"
    img = figure.find(".//img")
    assert img.get("alt") == _figure(doc).alt
    assert img.get("src").startswith("data:image/svg+xml;base64,")
    svg = base64.b64decode(img.get("src").split(",", 1)[1])
    assert svg == _figure(doc).svg.read_bytes()
    details = figure.find(".//details")
    assert _text(details.find("summary")) == "Show the data behind this chart"
    assert details.find(".//table/caption") is not None


def test_wide_tables_carry_labels_and_roles_for_stacking(doc):
    tree = _tree(render_html(doc))
    table = tree.get_element_by_id("table-1")
    region = table.getparent()
    assert "table-scroll--stack" in region.get("class").split()
    assert table.get("role") == "table"
    assert [th.get("role") for th in table.xpath("thead/tr/th")] == ["columnheader"] * 5
    assert all(tr.get("role") == "row" for tr in table.xpath(".//tr"))
    titles = [c.title for c in doc.blocks[doc.blocks.index(next(b for b in doc.blocks if isinstance(b, Table)))].columns]
    for tr in table.xpath("tbody/tr"):
        assert [td.get("data-label") for td in tr] == titles
        assert all(td.get("role") == "cell" for td in tr)
    total = table.xpath("tfoot/tr")[0]
    assert total[0].get("role") == "rowheader" and total[0].get("data-label") is None
    # money never breaks mid-number; header cells may wrap
    assert all("nowrap" in td.get("class", "").split() for td in table.xpath("tbody/tr/td[last()]|tfoot/tr/td[last()]"))
    assert "nowrap" not in table.xpath("thead/tr/th[last()]")[0].get("class")
    # a two-column table needs no stacking, so it keeps plain table markup
    data = tree.get_element_by_id("figure-1-data")
    assert "table-scroll--stack" not in data.getparent().get("class")
    assert data.get("role") is None and not data.xpath(".//@data-label")


def test_date_cells_never_break_inside_a_date(doc):
    from dataclasses import replace
    dates = Table(anchor="dates", caption="Review dates",
                  columns=(Column("Project"), Column("Provider"), Column("Review start", kind="date"),
                           Column("Spend", align="right", kind="money")),
                  rows=(("Victim First", "Catch 22", "31/01/2024 (Overdue)", "500,000"),))
    tree = _tree(render_html(replace(doc, blocks=doc.blocks + (dates,))))
    cells = tree.get_element_by_id("dates").xpath("tbody/tr/td")
    assert cells[2].get("class") == "date" and cells[3].get("class") == "num nowrap"


def test_title_block_names_the_organisation_once_and_prints_no_misleading_date(doc):
    from dataclasses import replace
    tree = _tree(render_html(doc))
    block = tree.xpath("//div[@class='title-block']")[0]
    assert _text(block.xpath(".//p[@class='subtitle']")[0]) == doc.subtitle
    assert [_text(dt) for dt in block.iter("dt")] == ["From"]  # no "Date": the model's date is the year's start
    assert "1 July 2024" not in _text(tree.find("body"))
    assert tree.xpath("//meta[@name='dcterms.created']/@content") == ["2024-07-01"]
    # a subtitle that only repeats the organisation is not shown a third time
    same = replace(doc, subtitle=" office of the police and crime commissioner for leicestershire and  rutland ")
    tree = _tree(render_html(same))
    assert not tree.xpath("//p[@class='subtitle']")
    assert _text(tree.find("body")).count(doc.author) == 3  # masthead, "From", footer


def test_chart_has_a_labelled_scroll_region_and_a_larger_view(doc):
    tree = _tree(render_html(doc))
    figure = tree.get_element_by_id("figure-1")
    region = figure.xpath(".//div[@class='chart-scroll']")[0]
    assert region.get("role") == "region" and region.get("tabindex") == "0"
    assert region.get("aria-label") == "Chart: " + _figure(doc).caption
    assert region.find("img") is not None
    toggle = figure.xpath(".//input[@type='checkbox']")[0]
    label = figure.xpath(f".//label[@for='{toggle.get('id')}']")[0]
    assert toggle.get("id") == "figure-1-larger" and _text(label) == "Show the chart larger"
    # the image is embedded once, not a second time for the larger view
    assert render_html(doc).count(figure.find(".//img").get("src")) == 1


def test_an_anchor_that_clashes_with_a_chart_toggle_is_refused(doc):
    from dataclasses import replace
    with pytest.raises(ValueError, match="used twice"):
        render_html(replace(doc, blocks=doc.blocks + (Heading(2, "Clash", "figure-1-larger"),)))


def test_figure_falls_back_to_png(tmp_path):
    doc = sample_document(tmp_path, svg=False)
    img = _tree(render_html(doc)).xpath("//figure//img")[0]
    assert img.get("src").startswith("data:image/png;base64,")


def test_figure_with_no_chart_file_is_a_clear_error(tmp_path):
    doc = sample_document(tmp_path)
    _figure(doc).png.unlink()
    _figure(doc).svg.unlink()
    with pytest.raises(FileNotFoundError, match="figure 'figure-1'"):
        render_html(doc)


# --- safety and self-containment -----------------------------------------------------------------

def test_hostile_text_is_escaped_and_literal(doc):
    text = render_html(doc)
    tree = _tree(text)
    assert not tree.xpath("//script"), "model text must never become a script element"
    assert not tree.xpath("//*[@onerror]")
    assert "<script>" not in text and "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert "49" not in _text(tree.xpath("//h2[@id='spend']")[0])
    assert _text(tree.xpath("//h2[@id='spend']")[0]) == "Spend " + JINJA
    assert SCRIPT in _text(tree.get_element_by_id("table-1").find("caption"))
    assert any(JINJA in _text(td) for td in tree.xpath("//td"))
    assert tree.xpath("//figure//img/@alt")[0].endswith(QUOTE_ATTACK)


@pytest.mark.parametrize("href", ["javascript:alert(1)", " JavaScript:alert(1)", "java\tscript:x",
                                  "data:text/html,hi", "#nowhere"])
def test_unsafe_or_broken_links_are_refused(doc, href):
    from dataclasses import replace
    bad = Paragraph((Run("click", href=href),))
    with pytest.raises(ValueError):
        render_html(replace(doc, blocks=doc.blocks + (bad,)))


def test_model_that_skips_a_heading_level_is_refused(doc):
    from dataclasses import replace
    with pytest.raises(ValueError, match="levels must not be skipped"):
        render_html(replace(doc, blocks=doc.blocks + (Heading(5, "Too deep", "too-deep"),)))
    with pytest.raises(ValueError, match="used twice"):
        render_html(replace(doc, blocks=doc.blocks + (Heading(2, "Again", "summary"),)))


def test_self_contained_no_external_resources(doc):
    tree = _tree(render_html(doc))
    assert not tree.xpath("//script|//link|//iframe|//object|//embed")
    for el in tree.iter():
        for attr in ("src", "href", "srcset", "poster", "data"):
            value = el.get(attr)
            if value is None:
                continue
            if el.tag == "a" and attr == "href":
                continue  # links the reader may follow are fine (Run.href)
            assert not re.match(r"\s*(https?:)?//", value), f"<{el.tag} {attr}={value[:60]!r}> loads a resource"
            if attr == "src":
                assert value.startswith("data:"), value[:60]
    css = "".join(tree.xpath("//style/text()"))
    assert css.strip() and "url(" not in css and "@import" not in css


def test_renders_are_deterministic(doc, tmp_path):
    first, second = tmp_path / "a.html", tmp_path / "b.html"
    write_html(doc, first)
    write_html(doc, second)
    assert first.read_bytes() == second.read_bytes()
    assert render_html(doc) == render_html(doc)
    assert b"\r\n" not in first.read_bytes()


# --- in the browser ------------------------------------------------------------------------------

@pytest.mark.parametrize("width", [1280, 320])
def test_axe_finds_no_wcag_violations(page_path, width):
    violations = axe_violations(page_path, width=width)
    assert not violations, format_violations(violations)


def test_in_browser_reflow_focus_and_no_requests(page_path):
    with open_page(page_path, width=320) as page:
        assert page.external_requests == []
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, f"page scrolls sideways by {overflow}px at 320px wide (WCAG 1.4.10 reflow)"
        # the skip link is the first thing a keyboard reaches, and it becomes visible
        page.keyboard.press("Tab")
        focused = page.evaluate("[document.activeElement.className, document.activeElement.getBoundingClientRect().left]")
        assert focused[0] == "skip-link" and focused[1] >= 0
        page.keyboard.press("Enter")
        assert page.evaluate("location.hash") == "#main"
        # the five-column table is stacked into cards: nothing scrolls sideways or is cut off, and
        # every value shows its column title
        region = page.locator("#table-1").locator("xpath=..")
        assert region.evaluate("el => el.scrollWidth <= el.clientWidth")
        labels = page.evaluate("""[...document.querySelectorAll('#table-1 tbody td')].filter(td => td.offsetParent)
            .map(td => getComputedStyle(td, '::before').content)""")
        # shown on screen; the empty alternative text ( / "") keeps screen readers from reading it twice
        assert labels[:5] == [f'"{t}" / ""' for t in ("Term", "Priority", "Project", "Provider", "2024-25 spend (£)")]
        total = page.locator("#table-1 tfoot td").last
        assert total.is_visible() and total.inner_text() == "1,156,673"
        assert total.evaluate("td => { const r = td.getBoundingClientRect(), p = td.closest('.table-scroll')"
                              ".getBoundingClientRect(); return r.left >= p.left && r.right <= p.right; }")
        # ... and is still a table to assistive technology, with its headers
        table = page.get_by_role("table", name=re.compile("^Table 1: Commissioned services"))
        assert table.get_by_role("columnheader").count() == 5
        assert table.get_by_role("cell", name="Victim First", exact=True).count() == 1
        # the chart keeps a readable width and scrolls in its own focusable region, with a hint
        chart = page.locator("#figure-1 .chart-scroll")
        assert chart.get_attribute("tabindex") == "0" and chart.get_attribute("role") == "region"
        assert chart.evaluate("el => el.scrollWidth > el.clientWidth")
        assert page.locator("#figure-1 img").evaluate("img => img.getBoundingClientRect().width") >= 560
        assert page.locator("#figure-1 .chart-hint").is_visible()
        before = page.locator("#figure-1 img").evaluate("img => img.getBoundingClientRect().width")
        page.get_by_label("Show the chart larger").check()
        assert page.locator("#figure-1 img").evaluate("img => img.getBoundingClientRect().width") > before
        # opening the chart's data shows a table that also passes axe
        page.locator("summary").click()
        assert page.locator("#figure-1-data").is_visible()
        violations = run_axe(page, WCAG_TAGS + ("best-practice",))
        assert not violations, format_violations(violations)


@pytest.mark.parametrize("width", [1280, 320])
def test_layout_in_the_browser(page_path, width):
    with open_page(page_path, width=width) as page:
        # the footer text lines up with the main column
        left = page.evaluate("[...document.querySelectorAll('main h1, .site-footer p, .masthead-org')]"
                             ".map(el => Math.round(el.getBoundingClientRect().left))")
        assert len(set(left)) == 1, left
        if width == 1280:
            # wide enough: the tables are real grids, money right-aligned on one line
            assert page.evaluate("getComputedStyle(document.getElementById('table-1')).display") == "table"
            cell = page.locator("#table-1 tbody td.num").first
            assert cell.evaluate("td => getComputedStyle(td).textAlign") == "right"
            assert cell.evaluate("td => getComputedStyle(td).whiteSpace") == "nowrap"
            assert not page.locator("#figure-1 .chart-hint").is_visible()
        else:
            assert page.evaluate("getComputedStyle(document.getElementById('table-1')).display") == "block"
            # a table of two columns fits, so it stays a table
            page.locator("#figure-1 summary").click()
            assert page.evaluate("getComputedStyle(document.getElementById('figure-1-data')).display") == "table"


def test_browser_helper_blocks_and_reports_external_requests(tmp_path):
    page_file = tmp_path / "leaky.html"
    page_file.write_text('<!DOCTYPE html><html lang="en-GB"><head><title>t</title></head><body><main>'
                         '<img src="https://example.invalid/x.png" alt="x"></main></body></html>',
                         encoding="utf-8")
    with open_page(page_file) as page:
        assert page.external_requests == ["https://example.invalid/x.png"]


def test_axe_really_runs_and_catches_a_violation(tmp_path):
    page_file = tmp_path / "bad.html"
    page_file.write_text('<!DOCTYPE html><html><head><title>t</title></head><body><main>'
                         '<img src="data:image/png;base64,iVBORw0KGgo="></main></body></html>',
                         encoding="utf-8")
    ids = {v["id"] for v in axe_violations(page_file)}
    assert {"html-has-lang", "image-alt"} <= ids


def test_missing_chromium_is_a_clear_failure_not_a_skip():
    with pytest.raises(ChromiumMissing, match="apt-get install -y chromium"):
        chromium_path(["/nonexistent/chromium", None])


def test_axe_report_is_readable():
    report = format_violations([{"id": "image-alt", "impact": "critical", "help": "Images must have alternative text",
                                 "helpUrl": "https://dequeuniversity.com/rules/axe/4.12/image-alt",
                                 "nodes": [{"target": ["#figure-1 > img"], "html": "<img src=x>",
                                            "failureSummary": "Fix any of the following:\n  Element has no alt"}]}])
    assert "image-alt (critical): Images must have alternative text" in report
    assert "at #figure-1 > img" in report


def test_templates_dir_can_be_swapped(doc, tmp_path):
    import shutil
    from pipeline.writers.html import DEFAULT_TEMPLATES
    custom = tmp_path / "templates"
    shutil.copytree(DEFAULT_TEMPLATES, custom)
    (custom / "paper.css").write_text("body { color: #000; }", encoding="utf-8")
    assert "body { color: #000; }" in render_html(doc, templates_dir=custom)
