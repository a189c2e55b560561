"""Draw the NeuroFace Studio icon: the 68-point (iBUG) landmark layout of the reference face.

Writes ``packaging/icons/neuroface-studio.svg`` and PNGs at 256, 128 and 48 px rendered from
that SVG with Qt's SVG renderer (offscreen, no display needed). The points are the project's
own reference landmarks (``resources/faces/astronaut.json``), levelled so the eye line is
horizontal, so the icon shows exactly the landmark scheme the application works with.

    .venv/bin/python packaging/make_icons.py
"""

from __future__ import annotations

import json
import math
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "packaging" / "icons"
SIZES = (256, 128, 48)
NAME = "neuroface-studio"

# iBUG 68-point groups: (first, last inclusive, closed)
CONTOURS = [(0, 16, False), (17, 21, False), (22, 26, False), (27, 30, False), (31, 35, False),
            (36, 41, True), (42, 47, True), (48, 59, True), (60, 67, True)]


def _levelled_points() -> list[tuple[float, float]]:
    data = json.loads((ROOT / "resources" / "faces" / "astronaut.json").read_text())
    pts = [(float(x), float(y)) for x, y in data["points_px"]]
    left = [sum(p[i] for p in pts[36:42]) / 6 for i in (0, 1)]
    right = [sum(p[i] for p in pts[42:48]) / 6 for i in (0, 1)]
    angle = -math.atan2(right[1] - left[1], right[0] - left[0])
    c, s = math.cos(angle), math.sin(angle)
    rot = [(x * c - y * s, x * s + y * c) for x, y in pts]
    mid = sum(p[0] for p in rot[27:31]) / 4  # nose bridge: the face's vertical axis
    return rot, mid


def _fit(pts, mid, size=256.0):
    """Face (jaw to brows plus a forehead allowance) scaled into the icon with a margin."""
    xs = [p[0] for p in pts]
    ys = [p[1] for p in pts]
    half_w = max(mid - min(xs), max(xs) - mid)
    top = min(ys) - 0.45 * (max(ys) - min(ys))  # room for the forehead arc
    height = max(ys) - top
    scale = 0.76 * size / max(2 * half_w, height)
    ox = size / 2 - mid * scale
    oy = size / 2 - (top + height / 2) * scale + 4
    return [(x * scale + ox, y * scale + oy) for x, y in pts], scale


def build_svg() -> str:
    raw, mid = _levelled_points()
    pts, _ = _fit(raw, mid)
    jaw_l, jaw_r = pts[0], pts[16]
    brow_top = min(p[1] for p in pts[17:27])
    forehead_y = brow_top - 0.55 * (pts[8][1] - brow_top) * 0.5
    out = ['<?xml version="1.0" encoding="UTF-8"?>',
           '<svg xmlns="http://www.w3.org/2000/svg" width="256" height="256" viewBox="0 0 256 256">',
           '  <title>NeuroFace Studio</title>',
           '  <defs>',
           '    <linearGradient id="bg" x1="0" y1="0" x2="0" y2="1">',
           '      <stop offset="0" stop-color="#1f4e79"/>',
           '      <stop offset="1" stop-color="#0e2a47"/>',
           '    </linearGradient>',
           '  </defs>',
           '  <rect x="8" y="8" width="240" height="240" rx="44" ry="44" fill="url(#bg)"/>']
    # Head outline: the jaw contour closed by a forehead arc (dashed: it is not a landmark).
    out.append(f'  <path d="M {jaw_r[0]:.1f} {jaw_r[1]:.1f} C {jaw_r[0] + 4:.1f} {forehead_y:.1f} '
               f'{jaw_l[0] - 4:.1f} {forehead_y:.1f} {jaw_l[0]:.1f} {jaw_l[1]:.1f}" fill="none" '
               'stroke="#9cc3e6" stroke-opacity="0.55" stroke-width="3" stroke-dasharray="6 6" '
               'stroke-linecap="round"/>')
    for first, last, closed in CONTOURS:
        seg = pts[first:last + 1]
        d = "M " + " L ".join(f"{x:.1f} {y:.1f}" for x, y in seg) + (" Z" if closed else "")
        width = 3.5 if first == 0 else 3
        out.append(f'  <path d="{d}" fill="none" stroke="#e8f1fa" stroke-opacity="0.85" '
                   f'stroke-width="{width}" stroke-linejoin="round" stroke-linecap="round"/>')
    for i, (x, y) in enumerate(pts):
        colour = "#ffb000" if 48 <= i <= 67 else "#4fd1c5"  # mouth points stand out: orofacial focus
        radius = 2.8 if i >= 60 else 3.8  # inner-lip points sit close together
        out.append(f'  <circle cx="{x:.1f}" cy="{y:.1f}" r="{radius}" fill="{colour}" stroke="#0e2a47" '
                   'stroke-width="1.2"/>')
    out.append('</svg>')
    return "\n".join(out) + "\n"


def render_pngs(svg_path: Path) -> list[Path]:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QGuiApplication, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])  # noqa: F841 - keeps Qt alive
    renderer = QSvgRenderer(str(svg_path))
    if not renderer.isValid():
        raise SystemExit(f"invalid SVG: {svg_path}")
    written = []
    for size in SIZES:
        img = QImage(size, size, QImage.Format.Format_ARGB32)
        img.fill(Qt.GlobalColor.transparent)
        painter = QPainter(img)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        renderer.render(painter)
        painter.end()
        path = OUT / f"{NAME}-{size}.png"
        if not img.save(str(path)):
            raise SystemExit(f"could not write {path}")
        written.append(path)
    return written


def main() -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    svg = OUT / f"{NAME}.svg"
    svg.write_text(build_svg())
    pngs = render_pngs(svg)
    # the running app's window icon (resources/ is bundled; packaging/ is not)
    window_icon = ROOT / "resources" / "icons" / f"{NAME}.png"
    window_icon.parent.mkdir(parents=True, exist_ok=True)
    window_icon.write_bytes((OUT / f"{NAME}-128.png").read_bytes())
    for path in [svg, *pngs, window_icon]:
        print(f"{path.relative_to(ROOT)}  {path.stat().st_size} bytes")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
