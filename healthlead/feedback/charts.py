"""Server-rendered SVG charts for 360 reports (matplotlib), cached by their content.

Charts are drawn from presenter data only. The SVG is rewritten so it needs no
`style` attributes or `<style>` element (the content security policy allows neither
inline), and its ids are prefixed so several charts can sit on one page. Every chart
is followed in the templates by a table of the same figures.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import re
from typing import Any

import matplotlib
from django.core.cache import cache
from markupsafe import Markup, escape

matplotlib.use("Agg")

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.backends.backend_svg import FigureCanvasSVG
from matplotlib.figure import Figure

# A frozen report's charts never change; keep them a month (the cache culls when it is full).
CACHE_SECONDS = 60 * 60 * 24 * 30
# NHS identity colours: blue, dark grey, then green, purple, warm yellow, pink, aqua.
SERIES_COLOURS = {
    "self": "#005eb8",
    "all_others": "#425563",
}
GROUP_COLOURS = ["#007f3b", "#330072", "#ffb81c", "#ae2573", "#00a499", "#768692"]
_STYLE = re.compile(r'\sstyle="([^"]*)"')
_ID = re.compile(r'\sid="([^"]+)"')


def _declarations(style: str) -> list[tuple[str, str]]:
    out = []
    for part in style.split(";"):
        if ":" not in part:
            continue
        name, value = (s.strip() for s in part.split(":", 1))
        if name == "font":
            # "10px 'DejaVu Sans'" (size then family), as matplotlib writes it
            size, _, family = value.partition(" ")
            out += [("font-size", size), ("font-family", family.strip("'\""))]
        else:
            out.append((name, value))
    return out


def _as_attributes(match: re.Match[str]) -> str:
    return "".join(f' {name}="{value}"' for name, value in _declarations(match.group(1)))


def clean_svg(svg: str, *, prefix: str, title: str) -> str:
    """Inline-safe SVG: no style attributes, unique ids, a title for assistive technology."""
    svg = svg[svg.index("<svg") :]
    svg = re.sub(r"<metadata>.*?</metadata>", "", svg, flags=re.DOTALL)
    svg = re.sub(r"<style[^>]*>.*?</style>", "", svg, flags=re.DOTALL)
    svg = _STYLE.sub(_as_attributes, svg)
    for old in set(_ID.findall(svg)):
        new = f"{prefix}-{old}"
        svg = svg.replace(f'id="{old}"', f'id="{new}"')
        svg = svg.replace(f"url(#{old})", f"url(#{new})")
        svg = svg.replace(f'href="#{old}"', f'href="#{new}"')
    svg = re.sub(r'\s(width|height)="[\d.]+pt"', "", svg, count=2)
    title_id = f"{prefix}-title"
    svg = svg.replace(
        "<svg ",
        f'<svg role="img" aria-labelledby="{title_id}" focusable="false" class="hl-chart" '
        'stroke-linejoin="round" stroke-linecap="butt" ',
        1,
    )
    head = svg.index(">") + 1
    safe_title = title.replace("&", "&amp;").replace("<", "&lt;")
    return f'{svg[:head]}<title id="{title_id}">{safe_title}</title>{svg[head:]}'


def _figure(labels: list[str], series: list[tuple[str, str, list[float | None]]]) -> Figure:
    rows = max(1, len(labels))
    height = 0.9 + rows * (0.22 * max(1, len(series)) + 0.25)
    figure = Figure(figsize=(7.2, height), dpi=72)
    axes = figure.add_subplot()
    bar = 0.8 / max(1, len(series))
    for n, (key, name, values) in enumerate(series):
        colour = SERIES_COLOURS.get(key, GROUP_COLOURS[n % len(GROUP_COLOURS)])
        positions = [r + n * bar for r in range(rows)]
        heights = [v if v is not None else 0 for v in values]
        axes.barh(positions, heights, height=bar * 0.9, color=colour, label=name)
    axes.set_yticks([r + bar * (len(series) - 1) / 2 for r in range(rows)])
    axes.set_yticklabels([_wrap(label) for label in labels], fontsize=9)
    axes.invert_yaxis()
    axes.set_xlim(0, 5)
    axes.set_xticks([1, 2, 3, 4, 5])
    axes.set_xlabel("Mean rating (1 to 5)", fontsize=9)
    axes.grid(axis="x", color="#d8dde0", linewidth=0.8)
    axes.set_axisbelow(True)
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    axes.legend(
        loc="upper center",
        bbox_to_anchor=(0.5, -0.12 - 0.3 / height),
        ncol=min(4, len(series)),
        fontsize=9,
        frameon=False,
    )
    return figure


def _draw_bars(
    title: str, labels: list[str], series: list[tuple[str, str, list[float | None]]]
) -> str:
    figure = _figure(labels, series)
    FigureCanvasSVG(figure)
    buffer = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "healthlead"}):
        figure.savefig(buffer, format="svg", metadata={"Date": None}, bbox_inches="tight")
    return buffer.getvalue()


def _wrap(label: str, width: int = 28) -> str:
    words, lines, line = label.split(), [], ""
    for word in words:
        if line and len(line) + len(word) + 1 > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    lines.append(line)
    return "\n".join(lines[:3])


def bar_chart_svg(
    *, chart_id: str, title: str, labels: list[str], series: list[tuple[str, str, list[Any]]]
) -> Markup:
    """A horizontal bar chart on the 1-5 scale as inline SVG (missing values drawn empty)."""
    key_source = json.dumps([chart_id, title, labels, series], sort_keys=True, default=str)
    key = "feedback-chart:" + hashlib.sha256(key_source.encode()).hexdigest()
    svg = cache.get(key)
    if svg is None:
        svg = clean_svg(_draw_bars(title, labels, series), prefix=chart_id, title=title)
        cache.set(key, svg, CACHE_SECONDS)
    return Markup(svg)  # noqa: S704 (built here from matplotlib output and escaped text)


# The PDF has each chart as a PNG at print resolution: WeasyPrint draws an image far faster
# than it parses and paints a matplotlib SVG of several hundred elements, and the figures
# are in the table under each chart either way.
PRINT_DPI = 200


def _draw_png(labels: list[str], series: list[tuple[str, str, list[float | None]]]) -> str:
    figure = _figure(labels, series)
    FigureCanvasAgg(figure)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=PRINT_DPI, bbox_inches="tight")
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def bar_chart_image(
    *, chart_id: str, title: str, labels: list[str], series: list[tuple[str, str, list[Any]]]
) -> Markup:
    """The same chart as bar_chart_svg, as a PNG image for print (its title as the alt text)."""
    key_source = json.dumps([chart_id, title, labels, series], sort_keys=True, default=str)
    key = "feedback-chart-png:" + hashlib.sha256(key_source.encode()).hexdigest()
    encoded = cache.get(key)
    if encoded is None:
        encoded = _draw_png(labels, series)
        cache.set(key, encoded, CACHE_SECONDS)
    alt = escape(title)
    return Markup(  # noqa: S704 (base64 from matplotlib and escaped text)
        f'<img class="hl-chart" alt="{alt}" src="data:image/png;base64,{encoded}">'
    )


def report_charts(view: dict[str, Any], *, for_print: bool = False) -> dict[str, Any]:
    """The overview chart and one chart per domain, from the presenter's figures
    (SVG for the page; PNG images for the PDF)."""
    bar_chart = bar_chart_image if for_print else bar_chart_svg
    cols = view["columns"]
    overview = bar_chart(
        chart_id="chart-overview",
        title="Self and all others, by domain",
        labels=[d["name"] for d in view["domains"]],
        series=[
            (c.key, c.name, [d["values"][n] for d in view["domains"]])
            for n, c in enumerate(cols)
            if c.key in {"self", "all_others"}
        ],
    )
    per_domain = {}
    for d in view["domains"]:
        per_domain[d["id"]] = bar_chart(
            chart_id=f"chart-domain-{d['id']}",
            title=f"{d['name']}: each element by rater group",
            labels=[e["name"] for e in d["elements"]],
            series=[
                (c.key, c.name, [e["values"][n] for e in d["elements"]]) for n, c in enumerate(cols)
            ],
        )
    return {"overview": overview, "domains": per_domain}
