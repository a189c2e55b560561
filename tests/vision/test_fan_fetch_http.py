"""`models fetch fan2d` over real HTTP: a 4 x 256 @ 256 state dict served from 127.0.0.1.

The weights are face-alignment's own ``FAN(4)`` with random weights, saved with ``torch.save``
under the official file name and served by ``http.server`` in a thread. The fetch path is the
real one (urllib streaming to a temp file, validation, sha256 check, registration), run under
the no-network guard with loopback allowed: any other host would be refused.
"""

from __future__ import annotations

import functools
import http.server
import threading

import pytest

torch = pytest.importorskip("torch")
fa_fan = pytest.importorskip("face_alignment.models.fan")

from netguard import NetworkBlocked, NetworkGuard  # noqa: E402

from neuroface_studio.cli import main  # noqa: E402
from neuroface_studio.vision import registry  # noqa: E402
from neuroface_studio.vision.errors import ModelUnavailableError, NotAModelError  # noqa: E402
from neuroface_studio.vision.fan_fetch import FAN4_FILENAME, URL_ENV, sha256_of  # noqa: E402


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:  # no request lines on stderr
        pass


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """``(base_url, folder, sha256)``: 127.0.0.1 serving ``folder``, which holds the FAN(4) file and a web page."""
    folder = tmp_path_factory.mktemp("served")
    torch.manual_seed(0)
    torch.save(fa_fan.FAN(4).state_dict(), folder / FAN4_FILENAME)
    (folder / "error").mkdir()
    (folder / "error" / FAN4_FILENAME).write_text("<html><body>Service unavailable</body></html>")
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(folder)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}", folder, sha256_of(folder / FAN4_FILENAME)
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_fetch_registers_the_served_fan4(server, tmp_path):
    base, folder, sha = server
    seen = []
    with NetworkGuard(allow_loopback=True) as guard:
        row = registry.fetch_model(store_dir=tmp_path, url=f"{base}/{FAN4_FILENAME}", sha256_prefix=sha[:10],
                                   progress=lambda done, total: seen.append((done, total)))
    assert guard.attempts == [] and any("loopback" in e for e in guard.local)
    assert row.name == "fan2d" and row.available and row.origin == "official"
    assert row.architecture == "FAN-4" and row.sha256 == sha and row.version == "2DFAN4-11f355bf06"
    assert seen and seen[-1][0] == seen[-1][1] == (folder / FAN4_FILENAME).stat().st_size
    assert not list((tmp_path / "downloads").glob("*"))  # the download was moved into the store
    predictor = registry.open_predictor("fan2d", store_dir=tmp_path, device="cpu", backend="torch")
    assert predictor.info.sha256 == sha and predictor.num_modules == 4


def test_sha256_mismatch_is_refused_and_deleted(server, tmp_path):
    base, _, sha = server
    assert not sha.startswith("11f355bf06")  # random weights are not the published file
    with NetworkGuard(allow_loopback=True) as guard, \
            pytest.raises(ModelUnavailableError, match="does not start with the published 11f355bf06.*deleted"):
        registry.fetch_model(store_dir=tmp_path, url=f"{base}/{FAN4_FILENAME}")
    assert guard.attempts == []
    assert not registry.get_model("fan2d", tmp_path).available
    assert not list((tmp_path / "downloads").glob("*"))


def test_a_web_page_instead_of_weights_is_not_a_model(server, tmp_path):
    base, _, _ = server
    with NetworkGuard(allow_loopback=True), pytest.raises(NotAModelError, match="was deleted.*not a FAN"):
        registry.fetch_model(store_dir=tmp_path, url=f"{base}/error/{FAN4_FILENAME}")
    assert not registry.get_model("fan2d", tmp_path).available
    assert not list((tmp_path / "downloads").glob("*"))


def test_missing_file_is_http_404_with_the_offline_route(server, tmp_path):
    base, _, _ = server
    with NetworkGuard(allow_loopback=True), pytest.raises(ModelUnavailableError, match="HTTP 404.*models import"):
        registry.fetch_model(store_dir=tmp_path, url=f"{base}/nothing/{FAN4_FILENAME}")


def test_guard_still_refuses_other_hosts_with_loopback_allowed(server, tmp_path):
    with NetworkGuard(allow_loopback=True) as guard, pytest.raises(NetworkBlocked, match="192.0.2.1"):
        registry.fetch_model(store_dir=tmp_path, url=f"http://192.0.2.1/{FAN4_FILENAME}")
    assert guard.attempts and not list((tmp_path / "downloads").glob("*"))


def test_cli_models_fetch_from_a_mirror_then_import_offline(server, tmp_path, monkeypatch, capsys):
    """The CLI with $NEUROFACE_FAN_URL (a lab mirror): the published-hash check refuses our random
    weights; `models import FILE` (the offline route) takes the same file."""
    base, folder, sha = server
    monkeypatch.setenv(URL_ENV, f"{base}/{FAN4_FILENAME}")
    store = tmp_path / "store"
    with NetworkGuard(allow_loopback=True) as guard:
        assert main(["models", "--store", str(store), "fetch", "fan2d", "--json"]) == 2
    assert guard.attempts == []
    assert "does not start with the published" in capsys.readouterr().err
    assert main(["models", "--store", str(store), "import", str(folder / FAN4_FILENAME), "--json"]) == 0
    row = registry.get_model("fan2d", store)
    assert row.available and row.sha256 == sha and row.architecture == "FAN-4"
