"""Horizontal bar charts drawn on the server as SVG.

Hand-written rather than a chart library because: the Content-Security-Policy allows no
inline scripts or styles, and a JavaScript chart library would need them or a build step;
an SVG with `role="img"` and an `aria-label`, next to a table holding the same numbers, is
accessible without scripts; and horizontal bars are a few rectangles, not worth a
dependency. Geometry is set with SVG attributes (width, x, y), which CSP does not treat as
inline styles."""

from dataclasses import dataclass

VIEW_WIDTH = 640
LABEL_WIDTH = 230  # text, right-aligned, left of the bars
BAR_AREA = 340
ROW_HEIGHT = 26
BAR_HEIGHT = 18
LABEL_MAX_CHARS = 32


@dataclass(frozen=True)
class Bar:
    label: str
    value: int
    y: int
    width: int
    text_y: int
    value_x: int


@dataclass(frozen=True)
class BarChart:
    title: str
    bars: list[Bar]
    height: int
    view_width: int = VIEW_WIDTH
    label_x: int = LABEL_WIDTH - 8
    bar_x: int = LABEL_WIDTH
    bar_height: int = BAR_HEIGHT


def _short(label: str) -> str:
    return label if len(label) <= LABEL_MAX_CHARS else label[:LABEL_MAX_CHARS - 1] + "…"


def bar_chart(*, title: str, rows: list[tuple[str, int]]) -> BarChart:
    """One bar per (label, value), longest bar = the largest value. Labels longer than
    LABEL_MAX_CHARS are shortened in the picture (the table keeps them whole)."""
    top = max((value for _, value in rows), default=0) or 1
    bars = []
    for i, (label, value) in enumerate(rows):
        y = i * ROW_HEIGHT + (ROW_HEIGHT - BAR_HEIGHT) // 2
        width = max(round(value / top * BAR_AREA), 1 if value else 0)
        bars.append(Bar(label=_short(label), value=value, y=y, width=width,
                        text_y=y + BAR_HEIGHT - 4, value_x=LABEL_WIDTH + width + 6))
    return BarChart(title=title, bars=bars, height=max(len(rows), 1) * ROW_HEIGHT)
