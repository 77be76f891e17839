"""Charts: the numbers a reader checks, the words, the accessibility rules and reproducible files."""

from __future__ import annotations

import hashlib
import random
import re
from collections import defaultdict
from datetime import date
from decimal import Decimal

import matplotlib
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from matplotlib.collections import Collection
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.text import Text
from PIL import Image

from pipeline.paper import charts
from pipeline.paper.chart_files import print_images
from pipeline.build import load_edition
from pipeline.analysis.classify import classify
from pipeline.formatting import money
from pipeline.analysis.outlook import outlook
from pipeline.input.register import Line, Register
from pipeline.analysis.schedule import schedule

SLUGS = ("spend-by-priority", "spend-by-category", "funding-outlook", "timeline")


def _analyse(register, edition, config, offsets=()):
    from dataclasses import replace

    from pipeline.analysis.gap import funding_gap

    items = classify(register, edition, config)
    look = replace(outlook(register, edition, config, items), gap=funding_gap(items, offsets, edition, config))
    return items, schedule(items, edition, config), look


@pytest.fixture(scope="module")
def inputs():
    edition, config, register = load_edition("2024-25")
    items, sched, look = _analyse(register, edition, config)
    return register, items, sched, look, edition, config


@pytest.fixture(scope="module")
def drawings(inputs):
    return {d.slug: d for d in charts.draw_charts(*inputs)}


@pytest.fixture(scope="module")
def rendered(inputs, tmp_path_factory):
    out = tmp_path_factory.mktemp("charts")
    return {c.slug: c for c in charts.render_charts(*inputs, out_dir=out)}


def _synthetic(n: int, edition, config, seed: int = 7) -> Register:
    rng = random.Random(seed)
    lines = []
    for i in range(n):
        end = None if rng.random() < 0.25 else date(rng.randint(2023, 2031), rng.choice((3, 6, 9, 12)), 28)
        start = None if rng.random() < 0.5 else date(rng.randint(2019, 2024), rng.randint(1, 12), 1)
        if start and end and start >= end:
            start = None
        lines.append(Line(f"S-{i:05d}", rng.choice(config.vocabulary.sections), "Long",
                          rng.choice(config.vocabulary.priorities), f"Project {i}", "Provider",
                          Decimal(rng.randint(0, 400_000)), start_date=start, end_date=end,
                          extension_options=rng.choice(((), (1,), (1, 1), (2,)))))
    return Register("synthetic", tuple(lines))


def _money_cell(text: str) -> Decimal:
    assert re.fullmatch(r"£\d{1,3}(,\d{3})*(\.\d\d)?", text), text
    return Decimal(text[1:].replace(",", ""))


# ---------------------------------------------------------------------------------------------------
# The API and files


@pytest.mark.slow
def test_four_charts_written_as_svg_and_png(rendered):
    assert tuple(rendered) == SLUGS
    for slug, chart in rendered.items():
        assert chart.svg.name == f"{slug}.svg" and chart.svg.exists()
        assert chart.png.name == f"{slug}.png" and chart.png.exists()
        assert chart.title and chart.alt
        assert chart.data.anchor == f"data-{slug}"
        assert chart.data.caption == f"Data for: {chart.title}"
        for col in chart.data.columns:
            if col.kind == "money":
                assert col.align == "right"
        assert any(col.kind in ("money", "date") for col in chart.data.columns)
        figure = chart.figure()
        assert figure.caption == chart.title and figure.data is chart.data and figure.png == chart.png


def test_png_is_200_dpi_at_print_width(rendered):
    for chart in rendered.values():
        with Image.open(chart.png) as img:
            assert img.size[0] == round(charts.FIGURE_WIDTH_IN * 200)
            assert img.info["dpi"] == pytest.approx((200, 200), abs=0.01)
            assert "Software" not in img.info


