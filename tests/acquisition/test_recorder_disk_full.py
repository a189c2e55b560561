"""Issue 17 #1/#2/#5: a disk that fills up (another process, or ENOSPC at any byte) ends a
recording with a message and every flushed frame, never a crash; flushes keep a deadline."""

from __future__ import annotations

import errno
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

from neuroface_studio.acquisition.recorder import FLUSH_DEADLINE_S, RecordingSink
from neuroface_studio.acquisition.source import Frame
from neuroface_studio.domain.camera import CameraInfo, Intrinsics
from neuroface_studio.store.errors import RecordingFileError
from neuroface_studio.store.guarded_file import lookup3, reserve_path
from neuroface_studio.store.recording_file import RecordingReader

INTR = Intrinsics(160, 120, 150.0, 150.0, 80.0, 60.0)
CAM = CameraInfo(color=INTR, depth=INTR, device="disk-full test")


def _frames(n, seed=0):
    rng = np.random.default_rng(seed)
    for i in range(n):  # noisy frames: they compress badly, like a real camera's
        yield Frame(index=i, timestamp_s=i / 30, color=rng.integers(0, 255, (120, 160, 3), dtype=np.uint8),
                    depth=rng.integers(0, 4000, (120, 160), dtype=np.uint16))


def _record(path, frames, fault=None, pause=0.0, reserve_bytes=None):
    sink = RecordingSink(path, "R1", "OPEN", 30.0, CAM, "2026-12-06T10:00:00", min_free_bytes=0)
    if fault is not None:
        sink.writer_options["fault"] = fault
    if reserve_bytes is not None:
        sink.writer_options["reserve_bytes"] = reserve_bytes
    sink.start()
    for f in frames:
        sink.offer(f)
        if pause:
            time.sleep(pause)
        if sink.failed:
            break
    return sink.finish()


def test_lookup3_matches_hdf5s_superblock_checksum(tmp_path):
    import h5py
    path = tmp_path / "x.h5"
    with h5py.File(path, "w", libver="latest"):
        pass
    head = path.read_bytes()[:48]
    size = 12 + 4 * head[9]
    assert lookup3(head[:size]) == int.from_bytes(head[size:size + 4], "little")


def test_enospc_that_the_reserve_absorbs_seals_every_frame(tmp_path):
    seen = {"hit": False}

    def once(offset, nbytes, total):  # the disk fills once; deleting the reserve frees room
        if total > 400_000 and not seen["hit"]:
            seen["hit"] = True
            return OSError(errno.ENOSPC, "No space left on device")
        return None

    stats = _record(tmp_path / "r.h5", _frames(200), fault=once)
    assert seen["hit"] and stats.stop_reason == "disk full" and "disk is full" in stats.error
    with RecordingReader(tmp_path / "r.h5") as r:
        assert r.complete and r.n_frames == stats.frames_written > 0
    assert not reserve_path(tmp_path / "r.h5").exists()


def test_enospc_at_20_byte_offsets_never_crashes_and_keeps_flushed_frames(tmp_path):
    """Run in a child process: a crash (the segfault this replaces) fails the test, not pytest."""
    code = textwrap.dedent(f"""
        import errno, json, sys, time
        sys.path.insert(0, {str(Path(__file__).parent)!r})
        from test_recorder_disk_full import _frames, _record
        from neuroface_studio.store.recording_file import RecordingReader
        from pathlib import Path
        out = []
        for k, limit in enumerate(range(50_000, 5_050_000, 250_000)):
            def full(offset, nbytes, total, limit=limit):  # from this byte on the disk stays full
                return OSError(errno.ENOSPC, "No space left on device") if total + nbytes > limit else None
            path = Path({str(tmp_path)!r}) / f"r{{k}}.h5"
            try:
                stats = _record(path, _frames(60, seed=k), fault=full, pause=0.02)
            except Exception as exc:  # refused at the start: nothing may be left behind
                out.append(("refused", str(exc), path.exists()))
                continue
            try:
                with RecordingReader(path) as r:
                    ok = all(int(r.timestamps_s()[i] * 30 + 0.5) == i for i in range(r.n_frames))
                    out.append(("kept", stats.frames_written, r.n_frames, ok, stats.error))
            except Exception as exc:
                out.append(("unreadable", stats.frames_written, str(exc), stats.error))
        print(json.dumps(out))
    """)
    env = {**os.environ, "NEUROFACE_BLOCK_QT": "1"}
    proc = subprocess.run([sys.executable, "-X", "faulthandler", "-c", code], capture_output=True, text=True,
                          env=env, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    import json
    results = json.loads(proc.stdout.strip().splitlines()[-1])
    assert len(results) == 20
    for res in results:
        if res[0] == "refused":
            assert "nothing was recorded" in res[1] and not res[2]
            continue
        assert res[0] == "kept", res
        _, reported, readable, ordered, error = res
        assert readable == reported and ordered  # the message's count is what the file holds
        if error or reported < 60:  # the disk filled before the end (the last limits leave room for all)
            assert "disk is full" in error
    assert sum(r[0] == "kept" and r[2] > 0 for r in results) >= 10


def test_no_room_for_the_reserve_says_nothing_was_recorded(tmp_path):
    def full(offset, nbytes, total):
        return OSError(errno.ENOSPC, "No space left on device")
    with pytest.raises(RecordingFileError, match="nothing was recorded"):
        _record(tmp_path / "r.h5", _frames(3), fault=full)
    assert not (tmp_path / "r.h5").exists() and not reserve_path(tmp_path / "r.h5").exists()


def test_flush_keeps_its_deadline_when_frames_stall(tmp_path):
    """A camera that delivers a burst then stalls: the burst is on disk within the deadline."""
    path = tmp_path / "r.h5"
    sink = RecordingSink(path, "R1", "OPEN", 30.0, CAM, "2026-12-06T10:00:00", min_free_bytes=0)
    sink.start()
    for f in _frames(5):
        sink.offer(f)
    time.sleep(FLUSH_DEADLINE_S * 2 + 0.5)
    with RecordingReader(path) as r:  # read while the writer is still open (SWMR)
        assert r.n_frames == 5
    sink.finish()


def _tmpfs(folder: Path, size_mb: int) -> bool:
    folder.mkdir(parents=True, exist_ok=True)
    return subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size_mb}m", "tmpfs", str(folder)],
                          capture_output=True).returncode == 0


