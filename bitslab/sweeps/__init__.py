"""The parts of :func:`bitslab.sweep`: the checked plan (:mod:`~bitslab.sweeps.plan`), the
runs on an executor's workers (:mod:`~bitslab.sweeps.workers`) and the table
(:mod:`~bitslab.sweeps.table`)."""
