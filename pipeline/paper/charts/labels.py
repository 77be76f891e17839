"""Words and table columns every chart uses: money on labels, counts, category and section names."""

from __future__ import annotations

from decimal import Decimal

from .. import model
from ...analysis.classify import ANNUAL
from ...config import Config
from ...formatting import money

#: Fallback names for the categories; the paper's own labels come from [categories] in config.toml.
CATEGORY_LABELS: dict[str, str] = {
    "a": "a: recently re-commissioned",
    "b": "b: ending, decision needed now",
    "c": "c: review planned later",
    "d": "d: short-term funding",
    ANNUAL: "Annual budget round",
}


def short_money(value: Decimal | float | int) -> str:
    """£1.2m, £715k, £950: for labels on bars; tables and alt text use formatting.money."""
    v = float(value)
    if abs(v) >= 999_500:
        return f"£{v / 1_000_000:,.1f}m"
    if abs(v) >= 1_000:
        return f"£{v / 1_000:,.0f}k"
    return money(round(Decimal(str(value))))


def plural_count(n: int, word: str) -> str:
    """1 line, 5,355 lines."""
    return f"{n:,} {word if n == 1 else word + 's'}"


def or_zero(value: Decimal | None) -> Decimal:
    return value if value is not None else Decimal(0)


def category_labels(config: Config) -> dict[str, str]:
    labels = dict(CATEGORY_LABELS)
    for key, spec in config.settings.categories.items():
        if spec.label:
            # Only the commissioning categories carry their letter; the groups outside a-d do not.
            labels[key] = f"{key}: {spec.label}" if key in config.vocabulary.categories else spec.label
    return labels


def section_label(section: str) -> str:
    return section[:1].upper() + section[1:]


def money_col(title: str, width: float = 1.0) -> model.Column:
    return model.Column(title, align="right", kind="money", width=width)

