"""Bar charts as plain data for an SVG macro (``templates/reports/_charts.html``).

The geometry is worked out here so it can be tested; the template only draws it.
Every bar carries its number and, when there are several series, its series' name
as text, so nothing is told by colour or pattern alone.

>>> c = bar_chart("waits", "Time to first proposal", "Median 12 days.",
...               [("Under 2 weeks", [3]), ("2 to 4 weeks", [1])], ["People"])
>>> [(b["value"], b["width"]) for r in c["rows"] for b in r["bars"]]
[(3, 290.0), (1, 96.7)]
>>> c["rows"][0]["bars"][0]["text"]
'3'
"""

from __future__ import annotations

WIDTH = 640
LABEL_WIDTH = 250
BAR_SPACE = 290
BAR_HEIGHT = 20
BAR_GAP = 4
GROUP_GAP = 16
TOP = 8
#: Fills by series position: a solid fill, then hatching, then dots (``_charts.html`` defines them).
PATTERNS = ("solid", "hatch", "dots")


def bar_chart(chart_id: str, title: str, summary: str, rows, series, value_label=None) -> dict:
    """A horizontal bar chart: ``rows`` are ``(label, [value per series])``.

    ``value_label(value)`` words a bar's number (default: the number itself).
    """
    series = list(series)
    rows = [(str(label), [int(v) for v in values]) for label, values in rows]
    top = max([v for _, values in rows for v in values] + [1])
    group = len(series) * (BAR_HEIGHT + BAR_GAP) - BAR_GAP
    out_rows = []
    for i, (label, values) in enumerate(rows):
        y0 = TOP + i * (group + GROUP_GAP)
        bars = []
        for j, value in enumerate(values):
            width = round(BAR_SPACE * value / top, 1)
            words = value_label(value) if value_label else str(value)
            text = f"{series[j]}: {words}" if len(series) > 1 else words
            y = y0 + j * (BAR_HEIGHT + BAR_GAP)
            bars.append(
                {
                    "value": value,
                    "x": LABEL_WIDTH,
                    "y": y,
                    "width": width,
                    "height": BAR_HEIGHT,
                    "pattern": PATTERNS[j % len(PATTERNS)],
                    "text": text,
                    "text_x": LABEL_WIDTH + width + 6,
                    "text_y": y + BAR_HEIGHT - 5,
                }
            )
        out_rows.append({"label": label, "numbers": values, "label_y": y0 + group / 2 + 5, "bars": bars})
    height = TOP + len(rows) * (group + GROUP_GAP)
    return {
        "id": chart_id,
        "title": title,
        "summary": summary,
        "series": [{"name": s, "pattern": PATTERNS[j % len(PATTERNS)]} for j, s in enumerate(series)],
        "rows": out_rows,
        "width": WIDTH,
        "height": max(height, TOP + GROUP_GAP),
        "label_x": LABEL_WIDTH - 8,
    }
