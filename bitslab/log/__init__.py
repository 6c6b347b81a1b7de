"""The event log: one entry per delivery attempt or decision (D1).

Every notification BITS raises gets an ``id``. Each attempt to deliver it, and each decision
not to, adds a :class:`LogEntry` with that id. Once a notification is no longer pending it has
exactly one *final* entry: ``delivered``, ``cmdline`` or a reason that is not retried. Entries
are frozen; a DataFrame is made only when asked for (:meth:`EventLog.to_dataframe`), and
:meth:`EventLog.explain` turns the log into prose (see :mod:`bitslab.views.explain`).

- :mod:`~bitslab.log.records`: the entries, the pending notifications, and the plain records
  of jobs and files that a pickled log holds;
- :mod:`~bitslab.log.columns`: the columnar store the entries live in;
- :mod:`~bitslab.log.eventlog`: the :class:`EventLog` and its queries;
- :mod:`~bitslab.log.export`: the log as a DataFrame and as CSV.
"""

from __future__ import annotations

from .eventlog import OUTCOMES, EventLog
from .records import FileRecord, JobRecord, LogEntry, Pending

__all__ = ["OUTCOMES", "EventLog", "FileRecord", "JobRecord", "LogEntry", "Pending"]
