"""Vector line charts for PDF reports (reportlab drawings): the PDF twin of :mod:`svg_plot`.

:func:`line_chart` draws named series ``(x, y)`` with axes, axis labels, a title and a legend
(on the right, when there is more than one series) into a reportlab ``Drawing`` that a
platypus story can hold. NaN points break a line. Only reportlab, imported lazily.
"""

from __future__ import annotations

import math

from neuroface_studio.reporting.svg_plot import PALETTE, nice_ticks


def _runs(xs, ys) -> list[list[tuple[float, float]]]:
    runs, run = [], []
    for x, y in zip(xs, ys):
        if x is None or y is None or not (math.isfinite(float(x)) and math.isfinite(float(y))):
            if run:
                runs.append(run)
            run = []
        else:
            run.append((float(x), float(y)))
    if run:
        runs.append(run)
    return runs


def line_chart(series: dict[str, tuple[list, list]], width: float, height: float, title: str = "",
               xlabel: str = "", ylabel: str = "", x_range: tuple[float, float] | None = None,
               y_range: tuple[float, float] | None = None, diagonal: bool = False, dashed: set[str] = frozenset(),
               legend_width: float = 120.0, markers: bool = False, legend: bool | None = None):
    """A reportlab ``Drawing`` of the series (name -> (x values, y values)).

    ``x_range``/``y_range`` fix the axes (default: nice ticks around the data); ``diagonal``
    adds the chance line y = x (ROC); names in ``dashed`` are drawn dashed; ``markers`` puts a dot
    on every point (a ROC curve that runs along the axes stays visible); ``legend`` (default: when
    there is more than one series) names the series on the right.
    """
    from reportlab.graphics.charts.lineplots import LinePlot
    from reportlab.graphics.shapes import Drawing, Group, Line, String
    from reportlab.graphics.widgets.markers import makeMarker
    from reportlab.lib import colors

    d = Drawing(width, height)
    data = {name: _runs(xs, ys) for name, (xs, ys) in series.items()}
    pts = [p for runs in data.values() for r in runs for p in r]
    has_legend = len(series) > 1 if legend is None else legend
    plot_w = width - 48 - (legend_width if has_legend else 8)
    top = 16 if title else 6
    if title:
        d.add(String(48 + plot_w / 2, height - 11, title, fontSize=9, fontName="Helvetica-Bold", textAnchor="middle"))
    if not pts:
        d.add(String(10, height / 2, "nothing to plot (no data)", fontSize=9))
        return d
    xt = nice_ticks(*(x_range or (min(p[0] for p in pts), max(p[0] for p in pts))))
    yt = nice_ticks(*(y_range or (min(p[1] for p in pts), max(p[1] for p in pts))))
    lp = LinePlot()
    lp.x, lp.y, lp.width, lp.height = 42, 28, plot_w, height - 28 - top
    lines, names = [], []
    for name, runs in data.items():
        for r in runs:
            lines.append(r if len(r) > 1 else r * 2)
            names.append(name)
    if diagonal:
        lines.append([(xt[0], yt[0]), (xt[-1], yt[-1])])
        names.append(None)
    lp.data = lines
    order = list(series)
    for k, name in enumerate(names):
        if name is None:
            lp.lines[k].strokeColor = colors.HexColor("#999999")
            lp.lines[k].strokeWidth = 0.6
            lp.lines[k].strokeDashArray = [2, 2]
            continue
        colour = colors.HexColor(PALETTE[order.index(name) % len(PALETTE)])
        lp.lines[k].strokeColor = colour
        lp.lines[k].strokeWidth = 1.3
        if markers:
            lp.lines[k].symbol = makeMarker("FilledCircle", size=3.2, fillColor=colour, strokeColor=colour)
        if name in dashed:
            lp.lines[k].strokeDashArray = [4, 2]
    lp.xValueAxis.valueMin, lp.xValueAxis.valueMax = xt[0], xt[-1]
    lp.xValueAxis.valueSteps = xt
    lp.yValueAxis.valueMin, lp.yValueAxis.valueMax = yt[0], yt[-1]
    lp.yValueAxis.valueSteps = yt
    lp.xValueAxis.labels.fontSize = lp.yValueAxis.labels.fontSize = 7
    lp.xValueAxis.labelTextFormat = lp.yValueAxis.labelTextFormat = lambda v: f"{v:g}"
    d.add(lp)
    if xlabel:
        d.add(String(lp.x + lp.width / 2, 4, xlabel, fontSize=7, textAnchor="middle"))
    if ylabel:
        g = Group(String(0, 0, ylabel, fontSize=7, textAnchor="middle"))
        g.translate(9, lp.y + lp.height / 2)
        g.rotate(90)
        d.add(g)
    if has_legend:
        lx = lp.x + lp.width + 10
        for k, name in enumerate(order):
            ly = lp.y + lp.height - 8 - 11 * k
            colour = colors.HexColor(PALETTE[k % len(PALETTE)])
            d.add(Line(lx, ly + 2.5, lx + 14, ly + 2.5, strokeColor=colour, strokeWidth=1.6,
                       strokeDashArray=[4, 2] if name in dashed else None))
            d.add(String(lx + 18, ly, _clip(str(name), legend_width - 22), fontSize=6.5))
    return d


def _clip(text: str, points: float, size: float = 6.5) -> str:
    """``text`` shortened with an ellipsis to fit ``points`` wide in Helvetica at ``size``."""
    from reportlab.pdfbase.pdfmetrics import stringWidth
    if stringWidth(text, "Helvetica", size) <= points:
        return text
    while text and stringWidth(text + "…", "Helvetica", size) > points:
        text = text[:-1]
    return text + "…"
