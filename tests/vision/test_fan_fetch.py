"""fetch_fan with injected downloaders: never touches the network."""

from __future__ import annotations

import urllib.error

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("face_alignment")

from neuroface_studio.vision.errors import ModelUnavailableError, NotAModelError  # noqa: E402
from neuroface_studio.vision.fan import build_fan, load_fan_state  # noqa: E402
from neuroface_studio.vision.fan_fetch import (  # noqa: E402
    FAN4_FILENAME, FAN4_SHA256_PREFIX, FAN4_URL, fetch_fan, sha256_of,
)


def test_url_is_face_alignment_1_5_0_2dfan4():
    from face_alignment.api import models_urls

    assert FAN4_URL == models_urls["2DFAN-4"]
    assert FAN4_FILENAME.endswith(f"-{FAN4_SHA256_PREFIX}.pth.tar")


def test_fake_download_of_local_checkpoint(tmp_path):
    calls = []

    def downloader(url, dest, progress):
        calls.append(url)
        torch.manual_seed(0)
        torch.save(build_fan(1).state_dict(), dest)
        if progress:
            progress(dest.stat().st_size, dest.stat().st_size)

    seen = []
    path = fetch_fan(tmp_path / "models", downloader, progress=lambda d, t: seen.append((d, t)),
                     sha256_prefix=None)
    assert calls == [FAN4_URL] and path.name == FAN4_FILENAME and seen
    assert load_fan_state(path)[1] == 1 and len(sha256_of(path)) == 64
    assert fetch_fan(tmp_path / "models", downloader, sha256_prefix=None) == path
    assert len(calls) == 1  # a valid file is reused
    with pytest.raises(ModelUnavailableError, match="does not start with the published"):
        fetch_fan(tmp_path / "models", downloader)  # our local file is not the official one
    assert not path.exists()


def test_garbage_download_is_deleted(tmp_path):
    def downloader(url, dest, progress):
        dest.write_text("<html>Service unavailable</html>")

    with pytest.raises(NotAModelError, match="was deleted"):
        fetch_fan(tmp_path, downloader)
    assert list(tmp_path.iterdir()) == []


def test_no_network_says_how_to_import_by_hand(tmp_path):
    def offline(url, dest, progress):
        raise urllib.error.URLError("[Errno -3] Temporary failure in name resolution")

    with pytest.raises(ModelUnavailableError, match="cannot reach .*models import FILE"):
        fetch_fan(tmp_path, offline)


def test_http_error(tmp_path):
    def not_found(url, dest, progress):
        raise urllib.error.HTTPError(url, 404, "Not Found", {}, None)

    with pytest.raises(ModelUnavailableError, match="HTTP 404"):
        fetch_fan(tmp_path, not_found)
