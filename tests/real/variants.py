"""Re-encodings of the real-face clips as other labs send them (PyAV writes them; no ffmpeg binary).

:func:`make_variant` re-encodes the first ``seconds`` of a real clip (single_face.mp4 or
WolfgangLanger_Pexels.mp4) into one of :data:`VARIANTS` under a folder and returns its path:
other sizes, rates, codecs and containers, a variable frame rate, a phone's portrait take (landscape
frames plus a display rotation), a sound track, and the damaged files a lab also sends
(:data:`BAD_VARIANTS`: cut in half, empty, sound only, a text file named .mp4).

Each variant is a real encoding of the real frames, small (a few seconds, <= 640 px) so that a
test importing it takes about a second.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import numpy as np

#: name -> (file suffix, what it is)
VARIANTS = {
    "portrait": (".mp4", "portrait 360x640 frames (phone held upright), H.264"),
    "rotated": (".mp4", "the portrait take stored as a phone stores it: 640x360 frames, face on its side, and a "
                        "display matrix that turns them upright"),
    "fps60": (".mp4", "60 fps (each frame shown twice), H.264"),
    "fps15": (".mp4", "15 fps (every other frame), H.264"),
    "vfr": (".mkv", "variable frame rate: irregular presentation times (20-50 ms), H.264 in Matroska"),
    "small": (".mp4", "320x240, MPEG-4 part 2"),
    "vp9": (".webm", "VP9 in WebM"),
    "mjpeg": (".avi", "Motion JPEG in AVI"),
    "mkv": (".mkv", "H.264 in Matroska"),
    "odd": (".mp4", "641x479 (odd width and height), H.264 4:4:4"),
    "audio": (".mp4", "H.264 with an AAC sound track"),
    "wrong_ext": (".avi", "an MP4 (H.264) file named .avi"),
    "late_start": (".mkv", "H.264 with B-frames in Matroska, its first frame at 1 s (cut from a longer stream)"),
    "upside_down": (".mp4", "frames stored upside down and a 180 degree display matrix (a phone held upside down)"),
}
BAD_VARIANTS = {
    "truncated": (".mp4", "the first half of the bytes of an MP4 whose index (moov) is at the front"),
    "truncated_tail": (".mp4", "the first half of the bytes of an MP4 whose index is at the end"),
    "empty": (".mp4", "zero bytes"),
    "audio_only": (".m4a", "an AAC sound track, no video"),
    "audio_only_mp4": (".mp4", "an AAC sound track, no video, named .mp4"),
    "audio_cover": (".mp4", "an AAC sound track and a cover picture (a one-frame MJPEG attached picture), no video"),
    "text_as_mp4": (".mp4", "a text file named .mp4"),
    "truncated_webm": (".webm", "the first half of the bytes of a VP9 WebM file"),
    "truncated_mkv": (".mkv", "the first half of the bytes of an H.264 Matroska file"),
    "truncated_avi": (".avi", "the first half of the bytes of a Motion JPEG AVI file"),
}


ROT_K, ROTATION = 1, -90  # frames turned 90 deg counter-clockwise; the display matrix turns them back


def _frames(src: Path, seconds: float) -> tuple[list[np.ndarray], float]:
    """RGB frames of the first ``seconds`` of ``src`` and its average rate."""
    import av
    out = []
    with av.open(str(src)) as c:
        st = c.streams.video[0]
        rate = float(st.average_rate)
        for f in c.decode(st):
            if len(out) >= round(seconds * rate):
                break
            out.append(f.to_ndarray(format="rgb24"))
    return out, rate


#: horizontal centre of the face in the real clips (dlib68, px of the 640-wide frame): where a portrait crop goes
FACE_X = {"single_face": 290, "WolfgangLanger_Pexels": 450}


def portrait_frames(frames: list[np.ndarray], face_x: int) -> list[np.ndarray]:
    """Upright 360x640 portrait frames: a 320 px wide strip around the face, black above and below, as a phone
    held upright frames a seated person (the face stays upright: only the frame changes shape)."""
    import cv2
    h, w = frames[0].shape[:2]
    left = int(np.clip(face_x - 160, 0, w - 320))
    pad = (320 * 16 // 9 - h) // 2
    return [cv2.resize(cv2.copyMakeBorder(np.ascontiguousarray(f[:, left:left + 320]), pad, pad, 0, 0,
                                          cv2.BORDER_CONSTANT, value=0), (360, 640), interpolation=cv2.INTER_AREA)
            for f in frames]


def _resize(rgb: np.ndarray, size: tuple[int, int] | None) -> np.ndarray:
    import cv2
    return rgb if size is None else cv2.resize(rgb, size, interpolation=cv2.INTER_AREA)


def _write_video(path: Path, frames, pts_s, codec: str, size=None, pix_fmt="yuv420p", rate=30, audio=False,
                 fmt: str | None = None, rotation: float | None = None, faststart: bool = False,
                 x264_preset: str = "ultrafast") -> None:
    import av
    options = {"movflags": "faststart"} if faststart else {}
    steps = np.diff(pts_s)
    regular = len(steps) == 0 or np.allclose(steps, 1 / rate, atol=1e-6)
    tb = Fraction(1, rate) if regular else Fraction(1, 1000)  # AVI takes its frame rate from the time base
    with av.open(str(path), "w", format=fmt, options=options) as c:
        st = c.add_stream(codec, rate=rate)
        h, w = _resize(frames[0], size).shape[:2]
        st.width, st.height, st.pix_fmt = w, h, pix_fmt
        st.codec_context.time_base = tb
        if codec == "libx264":
            st.options = {"preset": x264_preset}
        elif codec == "libvpx-vp9":
            st.options = {"deadline": "realtime", "cpu-used": "8"}
        if rotation is not None:
            st.set_display_rotation(rotation)
        ast = c.add_stream("aac", rate=48000) if audio else None
        for rgb, t in zip(frames, pts_s):
            vf = av.VideoFrame.from_ndarray(_resize(rgb, size), format="rgb24").reformat(format=pix_fmt)
            vf.pts, vf.time_base = int(round(t / tb)), tb
            c.mux(st.encode(vf))
        c.mux(st.encode())
        if ast is not None:
            _write_tone(c, ast, pts_s[-1] + 1 / 30)


def _write_tone(c, ast, seconds: float) -> None:
    """A 220 Hz tone of ``seconds`` into the audio stream ``ast`` of the open container ``c``."""
    import av
    sr, n = 48000, 1024
    total = int(seconds * sr)
    for start in range(0, total, n):
        t = (np.arange(start, min(start + n, total)) / sr).astype(np.float32)
        pcm = (0.2 * np.sin(2 * np.pi * 220 * t)).astype(np.float32)[None, :]
        af = av.AudioFrame.from_ndarray(np.repeat(pcm, 2, axis=0), format="fltp", layout="stereo")
        af.sample_rate, af.pts = sr, start
        c.mux(ast.encode(af))
    c.mux(ast.encode())


def make_variant(src: Path, name: str, folder: Path, seconds: float = 2.0) -> Path:
    """Write variant ``name`` (:data:`VARIANTS` or :data:`BAD_VARIANTS`) of the clip ``src`` into ``folder``."""
    import av
    suffix = (VARIANTS.get(name) or BAD_VARIANTS[name])[0]
    path = Path(folder) / f"{Path(src).stem}-{name}{suffix}"
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    if name == "empty":
        path.write_bytes(b"")
        return path
    if name == "text_as_mp4":
        path.write_text("participant 7, session 2: see the lab notebook\n")
        return path
    if name == "audio_cover":
        with av.open(str(path), "w", format="mp4") as c:
            ast = c.add_stream("aac", rate=48000)
            pic = c.add_stream("mjpeg", rate=1)
            pic.width, pic.height, pic.pix_fmt = 320, 320, "yuvj420p"
            pic.disposition = av.stream.Disposition.attached_pic
            vf = av.VideoFrame.from_ndarray(np.full((320, 320, 3), 128, np.uint8), format="rgb24")
            vf = vf.reformat(format="yuvj420p")
            vf.pts, vf.time_base = 0, Fraction(1, 1)
            c.mux(pic.encode(vf))
            c.mux(pic.encode())
            _write_tone(c, ast, seconds)
        return path
    if name in ("audio_only", "audio_only_mp4"):
        with av.open(str(path), "w", format="mp4" if name == "audio_only_mp4" else "ipod") as c:
            _write_tone(c, c.add_stream("aac", rate=48000), seconds)
        return path
    frames, rate = _frames(src, seconds)
    n = len(frames)
    rate = round(rate)
    regular = [i / rate for i in range(n)]
    if name == "portrait":
        _write_video(path, portrait_frames(frames, FACE_X.get(Path(src).stem, 320)), regular, "libx264", rate=rate)
    elif name == "rotated":  # a phone's portrait take: landscape frames (face on its side), turned upright on display
        upright = portrait_frames(frames, FACE_X.get(Path(src).stem, 320))
        _write_video(path, [np.ascontiguousarray(np.rot90(f, k=ROT_K)) for f in upright], regular, "libx264",
                     rate=rate, rotation=ROTATION)
    elif name == "fps60":
        doubled = [f for f in frames for _ in range(2)]
        _write_video(path, doubled, [i / 60 for i in range(2 * n)], "libx264", rate=60)
    elif name == "fps15":
        half = frames[::2]
        _write_video(path, half, [i / 15 for i in range(len(half))], "libx264", rate=15)
    elif name == "vfr":
        steps = np.resize([0.020, 0.050, 0.033, 0.025, 0.045], n - 1)
        _write_video(path, frames, list(np.concatenate([[0.0], np.cumsum(steps)])), "libx264", rate=30)
    elif name == "small":
        _write_video(path, frames, regular, "mpeg4", size=(320, 240), rate=rate)
    elif name == "vp9":
        _write_video(path, frames, regular, "libvpx-vp9", rate=rate)
    elif name == "mjpeg":
        _write_video(path, frames, regular, "mjpeg", pix_fmt="yuvj420p", rate=rate)
    elif name == "mkv":
        _write_video(path, frames, regular, "libx264", rate=rate)
    elif name == "odd":
        _write_video(path, frames, regular, "libx264", size=(641, 479), pix_fmt="yuv444p", rate=rate)
    elif name == "audio":
        _write_video(path, frames, regular, "libx264", rate=rate, audio=True)
    elif name == "late_start":
        _write_video(path, frames, [1.0 + t for t in regular], "libx264", rate=rate, x264_preset="medium")
    elif name == "upside_down":
        _write_video(path, [np.ascontiguousarray(f[::-1, ::-1]) for f in frames], regular, "libx264", rate=rate,
                     rotation=180)
    elif name == "wrong_ext":
        _write_video(path, frames, regular, "libx264", rate=rate, fmt="mp4")
    elif name.startswith("truncated"):
        whole = folder / f"whole-{name}{suffix}"
        codec, pix_fmt = {"truncated_webm": ("libvpx-vp9", "yuv420p"),
                          "truncated_avi": ("mjpeg", "yuvj420p")}.get(name, ("libx264", "yuv420p"))
        _write_video(whole, frames, regular, codec, pix_fmt=pix_fmt, rate=rate, faststart=name == "truncated")
        data = whole.read_bytes()
        whole.unlink()
        path.write_bytes(data[:len(data) // 2])
    else:
        raise KeyError(name)
    return path
