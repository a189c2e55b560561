"""Fixtures for the frame-source tests, made on the fly (no binary files in the repo).

:func:`write_realsense_file` records a small .db3 with a ``rs.software_device`` (the only way
to make a RealSense file without a camera; PLATFORM_FACTS "RealSense without a camera").
Frame ``number`` has colour red = number, green = x, blue = y and depth = 500 + number + x,
so content and index can be checked pixel-exactly (see :func:`pattern`).
"""

from __future__ import annotations

import gc
import time
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

FIXTURE_W, FIXTURE_H, FIXTURE_FPS = 64, 48, 30


def pattern(number: int, width: int = FIXTURE_W, height: int = FIXTURE_H) -> tuple[np.ndarray, np.ndarray]:
    """(color (H, W, 3) uint8 RGB, depth (H, W) uint16) of fixture frame ``number``."""
    color = np.empty((height, width, 3), np.uint8)
    color[..., 0] = number % 256
    color[..., 1] = (np.arange(width) % 256)[None, :]
    color[..., 2] = (np.arange(height) % 256)[:, None]
    depth = (500 + number + np.arange(width, dtype=np.uint16)[None, :]).repeat(height, 0).astype(np.uint16)
    return color, depth


def write_realsense_file(path: Path, numbers=range(20), streams=("depth", "color"), depth_fx: float | None = None,
                         width: int = FIXTURE_W, height: int = FIXTURE_H, depth_pattern=None) -> Path:
    """Record frames ``numbers`` (device frame numbers, timestamps number/fps) to ``path`` (.db3).

    Colour and depth share intrinsics (fx = fy = 60) and the depth->colour extrinsics are the
    identity, so alignment is a no-op, unless ``depth_fx`` gives depth another focal length.
    ``depth_pattern(number) -> (H, W) uint16`` replaces the default depth content.
    """
    import pyrealsense2 as rs

    def intrinsics(fx: float):
        i = rs.intrinsics()
        i.width, i.height, i.ppx, i.ppy, i.fx, i.fy = width, height, width / 2, height / 2, fx, fx
        i.model, i.coeffs = rs.distortion.none, [0.0] * 5
        return i

    dev = rs.software_device()
    dev.register_info(rs.camera_info.name, "Test D400")
    dev.register_info(rs.camera_info.serial_number, "000111")
    sensors, profiles = {}, {}
    for uid, name in enumerate(streams):
        vs = rs.video_stream()
        vs.type = rs.stream.depth if name == "depth" else rs.stream.color
        vs.index, vs.uid, vs.width, vs.height, vs.fps = 0, uid, width, height, FIXTURE_FPS
        vs.bpp, vs.fmt = (2, rs.format.z16) if name == "depth" else (3, rs.format.rgb8)
        vs.intrinsics = intrinsics(depth_fx if (name == "depth" and depth_fx) else 60.0)
        sensor = dev.add_sensor("Depth" if name == "depth" else "Color")
        profiles[name] = sensor.add_video_stream(vs)
        if name == "depth":
            sensor.add_read_only_option(rs.option.depth_units, 0.001)
        sensors[name] = sensor
    if len(profiles) == 2:
        extr = rs.extrinsics()
        extr.rotation, extr.translation = [1, 0, 0, 0, 1, 0, 0, 0, 1], [0, 0, 0]
        profiles["depth"].register_extrinsics_to(profiles["color"], extr)
    recorder = rs.recorder(str(path), dev, False)  # False: no compression, plays back bit-exact
    for name, sensor in sensors.items():
        sensor.open(profiles[name])
        sensor.start(lambda f: None)
    # The recorder writes on its own threads and drops frames it cannot take yet: on a loaded
    # machine the first frames were lost and once librealsense crashed on teardown. Let it start,
    # pace the frames a little and let it drain before stopping (a few ms per file).
    time.sleep(0.05)
    keep = []  # the SDK reads the pixels after on_video_frame returns
    for number in numbers:
        color, depth = pattern(number, width, height)
        if depth_pattern is not None:
            depth = depth_pattern(number)
        for name, sensor in sensors.items():
            pixels = depth if name == "depth" else color
            keep.append(pixels)
            f = rs.software_video_frame()
            f.pixels, f.bpp, f.stride = pixels, pixels.itemsize * (3 if pixels.ndim == 3 else 1), \
                pixels.strides[0]
            f.timestamp, f.domain = 1000.0 * number / FIXTURE_FPS, rs.timestamp_domain.hardware_clock
            f.frame_number, f.profile = number, profiles[name].as_video_stream_profile()
            sensor.on_video_frame(f)
        time.sleep(0.002)
    time.sleep(0.1)
    for sensor in sensors.values():
        sensor.stop()
        sensor.close()
    del recorder, sensors, profiles, dev
    gc.collect()  # the recorder finishes the file when it is destroyed
    return path


@pytest.fixture(scope="session")
def rs_fixture() -> SimpleNamespace:
    """The fixture-file toolkit: ``write`` (:func:`write_realsense_file`), ``pattern``, size, fps."""
    pytest.importorskip("pyrealsense2")
    return SimpleNamespace(write=write_realsense_file, pattern=pattern, width=FIXTURE_W, height=FIXTURE_H,
                           fps=FIXTURE_FPS)


