"""Landmark annotations as CSV: one row per landmark set, for spreadsheets and other tools.

Columns: ``recording, frame, participant, annotator, source, x0, y0, ..., x67, y67, v0 .. v67``.
Coordinates are 0-based pixels (x right, y down; unlike .pts, which is 1-based); ``v`` is 1 for
a visible point and 0 for an occluded one. ``frame`` is 0-based. ``source`` is "annotator",
"model" or "consensus" (``annotator`` then holds the model name or the annotators averaged).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from neuroface_studio.store import csv_safe
from neuroface_studio.store.atomic import atomic_write_bytes
from neuroface_studio.store.errors import StoreError

N = 68
HEADER = (["recording", "frame", "participant", "annotator", "source"]
          + [f"{a}{i}" for i in range(N) for a in ("x", "y")] + [f"v{i}" for i in range(N)])


class AnnotationCsvError(StoreError):
    """A CSV file that is not a landmark-annotation CSV."""


@dataclass
class CsvRow:
    recording: str
    frame: int
    participant: str
    annotator: str
    source: str
    points_px: np.ndarray  # (68, 2)
    visible: np.ndarray  # (68,) bool


def write_csv(path: Path, rows: list[CsvRow]) -> None:
    """Write ``rows`` atomically (a crash leaves the old file or the new one, never half)."""
    import io
    buf = io.StringIO()
    w = csv_safe.writer(buf, lineterminator="\n")
    w.writerow(HEADER)
    for r in rows:
        pts = np.asarray(r.points_px, np.float64)
        if pts.shape != (N, 2) or not np.isfinite(pts).all():
            raise ValueError(f"{r.recording} frame {r.frame}: landmarks must be 68 finite points")
        w.writerow([r.recording, r.frame, r.participant, r.annotator, r.source]
                   + [f"{v:.3f}" for v in pts.reshape(-1)] + [int(bool(v)) for v in r.visible])
    atomic_write_bytes(Path(path), buf.getvalue().encode("utf-8"))


def read_csv(path: Path) -> tuple[list[CsvRow], list[str]]:
    """Rows, and one message per row skipped (what is wrong with it). Raises AnnotationCsvError
    when the file is not such a CSV at all."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise AnnotationCsvError(f"{path} cannot be read as a text CSV file ({exc})") from exc
    reader = csv.reader(text.splitlines())
    header = next(reader, None)
    if header is None or [h.strip() for h in header[:5]] != HEADER[:5] or len(header) < 5 + 2 * N:
        raise AnnotationCsvError(f"{path} is not a landmark CSV: its first line must be the header "
                                 f"{', '.join(HEADER[:7])}, ... (as written by 'annotations export --format csv')")
    rows, skipped = [], []
    for line_no, row in enumerate(reader, start=2):
        if not row or not any(c.strip() for c in row):
            continue
        if len(row) < 5 + 2 * N:
            skipped.append(f"line {line_no}: {max(0, (len(row) - 5) // 2)} points, a landmark row needs {N}")
            continue
        try:
            pts = np.array([float(v) for v in row[5:5 + 2 * N]]).reshape(N, 2)
            vis = (np.array([int(v) for v in row[5 + 2 * N:5 + 3 * N]], bool) if len(row) >= 5 + 3 * N
                   else np.ones(N, bool))
            frame = int(row[1])
        except ValueError:
            skipped.append(f"line {line_no}: a frame or coordinate is not a number")
            continue
        if not np.isfinite(pts).all():
            skipped.append(f"line {line_no}: missing (NaN) coordinates")
            continue
        rows.append(CsvRow(row[0].strip(), frame, row[2].strip(), row[3].strip(), row[4].strip(), pts, vis))
    return rows, skipped
