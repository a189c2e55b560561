"""Issue 17 #7/#8/#11: hand-crafted hostile files get one clear message, never a traceback, a
huge allocation or a silently wrong result. Sizes come from the data, never from a declared count."""

from __future__ import annotations

import json

import h5py
import hdf5plugin  # noqa: F401 - the recordings' codec
import numpy as np
import pytest

from neuroface_studio.cli import main
from neuroface_studio.store.errors import StoreError
from neuroface_studio.store.project_file import load_project, project_file
from neuroface_studio.store.recording_file import RecordingReader


def _edit_project(folder, change):
    path = project_file(folder)
    data = json.loads(path.read_text(encoding="utf-8"))
    text = change(data)
    path.write_text(text if isinstance(text, str) else json.dumps(data), encoding="utf-8")


def _nested(depth: int) -> str:
    return "[" * depth + "]" * depth


def test_notes_nested_100000_deep(handmade_project, capsys):
    def deep(data):
        text = json.dumps(data)
        return text.replace('"notes": ""', f'"notes": {_nested(100_000)}', 1)
    _edit_project(handmade_project, deep)
    assert main(["project", "info", str(handmade_project)]) == 2
    err = capsys.readouterr().err
    assert "nested" in err and "Traceback" not in err and "Recursion" not in err


def test_protocol_nested_deep(tmp_path, capsys):
    deep = tmp_path / "deep.json"
    deep.write_text('{"name": ' + _nested(100_000) + "}", encoding="utf-8")
    assert main(["project", "create", str(tmp_path / "p"), "--protocol", str(deep)]) == 2
    err = capsys.readouterr().err
    assert "nested" in err and "Recursion" not in err


def test_5000_digit_integer_says_what_is_wrong(handmade_project, capsys):
    _edit_project(handmade_project, lambda d: json.dumps(d).replace('"n_frames": 12', '"n_frames": ' + "9" * 5000, 1))
    assert main(["project", "info", str(handmade_project)]) == 2
    err = capsys.readouterr().err
    assert "digits" in err and "set_int_max_str_digits" not in err


@pytest.mark.parametrize("field,value", [("fps", 1e308), ("n_frames", 1e308), ("n_frames", -3), ("fps", 0)])
def test_declared_counts_and_rates_have_a_range(handmade_project, field, value):
    def change(d):
        d["recordings"][0][field] = value
    _edit_project(handmade_project, change)
    with pytest.raises(StoreError, match=f"{field} must be between"):
        load_project(handmade_project)


def test_a_recording_declaring_a_billion_frames_has_the_frames_it_holds(handmade_project):
    path = handmade_project / "recordings" / "P001-OPEN.h5"
    with h5py.File(path, "r+") as f:
        f.attrs["n_frames"] = 10**9
        for name in ("color", "depth", "timestamps_s"):
            if f[name].maxshape[0] is None:
                f[name].resize(10**9, axis=0)
    with RecordingReader(path) as r:
        assert r.n_frames == 12
        assert r.timestamps_s().shape == (12,)


def test_colour_frames_without_channels_are_refused(handmade_project):
    path = handmade_project / "recordings" / "P001-OPEN.h5"
    with h5py.File(path, "r+") as f:
        gray = np.zeros(f["color"].shape[:3], np.uint8)
        del f["color"]
        f.create_dataset("color", data=gray)
    with pytest.raises(StoreError, match=r"not \(frames, height, width, 3\) uint8"):
        RecordingReader(path)


def test_a_nul_byte_in_a_path_is_named(tmp_path, capsys):
    assert main(["project", "info", str(tmp_path / "a\x00b")]) == 2
    err = capsys.readouterr().err
    assert "NUL byte" in err and "does not exist" not in err


def test_a_recordings_folder_linked_outside_the_project_is_refused(handmade_project, tmp_path, capsys):
    import shutil

    outside = tmp_path / "elsewhere"
    shutil.move(str(handmade_project / "recordings"), str(outside))
    (handmade_project / "recordings").symlink_to(outside, target_is_directory=True)
    before = sorted(p.name for p in outside.iterdir())
    rc = main(["record", str(handmade_project), "--participant", "P001", "--task", "OPEN", "--duration", "0.3"])
    err = capsys.readouterr().err
    assert rc == 2 and "inside the project" in err
    assert sorted(p.name for p in outside.iterdir()) == before  # nothing was written there


def test_import_preview_refuses_far_away_and_huge_coordinates_per_row(handmade_project, tmp_path, capsys):
    """A 1e308 coordinate failed only at save ('Out of range float values…', no file, no row) and
    aborted the whole import; a .pts point at (-5000, -7000) was accepted."""
    from neuroface_studio.app.annotation_io import plan_import
    from neuroface_studio.app.project_service import ProjectSession
    from neuroface_studio.store.annotation_csv import HEADER

    good = [f"{100 + i % 17 * 3:.1f}" for i in range(136)]
    huge = list(good)
    huge[10] = "1e308"
    far = list(good)
    far[0], far[1] = "-5000", "-7000"
    lines = [",".join(HEADER[:5 + 136])] + [",".join(["P001-OPEN", str(f), "P001", "ann9", "annotator"] + pts)
                                            for f, pts in ((1, good), (2, huge), (3, far))]
    csv_file = tmp_path / "a.csv"
    csv_file.write_text("\n".join(lines) + "\n", encoding="utf-8")
    s = ProjectSession.open(handmade_project)
    plan = plan_import(s, csv_file)
    assert [i.frame for i in plan.items] == [1]
    why = dict(plan.skipped)
    assert "far outside" in why["a.csv row 2"] and "far outside" in why["a.csv row 3"]
    assert main(["annotations", "import", str(handmade_project), str(csv_file)]) == 0  # the good row is saved
    assert load_project(handmade_project).annotation_of("P001-OPEN", 1, "ann9") is not None
    pts_dir = tmp_path / "pts"
    pts_dir.mkdir()
    rows = "\n".join(f"{float(x) + 1:.3f} {float(y) + 1:.3f}" for x, y in zip(far[0::2], far[1::2]))
    (pts_dir / "P001-OPEN_f00004.pts").write_text(f"version: 1\nn_points: 68\n{{\n{rows}\n}}\n", encoding="utf-8")
    plan = plan_import(s, pts_dir, annotator="ann9")
    assert not plan.items and "far outside" in plan.skipped[0][1]
