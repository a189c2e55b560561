"""What a video file holds, read before it is decoded: its container structure and its streams.

:func:`container_problem` reads a file's bytes (whatever its name): an empty file, an MP4/MOV
without its index (``moov`` box), and a file cut short (an MP4/MOV box, the AVI ``RIFF`` chunk or
the Matroska/WebM ``Segment`` that runs past the end of the file: a copy or download that stopped
early) are refused before FFmpeg sees them, because FFmpeg decodes the first part of a cut file
without complaint and the import would keep a shorter recording. :func:`probe_streams` asks PyAV
what streams the file has, so a sound-only file (or sound with a cover picture, which OpenCV
decodes as a one-frame video) and an undecodable one are refused with what they hold and what to
do; and it gives the frame count the container states (none for Matroska/WebM, which state a
duration). Used by acquisition/video_file.py.
"""

from __future__ import annotations

import struct
from pathlib import Path


def iso_media_problem(path: Path) -> str | None:
    """Why an MP4/MOV-family file cannot be decoded, read from its top-level boxes, or None.

    Only a file that is box-structured (starts with an ``ftyp`` box) is judged; anything else is
    left to the decoder. A missing ``moov`` box (the index of the frames, written last by most
    cameras) means the recording was interrupted or the file was cut short; with the index present
    (written first, "fast start"), a box that runs past the end of the file means it was cut short.
    """
    try:
        size_total = path.stat().st_size
        with open(path, "rb") as fh:
            head = fh.read(8)
            if len(head) < 8 or head[4:8] != b"ftyp":
                return None
            pos, seen, past_end = 0, set(), None
            while pos + 8 <= size_total:
                fh.seek(pos)
                header = fh.read(16)
                size, kind = struct.unpack(">I4s", header[:8])
                if size == 1 and len(header) >= 16:
                    size = struct.unpack(">Q", header[8:16])[0]
                elif size == 0:  # the box runs to the end of the file
                    size = size_total - pos
                if size < 8:
                    break
                seen.add(kind)
                if pos + size > size_total and kind.isalnum():  # a box, not stray bytes after the last
                    past_end = pos + size
                pos += size
    except OSError:
        return None
    if b"moov" in seen:
        return None if past_end is None else cut_short_message(path, size_total, past_end, "MP4/MOV")
    return (f"{path.name} has no 'moov' index (the part of an MP4/MOV file that lists its frames): the file was "
            "cut short or its recording was interrupted before it was finalised. Copy it again from the camera, "
            "or repair/re-export it (e.g. with the camera's software), then import it again.")


def cut_short_message(path: Path, size: int, stated: int, container: str) -> str:
    missing = 100.0 * (stated - size) / stated
    return (f"{path.name} is cut short: its {container} structure says the file is {stated:,} bytes long but it "
            f"ends after {size:,} bytes ({missing:.0f}% missing), so the rest of the recording is not in it (a copy "
            "or download that stopped early, or a recording interrupted). Nothing was imported. Copy the whole file "
            "again from the camera or the sender, or re-export it, then import it again.")


def _ebml_vint(fh) -> tuple[int, bool] | None:
    """An EBML variable-length integer (value, all-ones = size unknown) read from ``fh``, or None."""
    first = fh.read(1)
    if not first or first[0] == 0:
        return None
    length = 8 - first[0].bit_length() + 1
    rest = fh.read(length - 1)
    if len(rest) < length - 1:
        return None
    value = first[0] & (0xFF >> length)
    for b in rest:
        value = (value << 8) | b
    return value, value == (1 << (7 * length)) - 1


