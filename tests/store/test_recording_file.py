import subprocess
import sys
import textwrap

import h5py
import hdf5plugin  # noqa: F401  (registers the Blosc filter for plain h5py reads)
import numpy as np
import pytest

from neuroface_studio.domain.camera import CameraInfo, Intrinsics
from neuroface_studio.store.errors import RecordingFileError
from neuroface_studio.store.recording_file import RecordingReader, RecordingWriter

INTR = Intrinsics(64, 48, 60.0, 60.0, 32.0, 24.0)
CAM = CameraInfo(INTR, INTR, device="test")


def _frames(n, seed=0):
    rng = np.random.default_rng(seed)
    return [(rng.integers(0, 256, (48, 64, 3), dtype=np.uint8), rng.integers(0, 4000, (48, 64), dtype=np.uint16))
            for _ in range(n)]


def test_round_trip_is_bit_exact_and_readable_with_plain_h5py(tmp_path):
    frames = _frames(70)
    path = tmp_path / "r.h5"
    with RecordingWriter(path, "R1", "OPEN", 50.0, CAM, "2026-01-01T00:00:00") as w:
        for i, (c, d) in enumerate(frames):
            w.append(c, d, i / 50.0)
    with RecordingReader(path) as r:
        assert r.n_frames == 70 and r.complete and r.camera == CAM and r.fps == 50.0
        assert np.array_equal(r.color(69), frames[69][0]) and np.array_equal(r.depth(3), frames[3][1])
        assert r.timestamps_s()[-1] == pytest.approx(69 / 50.0)
        with pytest.raises(IndexError):
            r.color(70)
    with h5py.File(path, "r") as f:  # another lab's plain reader
        assert f.attrs["format"] == b"neuroface-studio-recording" and f.attrs["schema_version"] == 1
        assert f["color"].shape == (70, 48, 64, 3) and f["color"].chunks == (1, 48, 64, 3)
        assert str(hdf5plugin.BLOSC_ID) in f["color"]._filters and str(hdf5plugin.BLOSC_ID) in f["depth"]._filters
        assert np.array_equal(f["depth"][10], frames[10][1])


def test_never_overwrites(tmp_path):
    path = tmp_path / "r.h5"
    path.write_bytes(b"precious")
    with pytest.raises(RecordingFileError, match="never overwritten"):
        RecordingWriter(path, "R1", "OPEN", 50.0, CAM, "now")
    assert path.read_bytes() == b"precious"


def test_bad_files_give_clear_errors(tmp_path):
    with pytest.raises(RecordingFileError, match="missing"):
        RecordingReader(tmp_path / "none.h5")
    (tmp_path / "junk.h5").write_bytes(b"\x00" * 1000)
    with pytest.raises(RecordingFileError, match="not a readable HDF5"):
        RecordingReader(tmp_path / "junk.h5")
    with h5py.File(tmp_path / "other.h5", "w") as f:
        f["x"] = 1
    with pytest.raises(RecordingFileError, match="not a NeuroFace Studio recording"):
        RecordingReader(tmp_path / "other.h5")


def test_killed_writer_leaves_frames_up_to_last_flush(tmp_path):
    """A writer process killed mid-recording (no close) keeps every flushed frame."""
    path = tmp_path / "killed.h5"
    code = textwrap.dedent(f"""
        import os, numpy as np
        from neuroface_studio.domain.camera import CameraInfo, Intrinsics
        from neuroface_studio.store.recording_file import RecordingWriter
        i = Intrinsics(64, 48, 60.0, 60.0, 32.0, 24.0)
        import time
        w = RecordingWriter({str(path)!r}, "R1", "OPEN", 10.0, CameraInfo(i, i), "now")
        for k in range(25):
            if k == 10:
                time.sleep(0.6)  # past the 0.5 s flush deadline: frame 10's append flushes 0..10
            w.append(np.full((48, 64, 3), k, np.uint8), np.full((48, 64), k, np.uint16), k / 10.0)
        os._exit(9)  # killed: no close, no final flush
    """)
    subprocess.run([sys.executable, "-c", code], check=False, timeout=60)
    with RecordingReader(path) as r:
        assert not r.complete
        # flushed on a 0.5 s deadline: at least frames 0..10 are safe, the 14 appended right after are not
        assert 11 <= r.n_frames < 25
        assert r.color(10)[0, 0, 0] == 10 and r.depth(0)[0, 0] == 0
