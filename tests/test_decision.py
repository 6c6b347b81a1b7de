"""The delivery decision (D1) on its own: one row per situation, and what each phase decides.

Each row builds a job through the public API (flags, an interface or none, a command line,
an application that died, a state the job has left), makes a notification about it, and
asks one phase of :mod:`bitslab.delivery.decision` what happens: its outcome and rule, the
action the dispatcher is to take and, after a non-final entry, the decision that follows.
Nothing is run: the decisions are pure functions of the notification, the job's public state
and a call's result, which the last tests check.
"""

from __future__ import annotations

import ast
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

import bitslab as bl
from bitslab.delivery import decision as d1
from bitslab.delivery.decision import Action, Decision
from bitslab.delivery.notification import Notification
from bitslab.vocabulary import Method, Outcome, Status

PROGRAM = "C:\\Tools\\notify.exe"
CLSID = uuid.UUID(int=0xC15)  # N1: the job's callback class
OTHER = uuid.UUID(int=0x07E)  # another class
CALLBACKS = (
    bl.NotifyFlags.JOB_TRANSFERRED
    | bl.NotifyFlags.JOB_ERROR
    | bl.NotifyFlags.JOB_MODIFICATION
    | bl.NotifyFlags.FILE_TRANSFERRED
    | bl.NotifyFlags.FILE_RANGES_TRANSFERRED
)


class OnlyModifications:
    """A notifier with one method: anything else is not implemented (I6)."""

    def job_modification(self, job: object) -> None:
        return None


class RaisingLookup(OnlyModifications):
    """A notifier whose job_transferred cannot even be looked up (I6: no method)."""

    @property
    def job_transferred(self) -> Any:
        raise RuntimeError("no")


@dataclass(frozen=True)
class Situation:
    """What the world looks like when a phase decides."""

    method: Method = Method.JOB_TRANSFERRED
    state: str = "transferred"  # transferred, error, left (ERROR, then resumed), final
    flags: bl.NotifyFlags = CALLBACKS
    interface: str = "recording"  # recording, none, only_modifications, raising, dead
    cmdline: bool = False
    on_demand: bool = False
    via_cmdline: bool = False
    cmdline_ran: bool = False
    status: Status = Status.DELAYED
    clsid: bool = False  # N1: the job has a callback CLSID
    made: str = ""  # N2: the object made from a class for the job: live, dead, other, partial


@dataclass
class World:
    """A job in a simulation, and a notification about it."""

    sim: bl.Simulation
    job: Any
    note: Notification
    notifier: object = None
    extra: dict[str, Any] = field(default_factory=dict)


def build(s: Situation) -> World:
    """Make the situation with the public API; the notification is made before the job
    leaves its state (``left``, ``final``), as a pending one would have been."""
    sim = bl.Simulation(seed=0)
    sim.register_program(PROGRAM, lambda job, parameters: 0)
    if s.state in ("error", "left"):
        sim.network.fail("https://example.test/a.bin", 404)
    job = sim.create_job("j")
    file = job.add_file("https://example.test/a.bin", "a.bin", size=1000)
    job.resume()
    sim.run()
    notifier: object = None
    if s.interface in ("recording", "dead"):
        app = sim.add_app("app")
        notifier = bl.RecordingNotifier(app=app)
        job.set_notify_interface(notifier)
        if s.interface == "dead":
            app.crash()
    elif s.interface == "only_modifications":
        notifier = OnlyModifications()
        job.set_notify_interface(notifier)
    elif s.interface == "raising":
        notifier = RaisingLookup()
        job.set_notify_interface(notifier)
    if s.cmdline:
        job.set_notify_cmdline(PROGRAM, "")
    if s.on_demand:
        job.set_property(bl.JobProperty.ON_DEMAND_MODE, True)
    extra: dict[str, Any] = {}
    if s.clsid:
        job.set_property(bl.JobProperty.NOTIFICATION_CLSID, CLSID)
    if s.made:
        server = sim.add_app("server")
        partial = s.made == "partial"
        made: object = OnlyModifications() if partial else bl.RecordingNotifier(app=server)
        extra["made"] = d1.Made(OTHER if s.made == "other" else CLSID, made)
        if s.made == "dead":
            server.crash()
    job.set_notify_flags(s.flags)
    on_file = s.method in (Method.FILE_TRANSFERRED, Method.FILE_RANGES_TRANSFERRED)
    note = Notification(
        1, s.method, job, file if on_file else None, sim.now, "a test", via_cmdline=s.via_cmdline
    )
    note.cmdline_ran = s.cmdline_ran
    note.status = s.status
    if s.state == "left":
        job.resume()  # it leaves ERROR: a job_error about that stay no longer holds
    elif s.state == "final":
        job.cancel()
    return World(sim, job, note, notifier, extra)


