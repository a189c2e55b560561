"""Download the official 2D-FAN weights of face-alignment 1.5.0, on request only.

Nothing here touches the network at import time. :func:`fetch_fan` downloads through an
injectable ``downloader(url, dest_path, progress)`` (default: urllib, streamed to a temp
file, renamed into place), validates the file with :func:`~.fan.load_fan_state`, checks its
sha256 against the prefix face-alignment publishes in the file name (torch.hub convention:
``2DFAN4-<first 10 hex digits of sha256>.pth.tar``) and returns the path.
"""

from __future__ import annotations

import hashlib
import os
import socket
import tempfile
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

from neuroface_studio.vision.errors import ModelUnavailableError, NotAModelError

#: face_alignment/api.py models_urls['2DFAN-4'] in face-alignment 1.5.0.
FAN4_URL = "https://www.adrianbulat.com/downloads/python-fan/2DFAN4-11f355bf06.pth.tar"
FAN4_FILENAME = "2DFAN4-11f355bf06.pth.tar"
#: The project publishes only this sha256 prefix (in the file name); no full hash is published.
FAN4_SHA256_PREFIX = "11f355bf06"
TIMEOUT_S = 30.0
#: an institutional mirror of the same file (its sha256 is still checked against the published prefix)
URL_ENV = "NEUROFACE_FAN_URL"
OFFLINE_HINT = ("on an offline PC use `neuroface-studio models import FILE` with the file copied by hand "
                f"from {FAN4_URL}")

#: ``progress(done_bytes, total_bytes or None)``
Progress = Callable[[int, "int | None"], None]
Downloader = Callable[[str, Path, "Progress | None"], None]


def fan_url() -> str:
    """Where ``models fetch fan2d`` downloads from: ``$NEUROFACE_FAN_URL`` (a mirror) or :data:`FAN4_URL`."""
    return os.environ.get(URL_ENV, "").strip() or FAN4_URL


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with Path(path).open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def urllib_download(url: str, dest: Path, progress: Progress | None = None, timeout: float = TIMEOUT_S) -> None:
    """Stream ``url`` into ``dest`` (temp file in the same folder, fsync, atomic rename)."""
    dest = Path(dest)
    fd, tmp = tempfile.mkstemp(prefix=dest.name + ".", suffix=".part", dir=dest.parent)
    try:
        with os.fdopen(fd, "wb") as out, urllib.request.urlopen(url, timeout=timeout) as resp:  # noqa: S310
            total = resp.headers.get("Content-Length")
            total = int(total) if total and total.isdigit() else None
            done = 0
            while chunk := resp.read(1 << 20):
                out.write(chunk)
                done += len(chunk)
                if progress is not None:
                    progress(done, total)
            out.flush()
            os.fsync(out.fileno())
        if total is not None and done != total:
            raise OSError(f"download of {url} stopped after {done} of {total} bytes")
        os.replace(tmp, dest)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def fetch_fan(dest_dir: str | Path, downloader: Downloader | None = None, progress: Progress | None = None,
              url: str | None = None, sha256_prefix: str | None = "published") -> Path:
    """Download and validate the official 2DFAN-4 weights into ``dest_dir``; return the file path.

    ``url``: default :func:`fan_url`. ``sha256_prefix``: "published" checks the hash prefix face-alignment publishes in the file
    name (:data:`FAN4_SHA256_PREFIX`); None skips the check (tests with locally built files).

    An existing valid file is reused. Raises ModelUnavailableError (no network, HTTP error,
    hash mismatch: with what to do instead) or NotAModelError (the download is not FAN weights;
    it is deleted). The file's full sha256 is returned by :func:`sha256_of` for provenance.
    """
    from neuroface_studio.vision.fan import load_fan_state

    if sha256_prefix == "published":
        sha256_prefix = FAN4_SHA256_PREFIX
    url = url or fan_url()
    dest_dir = Path(dest_dir)
    dest_dir.mkdir(parents=True, exist_ok=True)
    dest = dest_dir / url.rsplit("/", 1)[-1]
    if dest.is_file():
        try:
            load_fan_state(dest)
            _check_hash(dest, sha256_prefix, url)
            return dest
        except (NotAModelError, ModelUnavailableError):
            dest.unlink(missing_ok=True)  # invalid or not the published file: download again
    download = downloader or urllib_download
    try:
        download(url, dest, progress)
    except urllib.error.HTTPError as exc:
        raise ModelUnavailableError(f"the FAN weights could not be downloaded: {url} answered HTTP {exc.code} "
                                    f"({exc.reason}); {OFFLINE_HINT}") from exc
    except (urllib.error.URLError, socket.timeout, TimeoutError, ConnectionError) as exc:
        reason = getattr(exc, "reason", exc)
        raise ModelUnavailableError(f"cannot reach {url} ({reason}) — {OFFLINE_HINT}") from exc
    if not dest.is_file():
        raise ModelUnavailableError(f"the download of {url} produced no file; {OFFLINE_HINT}")
    try:
        load_fan_state(dest)
    except NotAModelError as exc:
        dest.unlink()
        raise NotAModelError(f"the file downloaded from {url} was deleted: {exc}") from exc
    _check_hash(dest, sha256_prefix, url)
    return dest


def _check_hash(path: Path, sha256_prefix: str | None, url: str) -> None:
    if not sha256_prefix:
        return
    digest = sha256_of(path)
    if not digest.startswith(sha256_prefix):
        path.unlink()
        raise ModelUnavailableError(
            f"the file downloaded from {url} has sha256 {digest}, which does not start with the published "
            f"{sha256_prefix}; it was deleted (corrupted or replaced download); {OFFLINE_HINT}")
