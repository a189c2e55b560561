"""What the frozen app must carry besides Python modules: one list, read by the PyInstaller spec
(``neuroface-studio.spec``) and by ``tests/packaging/test_bundle_manifest.py`` (which fails when a
listed file moves, so a moved resource breaks CI instead of the shipped app).

Plain Python, no PyInstaller import, so the test runs without building anything.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

#: Repository files the code opens at run time. The code finds them as
#: ``Path(__file__).resolve().parents[2] / "resources"`` (app/paths.py, simulation/face_model.py,
#: vision/registry.py); in the bundle ``__file__`` is ``<_internal>/neuroface_studio/<pkg>/<mod>.py``,
#: so resources/ must sit at the top of ``_internal`` -- which is where the spec puts it.
REQUIRED_RESOURCES = (
    "resources/protocols/toronto_neuroface.json",  # default protocol of every new project
    "resources/faces/astronaut.json",  # reference landmarks of the simulated participants
)

#: Whole repository folders copied into the bundle (destination = same relative path), so new
#: protocols, faces or a shipped demo model (resources/models/fan-demo.pth) need no spec edit.
REPO_TREES = ("resources",)

#: Desktop integration files, copied next to the executable by build_linux.sh (not into _internal).
DESKTOP_FILES = (
    "packaging/neuroface-studio.desktop",
    "packaging/icons/neuroface-studio.svg",
    "packaging/icons/neuroface-studio-256.png",
    "packaging/icons/neuroface-studio-128.png",
    "packaging/icons/neuroface-studio-48.png",
)

#: Data files (or folders) inside installed packages that no PyInstaller hook collects
#: (package, path inside it). Only what is used: face_recognition_models also ships a 5-point
#: model, a CNN detector and a face-recognition network (~26 MB) that the app never loads.
PACKAGE_FILES = (
    ("face_recognition_models", "models/shape_predictor_68_face_landmarks.dat"),  # dlib 68-point
    ("skimage", "data/astronaut.png"),  # face of the simulated participants (hook-skimage.data takes only .pyi)
    # reportlab's fonts folder (Vera TTF, Type 1 metrics; 1.9 MB): the reports use the built-in
    # Helvetica today, which needs no file, but registering a TTF (non-Latin-1 text) needs these.
    ("reportlab", "fonts"),
)

#: The hdf5plugin filters left out of the bundle (names as in ``hdf5plugin.FILTERS``).
DROPPED_HDF5_FILTERS = ("sz", "sz3", "sperr", "zfp", "htj2k", "fcidecomp")

#: Files the hooks collect that no code path of the app opens, dropped from the bundle:
#: ``(destination prefix, destinations kept)``. The spec filters its datas and binaries with it.
DROPPED = (
    ("torch/test/", ()),  # torch's C++ test executables (83 MB)
    ("torch/bin/", ("torch/bin/torch_shm_manager",)),  # C++ tests and protoc; keep the shm manager
    # HDF5 filters for lossy scientific compressors (SZ, SZ3, SPERR, ZFP, HTJ2K, FCIDECOMP; ~130 MB).
    # Recordings use Blosc-LZ4; the lossless Blosc, Blosc2, Bitshuffle, LZ4, Zstd and BZip2 filters
    # stay. rthook_neuroface.py silences hdf5plugin's "File not found" log for exactly these.
    *((f"hdf5plugin/plugins/libh5{name}.", ()) for name in DROPPED_HDF5_FILTERS),
)


def package_dir(name: str) -> Path:
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError(f"package {name} is not installed")
    return Path(list(spec.submodule_search_locations)[0])


def repo_datas() -> list[tuple[str, str]]:
    """``(source, destination folder)`` pairs in PyInstaller's ``datas`` format."""
    return [(str(ROOT / tree), tree) for tree in REPO_TREES]


def package_datas() -> list[tuple[str, str]]:
    out = []
    for package, rel in PACKAGE_FILES:
        src = package_dir(package) / rel
        dest = Path(package) / (rel if src.is_dir() else Path(rel).parent)  # a folder: its contents go there
        out.append((str(src), str(dest)))
    return out


def missing() -> list[str]:
    """Every listed file that does not exist (empty when the bundle can be built)."""
    gone = [rel for rel in (*REQUIRED_RESOURCES, *REPO_TREES, *DESKTOP_FILES) if not (ROOT / rel).exists()]
    for package, rel in PACKAGE_FILES:
        try:
            if not (package_dir(package) / rel).exists():
                gone.append(f"{package}/{rel}")
        except ModuleNotFoundError as exc:
            gone.append(str(exc))
    return gone
