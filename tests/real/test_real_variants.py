"""The real clip as other labs send it, through the real command line: import → landmark → segment → features.

single_face.mp4 (72 frames, 2.4 s, a frontal face talking) re-encoded by PyAV (variants.py) into
what another lab's camera or export gives: a portrait take, a phone's portrait take stored as
landscape frames plus a display rotation, 60 and 15 fps, a variable frame rate, 320x240 MPEG-4,
VP9 WebM, Motion JPEG AVI, Matroska, a stream starting at 1 s, odd dimensions, a sound track,
an MP4 named .avi. Each one must import every frame with its own clock, be upright (a face
found), claim no frames missing that are not, and go through landmarking, segmentation and
features with its rate.

The damaged files a lab also sends (cut in half, empty, sound only, a text file named .mp4) must
be refused with one line that says what is wrong and what to do, and leave the project as it was.
A sound file with a cover picture is sound only (OpenCV decodes the picture as a one-frame video,
and the import called it a still image to landmark with predict-image).
"""

from __future__ import annotations

import contextlib
import io
import json

import numpy as np
import pytest

from variants import BAD_VARIANTS, make_variant

av = pytest.importorskip("av")  # the test extra installs it (pyproject [test])

pytestmark = pytest.mark.real

CLIP = "single_face.mp4"
GOOD = ["portrait", "rotated", "upside_down", "fps60", "fps15", "vfr", "late_start", "small", "vp9", "mjpeg", "mkv",
        "odd", "audio", "wrong_ext"]
COUNT_STATED = (".mp4", ".avi")  # containers that state a frame count; Matroska/WebM state a duration only
UPRIGHT_PORTRAIT = ("portrait", "rotated")  # stored 360 wide, 640 high (rotated: after its display matrix)


def _cli(*args) -> tuple[int, str, str]:
    """The product's CLI in this process (exit status, stdout, stderr)."""
    from neuroface_studio.cli import main
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        rc = main([str(a) for a in args])
    return rc, out.getvalue(), err.getvalue()


def _container(path) -> tuple[np.ndarray, float]:
    """PTS (s from the stream start) of every frame PyAV decodes, and the stream's stated duration."""
    with av.open(str(path)) as c:
        st = c.streams.video[0]
        start = float(st.start_time * st.time_base) if st.start_time is not None else 0.0
        pts = np.array([float(f.pts * f.time_base) - start for f in c.decode(st)])
        duration = float(st.duration * st.time_base) if st.duration else (c.duration - (c.start_time or 0)) / 1e6
    return pts, duration


@pytest.fixture(scope="module")
def lab(real_faces, tmp_path_factory):
    """A project with every good variant imported as its own participant (task BBP), then landmarked,
    segmented and measured through the CLI; every command's (exit, stdout, stderr) kept."""
    root = tmp_path_factory.mktemp("lab_variants")
    proj = root / "proj"
    runs = {"create": _cli("project", "create", proj)}
    files, imports = {}, {}
    for i, name in enumerate(GOOD):
        files[name] = make_variant(real_faces / CLIP, name, root / "files", seconds=3.0)
        pid = f"V{i:02d}"
        runs[f"participant {pid}"] = _cli("participant", "add", proj, "--id", pid, "--group", "HC")
        imports[name] = _cli("import", proj, files[name], "--participant", pid, "--task", "BBP", "--json")
    runs["landmark"] = _cli("landmark", proj, "--model", "dlib68", "--json")
    runs["segment"] = _cli("segment", proj, "--model", "dlib68", "--apply", "--json")
    runs["features"] = _cli("features", proj, "--model", "dlib68", "--json")
    return {"proj": proj, "files": files, "imports": imports, "runs": runs}


