"""Example notebooks (``packages/NAME/docs/*.ipynb``) as site pages, with nbconvert.

A notebook is converted to Markdown (its images extracted beside it, in ``STEM_files/``)
from a copy in the site's build folder, never in ``packages/``. With ``execute`` it is run
first, top to bottom, in a Jupyter kernel whose Python is the package's own fresh venv (its
wheel and ``ipykernel`` installed there), so a notebook shows what the released package
does and an error in a cell fails the build.
"""

from __future__ import annotations

import json
from pathlib import Path

from packyard.docsite.toolchain import Toolchain
from packyard.errors import CommandFailed, tail_lines
from packyard.proc import run

#: Seconds one cell may run before the build fails.
CELL_TIMEOUT = 600


def find_notebooks(docs_dir: Path) -> list[Path]:
    """The ``.ipynb`` files under ``docs_dir``, sorted (checkpoints and hidden folders
    skipped)."""
    return sorted(
        p
        for p in docs_dir.rglob("*.ipynb")
        if not any(part.startswith(".") for part in p.relative_to(docs_dir).parts)
    )


def write_kernelspec(jupyter_dir: Path, name: str, python: Path, display_name: str) -> str:
    """Write a Jupyter kernel spec running ipykernel with ``python``.

    Args:
        jupyter_dir: a folder to put on ``JUPYTER_PATH`` (the spec goes in
            ``kernels/NAME/kernel.json`` under it).
        name: the kernel name (lowercase letters, digits, ``-``, ``_``, ``.``).
        python: the interpreter of an environment with ``ipykernel``.
        display_name: the name a notebook front end shows.

    Returns:
        ``name``, for ``--ExecutePreprocessor.kernel_name``.
    """
    folder = jupyter_dir / "kernels" / name
    folder.mkdir(parents=True, exist_ok=True)
    spec = {
        "argv": [str(python), "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": display_name,
        "language": "python",
    }
    (folder / "kernel.json").write_text(json.dumps(spec, indent=2) + "\n", encoding="utf-8")
    return name


def convert_notebook(
    toolchain: Toolchain,
    notebook: Path,
    *,
    source: Path,
    kernel: str | None = None,
    jupyter_dir: Path | None = None,
    env: dict[str, str] | None = None,
) -> Path:
    """Convert a notebook to Markdown beside it, executing it first when ``kernel`` is
    given.

    Args:
        toolchain: the environment with nbconvert.
        notebook: the copy to convert (its folder is the working directory of the kernel).
        source: the original notebook, named in errors.
        kernel: the kernel spec name to execute with; no execution when None.
        jupyter_dir: the folder holding that kernel spec (put on ``JUPYTER_PATH``).
        env: extra environment variables for nbconvert and the kernel.

    Returns:
        The Markdown file written (``STEM.md`` beside the notebook).

    Raises:
        CommandFailed: nbconvert failed: the notebook is not valid JSON, or a cell raised
            or ran longer than :data:`CELL_TIMEOUT` seconds (the message names the
            notebook and the output's tail shows the error).
    """
    args: list[str | Path] = [
        toolchain.python,
        "-m",
        "nbconvert",
        "--to",
        "markdown",
        "--output-dir",
        notebook.parent,
    ]
    if kernel is not None:
        args += [
            "--execute",
            f"--ExecutePreprocessor.kernel_name={kernel}",
            f"--ExecutePreprocessor.timeout={CELL_TIMEOUT}",
        ]
    args.append(notebook.name)
    extra = dict(env or {})
    if jupyter_dir is not None:
        extra["JUPYTER_PATH"] = str(jupyter_dir)
        extra.setdefault("IPYTHONDIR", str(jupyter_dir / "ipython"))
    try:
        run(args, step="notebook", cwd=notebook.parent, env=toolchain.env(**extra))
    except CommandFailed as exc:
        error = next((line for line in reversed(tail_lines(exc.output, 40)) if "Error" in line), "")
        raise CommandFailed(
            f"notebook {source} could not be "
            + ("executed" if kernel else "converted")
            + (f": {error.strip()}" if error else ""),
            step="notebook",
            returncode=exc.returncode,
            output=exc.output,
            hint="run the notebook top to bottom in Jupyter against the installed package "
            "and fix the failing cell"
            if kernel
            else "check that the file is a valid notebook (nbformat 4)",
        ) from None
    return notebook.with_suffix(".md")
