"""``pumpkin app`` (``make app``): a widget notebook served by Voilà as a web page without code.

The partners get the pumpkin patch explorer (notebook 03) or the pruning planner (notebook 04) as
a page with its sliders, dropdown, client card and buttons, and no code cell. Voilà runs the
notebook in a fresh kernel for each visitor; the code cells' inputs are never sent to the page.

How it is served:

* the notebook's parameters (book, quarter) are injected by papermill's *prepare only* mode into
  a copy (nothing runs at that point), kept in a folder of its own under the temporary directory;
* Voilà serves that copy with the ``pumpkin`` template (``templates/jupyter/voila/templates``):
  Voilà's own lab page, less the two stylesheets it links from a public CDN, so nothing is
  fetched from outside the machine;
* it listens on 127.0.0.1 unless a host is given on purpose; on any other address it asks for a
  token (printed in the address), since whoever opens the page runs the kit's code on this
  machine.
"""

from __future__ import annotations

import ipaddress
import os
import shutil
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path

from helpers.errors import PumpkinError

#: The notebooks that work as an app (no code needed to use them), by the name ``--notebook`` takes.
APPS: Mapping[str, str] = {
    "explorer": "03_pumpkin_patch.ipynb",
    "planner": "04_pruning_plan.ipynb",
}
#: The page titles (Voilà shows the notebook's ``title`` metadata).
TITLES: Mapping[str, str] = {
    "explorer": "Pumpkin Patch: the patch explorer",
    "planner": "Pumpkin Patch: the pruning planner",
}
NOTEBOOKS = Path(__file__).resolve().parents[3] / "notebooks"
#: A Jupyter data folder holding ``voila/templates/pumpkin`` (found through ``JUPYTER_PATH``).
TEMPLATE_ROOT = Path(__file__).with_name("templates") / "jupyter"
VOILA_TEMPLATE = "pumpkin"
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8866


def is_loopback(host: str) -> bool:
    """True for ``localhost`` and addresses in 127.0.0.0/8 or ``::1``."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def app_parameters(
    *, data_dir: str | Path, quarter: str, settings_file: str | Path | None = None
) -> dict[str, str]:
    """The parameters injected into the served notebook (absolute paths: the kernel's working
    folder is the copy's, not the repository's)."""
    return {
        "quarter": str(quarter),
        "data_dir": str(Path(data_dir).resolve()),
        "settings_file": str(Path(settings_file).resolve()) if settings_file else "",
    }


def prepare_notebook(
    app: str, out_dir: str | Path, parameters: Mapping[str, object], *, notebook: Path | None = None
) -> Path:
    """A copy of the app's notebook in ``out_dir`` with ``parameters`` injected (not executed)
    and a page title; returns its path."""
    import nbformat
    import papermill

    source = Path(notebook or NOTEBOOKS / APPS[app])
    if not source.exists():
        raise PumpkinError(f"notebook {source} not found")
    declared = set(papermill.inspect_notebook(str(source)))
    unknown = sorted(k for k, v in parameters.items() if k not in declared and v not in ("", None))
    if unknown:
        raise PumpkinError(
            f"the {app} takes no {', '.join(unknown)} (it reads settings.toml beside the book)"
        )
    parameters = {k: v for k, v in parameters.items() if k in declared}
    out = Path(out_dir) / f"{app}.ipynb"
    out.parent.mkdir(parents=True, exist_ok=True)
    nb = papermill.execute_notebook(
        str(source),
        None,
        parameters=dict(parameters),
        prepare_only=True,
        kernel_name="python3",
        progress_bar=False,
        log_output=False,
    )
    nb.metadata["title"] = TITLES.get(app, app)
    nbformat.write(nb, str(out))
    return out


def voila_command(notebook: Path, *, host: str, port: int, token: str | None = None) -> list[str]:
    """The Voilà command line serving ``notebook`` (the same Python as this process)."""
    command = [
        sys.executable, "-m", "voila", str(notebook),
        "--no-browser",
        f"--port={port}",
        "--Voila.port_retries=0",  # a busy port is an error, not a silent move to another one
        f"--Voila.ip={host}",
        f"--template={VOILA_TEMPLATE}",
        "--theme=light",
        "--VoilaConfiguration.show_tracebacks=False",
        # jupytext's JupyterLab extension fails to load in Voila's page (an error in the console);
        # the widgets do not need it
        "--VoilaConfiguration.extension_denylist=jupyterlab-jupytext",
    ]  # fmt: skip
    if token:
        command.append(f"--Voila.token={token}")
    return command


def voila_environment(base: Mapping[str, str] | None = None) -> dict[str, str]:
    """``base`` (the process environment) with the kit's Voilà template first on ``JUPYTER_PATH``."""
    env = dict(os.environ if base is None else base)
    paths = [str(TEMPLATE_ROOT), *filter(None, env.get("JUPYTER_PATH", "").split(os.pathsep))]
    env["JUPYTER_PATH"] = os.pathsep.join(paths)
    return env


def app_folder(port: int) -> Path:
    """Where the served copy lives: one folder per port under the temporary directory, reused
    (and emptied) by the next start on that port."""
    folder = Path(tempfile.gettempdir()) / f"pumpkin-app-{os.getuid()}" / str(port)
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    return folder


def app_quarter(data: str | Path, quarter: str | None, *, settings_file=None) -> str:
    """``quarter``, checked against the book in ``data``, or the book's last complete quarter."""
    from helpers.book.load import load_book
    from helpers.book.quarters import parse_quarter
    from helpers.book.settings import settings_for_book

    settings = settings_for_book(data, settings_file)
    book = load_book(data, settings=settings)  # a bad book fails here, in one line
    available = book.quarters()
    if quarter:
        quarter = str(parse_quarter(quarter))
        if quarter not in available:
            span = f"{available[0]} to {available[-1]}" if available else "none"
            raise PumpkinError(
                f"no activity in the book for {quarter} (quarters with data: {span})"
            )
        return quarter
    complete = book.complete_quarters()
    if not complete:
        raise PumpkinError(f"{data}: the book has no complete quarter to show")
    return complete[-1]
