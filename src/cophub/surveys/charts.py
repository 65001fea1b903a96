"""Survey charts drawn on the server as SVG: horizontal bars for a question's counts, and
one stacked bar per row for a grid.

Hand-written rather than a chart library for the reasons `usecases.charts` gives: the
Content-Security-Policy allows no inline scripts or styles, and bars are a few rectangles.
Geometry and colours are SVG presentation attributes (x, y, width, fill), which the policy
does not treat as styles; there is no `style` attribute anywhere. Each chart is an image
(`role="img"`) named by its <title> and summed up in its <desc>; the page puts a table
with the same numbers beside it. Every piece of text is escaped here, since the result is
marked safe.
"""

import hashlib
import re
from collections.abc import Sequence

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

VIEW_WIDTH = 640
LABEL_WIDTH = 230  # labels, right-aligned, left of the bars
BAR_AREA = 330
ROW_HEIGHT = 28
BAR_HEIGHT = 18
LABEL_MAX_CHARS = 32
TEXT_COLOR = "#1b1b1b"
BAR_COLOR = "#005ea2"  # USWDS primary: 7:1 against white
OUTLINE = "#565c65"  # a segment's edge, 3:1 against white and against the lightest fill
# USWDS blues, light to dark, for the ordered options of a grid.
SCALE_COLORS = ("#e7f2f5", "#d9e8f6", "#aacdec", "#73b3e7", "#4f97d1", "#2378c3",
                "#2c608a", "#0b4778", "#1f303e", "#162e51")
LEGEND_ROW = 22
_ID_RE = re.compile(r"[^A-Za-z0-9_-]")


def _short(label: str) -> str:
    """The picture shortens long labels; the table beside it keeps them whole."""
    label = str(label)
    return label if len(label) <= LABEL_MAX_CHARS else label[:LABEL_MAX_CHARS - 1] + "…"


def _chart_id(key: str, *parts) -> str:
    if key:
        return "chart-" + _ID_RE.sub("-", key)
    digest = hashlib.blake2s(repr(parts).encode(), digest_size=6).hexdigest()
    return f"chart-{digest}"


def _open(chart_id: str, height: int, title: str, summary: str) -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" class="width-full height-auto" '
            f'viewBox="0 0 {VIEW_WIDTH} {height}" width="{VIEW_WIDTH}" height="{height}" '
            f'role="img" aria-labelledby="{chart_id}-title" '
            f'aria-describedby="{chart_id}-desc">'
            f'<title id="{chart_id}-title">{escape(title)}</title>'
            f'<desc id="{chart_id}-desc">{escape(summary)}</desc>')


def _text(x: int, y: int, text: str, *, anchor: str = "start") -> str:
    return (f'<text x="{x}" y="{y}" text-anchor="{anchor}" font-size="13" '
            f'fill="{TEXT_COLOR}">{escape(text)}</text>')


def bar_chart(labels: Sequence[str], values: Sequence[int], *, title: str,
              value_labels: Sequence[str] | None = None, key: str = "") -> SafeString:
    """One horizontal bar per label, the longest for the largest value, the number at its
    end (`value_labels` to print something else, such as "12 (40%)"). `key` makes the ids
    of the title and description unique on the page."""
    labels, values = [str(label) for label in labels], list(values)
    shown = list(value_labels) if value_labels is not None else [str(v) for v in values]
    chart_id = _chart_id(key, title, labels, values)
    top = max(values, default=0) or 1
    height = max(len(labels), 1) * ROW_HEIGHT
    summary = "; ".join(f"{label}: {text}" for label, text in zip(labels, shown, strict=True))
    parts = [_open(chart_id, height, title, (summary or "No answers yet") + ".")]
    for index, (label, value, text) in enumerate(zip(labels, values, shown, strict=True)):
        y = index * ROW_HEIGHT + (ROW_HEIGHT - BAR_HEIGHT) // 2
        width = max(round(value / top * BAR_AREA), 1 if value else 0)
        baseline = y + BAR_HEIGHT - 4
        parts += [_text(LABEL_WIDTH - 8, baseline, _short(label), anchor="end"),
                  f'<rect x="{LABEL_WIDTH}" y="{y}" width="{width}" height="{BAR_HEIGHT}" '
                  f'fill="{BAR_COLOR}"></rect>',
                  _text(LABEL_WIDTH + width + 6, baseline, text)]
    parts.append("</svg>")
    return mark_safe("".join(parts))  # every text above went through escape()


def _scale_colors(count: int) -> list[str]:
    """`count` colours spread over the scale, light to dark."""
    if count <= 1:
        return [SCALE_COLORS[-3]]
    last = len(SCALE_COLORS) - 1
    return [SCALE_COLORS[round(i * last / (count - 1))] for i in range(count)]


def stacked_chart(rows: Sequence[str], options: Sequence[str],
                  values: Sequence[Sequence[int]], *, title: str,
                  key: str = "") -> SafeString:
    """A grid: one bar per row, as long as the whole width, divided among the options in
    proportion to their counts, with a legend of the options above."""
    rows, options = [str(row) for row in rows], [str(option) for option in options]
    chart_id = _chart_id(key, title, rows, options, values)
    colors = _scale_colors(len(options))
    legend_height = len(options) * LEGEND_ROW + 8
    height = legend_height + max(len(rows), 1) * ROW_HEIGHT
    summary = " ".join(
        f"{row}: " + ", ".join(f"{option} {n}" for option, n in
                               zip(options, counts, strict=True)) + "."
        for row, counts in zip(rows, values, strict=True))
    parts = [_open(chart_id, height, title, summary or "No answers yet.")]
    for index, (option, color) in enumerate(zip(options, colors, strict=True)):
        y = index * LEGEND_ROW + 4
        parts += [f'<rect x="{LABEL_WIDTH}" y="{y}" width="14" height="14" fill="{color}" '
                  f'stroke="{OUTLINE}" stroke-width="1"></rect>',
                  _text(LABEL_WIDTH + 22, y + 12, _short(option))]
    for index, (row, counts) in enumerate(zip(rows, values, strict=True)):
        y = legend_height + index * ROW_HEIGHT + (ROW_HEIGHT - BAR_HEIGHT) // 2
        parts.append(_text(LABEL_WIDTH - 8, y + BAR_HEIGHT - 4, _short(row), anchor="end"))
        total, x = sum(counts), LABEL_WIDTH
        if not total:
            parts.append(_text(LABEL_WIDTH, y + BAR_HEIGHT - 4, "No answers"))
            continue
        bar_width = VIEW_WIDTH - LABEL_WIDTH - 10
        for n, color in zip(counts, colors, strict=True):
            width = round(n / total * bar_width)
            if width:
                parts.append(f'<rect x="{x}" y="{y}" width="{width}" height="{BAR_HEIGHT}" '
                             f'fill="{color}" stroke="{OUTLINE}" stroke-width="1"></rect>')
            x += width
    parts.append("</svg>")
    return mark_safe("".join(parts))  # every text above went through escape()
