"""Synthetic participants: look and motor profile, derived deterministically from their ID.

An :class:`Identity` holds only scalars and tuples (hashable, so renderers can cache per
identity). All random draws happen in the same order whatever the group, and the group only
changes how the draws are *mapped* to parameters: with ``no_effect=True`` every group gets
exactly the healthy-control mapping, so a participant's motion is identical across groups
(a null control for classifiers).
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass

import numpy as np

from neuroface_studio.domain.landmarks import BROWS, EYES, JAW, MOUTH, N_LANDMARKS, NOSE
from neuroface_studio.domain.participants import Group


def stable_hash(text: str) -> int:
    """A process-independent 32-bit hash (zlib.crc32), never Python's salted ``hash()``."""
    return zlib.crc32(text.encode("utf-8"))


def derive_rng(*keys: int | str) -> np.random.Generator:
    """A generator seeded from ``keys`` (ints, or strings hashed with :func:`stable_hash`)."""
    entropy = [k if isinstance(k, int) else stable_hash(k) for k in keys]
    return np.random.default_rng(np.random.SeedSequence([int(e) & 0xFFFFFFFF for e in entropy]))


@dataclass(frozen=True)
class Identity:
    """A synthetic participant.

    Look: ``shape_offsets_mm`` (68 x (dx, dy, dz), head frame, mm) on top of the template
    scaled by ``face_scale`` (width, height); the nose tip sits ``distance_mm`` from the camera
    at lateral/vertical ``position_mm``; ``pose_offset_deg`` (yaw, pitch, roll) is the habitual
    head posture; ``skin_tint`` (r, g, b) gains; ``light_gradient`` (gx, gy) fractional
    brightness change across the face; background colour ``background_rgb`` with a vertical
    ``background_gradient``; wall at ``wall_distance_mm``.

    Motor profile: ``amplitude`` (x healthy range of motion), ``speed`` (x healthy durations,
    > 1 is slower), ``jitter`` (activation noise), ``fatigue`` (fraction of amplitude lost by the
    last repetition), ``tremor_amp`` (jaw activation, ~30 mm per unit) at ``tremor_hz``,
    ``speech_rate_hz`` (/pa/ syllables per second), and for unilateral conditions the
    ``affected_side`` ("right"/"left", participant's view) whose lip movements are scaled by
    ``side_factor``, with that mouth corner drooping ``droop_mm`` at rest.
    """

    participant_id: str
    group: Group
    seed: int
    no_effect: bool
    shape_offsets_mm: tuple[tuple[float, float, float], ...]
    face_scale: tuple[float, float]
    distance_mm: float
    position_mm: tuple[float, float]
    pose_offset_deg: tuple[float, float, float]
    skin_tint: tuple[float, float, float]
    light_gradient: tuple[float, float]
    background_rgb: tuple[int, int, int]
    background_gradient: float
    wall_distance_mm: float
    amplitude: float
    speed: float
    jitter: float
    fatigue: float
    tremor_amp: float
    tremor_hz: float
    speech_rate_hz: float
    affected_side: str | None
    side_factor: float
    droop_mm: float
    brows_affected: bool

    @property
    def effective_group(self) -> Group:
        """The group whose motor effects are simulated (HC when ``no_effect``)."""
        return Group.HC if self.no_effect else self.group


def _shape_offsets(rng: np.random.Generator, template_xy: np.ndarray) -> np.ndarray:
    """Per-region shape variation (68, 3) mm: eye spacing, mouth width/height, nose, jaw, brows."""
    off = np.zeros((N_LANDMARKS, 3))
    x = template_xy[:, 0]
    side = np.sign(x)
    eyes, brows, mouth, jaw, nose = list(EYES), list(BROWS), list(MOUTH), list(JAW), list(NOSE)
    eye_spacing, mouth_w, mouth_y, nose_len, jaw_w, chin_y, brow_y, nose_z = rng.normal(
        0.0, [1.5, 0.05, 1.5, 1.5, 0.04, 2.0, 1.5, 2.0])
    off[eyes + brows, 0] += side[eyes + brows] * eye_spacing
    off[mouth, 0] += x[mouth] * mouth_w
    off[mouth, 1] += mouth_y
    off[nose[4:], 1] += nose_len
    off[jaw, 0] += x[jaw] * jaw_w
    off[[6, 7, 8, 9, 10], 1] += chin_y
    off[brows, 1] += brow_y
    off[nose, 2] -= nose_z * np.array([0.3, 0.5, 0.75, 1.0, 0.6, 0.7, 0.8, 0.7, 0.6])  # 27-35
    off += rng.normal(0.0, 0.4, off.shape)  # small individual irregularity
    for upper, lower in ((61, 67), (62, 66), (63, 65)):  # keep the neutral mouth closed
        off[upper] = off[lower] = 0.5 * (off[upper] + off[lower])
    return off


