"""Fast checks of the packaging files (no build): every file the PyInstaller spec bundles exists,
the files the code opens at run time lie inside what is bundled, and the desktop entry and icons
are well formed. A moved or renamed resource fails here instead of in the shipped app."""

from __future__ import annotations

import configparser
import importlib.util
import os
import shutil
import struct
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGING = ROOT / "packaging"


def _manifest():
    spec = importlib.util.spec_from_file_location("bundle_manifest", PACKAGING / "bundle_manifest.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_bundled_file_exists():
    m = _manifest()
    assert m.missing() == []
    for src, dest in m.repo_datas() + m.package_datas():
        assert Path(src).exists(), src
        assert not Path(dest).is_absolute()


def test_spec_takes_its_data_and_entry_from_the_packaging_folder():
    spec = (PACKAGING / "neuroface-studio.spec").read_text()
    assert "manifest.repo_datas() + manifest.package_datas()" in spec
    assert 'collect_submodules("neuroface_studio")' in spec
    for name in ("neuroface_studio_main.py", "rthook_neuroface.py"):
        assert f'"{name}"' in spec and (PACKAGING / name).is_file()
    assert "freeze_support()" in (PACKAGING / "neuroface_studio_main.py").read_text()


def test_resources_the_code_opens_are_inside_the_bundled_trees():
    from neuroface_studio.app.paths import protocol_file, resources_dir
    from neuroface_studio.simulation.face_model import FACE_JSON

    m = _manifest()
    trees = [ROOT / t for t in m.REPO_TREES]
    assert resources_dir() == ROOT / "resources"
    for path in (protocol_file(), FACE_JSON, *(ROOT / r for r in m.REQUIRED_RESOURCES)):
        assert path.is_file(), path
        assert any(path.is_relative_to(t) for t in trees), f"{path} is not in a bundled tree"


def _png_size(path: Path) -> tuple[int, int]:
    head = path.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n", path
    return struct.unpack(">II", head[16:24])


def test_desktop_entry_and_icons():
    entry = configparser.ConfigParser(interpolation=None)
    entry.optionxform = str
    entry.read(PACKAGING / "neuroface-studio.desktop")
    d = entry["Desktop Entry"]
    assert d["Type"] == "Application" and d["Name"] == "NeuroFace Studio"
    assert d["Exec"].startswith("neuroface-studio gui")  # install-desktop-entry.sh rewrites this prefix
    assert d["Icon"] == "neuroface-studio"
    for size in (48, 128, 256):
        assert _png_size(PACKAGING / "icons" / f"neuroface-studio-{size}.png") == (size, size)
    svg = (PACKAGING / "icons" / "neuroface-studio.svg").read_text()
    assert svg.count("<circle") == 68  # one dot per landmark


@pytest.mark.parametrize("script", ["build_linux.sh", "install-desktop-entry.sh"])
def test_shell_scripts_parse_and_are_executable(script):
    path = PACKAGING / script
    assert os.access(path, os.X_OK), f"{script} is not executable"
    if shutil.which("bash") is None:
        pytest.skip("no bash")
    proc = subprocess.run(["bash", "-n", str(path)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr


def test_install_desktop_entry_points_exec_at_the_app_folder(tmp_path):
    """The script shipped inside the app folder, run as build_linux.sh lays the folder out."""
    if shutil.which("bash") is None:
        pytest.skip("no bash")
    app = tmp_path / "My Apps" / "NeuroFace-Studio"
    (app / "share" / "icons").mkdir(parents=True)
    shutil.copy(PACKAGING / "neuroface-studio.desktop", app / "share")
    for icon in (PACKAGING / "icons").iterdir():
        shutil.copy(icon, app / "share" / "icons")
    shutil.copy(PACKAGING / "install-desktop-entry.sh", app)
    data = tmp_path / "data"
    env = dict(os.environ, XDG_DATA_HOME=str(data))
    proc = subprocess.run(["bash", str(app / "install-desktop-entry.sh")], env=env, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    entry = (data / "applications" / "neuroface-studio.desktop").read_text()
    assert f'Exec="{app}/neuroface-studio" gui %f' in entry.splitlines()
    assert (data / "icons" / "hicolor" / "48x48" / "apps" / "neuroface-studio.png").is_file()
    assert (data / "icons" / "hicolor" / "scalable" / "apps" / "neuroface-studio.svg").is_file()
    proc = subprocess.run(["bash", str(app / "install-desktop-entry.sh"), "--remove"], env=env,
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert not (data / "applications" / "neuroface-studio.desktop").exists()


def test_dropped_files_are_real_and_spare_what_recordings_need():
    """Each dropped prefix still matches installed files (no stale entry), the HDF5 filters left out
    are real hdf5plugin filter names, the runtime hook silences exactly those, and the Blosc
    filter that recordings are written with stays."""
    import ast

    import hdf5plugin

    m = _manifest()
    for prefix, keep in m.DROPPED:
        package, _, rest = prefix.partition("/")
        folder, _, stem = rest.rpartition("/")
        matches = list((m.package_dir(package) / folder).glob(stem + "*"))
        assert matches, f"nothing installed matches dropped prefix {prefix}"
        for kept in keep:
            assert (m.package_dir(package) / kept.partition("/")[2]).exists(), kept
    assert set(m.DROPPED_HDF5_FILTERS) <= set(hdf5plugin.FILTERS)
    assert "blosc" not in m.DROPPED_HDF5_FILTERS
    hook = ast.parse((PACKAGING / "rthook_neuroface.py").read_text())
    left_out = next(ast.literal_eval(node.value) for node in ast.walk(hook)
                    if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "_LEFT_OUT")
    assert tuple(left_out) == tuple(m.DROPPED_HDF5_FILTERS)
