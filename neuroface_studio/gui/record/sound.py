"""The Record workspace's sound bar: what the take's sound comes from, and a live level meter.

Choices: *None (video only)*; each microphone PortAudio lists (acquisition/audio_device.py,
"Microphone: NAME", the system default first; ↻ lists them again); or *Sound file…*: a WAV (or a
video's sound track) played in real time as the microphone through the same recording path. With
no microphone (or no PortAudio) the bar says so in one line and a take records video only. During
a take the meter shows the newest block's peak level (dBFS), turning red with "CLIPPING" (for 3 s)
when a block reaches full scale and amber with "silent?" when the sound stays under -50 dBFS for 2 s.
"""

from __future__ import annotations

import time
from pathlib import Path

from PySide6.QtWidgets import QComboBox, QFileDialog, QHBoxLayout, QLabel, QProgressBar, QToolButton, QWidget

NONE, FILE, MIC = "None (video only)", "Sound file…", "Microphone: "
SILENT_DBFS, SILENT_S = -50.0, 2.0
CLIP_HOLD_S = 3.0


class SoundBarWidget(QWidget):
    """Sound source choice + level meter; :meth:`make_source` gives the take's sound source or None."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.path: Path | None = None
        self.no_mic = ""  # why there is no microphone (one line), or ""
        self.combo = QComboBox()
        self.combo.activated.connect(self._on_choice)
        self.refresh_button = QToolButton()
        self.refresh_button.setText("↻")
        self.refresh_button.setToolTip("List the microphones again (after plugging one in)")
        self.refresh_button.clicked.connect(self.list_microphones)
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
        layout.addWidget(self.refresh_button)
        layout.addWidget(self.file_label)
        layout.addWidget(self.meter)
        layout.addWidget(self.status, 1)
        self.list_microphones()
        self.set_choosing(True)

    def list_microphones(self) -> None:
        """Fill the choice with PortAudio's input devices (default first); none: say why in one line."""
        from neuroface_studio.acquisition.audio_device import NoAudioDevice, input_devices
        keep = self.combo.currentData() if self.combo.count() else None
        self.combo.clear()
        self.combo.addItem(NONE, None)
        try:
            devices = sorted(input_devices(), key=lambda d: not d["default"])
            self.no_mic = ""
        except NoAudioDevice as exc:
            devices, self.no_mic = [], f"no microphone ({exc}): takes record video only"
        for d in devices:
            self.combo.addItem(f"{MIC}{d['name']}" + (" (default)" if d["default"] else ""), d["index"])
        self.combo.addItem(FILE, FILE)
        at = self.combo.findData(keep) if keep is not None else -1
        self.combo.setCurrentIndex(at if at >= 0 else (self.combo.count() - 1 if self.path else 0))
        self._show_note()

    def _show_note(self) -> None:
        if self.no_mic and self.combo.currentData() is None:
            self.status.setText(self.no_mic)
            self.status.setStyleSheet("color: #666;")

    def set_choosing(self, enabled: bool) -> None:
        """The choice is fixed while the preview runs (its sound source was opened with it)."""
        self.combo.setEnabled(enabled)
        self.refresh_button.setEnabled(enabled)
        tip = "" if enabled else " (stop the preview to change it)"
        self.combo.setToolTip("Where the take's sound comes from: a microphone (PortAudio), a sound file played in "
                              "real time as the microphone, or none (video only)" + tip)

    def microphone(self):
        """The chosen microphone's PortAudio index, or None."""
        data = self.combo.currentData()
        return data if isinstance(data, int) else None

    def _on_choice(self, _index: int) -> None:
        if self.combo.currentData() == FILE:
            name, _ = QFileDialog.getOpenFileName(self, "Sound file played as the microphone", "",
                                                  "Sound (*.wav *.flac *.mp3 *.m4a *.mp4 *.mov *.mkv);;All files (*)")
            if not name:
                self.combo.setCurrentIndex(0 if self.path is None else self.combo.findData(FILE))
                return
            self.set_file(Path(name))
        else:
            self.path = None
            self.file_label.setText("")
            self.meter.setFormat("no sound" if self.microphone() is None else "%v dBFS")
            self.status.setText("")
            self._show_note()

    def set_file(self, path: Path | None) -> None:
        self.path = path
        self.combo.setCurrentIndex(self.combo.findData(FILE) if path else 0)
        self.file_label.setText(path.name if path else "")
        self.meter.setFormat("no sound" if path is None else "%v dBFS")

    def make_source(self):
        """The chosen sound source: a MicrophoneSource, a FileAudioSource, or None (video only; a microphone
        that cannot be opened gives None and its one-line reason in the bar). ValueError: a file without sound."""
        self._clipped, self._clip_time, self._quiet_since = 0, -1e9, None
        if self.path is not None:
            from neuroface_studio.acquisition.audio_source import FileAudioSource
            return FileAudioSource(self.path)
        if self.microphone() is None:
            return None
        from neuroface_studio.acquisition.audio_device import open_microphone
        source, self.no_mic = open_microphone(self.microphone())
        return source

    def update_level(self, source, recording: bool) -> None:
        """Show ``source``'s newest level (called on the workspace's 4 Hz clock)."""
        if source is None or not recording or source.blocks_sent == 0:
            self.meter.setValue(-60)
            self.status.setText((self.no_mic or "video only: no sound is recorded") if source is None else "")
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
