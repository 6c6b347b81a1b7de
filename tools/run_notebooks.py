"""Execute notebooks in place, so the outputs nbval checks are the ones the code makes today.

    python tools/run_notebooks.py                     # every notebook under notebooks/
    python tools/run_notebooks.py notebooks/02-*.ipynb
    python tools/run_notebooks.py --no-write          # only prove that every notebook runs

Each notebook runs top to bottom in a fresh kernel of the current environment, from its own
folder (as nbval and JupyterLab run it). A notebook whose cell raises is left as it was and the
run ends with exit status 1. Needs nbclient (``pip install -e '.[notebooks]'``).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import nbclient
import nbformat

ROOT = Path(__file__).resolve().parent.parent


def run(path: Path, timeout: float, write: bool = True) -> float:
    """Execute the notebook at ``path`` and write it back; return the seconds it took."""
    notebook = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(
        notebook,
        timeout=timeout,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
        record_timing=False,  # no wall-clock times in the file
        store_widget_state=False,  # widget ids change on every run; keep diffs to what changed
    )
    began = time.perf_counter()
    client.execute()
    took = time.perf_counter() - began
    nbformat.validate(notebook)
    if write:
        nbformat.write(notebook, path)
    return took


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path, help="default: notebooks/**/*.ipynb")
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds per cell")
    parser.add_argument("--no-write", action="store_true", help="run them, but change no file")
    args = parser.parse_args(argv)
    paths = args.notebooks or sorted((ROOT / "notebooks").rglob("*.ipynb"))
    paths = [p for p in paths if ".ipynb_checkpoints" not in p.parts]
    if not paths:
        print("no notebooks found", file=sys.stderr)
        return 1
    failed = 0
    for path in paths:
        try:
            took = run(path.resolve(), args.timeout, write=not args.no_write)
        except nbclient.exceptions.CellExecutionError as error:
            failed += 1
            print(f"FAILED {path}\n{error}", file=sys.stderr)
        else:
            print(f"{took:6.1f} s  {path}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