def make_identity(participant_id: str, group: Group, seed: int, no_effect: bool = False) -> Identity:
    """Derive a participant's look and motor profile from ``(participant_id, seed)``.

    The group does not enter the random stream; it only selects the motor-effect mapping
    (ALS: smaller, slower, jittery, fatiguing; PS: one-sided lip weakness + droop; PD: smaller,
    rest tremor; FP: strong one-sided weakness including the brow). ``no_effect=True`` maps
    every group like HC.
    """
    from neuroface_studio.simulation.face_model import reference_face

    group = Group.parse(group) if not isinstance(group, Group) else group
    rng = derive_rng("identity", int(seed), participant_id)
    template = reference_face().template_mm[:N_LANDMARKS]
    offsets = _shape_offsets(rng, template[:, :2])
    face_scale = tuple(float(v) for v in rng.normal(1.0, 0.04, 2))
    distance = float(rng.uniform(300.0, 420.0))  # face ~180-240 px wide
    position = tuple(float(v) for v in rng.normal([0.0, -5.0], [12.0, 10.0]))
    pose = tuple(float(v) for v in rng.normal(0.0, [3.0, 3.0, 2.0]))
    tint = tuple(float(v) for v in np.clip(rng.normal(1.0, [0.06, 0.05, 0.06]), 0.82, 1.18))
    light = tuple(float(v) for v in rng.uniform(-0.18, 0.18, 2))
    bg = tuple(int(v) for v in np.clip(rng.normal([200, 200, 195], 25), 90, 245))
    bg_grad = float(rng.uniform(-0.15, 0.15))
    wall = float(rng.uniform(900.0, 1500.0))
    # Motor draws: always the same draws in the same order.
    amp_var = float(np.exp(rng.normal(0.0, 0.1)))
    speed_var = float(np.exp(rng.normal(0.0, 0.08)))
    u = rng.uniform(0.0, 1.0, 8)
    side = "right" if rng.uniform() < 0.5 else "left"
    rate = float(rng.normal(5.6, 0.4))

    eff = Group.HC if no_effect else group
    amplitude, speed, jitter, fatigue = amp_var, speed_var, 0.010 + 0.005 * u[0], 0.03 * u[1]
    tremor_amp, tremor_hz = 0.0, 4.5 + 1.5 * u[2]
    affected, side_factor, droop, brows_affected = None, 1.0, 0.0, False
    if eff is Group.ALS:
        amplitude *= 0.55 + 0.15 * u[3]
        speed *= 1.3 + 0.2 * u[4]
        jitter *= 3.0
        fatigue = 0.15 + 0.2 * u[1]
        rate /= speed
    elif eff is Group.PD:
        amplitude *= 0.65 + 0.13 * u[3]
        speed *= 1.05 + 0.1 * u[4]
        tremor_amp = 0.015 + 0.02 * u[5]
        fatigue = 0.05 + 0.1 * u[1]
    elif eff in (Group.PS, Group.FP):
        amplitude *= 0.85 + 0.1 * u[3]
        affected = side
        if eff is Group.PS:
            side_factor, droop = 0.4 + 0.2 * u[6], 1.5 + 1.5 * u[7]
        else:
            side_factor, droop, brows_affected = 0.15 + 0.2 * u[6], 2.5 + 2.0 * u[7], True
    elif eff is Group.OTHER:
        amplitude *= 0.85 + 0.15 * u[3]
    return Identity(
        participant_id=participant_id, group=group, seed=int(seed), no_effect=bool(no_effect),
        shape_offsets_mm=tuple(tuple(float(v) for v in row) for row in offsets),
        face_scale=face_scale, distance_mm=distance, position_mm=position, pose_offset_deg=pose,
        skin_tint=tint, light_gradient=light, background_rgb=bg, background_gradient=bg_grad,
        wall_distance_mm=wall, amplitude=amplitude, speed=speed, jitter=jitter, fatigue=fatigue,
        tremor_amp=tremor_amp, tremor_hz=tremor_hz, speech_rate_hz=rate, affected_side=affected,
        side_factor=side_factor, droop_mm=droop, brows_affected=brows_affected,
    )


def identity_shape_mm(identity: Identity) -> np.ndarray:
    """Neutral control points (N, 3) mm in the head frame: 68 landmarks + border ring."""
    from neuroface_studio.simulation.face_model import reference_face

    shape = reference_face().template_mm.copy()
    shape[:, 0] *= identity.face_scale[0]
    shape[:, 1] *= identity.face_scale[1]
    shape[:N_LANDMARKS] += np.asarray(identity.shape_offsets_mm)
    return shape


#: Per follow-up interval (8 weeks), how each group's motor profile changes: ALS and PD progress
#: (smaller, slower movements; ALS more fatigue), post-stroke and facial palsy recover
#: part of the one-sided weakness, controls stay as they were.
FOLLOW_UP_WEEKS = 8


def follow_up_identity(identity: Identity, visits: int) -> Identity:
    """The same participant ``visits`` follow-up intervals (:data:`FOLLOW_UP_WEEKS` each) later.

    Deterministic (no random draws): the look is unchanged, the motor profile progresses by group
    (``effective_group``, so a no-effect participant never changes). ``visits=0`` returns ``identity``.
    """
    from dataclasses import replace
    if visits <= 0:
        return identity
    eff = identity.effective_group
    if eff is Group.ALS:
        return replace(identity, amplitude=identity.amplitude * 0.85 ** visits,
                       speed=identity.speed * 1.08 ** visits, fatigue=min(identity.fatigue + 0.05 * visits, 0.6),
                       speech_rate_hz=identity.speech_rate_hz / 1.08 ** visits)
    if eff is Group.PD:
        return replace(identity, amplitude=identity.amplitude * 0.95 ** visits,
                       tremor_amp=identity.tremor_amp * 1.1 ** visits)
    if eff in (Group.PS, Group.FP):
        keep = 0.7 ** visits  # each interval recovers 30% of what is still missing
        return replace(identity, side_factor=1.0 - (1.0 - identity.side_factor) * keep,
                       droop_mm=identity.droop_mm * keep, amplitude=identity.amplitude * 1.03 ** visits)
    return identity
