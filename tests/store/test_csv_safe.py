"""Spreadsheet formula injection (OWASP CSV injection): every CSV the app writes is neutralised."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import numpy as np

from neuroface_studio.store import csv_safe

HOSTILE = ["=HYPERLINK(\"http://x\",\"y\")", "@SUM(1+1)*cmd|' /C calc'!A0", "+1+cmd|' /C calc'!A0",
           "-2+3+cmd|' /C calc'!A0", "\t=1+1", "\r=1+1"]


def test_formula_cells_are_prefixed_numbers_are_not():
    for text in HOSTILE:
        assert csv_safe.neutralise(text) == "'" + text
    for value in (-3.2, "-3.2", "-1e-05", "-inf", 0, "plain", "", None, True, "a=b"):
        assert csv_safe.neutralise(value) == value


def test_writers_neutralise_header_and_rows(tmp_path):
    import io
    buf = io.StringIO()
    w = csv_safe.writer(buf, lineterminator="\n")
    w.writerow(["participant", HOSTILE[0]])
    w.writerows([["P1", HOSTILE[1]], ["P2", -1.5]])
    rows = list(csv.reader(io.StringIO(buf.getvalue())))
    assert rows == [["participant", "'" + HOSTILE[0]], ["P1", "'" + HOSTILE[1]], ["P2", "-1.5"]]
    buf = io.StringIO()
    d = csv_safe.dict_writer(buf, ["a", HOSTILE[2]], lineterminator="\n")
    d.writeheader()
    d.writerow({"a": HOSTILE[3], HOSTILE[2]: "-0.25"})
    rows = list(csv.reader(io.StringIO(buf.getvalue())))
    assert rows == [["a", "'" + HOSTILE[2]], ["'" + HOSTILE[3], "-0.25"]]


def test_no_csv_writer_bypasses_the_safe_one():
    """Every CSV writer in the product goes through csv_safe (a new plain csv.writer fails here)."""
    root = Path(__file__).resolve().parents[2] / "neuroface_studio"
    plain = re.compile(r"\bcsv\.(writer|DictWriter)\(")
    offenders = [f"{p.relative_to(root)}:{i}" for p in root.rglob("*.py") if p.name != "csv_safe.py"
                 for i, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1) if plain.search(line)]
    assert offenders == []


def test_study_export_participants_csv_neutralises_score_names(handmade_project, tmp_path):
    from neuroface_studio.app.export import ExportOptions, export_study
    from neuroface_studio.app.project_service import ProjectSession

    s = ProjectSession.open(handmade_project)
    p = s.project.participants["P001"]
    p.clinical_scores[HOSTILE[0]] = 1.0
    p.clinical_scores[HOSTILE[1]] = -2.0
    export_study(s, tmp_path / "out", ExportOptions(parts=()))
    rows = list(csv.reader((tmp_path / "out" / "participants.csv").read_text(encoding="utf-8").splitlines()))
    header = rows[0]
    assert "'" + HOSTILE[0] in header and "'" + HOSTILE[1] in header
    assert not any(cell.startswith(("=", "@")) for row in rows for cell in row)
    assert "-2" in rows[1]


def test_annotation_csv_export_neutralises(tmp_path):
    from neuroface_studio.store.annotation_csv import CsvRow, read_csv, write_csv

    pts = np.tile([[10.0, 20.0]], (68, 1))
    write_csv(tmp_path / "a.csv", [CsvRow("=cmd", 3, "@P1", "ann1", "annotator", pts, np.ones(68, bool))])
    text = (tmp_path / "a.csv").read_text(encoding="utf-8")
    assert "'=cmd" in text and "'@P1" in text
    read_csv(tmp_path / "a.csv")  # still a CSV the reader accepts (the row may be refused, not the file)