@pytest.mark.slow
def test_another_process_fills_a_real_disk_during_a_recording(tmp_path):
    """A real small file system (tmpfs) filled with fallocate by another process mid-recording."""
    import shutil
    disk = tmp_path / "disk"
    if not _tmpfs(disk, 48):
        pytest.skip("cannot mount a tmpfs here (needs root); the byte-level ENOSPC tests above still run")
    try:
        for k in range(3):
            path = disk / f"r{k}.h5"
            filler = disk / "filler"
            code = textwrap.dedent(f"""
                import sys, time
                sys.path.insert(0, {str(Path(__file__).parent)!r})
                from test_recorder_disk_full import _frames, _record
                stats = _record({str(path)!r}, _frames(400, seed={k}), pause=0.01)
                print(stats.frames_written, "|", stats.error)
            """)
            proc = subprocess.Popen([sys.executable, "-X", "faulthandler", "-c", code], stdout=subprocess.PIPE,
                                    stderr=subprocess.PIPE, text=True, env={**os.environ, "NEUROFACE_BLOCK_QT": "1"})
            deadline = time.monotonic() + 60
            while not reserve_path(path).exists() and proc.poll() is None and time.monotonic() < deadline:
                time.sleep(0.05)  # the recording has started once its reserve exists
            time.sleep(0.6 + 0.3 * k)
            subprocess.run(["dd", "if=/dev/zero", f"of={filler}", "bs=1M"], capture_output=True)  # takes all that is left
            out, err = proc.communicate(timeout=120)
            assert proc.returncode == 0, err[-3000:]
            assert out.strip(), (err[-2000:], sorted(p.name for p in disk.iterdir()), shutil.disk_usage(disk))
            written = int(out.split("|")[0])
            with RecordingReader(path) as r:
                assert r.n_frames == written > 0
            assert "disk" in out
            filler.unlink(missing_ok=True)
            path.unlink()
    finally:
        subprocess.run(["umount", "-l", str(disk)], capture_output=True)


def test_disk_almost_full_at_the_start_says_what_is_true(tmp_path):
    """Issue 17 #2: on a 60 MB disk `record` said 'The 0 frames written are kept in P001-SMILE.h5'
    about a file it had deleted."""
    disk = tmp_path / "disk"
    if not _tmpfs(disk, 60):
        pytest.skip("cannot mount a tmpfs here (needs root)")
    try:
        env = {**os.environ, "NEUROFACE_BLOCK_QT": "1"}
        cli = [sys.executable, "-m", "neuroface_studio"]
        proj = disk / "proj"
        for args in (["project", "create", str(proj)], ["participant", "add", str(proj), "--id", "P001", "--group", "HC"]):
            subprocess.run(cli + args, check=True, capture_output=True, env=env, timeout=120)
        proc = subprocess.run(cli + ["record", str(proj), "--participant", "P001", "--task", "SMILE", "--duration", "1"],
                              capture_output=True, text=True, env=env, timeout=120)
        assert proc.returncode == 2
        assert "No frame was written, so no recording is added" in proc.stderr and "kept in" not in proc.stderr
        assert list((proj / "recordings").glob("*")) == []
    finally:
        subprocess.run(["umount", "-l", str(disk)], capture_output=True)
