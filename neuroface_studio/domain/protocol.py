"""Task protocols. The protocols themselves are editable data files in resources/protocols."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Task:
    """One protocol task, e.g. OPEN: maximal mouth opening x5."""

    code: str
    name: str
    instruction: str
    repetitions: int | None  # None: as many as possible (PA, PATAKA) or not repeated (REST)
    segmented: bool  # False for REST
    category: str  # "speech" | "nonspeech" | "rest"
    duration_s: float | None = None  # fixed duration (REST 20 s), else None
    trace: str = "lip_aperture"  # kinematic trace that shows repetitions best


@dataclass(frozen=True)
class Protocol:
    name: str
    version: str
    tasks: tuple[Task, ...]

    def task(self, code: str) -> Task:
        for t in self.tasks:
            if t.code == code:
                return t
        raise KeyError(f"task {code!r} is not in protocol {self.name!r}; tasks: {', '.join(self.codes)}")

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(t.code for t in self.tasks)

    @classmethod
    def from_dict(cls, data: dict) -> "Protocol":
        """Build from the JSON structure of a protocol file; raise ValueError with the problem."""
        try:
            tasks = []
            for t in data["tasks"]:
                category = t.get("category", "nonspeech")
                if category not in ("speech", "nonspeech", "rest"):
                    raise ValueError(f"task {t['code']}: category must be speech, nonspeech or rest")
                tasks.append(Task(
                    code=str(t["code"]).upper(), name=str(t["name"]), instruction=str(t.get("instruction", "")),
                    repetitions=None if t.get("repetitions") is None else int(t["repetitions"]),
                    segmented=bool(t.get("segmented", True)), category=category,
                    duration_s=None if t.get("duration_s") is None else float(t["duration_s"]),
                    trace=str(t.get("trace", "lip_aperture")),
                ))
                last = tasks[-1]
                if last.duration_s is not None and not 0 < last.duration_s < 3600:
                    raise ValueError(f"task {last.code}: duration_s must be between 0 and 3600 seconds")
                if last.repetitions is not None and not 0 <= last.repetitions <= 1000:
                    raise ValueError(f"task {last.code}: repetitions must be between 0 and 1000")
            codes = [t.code for t in tasks]
            if len(set(codes)) != len(codes):
                raise ValueError("task codes must be unique")
            return cls(name=str(data["name"]), version=str(data.get("version", "1")), tasks=tuple(tasks))
        except KeyError as exc:
            raise ValueError(f"protocol is missing the field {exc.args[0]!r}") from None
        except (TypeError, AttributeError) as exc:  # a list where an object belongs, and the like
            raise ValueError(f"protocol is malformed ({exc})") from None

    def to_dict(self) -> dict:
        return {
            "name": self.name, "version": self.version,
            "tasks": [dict(code=t.code, name=t.name, instruction=t.instruction, repetitions=t.repetitions,
                           segmented=t.segmented, category=t.category, duration_s=t.duration_s, trace=t.trace)
                      for t in self.tasks],
        }
