"""``sim.log.explain()``: the event log told as a story a student can read.

For each job: what BITS raised, and for each notification whether it arrived, on which
notifier or command line, and, if not or only later, which rule decided and why. Modifications
and range reports are many and alike, so they are counted (range reports per file, with the
bytes they reported) rather than told one by one. The text is deterministic (no addresses,
no wall-clock time), so notebooks can check it; it is plain unless a
:class:`~bitslab.views.terminal.Style` is given, as the command line does, to colour the job
names, states and outcomes (with the same words, so stripped of colour it reads the same).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import TYPE_CHECKING

from ..constants import JobProperty, NotifyFlags
from ..rulebook import rules
from ..vocabulary import PENDING, Method, Outcome, Status
from .terminal import Style
from .words import flag_names, subject

if TYPE_CHECKING:
    from ..log import LogEntry, Pending
    from ..model.jobs import Job

__all__ = ["explain", "flag_names"]

_PLAIN = Style(False)


def _where(pending: Pending, last: LogEntry | None) -> str:
    """Where a pending notification stands, in words."""
    cmdline = last is not None and last.rule == "K5"
    return Status(pending.status).story(pending.behind, cmdline=cmdline)


def _rule(rule_id: str | None) -> str:
    if rule_id is None:
        return ""
    found = rules.get(rule_id)
    return f"{rule_id}: {found.title}" if found is not None else rule_id


def _attempt_line(entry: LogEntry, style: Style) -> str:
    when = f"{entry.time:8.2f} s"
    if entry.outcome == Outcome.DELIVERED:
        what = f"{style.outcome(entry.outcome, 'delivered')} to {entry.target}"
    elif entry.outcome == Outcome.CMDLINE:
        ran = style.outcome(entry.outcome, "the command line ran instead")
        what = f"{ran} [{_rule(entry.rule)}]"
    else:
        what = f"{style.outcome(entry.outcome)} [{_rule(entry.rule)}]"
        if entry.target is not None and entry.outcome in (Outcome.FAILED, Outcome.APP_DOWN):
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


def _story(entries: list[LogEntry], pending: Pending | None, style: Style) -> str:
    """One notification: when and why it was raised, then each attempt or decision."""
    head = entries[0] if entries else pending
    assert head is not None
    about, raised, reason = subject(head.method, head.file), head.raised, head.reason
    number = entries[0].id if entries else pending.id if pending is not None else 0
    lines = [f"  #{number} {about}, raised at {raised:.2f} s: {reason}"]
    lines += [_attempt_line(entry, style) for entry in entries]
    last = entries[-1] if entries else None
    if pending is not None:
        lines.append(f"{'':16}{style.outcome(PENDING, _where(pending, last))}")
    elif last is not None and Outcome(last.outcome).arrived and last.time > raised + 1e-9:
        lines.append(f"{'':16}arrived {last.time - raised:.2f} s after it was raised")
    return "\n".join(lines)


def _counts(entries: Iterable[LogEntry], style: Style) -> str:
    tally = Counter((entry.outcome, entry.rule) for entry in entries if entry.final)
    parts = []
    for (outcome, rule_id), count in sorted(tally.items(), key=lambda item: (-item[1], item[0])):
        parts.append(
            f"{count} {style.outcome(outcome)}" + (f" [{_rule(rule_id)}]" if rule_id else "")
        )
    return ", ".join(parts)


def _tally(
    label: str,
    rule_id: str,
    ids: list[int],
    by_id: dict[int, list[LogEntry]],
    waiting: set[int],
    style: Style,
) -> str:
    """One line for a kind counted rather than told: how many, and how they ended."""
    entries = [entry for number in ids for entry in by_id.get(number, [])]
    summary = _counts(entries, style)
    pending = sum(number in waiting for number in ids)
    if pending:
        summary += (", " if summary else "") + style.outcome(PENDING, f"{pending} still pending")
    reported = [e for e in entries if e.final and e.outcome == Outcome.DELIVERED and e.ranges]
    if reported:
        size = sum(length for e in reported for _, length in e.ranges or ())
        summary += f"; {size:,} bytes reported in {len(reported)} calls"
    return f"  {label}: {len(ids)} raised ({rule_id}): {summary}"


def _explain_job(job: Job, entries: list[LogEntry], pending: list[Pending], style: Style) -> str:
    by_id: dict[int, list[LogEntry]] = {}
    for entry in sorted(entries, key=lambda e: (e.id, e.time)):
        by_id.setdefault(entry.id, []).append(entry)
    waiting = {p.id: p for p in pending}
    ids = sorted(set(by_id) | set(waiting))
    ends = [group[-1] for group in by_id.values()]
    arrived = sum(end.final and Outcome(end.outcome).arrived for end in ends)
    flags = job.get_notify_flags()
    header = (
        f"{style.paint(f'job {job.name!r}', 'bold')} (now {style.state(job.state)}, "
        f"flags {flag_names(flags)}): "
        f"{len(ids)} notifications raised, {arrived} arrived"
    )
    if waiting:
        header += ", " + style.outcome(PENDING, f"{len(waiting)} still pending")
    lines = [header]
    modifications: list[int] = []
    reports: dict[str, list[int]] = {}  # range reports per file
    for number in ids:
        group = by_id.get(number, [])
        first = group[0] if group else waiting[number]
        if first.method == Method.JOB_MODIFICATION:
            modifications.append(number)
        elif first.method == Method.FILE_RANGES_TRANSFERRED:
            name = first.file.local_name if first.file is not None else "?"
            reports.setdefault(name, []).append(number)
        else:
            lines.append(_story(group, waiting.get(number), style))
    for name, numbers in reports.items():
        label = f"file_ranges_transferred {name!r}"
        lines.append(_tally(label, "R4", numbers, by_id, set(waiting), style))
    if modifications:
        modified = _tally(Method.JOB_MODIFICATION, "C3", modifications, by_id, set(waiting), style)
        lines.append(modified)
    on_demand = job.get_property(JobProperty.ON_DEMAND_MODE)
    if flags & NotifyFlags.FILE_RANGES_TRANSFERRED and not on_demand and not reports:
        lines.append(
            "  file_ranges_transferred: none raised: the flag is set, but range reports exist "
            "only for on-demand jobs (F7, R6)"
        )
    return "\n".join(lines)


def explain(
    log: Iterable[LogEntry],
    pending: Iterable[Pending] = (),
    job: Job | None = None,
    *,
    style: Style = _PLAIN,
) -> str:
    """The account behind :meth:`EventLog.explain`; ``style`` colours it for a terminal."""
    per_job: dict[Job, tuple[list[LogEntry], list[Pending]]] = {}
    for entry in log:
        if job is None or entry.job is job:
            per_job.setdefault(entry.job, ([], []))[0].append(entry)
    for note in pending:
        if job is None or note.job is job:
            per_job.setdefault(note.job, ([], []))[1].append(note)
    if not per_job:
        who = f"job {job.name!r}" if job is not None else "any job"
        return f"No notification has been raised for {who} yet."
    return "\n\n".join(
        _explain_job(owner, entries, notes, style) for owner, (entries, notes) in per_job.items()
    )