def before(w: World) -> Decision:
    return d1.before_call(w.note)


def before_made(w: World) -> Decision:
    """N2: at an attempt, with the object made from a class for the job (if any)."""
    return d1.before_call(w.note, made=lambda job: w.extra.get("made"))


def activated(w: World) -> Decision:
    """N2: the class's server made the object."""
    return d1.after_activation(w.note, w.extra["made"], "via CLSID (N2)")


def not_activated(w: World) -> Decision:
    """N4: the class could not be activated."""
    return d1.activation_failed(w.note, "REGDB_E_CLASSNOTREG: no server", "CLSID")


def failed(w: World) -> Decision:
    return d1.after_call(w.note, w.notifier, "the notifier", False, "returned False", False)


def succeeded(w: World) -> Decision:
    return d1.after_call(w.note, w.notifier, "the notifier", True, "", False)


def died(w: World) -> Decision:
    """The call returned success, but an app run ended meanwhile: its own (I4)."""
    return d1.after_call(w.note, w.notifier, "the notifier", True, "", True)


def survived(w: World) -> Decision:
    """An app run ended during the call, but not the notifier's (it has none)."""
    return d1.after_call(w.note, OnlyModifications(), "the notifier", True, "", True)


def cmdline_ran(rule: str) -> Callable[[World], Decision]:
    def phase(w: World) -> Decision:
        ran = Decision(None, rule, "", Action.CMDLINE)
        return d1.after_cmdline(w.note, ran, True, f"{PROGRAM} exited 0")

    return phase


def cmdline_failed(w: World) -> Decision:
    ran = Decision(None, "K4", "", Action.CMDLINE)
    return d1.after_cmdline(w.note, ran, False, f"{PROGRAM} exited 1")


def raised_while_held(w: World) -> Decision:
    held = w.extra.setdefault("held", Notification(99, w.note.method, w.job, None, 0.0, "held"))
    return d1.when_raised(w.note, held)


def raised(w: World) -> Decision:
    return d1.when_raised(w.note, None)


def raised_after(status: Status) -> Callable[[World], Decision]:
    """C7: raised when the last one the limiter released (the last of its file, for a range
    report) is in ``status``."""

    def phase(w: World) -> Decision:
        file = w.note.file
        released = w.extra.get("released")
        if released is None:
            released = Notification(98, w.note.method, w.job, file, 0.0, "released")
            released.status = status
            w.extra["released"] = released
        return d1.when_raised(w.note, None, released)

    return phase


def swept(w: World) -> Decision | None:
    return d1.when_state_changed(w.note)


def service_stopped(w: World) -> Decision:
    """P2: the BITS service stopped while the call was under way."""
    return d1.when_service_stopped(w.note, "the notifier")


TR, ERR, MOD, FILE, RANGES = (
    Method.JOB_TRANSFERRED,
    Method.JOB_ERROR,
    Method.JOB_MODIFICATION,
    Method.FILE_TRANSFERRED,
    Method.FILE_RANGES_TRANSFERRED,
)
NO_TR = CALLBACKS & ~bl.NotifyFlags.JOB_TRANSFERRED