@pytest.fixture(scope="session")
def rs_file(tmp_path_factory) -> Path:
    """A 20-frame colour + depth .db3 (frame numbers 0..19, 64x48, 30 fps)."""
    pytest.importorskip("pyrealsense2")
    return write_realsense_file(tmp_path_factory.mktemp("rs") / "twenty.db3")


class FakeRealSense:
    """Stands in for the pyrealsense2 module inside realsense_live: a ``software_device``
    plays the connected camera (colour + depth at 30 and 60 fps, depth fx 50 vs colour 60,
    depth 15 mm left of colour), fed one frame per ``try_wait_for_frames``; everything but
    ``context``, ``config`` and ``pipeline`` is the real pyrealsense2. ``unplug()`` makes the
    camera vanish."""

    def __init__(self, n_cameras: int = 1, usb: str = "3.2"):
        import pyrealsense2 as rs

        self._rs, self.n_cameras, self.unplugged, self.requested = rs, n_cameras, False, []
        self.dev = dev = rs.software_device()
        for key, value in ((rs.camera_info.name, "Fake D435"), (rs.camera_info.serial_number, "42"),
                           (rs.camera_info.firmware_version, "5.16.0"), (rs.camera_info.usb_type_descriptor, usb)):
            dev.register_info(key, value)
        self.profiles, self.sensors = {}, {}
        for uid, (name, kind, fmt, bpp, fx) in enumerate([("Depth", rs.stream.depth, rs.format.z16, 2, 50.0),
                                                           ("Color", rs.stream.color, rs.format.rgb8, 3, 60.0)]):
            sensor = self.sensors[kind] = dev.add_sensor(name)
            for k, fps in enumerate((30, 60)):
                vs = rs.video_stream()
                vs.type, vs.index, vs.uid, vs.fps, vs.bpp, vs.fmt = kind, 0, 10 * uid + k, fps, bpp, fmt
                vs.width, vs.height = FIXTURE_W, FIXTURE_H
                i = rs.intrinsics()
                i.width, i.height, i.ppx, i.ppy, i.fx, i.fy = FIXTURE_W, FIXTURE_H, FIXTURE_W / 2, FIXTURE_H / 2, fx, fx
                i.model, i.coeffs = rs.distortion.none, [0.0] * 5
                vs.intrinsics = i
                self.profiles[(kind, fps)] = sensor.add_video_stream(vs, k == 0)
            if kind == rs.stream.depth:
                sensor.add_read_only_option(rs.option.depth_units, 0.001)
        extr = rs.extrinsics()
        extr.rotation, extr.translation = [1, 0, 0, 0, 1, 0, 0, 0, 1], [0.015, 0.0, 0.0]
        for fps in (30, 60):
            self.profiles[(rs.stream.depth, fps)].register_extrinsics_to(self.profiles[(rs.stream.color, fps)], extr)
        dev.create_matcher(rs.matchers.dlr_c)

    def __getattr__(self, name):
        return getattr(self._rs, name)

    def context(self):
        fake = self
        return SimpleNamespace(query_devices=lambda: [] if fake.unplugged else [fake.dev] * fake.n_cameras)

    def config(self):
        fake = self
        return SimpleNamespace(enable_device=lambda serial: None,
                               enable_stream=lambda kind, w, h, fmt, fps: fake.requested.append((kind, w, h, fmt, fps)))

    def pipeline(self):
        return _FakePipeline(self)

    def unplug(self):
        self.unplugged = True


class _FakePipeline:
    def __init__(self, fake: FakeRealSense):
        self.fake, self.number, self.keep = fake, 0, []

    def start(self, config):
        rs, fake = self.fake._rs, self.fake
        self.fps = fake.requested[-1][-1]
        self.sync = rs.syncer()
        for kind, sensor in fake.sensors.items():
            sensor.open(fake.profiles[(kind, self.fps)])
            sensor.start(self.sync)
        return SimpleNamespace(get_stream=lambda kind: fake.profiles[(kind, self.fps)], get_device=lambda: fake.dev)

    def try_wait_for_frames(self, timeout_ms):
        rs, fake = self.fake._rs, self.fake
        if fake.unplugged:
            return False, None
        color, depth = pattern(self.number)
        for kind, pixels in ((rs.stream.depth, depth), (rs.stream.color, color)):
            self.keep = [*self.keep[-8:], pixels]
            f = rs.software_video_frame()
            f.pixels, f.bpp, f.stride = pixels, pixels.itemsize * (3 if pixels.ndim == 3 else 1), pixels.strides[0]
            f.timestamp, f.domain = 1000.0 * self.number / self.fps, rs.timestamp_domain.hardware_clock
            f.frame_number, f.profile = self.number, fake.profiles[(kind, self.fps)].as_video_stream_profile()
            fake.sensors[kind].on_video_frame(f)
        self.number += 1
        return self.sync.try_wait_for_frames(timeout_ms)

    def stop(self):
        for sensor in self.fake.sensors.values():
            sensor.stop()
            sensor.close()


@pytest.fixture
def fake_realsense(monkeypatch) -> FakeRealSense:
    """A fake connected camera, patched into realsense_live (see :class:`FakeRealSense`)."""
    pytest.importorskip("pyrealsense2")
    from neuroface_studio.acquisition import realsense_live

    fake = FakeRealSense()
    monkeypatch.setattr(realsense_live, "import_rs", lambda error=None: fake)
    return fake
