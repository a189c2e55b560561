"""Robustness sweep: every importer and loader fed damaged, truncated and wrong-type files.

Each reader must either read the file or raise the project's own error type with a message (the
CLI and GUI turn those into one clear line); never a TypeError/KeyError/OSError from deep inside,
never a hang, never a native crash, and never a change to the damaged file (it may be the only
copy). Mutations are seeded, so a failure names a reproducible case.

Mutations: truncation at several points, random bit flips, overwritten and zeroed blocks, an empty
file, random bytes, a PNG under the wrong name; for JSON files also structural mutations (a value
replaced by one of the wrong type, a field deleted) which byte noise rarely reaches.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from neuroface_studio.store.errors import StoreError

WRONG_VALUES = [None, "x", -1, 10**12, 1.5, [], {}, True, "", "../../x", float("nan"), float("inf")]


def byte_mutants(data: bytes, seed: int, n: int) -> list[tuple[str, bytes]]:
    rng = random.Random(seed)
    out = [("empty", b""), ("random bytes", rng.randbytes(512)), ("a PNG", b"\x89PNG\r\n\x1a\n" + bytes(100))]
    out += [(f"truncated at {f:.0%}", data[: int(len(data) * f)]) for f in (0.01, 0.1, 0.5, 0.9, 0.99)]
    for k in range(n):
        b = bytearray(data)
        kind = ("bit flips", "overwritten block", "zeroed block")[k % 3]
        if kind == "bit flips":
            for _ in range(rng.randint(1, 20)):
                i = rng.randrange(len(b))
                b[i] ^= 1 << rng.randrange(8)
        else:
            i, m = rng.randrange(len(b)), rng.randint(1, 4096)
            m = len(b[i:i + m])
            b[i:i + m] = rng.randbytes(m) if kind == "overwritten block" else bytes(m)
        out.append((f"{kind} #{k}", bytes(b)))
    return out


def _paths(node, prefix=()):
    yield prefix
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _paths(v, prefix + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _paths(v, prefix + (i,))


def json_mutants(data, seed: int, n: int) -> list[tuple[str, bytes]]:
    rng = random.Random(seed)
    where = [p for p in _paths(data) if p]
    out = []
    for _ in range(n):
        d = json.loads(json.dumps(data))
        path = rng.choice(where)
        parent = d
        for k in path[:-1]:
            parent = parent[k]
        if isinstance(parent, dict) and rng.random() < 0.25:
            del parent[path[-1]]
            label = f"deleted {path}"
        else:
            value = rng.choice(WRONG_VALUES)
            parent[path[-1]] = value
            label = f"{path} = {value!r}"
        out.append((label, json.dumps(d).encode()))
    return out


def sweep(target: Path, mutants, read, allowed=(StoreError,)) -> int:
    """Write each mutant to ``target`` and read it; returns how many were rejected. Fails on any
    other exception, and when a failed read changed the file."""
    rejected = 0
    for label, data in mutants:
        target.write_bytes(data)
        try:
            read(target)
        except allowed as exc:
            rejected += 1
            assert str(exc).strip(), f"{target.name} ({label}): empty error message"
            assert target.read_bytes() == data, f"{target.name} ({label}): a failed read changed the file"
        except Exception as exc:  # noqa: BLE001 - the point of the sweep
            pytest.fail(f"{target.name} ({label}): {type(exc).__name__}: {exc}")
    return rejected


@pytest.fixture(scope="module")
def master(tmp_path_factory):
    from simhelpers import simulate_project
    folder = tmp_path_factory.mktemp("robust") / "proj"
    simulate_project(folder, participants=1, groups=("HC",), tasks=("OPEN",), fps=10.0, duration_scale=0.1,
                     seed=3)
    return folder


# -- project file -------------------------------------------------------------------------------

def _load_and_use(folder: Path) -> None:
    """Load, summarise and save a copy: a project that loads must be usable, not a time bomb."""
    import shutil

    from neuroface_studio.app.summary import format_summary, project_summary
    from neuroface_studio.store.project_file import load_project, save_project
    project = load_project(folder)
    format_summary(project_summary(project))
    copy = folder.parent / "resaved"
    shutil.rmtree(copy, ignore_errors=True)
    copy.mkdir()
    save_project(project, copy)
    load_project(copy)


def test_project_file_wrong_types_and_missing_fields(master, tmp_path):
    import shutil
    folder = tmp_path / "p"
    shutil.copytree(master, folder)
    target = folder / "project.nfs.json"
    data = json.loads(target.read_text())
    rejected = sweep(target, json_mutants(data, seed=1, n=600), lambda p: _load_and_use(p.parent))
    assert rejected > 300  # most wrong types are refused, not silently accepted


def test_project_file_byte_damage(master, tmp_path):
    import shutil
    folder = tmp_path / "p"
    shutil.copytree(master, folder)
    target = folder / "project.nfs.json"
    assert sweep(target, byte_mutants(target.read_bytes(), seed=2, n=120), lambda p: _load_and_use(p.parent)) > 60


def test_damaged_project_file_message_names_the_field(master, tmp_path):
    import shutil

    from neuroface_studio.store.errors import CorruptProjectError
    from neuroface_studio.store.project_file import load_project
    folder = tmp_path / "p"
    shutil.copytree(master, folder)
    target = folder / "project.nfs.json"
    data = json.loads(target.read_text())
    data["recordings"][0]["fps"] = "fast"
    target.write_text(json.dumps(data))
    with pytest.raises(CorruptProjectError, match=r"recordings\[0\]\.fps must be a finite number"):
        load_project(folder)
    data["recordings"][0]["fps"] = 10.0
    data["recordings"][0]["file"] = "../../etc/passwd"
    target.write_text(json.dumps(data))
    with pytest.raises(CorruptProjectError, match="must be a path inside the project folder"):
        load_project(folder)


def test_cli_reports_a_damaged_project_in_one_line(master, tmp_path, capsys):
    import shutil

    from neuroface_studio.cli import main
    folder = tmp_path / "p"
    shutil.copytree(master, folder)
    data = json.loads((folder / "project.nfs.json").read_text())
    data["participants"] = {"P1": "HC"}
    (folder / "project.nfs.json").write_text(json.dumps(data))
    assert main(["project", "info", str(folder)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "participants must be a list" in err and "Traceback" not in err


# -- HDF5 files ---------------------------------------------------------------------------------

def _read_recording(path: Path) -> None:
    from neuroface_studio.store.recording_file import RecordingReader
    with RecordingReader(path) as r:
        for i in range(r.n_frames):
            r.color(i)
            r.depth(i)
        r.timestamps_s(), r.frame_numbers(), r.pose(), r.quality()


def test_recording_file_damage(master, tmp_path):
    """Includes damage to the chunk index, which used to hang HDF5's SWMR reader for ever."""
    data = (master / "recordings" / "SIM001-OPEN.h5").read_bytes()
    assert sweep(tmp_path / "r.h5", byte_mutants(data, seed=4, n=45), _read_recording) > 20


