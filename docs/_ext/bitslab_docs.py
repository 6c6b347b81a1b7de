"""Sphinx extension of bitslab's docs: pages generated from the package, so they cannot drift.

- ``{bitslab-rules}``: every rule of ``bitslab.rules`` (the rulebook), one section per rule
  whose HTML anchor is its ID (``reference/rules.html#C5``), with its text, source and
  model-choice mark. ``python -m bitslab rules`` and the event log read the same records.
- ``{rule}`C5```: a link to that rule's anchor; an unknown ID is a build warning (an error
  under ``-W``).
- ``{bitslab-cli-help}``: the ``--help`` of ``python -m bitslab`` and of every subcommand,
  as the installed command line prints it.
- The tutorials: the notebooks of ``notebooks/`` are copied into ``docs/tutorials/`` (only
  those that changed) before Sphinx reads its sources; myst-nb executes them.
- The ipywidgets HTML manager, which draws the widgets' saved state in a static page, is
  vendored from the npm registry at build time (pinned, its sha512 checked) and served from
  the site's own ``_static/``: no page fetches anything from a CDN.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import io
import os
import re
import shutil
import tarfile
import urllib.request
from pathlib import Path
from typing import Any

from docutils import nodes
from sphinx import addnodes
from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.errors import ExtensionError
from sphinx.util.docutils import SphinxDirective, SphinxRole
from sphinx.util.nodes import make_refnode

from bitslab import cli, rulebook
from bitslab.cli import main as cli_main
from bitslab.rulebook import FAMILIES, Rule, rules

DOCS = Path(__file__).resolve().parent.parent
ROOT = DOCS.parent

# The HTML manager of ipywidgets 8 (@jupyter-widgets/html-manager 1.0.x; ipywidgets 8.1's own).
WIDGETS_VERSION = "1.0.15"
WIDGETS_TARBALL = (
    f"https://registry.npmjs.org/@jupyter-widgets/html-manager/-/html-manager-{WIDGETS_VERSION}.tgz"
)
WIDGETS_SHA512 = (
    "5thBIV6ymNgmPVOHvzx+gGy8ZSKmSazhtGw4/c4xJDVzRhG9PTeQsRjF3FUTopvFi//SABeNz1yp47bCrJ3CQA=="
)
WIDGETS_CACHE = ROOT / "build" / "docs" / "vendor"


def rule_label(rule_id: str) -> str:
    """The cross-reference label of a rule's section (``rule-c5``)."""
    return f"rule-{rule_id.lower()}"


def xref(label: str, content: nodes.Node) -> addnodes.pending_xref:
    """A reference to a label (``{ref}`` in MyST), resolved once every page is read: a label
    that no page defines is a build warning, an error under ``-W``."""
    node = addnodes.pending_xref(
        "", refdomain="std", reftype="ref", reftarget=label, refexplicit=True, refwarn=True
    )
    node += content
    return node


# -- the rules page ----------------------------------------------------------------------------


class RulesDirective(SphinxDirective):
    """Every rule of the rulebook, by family, each a section whose anchor is its ID."""

    has_content = False

    def run(self) -> list[nodes.Node]:
        for module in Path(rulebook.__file__).parent.glob("*.py"):
            self.env.note_dependency(str(module))  # an edited rule rebuilds this page
        std = self.env.get_domain("std")
        result: list[nodes.Node] = []
        for family, name in FAMILIES.items():
            members = [r for r in rules.values() if r.family == family]
            family_id = f"family-{family.lower()}"
            section = nodes.section(ids=[family_id], names=[family_id])
            section += nodes.title(text=f"{family}: {name}")
            ids = ", ".join(r.id for r in members)
            section += nodes.paragraph(text=f"{len(members)} rules: {ids}.")
            for rule in members:
                section += self._rule_section(rule)
                std.note_hyperlink_target(  # type: ignore[attr-defined]
                    rule_label(rule.id), self.env.docname, rule.id, f"{rule.id} {rule.title}"
                )
            result.append(section)
        return result

    def _rule_section(self, rule: Rule) -> nodes.section:
        section = nodes.section(ids=[rule.id], names=[rule_label(rule.id)])
        section["classes"].append("bitslab-rule")
        title = nodes.title()
        title += nodes.literal(text=rule.id)
        title += nodes.Text(f" {rule.title}")
        section += title
        section += nodes.paragraph(text=rule.text)
        facts = nodes.paragraph(classes=["bitslab-rule-facts"])
        facts += nodes.Text("Source: ")
        facts += nodes.inline(text=rule.source, classes=["bitslab-rule-source"])
        if rule.model_choice:
            facts += nodes.Text(" · ")
            facts += nodes.inline(text="model choice", classes=["bitslab-model-choice"])
            facts += nodes.Text(" (the public sources are silent; see ")
            facts += xref(
                f"model-choice-{rule.id.lower()}", nodes.inline(text="why, and the option")
            )
            facts += nodes.Text(")")
        section += facts
        return section


