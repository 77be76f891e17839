"""The built 2024-25 web edition as the web team and its readers meet it: valid HTML, a page that
works on a phone (390px), a tablet (768px) and a desktop (1280px), and a CMS fragment that can be
dropped into another site's page without restyling it or being restyled by it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from pipeline.build import output_names

from .a11y import WCAG_TAGS, axe_violations, format_violations, open_page, run_axe
from .html_check import ValidatorMissing, format_vnu, java, vnu_messages, vnu_problems

YEAR = "2024-25"
PHONE, TABLET, DESKTOP = 390, 768, 1280
CHARTS = 6  # the funding outlook, the scenarios, the CSP chart, and the three in the web edition's detail
# px at 390px wide. The web edition is now the detailed one: besides the paper it carries what print leaves
# out (the categories, the full register, three charts, every service each scenario changes, the service
# cards), about 33 screens in all. Collapsing the long web-only tables would bring it back towards 25,000.
PHONE_HEIGHT_LIMIT = 30_000


@pytest.fixture(scope="module")
def built(built_2024_25) -> dict[str, Path]:
    names = output_names(built_2024_25.result.edition)
    return {"page": built_2024_25.path(names["html"]), "fragment": built_2024_25.path(names["fragment"])}


# A CMS theme of the usual kind: a small root font, generic element rules, an icon rule for svg.
HOST_CSS = """
html { font-size: 62.5%; }
body { margin: 0; font: 1.5rem/1.3 Georgia, "DejaVu Serif", serif; color: #222222; background: #ffffff; }
* { box-sizing: content-box; }
.site-header { background: #12395b; color: #ffffff; padding: 1rem 2rem; }
.site-header a { color: #ffffff; }
.page { max-width: 960px; margin: 0 auto; padding: 0 1.6rem; }
h1, h2, h3 { text-transform: uppercase; letter-spacing: 0.1em; color: #8a1538; margin: 0; font-size: 1.8rem; }
p { margin: 0 0 3rem; font-size: 1.3rem; line-height: 1.1; }
ul, ol { list-style: none; padding: 0; margin: 0; }
a { color: #12395b; text-decoration: none; border-bottom: 2px solid currentColor; }
table { width: 300px; border: 3px solid #8a1538; font-size: 1.1rem; }
th, td { padding: 0; border: 1px solid #999999; text-align: center; }
svg { width: 2rem; height: 2rem; fill: currentColor; }
summary { display: block; list-style: none; }
section { background: #fff5cc; }
"""

HOST_OWN_CONTENT = """<h2 class="host">Related pages</h2>
<p class="host">Other <a class="host" href="#top">papers</a> of the Office.</p>
<ul class="host"><li>Annual report</li><li>Police and crime plan</li></ul>
<table class="host"><caption>Host table</caption><tr><th scope="col">A</th><th scope="col">B</th></tr>
<tr><td>1</td><td>2</td></tr></table>"""


def host_page(fragment: str, style_in_head: bool = False) -> str:
    """A plain host page with the fragment pasted into its content column (or nothing, for '')."""
    head_style = ""
    if style_in_head:  # what a CMS that keeps styles in <head> would do with the fragment's <style>
        match = re.search(r"<style>.*?</style>\n?", fragment, re.S)
        head_style, fragment = match.group(0), fragment.replace(match.group(0), "", 1)
    return ("<!DOCTYPE html>\n<html lang=\"en-GB\">\n<head>\n<meta charset=\"utf-8\">\n"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
            f"<title>Commissioning Framework - OPCC</title>\n<style>{HOST_CSS}</style>\n{head_style}</head>\n<body>\n"
            "<header class=\"site-header\" id=\"top\"><a href=\"#content\">OPCC website</a></header>\n"
            f"<main id=\"content\" class=\"page\">\n{fragment}\n{HOST_OWN_CONTENT}\n</main>\n"
            "<footer class=\"page\"><p class=\"host\">Site footer</p></footer>\n</body>\n</html>\n")


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


# --- valid HTML ----------------------------------------------------------------------------------

@pytest.mark.slow
def test_the_page_and_the_fragment_in_a_host_page_are_valid_html(built, tmp_path):
    fragment = built["fragment"].read_text(encoding="utf-8")
    in_head = _write(tmp_path / "host-style-in-head.html", host_page(fragment, style_in_head=True))
    pasted = _write(tmp_path / "host-pasted.html", host_page(fragment))
    messages = vnu_problems([built["page"], in_head, pasted])
    by_file = {name: [m for m in messages if m.get("url", "").endswith(name)]
               for name in (built["page"].name, in_head.name, pasted.name)}
    assert not by_file[built["page"].name], format_vnu(by_file[built["page"].name])
    assert not by_file[in_head.name], format_vnu(by_file[in_head.name])
    # Pasted as it is, the fragment's one <style> sits in the body, which browsers apply but the HTML
    # standard allows only in <head>: that, and nothing else, is what the checker reports.
    assert [m["message"] for m in by_file[pasted.name]] == [
        "Element “style” not allowed as child of element “div” in this context. "
        "(Suppressing further errors from this subtree.)"], format_vnu(by_file[pasted.name])


@pytest.mark.slow
def test_the_checker_enforces_aria_in_html(tmp_path):
    # the problem the web edition had: ARIA table roles on the parts of a native table
    bad = _write(tmp_path / "roles.html", "<!DOCTYPE html><html lang=\"en\"><head><title>t</title></head><body>"
                 "<table><caption>c</caption><tr role=\"row\"><th role=\"columnheader\" scope=\"col\">a</th></tr>"
                 "<tr role=\"row\"><td role=\"cell\">1</td></tr></table></body></html>")
    messages = [m["message"] for m in vnu_problems([bad])]
    assert any("“role” attribute must not be used on a “td” element" in m for m in messages), messages
    assert any("“role” attribute must not be used on a “tr” element" in m for m in messages), messages
    assert not vnu_problems([_write(tmp_path / "fine.html", "<!DOCTYPE html><html lang=\"en\"><head><title>t"
                                    "</title></head><body><p>fine</p></body></html>")])


def test_a_missing_java_is_a_clear_failure_not_a_skip(monkeypatch):
    import shutil
    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.raises(ValidatorMissing, match="apt-get install -y default-jre-headless"):
        java()


@pytest.mark.slow
def test_the_checker_reports_each_problem_with_its_line(tmp_path):
    bad = _write(tmp_path / "bad.html", "<!DOCTYPE html><html lang=\"en\"><head><title>t</title></head>\n<body>\n"
                 "<p><div>block in a paragraph</div></p></body></html>")
    report = format_vnu(vnu_problems([bad]))
    assert "bad.html:3" in report and "error" in report
    assert vnu_messages([bad])


# --- a phone, 390px wide -------------------------------------------------------------------------

@pytest.mark.slow
def test_on_a_phone_the_page_is_at_most_30000px_tall_and_never_scrolls_sideways(built):
    with open_page(built["page"], width=PHONE) as page:
        height = page.evaluate("document.documentElement.scrollHeight")
        assert height <= PHONE_HEIGHT_LIMIT, f"the 2024-25 page is {height}px tall at {PHONE}px wide"
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, f"the page scrolls sideways by {overflow}px"
        assert page.external_requests == []


@pytest.mark.slow
def test_on_a_phone_long_tables_scroll_in_focusable_labelled_regions_and_stay_tables(built):
    with open_page(built["page"], width=PHONE) as page:
        regions = page.evaluate("""[...document.querySelectorAll('.cf-table')].filter(r => r.offsetParent).map(r => ({
            role: r.getAttribute('role'), tabindex: r.tabIndex,
            labelledBy: r.getAttribute('aria-labelledby'),
            caption: r.querySelector('caption') && r.querySelector('caption').id,
            scrolls: r.scrollWidth > r.clientWidth + 1,
            display: getComputedStyle(r.querySelector('table')).display,
            fits: r.getBoundingClientRect().right <= document.documentElement.clientWidth}))""")
        # front sheet, funding gap, two decision tables, glossary, the two register tables, four charts' data
        assert len(regions) >= 11
        for region in regions:
            assert region["role"] == "region" and region["tabindex"] == 0, region
            assert region["labelledBy"] == region["caption"], region
            assert region["display"] == "table" and region["fits"], region
        # tables of many or long columns keep their columns and scroll sideways, with a hint
        wide = page.locator("[class*='cf-table--min-']").all()
        assert len(wide) >= 5
        for region in wide:
            if region.is_visible():
                assert region.evaluate("r => r.scrollWidth > r.clientWidth"), region.get_attribute("aria-labelledby")
                assert region.evaluate("r => getComputedStyle(r.previousElementSibling).display") == "block"
        for anchor in ("table-commissioning", "table-grants"):  # the register, 47 and 17 rows
            region = page.locator(f"#{anchor}").locator("xpath=..")
            assert region.evaluate("r => r.scrollWidth > r.clientWidth"), anchor
            assert page.get_by_role("region", name=page.locator(f"#{anchor} caption").inner_text()).count() == 1
        # two-column tables fit the screen and do not scroll
        narrow = [t for t in page.locator("table").all() if t.is_visible() and t.locator("thead th").count() == 2]
        assert len(narrow) >= 2
        for table in narrow:
            assert table.evaluate("t => t.parentElement.scrollWidth <= t.parentElement.clientWidth"), table.get_attribute("id")
        # no ARIA roles inside tables; assistive technology reads the native ones
        assert page.evaluate("document.querySelectorAll('table [role], table[role]').length") == 0
        table = page.get_by_role("table", name="Table 1: commissioned services")
        assert table.get_by_role("columnheader").count() == 5
        assert table.get_by_role("row").count() == 49  # header, 47 lines, total


@pytest.mark.slow
def test_on_a_phone_no_blank_cell_vanishes(built):
    with open_page(built["page"], width=PHONE) as page:
        cells = page.evaluate("""[...document.querySelectorAll('#table-commissioning tbody td')].map(td => {
            const r = td.getBoundingClientRect(), s = getComputedStyle(td);
            return {text: td.textContent.trim(), w: r.width, h: r.height, display: s.display,
                    visibility: s.visibility, rowH: td.parentElement.getBoundingClientRect().height};
        })""")
        assert len(cells) == 47 * 5
        blanks = [c for c in cells if not c["text"]]
        assert len(blanks) >= 2  # the lines "not separately costed"
        for cell in cells:
            assert cell["display"] == "table-cell" and cell["visibility"] == "visible", cell
            assert cell["w"] > 20 and abs(cell["h"] - cell["rowH"]) < 1, cell  # a full cell in its row


@pytest.mark.slow
def test_on_a_phone_every_chart_fits_and_its_data_table_comes_first(built):
    with open_page(built["page"], width=PHONE) as page:
        # the data first, the chart one disclosure away
        assert page.locator("figure.cf-figure svg").evaluate_all("ss => ss.filter(s => s.getClientRects().length).length") == 0
        toggles = page.locator("figure.cf-figure details.cf-chart-toggle summary")
        assert toggles.count() == CHARTS
        for toggle in toggles.all():
            toggle.click()
        figures = page.evaluate("""[...document.querySelectorAll('figure.cf-figure')].map(f => {
            const svg = f.querySelector('svg'), first = f.querySelector('.cf-figure-data-first table');
            const column = f.getBoundingClientRect();
            return {id: f.id, svgW: svg.getBoundingClientRect().width, svgTop: svg.getBoundingClientRect().top,
                    svgRight: svg.getBoundingClientRect().right, colW: column.width, colRight: column.right,
                    tableShown: !!first.offsetParent, tableTop: first.getBoundingClientRect().top,
                    detailsShown: !!f.querySelector('details.cf-chart-data').offsetParent};
        })""")
        assert len(figures) == CHARTS
        for f in figures:
            # the whole chart on screen, as wide as the column: nothing to scroll, nothing cut off
            assert f["svgRight"] <= f["colRight"] + 0.5 and f["svgW"] >= 0.95 * f["colW"], f
            # its numbers first, readable, as a table; the wide-screen disclosure is not shown
            assert f["tableShown"] and f["tableTop"] < f["svgTop"] and not f["detailsShown"], f
        # Figure 4 shows all five years and its legend: everything in the drawing is inside the screen
        outside = page.evaluate("""(() => { const svg = document.querySelector('#figure-funding-outlook svg');
            const box = svg.getBoundingClientRect();
            return [...svg.querySelectorAll('text')].filter(t => { const r = t.getBoundingClientRect();
                return r.left < box.left - 0.5 || r.right > box.right + 0.5; }).map(t => t.textContent); })()""")
        assert outside == []
        words = page.locator("#figure-funding-outlook svg text").evaluate_all("ts => ts.map(t => t.textContent.trim())")
        assert {"2024-25", "2025-26", "2026-27", "2027-28", "2028-29", "Committed"} <= set(words)


@pytest.mark.slow
@pytest.mark.parametrize("width", [PHONE, TABLET])
def test_the_built_page_has_no_axe_violations(built, width):
    violations = axe_violations(built["page"], width=width)
    assert not violations, format_violations(violations)


# --- tablet and desktop --------------------------------------------------------------------------

@pytest.mark.slow
@pytest.mark.parametrize("width", [TABLET, DESKTOP])
def test_on_wider_screens_charts_are_readable_with_their_data_behind_a_disclosure(built, width):
    with open_page(built["page"], width=width) as page:
        for svg in page.locator("figure.cf-figure svg").all():
            # the charts' 9-unit labels are drawn at 12px or more
            scale = svg.evaluate("s => s.getBoundingClientRect().width / s.viewBox.baseVal.width")
            assert 9 * scale >= 12, f"chart labels are {9 * scale:.1f}px at {width}px"
        summaries = page.locator("figure.cf-figure details summary").evaluate_all(
            "ss => ss.filter(s => s.offsetParent).map(s => s.textContent)")
        assert summaries == ["Show the data behind this chart"] * CHARTS
        assert page.locator("figure.cf-figure .cf-figure-data-first table").evaluate_all(
            "ts => ts.filter(t => t.offsetParent).length") == 0
        # at tablet width the five-column register fits: its spend column is on screen
        region = page.locator("#table-commissioning").locator("xpath=..")
        assert region.evaluate("r => r.scrollWidth <= r.clientWidth")


@pytest.mark.slow
def test_on_a_desktop_wide_tables_use_the_width_while_prose_keeps_a_readable_measure(built):
    with open_page(built["page"], width=DESKTOP) as page:
        widths = page.evaluate("""(() => {
            const prose = [...document.querySelectorAll('.cf-paper > p')].map(p => p.getBoundingClientRect().width);
            const table = document.getElementById('table-decisions-1');
            return {prose: Math.max(...prose), table: table.getBoundingClientRect().width,
                    column: document.querySelector('.cf-paper').getBoundingClientRect().width,
                    scrolls: table.parentElement.scrollWidth > table.parentElement.clientWidth,
                    chars: Math.max(...[...document.querySelectorAll('.cf-paper > p')].map(p => {
                        const r = document.createRange(); r.selectNodeContents(p);
                        const lines = new Set([...r.getClientRects()].map(x => Math.round(x.top))).size;
                        return lines > 2 ? p.textContent.length / lines : 0; }))};
        })()""")
        assert widths["table"] >= widths["column"] - 1 and not widths["scrolls"], widths
        assert widths["table"] >= 1.5 * widths["prose"], widths
        # about 70 characters a line (a paragraph's average over its lines)
        assert 55 <= widths["chars"] <= 85, widths
        # figure columns' titles stay on one line: "24/25 spend (£)" is not wrapped on three
        lines = page.evaluate("""[...document.querySelectorAll('#table-decisions-1 thead th.cf-num')].map(th => {
            const r = document.createRange(); r.selectNodeContents(th);
            return new Set([...r.getClientRects()].map(x => Math.round(x.top))).size; })""")
        assert lines == [1]


# --- the CMS fragment in a host page -------------------------------------------------------------

@pytest.fixture(scope="module")
def hosted(built, tmp_path_factory) -> dict[str, Path]:
    fragment = built["fragment"].read_text(encoding="utf-8")
    tmp = tmp_path_factory.mktemp("hosted")
    return {"with": _write(tmp / "host.html", host_page(fragment)),
            "without": _write(tmp / "host-empty.html", host_page(""))}


@pytest.mark.slow
@pytest.mark.parametrize("width", [PHONE, DESKTOP])
def test_the_fragment_in_a_plain_host_page_passes_axe(hosted, width):
    with open_page(hosted["with"], width=width) as page:
        assert page.external_requests == []  # charts and styles travel inside the fragment
        violations = run_axe(page, WCAG_TAGS)
        assert not violations, format_violations(violations)
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0


_HOST_ELEMENTS = ["body", "h2.host", "p.host", "a.host", "ul.host", "ul.host li", "table.host", "table.host td",
                  ".site-header", "footer p.host"]
_PROPERTIES = ["font-family", "font-size", "line-height", "color", "background-color", "text-transform",
               "letter-spacing", "margin-bottom", "padding-left", "list-style-type", "border-top-width",
               "text-align", "width", "box-sizing", "text-decoration-line"]
_STYLES = """([selectors, props]) => selectors.map(sel => { const el = document.querySelector(sel);
    if (!el) return [sel, null]; const s = getComputedStyle(el); return [sel, props.map(p => s.getPropertyValue(p))]; })"""


@pytest.mark.slow
def test_the_fragment_does_not_restyle_the_host_page(hosted):
    styles = {}
    for key in ("with", "without"):
        with open_page(hosted[key], width=DESKTOP) as page:
            styles[key] = page.evaluate(_STYLES, [_HOST_ELEMENTS, _PROPERTIES])
    assert all(values for _, values in styles["without"])
    for (sel, after), (_, before) in zip(styles["with"], styles["without"]):
        changed = {p: (b, a) for p, b, a in zip(_PROPERTIES, before, after) if a != b}
        assert not changed, f"the fragment changed {sel}: {changed}"


_PAPER_ELEMENTS = [".cf-paper", ".cf-paper h1", "#introduction", ".cf-paper > p", ".cf-paper > ul",
                   ".cf-paper > ul li", ".cf-paper .cf-contents a", "#table-commissioning",
                   "#table-commissioning caption", "#table-commissioning thead th",
                   "#table-commissioning tbody td.cf-num", ".cf-paper .cf-meta dt", ".cf-paper figure summary",
                   "#figure-timeline svg", ".cf-paper .cf-warning"]
_PAPER_PROPERTIES = ["font-family", "font-size", "font-weight", "line-height", "color", "background-color",
                     "text-transform", "letter-spacing", "margin-top", "margin-bottom", "padding-left",
                     "padding-top", "list-style-type", "border-top-width", "border-bottom-width", "text-align",
                     "box-sizing", "text-decoration-line", "white-space", "display", "fill", "max-width"]


@pytest.mark.slow
@pytest.mark.parametrize("width", [PHONE, DESKTOP])
def test_the_host_page_does_not_restyle_the_fragment(built, hosted, width):
    styles = {}
    for key, path in (("own page", built["page"]), ("host page", hosted["with"])):
        with open_page(path, width=width) as page:
            for toggle in page.locator("details.cf-chart-toggle summary").all():
                if toggle.is_visible():  # on a phone, open the charts
                    toggle.click()
            styles[key] = page.evaluate(_STYLES, [_PAPER_ELEMENTS, _PAPER_PROPERTIES])
            # the charts are as wide as on the paper's own page: the column, up to their readable size
            styles[key].append(("chart widths", page.locator("figure svg").evaluate_all(
                "ss => ss.map(s => Math.round(s.getBoundingClientRect().width))")))
    for (sel, in_host), (_, own) in zip(styles["host page"], styles["own page"]):
        assert own is not None and in_host is not None, sel
        if sel == "chart widths":
            assert in_host == own and min(own) > 300, (own, in_host)
            continue
        changed = {p: (o, h) for p, o, h in zip(_PAPER_PROPERTIES, own, in_host) if o != h}
        assert not changed, f"the host page changed {sel}: {changed}"
