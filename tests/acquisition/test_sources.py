"""Frame sources: the simulated camera, RealSense file playback (real .db3 files made with a
software device), the no-camera path of the live RealSense source, and plain video files."""

from __future__ import annotations

import time

import cv2
import numpy as np
import pytest

from neuroface_studio.acquisition.rs_common import choose_fps, extrinsics_from_rs, is_identity_geometry
from neuroface_studio.acquisition.source import NoCameraError, SourceError
from neuroface_studio.acquisition.synthetic import SyntheticSource
from neuroface_studio.acquisition.video_file import VideoFileSource
from neuroface_studio.domain.camera import Extrinsics, Intrinsics


def read_all(source) -> list:
    frames = []
    while (frame := source.read()) is not None:
        frames.append(frame)
    return frames


# -- synthetic --------------------------------------------------------------------------
def test_synthetic_offline_is_consecutive_and_deterministic():
    a = SyntheticSource(fps=50.0, seed=3, duration_s=0.1, realtime=False)
    b = SyntheticSource(fps=50.0, seed=3, duration_s=0.1, realtime=False)
    assert not a.is_live
    with a, b:
        fa, fb = read_all(a), read_all(b)
    assert [f.index for f in fa] == [0, 1, 2, 3, 4]
    assert [f.timestamp_s for f in fa] == pytest.approx([i / 50.0 for i in range(5)])
    for x, y in zip(fa, fb):
        assert np.array_equal(x.color, y.color) and np.array_equal(x.depth, y.depth)
    f = fa[0]
    assert f.color.shape == (480, 640, 3) and f.color.dtype == np.uint8
    assert f.depth.shape == (480, 640) and f.depth.dtype == np.uint16
    assert a.camera.color.width == 640 and a.camera.depth_aligned_to_color
    assert not np.array_equal(fa[0].color, fa[4].color)  # the face moves


def test_synthetic_realtime_paces_to_fps():
    src = SyntheticSource(fps=30.0, realtime=True)
    assert src.is_live
    with src:
        t0 = time.perf_counter()
        frames = []
        while time.perf_counter() - t0 < 0.5:
            frames.append(src.read(timeout_s=1.0))
    indices = [f.index for f in frames if f is not None]
    # ~15 frames at 30 fps in 0.5 s on a quiet machine; on a busy one fewer are delivered, but
    # their indices still follow the camera clock (frames skipped, never invented or early)
    assert 2 <= len(indices) <= 17
    assert indices == sorted(set(indices))
    assert 7 <= indices[-1] <= 17


def test_synthetic_slow_consumer_sees_device_drops():
    src = SyntheticSource(fps=100.0, realtime=True)
    with src:
        indices = []
        for _ in range(4):
            indices.append(src.read().index)
            time.sleep(0.06)  # the consumer is much slower than the camera
    steps = np.diff(indices)
    assert (steps >= 2).all(), indices  # frames were skipped, like a real camera's drops


def test_synthetic_live_end_of_duration_returns_none():
    src = SyntheticSource(fps=100.0, duration_s=0.03, realtime=True)
    with src:
        got = [src.read(timeout_s=0.2) for _ in range(4)]
    frames = [f for f in got if f is not None]
    assert 1 <= len(frames) <= 3 and got[-1] is None


def test_synthetic_truth_and_ping_pong_loop():
    src = SyntheticSource(fps=30.0, seed=1, realtime=False, turn_away=True)
    n = src.plan.n_frames
    assert src.plan_index(0) == 0 and src.plan_index(n - 1) == n - 1
    assert src.plan_index(n) == n - 2 and src.plan_index(2 * (n - 1)) == 0  # back, then forward again
    assert src.truth_pose_deg(5) == pytest.approx(tuple(src.plan.head_pose_deg[5]))
    assert src.truth_pose_deg(n + 1) == pytest.approx(tuple(src.plan.head_pose_deg[n - 3]))
    assert np.abs(src.plan.head_pose_deg[:, 0]).max() > 25  # the forced turn-away is in the truth
    assert src.truth_landmarks_px(3).shape == (68, 2)


def test_synthetic_rejects_unknown_task():
    with pytest.raises(ValueError, match="cannot perform task"):
        SyntheticSource(task_code="JUGGLE")


# -- pyrealsense2 helpers ---------------------------------------------------------------
def test_choose_fps_takes_nearest_offered_rate():
    assert choose_fps([6, 15, 30, 60, 90], 50) == 60
    assert choose_fps([6, 15, 30], 50) == 30
    assert choose_fps([30, 60], 45) == 60  # a tie goes to the higher rate
    assert choose_fps([30, 60], 60) == 60


