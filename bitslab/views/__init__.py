"""The views of a run: they read its public results (the jobs' histories, the log, the apps,
the network) and never change the model. One concept per module:

- :mod:`~bitslab.views.words`: the words every text view shares (flag names, a subject);
- :mod:`~bitslab.views.explain`: the log told as prose, ``sim.log.explain()``;
- :mod:`~bitslab.views.cli_text`: the command line's plain-text account of a run;
- :mod:`~bitslab.views.terminal`: a terminal's looks (colour, a progress bar, safe text);
- :mod:`~bitslab.views.html`: HTML tables for the widgets;
- :mod:`~bitslab.views.palette`: the colour of each outcome, for every view;
- :mod:`~bitslab.views.figure` and :mod:`~bitslab.views.artists`: the matplotlib timeline.

The data they draw from is :mod:`bitslab.timeline` (what happened when, as plain data).
"""
