"""app/startup.py: the start-up preload loads dlib's shared models once, and a machine without
dlib starts anyway with the reason logged."""

from __future__ import annotations

import sys

import pytest

dlib68 = pytest.importorskip("neuroface_studio.vision.dlib68")


def test_preload_loads_the_models_every_later_dlib68_shares():
    from neuroface_studio.app.startup import preload_face_tracker
    try:
        path = str(dlib68.predictor_path())
    except dlib68.ModelUnavailableError as exc:
        pytest.skip(str(exc))
    assert preload_face_tracker() == ""
    loads = len(dlib68.LOAD_LOG)
    assert path in dlib68._LOADED and loads >= 1
    later = dlib68.Dlib68()
    assert later._predictor is dlib68._LOADED[path][1]
    assert len(dlib68.LOAD_LOG) == loads  # nothing loaded twice


def test_preload_without_dlib_says_why_and_does_not_raise(monkeypatch):
    from neuroface_studio.app.startup import preload_face_tracker
    monkeypatch.setitem(sys.modules, "dlib", None)  # what Python does when dlib is not installed: import fails
    why = preload_face_tracker()
    assert "dlib is not installed" in why and "pip install dlib-bin" in why


def test_preload_of_the_simulated_face_builds_the_cached_reference_on_a_thread():
    from neuroface_studio.app.startup import preload_simulated_face_in_background
    from neuroface_studio.simulation.face_model import reference_face
    thread = preload_simulated_face_in_background()
    thread.join(timeout=60)
    assert not thread.is_alive() and thread.name == "preload-simulated-face"
    assert reference_face.cache_info().currsize == 1