#: (name, situation, phase, expected) where expected is (action, outcome, rule) and, after
#: a non-final entry (Action.THEN), the (outcome, rule) that follows; None: nothing to do.
Row = tuple[str, Situation, Callable[[World], Any], Any]
ROWS: list[Row] = [
    # -- when raised: C7, C4, C8
    ("coalesced into the held one", Situation(method=MOD), raised_while_held,
     (Action.END, Outcome.COALESCED, "C7")),
    ("a modification goes through its limiter", Situation(method=MOD), raised,
     (Action.LIMIT, None, "C7")),
    ("C7: folded into the one released, in its C8 delay", Situation(method=MOD),
     raised_after(Status.DELAYED), (Action.END, Outcome.COALESCED, "C7")),
    ("C7: folded into the one released, waiting for a C9 slot", Situation(method=MOD),
     raised_after(Status.READY), (Action.END, Outcome.COALESCED, "C7")),
    ("C7: folded into the one released, parked while the service is down (P2)",
     Situation(method=MOD), raised_after(Status.SERVICE_DOWN),
     (Action.END, Outcome.COALESCED, "C7")),
    ("C7: through the limiter once the one released is being called", Situation(method=MOD),
     raised_after(Status.IN_FLIGHT), (Action.LIMIT, None, "C7")),
    ("C7: through the limiter once the one released has ended", Situation(method=MOD),
     raised_after(Status.DONE), (Action.LIMIT, None, "C7")),
    ("C7: a range report folded into its file's last, waiting for a C9 slot",
     Situation(method=RANGES), raised_after(Status.READY),
     (Action.END, Outcome.COALESCED, "C7")),
    ("C7: a range report goes to dispatch once its file's last was called",
     Situation(method=RANGES), raised_after(Status.DONE), (Action.DISPATCH, None, "C8")),
    ("a file notification waits its turn", Situation(method=FILE), raised,
     (Action.QUEUE, None, "C4")),
    ("one for the command line alone skips the queue", Situation(via_cmdline=True), raised,
     (Action.DISPATCH, None, "C8")),
    ("a range report goes to dispatch", Situation(method=RANGES), raised,
     (Action.DISPATCH, None, "C8")),
    # -- before the call, in D1's order
    ("stale: the job is final", Situation(state="final"), before,
     (Action.END, Outcome.STALE, "C11")),
    ("stale: the job left ERROR", Situation(method=ERR, state="left"), before,
     (Action.END, Outcome.STALE, "C11")),
    ("stale before disabled", Situation(state="final", flags=bl.NotifyFlags.DISABLE), before,
     (Action.END, Outcome.STALE, "C11")),
    ("disabled", Situation(flags=CALLBACKS | bl.NotifyFlags.DISABLE), before,
     (Action.END, Outcome.DISABLED, "F5")),
    ("disabled before the command line", Situation(
        flags=CALLBACKS | bl.NotifyFlags.DISABLE, cmdline=True, via_cmdline=True), before,
     (Action.END, Outcome.DISABLED, "F5")),
    ("not on demand", Situation(method=RANGES), before,
     (Action.END, Outcome.NOT_ON_DEMAND, "R6")),
    ("not on demand before filtered", Situation(method=RANGES, flags=NO_TR & ~bl.NotifyFlags.FILE_RANGES_TRANSFERRED), before,  # noqa: E501
     (Action.END, Outcome.NOT_ON_DEMAND, "R6")),
    ("filtered", Situation(flags=NO_TR), before, (Action.END, Outcome.FILTERED, "F8")),
    ("filtered before the command line", Situation(flags=NO_TR, cmdline=True), before,
     (Action.END, Outcome.FILTERED, "F8")),
    ("only the command line, first time", Situation(cmdline=True, via_cmdline=True), before,
     (Action.CMDLINE, None, "K4")),
    ("only the command line, again", Situation(
        cmdline=True, via_cmdline=True, cmdline_ran=True), before,
     (Action.CMDLINE, None, "K5")),
    ("no interface, a command line", Situation(interface="none", cmdline=True), before,
     (Action.CMDLINE, None, "K3")),
    ("no interface, no command line", Situation(interface="none"), before,
     (Action.END, Outcome.NO_INTERFACE, "I8")),
    ("no interface; a command line serves only job-level ones (K2)", Situation(
        method=FILE, interface="none", cmdline=True), before,
     (Action.END, Outcome.NO_INTERFACE, "I8")),
    ("no such method", Situation(interface="only_modifications"), before,
     (Action.END, Outcome.NOT_IMPLEMENTED, "I6")),
    ("looking the method up raises", Situation(interface="raising"), before,
     (Action.END, Outcome.NOT_IMPLEMENTED, "I6")),
    ("no such method, a command line", Situation(
        interface="only_modifications", cmdline=True), before,
     (Action.CMDLINE, None, "K3")),
    ("the app is down: retried", Situation(interface="dead"), before,
     (Action.RETRY, Outcome.APP_DOWN, "I4")),
    ("the app is down: not retried", Situation(method=MOD, interface="dead"), before,
     (Action.END, Outcome.APP_DOWN, "I4")),
    ("the app is down, a command line", Situation(interface="dead", cmdline=True), before,
     (Action.CMDLINE, None, "K3")),
    ("call", Situation(), before, (Action.CALL, None, None)),
    # -- N2, N3: a callback CLSID
    ("no interface, a CLSID: activate", Situation(interface="none", clsid=True), before_made,
     (Action.ACTIVATE, None, "N2")),
    ("the interface's app is down, a CLSID: activate", Situation(
        interface="dead", clsid=True), before_made, (Action.ACTIVATE, None, "N2")),
    ("a live interface comes first (N3)", Situation(clsid=True, made="live"), before_made,
     (Action.CALL, None, None)),
    ("the object made for the job", Situation(interface="none", clsid=True, made="live"),
     before_made, (Action.CALL, None, None)),
    ("the object made has died: activate again", Situation(
        interface="none", clsid=True, made="dead"), before_made, (Action.ACTIVATE, None, "N2")),
    ("the object made from another class: activate", Situation(
        interface="none", clsid=True, made="other"), before_made,
     (Action.ACTIVATE, None, "N2")),
    ("a CLSID, but filtered", Situation(interface="none", clsid=True, flags=NO_TR),
     before_made, (Action.END, Outcome.FILTERED, "F8")),
    ("activated: call the object", Situation(interface="none", clsid=True, made="live"),
     activated, (Action.CALL, None, None)),
    ("activated, but the object lacks the method", Situation(
        interface="none", clsid=True, made="partial"), activated,
     (Action.END, Outcome.NOT_IMPLEMENTED, "I6")),
    ("activated, but the job moved on", Situation(
        interface="none", clsid=True, made="live", state="final"), activated,
     (Action.END, Outcome.STALE, "C11")),
    ("activation failed: retried", Situation(interface="none", clsid=True), not_activated,
     (Action.RETRY, Outcome.FAILED, "N4")),
    ("activation failed: not retried", Situation(method=MOD, interface="none", clsid=True),
     not_activated, (Action.END, Outcome.FAILED, "C6")),
    ("activation failed, a command line", Situation(
        interface="none", clsid=True, cmdline=True), not_activated,
     (Action.CMDLINE, None, "K3")),
    ("call a range report", Situation(method=RANGES, on_demand=True), before,
     (Action.CALL, None, None)),
    # -- after the call
    ("delivered", Situation(), succeeded, (Action.END, Outcome.DELIVERED, None)),
    ("delivered, though another app's run ended", Situation(), survived,
     (Action.END, Outcome.DELIVERED, None)),
    ("failed, retried", Situation(method=FILE), failed, (Action.RETRY, Outcome.FAILED, "C5")),
    ("failed, not retried", Situation(method=MOD), failed, (Action.END, Outcome.FAILED, "C6")),
    ("failed, not retried, no longer wanted", Situation(method=MOD, state="final"), failed,
     (Action.THEN, Outcome.FAILED, "C5", (Outcome.STALE, "C11"))),
    ("failed, the event has passed", Situation(state="final"), failed,
     (Action.THEN, Outcome.FAILED, "C5", (Outcome.STALE, "C11"))),
    ("failed, the command line takes over", Situation(cmdline=True), failed,
     (Action.CMDLINE, None, "K3")),
    ("failed, the command line would, but flags now say disabled", Situation(
        cmdline=True, flags=CALLBACKS | bl.NotifyFlags.DISABLE), failed,
     (Action.THEN, Outcome.FAILED, "C5", (Outcome.DISABLED, "F5"))),
    ("failed, the command line would, but the job moved on", Situation(
        cmdline=True, state="final"), failed,
     (Action.THEN, Outcome.FAILED, "C5", (Outcome.STALE, "C11"))),
    ("the app died during the call: retried", Situation(interface="dead"), died,
     (Action.RETRY, Outcome.APP_DOWN, "I4")),
    ("the app died during the call: not retried", Situation(
        method=MOD, interface="dead"), died,
     (Action.END, Outcome.APP_DOWN, "I4")),
    ("the app died during the call, the event has passed", Situation(
        interface="dead", state="final"), died,
     (Action.THEN, Outcome.APP_DOWN, "I4", (Outcome.STALE, "C11"))),
    # -- after the command line
    ("the command line ran (K3)", Situation(cmdline=True), cmdline_ran("K3"),
     (Action.END, Outcome.CMDLINE, "K3")),
    ("the command line ran (K4)", Situation(cmdline=True), cmdline_ran("K4"),
     (Action.END, Outcome.CMDLINE, "K4")),
    ("the command line ran (K5)", Situation(cmdline=True), cmdline_ran("K5"),
     (Action.END, Outcome.CMDLINE, "K5")),
    ("the command line failed: run again later", Situation(cmdline=True), cmdline_failed,
     (Action.RETRY, Outcome.FAILED, "K5")),
    ("the command line failed, the event has passed", Situation(
        cmdline=True, state="final"), cmdline_failed,
     (Action.THEN, Outcome.FAILED, "K5", (Outcome.STALE, "C11"))),
    # -- the job's state changed
    ("swept: no longer wanted", Situation(state="final"), swept,
     (Action.END, Outcome.STALE, "C11")),
    ("swept: a job_error once the job left ERROR", Situation(method=ERR, state="left"), swept,
     (Action.END, Outcome.STALE, "C11")),
    ("not swept: still wanted", Situation(), swept, None),
    ("not swept: a call is under way", Situation(state="final", status=Status.IN_FLIGHT),
     swept, None),
    ("not swept: a command line is running", Situation(
        state="final", status=Status.RUNNING), swept, None),
    # -- the BITS service stopped during the call (P2)
    ("P2 abandoned: job_transferred retried", Situation(status=Status.IN_FLIGHT),
     service_stopped, (Action.RETRY, Outcome.FAILED, "P2")),
    ("P2 abandoned: file_transferred retried", Situation(method=FILE, status=Status.IN_FLIGHT),
     service_stopped, (Action.RETRY, Outcome.FAILED, "P2")),
    ("P2 abandoned: a modification is not retried (C6)", Situation(
        method=MOD, status=Status.IN_FLIGHT), service_stopped, (Action.END, Outcome.FAILED, "P2")),
    ("P2 abandoned, the event has passed", Situation(state="final", status=Status.IN_FLIGHT),
     service_stopped, (Action.THEN, Outcome.FAILED, "P2", (Outcome.STALE, "C11"))),
    ("P2 abandoned, a modification no longer wanted", Situation(
        method=MOD, state="final", status=Status.IN_FLIGHT), service_stopped,
     (Action.THEN, Outcome.FAILED, "P2", (Outcome.STALE, "C11"))),
]  # fmt: skip


