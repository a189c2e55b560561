"""The project's audit log (who changed what, when) as rows for the CLI and the GUI, filtered."""

from __future__ import annotations

from neuroface_studio.domain.project import AuditEntry, Project

COLUMNS = ("time", "user", "action", "detail")


def entry_dict(entry: AuditEntry) -> dict:
    return {"time": entry.time, "user": entry.user, "action": entry.action, "detail": entry.detail}


def audit_rows(project: Project, text: str = "") -> list[dict]:
    """Audit entries oldest first; ``text`` keeps those with it (any case) in any column."""
    needle = text.strip().lower()
    rows = [entry_dict(e) for e in project.audit_log]
    if needle:
        rows = [r for r in rows if any(needle in str(r[c]).lower() for c in COLUMNS)]
    return rows


def format_rows(rows: list[dict]) -> str:
    if not rows:
        return "no audit entries"
    width = max(len(r["user"]) for r in rows)
    return "\n".join(f"{r['time']}  {r['user']:<{width}}  {r['action']}" + (f": {r['detail']}" if r["detail"] else "")
                     for r in rows)
