"""The Record workspace's sound bar: what the take's sound comes from, and a live level meter.

Choices: *None (video only)* — the take records no sound and its summary says so — or *Sound
file…*: a WAV (or a video's sound track) played in real time as the microphone through the
same recording path a microphone would use (acquisition/audio_source.FileAudioSource). There is
no microphone device support yet; the combo says so. During a take the meter shows the newest
block's peak level (dBFS), turning red with "CLIPPING" (for 3 s) when a block reaches full scale and amber
with "silent?" when the sound stays under -50 dBFS for 2 s.
"""

from __future__ import annotations

import time
from pathlib import Path

from PySide6.QtWidgets import QComboBox, QFileDialog, QHBoxLayout, QLabel, QProgressBar, QWidget

NONE, FILE = "None (video only)", "Sound file…"
SILENT_DBFS, SILENT_S = -50.0, 2.0
CLIP_HOLD_S = 3.0


class SoundBarWidget(QWidget):
    """Sound source choice + level meter; :meth:`make_source` gives the take's sound source or None."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.path: Path | None = None
        self.combo = QComboBox()
        self.combo.addItems([NONE, FILE])
        self.combo.setToolTip("Where the take's sound comes from. Microphone devices are not supported yet: a sound "
                              "file is played in real time as the microphone")
        self.combo.activated.connect(self._on_choice)
        self.file_label = QLabel("")
        self.meter = QProgressBar()
        self.meter.setRange(-60, 0)
        self.meter.setValue(-60)
        self.meter.setFormat("no sound")
        self.meter.setFixedWidth(180)
        self.status = QLabel("")
        self._clipped = 0
        self._clip_time = -1e9  # the warning stays CLIP_HOLD_S after the last clipped block
        self._quiet_since: float | None = None
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(QLabel("Sound:"))
        layout.addWidget(self.combo)
        layout.addWidget(self.file_label)
        layout.addWidget(self.meter)
        layout.addWidget(self.status, 1)

    def _on_choice(self, _index: int) -> None:
        if self.combo.currentText() == FILE:
            name, _ = QFileDialog.getOpenFileName(self, "Sound file played as the microphone", "",
                                                  "Sound (*.wav *.flac *.mp3 *.m4a *.mp4 *.mov *.mkv);;All files (*)")
            if not name:
                self.combo.setCurrentText(NONE if self.path is None else FILE)
                return
            self.set_file(Path(name))
        else:
            self.set_file(None)

    def set_file(self, path: Path | None) -> None:
        self.path = path
        self.combo.setCurrentText(FILE if path else NONE)
        self.file_label.setText(path.name if path else "")
        self.meter.setFormat("no sound" if path is None else "%v dBFS")

    def make_source(self):
        """A FileAudioSource for the chosen file, or None (video only); ValueError for a file without sound."""
        if self.path is None:
            return None
        from neuroface_studio.acquisition.audio_source import FileAudioSource
        self._clipped, self._clip_time, self._quiet_since = 0, -1e9, None
        return FileAudioSource(self.path)

    def update_level(self, source, recording: bool) -> None:
        """Show ``source``'s newest level (called on the workspace's 4 Hz clock)."""
        if source is None or not recording or source.blocks_sent == 0:
            self.meter.setValue(-60)
            self.status.setText("video only: no sound is recorded" if source is None else "")
            self.status.setStyleSheet("")
            return
        level = max(-60, min(0, int(round(source.peak_dbfs))))
        self.meter.setValue(level)
        now = time.monotonic()
        if source.clipped_blocks > self._clipped:
            self._clipped, self._clip_time = source.clipped_blocks, now
        if now - self._clip_time < CLIP_HOLD_S:
            self.status.setText("CLIPPING: the sound reaches full scale; lower the input level")
            self.status.setStyleSheet("color: #c62828; font-weight: bold;")
            return
        if source.peak_dbfs < SILENT_DBFS:
            self._quiet_since = self._quiet_since or now
            if now - self._quiet_since >= SILENT_S:
                self.status.setText(f"silent? under {SILENT_DBFS:.0f} dBFS for {now - self._quiet_since:.0f} s")
                self.status.setStyleSheet("color: #b26a00;")
                return
        else:
            self._quiet_since = None
        self.status.setText("")
        self.status.setStyleSheet("")
