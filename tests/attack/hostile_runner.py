"""Run the real CLI on hand-crafted hostile inputs, outside the test process (issue 17).

    python tests/attack/hostile_runner.py WORKDIR     prints one JSON line: [{case, rc, err, out, traceback}]

Each case builds its files in WORKDIR (a fresh copy of a small project where it needs one) and
calls ``neuroface_studio.cli.main`` as the command line would, catching anything that escapes it
(an escaping exception is a traceback a user would have seen). A crash of this process (a
segmentation fault) is seen by the caller as a non-zero exit status.
"""

from __future__ import annotations

import contextlib
import io
import json
import pickle
import shutil
import sys
import traceback
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from conftest import make_handmade_project  # noqa: E402

CASES: list[tuple[str, callable]] = []


def case(fn):
    CASES.append((fn.__name__, fn))
    return fn


def _project(work: Path, name: str) -> Path:
    base = work / "_base"
    if not base.exists():
        make_handmade_project(base)
    dst = work / name
    shutil.copytree(base, dst, symlinks=True)
    return dst


def _edit_json(folder: Path, change) -> None:
    path = folder / "project.nfs.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    out = change(data)
    path.write_text(out if isinstance(out, str) else json.dumps(data), encoding="utf-8")


def _h5(path: Path, change) -> None:
    import h5py
    import hdf5plugin  # noqa: F401
    with h5py.File(path, "r+") as f:
        change(f)


# -- project files ---------------------------------------------------------------------------------
@case
def notes_nested_100000_deep(work):
    p = _project(work, "deep")
    _edit_json(p, lambda d: json.dumps(d).replace('"notes": ""', '"notes": ' + "[" * 100_000 + "]" * 100_000, 1))
    return ["project", "info", str(p)]


@case
def protocol_nested_deep(work):
    f = work / "deep_protocol.json"
    f.write_text('{"name": ' + "[" * 100_000 + "]" * 100_000 + "}", encoding="utf-8")
    return ["project", "create", str(work / "newproj"), "--protocol", str(f)]


@case
def integer_of_5000_digits(work):
    p = _project(work, "digits")
    _edit_json(p, lambda d: json.dumps(d).replace('"n_frames": 12', '"n_frames": ' + "9" * 5000, 1))
    return ["project", "info", str(p)]


@case
def fps_1e308_then_features_2d(work):
    p = _project(work, "fps")
    _edit_json(p, lambda d: d["recordings"][0].update(fps=1e308))
    return ["features", str(p), "--2d"]


@case
def n_frames_1e308(work):
    p = _project(work, "nframes")
    _edit_json(p, lambda d: d["recordings"][0].update(n_frames=1e308))
    return ["project", "info", str(p)]


@case
def project_file_is_a_json_array(work):
    p = _project(work, "array")
    (p / "project.nfs.json").write_text("[1, 2, 3]", encoding="utf-8")
    return ["project", "info", str(p)]