def test_half_written_recording_is_still_readable(tmp_path):
    """A writer killed mid-recording (consistency flags left set) opens in SWMR mode."""
    code = textwrap.dedent(f"""
        import os, numpy as np
        from neuroface_studio.domain.camera import CameraInfo, Intrinsics
        from neuroface_studio.store.recording_file import RecordingWriter
        intr = Intrinsics(32, 24, 30.0, 30.0, 16.0, 12.0)
        w = RecordingWriter({str(tmp_path / 'killed.h5')!r}, "R1", "OPEN", 10.0, CameraInfo(intr, intr), "now",
                            flush_every_s=0.0)
        for i in range(4):
            w.append(np.full((24, 32, 3), i, np.uint8), np.full((24, 32), i, np.uint16), i / 10)
        os._exit(0)
    """)
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)
    from neuroface_studio.store.recording_file import RecordingReader
    with RecordingReader(tmp_path / "killed.h5") as r:
        assert not r.complete and r.n_frames >= 3
        assert int(r.color(r.n_frames - 1)[0, 0, 0]) == r.n_frames - 1


def test_truth_file_damage(master, tmp_path):
    from neuroface_studio.store.truth_file import read_truth
    data = (master / "truth" / "SIM001-OPEN.h5").read_bytes()
    assert sweep(tmp_path / "t.h5", byte_mutants(data, seed=5, n=45), read_truth) > 20