def test_svg_keeps_text_as_text_and_ids_unique_across_charts(rendered):
    seen: dict[str, str] = {}
    for slug, chart in rendered.items():
        text = chart.svg.read_text(encoding="utf-8")
        assert "<text" in text
        assert "<dc:date>" not in text and "Matplotlib" not in text
        ids = re.findall(r'\bid="([^"]+)"', text)
        assert len(ids) == len(set(ids))
        refs = set(re.findall(r'(?:url\(#|href="#)([^")]+)', text))
        assert refs <= set(ids), refs - set(ids)
        for i in ids:
            assert i not in seen, f"{i} in both {slug} and {seen[i]}"
            seen[i] = slug


def _extra_chart(given):
    """A chart the registry does not have (drawn from its ChartInputs): a single bar, with its words and numbers."""
    from pipeline.paper import model
    from pipeline.paper.charts.layout import new_figure
    from pipeline.paper.charts.style import chart_style

    with chart_style():
        fig = new_figure(2.0)
        fig.add_subplot().barh([0], [float(given.register.total())], label="_total")
    table = model.Table("data-extra-chart", "Data for: Extra", (model.Column("Total", "right", "money"),),
                        ((money(given.register.total()),),))
    return charts.Drawing("extra-chart", "Extra", f"The register totals {money(given.register.total())}.", table, fig)


def test_a_chart_added_to_the_registry_is_counted_shared_out_and_drawn(inputs, tmp_path, monkeypatch):
    from pipeline.paper.charts import registry

    real = registry.CHARTS
    monkeypatch.setattr(registry, "CHARTS", (*real, registry.ChartSpec("extra-chart", _extra_chart, cost=0.5)))
    assert charts.chart_count() == len(real) + 1
    assert charts.slugs()[-1] == "extra-chart"
    for n in range(1, len(real) + 2):
        parts = charts.chart_parts(n)
        assert sorted(i for p in parts for i in p) == list(range(len(real) + 1)), n  # every chart, once
    # One process a chart: the part holding the new one draws it alone, into its files, in its place.
    n = len(real) + 1
    k = next(k for k, p in enumerate(charts.chart_parts(n)) if len(real) in p)
    (place, chart), = charts.render_charts(*inputs, out_dir=tmp_path, part=(k, n), indexed=True)
    assert place == len(real) and chart.slug == "extra-chart"
    assert chart.svg.name == "extra-chart.svg" and chart.png.exists()
    assert chart.data.rows == ((money(inputs[0].total()),),)


def test_a_drawer_that_draws_another_chart_is_refused(inputs, monkeypatch):
    from pipeline.paper.charts import registry

    priority = registry.CHARTS[0]
    wrong = registry.ChartSpec("extra-chart", priority.draw)
    monkeypatch.setattr(registry, "CHARTS", (wrong,))
    with pytest.raises(TypeError, match="'extra-chart' returned Drawing 'spend-by-priority'"):
        charts.draw_charts(*inputs)
    monkeypatch.setattr(registry, "CHARTS", (wrong, wrong))
    with pytest.raises(ValueError, match="declared twice in the registry: extra-chart"):
        charts.chart_count()


@pytest.mark.slow
def test_second_build_is_byte_identical(inputs, tmp_path):
    first = charts.render_charts(*inputs, out_dir=tmp_path / "one")
    # Global matplotlib settings a caller may have changed must not leak into the charts.
    with matplotlib.rc_context({"font.size": 30, "lines.linewidth": 7, "svg.hashsalt": None,
                                "axes.prop_cycle": matplotlib.cycler(color=["#ffff00"])}):
        second = charts.render_charts(*inputs, out_dir=tmp_path / "two")
    for a, b in zip(first, second):
        for pa, pb in ((a.svg, b.svg), (a.png, b.png)):
            assert hashlib.sha256(pa.read_bytes()).hexdigest() == hashlib.sha256(pb.read_bytes()).hexdigest(), pa.name


@pytest.mark.slow
def test_no_state_leaks_out(inputs, tmp_path):
    before = dict(matplotlib.rcParams)
    charts.render_charts(*inputs, out_dir=tmp_path)
    after = dict(matplotlib.rcParams)
    assert {k: v for k, v in after.items() if before.get(k) != v} == {}


