"""Render SVG figures (from ``experiment ... --plot FILE.svg``) to PNG for the docs, with Qt's SVG renderer.

    QT_QPA_PLATFORM=offscreen .venv/bin/python tools/svg_to_png.py docs/img/learning_curve.svg [--scale 1.5]

Writes FILE.png next to each FILE.svg (white background, ``--scale`` x the SVG's size). The
command line itself has no Qt (reporting/svg_plot.py writes SVG); this tool is the docs' step.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("svg", type=Path, nargs="+")
    ap.add_argument("--scale", type=float, default=1.5)
    args = ap.parse_args(argv)
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QGuiApplication, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    app = QGuiApplication([])  # noqa: F841 - fonts need an application
    for path in args.svg:
        renderer = QSvgRenderer(str(path))
        if not renderer.isValid():
            print(f"{path}: not a readable SVG", file=sys.stderr)
            return 1
        size = renderer.defaultSize() * args.scale
        image = QImage(size, QImage.Format.Format_ARGB32)
        image.fill(Qt.GlobalColor.white)
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        renderer.render(painter)
        painter.end()
        out = path.with_suffix(".png")
        image.save(str(out))
        print(f"wrote {out} ({size.width()} x {size.height()})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
