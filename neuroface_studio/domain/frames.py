"""How frame numbers are shown to people: one convention in every view, export and report (issue 18).

Frames are numbered from 0, exactly as they are stored: the frame index of a recording file, a
repetition's start and end, the ``frame`` column of exported CSVs, the ``_f00012`` of exported
.pts files and the frame of an annotation-queue entry. A number read off the screen is the number
to look up in an export, with no off-by-one between them; the time in seconds is shown next to it.
"""

from __future__ import annotations

#: Said wherever a frame number is shown (tooltips, the user guide).
FRAME_NUMBERING = ("Frames are numbered from 0, as in the project files and exports "
                   "(the CSV 'frame' column, repetition start/end).")


def frame_text(frame: int, n_frames: int) -> str:
    """``Frame 80 (0–174)``: the 0-based frame and the range of the recording's frames."""
    return f"Frame {int(frame)} (0–{max(int(n_frames) - 1, 0)})"