# ---------------------------------------------------------------------------------------------------
# 1. Spend by priority


def test_priority_table_equals_register_sums(inputs, rendered):
    register, *_, config = inputs
    expected: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for line in register.lines:
        expected[line.priority][line.section] += line.spend or 0
    table = rendered["spend-by-priority"].data
    titles = [c.title for c in table.columns]
    assert titles[0] == "Priority" and titles[-2:] == ["Total", "Share of total"]
    # Every funded priority, in the configured order; one with no lines (Partnerships in 2024-25) is left out.
    assert [r[0] for r in table.rows] == [p for p in config.vocabulary.priorities if p in expected]
    assert "Partnerships" not in [r[0] for r in table.rows]
    for row in table.rows:
        by_section = {s: _money_cell(row[1 + k]) for k, s in enumerate(config.vocabulary.sections)}
        for s in config.vocabulary.sections:
            assert by_section[s] == expected[row[0]][s]
        assert _money_cell(row[-2]) == sum(expected[row[0]].values(), Decimal(0))
    grand = sum(line.spend or 0 for line in register.lines)
    assert table.totals[0][0] == "Total"
    assert _money_cell(table.totals[0][-2]) == grand == Decimal("6674237")


def test_priority_alt_names_largest_priority_and_exact_amount(inputs, rendered):
    register = inputs[0]
    sums: dict[str, Decimal] = defaultdict(Decimal)
    for line in register.lines:
        sums[line.priority] += line.spend or 0
    name, amount = max(sums.items(), key=lambda kv: kv[1])
    total = sum(sums.values())
    alt = rendered["spend-by-priority"].alt
    assert alt.startswith(f"{name} receives {money(amount)}, the largest share at "
                          f"{round(amount * 100 / total)}% of the {money(total)} total.")
    assert alt.startswith("Victim Services receives £2,517,766")


# ---------------------------------------------------------------------------------------------------
# 2. Spend by category


def test_category_table_equals_classified_sums(inputs, rendered):
    register, items, *_ = inputs
    expected: dict[str, Decimal] = defaultdict(Decimal)
    counts: dict[str, int] = defaultdict(int)
    for c in items:
        expected[c.category] += c.line.spend or 0
        counts[c.category] += 1
    table = rendered["spend-by-category"].data
    cats = inputs[-1]["categories"]  # the labels come from [categories] in config.toml
    keys = ("a", "b", "c", "d", "annual", "undated", "completing")  # the groups outside a-d that 2024-25 has
    assert [r[0] for r in table.rows] == [f"{k}: {cats[k]['label']}" for k in "abcd"] + [cats[k]["label"] for k in keys[4:]]
    for key, row in zip(keys, table.rows):
        assert _money_cell(row[2]) == expected[key]
        assert int(row[1].replace(",", "")) == counts[key]
    assert _money_cell(table.totals[0][2]) == register.total()
    assert int(table.totals[0][1]) == len(register)
    alt = rendered["spend-by-category"].alt
    largest = max(expected.items(), key=lambda kv: kv[1])
    assert money(largest[1]) in alt


# ---------------------------------------------------------------------------------------------------
# 3. Funding outlook


@pytest.mark.slow
def test_outlook_table_and_the_funding_gap(inputs, rendered, drawings):
    register, _, _, look, edition, _ = inputs
    chart = rendered["funding-outlook"]
    table = chart.data
    assert [r[0] for r in table.rows] == [y.edition.label for y in look.years]
    titles = [c.title for c in table.columns]
    assert titles[:3] == ["Financial year", "Committed", "Of which external funding ends in 2024-25"]
    assert titles[3:5] == ["Available only if options are used", "No end date: each year's budget round"]
    series = ("committed", "optional", "annual", "undated")[: len(titles) - 3]
    for y, row in zip(look.years, table.rows):
        cells = [_money_cell(c) for c in (row[1], *row[3:])]
        assert cells[:-1] == [getattr(y, a) for a in series]
        assert cells[-1] == y.committed + y.optional + y.annual + y.undated
    # The external money that ends, from the gap analysis (not every ending: completions, options and
    # funds under review are not money lost), in its own column of the edition year's row.
    gap = look.gap
    assert gap.ending == Decimal("807202")  # the MoJ grants, not the £1,460,412 of every ending
    if gap.funders:
        assert _money_cell(table.rows[0][2]) == gap.ending
        assert [row[2] for row in table.rows[1:]] == [""] * (len(table.rows) - 1)
        texts = [t.get_text() for t in drawings["funding-outlook"].figure.findobj(Text)]
        assert any(money(gap.ending) in t for t in texts)
    assert table.totals == ()


