"""The sound track of an imported file, written into the new recording (app/file_import.py).

A video's sound is decoded by PyAV on the frames' clock (acquisition/audio_file.py) after the
frames, and only for the time the frames cover (an import cut short by ``--duration``, a
cancel or a full disk keeps the sound of the frames it kept). A file without sound, a RealSense
file (never has any) or a folder of images says so in ``audio_note``; a sound track that
cannot be decoded is a note too: the frames are never lost for it.
"""

from __future__ import annotations

import logging

import numpy as np

log = logging.getLogger(__name__)

SILENT_PEAK = 8  # int16 peak at or under which a track is called silent (-72 dBFS)


def audio_plan(source) -> tuple[tuple[int, int, str] | None, str]:
    """``(sample_rate, channels, source text)`` for RecordingWriter(audio=...), or None and why."""
    note = getattr(source, "audio_note", None)
    if not hasattr(source, "audio_format"):
        return None, note or "this source has no sound track: imported without audio"
    from neuroface_studio.acquisition.audio_file import AudioDecodeError
    try:
        fmt = source.audio_format()
    except AudioDecodeError as exc:
        return None, f"{exc}; imported without audio"
    if fmt is None or not fmt.get("sample_rate"):
        return None, "the file has no sound track: imported without audio"
    return (int(fmt["sample_rate"]), min(int(fmt["channels"]) or 1, 2), fmt["codec"]), ""


def write_audio(writer, source, end_s: float | None) -> tuple[dict | None, str]:
    """Decode the source's sound up to ``end_s`` (frame clock) into ``writer``; (info, note)."""
    from neuroface_studio.acquisition.audio_file import AudioDecodeError
    head = None
    peak = 0
    try:
        for head, block in source.iter_audio():
            if writer.audio.n == 0:
                writer.append_audio(block[:0], start_s=head.start_s, offset_s=head.offset_s)
            if end_s is not None:
                room = int(round((end_s - head.start_s) * head.sample_rate)) - writer.audio.n
                block = block[:max(room, 0)]
            if len(block):
                peak = max(peak, int(np.abs(block.astype(np.int32)).max()))
                writer.append_audio(block)
            if end_s is not None and head.start_s + writer.audio.n / head.sample_rate >= end_s:
                break
    except AudioDecodeError as exc:
        return None, f"{exc}; imported without audio"
    except OSError as exc:  # the disk: the frames are already safe
        return None, f"the sound track could not be written ({exc}); the frames are kept"
    if head is None:
        return None, "the file's sound track holds no samples"
    n = writer.audio.n
    info = {"sample_rate": head.sample_rate, "channels": writer.audio.channels, "n_samples": n,
            "duration_s": round(n / head.sample_rate, 6), "start_s": round(head.start_s, 6),
            "offset_s": round(head.offset_s, 6), "source": head.source,
            "peak_dbfs": round(20 * np.log10(max(peak, 1) / 32768.0), 1)}
    notes = list(head.notes)
    if peak <= SILENT_PEAK:
        notes.append("the sound track is silent (every sample is at or near zero)")
    return info, "; ".join(notes)


def audio_text(info: dict | None, note: str) -> str:
    """One line for the CLI: rate, duration and offset of the imported sound, or why there is none."""
    if info is None:
        return f"audio: none ({note})" if note else "audio: none"
    line = (f"audio: {info['sample_rate'] / 1000:g} kHz, {info['channels']} ch, {info['duration_s']:.3f} s, "
            f"starting at {info['start_s']:.3f} s of the video (audio-video offset {info['offset_s'] * 1000:+.1f} ms "
            f"as the container states), peak {info['peak_dbfs']} dBFS")
    return line + (f"; note: {note}" if note else "")
