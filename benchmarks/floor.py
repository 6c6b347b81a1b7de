"""The floor: the least one notification decision can cost with bitslab's own parts.

A decision in :func:`workloads.busy_machine` is far more than this, but never less: one of
the model's timers comes due (the simulation's agenda, driven by ``sim.run()``), one
:class:`bitslab.RecordingNotifier` method is called, and one log entry is written.
:func:`bare_decisions` does exactly that, ``count`` times in a chain (each call sets the
timer for the next), and nothing else: no rule is checked, no job moves a byte. Its rate
over plain SimPy's timeouts per second is the most that issue 7's ratio could be for any
design that keeps this log and this notifier and runs in the interpreter; :mod:`bench_speed`
prints it as the ceiling beside the ratio measured.

It sets timers on the model's agenda (``sim.agenda.after``) and writes entries as delivery
does, by keyword through ``EventLog.write``.
"""

from __future__ import annotations

import gc
import time

import bitslab as bl

#: Simulated seconds between two bare decisions (any positive gap does).
GAP = 0.01


def bare_decisions(count: int) -> float:
    """Seconds of ``sim.run()`` for ``count`` bare decisions (building is not timed)."""
    sim = bl.Simulation()
    notifier = bl.RecordingNotifier(sim.add_app("floor"))
    job = sim.create_job("floor")
    log = sim.log
    target = repr(notifier)

    def decide(number: int) -> None:
        now = sim.env.now
        notifier.job_modification(job)
        log.write(
            id=number,
            time=now,
            method="job_modification",
            job=job,
            file=None,
            outcome="delivered",
            rule=None,
            final=True,
            attempt=1,
            raised=now,
            reason="bytes arrived (C3)",
            target=target,
        )
        if number < count:
            sim.agenda.after(GAP, decide, number + 1)

    sim.agenda.after(GAP, decide, 1)
    gc.collect()
    start = time.perf_counter()
    sim.run(until=GAP * (count + 2))
    seconds = time.perf_counter() - start
    if len(sim.log) != count or len(notifier.calls) != count:  # the work was really done
        raise RuntimeError(f"the floor made {len(sim.log)} entries, not {count}")
    return seconds