# ---------------------------------------------------------------------------------------------------
# 4. Timeline


def _bars(figure, *labels) -> int:
    ax = figure.axes[0]
    return sum(len(c) for c in ax.containers if c.get_label() in labels)


def test_timeline_has_one_bar_per_dated_line(inputs, drawings):
    register, _, sched, *_ = inputs
    dated = [r.item.line for r in sched]  # every line with a decision still to take
    drawing = drawings["timeline"]
    assert not drawing.grouped
    assert len(dated) == drawing.bars == 28  # 32 dated lines less the 4 planned completions
    fig = drawing.figure
    assert _bars(fig, "_funded", "_funded_start_not_recorded", "_funded_dates_inferred") == len(dated)
    guessed = [l for l in dated if {"start_date", "end_date"} & set(l.inferred)]  # drawn apart, as inferred
    assert _bars(fig, "_funded_dates_inferred") == len(guessed) == 2  # Victim Pathway, Rutland
    assert _bars(fig, "_funded_start_not_recorded") == sum(1 for l in dated if l.start_date is None and l not in guessed)
    assert _bars(fig, "_extension_options") == sum(1 for l in dated if l.extension_options)
    assert _bars(fig, "_review_window") == len(dated)
    # Labels name the project, never the internal id, and are never cut short: a long name wraps
    # onto a second line. The ids and full names are in the data table.
    ticks = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert sorted(" ".join(t.split()) for t in ticks) == sorted(l.project for l in dated)
    assert not any(l.id in t for t in ticks for l in dated)
    assert any("\n" in t for t in ticks) and all(t.count("\n") <= 1 for t in ticks)
    assert len(drawing.data.rows) == len(dated)
    assert sorted((row[0], row[1]) for row in drawing.data.rows) == sorted((l.id, l.project) for l in dated)
    # Grouped by category, in the order a, b, c, d.
    cats = [row[2] for row in drawing.data.rows]
    assert cats == sorted(cats)
    # The edition's start is marked and labelled.
    texts = [t.get_text() for t in fig.findobj(Text)]
    assert "Start of 2024-25 " in texts


@pytest.mark.slow
def test_timeline_height_grows_with_bars(inputs):
    *_, edition, config = inputs
    few = _synthetic(20, edition, config)
    many = _synthetic(70, edition, config)
    config = type(config)({**config.raw, "paper": {**config.raw["paper"], "timeline_max_bars": 1000}})
    heights = []
    for reg in (few, many):
        items, sched, _ = _analyse(reg, edition, config)
        heights.append(charts.draw_timeline(sched, edition, config).figure.get_figheight())
    assert heights[1] > heights[0] * 2


@pytest.mark.slow
def test_large_register_groups_timeline(inputs, tmp_path):
    *_, edition, config = inputs
    register = _synthetic(10_000, edition, config)
    items, sched, look = _analyse(register, edition, config)
    assert len(sched) > config["paper"]["timeline_max_bars"]
    built = charts.render_charts(register, items, sched, look, edition, config, tmp_path)
    timeline = next(c for c in built if c.slug == "timeline")
    drawing = charts.draw_timeline(sched, edition, config)
    assert drawing.grouped
    assert drawing.bars == len(drawing.data.rows) < 100
    assert _bars(drawing.figure, "_funded", "_funded_start_not_recorded", "_funded_dates_inferred") == drawing.bars
    assert sum(int(r[2].replace(",", "")) for r in timeline.data.rows) == len(sched)
    assert int(timeline.data.totals[0][2].replace(",", "")) == len(sched)
    assert _money_cell(timeline.data.totals[0][-1]) == sum(r.item.line.spend or 0 for r in sched)
    assert "grouped" in timeline.title and "grouped" in timeline.alt
    priority = next(c for c in built if c.slug == "spend-by-priority")
    assert _money_cell(priority.data.totals[0][-2]) == register.total()