#: Every row of the table, named.
EACH_ROW = pytest.mark.parametrize(
    ("situation", "phase", "expected"), [r[1:] for r in ROWS], ids=[r[0] for r in ROWS]
)


def summary(decision: Decision | None) -> Any:
    """(action, outcome, rule), and what follows a non-final entry."""
    if decision is None:
        return None
    head = (decision.action, decision.outcome, decision.rule)
    if decision.action == Action.THEN:
        assert decision.then is not None
        return (*head, (decision.then.outcome, decision.then.rule))
    return head


@EACH_ROW
def test_d1_each_situation_decides_its_outcome_and_rule(
    situation: Situation, phase: Callable[[World], Any], expected: Any
) -> None:
    assert summary(phase(build(situation))) == expected


def _expected(position: int) -> set[Any]:
    """Every outcome (``position`` 0) or rule (1) the table expects, first or after."""
    found = set()
    for *_, expected in ROWS:
        if expected is not None:
            found.add(expected[1 + position])
            if len(expected) == 4:
                found.add(expected[3][position])
    return found


def test_d1_the_table_covers_every_outcome() -> None:
    """Every D1 outcome appears in the table (and, through it, is made by the module)."""
    assert _expected(0) - {None} == set(Outcome)


def _rules_named_in_the_module() -> set[str]:
    """Every rule ID the decision module hands out (string constants such as "C5")."""
    tree = ast.parse(Path(d1.__file__).read_text(encoding="utf-8"))
    return {
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and re.fullmatch(r"[A-Z]\d+", node.value)
    }


