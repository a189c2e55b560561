"""Capture thread -> queue -> writer thread, with real files and a real frame source."""

import errno
import threading
from pathlib import Path

import numpy as np
import pytest

from neuroface_studio.acquisition.recorder import CaptureSession
from neuroface_studio.acquisition.source import Frame, SourceError
from neuroface_studio.domain.camera import CameraInfo, Intrinsics
from neuroface_studio.store import recording_file
from neuroface_studio.store.recording_file import RecordingReader

INTR = Intrinsics(64, 48, 60.0, 60.0, 32.0, 24.0)


class CountingSource:
    """A finite source of numbered frames (pixel value = frame index), optionally with
    device-side gaps and a failure after ``fail_after`` frames."""

    is_live = False

    def __init__(self, n=40, skip=(), fail_after=None):
        self.n, self.skip, self.fail_after = n, set(skip), fail_after
        self.camera = CameraInfo(INTR, INTR, device="counting test source")
        self.fps = 30.0
        self._i = 0
        self.opened = self.closed = False

    def open(self):
        self.opened = True

    def close(self):
        self.closed = True

    def read(self, timeout_s=1.0):
        while self._i in self.skip:
            self._i += 1
        if self.fail_after is not None and self._i >= self.fail_after:
            raise SourceError("The camera stopped sending frames (USB cable unplugged?).")
        if self._i >= self.n:
            return None
        i = self._i
        self._i += 1
        return Frame(i, i / self.fps, np.full((48, 64, 3), i % 256, np.uint8), np.full((48, 64), i, np.uint16))


def _record(source, path, min_free_bytes=0, **kw):
    done = threading.Event()
    cap = CaptureSession(source, ended=done, **kw)
    seen = []
    cap.add_listener(lambda f: seen.append(f.index))
    cap.start_recording(path, "R1", "OPEN", "now", min_free_bytes=min_free_bytes)
    cap.start()
    assert done.wait(30)
    stats = cap.stop_recording()
    cap.stop()
    return stats, seen, cap


def test_every_frame_reaches_the_file_in_order(tmp_path):
    stats, seen, cap = _record(CountingSource(40), tmp_path / "r.h5")
    assert cap.end_of_stream and seen == list(range(40))
    assert stats.frames_written == 40 and stats.dropped == 0 and not stats.error
    with RecordingReader(tmp_path / "r.h5") as r:
        assert r.complete and r.n_frames == 40
        assert [int(r.color(i)[0, 0, 0]) for i in range(40)] == list(range(40))
        assert np.array_equal(r.frame_numbers(), np.arange(40))
    assert stats.summary()["mb_per_s"] > 0


def test_device_gaps_are_counted(tmp_path):
    stats, _, _ = _record(CountingSource(30, skip=(5, 6, 20)), tmp_path / "r.h5")
    assert stats.dropped_camera == 3 and stats.frames_written == 27
    with RecordingReader(tmp_path / "r.h5") as r:
        assert 5 not in r.frame_numbers() and r.frame_numbers()[5] == 7


def test_queue_overflow_is_counted_not_blocking(tmp_path, monkeypatch):
    real_append = recording_file.RecordingWriter.append
    gate = threading.Event()

    def slow_append(self, *a, **k):  # a disk that stalls until the capture is over
        gate.wait(10)
        return real_append(self, *a, **k)

    monkeypatch.setattr(recording_file.RecordingWriter, "append", slow_append)
    done = threading.Event()
    cap = CaptureSession(CountingSource(50), ended=done)
    sink = cap.start_recording(tmp_path / "r.h5", "R1", "OPEN", "now", queue_size=10)
    cap.start()
    cap.wait_ended(30)
    gate.set()
    stats = cap.stop_recording()
    cap.stop()
    assert sink.stats is stats
    assert stats.frames_captured == 50 and stats.dropped_queue >= 39 and stats.frames_written == 50 - stats.dropped_queue


def test_camera_lost_keeps_what_was_written(tmp_path):
    stats, _, cap = _record(CountingSource(100, fail_after=25), tmp_path / "r.h5")
    assert "unplugged" in cap.error and stats.frames_written == 25
    with RecordingReader(tmp_path / "r.h5") as r:
        assert r.n_frames == 25 and r.complete


def test_disk_full_stops_with_a_message_and_keeps_flushed_frames(tmp_path, monkeypatch):
    real_append = recording_file.RecordingWriter.append

    def append(self, *a, **k):
        if self.n_frames >= 35:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_append(self, *a, **k)

    monkeypatch.setattr(recording_file.RecordingWriter, "append", append)
    stats, _, cap = _record(CountingSource(100), tmp_path / "r.h5")
    assert "disk is full" in stats.error and "35 frames written" in stats.error
    with RecordingReader(tmp_path / "r.h5") as r:
        assert r.n_frames >= 30  # everything up to the last flush (every 30 frames at 30 fps)