def test_extrinsics_conversion_is_row_major():
    rs = pytest.importorskip("pyrealsense2")
    e = rs.extrinsics()
    e.rotation = [0, 1, 0, -1, 0, 0, 0, 0, 1]  # column-major: 90 degrees about z, x -> y
    e.translation = [0.015, 0.0, 0.0]
    ours = extrinsics_from_rs(e)
    assert np.allclose(ours.matrix()[:3, :3] @ [1, 0, 0], [0, 1, 0])
    assert ours.translation_m == pytest.approx((0.015, 0.0, 0.0))
    intr = Intrinsics(64, 48, 60.0, 60.0, 32.0, 24.0)
    assert is_identity_geometry(intr, intr, Extrinsics())
    assert not is_identity_geometry(intr, intr, ours)


# -- live RealSense (no camera here) -------------------------------------------------------
def test_live_without_camera_raises_no_camera_error():
    pytest.importorskip("pyrealsense2")
    from neuroface_studio.acquisition.realsense_live import RealSenseSource, list_cameras

    if list_cameras():
        pytest.skip("a RealSense camera is connected")
    src = RealSenseSource(fps=50)
    assert src.is_live
    with pytest.raises(NoCameraError, match="No Intel RealSense camera found.*USB 3.*synthetic source"):
        src.open()
    src.close()  # harmless after a failed open
    with pytest.raises(SourceError, match="Open the camera"):
        src.read()


# -- RealSense files ----------------------------------------------------------------------
def test_realsense_file_plays_every_frame_exactly_once(rs_file, rs_fixture):
    from neuroface_studio.acquisition.realsense_file import RealSenseFileSource

    with RealSenseFileSource(rs_file) as src:
        assert not src.is_live and src.fps == rs_fixture.fps
        cam = src.camera
        frames = read_all(src)
        assert src.read() is None  # stays at the end
    assert [f.index for f in frames] == list(range(20))
    assert [f.timestamp_s for f in frames] == pytest.approx([i / rs_fixture.fps for i in range(20)], abs=1e-6)
    for f in frames:
        color, depth = rs_fixture.pattern(f.index)
        assert np.array_equal(f.color, color) and np.array_equal(f.depth, depth)
    assert src.gaps == src.frames_missing == src.incomplete == src.duplicates == 0
    assert (cam.color.width, cam.color.height, cam.color.fx) == (rs_fixture.width, rs_fixture.height, 60.0)
    assert cam.depth_scale_m == pytest.approx(0.001)
    assert cam.depth_aligned_to_color and "Test D400" in cam.device and "000111" in cam.device


def test_realsense_file_reports_gaps(tmp_path, rs_fixture):
    from neuroface_studio.acquisition.realsense_file import RealSenseFileSource

    path = rs_fixture.write(tmp_path / "gaps.db3", numbers=[0, 1, 2, 5, 6, 9])
    with RealSenseFileSource(path) as src:
        frames = read_all(src)
    assert [f.index for f in frames] == [0, 1, 2, 5, 6, 9]
    assert (src.gaps, src.frames_missing) == (2, 4)
    assert all(np.array_equal(f.color, rs_fixture.pattern(f.index)[0]) for f in frames)


def test_realsense_file_aligns_unaligned_depth(tmp_path, rs_fixture):
    from neuroface_studio.acquisition.realsense_file import RealSenseFileSource

    def step(number):  # 800 mm left of depth column 22, 1000 mm from it on
        depth = np.full((rs_fixture.height, rs_fixture.width), 800, np.uint16)
        depth[:, 22:] = 1000
        return depth

    # depth fx 50 vs colour fx 60, same centre 32: depth column 22 lands on colour column 20
    path = rs_fixture.write(tmp_path / "wide.db3", numbers=range(3), depth_fx=50.0, depth_pattern=step)
    with RealSenseFileSource(path) as src:
        assert src.camera.depth.fx == 50.0 and src.camera.depth_aligned_to_color
        frames = read_all(src)
    assert len(frames) == 3
    depth = frames[0].depth
    assert depth.shape == (rs_fixture.height, rs_fixture.width)
    assert (depth[:, :18] == 800).all() and (depth[:, 23:] == 1000).all()


def test_realsense_file_errors(tmp_path, rs_fixture):
    from neuroface_studio.acquisition.realsense_file import RealSenseFileSource

    with pytest.raises(SourceError, match="not found"):
        RealSenseFileSource(tmp_path / "missing.db3").open()
    fake = tmp_path / "notes.db3"
    fake.write_text("this is not a recording\n")
    with pytest.raises(SourceError, match="notes.db3 is not a readable RealSense recording"):
        RealSenseFileSource(fake).open()
    fake_bag = tmp_path / "notes.bag"
    fake_bag.write_text("this is not a recording\n")
    with pytest.raises(SourceError, match="not a readable RealSense recording"):
        RealSenseFileSource(fake_bag).open()
    colour_only = rs_fixture.write(tmp_path / "colour.db3", numbers=range(3), streams=("color",))
    with pytest.raises(SourceError, match="no depth stream.*plain video"):
        RealSenseFileSource(colour_only).open()
    with pytest.raises(SourceError, match="Open the RealSense file"):
        RealSenseFileSource(colour_only).read()