class RuleRole(SphinxRole):
    """``{rule}`C5``` links to the rule's section on the rules page, titled by its title."""

    def run(self) -> tuple[list[nodes.Node], list[nodes.system_message]]:
        rule_id = self.text.strip()
        if rule_id not in rules:
            message = self.inliner.reporter.error(
                f"unknown rule {rule_id!r}: not in bitslab.rules", line=self.lineno
            )
            return [nodes.literal(text=rule_id)], [message]
        node = addnodes.pending_xref(
            "", refdomain="", reftype="rule", reftarget=rule_label(rule_id), refwarn=True
        )
        node += nodes.literal(text=rule_id, classes=["bitslab-rule-ref"])
        return [node], []


# -- the command line's help -------------------------------------------------------------------


def cli_help(*argv: str) -> str:
    """What ``python -m bitslab ARGV --help`` prints (80 columns, no colour)."""
    out = io.StringIO()
    saved = {key: os.environ.get(key) for key in ("COLUMNS", "NO_COLOR")}
    os.environ.update(COLUMNS="88", NO_COLOR="1")
    try:
        with contextlib.redirect_stdout(out), contextlib.suppress(SystemExit):
            cli_main([*argv, "--help"])
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    return out.getvalue().rstrip() + "\n"


def cli_commands() -> list[str]:
    """The subcommands, as the top-level help lists them (``COMMAND`` then one per line)."""
    text = cli_help()
    block = text[text.index("\n  COMMAND") :]
    return re.findall(r"^ {4}(\w[\w-]*)", block, re.MULTILINE)


class CliHelpDirective(SphinxDirective):
    """``python -m bitslab --help`` and each subcommand's, generated at build time."""

    has_content = False

    def run(self) -> list[nodes.Node]:
        self.env.note_dependency(cli.__file__)  # an edited option rebuilds this page
        result: list[nodes.Node] = []
        for argv in [(), *((command,) for command in cli_commands())]:
            command = " ".join(("python -m bitslab", *argv))
            anchor = "cli-" + ("-".join(argv) or "main")
            section = nodes.section(ids=[anchor], names=[anchor])
            section += nodes.title("", "", nodes.literal(text=command))
            text = cli_help(*argv)
            block = nodes.literal_block(text, text, language="text")
            section += block
            result.append(section)
        return result


# -- tutorials: the notebooks, copied in -------------------------------------------------------


def copy_tutorials(app: Sphinx, config: Config) -> None:
    """Copy ``notebooks/NN-*.ipynb`` into ``docs/tutorials/`` where they differ; drop leftovers."""
    target = DOCS / "tutorials"
    sources = sorted((ROOT / "notebooks").glob("[0-9][0-9]-*.ipynb"))
    if not sources:
        raise ExtensionError(f"no tutorials in {ROOT / 'notebooks'}")
    wanted = {path.name for path in sources}
    for old in target.glob("*.ipynb"):
        if old.name not in wanted:
            old.unlink()
    for path in sources:
        copy = target / path.name
        if not copy.exists() or copy.read_bytes() != path.read_bytes():
            shutil.copyfile(path, copy)


# -- the ipywidgets HTML manager, vendored -----------------------------------------------------