def test_empty_schedule_still_draws(inputs):
    *_, edition, config = inputs
    drawing = charts.draw_timeline((), edition, config)
    assert drawing.bars == 0 and drawing.data.rows == ()
    assert "No agreement" in drawing.alt


# ---------------------------------------------------------------------------------------------------
# Accessibility


def test_palette_contrast_at_least_3_to_1():
    for colour in charts.PALETTE:
        assert charts.contrast_ratio(colour, "#ffffff") >= 3.0, colour
    assert charts.contrast_ratio(charts.INK) >= 4.5
    assert charts.contrast_ratio("#000000", "#ffffff") == pytest.approx(21.0)
    assert charts.contrast_ratio("#E69F00") < 3  # the Okabe-Ito orange is rightly left out


def _is_white_or_clear(rgba) -> bool:
    return rgba[3] == 0 or tuple(rgba[:3]) == (1.0, 1.0, 1.0)


def _mark_colours(figure):
    """Every colour a mark is drawn in: bar fills, outlines, hatching, lines, markers, legend keys."""
    background = {id(figure.patch), *(id(ax.patch) for ax in figure.axes)}
    for artist in figure.findobj():
        if id(artist) in background or not artist.get_visible():
            continue
        if isinstance(artist, Patch):
            yield artist.get_facecolor()
            if artist.get_linewidth() > 0:
                yield artist.get_edgecolor()
            if artist.get_hatch():
                yield artist.get_hatchcolor()
        elif isinstance(artist, Line2D):
            if artist.get_linestyle() not in ("None", "none", "", " ") and artist.get_linewidth() > 0:
                yield matplotlib.colors.to_rgba(artist.get_color())
            if artist.get_marker() not in (None, "None", "none", ""):
                yield matplotlib.colors.to_rgba(artist.get_markeredgecolor())
                yield matplotlib.colors.to_rgba(artist.get_markerfacecolor())
        elif isinstance(artist, Collection):
            yield from artist.get_facecolors()
            yield from artist.get_edgecolors()


def test_every_mark_has_3_to_1_contrast_and_text_4_5_to_1(drawings):
    for slug, drawing in drawings.items():
        fig = drawing.figure
        fig.draw_without_rendering()
        checked = 0
        for rgba in _mark_colours(fig):
            if _is_white_or_clear(rgba):
                continue
            checked += 1
            assert charts.contrast_ratio(rgba[:3]) >= 3.0, (slug, rgba)
        assert checked
        for text in fig.findobj(Text):
            if text.get_visible() and text.get_text().strip():
                assert charts.contrast_ratio(text.get_color()) >= 4.5, (slug, text.get_text())


def _printed(drawings):
    """Every image that is printed: each chart whole, or its print parts when it has them."""
    for slug, drawing in drawings.items():
        for n, fig in enumerate(drawing.print_parts or (drawing.figure,)):
            yield f"{slug} part {n + 1}", fig


def test_no_text_smaller_than_9pt_at_print_size(drawings):
    for name, fig in [*_printed(drawings), *((slug, d.figure) for slug, d in drawings.items())]:
        assert fig.get_figwidth() == pytest.approx(charts.FIGURE_WIDTH_IN)
        fig.draw_without_rendering()
        texts = [t for t in fig.findobj(Text) if t.get_visible() and t.get_text().strip()]
        assert len(texts) > 5
        for text in texts:
            assert text.get_fontsize() >= 9, (name, text.get_text(), text.get_fontsize())


