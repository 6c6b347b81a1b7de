"""The FlagPicker widget, tested as the guide asks: set ``.value`` on controls, check what
they keep (F1-F3, F5, F8).
"""

from __future__ import annotations

import pytest
from widgets_support import F

import bitslab as bl
from bitslab.widgets import FlagPicker

# -- FlagPicker -------------------------------------------------------------------------------


def test_f2_flag_picker_starts_with_a_new_jobs_flags() -> None:
    """F2: JOB_TRANSFERRED | JOB_ERROR, as a new job has."""
    picker = FlagPicker()
    assert picker.value == bl.Simulation().create_job("j").get_notify_flags() == 0x3
    ticked = {flag for flag, box in picker.boxes.items() if box.value}
    assert ticked == {F.JOB_TRANSFERRED, F.JOB_ERROR}
    assert picker.summary.value.startswith("<code>0x0003</code>")


@pytest.mark.parametrize("value", [0x0, 0x1, 0x12, 0x3B, 0x20])
def test_f1_flag_picker_value_ticks_exactly_its_bits(value: int) -> None:
    """F1: setting .value ticks one box per bit, and the summary shows it in hex."""
    picker = FlagPicker()
    picker.value = value
    assert {flag for flag, box in picker.boxes.items() if box.value} == {
        flag for flag in F if value & flag
    }
    assert f"<code>0x{value:04X}</code>" in picker.summary.value


def test_f1_ticking_boxes_builds_the_value_a_job_accepts() -> None:
    """F1: the boxes' value is what set_notify_flags takes, and the job keeps it."""
    picker = FlagPicker(value=0)
    for flag in (F.FILE_TRANSFERRED, F.JOB_MODIFICATION, F.JOB_TRANSFERRED):
        picker.boxes[flag].value = True
    assert picker.value == 0x19
    job = bl.Simulation().create_job("j")
    job.set_notify_flags(picker.value)
    assert job.get_notify_flags() == F.FILE_TRANSFERRED | F.JOB_MODIFICATION | F.JOB_TRANSFERRED
    picker.boxes[F.JOB_MODIFICATION].value = False
    assert picker.value == 0x11


def test_f5_disable_greys_out_the_other_flags_but_keeps_their_bits() -> None:
    """F5: under DISABLE nothing is delivered: the other boxes are greyed, their bits kept."""
    picker = FlagPicker(value=0x13)
    picker.boxes[F.DISABLE].value = True
    assert picker.value == 0x17
    assert [flag for flag, box in picker.boxes.items() if box.disabled] == [
        flag for flag in F if flag is not F.DISABLE
    ]
    assert "DISABLE" in picker.summary.value
    assert "(F5)" in picker.summary.value
    picker.boxes[F.DISABLE].value = False
    assert picker.value == 0x13
    assert not any(box.disabled for box in picker.boxes.values())


@pytest.mark.parametrize(
    ("value", "error"), [(0x40, ValueError), (-1, ValueError), ("3", TypeError), (True, TypeError)]
)
def test_f3_flag_picker_refuses_bits_outside_0x3f_and_keeps_its_value(
    value: object, error: type[Exception]
) -> None:
    """F3: a value BITS would refuse is refused, naming the value; nothing changes."""
    picker = FlagPicker(value=0x21)
    with pytest.raises(error, match="value"):
        picker.value = value
    assert picker.value == 0x21
    assert {flag for flag, box in picker.boxes.items() if box.value} == {
        F.JOB_TRANSFERRED,
        F.FILE_RANGES_TRANSFERRED,
    }


def test_flag_picker_drives_the_flags_tour() -> None:
    """F8: what the picker's value lets through in flags_tour is exactly its flags' kinds."""
    picker = FlagPicker()
    picker.boxes[F.FILE_TRANSFERRED].value = True
    sim = bl.scenarios.flags_tour(flags=picker.value)
    delivered = {e.method for e in sim.log.entries(outcome="delivered")}
    assert delivered == {"job_transferred", "job_error", "file_transferred"}
    filtered = {e.method for e in sim.log.entries(outcome="filtered")}
    assert filtered == {"job_modification", "file_ranges_transferred"}


def test_flag_picker_names_a_function_given_as_its_value_without_a_memory_address() -> None:
    def flag_names(flags: int) -> str:
        return str(flags)

    picker = FlagPicker(value=0x3)
    with pytest.raises(TypeError) as caught:
        picker.value = flag_names
    assert "got function flag_names" in str(caught.value)
    assert " at 0x" not in str(caught.value)