@case
def project_file_cut_in_half(work):
    p = _project(work, "half")
    f = p / "project.nfs.json"
    f.write_bytes(f.read_bytes()[: f.stat().st_size // 2])
    return ["project", "info", str(p)]


@case
def project_from_a_newer_version(work):
    p = _project(work, "newer")
    _edit_json(p, lambda d: d.update(schema_version=999))
    return ["project", "info", str(p)]


@case
def path_with_a_nul_byte(work):
    return ["project", "info", str(work / "a\x00b")]


@case
def id_with_a_trailing_newline(work):
    p = _project(work, "newline")
    return ["participant", "add", str(p), "--id", "P88\n", "--group", "HC"]


# -- recordings --------------------------------------------------------------------------------------
@case
def recording_declares_a_billion_frames(work):
    p = _project(work, "billion")

    def grow(f):
        f.attrs["n_frames"] = 10**9
        for name in ("color", "depth", "timestamps_s"):
            f[name].resize(10**9, axis=0)
    _h5(p / "recordings" / "P001-OPEN.h5", grow)
    return ["landmark", str(p), "--recording", "P001-OPEN", "--model", "dlib68"]


@case
def colour_frames_without_channels(work):
    p = _project(work, "gray")

    def gray(f):
        g = np.zeros(f["color"].shape[:3], np.uint8)
        del f["color"]
        f.create_dataset("color", data=g)
    _h5(p / "recordings" / "P001-OPEN.h5", gray)
    return ["landmark", str(p), "--recording", "P001-OPEN", "--model", "dlib68"]


@case
def orphan_declaring_a_billion_frames(work):
    p = _project(work, "orphan")
    rec = p / "recordings" / "P001-OPEN.h5"
    orphan = p / "recordings" / "P001-BLOW.h5"
    shutil.copy(rec, orphan)

    def relabel(f):
        from neuroface_studio.store.h5text import text
        f.attrs["recording_id"] = text("P001-BLOW")
        f.attrs["task"] = text("BLOW")
        f.attrs["participant_id"] = text("P001")
        f.attrs["n_frames"] = 10**9
    _h5(orphan, relabel)
    return ["project", "recover", str(p), "--json"]


@case
def recording_file_cut_in_half(work):
    p = _project(work, "cut")
    f = p / "recordings" / "P001-OPEN.h5"
    f.write_bytes(f.read_bytes()[: f.stat().st_size // 2])
    return ["landmark", str(p), "--recording", "P001-OPEN", "--model", "dlib68"]


@case
def recordings_folder_linked_outside(work):
    p = _project(work, "linked")
    outside = work / "outside"
    shutil.move(str(p / "recordings"), str(outside))
    (p / "recordings").symlink_to(outside, target_is_directory=True)
    return ["record", str(p), "--participant", "P001", "--task", "SMILE", "--duration", "0.3"]


# -- imported media ----------------------------------------------------------------------------------
@case
def empty_file_as_video(work):
    p = _project(work, "empty_video")
    (work / "empty.mp4").write_bytes(b"")
    return ["import", str(p), str(work / "empty.mp4"), "--participant", "P001", "--task", "SMILE"]


@case
def text_file_as_video(work):
    p = _project(work, "text_video")
    (work / "notes.mp4").write_text("this is not a video\n" * 100, encoding="utf-8")
    return ["import", str(p), str(work / "notes.mp4"), "--participant", "P001", "--task", "SMILE"]


@case
def still_image_renamed_mp4(work):
    import cv2
    p = _project(work, "still")
    img = np.full((120, 160, 3), 128, np.uint8)
    ok, buf = cv2.imencode(".jpg", img)
    (work / "photo.mp4").write_bytes(buf.tobytes())
    return ["import", str(p), str(work / "photo.mp4"), "--participant", "P001", "--task", "SMILE"]


@case
def mp4_without_moov(work):
    import cv2
    p = _project(work, "nomoov")
    path = work / "clip.mp4"
    w = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), 10, (64, 48))
    for k in range(10):
        w.write(np.full((48, 64, 3), k * 20, np.uint8))
    w.release()
    data = path.read_bytes()
    i = data.find(b"moov")
    path.write_bytes(data[: i - 4] if i > 4 else data[: len(data) // 2])
    return ["import", str(p), str(path), "--participant", "P001", "--task", "SMILE"]


# -- annotations -------------------------------------------------------------------------------------
def _pts(rows) -> str:
    return "version: 1\nn_points: %d\n{\n%s\n}\n" % (len(rows), "\n".join(f"{x} {y}" for x, y in rows))


@case
def pts_with_67_points(work):
    p = _project(work, "pts67")
    d = work / "pts67_files"
    d.mkdir()
    (d / "P001-OPEN_f00002.pts").write_text(_pts([(100 + i, 100 + i) for i in range(67)]), encoding="utf-8")
    return ["annotations", "import", str(p), str(d), "--annotator", "ann9"]


@case
def pts_point_far_outside_the_frame(work):
    p = _project(work, "ptsfar")
    d = work / "ptsfar_files"
    d.mkdir()
    rows = [(100 + i, 100 + i) for i in range(68)]
    rows[0] = (-5000, -7000)
    (d / "P001-OPEN_f00002.pts").write_text(_pts(rows), encoding="utf-8")
    return ["annotations", "import", str(p), str(d), "--annotator", "ann9"]


@case
def csv_with_a_1e308_coordinate(work):
    from neuroface_studio.store.annotation_csv import HEADER
    p = _project(work, "csvhuge")
    pts = [f"{100 + i % 17 * 3:.1f}" for i in range(136)]
    huge = list(pts)
    huge[7] = "1e308"
    lines = [",".join(HEADER[:141])] + [",".join(["P001-OPEN", str(f), "P001", "ann9", "annotator"] + row)
                                        for f, row in ((1, pts), (2, huge))]
    (work / "huge.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return ["annotations", "import", str(p), str(work / "huge.csv")]


@case
def damaged_journal_line(work):
    from neuroface_studio.app.annotation import AnnotationService, Proposal
    from neuroface_studio.app.project_service import ProjectSession
    from neuroface_studio.domain.annotations import LandmarkSource
    p = _project(work, "journal")
    s = ProjectSession.open(p)
    svc = AnnotationService(s, "KK")
    prop = Proposal(np.full((68, 2), 50.0), np.ones(68, bool), LandmarkSource("model", name="dlib68"))
    svc.set_points("P001-OPEN", 5, np.full((68, 2), 15.0), proposal=prop)
    journal = p / ".annotations.journal" if (p / ".annotations.journal").exists() else next(p.glob("*journal*"))
    lines = journal.read_text(encoding="utf-8").splitlines()
    lines[0] = lines[0][: len(lines[0]) // 2]
    journal.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return ["annotations", "recover", str(p)]


# -- models --------------------------------------------------------------------------------------------
class _Evil:
    def __reduce__(self):
        return (print, ("PAYLOAD RAN",))


@case
def pickled_payload_as_a_model(work):
    f = work / "evil.pth"
    with f.open("wb") as fh:
        pickle.dump({"conv1.weight": _Evil()}, fh)
    return ["models", "import", str(f), "--name", "evil"]


@case
def text_file_as_a_model(work):
    f = work / "readme.pth"
    f.write_text("not weights\n", encoding="utf-8")
    return ["models", "import", str(f), "--name", "text"]


# -- exports -------------------------------------------------------------------------------------------
@case
def formula_in_a_clinical_score_name(work):
    p = _project(work, "formula")
    _edit_json(p, lambda d: d["participants"][0].update(clinical_scores={"=HYPERLINK(\"http://x\",\"y\")": 1.0,
                                                                         "@SUM(1+1)*cmd|' /C calc'!A0": 2.0}))
    return ["export", str(p), "--out", str(work / "formula_export"), "--include", "results"]


def run_case(argv) -> dict:
    from neuroface_studio.app.project_service import ProjectSession
    from neuroface_studio.cli import main
    ProjectSession.on_pending_journal = None
    out, err = io.StringIO(), io.StringIO()
    tb = ""
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            rc = main(argv)
        except SystemExit as exc:
            rc = exc.code if isinstance(exc.code, int) else 2
        except BaseException:  # noqa: BLE001 - what escaped the CLI is what this suite looks for
            rc, tb = 1, traceback.format_exc()
    return {"rc": rc, "out": out.getvalue()[-2000:], "err": err.getvalue()[-2000:], "traceback": tb}


def main(work: Path) -> None:
    import os
    os.environ.setdefault("NEUROFACE_HOME", str(work / "_home"))
    work.mkdir(parents=True, exist_ok=True)
    results = []
    for name, build in CASES:
        try:
            argv = build(work)
        except Exception:  # noqa: BLE001
            results.append({"case": name, "rc": None, "err": "", "out": "", "traceback": "SETUP " + traceback.format_exc()})
            continue
        res = run_case(argv)
        res["case"] = name
        results.append(res)
    print(json.dumps(results))


if __name__ == "__main__":
    main(Path(sys.argv[1]))
