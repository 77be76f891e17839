"""The printed page, in one place: A4 portrait, 2.5 cm margins all round.

The Word edition's page set-up (writers/reference_docx), the PDF edition's (templates/print/paper.typ,
given these as data by writers/pdf), the writers' text widths and the charts' printed width
(paper/charts/style) are all worked out from these. Imports nothing, so any stage may read it.
"""

from __future__ import annotations

PAPER = "a4"  # Typst's name for the size below
WIDTH_CM = 21.0
HEIGHT_CM = 29.7
MARGIN_CM = 2.5  # top, bottom, left and right
CM_PER_INCH = 2.54

#: The text block of a portrait page (16 cm by 24.7 cm); a landscape page's text is as wide as this is tall.
TEXT_WIDTH_CM = WIDTH_CM - 2 * MARGIN_CM
TEXT_HEIGHT_CM = HEIGHT_CM - 2 * MARGIN_CM
TEXT_WIDTH_IN = TEXT_WIDTH_CM / CM_PER_INCH
TEXT_HEIGHT_IN = TEXT_HEIGHT_CM / CM_PER_INCH


def twips(cm: float) -> int:
    """A length in twips (1/1440 in), as Word and the table widths count."""
    return round(cm / CM_PER_INCH * 1440)


def typst() -> dict[str, object]:
    """The page as the Typst template reads it (ed.page): the paper's name and the margin in cm."""
    return {"paper": PAPER, "margin_cm": MARGIN_CM}
