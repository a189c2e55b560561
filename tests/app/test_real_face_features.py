"""Issue 15's target on a real talking face: import -> landmark (dlib68) -> segment --apply -> plain
``features`` gives finite duration, range of motion and peak opening velocity for >= 90 % of the
repetitions, in 2D (the video has no depth, and says so), as valid JSON whose rows keep their names.
"""

from __future__ import annotations

import json

import pytest

from neuroface_studio.cli import main

pytestmark = [pytest.mark.real, pytest.mark.slow]

KEY = ("duration", "range_of_motion", "peak_opening_velocity")


def _json(text: str):
    def reject(constant):
        raise ValueError(f"bare {constant} in JSON output")
    return json.loads(text, parse_constant=reject)


def test_plain_features_on_a_real_face_video_are_finite_2d_and_valid_json(real_faces, tmp_path, capsys):
    proj = str(tmp_path / "proj")
    assert main(["project", "create", proj]) == 0
    assert main(["participant", "add", proj, "--id", "P001", "--group", "HC"]) == 0
    assert main(["import", proj, str(real_faces / "single_face.mp4"), "--participant", "P001", "--task", "OPEN"]) == 0
    assert main(["landmark", proj, "--model", "dlib68"]) == 0
    capsys.readouterr()
    assert main(["segment", proj, "--apply", "--json"]) == 0
    seg = _json(capsys.readouterr().out)
    rec = seg["recordings"][0]
    assert not rec["problem"], f"segmentation of the real clip failed: {rec['problem']}"
    assert rec["spans"] and seg["applied"] == [rec["recording"]]
    assert rec["time"].startswith("recorded timestamps")
    assert main(["features", proj, "--json"]) == 0
    data = _json(capsys.readouterr().out)
    rows = data["rows"]
    assert rows and not data["skipped"]
    names = ("participant", "group", "recording", "task", "repetition", "start", "end", "space", *data["features"])
    assert all(set(names) <= set(r) for r in rows)
    finite = [all(isinstance(r[k], float) for k in KEY) for r in rows]
    assert sum(finite) >= 0.9 * len(rows), [(r["start"], r["end"], r["why_null"]) for r in rows]
    assert {r["space"] for r in rows} == {"2d_iod"}  # a plain video: no depth, 2D in interocular distances
    assert "no depth" in data["sources"][rec["recording"]]
    for r in rows:  # a duration is the span's recorded time, and a real opening is a few % of the IOD or more
        assert r["duration"] == pytest.approx((r["end"] - r["start"] + 1) / rec["fps"], rel=0.05)
        assert 0.01 < r["range_of_motion"] < 1.0 and r["peak_opening_velocity"] > 0
