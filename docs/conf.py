"""Sphinx configuration of bitslab's documentation (Sphinx + myst-nb, the furo theme).

Build it as the README's docs command does (warnings are errors, cross-references checked):

    sphinx-build -W --keep-going -n -b html docs build/docs/html

The ten tutorials are the notebooks of ``notebooks/``, copied into ``docs/tutorials/`` and
executed at build time; the rules page and the command line's help are generated from the
package (``docs/_ext/bitslab_docs.py``), so the site cannot drift from the code.
"""

from __future__ import annotations

import sys
from pathlib import Path

import bitslab

sys.path.insert(0, str(Path(__file__).resolve().parent / "_ext"))

project = "bitslab"
author = "The bitslab developers"
copyright = "the bitslab developers"
release = version = bitslab.__version__

extensions = [
    "myst_nb",
    "sphinx.ext.autodoc",
    "bitslab_docs",  # the rules page, the CLI's help, the tutorials, the widget manager
]
exclude_patterns = ["_build", "**/.ipynb_checkpoints"]

# -- strictness: every cross-reference must resolve (-n), no internet for intersphinx ---------
nitpicky = True
nitpick_ignore_regex = [
    # Other projects' types: their sites are not reachable from the build, so no intersphinx.
    ("py:class", r"(simpy|pandas|matplotlib|ipywidgets|traitlets|numpy|collections|types)\..*"),
    ("py:class", r"(pd|plt|np|widgets|mpl)\..*"),
    ("py:(class|obj|data)", r"typing(_extensions)?\..*"),
    ("py:class", r"(Figure|Axes|DataFrame|Environment|Event|Process|Timeout|PurePath)"),
    ("py:class", r"cf\.\w+"),  # `import concurrent.futures as cf`
    ("py:class", r"Summarize"),  # bitslab.sweep's alias of Callable[[Simulation], Mapping]
    ("py:class", r"(concurrent\.futures|enum|argparse|io|os|pathlib|uuid)\..*"),
    ("py:class", r"t\.Any"),  # `import typing as t`
    # Private names (a leading underscore) are internal by design: a base class autodoc shows.
    ("py:class", r"bitslab\.(\w+\.)*_\w+"),
    ("py:class", r"bitslab\.model\.network\.NetworkListener"),  # the network's subscribers
    # The model's internals that its front doors (documented "not a BITS method") name.
    ("py:class", r"(bitslab\.model\.agenda\.)?Agenda|bitslab\.model\.ranges\.RangeSet"),
    # Sphinx splits the string annotation `tuple[float, float] | None` of restart_story's
    # keyword-only arguments at its comma; the signature is shown whole all the same.
    ("py:class", r"tuple\[float"),
    # Bare attribute names in docstrings of the views, meant as plain words.
    ("py:attr", r"error|actions"),
]

# -- myst-nb: execute every notebook at build time ---------------------------------------------
nb_execution_mode = "force"
nb_execution_timeout = 300
nb_execution_raise_on_error = True  # a tutorial that fails to run fails the build
nb_execution_show_tb = True
nb_execution_in_temp = True  # how-to guides write their example files there, not in docs/
nb_merge_streams = True
myst_enable_extensions = ["colon_fence", "deflist"]
myst_heading_anchors = 3

# -- autodoc -----------------------------------------------------------------------------------
autodoc_member_order = "bysource"
autodoc_typehints = "signature"
autodoc_default_options = {"members": True, "show-inheritance": True}

# -- HTML --------------------------------------------------------------------------------------
html_theme = "furo"
html_title = f"bitslab {release}"
html_static_path = ["_static"]
html_favicon = "_static/favicon.svg"
html_copy_source = False

# -- linkcheck: internal targets only (the build has no internet) -------------------------------
linkcheck_ignore = [r"https?://.*", r"mailto:.*"]
