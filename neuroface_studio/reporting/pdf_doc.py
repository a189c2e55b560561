"""What the patient report and the study summary share when they write a PDF: the page size and
the document written whole beside the target, then renamed over it (a failed build leaves the
previous file, never half a PDF)."""

from __future__ import annotations

from pathlib import Path


def page_size(name: str) -> tuple[float, float]:
    from reportlab.lib.pagesizes import A4, LETTER
    sizes = {"A4": A4, "LETTER": LETTER}
    if name.upper() not in sizes:
        raise ValueError(f"page size {name!r}: use A4 or Letter")
    return sizes[name.upper()]


def write_pdf(story: list, path: Path, size: tuple[float, float], title: str) -> Path:
    """Lay out ``story`` on pages of ``size`` (18 mm side, 16 mm top/bottom margins) into ``path``."""
    from reportlab.lib.units import mm
    from reportlab.platypus import SimpleDocTemplate
    path = Path(path)
    tmp = path.with_name(f".{path.name}.part")
    SimpleDocTemplate(str(tmp), pagesize=size, leftMargin=18 * mm, rightMargin=18 * mm, topMargin=16 * mm,
                      bottomMargin=16 * mm, title=title, author="NeuroFace Studio").build(story)
    tmp.replace(path)
    return path
