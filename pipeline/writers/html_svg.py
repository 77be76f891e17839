"""Charts inlined as SVG markup in the HTML edition and its CMS fragment.

Inline SVG rather than an <img> data: URI: it scales crisply to any screen width, its text stays
text, and a CMS that strips data: URIs keeps it. Inlining puts the chart into the host document,
so this module makes each drawing safe to share a page with others:

- ids are prefixed with the figure's anchor (and ids nothing refers to are dropped), so two charts,
  or a chart and the paper's own anchors, never share an id;
- a <style> element inside the SVG would style the whole page, so its rules are scoped to this chart;
- the fixed width and height go, so CSS sizes the chart to the column (the viewBox keeps its shape);
- anything that could run or fetch (scripts, foreignObject, event handlers, external links) is
  removed: the file comes from our own chart stage, but it carries register text.
"""

from __future__ import annotations

import re
from pathlib import Path

from lxml import etree
from markupsafe import Markup

SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"
_HREFS = ("href", f"{{{XLINK_NS}}}href")
_REMOVED = {"script", "foreignObject", "metadata", "iframe", "object", "embed", "image", "a"}
_URL_REF = re.compile(r"url\(\s*['\"]?#([^)'\"\s]+)['\"]?\s*\)")
_RULE = re.compile(r"([^{}]+)\{([^{}]*)\}")


class ChartFileError(ValueError):
    pass


def _local(tag: object) -> str:
    return etree.QName(tag).localname if isinstance(tag, str) else ""


def _parse(path: Path) -> etree._Element:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, remove_comments=True,
                             remove_pis=True, huge_tree=False)
    try:
        root = etree.parse(str(path), parser).getroot()
    except etree.XMLSyntaxError as exc:
        raise ChartFileError(f"{path}: not a readable SVG file ({exc})") from None
    if root.tag != f"{{{SVG_NS}}}svg":
        raise ChartFileError(f"{path}: the root element is {root.tag!r}, not an SVG <svg>")
    if not root.get("viewBox"):
        raise ChartFileError(f"{path}: the SVG has no viewBox, so it cannot be scaled to the screen")
    return root


def _scope_css(css: str, scope: str) -> str:
    """Prefix every selector of a flat stylesheet (matplotlib writes one `*{...}` rule) with `scope`."""
    rules = []
    rest = _RULE.sub("", css).strip()
    if rest or "@" in css:
        raise ChartFileError(f"the chart's stylesheet has rules this writer cannot scope: {css.strip()[:80]!r}")
    for selectors, body in _RULE.findall(css):
        scoped = ", ".join(f"{scope} {s.strip()}" for s in selectors.split(","))
        rules.append(f"{scoped} {{{' '.join(body.split())}}}")
    return " ".join(rules)


def inline_svg(path: Path, anchor: str, label: str) -> tuple[Markup, tuple[str, ...]]:
    """The SVG at `path` as markup to place in HTML, and the ids it uses (to check for clashes).

    `anchor` (the figure's id) prefixes every id; `label` becomes the chart's accessible name.
    """
    root = _parse(Path(path))
    for el in list(root.iter()):
        if not isinstance(el.tag, str) or _local(el.tag) in _REMOVED:
            el.getparent().remove(el)

    referenced: set[str] = set()
    for el in root.iter():
        for name, value in el.attrib.items():
            referenced.update(_URL_REF.findall(value))
            if name in _HREFS and value.startswith("#"):
                referenced.add(value[1:])

    svg_id = f"{anchor}-chart"
    rename = {old: f"{anchor}-{old}" for old in sorted(referenced)}
    for el in root.iter():
        for name in list(el.attrib):
            value = el.attrib[name]
            if _local(name).lower().startswith("on") or (name in _HREFS and not value.startswith("#")):
                del el.attrib[name]  # no event handlers; links only inside the drawing
                continue
            if name == "id":
                if value in rename:
                    el.attrib[name] = rename[value]
                else:
                    del el.attrib[name]  # nothing refers to it: one id fewer to clash
            elif name in _HREFS:
                el.attrib[name] = "#" + rename.get(value[1:], value[1:])
            elif name == "d":
                el.attrib[name] = " ".join(value.split())  # matplotlib puts each path step on a line
            elif "url(" in value:
                el.attrib[name] = _URL_REF.sub(lambda m: f"url(#{rename.get(m.group(1), m.group(1))})", value)
        if _local(el.tag) == "style":
            el.text = _scope_css(el.text or "", f"#{svg_id}")

    for name in ("width", "height", "version"):
        root.attrib.pop(name, None)
    root.set("id", svg_id)
    root.set("class", "cf-chart-svg")
    root.set("role", "img")
    root.set("aria-label", label)
    root.set("focusable", "false")
    etree.cleanup_namespaces(root)
    root.tail = None
    text = etree.tostring(root, encoding="unicode")
    # Whitespace between elements is kept by lxml as text nodes; it is only indentation.
    text = re.sub(r">\s+<", "><", text)
    return Markup(text), (svg_id, *rename.values())
