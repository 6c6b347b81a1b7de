"""Plain-text accounts of a run, for the command line: histories, notifications, rules.

Each function returns text; colour comes from a :class:`~bitslab.views.terminal.Style` (off by
default), so the same words read the same in a terminal, a log file and a notebook.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

from ..constants import BG_SIZE_UNKNOWN, JobState
from ..model.jobs import Job
from ..rulebook import FAMILIES, Rule, rules
from ..simulation import Simulation
from ..vocabulary import PENDING, Method, Outcome
from .terminal import Style
from .words import plural, subject

__all__ = [
    "describe_world",
    "format_history",
    "format_notifications",
    "format_rules",
    "plural",
    "rules_cited",
    "significant_moments",
]

_PLAIN = Style(False)
_RULE_ID = re.compile(r"\b([A-Z]\d{1,2})\b")


def format_history(job: Job, style: Style = _PLAIN) -> str:
    """A job's state history, one line per state change with the rule that caused it."""
    progress = job.progress
    total = "unknown" if progress.bytes_total == BG_SIZE_UNKNOWN else f"{progress.bytes_total:,}"
    lines = [
        style.paint(f"job {job.name!r}", "bold")
        + f" ({job.priority.name}, {plural(progress.files_total, 'file')}, {total} bytes)"
    ]
    for change in job.history:
        why = f"{change.rule} {rules[change.rule].title}"
        state = style.state(change.new, f"{change.new.name:<16}")
        lines.append(f"  {change.time:9.2f} s  {state} {why}")
    ending = f"  ends {style.state(job.state)}: {progress.bytes_transferred:,} bytes transferred"
    if job.state in (JobState.ERROR, JobState.TRANSIENT_ERROR):
        error = job.get_error()
        ending += f"; error {error.name} ({error.description})"
    lines.append(ending)
    return "\n".join(lines)


def describe_world(sim: Simulation) -> str:
    """The link, its outages, the servers' failures, other traffic and the BITS service's
    down periods, one per line."""
    net = sim.network
    parts = [f"link {net.bandwidth:,.0f} bytes/s, latency {net.latency:g} s"]
    parts += [f"outage {span.start:g}-{span.end:g} s" for span in net.outages]
    for failure in net.failures:
        until = "for good" if failure.end == float("inf") else f"until {failure.end:g} s"
        parts.append(f"{failure.url} answers {failure.status} from {failure.start:g} s {until}")
    parts += [
        f"other traffic {span.start:g}-{span.end:g} s, {span.bandwidth:,.0f} bytes/s"
        for span in net.traffic_spans
    ]
    parts += [  # P2, P3
        f"{'reboot' if p.reboot else 'BITS service restart'} {p.start:g}-{p.end:g} s"
        for p in sim.service.periods
    ]
    return "\n".join("  " + part for part in parts)


def significant_moments(sim: Simulation, style: Style = _PLAIN) -> list[tuple[float, str]]:
    """The moments a reader needs: apps crashing, exiting and starting; jobs done or failed
    (their states in their colours)."""
    moments: list[tuple[float, str]] = []
    for app in sim.apps:
        for run in app.runs:
            if run.number > 1:
                moments.append((run.start, f"app {app.name!r} starts again (run {run.number})"))
            if run.end is not None:
                how = "crashes" if run.how == "crash" else "exits"
                moments.append((run.end, f"app {app.name!r} {how} (run {run.number} ends)"))
    for job in sim.jobs:
        for change in job.history:
            if change.new in (JobState.TRANSFERRED, JobState.ERROR) or change.new.is_final:
                moments.append((change.time, f"job {job.name!r} is {style.state(change.new)}"))
    return sorted(moments, key=lambda moment: moment[0])


def format_notifications(sim: Simulation, job: Job, style: Style = _PLAIN) -> str:
    """What BITS raised for ``job`` and how each ended, one line each; modifications, often
    many, are counted by outcome instead; notifications still pending are listed last."""
    lines = []
    modifications: Counter[str] = Counter()
    for entry in sim.log.entries(job, final=True):
        if entry.method == Method.JOB_MODIFICATION:
            modifications[entry.outcome] += 1
            continue
        rule = entry.rule or "-"
        to = f" -> {entry.target}" if entry.target and entry.outcome != Outcome.DISABLED else ""
        outcome = style.outcome(entry.outcome, f"{entry.outcome:<15}")
        about = subject(entry.method, entry.file)
        line = f"  {entry.time:9.2f} s  #{entry.id:<4} {about:<34} {outcome} {rule:<4}{to}"
        lines.append(line.rstrip())
    for pending in sim.log.pending(job):
        about = subject(pending.method, pending.file)
        status = style.outcome(PENDING, f"{PENDING:<15}")
        lines.append(
            f"  {pending.raised:9.2f} s  #{pending.id:<4} {about:<34} {status} "
            f"{pending.status} (raised; not ended when the run stopped)"
        )
    if modifications:
        counts = ", ".join(
            f"{count} {style.outcome(outcome)}" for outcome, count in sorted(modifications.items())
        )
        lines.append(f"  job_modification x{sum(modifications.values())}: {counts}")
    if not lines:
        lines.append("  (nothing raised)")
    return "\n".join(lines)


def rules_cited(sim: Simulation) -> set[str]:
    """Every rule ID a run's histories and log name, in rules or in words."""
    cited = {change.rule for job in sim.jobs for change in job.history}
    for entry in sim.log:
        if entry.rule is not None:
            cited.add(entry.rule)
        cited.update(_RULE_ID.findall(f"{entry.reason} {entry.trigger}"))
    return cited & set(rules)


def format_rules(selected: Iterable[Rule], style: Style = _PLAIN, *, sources: bool = False) -> str:
    """Rules grouped by family, each as ``  F5 (title): text``, model choices marked."""
    lines: list[str] = []
    family = None
    for rule in selected:
        if rule.family != family:
            family = rule.family
            if lines:
                lines.append("")
            lines.append(style.paint(f"{family}: {FAMILIES[family]}", "bold"))
        choice = style.paint(" [model choice]", "yellow") if rule.model_choice else ""
        lines.append(f"  {style.paint(rule.id, 'cyan')} ({rule.title}): {rule.text}{choice}")
        if sources:
            lines.append(f"      source: {rule.source}")
    return "\n".join(lines)