def test_track_file_damage(tmp_path):
    from neuroface_studio.store.tracks_file import TrackWriter, read_track
    src = tmp_path / "src.h5"
    with TrackWriter.open(src, "R1", 6, {"name": "dlib68", "sha256": "x"}, {}, "now") as w:
        w.write(0, np.random.default_rng(0).uniform(0, 99, (6, 68, 2)), np.ones((6, 68)), np.ones(6, bool))
    assert sweep(tmp_path / "t.h5", byte_mutants(src.read_bytes(), seed=6, n=45), read_track) > 20


# -- text formats -------------------------------------------------------------------------------

def test_pts_damage(tmp_path):
    from neuroface_studio.store.pts import format_pts, read_pts
    good = format_pts(np.random.default_rng(1).uniform(0, 200, (68, 2))).encode()
    assert sweep(tmp_path / "a.pts", byte_mutants(good, seed=7, n=150), read_pts) > 100
    for text in ("version: 1\nn_points: 67\n{\n" + "1 2\n" * 67 + "}\n",
                 "version: 1\nn_points: 68\n{\n" + "1 2\n" * 67 + "1 two\n}\n",
                 "version: 1\nn_points: 68\n{\n" + "1 nan\n" * 68 + "}\n"):
        assert sweep(tmp_path / "b.pts", [("hand-made", text.encode())], read_pts) == 1


def test_annotation_csv_damage(tmp_path):
    from neuroface_studio.store.annotation_csv import CsvRow, read_csv, write_csv
    rows = [CsvRow(f"R{i}", i, "P1", "A1", "annotator", np.random.default_rng(i).uniform(0, 99, (68, 2)),
                   np.ones(68, bool)) for i in range(3)]
    write_csv(tmp_path / "good.csv", rows)
    sweep(tmp_path / "a.csv", byte_mutants((tmp_path / "good.csv").read_bytes(), seed=8, n=150), read_csv)


def test_annotation_journal_damage(tmp_path):
    from neuroface_studio.domain.annotations import LandmarkSet, LandmarkSource
    from neuroface_studio.store.journal import Journal, journal_path, read_journal
    j = Journal(tmp_path)
    for i in range(4):
        j.put(LandmarkSet(f"S{i}", "R1", i, np.random.default_rng(i).uniform(0, 99, (68, 2)),
                          LandmarkSource("annotator", annotator_id="A1"), "now"), "now", "A1")
    path = journal_path(tmp_path)
    good = path.read_bytes()
    sweep(path, byte_mutants(good, seed=9, n=120), lambda p: read_journal(p.parent))
    # a torn last line (the usual crash) costs that line only
    path.write_bytes(good[:-30])
    entries, skipped = read_journal(tmp_path)
    assert [e.set_id for e in entries] == ["S0", "S1", "S2"] and skipped == 1


def test_protocol_file_damage(tmp_path):
    from neuroface_studio.app.paths import protocol_file
    from neuroface_studio.store.protocol_file import load_protocol
    good = protocol_file().read_bytes()
    mutants = byte_mutants(good, seed=10, n=60) + json_mutants(json.loads(good), seed=11, n=200)
    sweep(tmp_path / "p.json", mutants, load_protocol)


def test_model_index_damage(tmp_path):
    from simhelpers import import_random_fan

    from neuroface_studio.store.model_index import ModelIndex
    from neuroface_studio.vision import registry
    store = import_random_fan(tmp_path / "store", tmp_path)
    path = store / "index.json"
    good = path.read_bytes()

    def read(_):
        ModelIndex(store).list(), ModelIndex(store).active()
        registry.list_models(store)

    mutants = byte_mutants(good, seed=12, n=60) + json_mutants(json.loads(good), seed=13, n=200)
    sweep(path, mutants, read, allowed=(StoreError, registry.ModelRegistryError))