def _widgets_tarball() -> bytes:
    """The pinned html-manager tarball, from the cache or the npm registry, sha512 checked."""
    cached = WIDGETS_CACHE / f"html-manager-{WIDGETS_VERSION}.tgz"
    if cached.exists():
        data = cached.read_bytes()
    else:
        try:
            with urllib.request.urlopen(WIDGETS_TARBALL, timeout=60) as response:
                data = response.read()
        except OSError as error:
            raise ExtensionError(
                f"cannot fetch the ipywidgets HTML manager from {WIDGETS_TARBALL}: {error}"
            ) from error
    digest = base64.b64encode(hashlib.sha512(data).digest()).decode()
    if digest != WIDGETS_SHA512:
        raise ExtensionError(f"{WIDGETS_TARBALL}: sha512 {digest} is not the pinned one")
    cached.parent.mkdir(parents=True, exist_ok=True)
    cached.write_bytes(data)
    return data


def vendor_widgets(app: Sphinx, config: Config) -> None:
    """Unpack html-manager's ``dist/`` (its embedder and fonts) into a static path of ours."""
    static = WIDGETS_CACHE / "static"
    folder = static / "ipywidgets"
    if not (folder / "embed.js").exists():
        with tarfile.open(fileobj=io.BytesIO(_widgets_tarball()), mode="r:gz") as archive:
            for member in archive.getmembers():
                name = member.name.removeprefix("package/dist/")
                if name == member.name or not member.isfile() or name.endswith(".map"):
                    continue
                if "/" in name or name.endswith("-amd.js"):
                    continue
                extracted = archive.extractfile(member)
                assert extracted is not None
                folder.mkdir(parents=True, exist_ok=True)
                (folder / name).write_bytes(extracted.read())
    config.html_static_path.append(str(static))
    # myst-nb puts these scripts on the pages that hold widget state, and only on those.
    config.nb_ipywidgets_js = {"ipywidgets/embed.js": {}}


def rule_reference(
    app: Sphinx, env: Any, node: addnodes.pending_xref, contnode: nodes.Element
) -> nodes.Element | None:
    """A ``{rule}`` link to the rule's section, keeping its ID in code type and its title as
    the link's tooltip (a ``{ref}`` would put the section's title in place of the ID)."""
    target = env.get_domain("std").labels.get(node["reftarget"])
    if target is None:
        return None
    docname, anchor, title = target
    return make_refnode(app.builder, node["refdoc"], docname, anchor, contnode, title)


def public_name(
    app: Sphinx, env: Any, node: addnodes.pending_xref, contnode: nodes.Element
) -> nodes.Element | None:
    """Resolve a Python reference as docstrings and signatures write it to the documented
    object: ``bitslab.model.jobs.Job`` and ``Job`` to ``bitslab.Job``, ``EventLog.pending`` to
    ``bitslab.EventLog.pending``, ``Compare`` to ``bitslab.widgets.Compare``; only when
    exactly one documented object fits."""
    if node.get("reftype") == "rule":
        return rule_reference(app, env, node, contnode)
    if node.get("refdomain") != "py":
        return None
    objects = env.get_domain("py").objects
    parts = str(node["reftarget"]).split(".")
    for start in range(len(parts)):
        suffix = ".".join(parts[start:])
        if f"bitslab.{suffix}" in objects:
            found = [f"bitslab.{suffix}"]
        else:
            found = [name for name in objects if name.endswith(f".{suffix}")]
        if len(found) == 1:
            entry = objects[found[0]]
            return make_refnode(
                app.builder, node["refdoc"], entry.docname, entry.node_id, contnode, found[0]
            )
        if found:
            return None
    return None


def setup(app: Sphinx) -> dict[str, Any]:
    app.add_directive("bitslab-rules", RulesDirective)
    app.add_directive("bitslab-cli-help", CliHelpDirective)
    app.add_role("rule", RuleRole())
    app.connect("config-inited", copy_tutorials)
    app.connect("config-inited", vendor_widgets)
    app.add_css_file("bitslab.css")
    app.connect("missing-reference", public_name)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