def test_d1_the_table_covers_every_rule_the_module_names() -> None:
    """The rules of the table are exactly those the module names (None: a delivery)."""
    assert _rules_named_in_the_module() == _expected(1) - {None}


def test_d1_the_details_say_why() -> None:
    """The detail of a decision is the log's account of it."""
    w = build(Situation(flags=NO_TR))
    assert d1.before_call(w.note).detail == f"flags are 0x{int(NO_TR):X}, without JOB_TRANSFERRED"
    w = build(Situation(interface="dead"))
    decision = d1.before_call(w.note)
    assert decision.detail.startswith("RPC_S_SERVER_UNAVAILABLE: run 1 of app 'app' crashed at")
    assert decision.detail.endswith("; retry in 600 s")
    assert decision.target == "RecordingNotifier of app 'app' run 1"
    w = build(Situation(state="left", method=ERR))
    assert d1.before_call(w.note).detail == "the job left ERROR (it is QUEUED now)"
    w = build(Situation(cmdline=True))
    assert d1.after_call(w.note, w.notifier, "N", False, "returned False", False).detail == (
        "called N: job_transferred returned False"
    )


def test_c7_a_folded_one_names_the_one_it_joined() -> None:
    """C7: the detail names the one folded into (the held one first), and the decision
    carries it, so that a range report's ranges can go with it."""
    w = build(Situation(method=MOD))
    held = Notification(7, MOD, w.job, None, 0.0, "held")
    released = Notification(5, MOD, w.job, None, 0.0, "released")
    released.status = Status.READY
    decision = d1.when_raised(w.note, None, released)
    assert (decision.detail, decision.into) == ("folded into #5", released)
    decision = d1.when_raised(w.note, held, released)
    assert (decision.detail, decision.into) == ("folded into #7", held)


@EACH_ROW
def test_d1_deciding_changes_nothing(
    situation: Situation, phase: Callable[[World], Any], expected: Any
) -> None:
    """A decision is a value: the notification, the job and the log are as they were, and
    asking again gives the same answer."""
    w = build(situation)
    note = w.note
    before_fields = (note.status, note.via_cmdline, note.cmdline_ran, note.attempts, note.timer)
    job_before = (w.job.state, w.job.episode, w.job.get_notify_flags(), len(w.sim.log))
    first = phase(w)
    assert phase(w) == first
    assert (note.status, note.via_cmdline, note.cmdline_ran, note.attempts, note.timer) == (
        before_fields
    )
    assert (w.job.state, w.job.episode, w.job.get_notify_flags(), len(w.sim.log)) == job_before