def test_model_file_damage(tmp_path):
    """A model file is untrusted: damaged FAN weights are refused and nothing is registered."""
    import torch

    from neuroface_studio.vision import registry
    from neuroface_studio.vision.errors import NotAModelError
    from neuroface_studio.vision.fan import build_fan
    src = tmp_path / "fan.pth"
    torch.manual_seed(0)
    torch.save(build_fan(1).state_dict(), src)
    store = tmp_path / "store"

    def read(path):
        registry.import_model(path, "fan2d", store)
        registry.remove_model("fan2d", store)

    mutants = byte_mutants(src.read_bytes(), seed=14, n=6)
    assert sweep(tmp_path / "m.pth", mutants, read, allowed=(NotAModelError, registry.ModelRegistryError)) >= 8
    assert [m.name for m in registry.list_models(store) if m.name == "fan2d" and m.available] == []


# -- media --------------------------------------------------------------------------------------

def test_video_file_damage(tmp_path):
    import cv2

    from neuroface_studio.acquisition.source import SourceError
    from neuroface_studio.acquisition.video_file import VideoFileSource
    good = tmp_path / "good.mp4"
    w = cv2.VideoWriter(str(good), cv2.VideoWriter_fourcc(*"mp4v"), 10, (64, 48))
    for i in range(12):
        w.write(np.full((48, 64, 3), i * 20, np.uint8))
    w.release()

    def read(path):
        with VideoFileSource(path) as s:
            s.open()
            for _ in range(30):
                if s.read() is None:
                    break

    assert sweep(tmp_path / "v.mp4", byte_mutants(good.read_bytes(), seed=15, n=30), read,
                 allowed=(SourceError,)) >= 3


def test_image_file_damage(tmp_path):
    import cv2

    from neuroface_studio.app.image_landmarks import read_image_rgb
    ok, png = cv2.imencode(".png", np.random.default_rng(0).integers(0, 255, (40, 50, 3), np.uint8))
    ok2, jpg = cv2.imencode(".jpg", np.random.default_rng(1).integers(0, 255, (40, 50, 3), np.uint8))
    assert ok and ok2
    for name, good in (("i.png", png.tobytes()), ("i.jpg", jpg.tobytes())):
        sweep(tmp_path / name, byte_mutants(good, seed=16, n=40), read_image_rgb, allowed=(ValueError,))


@pytest.mark.slow
def test_realsense_file_damage_never_crashes(tmp_path):
    """librealsense is native code: each damaged file is opened in a child process, which must end
    normally (read the file or say what is wrong), never by a signal."""
    import importlib.util
    spec = importlib.util.spec_from_file_location("acq_conftest", Path(__file__).parent / "acquisition" / "conftest.py")
    acq = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(acq)
    good = tmp_path / "good.db3"
    acq.write_realsense_file(good, numbers=range(6))
    child = textwrap.dedent("""
        import sys
        from neuroface_studio.acquisition.realsense_file import RealSenseFileSource
        from neuroface_studio.acquisition.source import SourceError
        s = RealSenseFileSource(sys.argv[1])
        try:
            s.open()
            n = 0
            while n < 20 and s.read(timeout_s=2.0) is not None:
                n += 1
            s.close()
            print("read", n)
        except SourceError as exc:
            print("refused:", exc)
    """)
    outcomes = []
    for k, (label, data) in enumerate(byte_mutants(good.read_bytes(), seed=17, n=4)):
        path = tmp_path / f"m{k}.db3"
        path.write_bytes(data)
        r = subprocess.run([sys.executable, "-c", child, str(path)], capture_output=True, text=True, timeout=120)
        assert r.returncode == 0, f"{label}: exit {r.returncode}\n{r.stderr[-2000:]}"
        assert r.stdout.startswith(("read", "refused:")), f"{label}: {r.stdout} {r.stderr[-500:]}"
        outcomes.append(r.stdout.split()[0])
    assert "refused:" in outcomes
