"""Work the desktop app does once at start-up, before its window is shown (gui/main.py).

dlib's face detector and 68-point predictor load in ~1.5 s of C++ deserialization that holds
Python's GIL: whatever thread does it, the window cannot repaint or take a click meanwhile. Done
at the first live preview it froze the Record workspace for 1.3-1.6 s
(``tools/gui_blocking_bench.py walkthrough``, issue 18). Loaded here, while a splash says so, the
models are then shared by every later user in the process (:mod:`neuroface_studio.vision.dlib68`):
pose feedback, proposals, landmarking. The simulated participant's reference face (its imports, a
photo and its mesh: ~0.3 s of the first preview on the GUI thread, ~0.8-1.2 s at start-up) is built
on a thread once the window is shown (:func:`preload_simulated_face_in_background`): Python code,
which lets the GUI thread run, so it costs the start nothing.
"""

from __future__ import annotations

import logging
import threading
import time

log = logging.getLogger(__name__)


def preload_face_tracker() -> str:
    """Load dlib's shared models now. Returns "" when they are loaded, else why not (dlib or its
    model file missing or unreadable): the app then starts without them, as before."""
    from neuroface_studio.vision.dlib68 import Dlib68
    from neuroface_studio.vision.errors import ModelUnavailableError
    t0 = time.perf_counter()
    try:
        Dlib68()
    except ModelUnavailableError as exc:
        log.info("face tracker not preloaded: %s", exc)
        return str(exc)
    log.info("face tracker loaded in %.2f s", time.perf_counter() - t0)
    return ""


def preload_simulated_face() -> None:
    """Import the simulated camera and build the reference face it renders (cached per process)."""
    from neuroface_studio.acquisition.synthetic import SyntheticSource  # noqa: F401 - the imports are the cost
    from neuroface_studio.simulation.face_model import reference_face
    t0 = time.perf_counter()
    reference_face()
    log.info("simulated face ready in %.2f s", time.perf_counter() - t0)


def preload_simulated_face_in_background() -> threading.Thread:
    """Run :func:`preload_simulated_face` on a thread (started; not a daemon, so the interpreter
    never stops it halfway through an import). A preview started before it ends builds the face
    itself, as without it."""
    def run() -> None:
        try:
            preload_simulated_face()
        except Exception:  # noqa: BLE001 - a warm-up only: the preview says what is wrong if it is
            log.exception("simulated face not preloaded")
    thread = threading.Thread(target=run, name="preload-simulated-face")
    thread.start()
    return thread
