"""The rules of callback class IDs (N): BITS starts the application to deliver."""

from __future__ import annotations

from .record import COM_CALLBACK, PROPERTY, Rule

__all__ = ["CLASS_RULES"]

CLASS_RULES = (
    Rule(
        "N1",
        "N",
        "A job names a callback class",
        "The job property NOTIFICATION_CLSID names a COM class for callbacks; GUID_NULL clears "
        "it, the last one set wins, a final job refuses it, and the notify flags apply.",
        PROPERTY,
    ),
    Rule(
        "N2",
        "N",
        "BITS starts the class's server",
        "With no live interface, BITS starts the class's server if it is not running, "
        "delivers to the object it makes and keeps it for the job (bitslab: the start takes "
        "server_start_delay).",
        COM_CALLBACK,
        model_choice=True,
    ),
    Rule(
        "N3",
        "N",
        "A live interface comes first",
        "An object set with set_notify_interface is always used while it can be called; the "
        "class is used only when there is none, and setting an interface replaces an object "
        "made from the class.",
        COM_CALLBACK,
    ),
    Rule(
        "N4",
        "N",
        "Failed activation is a failed call",
        "An unregistered class or a server that cannot start or make the object is a failed "
        "call, which bitslab retries as C5 or hands to the command line as K3.",
        COM_CALLBACK,
        model_choice=True,
    ),
    Rule(
        "N5",
        "N",
        "The class outlives the application",
        "BITS keeps the class with the job, across application runs and service restarts, "
        "while an interface dies with its application: the way to shut down completely and "
        "still hear about every file.",
        COM_CALLBACK,
    ),
)
