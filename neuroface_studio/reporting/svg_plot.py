"""Small, dependency-free SVG line plots for reports and command-line figures.

:func:`line_plot` draws one or more named series ``(x, y)`` with axes, "nice" ticks, axis labels,
a title and a legend, and returns the SVG text (write it with :func:`write_svg`). NaN points
break a line. No Qt and no matplotlib, so it runs anywhere the command line runs.
"""

from __future__ import annotations

import math
from html import escape
from pathlib import Path

PALETTE = ("#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f")


def nice_ticks(lo: float, hi: float, n: int = 5) -> list[float]:
    """About ``n`` round tick values covering [lo, hi]."""
    if not (math.isfinite(lo) and math.isfinite(hi)):
        return [0.0, 1.0]
    if hi <= lo:
        hi = lo + (abs(lo) or 1.0)
    raw = (hi - lo) / max(n, 1)
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    start = math.floor(lo / step) * step
    ticks, v = [], start
    while True:
        ticks.append(round(v, 10))
        if v >= hi - step * 1e-9:
            return ticks
        v += step


def _fmt(v: float) -> str:
    return f"{v:g}"


def line_plot(series: dict[str, tuple[list, list]], title: str = "", xlabel: str = "", ylabel: str = "",
              width: int = 680, height: int = 400, markers: bool = True) -> str:
    """SVG text of a line plot of ``series`` (name -> (x values, y values))."""
    left, right, top, bottom = 70, 20 + (190 if len(series) > 1 else 0), 40 if title else 20, 55
    xs = [float(x) for xv, _ in series.values() for x in xv if x is not None and math.isfinite(float(x))]
    ys = [float(y) for _, yv in series.values() for y in yv if y is not None and math.isfinite(float(y))]
    if not xs or not ys:
        raise ValueError("nothing to plot: every series is empty or missing")
    xt, yt = nice_ticks(min(xs), max(xs)), nice_ticks(min(ys), max(ys))
    x0, x1, y0, y1 = xt[0], xt[-1], yt[0], yt[-1]
    pw, ph = width - left - right, height - top - bottom

    def sx(v: float) -> float:
        return left + (v - x0) / ((x1 - x0) or 1) * pw

    def sy(v: float) -> float:
        return top + ph - (v - y0) / ((y1 - y0) or 1) * ph

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
           f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="12">',
           f'<rect width="{width}" height="{height}" fill="white"/>']
    if title:
        out.append(f'<text x="{width / 2}" y="22" text-anchor="middle" font-size="15" font-weight="bold">'
                   f'{escape(title)}</text>')
    for t in yt:
        y = sy(t)
        out.append(f'<line x1="{left}" y1="{y:.1f}" x2="{left + pw}" y2="{y:.1f}" stroke="#e5e5e5"/>')
        out.append(f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">{_fmt(t)}</text>')
    for t in xt:
        x = sx(t)
        out.append(f'<line x1="{x:.1f}" y1="{top + ph}" x2="{x:.1f}" y2="{top + ph + 5}" stroke="#333"/>')
        out.append(f'<text x="{x:.1f}" y="{top + ph + 19}" text-anchor="middle">{_fmt(t)}</text>')
    out.append(f'<rect x="{left}" y="{top}" width="{pw}" height="{ph}" fill="none" stroke="#333"/>')
    if xlabel:
        out.append(f'<text x="{left + pw / 2}" y="{height - 12}" text-anchor="middle">{escape(xlabel)}</text>')
    if ylabel:
        out.append(f'<text x="16" y="{top + ph / 2}" text-anchor="middle" '
                   f'transform="rotate(-90 16 {top + ph / 2})">{escape(ylabel)}</text>')
    for k, (name, (xv, yv)) in enumerate(series.items()):
        colour = PALETTE[k % len(PALETTE)]
        runs, run = [], []
        for x, y in zip(xv, yv):
            if x is None or y is None or not (math.isfinite(float(x)) and math.isfinite(float(y))):
                runs.append(run)
                run = []
            else:
                run.append((sx(float(x)), sy(float(y))))
        runs.append(run)
        for r in runs:
            if len(r) > 1:
                pts = " ".join(f"{a:.1f},{b:.1f}" for a, b in r)
                out.append(f'<polyline points="{pts}" fill="none" stroke="{colour}" stroke-width="2"/>')
            if markers:
                out += [f'<circle cx="{a:.1f}" cy="{b:.1f}" r="3.5" fill="{colour}"/>' for a, b in r]
        if len(series) > 1:
            ly = top + 10 + 20 * k
            out.append(f'<line x1="{left + pw + 12}" y1="{ly}" x2="{left + pw + 32}" y2="{ly}" stroke="{colour}" '
                       f'stroke-width="3"/>')
            out.append(f'<text x="{left + pw + 38}" y="{ly + 4}">{escape(str(name))}</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


def write_svg(path: Path, svg: str) -> None:
    from neuroface_studio.store.atomic import atomic_write_bytes
    atomic_write_bytes(Path(path), svg.encode("utf-8"))