@pytest.mark.parametrize("name", GOOD)
def test_lab_variant_imports_every_frame_upright_with_its_clock(lab, name):
    from neuroface_studio.app.project_service import ProjectSession
    from neuroface_studio.store.recording_file import read_timestamps
    rc, out, err = lab["imports"][name]
    assert rc == 0, err
    j = json.loads(out)
    pts, container_s = _container(lab["files"][name])
    assert j["frames_read"] == j["frames_written"] == len(pts), j
    rec = ProjectSession.open(lab["proj"]).project.recordings[j["recording"]]
    stored = read_timestamps(lab["proj"] / rec.file)
    assert np.allclose(stored, pts, atol=1e-3), (name, stored[:5], pts[:5])
    one_frame = float(np.median(np.diff(pts)))
    assert abs(j["duration_s"] - container_s) <= one_frame, (name, j["duration_s"], container_s)
    size = (rec.camera.color.width, rec.camera.color.height)
    assert size == ((360, 640) if name in UPRIGHT_PORTRAIT else (641, 479) if name == "odd"
                    else (320, 240) if name == "small" else (640, 360)), (name, size)
    # the face is upright and found: a rotation left unapplied lays it on its side (no face, frontal 0)
    assert j["frontal_fraction"] is not None and j["frontal_fraction"] >= 0.75, (name, j["frontal_fraction"])
    # the count the container states, or none: a Matroska duration x fps is no count (a VFR or late-starting
    # file then read as missing frames, and the import said "a file cut short also looks like this")
    stated = len(pts) if lab["files"][name].suffix in COUNT_STATED else None
    assert j["frames_declared"] == stated, (name, j["frames_declared"])
    if name == "audio":
        assert j["audio"] is not None and abs(j["audio"]["duration_s"] - container_s) < 0.1, j["audio"]
    if name == "vfr":  # irregular steps (20-50 ms) kept, not index / fps
        steps = np.diff(stored)
        assert steps.min() < 0.025 and steps.max() > 0.045 and j["timestamps"] == "container PTS"


def test_lab_variants_landmark_segment_and_measure_at_their_own_rate(lab):
    runs = lab["runs"]
    for label in ("landmark", "segment", "features"):
        assert runs[label][0] == 0, (label, runs[label][2][-2000:])
    rec_of = {name: json.loads(lab["imports"][name][1])["recording"] for name in GOOD}
    tracks = {r["recording_id"]: r for r in json.loads(runs["landmark"][1])["results"]}
    for name, rid in rec_of.items():
        t = tracks[rid]
        assert t["frames_with_face"] >= 0.85 * t["n_frames"], (name, t)
    feats = json.loads(runs["features"][1])
    measured = {row["recording"] for row in feats["rows"]}
    for name, rid in rec_of.items():  # every recording measured, or skipped with its reason
        assert rid in measured or feats["skipped"].get(rid), (name, rid)
    assert len(measured) >= len(GOOD) - 2, (sorted(measured), feats["skipped"])
    times = feats["times"]
    assert "60 Hz" in times.get(rec_of["fps60"], "60 Hz") and "15 Hz" in times.get(rec_of["fps15"], "15 Hz")
    assert "irregular" in times.get(rec_of["vfr"], "irregular"), times


#: damaged file -> what the one-line error must say
BAD_SAYS = {
    "truncated": "is cut short",
    "truncated_tail": "no 'moov' index",
    "truncated_webm": "is cut short",
    "truncated_mkv": "is cut short",
    "truncated_avi": "is cut short",
    "empty": "empty (0 bytes)",
    "audio_only": "holds only sound",
    "audio_only_mp4": "holds only sound",
    "audio_cover": "holds only sound (aac) and a cover picture",
    "text_as_mp4": "not a video format",
}


def test_every_damaged_variant_has_a_message():
    assert set(BAD_SAYS) == set(BAD_VARIANTS)


@pytest.mark.parametrize("name", sorted(BAD_SAYS))
def test_damaged_lab_file_is_refused_in_one_clear_line_and_changes_nothing(real_faces, tmp_path, name):
    proj = tmp_path / "proj"
    assert _cli("project", "create", proj)[0] == 0
    assert _cli("participant", "add", proj, "--id", "P1", "--group", "HC")[0] == 0
    bad = make_variant(real_faces / CLIP, name, tmp_path / "files", seconds=3.0)
    before = {p.relative_to(proj): p.read_bytes() for p in proj.rglob("*") if p.is_file()}
    rc, out, err = _cli("import", proj, bad, "--participant", "P1", "--task", "BBP")
    lines = err.strip().splitlines()
    assert rc == 2 and len(lines) == 1 and lines[0].startswith("error: "), (rc, out, err)
    assert BAD_SAYS[name] in err and bad.name in err, err
    assert "again" in err or "Import the video" in err or "convert" in err, err  # what to do
    after = {p.relative_to(proj): p.read_bytes() for p in proj.rglob("*") if p.is_file()}
    assert after == before  # no recording file, no project entry, no backup rewritten