def test_every_printed_chart_fits_under_half_a_page(drawings, rendered):
    """So Word and the PDF insert it at full width (text at its printed size) and a chart that moves
    to the next page never leaves the page before it less than half full."""
    for name, fig in _printed(drawings):
        assert fig.get_figheight() <= charts.PRINT_MAX_HEIGHT_IN, name
    for chart in rendered.values():
        for png in print_images(chart.png):
            with Image.open(png) as im:
                assert im.size[0] == round(charts.FIGURE_WIDTH_IN * charts.DPI)
                assert im.size[1] <= charts.PRINT_MAX_HEIGHT_IN * charts.DPI + 1, png.name


def _undrawn_tick_labels(fig) -> set[int]:
    """Tick labels matplotlib keeps but does not draw: their tick lies outside the axis' view."""
    hidden = set()
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            lo, hi = sorted(axis.get_view_interval())
            for tick in (*axis.get_major_ticks(), *axis.get_minor_ticks()):
                if not lo - 1e-9 <= tick.get_loc() <= hi + 1e-9:
                    hidden.update({id(tick.label1), id(tick.label2)})
    return hidden


def test_no_label_is_cut_off(drawings):
    for name, fig in [*_printed(drawings), *((slug, d.figure) for slug, d in drawings.items())]:
        fig.draw_without_rendering()
        renderer = fig.canvas.get_renderer()
        page = fig.bbox
        hidden = _undrawn_tick_labels(fig)
        for text in fig.findobj(Text):
            if not (text.get_visible() and text.get_text().strip()) or id(text) in hidden:
                continue
            box = text.get_window_extent(renderer)
            assert (box.x0 >= page.x0 - 1 and box.x1 <= page.x1 + 1 and box.y0 >= page.y0 - 1
                    and box.y1 <= page.y1 + 1), (name, text.get_text())
            assert "…" not in text.get_text(), (name, text.get_text())