def _stated_end(path: Path) -> tuple[int, str] | None:
    """(byte offset where the container says the file ends, container name) for AVI and Matroska/WebM;
    None when the file is neither or states no size."""
    with open(path, "rb") as fh:
        head = fh.read(12)
        if head[:4] == b"RIFF" and head[8:12] == b"AVI ":
            riff = struct.unpack("<I", head[4:8])[0]
            return (8 + riff, "AVI") if riff else None
        if head[:4] != b"\x1a\x45\xdf\xa3":
            return None
        fh.seek(4)
        header = _ebml_vint(fh)  # the EBML header's size
        if header is None or header[1]:
            return None
        fh.seek(fh.tell() + header[0])
        if fh.read(4) != b"\x18\x53\x80\x67":  # Segment
            return None
        segment = _ebml_vint(fh)
        if segment is None or segment[1]:  # unknown size: written live, nothing to judge by
            return None
        return fh.tell() + segment[0], "Matroska/WebM"


def container_problem(path: Path) -> str | None:
    """Why ``path`` cannot be imported whole, read from its bytes (whatever its name), or None.

    An empty file; an MP4/MOV without its index or cut short (:func:`iso_media_problem`); an AVI
    or Matroska/WebM file that ends before the size its container states (cut short).
    """
    try:
        size_total = path.stat().st_size
        if size_total == 0:
            return (f"{path.name} could not be read as a video: the file is empty (0 bytes), so a copy, download "
                    "or recording failed. Copy it again from the camera or the sender, then import it again.")
        problem = iso_media_problem(path)
        if problem:
            return problem
        stated = _stated_end(path)
    except OSError:
        return None
    if stated is not None and stated[0] > size_total + (stated[1] == "AVI"):  # AVI: a missing pad byte is harmless
        return cut_short_message(path, size_total, stated[0], stated[1])
    return None


def probe_streams(path: Path) -> dict | None:
    """What PyAV finds in ``path``: ``video`` (codec names of the moving-picture streams, a cover picture
    not counted), ``sound`` (codec names) and ``frames`` (the frame count the first video stream states,
    0: none); None when PyAV cannot open it."""
    try:
        import av  # lazily, as acquisition/audio_file.py
        with av.open(str(path)) as container:
            cover = int(av.stream.Disposition.attached_pic)
            video = [st for st in container.streams.video if not int(st.disposition) & cover]
            return {"video": [st.codec_context.name for st in video],
                    "covers": len(container.streams.video) - len(video),
                    "sound": [st.codec_context.name for st in container.streams.audio],
                    "frames": int(video[0].frames) if video else 0}
    except Exception:  # noqa: BLE001 - not a format FFmpeg knows, or damaged at its start
        return None


def sound_only_message(path: Path, probe: dict | None) -> str | None:
    """The refusal of a file that holds no moving picture (sound only, or sound and a cover picture), or None."""
    if probe is None or probe["video"]:
        return None
    base = f"{path.name} could not be read as a video"
    if probe["sound"]:
        cover = " and a cover picture" if probe["covers"] else ""
        return (f"{base}: it holds only sound ({', '.join(probe['sound'])}){cover}, no video stream. Import the "
                "video file of the session (its sound track comes with it).")
    return f"{base}: it holds no video stream. Import the video file of the session."


def unreadable_message(path: Path, probe: dict | None) -> str:
    """Why OpenCV could not decode a frame of ``path``, from what PyAV finds in it (``probe``), and what to do."""
    base = f"{path.name} could not be read as a video"
    redo = "export or convert it to MP4 (H.264) and import that"
    if probe is None:
        return (f"{base}: its content is not a video format FFmpeg knows (whatever its '{path.suffix}' name says), "
                f"or its start is damaged. Check that it is the recording you meant; if it plays elsewhere, {redo}.")
    return sound_only_message(path, probe) or (
        f"{base}: it has a {probe['video'][0]} video stream but no frame of it could be decoded (a damaged file, "
        f"or a codec this build cannot decode). If it plays elsewhere, {redo}.")


def stated_frame_count(probe: dict | None) -> int | None:
    """The frame count the container states (MP4/MOV sample table, AVI header), or None.

    Matroska/WebM state a duration, not a count: OpenCV's ``CAP_PROP_FRAME_COUNT`` is then duration x
    nominal fps, which a variable frame rate or a stream starting after 0 s makes wrong (a good file
    would read as missing frames), so no count is claimed for them.
    """
    count = probe["frames"] if probe is not None else 0
    return count if 0 < count < 10**9 else None
