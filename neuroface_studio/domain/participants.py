"""Participants and sessions. Participant IDs are pseudonyms, never names."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import Enum


class Group(str, Enum):
    """Diagnostic group of a participant."""

    HC = "HC"  # healthy control
    ALS = "ALS"  # amyotrophic lateral sclerosis
    PS = "PS"  # post-stroke
    PD = "PD"  # Parkinson's disease
    FP = "FP"  # facial palsy
    OTHER = "other"

    @classmethod
    def parse(cls, text: str) -> "Group":
        for g in cls:
            if g.value.lower() == str(text).strip().lower():
                return g
        valid = ", ".join(g.value for g in cls)
        raise ValueError(f"unknown group {text!r}; use one of {valid}")


_PSEUDONYM = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


def validate_pseudonym(pid: str) -> str:
    """Participant/session/recording IDs: 1-64 of letters, digits, ``_ . -``; no spaces."""
    if not isinstance(pid, str) or not _PSEUDONYM.fullmatch(pid):
        raise ValueError(
            f"invalid ID {pid!r}: use 1-64 letters, digits, '_', '.' or '-' "
            "(a pseudonym such as 'P007', never a name)"
        )
    return pid


@dataclass
class Participant:
    """A study participant, identified only by a pseudonym."""

    id: str
    group: Group
    clinical_scores: dict[str, float] = field(default_factory=dict)
    consent_to_share: bool = False
    notes: str = ""

    def __post_init__(self) -> None:
        validate_pseudonym(self.id)
        self.group = Group.parse(self.group) if not isinstance(self.group, Group) else self.group


@dataclass
class Session:
    """One visit of a participant (a date and the recordings made then)."""

    id: str
    participant_id: str
    date: str  # ISO 8601 date, e.g. "2026-11-22"
    notes: str = ""

    def __post_init__(self) -> None:
        validate_pseudonym(self.id)
