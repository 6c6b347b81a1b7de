"""``sim.log.explain()``: the event log told as a story a student can read.

For each job: what BITS raised, and for each notification whether it arrived, on which
notifier or command line, and, if not or only later, which rule decided and why. Modifications
are many and alike, so they are counted rather than told one by one. The text is plain and
deterministic (no addresses, no wall-clock time), so notebooks can check it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import TYPE_CHECKING

from .constants import NotifyFlags
from .rulebook import rules

if TYPE_CHECKING:
    from .jobs import Job
    from .log import LogEntry

__all__ = ["explain", "flag_names"]

_ARRIVED = frozenset({"delivered", "cmdline"})


def flag_names(flags: int) -> str:
    """``JOB_TRANSFERRED|JOB_ERROR`` for 0x3; ``0`` for no flag (the same on every Python)."""
    names = [flag.name for flag in NotifyFlags if flag.name and flags & flag]
    return "|".join(names) if names else "0"


def _rule(rule_id: str | None) -> str:
    if rule_id is None:
        return ""
    found = rules.get(rule_id)
    return f"{rule_id}: {found.title}" if found is not None else rule_id


def _subject(entry: LogEntry) -> str:
    file = f" {entry.file.local_name!r}" if entry.file is not None else ""
    return f"{entry.method}{file}"


def _attempt_line(entry: LogEntry) -> str:
    when = f"{entry.time:8.2f} s"
    if entry.outcome == "delivered":
        what = f"delivered to {entry.target}"
    elif entry.outcome == "cmdline":
        what = f"the command line ran instead [{_rule(entry.rule)}]"
    else:
        what = f"{entry.outcome} [{_rule(entry.rule)}]"
        if entry.target is not None and entry.outcome in ("failed", "app_down"):
            what += f", calling {entry.target}"
    if entry.duration > 0:
        what += f", the call took {entry.duration:.2f} s"
    notes = [entry.detail] if entry.detail else []
    if entry.trigger:
        notes.insert(0, f"attempt {entry.attempt}: {entry.trigger}")
    line = f"    {when}  {what}"
    if notes:
        line += "\n" + "\n".join(f"{'':16}{note}" for note in notes)
    return line


def _story(entries: list[LogEntry]) -> str:
    """One notification: when and why it was raised, then each attempt or decision."""
    first = entries[0]
    final = entries[-1] if entries[-1].final else None
    head = f"  #{first.id} {_subject(first)}, raised at {first.raised:.2f} s: {first.reason}"
    lines = [head, *(_attempt_line(entry) for entry in entries)]
    if final is None:
        lines.append(f"{'':16}still pending: BITS will try again (C5)")
    elif final.outcome in _ARRIVED and final.time > first.raised + 1e-9:
        lines.append(f"{'':16}arrived {final.time - first.raised:.2f} s after it was raised")
    return "\n".join(lines)


def _counts(entries: Iterable[LogEntry]) -> str:
    tally = Counter((entry.outcome, entry.rule) for entry in entries if entry.final)
    parts = []
    for (outcome, rule_id), count in sorted(tally.items(), key=lambda item: (-item[1], item[0])):
        parts.append(f"{count} {outcome}" + (f" [{_rule(rule_id)}]" if rule_id else ""))
    return ", ".join(parts)


def _explain_job(job: Job, entries: list[LogEntry]) -> str:
    by_id: dict[int, list[LogEntry]] = {}
    for entry in sorted(entries, key=lambda e: (e.id, e.time)):
        by_id.setdefault(entry.id, []).append(entry)
    finals = [group[-1] for group in by_id.values() if group[-1].final]
    arrived = sum(entry.outcome in _ARRIVED for entry in finals)
    pending = len(by_id) - len(finals)
    header = (
        f"job {job.name!r} (now {job.state.name}, flags {flag_names(job.get_notify_flags())}): "
        f"{len(by_id)} notifications raised, {arrived} arrived"
    )
    if pending:
        header += f", {pending} still pending"
    lines = [header]
    modifications = []
    for group in by_id.values():
        if group[0].method == "job_modification":
            modifications.append(group)
        else:
            lines.append(_story(group))
    if modifications:
        ended = [entry for group in modifications for entry in group]
        lines.append(f"  job_modification: {len(modifications)} raised (C3): {_counts(ended)}")
    return "\n".join(lines)


def explain(log: Iterable[LogEntry], job: Job | None = None) -> str:
    """The account behind :meth:`EventLog.explain`."""
    per_job: dict[Job, list[LogEntry]] = {}
    for entry in log:
        if job is None or entry.job is job:
            per_job.setdefault(entry.job, []).append(entry)
    if not per_job:
        who = f"job {job.name!r}" if job is not None else "any job"
        return f"No notification has been raised for {who} yet."
    return "\n\n".join(_explain_job(owner, entries) for owner, entries in per_job.items())
