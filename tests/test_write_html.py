"""The HTML edition, checked as a reader (and a screen reader) would meet it, on a small model built
here; tests/test_web_edition.py checks the real 2024-25 page on phone, tablet and desktop."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import matplotlib
import pytest
from lxml import html as lxml_html

from pipeline.paper.check import checked
from pipeline.paper.model import (BulletList, Column, Contents, Document, Figure, Heading, Paragraph, Run,
                            Table)
from pipeline.writers.html import render_fragment, render_html, table_view, write_fragment, write_html

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
    from matplotlib.figure import Figure as MplFigure

    # text stays text, as in the paper's charts; settings last only for this drawing
    with matplotlib.rc_context({"svg.hashsalt": "commissioning-framework", "svg.fonttype": "none"}):
        fig = MplFigure(figsize=(7, 3.5))
        ax = fig.subplots()
        ax.barh(["Victim services", "Vulnerability", "Prevention"], [1_309_114, 772_416, 1_211_075],
                color="#1d70b8")
        ax.set_xlabel("2024-25 spend (£)")
        ax.xaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: f"£{v / 1e6:.1f}m"))
        ax.spines[["top", "right"]].set_visible(False)
        fig.tight_layout()
        svg, png = tmp_path / "spend.svg", tmp_path / "spend.png"
        fig.savefig(svg, format="svg", metadata={"Date": None})
        fig.savefig(png, format="png", dpi=200, metadata={"Software": None})
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
    nav = tree.xpath("//nav[@aria-labelledby]")
    assert len(nav) == 1
    assert _text(tree.get_element_by_id(nav[0].get("aria-labelledby"))) == "Contents"
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
    assert tree.xpath("//p[@class='cf-lead']")
    assert tree.xpath("//p[@class='cf-note']")
    warning = tree.xpath("//p[@class='cf-warning']")[0]
    assert _text(warning).startswith("Warning: MoJ grant funding")
    assert _text(warning).count("Warning") == 1
    assert len(tree.xpath("//main//ul/li")) == 3
    assert len(tree.xpath("//main//ol[not(ancestor::nav)]/li")) == 2


def test_warning_already_labelled_is_not_labelled_twice(doc):
    from dataclasses import replace
    own = Paragraph((Run("Warning:", bold=True), Run(" funding ends in March 2025.")), role="warning")
    tree = _tree(render_html(replace(doc, blocks=doc.blocks + (own,))))
    assert [_text(p) for p in tree.xpath("//p[@class='cf-warning']")][-1] == "Warning: funding ends in March 2025."


def test_tables_are_real_tables_in_regions_named_by_their_captions(doc):
    tree = _tree(render_html(doc))
    tables = tree.xpath("//table")
    assert len(tables) == 3  # table 1, and the chart's data twice (phones; wider screens)
    for table in tables:
        caption = table.find("caption")
        assert caption is not None and _text(caption)
        header_cells = table.xpath("thead/tr/th")
        assert header_cells and all(th.get("scope") == "col" for th in header_cells)
        assert not table.xpath("thead//td")
        # GOV.UK's pattern: a focusable region named by the caption, so a wide table scrolls there
        region = table.getparent()
        assert region.get("role") == "region" and region.get("tabindex") == "0"
        assert region.get("aria-labelledby") == caption.get("id")
    # tables stay tables: no ARIA role on any part of one (the HTML standard forbids most of them)
    assert not tree.xpath("//table[@role]|//table//*[@role]")
    main_table = tree.get_element_by_id("table-1")
    assert len(main_table.xpath("tbody/tr")) == 6
    assert not main_table.xpath("tbody//th")  # row_header=False
    total = main_table.xpath("tfoot/tr")[0]
    assert total[0].tag == "th" and total[0].get("scope") == "row" and _text(total[0]) == "TOTAL"
    assert _text(total[-1]) == "1,156,673"
    money = [row[-1] for row in main_table.xpath("thead/tr|tbody/tr|tfoot/tr")]
    assert all("cf-num" in (cell.get("class") or "").split() for cell in money)
    # money and its column title never wrap; text columns do
    assert all("cf-nowrap" in cell.get("class").split() for cell in money)
    assert not any((row[0].get("class") or "") for row in main_table.xpath("tbody/tr"))
    # a blank cell is still a cell
    assert [_text(td) for td in main_table.xpath("tbody/tr[4]/td")][-1] == ""
    data_table = tree.get_element_by_id("figure-1-data")
    assert all(row[0].tag == "th" and row[0].get("scope") == "row" for row in data_table.xpath("tbody/tr"))


def test_a_table_of_many_or_long_columns_keeps_a_minimum_width_and_says_it_scrolls(doc):
    tree = _tree(render_html(doc))
    region = tree.get_element_by_id("table-1").getparent()
    # text columns Term (1), Priority (1), Project (2.5), Provider (2): 8 x 6.5 = 52, and 7 for the
    # money column: 59, so the 60em step
    assert "cf-table--min-60" in region.get("class").split()
    hint = region.getprevious()
    assert hint.get("aria-hidden") == "true" and _text(hint) == "Scroll sideways to see every column"
    # the two-column chart data fits any phone: no minimum width, no hint
    data = tree.get_element_by_id("figure-1-data").getparent()
    assert "cf-table--min" not in data.get("class") and data.getprevious().tag == "summary"
    two = Table("t", "Two columns", (Column("Priority", width=3), Column("Spend", "right", "money")), ())
    assert table_view(two).min_width == 0


def test_figure_is_inline_svg_with_its_alt_text_and_its_data(doc):
    tree = _tree(render_html(doc))
    figure = tree.get_element_by_id("figure-1")
    assert figure.tag == "figure"
    assert _text(figure.find("figcaption")) == "Figure 1: 2024-25 spend by priority"
    assert not figure.xpath(".//img"), "the chart is inline SVG, not an image file or data: URI"
    svg = figure.xpath(".//*[local-name()='svg']")[0]
    assert svg.get("role") == "img" and svg.get("aria-label") == _figure(doc).alt
    assert svg.get("viewbox") or svg.get("viewBox")
    assert svg.get("width") is None and svg.get("height") is None  # sized by CSS, to the column
    # the chart's words are text in the page (zoomable, searchable), drawn from the file
    assert "2024-25 spend (£)" in _text(svg) and "Vulnerability" in _text(svg)
    # on wider screens the data is behind a disclosure ...
    details = figure.xpath(".//details[@class='cf-chart-data']")[0]
    assert _text(details.find("summary")) == "Show the data behind this chart"
    assert details.find(".//table").get("id") == "figure-1-data"
    # ... on phones, where 9-point chart labels would be 7px, the same table comes first, open, and
    # the chart follows behind its own disclosure
    first = figure.xpath(".//div[@class='cf-figure-data-first']")[0]
    toggle = first.getnext()
    assert toggle.tag == "details" and _text(toggle) == "Show the chart"
    assert toggle.getnext().get("class") == "cf-chart"
    copy = first.find(".//table")
    assert copy.get("id") is None and copy.find("caption").get("id") == "figure-1-data-phone-caption"
    assert [_text(r) for r in copy.xpath(".//tr")] == [_text(r) for r in details.xpath(".//tr")]


def test_inline_svg_ids_are_prefixed_and_its_stylesheet_scoped(doc, tmp_path):
    from dataclasses import replace
    # two figures from the same drawing: their ids must not clash, and nothing in one may style the page
    fig = _figure(doc)
    second = replace(fig, anchor="figure-2", data=replace(fig.data, anchor="figure-2-data"))
    text = render_html(replace(doc, blocks=doc.blocks + (second,)))
    tree = _tree(text)
    ids = tree.xpath("//@id")
    assert len(ids) == len(set(ids)), [i for i in ids if ids.count(i) > 1]
    for anchor in ("figure-1", "figure-2"):
        svg = tree.get_element_by_id(anchor).xpath(".//*[local-name()='svg']")[0]
        svg_ids = svg.xpath(".//@id")
        assert svg_ids and all(i.startswith(anchor + "-") for i in svg_ids)
        refs = re.findall(r"url\(#([^)]+)\)", "".join(svg.xpath(".//@*")))
        refs += [h[1:] for h in svg.xpath(".//@*[local-name()='href']")]
        assert refs and set(refs) <= set(svg_ids) | {svg.get("id")}
        for style in svg.xpath(".//*[local-name()='style']"):
            rules = [r for r in style.text.split("}") if r.strip()]
            assert rules and all(r.strip().startswith(f"#{anchor}-chart ") for r in rules), style.text


def test_inline_svg_drops_anything_that_could_run_or_fetch(doc, tmp_path):
    from dataclasses import replace
    svg = tmp_path / "hostile.svg"
    svg.write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
        'width="100pt" height="50pt" viewBox="0 0 100 50" onload="alert(1)">'
        '<script>alert(2)</script><foreignObject><p>x</p></foreignObject>'
        '<image xlink:href="https://example.invalid/x.png"/>'
        '<a href="javascript:alert(3)"><text>link</text></a>'
        '<use xlink:href="https://example.invalid/s.svg#x"/>'
        '<text x="1" y="9" onclick="alert(4)">&lt;script&gt;alert(5)&lt;/script&gt;</text></svg>',
        encoding="utf-8")
    page = render_html(replace(doc, blocks=doc.blocks[:-3] + (replace(_figure(doc), svg=svg),)))
    chart = page[page.index('<div class="cf-chart">'):page.index("</svg>")]
    for bad in ("<script", "onload", "onclick", "foreignObject", "<image", "javascript:", "example.invalid"):
        assert bad not in chart, bad
    assert "&lt;script&gt;alert(5)&lt;/script&gt;" in chart  # register text stays text


def test_figure_without_its_svg_is_a_clear_error(tmp_path):
    doc = sample_document(tmp_path)
    _figure(doc).svg.unlink()
    with pytest.raises(FileNotFoundError, match="figure 'figure-1'.*SVG"):
        render_html(doc)


def test_a_broken_svg_is_a_clear_error(doc, tmp_path):
    from dataclasses import replace
    from pipeline.writers.html_svg import ChartFileError
    broken = tmp_path / "broken.svg"
    broken.write_text("<svg xmlns='http://www.w3.org/2000/svg'><g></svg>", encoding="utf-8")
    with pytest.raises(ChartFileError, match="broken.svg: not a readable SVG"):
        render_html(replace(doc, blocks=(replace(_figure(doc), svg=broken),)))


def test_title_block_names_the_organisation_once_and_prints_no_misleading_date(doc):
    from dataclasses import replace
    tree = _tree(render_html(doc))
    block = tree.xpath("//div[@class='cf-title-block']")[0]
    assert _text(block.xpath(".//p[@class='cf-subtitle']")[0]) == doc.subtitle
    assert [_text(dt) for dt in block.iter("dt")] == ["From"]  # no date: the model's date is the year's start
    assert "1 July 2024" not in _text(tree.find("body"))
    assert tree.xpath("//meta[@name='dcterms.created']/@content") == ["2024-07-01"]
    # a subtitle that only repeats the organisation is not shown a third time
    same = replace(doc, subtitle=" office of the police and crime commissioner for leicestershire and  rutland ")
    tree = _tree(render_html(same))
    assert not tree.xpath("//p[@class='cf-subtitle']")
    assert _text(tree.find("body")).count(doc.author) == 3  # masthead, "From", footer


# --- publication details, downloads and the front sheet ------------------------------------------

def published_document(doc: Document) -> Document:
    from dataclasses import replace
    return replace(
        doc,
        version="1.0",
        published=date(2024, 7, 18),
        contact="Jo Bloggs, Commissioning Manager: jo.bloggs@opcc.example.gov.uk or 0116 000 0000",
        downloads=(("Word edition", "commissioning-framework-2024-25.docx"),
                   ("PDF edition", "commissioning-framework-2024-25.pdf")),
        front=(Heading(2, "Front sheet for the Police and Crime Panel", "front-sheet"),
               Paragraph((Run("Purpose: to note the commissioning framework for 2024-25."),)),
               Heading(3, "Recommendation", "front-recommendation"),
               Paragraph((Run("The Panel is asked to note the report."),))),
    )


def test_the_page_shows_publication_date_version_contact_and_downloads(doc):
    tree = _tree(render_html(published_document(doc)))
    meta = tree.xpath("//dl[@class='cf-meta']")[0]
    shown = {_text(div.find("dt")): div.find("dd") for div in meta.iter("div")}
    assert list(shown) == ["From", "Published", "Version", "Contact", "Download"]
    assert _text(shown["Published"]) == "18 July 2024"
    assert shown["Published"].find("time").get("datetime") == "2024-07-18"
    assert _text(shown["Version"]) == "1.0"
    assert _text(shown["Contact"]) == "Jo Bloggs, Commissioning Manager: jo.bloggs@opcc.example.gov.uk or 0116 000 0000"
    assert [(a.get("href"), _text(a)) for a in shown["Contact"].iter("a")] == [
        ("mailto:jo.bloggs@opcc.example.gov.uk", "jo.bloggs@opcc.example.gov.uk")]
    links = [(a.get("href"), _text(a)) for a in shown["Download"].iter("a")]
    assert links == [("commissioning-framework-2024-25.docx", "Word edition"),
                     ("commissioning-framework-2024-25.pdf", "PDF edition")]
    assert "commissioning-framework-2024-25.pdf" in _text(shown["Download"])  # the file name is shown too
    assert tree.xpath("//meta[@name='dcterms.issued']/@content") == ["2024-07-18"]


def test_the_front_sheet_comes_first_in_its_own_labelled_section(doc):
    tree = _tree(render_html(published_document(doc)))
    paper = tree.xpath("//div[@class='cf-paper']")[0]
    sections = paper.xpath("./section")
    assert len(sections) == 1
    front = sections[0]
    assert front.get("aria-labelledby") == "front-sheet"
    assert _text(tree.get_element_by_id("front-sheet")) == "Front sheet for the Police and Crime Panel"
    # first after the title block, before the contents and the paper's own sections
    assert [el.get("class") or el.tag for el in paper][:3] == ["cf-title-block", "cf-front", "cf-contents"]
    assert [h.tag for h in front.xpath(".//h2|.//h3")] == ["h2", "h3"]
    # a front sheet without a heading of its own is still a named section
    from dataclasses import replace
    bare = replace(doc, front=(Paragraph((Run("Purpose: to note the report."),)),))
    front = _tree(render_html(bare)).xpath("//section")[0]
    assert front.get("aria-label") == "Front sheet"


def test_front_sheet_headings_and_links_are_checked_like_the_paper(doc):
    from dataclasses import replace
    with pytest.raises(ValueError, match="front sheet block 1.*levels must not be skipped"):
        render_html(replace(doc, front=(Heading(4, "Deep", "deep"),)))
    with pytest.raises(ValueError, match="used twice"):
        render_html(replace(doc, front=(Heading(2, "Summary again", "summary"),)))
    with pytest.raises(ValueError, match="front sheet block 1.*javascript"):
        checked(replace(doc, front=(Paragraph((Run("x", href="javascript:alert(1)"),)),)))  # the model's check


@pytest.mark.parametrize("name", ["../secret.docx", "https://evil.example/x.pdf", "folder/x.pdf", "", "javascript:x"])
def test_a_download_that_is_not_a_plain_file_name_is_refused(doc, name):
    from dataclasses import replace
    with pytest.raises(ValueError, match="plain file name"):
        render_html(replace(doc, downloads=(("Word edition", name),)))


def test_nothing_is_shown_for_details_the_edition_does_not_have(doc):
    tree = _tree(render_html(doc))
    assert not tree.xpath("//section|//time|//ul[@class='cf-downloads']")


# --- the CMS fragment ----------------------------------------------------------------------------

def test_fragment_is_the_page_content_only_with_its_styles_scoped(doc):
    from lxml import etree
    page, fragment = render_html(doc), render_fragment(doc)
    for tag in ("<html", "<head", "<body", "<!DOCTYPE", "<main", "skip-link", "masthead", "<script", "<link"):
        assert tag.lower() not in fragment.lower(), tag
    roots = lxml_html.fragments_fromstring(fragment)
    assert len(roots) == 1 and roots[0].tag == "div" and roots[0].get("class") == "cf-paper"
    assert roots[0].get("lang") == "en-GB"  # the host page may be in another language
    style = roots[0][0]
    assert style.tag == "style"
    # the same content as inside the page's <main>, apart from the style element
    main = _tree(page).xpath("//main/div[@class='cf-paper']")[0]
    roots[0].remove(style)
    assert etree.tostring(roots[0]) == etree.tostring(main)
    # every rule is scoped under .cf-paper (selectors inside @media included)
    css = re.sub(r"/\*.*?\*/", "", style.text, flags=re.S)
    css = re.sub(r"@[^{};]*[{;]", "", css)
    selectors = [sel.strip() for block in re.findall(r"([^{}]+)\{", css)
                 for sel in re.split(r",(?![^()]*\))", block)]  # commas outside :not(...)
    assert len(selectors) > 50
    assert all(re.match(r"\.cf-paper(?![\w-])", sel) for sel in selectors), \
        [sel for sel in selectors if not sel.startswith(".cf-paper")]
    assert "url(" not in style.text and "@import" not in style.text


def test_an_unscoped_rule_in_the_content_stylesheet_is_refused(doc, tmp_path):
    import shutil
    from pipeline.template_files import TEMPLATES as DEFAULT_TEMPLATES
    custom = tmp_path / "templates"
    shutil.copytree(DEFAULT_TEMPLATES, custom)
    css = custom / "html" / "content.css"
    css.write_text(css.read_text(encoding="utf-8") + "\n@media print { .cf-paper p, table { color: red; } }\n",
                   encoding="utf-8")
    with pytest.raises(ValueError, match="'table' is not scoped under .cf-paper"):
        render_fragment(doc, templates_dir=custom)


def test_fragment_is_written_beside_the_page(doc, tmp_path):
    write_html(doc, tmp_path / "paper.html")
    write_fragment(doc, tmp_path / "paper.fragment.html")
    assert (tmp_path / "paper.fragment.html").read_text(encoding="utf-8") == render_fragment(doc)


# --- safety and self-containment -----------------------------------------------------------------

def test_hostile_text_is_escaped_and_literal(doc):
    for text in (render_html(doc), render_fragment(doc)):
        tree = _tree(text)
        assert not tree.xpath("//script"), "model text must never become a script element"
        assert not tree.xpath("//*[@onerror]")
        assert "<script>" not in text and "&lt;script&gt;alert(1)&lt;/script&gt;" in text
        assert "49" not in _text(tree.xpath("//h2[@id='spend']")[0])
        assert _text(tree.xpath("//h2[@id='spend']")[0]) == "Spend " + JINJA
        assert SCRIPT in _text(tree.get_element_by_id("table-1").find("caption"))
        assert any(JINJA in _text(td) for td in tree.xpath("//td"))
        assert tree.xpath("//*[local-name()='svg']/@aria-label")[0].endswith(QUOTE_ATTACK)


@pytest.mark.parametrize("href", ["javascript:alert(1)", " JavaScript:alert(1)", "java\tscript:x",
                                  "data:text/html,hi", "#nowhere"])
def test_unsafe_or_broken_links_are_refused(doc, href):
    from dataclasses import replace
    bad = replace(doc, blocks=doc.blocks + (Paragraph((Run("click", href=href),)),))
    # An unsafe link is refused with the model, once, when the paper is composed; a link to a place the
    # page does not have, by the page.
    with pytest.raises(ValueError):
        if href == "#nowhere":
            render_html(bad)
        else:
            checked(bad)


def test_model_that_skips_a_heading_level_is_refused(doc):
    from dataclasses import replace
    with pytest.raises(ValueError, match="levels must not be skipped"):
        render_html(replace(doc, blocks=doc.blocks + (Heading(5, "Too deep", "too-deep"),)))
    with pytest.raises(ValueError, match="used twice"):
        render_html(replace(doc, blocks=doc.blocks + (Heading(2, "Again", "summary"),)))
    with pytest.raises(ValueError, match="used twice"):  # clashes with the data table's copy for phones
        render_html(replace(doc, blocks=doc.blocks + (Heading(2, "Clash", "figure-1-data-phone-caption"),)))


def test_self_contained_no_external_resources(doc):
    for text in (render_html(doc), render_fragment(doc)):
        tree = _tree(text)
        assert not tree.xpath("//script|//link|//iframe|//object|//embed|//img")
        for el in tree.iter():
            for attr, value in el.attrib.items():
                if attr.split("}")[-1] not in ("src", "href", "srcset", "poster", "data"):
                    continue
                if el.tag == "a":
                    continue  # links the reader may follow are fine (Run.href)
                assert value.startswith("#"), f"<{el.tag} {attr}={value[:60]!r}> loads a resource"
        css = "".join(tree.xpath("//style/text()"))
        assert css.strip() and "url(" not in css.replace("url(#", "") and "@import" not in css


def test_renders_are_deterministic(doc, tmp_path):
    first, second = tmp_path / "a.html", tmp_path / "b.html"
    write_html(doc, first)
    write_html(doc, second)
    assert first.read_bytes() == second.read_bytes()
    assert render_html(doc) == render_html(doc) and render_fragment(doc) == render_fragment(doc)
    assert b"\r\n" not in first.read_bytes()


def test_controls_are_disclosures_not_checkboxes(doc):
    tree = _tree(render_html(published_document(doc)))
    assert not tree.xpath("//input|//label|//*[@role='button']|//*[@role='checkbox']")
    assert [_text(el) for el in tree.xpath("//details/*[1][self::summary]")] == [
        "Show the chart", "Show the data behind this chart"]


# --- in the browser ------------------------------------------------------------------------------

@pytest.mark.slow
@pytest.mark.parametrize("width", [1280, 768, 390, 320])
def test_axe_finds_no_wcag_violations(tmp_path, doc, width):
    page = tmp_path / "published.html"
    write_html(published_document(doc), page)
    violations = axe_violations(page, width=width)
    assert not violations, format_violations(violations)


@pytest.mark.slow
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
        # the five-column table keeps its columns and scrolls sideways inside its own region, which
        # the keyboard reaches and which says what it holds
        region = page.get_by_role("region", name=re.compile("^Table 1: Commissioned services"))
        assert region.evaluate("el => el.scrollWidth > el.clientWidth + 100")
        assert page.locator(".cf-scroll-hint").first.is_visible()
        region.focus()
        before = region.evaluate("el => el.scrollLeft")
        page.keyboard.press("ArrowRight")
        page.wait_for_function("el => el.scrollLeft > %d" % before, arg=region.element_handle())
        # ... and is a table to assistive technology, with its headers, cells and total
        table = page.get_by_role("table", name=re.compile("^Table 1: Commissioned services"))
        assert table.get_by_role("columnheader").count() == 5
        assert table.get_by_role("cell", name="Victim First", exact=True).count() == 1
        total = page.locator("#table-1 tfoot td").last
        assert total.inner_text() == "1,156,673"
        # the chart's data comes first, as a table; the chart is one disclosure away and then fits
        assert page.locator("#figure-1 .cf-figure-data-first table").is_visible()
        assert not page.locator("#figure-1 details.cf-chart-data").is_visible()
        assert page.get_by_role("table", name="Figure 1 data: 2024-25 spend by priority").count() == 1
        chart = page.locator("#figure-1 svg")
        assert not chart.is_visible()
        toggle = page.locator("#figure-1 details.cf-chart-toggle summary")
        toggle.focus()
        page.keyboard.press("Enter")
        assert page.locator("#figure-1 details.cf-chart-toggle").evaluate("d => d.open")
        column = page.evaluate("document.querySelector('.cf-paper').getBoundingClientRect().width")
        assert 0.95 * column <= chart.evaluate("svg => svg.getBoundingClientRect().width") <= column
        assert page.get_by_role("img", name=re.compile("^Bar chart: victim services")).is_visible()
        violations = run_axe(page, WCAG_TAGS + ("best-practice",))
        assert not violations, format_violations(violations)


@pytest.mark.slow
@pytest.mark.parametrize("width", [1280, 768])
def test_wider_screens_show_the_chart_with_its_data_behind_a_disclosure(page_path, width):
    with open_page(page_path, width=width) as page:
        assert not page.locator("#figure-1 .cf-figure-data-first").is_visible()
        assert not page.locator("#figure-1 details.cf-chart-toggle").is_visible()
        assert page.locator("#figure-1 svg").is_visible()
        assert not page.locator("#figure-1-data").is_visible()
        # a disclosure: reached by keyboard, opened with Enter, its state announced
        page.locator("#figure-1 details.cf-chart-data summary").focus()
        page.keyboard.press("Enter")
        assert page.locator("#figure-1-data").is_visible()
        assert page.locator("#figure-1 details.cf-chart-data").evaluate("d => d.open")
        assert page.get_by_role("table", name="Figure 1 data: 2024-25 spend by priority").count() == 1
        # at a readable size: the chart's 9-unit labels are at least 12px
        scale = page.locator("#figure-1 svg").evaluate(
            "svg => svg.getBoundingClientRect().width / svg.viewBox.baseVal.width")
        assert 9 * scale >= 12, f"chart labels are {9 * scale:.1f}px"
        violations = run_axe(page, WCAG_TAGS + ("best-practice",))
        assert not violations, format_violations(violations)


@pytest.mark.slow
@pytest.mark.parametrize("width", [1280, 320])
def test_layout_in_the_browser(page_path, width):
    with open_page(page_path, width=width) as page:
        # the footer text lines up with the main column
        left = page.evaluate("[...document.querySelectorAll('main h1, .site-footer p, .masthead-org')]"
                             ".map(el => Math.round(el.getBoundingClientRect().left))")
        assert len(set(left)) == 1, left
        # tables are tables at every width
        for table in ("table-1", "figure-1-data"):
            assert page.evaluate(f"getComputedStyle(document.getElementById('{table}')).display") == "table"
        cell = page.locator("#table-1 tbody td.cf-num").first
        assert cell.evaluate("td => getComputedStyle(td).textAlign") == "right"
        assert cell.evaluate("td => getComputedStyle(td).whiteSpace") == "nowrap"


@pytest.mark.slow
def test_browser_helper_blocks_and_reports_external_requests(tmp_path):
    page_file = tmp_path / "leaky.html"
    page_file.write_text('<!DOCTYPE html><html lang="en-GB"><head><title>t</title></head><body><main>'
                         '<img src="https://example.invalid/x.png" alt="x"></main></body></html>',
                         encoding="utf-8")
    with open_page(page_file) as page:
        assert page.external_requests == ["https://example.invalid/x.png"]


@pytest.mark.slow
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
    from pipeline.template_files import TEMPLATES as DEFAULT_TEMPLATES
    custom = tmp_path / "templates"
    shutil.copytree(DEFAULT_TEMPLATES, custom)
    (custom / "paper.css").write_text("body { color: #000; }", encoding="utf-8")
    assert "body { color: #000; }" in render_html(doc, templates_dir=custom)


def test_the_block_macros_also_take_plain_model_tables(doc):
    # the PDF writer may import these macros with model blocks rather than the writer's views
    from pipeline.template_files import TEMPLATES as DEFAULT_TEMPLATES
    from pipeline.writers.html import _environment
    table = next(b for b in doc.blocks if isinstance(b, Table))
    env = _environment(DEFAULT_TEMPLATES)
    html = env.from_string('{% import "html/blocks.html.j2" as b %}{{ b.table(t) }}{{ b.table(t, false) }}').render(t=table)
    tree = lxml_html.fragment_fromstring(html, create_parent="div")
    assert len(tree.xpath(".//table")) == 2 and tree.xpath(".//table/@id") == ["table-1"]
    assert [_text(td) for td in tree.xpath(".//table[1]/tfoot//td")][-1] == "1,156,673"
