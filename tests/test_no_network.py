"""No network at run time (issue 10): the headless flows, the heavy imports and the GUI open no socket.

The guard (tests/netguard.py) is a Python audit hook: it refuses and records every DNS lookup,
urllib/http.client request and every non-local socket (AF_INET/AF_INET6 created, connected,
bound or sent from). Local AF_UNIX sockets are allowed (Qt/D-Bus would use them); the tests
print them. The only code that may reach the network is ``models fetch`` (the official FAN
weights), and the tests show that the guard does catch it when it tries.
"""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
from netguard import SUBPROCESS_PRELUDE, NetworkBlocked, NetworkGuard
from simhelpers import simulate_project

from neuroface_studio.cli import main

TESTS = str(Path(__file__).parent)


@pytest.fixture
def guard():
    with NetworkGuard() as g:
        yield g
    assert g.attempts == [], g.attempts
    if g.local:
        print("local sockets (allowed):", g.local)


def test_the_guard_catches_network_use(tmp_path):
    import socket
    with NetworkGuard() as g:
        with pytest.raises(NetworkBlocked):
            urllib.request.urlopen("http://example.org/", timeout=2)  # noqa: S310
        with pytest.raises(NetworkBlocked):
            socket.create_connection(("127.0.0.1", 9), timeout=1)
        with pytest.raises(NetworkBlocked):
            socket.getaddrinfo("localhost", 80)
    assert len(g.attempts) == 3 and "example.org" in g.attempts[0]


def test_models_fetch_is_the_explicit_way_out(tmp_path):
    """`models fetch` reaches for the network (the guard sees it and the user gets a clear error);
    with an injected downloader (how tests and offline imports work) it needs none."""
    pytest.importorskip("torch")
    pytest.importorskip("face_alignment")
    from neuroface_studio.vision import registry
    from neuroface_studio.vision.errors import ModelUnavailableError
    with NetworkGuard() as g:
        with pytest.raises((NetworkBlocked, ModelUnavailableError)):
            registry.fetch_model("fan2d", store_dir=tmp_path / "store")
    assert g.attempts and "adrianbulat.com" in " ".join(g.attempts)

    import torch

    from neuroface_studio.vision.fan import build_fan

    def downloader(url, dest, progress):
        torch.manual_seed(0)
        torch.save(build_fan(1).state_dict(), dest)
    from neuroface_studio.vision import fan_fetch
    with NetworkGuard() as g2:
        path = fan_fetch.fetch_fan(tmp_path / "dl", downloader, sha256_prefix=None)
    assert path.is_file() and g2.attempts == []


def test_imports_and_help_in_a_fresh_interpreter_open_no_socket():
    """torch, face-alignment, numba, onnxruntime, dlib, OpenCV, h5py, reportlab, dask, PySide6:
    importing them (and every module of the app) contacts nothing."""
    code = SUBPROCESS_PRELUDE.format(tests=TESTS) + """
import importlib, pkgutil
import neuroface_studio
for m in ("torch", "face_alignment", "numba", "onnxruntime", "dlib", "cv2", "h5py", "hdf5plugin", "sklearn",
          "scipy.signal", "reportlab.pdfgen.canvas", "PySide6.QtWidgets", "pyqtgraph", "dask", "distributed"):
    try:
        importlib.import_module(m)
    except ImportError as exc:
        print("not installed:", m, exc, file=sys.stderr)
for info in pkgutil.walk_packages(neuroface_studio.__path__, "neuroface_studio."):
    importlib.import_module(info.name)
from neuroface_studio.cli import main
try:
    main(["--help"])
except SystemExit:
    pass
"""
    env = {**__import__("os").environ, "QT_QPA_PLATFORM": "offscreen"}
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, env=env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    line = next(x for x in proc.stdout.splitlines() if x.startswith("NETGUARD "))
    seen = json.loads(line[len("NETGUARD "):])
    assert seen["attempts"] == [], seen


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    return tmp_path_factory.mktemp("models")


def test_headless_study_flow_opens_no_socket(guard, tmp_path, store, capsys, monkeypatch):
    """create -> simulate -> landmark (dlib) -> record (synthetic) -> segment -> features -> report
    -> export (recordings blurred, classification) -> models list -> project info/audit."""
    monkeypatch.setenv("NEUROFACE_HOME", str(tmp_path / "home"))
    proj = tmp_path / "study"
    p = str(proj)
    assert main(["project", "create", p]) == 0
    assert main(["simulate", p, "--participants", "4", "--groups", "HC,ALS", "--tasks", "OPEN", "--fps", "8",
                 "--duration-scale", "0.25", "--annotators", "1", "--seed", "2"]) == 0
    assert main(["landmark", p, "--model", "dlib68", "--store", str(store)]) == 0
    assert main(["record", p, "--participant", "SIM001", "--task", "SPREAD", "--source", "synthetic",
                 "--duration", "0.5", "--fps", "8"]) == 0
    assert main(["segment", p, "--apply", "--model", "dlib68", "--store", str(store)]) == 0
    assert main(["features", p, "--model", "dlib68", "--csv", str(tmp_path / "f.csv")]) == 0
    pytest.importorskip("reportlab")
    assert main(["report", p, "--participant", "SIM002", "--out", str(tmp_path / "r.pdf"),
                 "--model", "dlib68"]) == 0
    assert main(["annotations", "export", p, "--out", str(tmp_path / "a.csv"), "--format", "csv"]) == 0
    assert main(["export", p, "--out", str(tmp_path / "share"), "--include", "landmarks,features,results,recordings",
                 "--blur-faces", "--model", "dlib68", "--trees", "20", "--all-participants"]) == 0
    manifest = json.loads((tmp_path / "share" / "manifest.json").read_text())
    assert manifest["results"]["classification"] == 1 and manifest["recordings"]["faces_blurred"]
    assert main(["models", "--store", str(store), "list"]) == 0
    assert main(["project", "info", p]) == 0
    out = capsys.readouterr().out
    assert "exported landmarks, features, results, recordings" in out
    assert main(["project", "audit", p, "--json"]) == 0
    audit = json.loads(capsys.readouterr().out)["audit_log"]
    assert {"create project", "simulate", "landmark", "record", "segment", "export"} <= {r["action"] for r in audit}
    assert all(r["user"] and r["time"] and r["detail"] for r in audit)  # who, when and what, every time
    videos = manifest["recordings"]["videos"]
    assert videos["SIM001-SPREAD"]["frames"] >= 1  # the recording made above


def test_fan_landmarking_with_torch_opens_no_socket(guard, tmp_path, store):
    """The FAN path (torch, face-alignment's architecture) on one recording, under the guard."""
    pytest.importorskip("torch")
    from simhelpers import import_random_fan
    proj = simulate_project(tmp_path / "fan", participants=1, groups=("HC",), tasks=("OPEN",), fps=2,
                            duration_scale=0.2, annotators=0)
    import_random_fan(store, tmp_path, name="fanx")
    assert main(["landmark", str(proj), "--model", "fanx", "--store", str(store)]) == 0