def test_recording_file_that_exists_is_not_overwritten(tmp_path):
    (tmp_path / "r.h5").write_bytes(b"keep me")
    cap = CaptureSession(CountingSource(5))
    with pytest.raises(Exception, match="never overwritten"):
        cap.start_recording(tmp_path / "r.h5", "R1", "OPEN", "now")
    assert (tmp_path / "r.h5").read_bytes() == b"keep me"


class NoisySource(CountingSource):
    """Incompressible VGA-sized frames, to fill a small disk quickly."""

    def __init__(self, n):
        super().__init__(n)
        self.camera = CameraInfo(Intrinsics(320, 240, 300.0, 300.0, 160.0, 120.0),
                                 Intrinsics(320, 240, 300.0, 300.0, 160.0, 120.0))
        self._rng = np.random.default_rng(0)

    def read(self, timeout_s=1.0):
        if self._i >= self.n:
            return None
        i = self._i
        self._i += 1
        return Frame(i, i / self.fps, self._rng.integers(0, 256, (240, 320, 3), dtype=np.uint8),
                     self._rng.integers(0, 65535, (240, 320), dtype=np.uint16))


@pytest.fixture
def tiny_disk(tmp_path):
    """A real 24 MB file system (tmpfs); skipped where mounting is not permitted."""
    import subprocess
    mnt = tmp_path / "tiny"
    mnt.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=24m", "tmpfs", str(mnt)], capture_output=True).returncode:
        pytest.skip("cannot mount a small tmpfs here (needs root)")
    yield mnt
    subprocess.run(["umount", "-l", str(mnt)], check=False)


def test_filling_disk_stops_cleanly_with_a_sealed_file(tiny_disk):
    stats, _, cap = _record(NoisySource(200), tiny_disk / "r.h5", min_free_bytes=8 << 20)
    assert stats.error.startswith("Recording stopped: the disk is almost full") and "Free disk space" in stats.error
    assert 10 < stats.frames_written < 200
    with RecordingReader(tiny_disk / "r.h5") as r:
        assert r.complete and r.n_frames == stats.frames_written
        assert r.color(r.n_frames - 1).shape == (240, 320, 3)


def test_real_write_error_in_a_real_process_keeps_flushed_frames(tiny_disk):
    """No free-space margin: the disk really fills and a write fails (ENOSPC) in a recorder process.

    HDF5 crashed such a process while closing the file on a full disk (h5py 3.16); the file
    under HDF5 (store/guarded_file.py) now takes the failure: the reserve beside the recording
    finishes the frame, the recording stops with a message and the file is sealed."""
    import subprocess
    import sys
    import textwrap
    code = textwrap.dedent(f"""
        import sys
        sys.path.insert(0, {str(Path(__file__).parent)!r})
        from test_recorder import NoisySource, _record
        stats, _, cap = _record(NoisySource(200), {str(tiny_disk / "r.h5")!r}, min_free_bytes=0)
        print("ERROR:", stats.error)
        print("WRITTEN:", stats.frames_written)
    """)
    proc = subprocess.run([sys.executable, "-X", "faulthandler", "-c", code], capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr[-3000:]  # no crash
    written = int(proc.stdout.split("WRITTEN:")[1].split()[0])
    assert "Recording stopped: the disk is" in proc.stdout  # full, or almost full: stopped before it was
    with RecordingReader(tiny_disk / "r.h5") as r:
        assert r.n_frames == written >= 30
        assert r.color(r.n_frames - 1).shape == (240, 320, 3)


def test_frame_limit_stops_what_reaches_the_file(tmp_path):
    stats, _, _ = _record(CountingSource(100), tmp_path / "r.h5", max_frames=10)
    assert stats.frames_written == 10
    with RecordingReader(tmp_path / "r.h5") as r:
        assert r.n_frames == 10


def test_unexpected_writer_error_stops_visibly_and_finish_returns(tmp_path, monkeypatch):
    real_append = recording_file.RecordingWriter.append

    def append(self, *a, **k):
        if self.n_frames >= 5:
            raise RuntimeError("h5py hiccup")
        return real_append(self, *a, **k)

    monkeypatch.setattr(recording_file.RecordingWriter, "append", append)
    stats, _, cap = _record(CountingSource(300), tmp_path / "r.h5")
    assert "internal error" in stats.error and stats.frames_written == 5
    with RecordingReader(tmp_path / "r.h5") as r:
        assert r.n_frames == 5


def test_second_recording_is_refused_without_leaving_a_file(tmp_path):
    cap = CaptureSession(CountingSource(5))
    cap.start_recording(tmp_path / "a.h5", "A", "OPEN", "now")
    with pytest.raises(RuntimeError, match="already running"):
        cap.start_recording(tmp_path / "b.h5", "B", "OPEN", "now")
    assert not (tmp_path / "b.h5").exists()
    cap.stop_recording()
