"""Issue 17, from outside: hand-crafted hostile inputs through the real CLI in a separate process
(tests/attack/hostile_runner.py). Every case ends with exit status 0 or 2, a message and no
traceback; none crashes the process; the data are as the message says."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent

#: what each case must say (a piece of its last stderr line) or do
EXPECT = {
    "notes_nested_100000_deep": (2, "nested more than"),
    "protocol_nested_deep": (2, "nested more than"),
    "integer_of_5000_digits": (2, "more than 4300 digits"),
    "fps_1e308_then_features_2d": (2, "fps must be between"),
    "n_frames_1e308": (2, "n_frames must be between"),
    "project_file_is_a_json_array": (2, "not a NeuroFace Studio project file"),
    "project_file_cut_in_half": (2, "previous save is in"),
    "project_from_a_newer_version": (2, "newer NeuroFace Studio"),
    "path_with_a_nul_byte": (2, "NUL byte"),
    "id_with_a_trailing_newline": (2, "invalid ID"),
    "recording_declares_a_billion_frames": (0, "12/12"),
    "colour_frames_without_channels": (2, "not (frames, height, width, 3) uint8"),
    "orphan_declaring_a_billion_frames": (0, None),
    "recording_file_cut_in_half": (2, "not a readable HDF5 recording"),
    "recordings_folder_linked_outside": (2, "inside the project"),
    "empty_file_as_video": (2, "could not be read as a video"),
    "text_file_as_video": (2, "could not be read as a video"),
    "still_image_renamed_mp4": (2, "single frame"),
    "mp4_without_moov": (2, "moov"),
    "pts_with_67_points": (0, None),
    "pts_point_far_outside_the_frame": (0, None),
    "csv_with_a_1e308_coordinate": (0, None),
    "damaged_journal_line": (0, None),
    "pickled_payload_as_a_model": (2, "refused because loading them could run code"),
    "text_file_as_a_model": (2, "not a plain set of weights"),
    "formula_in_a_clinical_score_name": (0, None),
}


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    work = tmp_path_factory.mktemp("hostile")
    env = {**os.environ, "NEUROFACE_BLOCK_QT": "1", "NEUROFACE_HOME": str(work / "_home")}
    proc = subprocess.run([sys.executable, "-X", "faulthandler", str(HERE / "hostile_runner.py"), str(work)],
                          capture_output=True, text=True, env=env, timeout=600)
    assert proc.returncode == 0, f"the CLI process crashed (status {proc.returncode}):\n{proc.stderr[-4000:]}"
    return {r["case"]: r for r in json.loads(proc.stdout.strip().splitlines()[-1])}, work


def test_every_case_ran(results):
    got, _ = results
    assert sorted(got) == sorted(EXPECT)


@pytest.mark.parametrize("name", sorted(EXPECT))
def test_no_traceback_and_a_message(results, name):
    got, _ = results
    res = got[name]
    assert not res["traceback"], res["traceback"]
    rc, says = EXPECT[name]
    assert res["rc"] == rc, res
    assert "Traceback" not in res["err"] and "weights_only=False" not in res["err"]
    if says:
        assert says in res["err"] + res["out"], res


def test_the_data_are_as_the_messages_say(results):
    got, work = results
    from neuroface_studio.store.project_file import load_project

    orphan = json.loads(got["orphan_declaring_a_billion_frames"]["out"])
    assert orphan["recovered"] == ["P001-BLOW"]
    assert load_project(work / "orphan").recordings["P001-BLOW"].n_frames == 12  # not 10**9
    assert "PAYLOAD RAN" not in got["pickled_payload_as_a_model"]["out"]
    for name in ("pts_with_67_points", "pts_point_far_outside_the_frame"):
        assert "0 annotation(s) to import" in got[name]["out"] or "skipped" in got[name]["out"], got[name]
    csv_res = got["csv_with_a_1e308_coordinate"]["out"]
    assert "far outside" in csv_res and load_project(work / "csvhuge").annotation_of("P001-OPEN", 1, "ann9") is not None
    assert load_project(work / "journal").annotation_of("P001-OPEN", 5, "KK") is not None  # recovered, loads
    text = (work / "formula_export" / "participants.csv").read_text(encoding="utf-8")
    assert "'=HYPERLINK" in text and "'@SUM" in text
    assert not (work / "outside" / "P001-SMILE.h5").exists()
