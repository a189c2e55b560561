"""iBUG .pts files: 1-based on disk, 0-based in memory; clear errors for bad files."""

from __future__ import annotations

import numpy as np
import pytest

from neuroface_studio.store.pts import PtsFormatError, read_pts, write_pts


def test_round_trip_is_one_based_on_disk(tmp_path):
    pts = np.random.default_rng(0).uniform(0, 600, (68, 2)).round(3)
    pts[0] = [0.0, 0.0]
    path = tmp_path / "face.pts"
    write_pts(path, pts)
    lines = path.read_text().splitlines()
    assert lines[:3] == ["version: 1", "n_points: 68", "{"] and lines[-1] == "}"
    assert lines[3] == "1.000 1.000"  # the top-left pixel centre is (1, 1) in iBUG files
    np.testing.assert_allclose(read_pts(path), pts, atol=1e-9)


def _text(n: int, bad: str | None = None) -> str:
    rows = [f"{i + 1}.5 {i + 2}.5" for i in range(n)]
    if bad is not None:
        rows[10] = bad
    return "version: 1\nn_points: %d\n{\n%s\n}\n" % (n, "\n".join(rows))


def test_67_points_is_an_error(tmp_path):
    path = tmp_path / "p.pts"
    path.write_text(_text(67))
    with pytest.raises(PtsFormatError, match="holds 67 points.*68-point"):
        read_pts(path)


@pytest.mark.parametrize("text, message", [
    ("hello\n", "no 'n_points:'"),
    ("version: 1\nn_points: 68\n1 2\n", "between a '{' line"),
    ("version: 1\nn_points: sixty\n{\n}\n", "not a whole number"),
    (_text(68, bad="12.0 abc"), "point 11 is '12.0 abc'"),
    (_text(68, bad="12.0"), "not two numbers"),
])
def test_malformed_files_say_what_is_wrong(tmp_path, text, message):
    path = tmp_path / "p.pts"
    path.write_text(text)
    with pytest.raises(PtsFormatError, match=message):
        read_pts(path)


def test_missing_file_and_nan_points(tmp_path):
    with pytest.raises(PtsFormatError, match="does not exist"):
        read_pts(tmp_path / "none.pts")
    with pytest.raises(ValueError, match="NaN"):
        write_pts(tmp_path / "x.pts", np.full((68, 2), np.nan))