# -- plain video files --------------------------------------------------------------------
def test_video_file_source(tmp_path):
    path = tmp_path / "clip.avi"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 25.0, (64, 48))
    assert writer.isOpened()
    for i in range(6):
        rgb = np.zeros((48, 64, 3), np.uint8)
        rgb[..., 0] = 40 * i  # red grows frame by frame
        rgb[..., 2] = 100
        writer.write(cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))
    writer.release()
    with VideoFileSource(path) as src:
        assert not src.is_live and src.fps == pytest.approx(25.0)
        cam = src.camera
        frames = read_all(src)
    assert [f.index for f in frames] == list(range(6))
    assert [f.timestamp_s for f in frames] == pytest.approx([i / 25.0 for i in range(6)])
    for i, f in enumerate(frames):
        assert f.color.shape == (48, 64, 3) and f.depth.shape == (48, 64) and f.depth.dtype == np.uint16
        assert not f.depth.any()
        assert abs(float(f.color[..., 0].mean()) - 40 * i) < 6  # RGB order kept (MJPG is lossy)
        assert abs(float(f.color[..., 2].mean()) - 100) < 6
    assert (cam.color.fx, cam.color.cx, cam.color.cy) == (64.0, 32.0, 24.0)
    assert cam.device == "video file (no depth)"


def test_video_file_errors(tmp_path):
    with pytest.raises(SourceError, match="not found"):
        VideoFileSource(tmp_path / "missing.mp4").open()
    fake = tmp_path / "notes.avi"
    fake.write_text("not a video\n")
    with pytest.raises(SourceError, match="could not be read as a video"):
        VideoFileSource(fake).open()


def test_live_with_fake_camera_streams_aligned_frames_and_reports_unplug(fake_realsense):
    """The live source's logic against a software device standing in for the camera
    (a software_device cannot be opened by rs.pipeline, so the pipeline is faked)."""
    from neuroface_studio.acquisition.realsense_live import RealSenseSource

    src = RealSenseSource(width=64, height=48, fps=50)
    with src:
        assert src.fps == 60 and "50 fps" in src.note and "60 fps" in src.note  # nearest offered rate
        cam = src.camera
        frames = [f for f in (src.read() for _ in range(6)) if f is not None]  # the syncer may split a pair
        fake_realsense.unplug()
        with pytest.raises(SourceError, match="stopped sending frames.*USB"):
            src.read(timeout_s=0.1)
    assert fake_realsense.requested[-1][-1] == 60
    assert (cam.color.fx, cam.depth.fx) == (60.0, 50.0) and cam.depth_aligned_to_color
    assert cam.depth_to_color.translation_m == pytest.approx((0.015, 0.0, 0.0))
    assert cam.depth_scale_m == pytest.approx(0.001)
    assert cam.device == "Fake D435 serial 42 firmware 5.16.0"
    assert len(frames) >= 4
    assert [f.index for f in frames] == sorted({f.index for f in frames})
    for f in frames:
        assert np.array_equal(f.color[..., 0], np.full((48, 64), f.index, np.uint8))
        assert f.timestamp_s == pytest.approx(f.index / 60.0, abs=1e-6)
        assert f.depth.shape == (48, 64) and f.depth.dtype == np.uint16 and f.depth.any()


def test_live_on_usb2_says_so(fake_realsense, monkeypatch):
    from neuroface_studio.acquisition import realsense_live
    FakeRealSense = type(fake_realsense)  # noqa: N806 - the conftest's class
    fake = FakeRealSense(usb="2.1")
    monkeypatch.setattr(realsense_live, "import_rs", lambda error=None: fake)
    src = realsense_live.RealSenseSource(width=64, height=48, fps=60)
    with src:
        assert "USB 2.1" in src.note and "USB 3 port" in src.note and "fps" not in src.note.split("USB")[0]
    monkeypatch.setattr(realsense_live, "import_rs", lambda error=None: FakeRealSense(usb="3.2"))
    with realsense_live.RealSenseSource(width=64, height=48, fps=60) as src:
        assert src.note == ""


def test_live_unknown_serial(fake_realsense):
    from neuroface_studio.acquisition.realsense_live import RealSenseSource

    with pytest.raises(NoCameraError, match="99 is not connected.*42"):
        RealSenseSource(serial="99", width=64, height=48).open()
    with pytest.raises(SourceError, match="cannot stream colour and depth at 1280x720"):
        RealSenseSource(width=1280, height=720).open()