def test_tall_timeline_prints_in_parts_that_line_up(inputs, drawings, rendered):
    register, _, sched, *_ = inputs
    drawing = drawings["timeline"]
    whole = drawing.figure.get_figheight()
    assert whole > charts.PRINT_MAX_HEIGHT_IN  # every dated line: too tall for half a page
    parts = drawing.print_parts
    # As few parts as the height allows: no two neighbours would fit in one (a part after the first
    # repeats the axes, not the legend).
    assert len(parts) >= -(-whole // charts.PRINT_MAX_HEIGHT_IN) >= 2
    for a, b in zip(parts, parts[1:]):
        assert a.get_figheight() + b.get_figheight() - charts.timeline_pages.CHROME_CONTINUED_IN > charts.PRINT_MAX_HEIGHT_IN
    # Every bar is drawn once across the parts, in the whole chart's order.
    labels = [t.get_text() for part in parts for t in part.axes[0].get_yticklabels()]
    assert labels == [t.get_text() for t in drawing.figure.axes[0].get_yticklabels()]
    assert sum(_bars(part, "_funded", "_funded_start_not_recorded", "_funded_dates_inferred") for part in parts) == len(sched)
    # Parts are of even height (no stub of one bar) and share the time axis, edge for edge.
    heights = [p.get_figheight() for p in parts]
    assert max(heights) - min(heights) < 0.5
    edges = {(round(p.axes[0].get_position().x0, 4), round(p.axes[0].get_position().x1, 4)) for p in parts}
    assert len(edges) == 1
    assert len({p.axes[0].get_xlim() for p in parts}) == 1
    # The legend is given once, on the first part; a category running on is headed "continued".
    assert parts[0].legends and not any(p.legends for p in parts[1:])
    headers = [t.get_text() for p in parts[1:] for t in p.axes[0].texts]
    assert any(h.endswith("(continued)") for h in headers)
    # Written beside the whole chart, which the web edition keeps.
    png = rendered["timeline"].png
    assert [p.name for p in print_images(png)] == [f"timeline.print-{n}.png" for n in (1, 2, 3)]


def test_short_timeline_prints_whole(inputs):
    *_, edition, config = inputs
    few = _synthetic(6, edition, config)
    items, sched, _ = _analyse(few, edition, config)
    drawing = charts.draw_timeline(sched, edition, config)
    assert drawing.print_parts == ()
    assert drawing.figure.get_figheight() <= charts.PRINT_MAX_HEIGHT_IN


def test_stale_print_parts_are_removed(inputs, tmp_path):
    *_, edition, config = inputs
    (tmp_path / "timeline.print-1.png").write_bytes(b"old")
    (tmp_path / "timeline.print-7.png").write_bytes(b"old")
    items, sched, _ = _analyse(_synthetic(6, edition, config), edition, config)
    charts.write_drawing(charts.draw_timeline(sched, edition, config), tmp_path)
    assert not (tmp_path / "timeline.print-1.png").exists()
    assert print_images(tmp_path / "timeline.png") == (tmp_path / "timeline.png",)


def test_long_project_names_wrap_between_words():
    label = charts.timeline._bar_label("Domestic Violence Caseworker, Victim First")
    assert label == "Domestic Violence\nCaseworker, Victim First"
    assert charts.timeline._bar_label("SARC") == "SARC"


def test_series_differ_by_pattern_not_only_colour(drawings):
    for slug in ("spend-by-priority", "funding-outlook", "timeline"):
        fig = drawings[slug].figure
        legend = fig.legends[0]
        keys = [(h.get_hatch() or "", tuple(h.get_facecolor()))
                for h in legend.legend_handles if isinstance(h, Patch)]
        hatches = [k[0] for k in keys]
        assert len(set(hatches)) == len(hatches), (slug, hatches)


def test_axes_have_titles_and_money_in_pounds(drawings):
    for slug in ("spend-by-priority", "spend-by-category", "funding-outlook"):
        fig = drawings[slug].figure
        fig.draw_without_rendering()
        ax = fig.axes[0]
        axis = ax.yaxis if slug == "funding-outlook" else ax.xaxis
        assert "(£)" in axis.get_label().get_text()
        labels = [t.get_text() for t in axis.get_ticklabels() if t.get_text()]
        assert labels and all(re.fullmatch(r"£\d+(\.\d+)?m|£[\d,]+", t) for t in labels), labels
    assert drawings["timeline"].figure.axes[0].get_xlabel()


def test_axis_money_format():
    assert charts.layout.axis_money(3_000_000)(1_500_000) == "£1.5m"
    assert charts.layout.axis_money(3_000_000)(250_000) == "£0.25m"
    assert charts.layout.axis_money(3_000_000)(0) == "£0"
    assert charts.layout.axis_money(600_000)(250_000) == "£250,000"
    assert charts.short_money(Decimal("3330092")) == "£3.3m"
    assert charts.short_money(Decimal("714558")) == "£715k"
    assert charts.short_money(Decimal("950")) == "£950"


# ---------------------------------------------------------------------------------------------------
# The sums, for any register


_lines = st.lists(
    st.builds(
        lambda i, section, priority, spend: (i, section, priority, spend),
        st.integers(0, 10_000), st.sampled_from(["commissioning", "grants"]),
        st.sampled_from(["Victim Services", "Vulnerability", "Prevention", "Community Safety", "Partnerships",
                         "Various"]),
        st.one_of(st.none(), st.decimals(min_value=0, max_value=10_000_000, places=2)),
    ),
    max_size=40,
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(_lines)
def test_priority_and_category_sums_match_any_register(inputs, raw):
    *_, edition, config = inputs
    register = Register("generated", tuple(
        Line(f"G-{n}", section, "Long", priority, "P", "Q", spend) for n, (_, section, priority, spend) in enumerate(raw)))
    by_priority = charts.spend_by_priority(register, config)
    assert sum((sum(v.values(), Decimal(0)) for _, v in by_priority), Decimal(0)) == register.total()
    for priority, by_section in by_priority:
        for section, value in by_section.items():
            assert value == sum((l.spend or 0 for l in register.lines
                                 if l.priority == priority and l.section == section), Decimal(0))
    items = classify(register, edition, config)
    by_category = charts.spend_by_category(items)
    assert sum(s for _, _, s in by_category) == register.total()
    assert sum(n for _, n, _ in by_category) == len(register)
