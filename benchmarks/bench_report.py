"""How much the report adds beyond the unavoidable: real reports against trivial notebooks.

Renders every complete quarter of the demo book with the real report notebook, and the same
number of trivial notebooks (the parameters cell, the same imports, one small figure, an export
cell) through the same pipeline (:func:`helpers.report.render.render_reports`: papermill + nbconvert in
this one process, ``--jobs`` kernels at once). Prints both times and the ratio (target <= 1.3x).
The book cache starts empty (a new ``PUMPKIN_CACHE_DIR``): nothing from an earlier run.

    .venv/bin/python benchmarks/bench_report.py [--quarters N] [--jobs N] [--book DIR]
"""

from __future__ import annotations

import argparse
import os
import resource
import tempfile
import time
from pathlib import Path

import nbformat

from helpers.book.load import load_book
from helpers.report import render as report

ROOT = Path(__file__).resolve().parents[1]
TARGET = 1.3


def report_imports(notebook: Path) -> str:
    """The import lines of the report notebook's code cells, so the trivial one pays the same."""
    nb = nbformat.read(notebook, as_version=4)
    lines = [
        line
        for cell in nb.cells
        if cell.cell_type == "code" and "parameters" not in cell.metadata.get("tags", [])
        for line in cell.source.splitlines()
        if line.startswith(("import ", "from ")) and not line.rstrip().endswith("(")
    ]
    return "\n".join(dict.fromkeys(lines))


def trivial_notebook(folder: Path, *, imports: str) -> Path:
    """Parameters, the report's imports, one small figure and a minimal export payload."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    parameters = nbformat.v4.new_code_cell(
        'quarter: str = "2025Q4"\ndata_dir: str = ""\nsettings_file: str = ""\n'
        "anonymise: bool = False"
    )
    parameters.metadata["tags"] = ["parameters"]
    export = nbformat.v4.new_code_cell(
        "from helpers.present.export import publish_export\n"
        "publish_export({'headline': {'quarter': quarter}, 'actions': {'columns': "
        "['client'], 'data': []}, 'ledger': {'columns': [], 'data': []}, "
        "'reconciliation': {'columns': [], 'data': []}})"
    )
    export.metadata["tags"] = ["export"]
    nb.cells = [
        parameters,
        nbformat.v4.new_code_cell(imports),
        nbformat.v4.new_markdown_cell("## A figure"),
        nbformat.v4.new_code_cell(
            "fig, ax = plt.subplots(figsize=(4, 3))\nax.plot([1, 2, 3], [3, 1, 2])\nplt.show()"
        ),
        export,
    ]
    path = folder / "trivial.ipynb"
    nbformat.write(nb, path)
    return path


def _cpu_seconds() -> float:
    """CPU time of this process and its finished children (the kernels), user + system."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def timed_render(
    quarters: list[str], *, book: Path, out: Path, jobs: int, notebook: Path | None = None
) -> tuple[float, float]:
    """(wall seconds, CPU seconds) to render ``quarters``; CPU time does not depend on what
    else the machine is doing, so the CPU ratio is the steadier figure on a shared machine."""
    cpu, start = _cpu_seconds(), time.perf_counter()
    run = report.render_reports(
        quarters, data_dir=book, out_dir=out, jobs=jobs, progress=False, notebook=notebook
    )
    elapsed, used = time.perf_counter() - start, _cpu_seconds() - cpu
    if run.failures:
        raise SystemExit("\n".join(str(f) for f in run.failures))
    return elapsed, used


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--book", type=Path, default=ROOT / "data" / "sample")
    parser.add_argument("--quarters", type=int, default=None, help="default: all complete")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()

    quarters = load_book(args.book).complete_quarters()
    quarters = quarters[-args.quarters :] if args.quarters else quarters
    report._exporter()  # build nbconvert's exporter once, outside both timings
    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="bench-report-") as tmp:
        tmp = Path(tmp)
        os.environ["PUMPKIN_CACHE_DIR"] = str(tmp / "cache")  # the kernels inherit it
        trivial = trivial_notebook(tmp, imports=report_imports(report.REPORT_NOTEBOOK))
        t_trivial, cpu_trivial = timed_render(
            quarters, book=args.book, out=tmp / "trivial", jobs=args.jobs, notebook=trivial
        )
        t_real, cpu_real = timed_render(quarters, book=args.book, out=tmp / "real", jobs=args.jobs)
        size = sum(p.stat().st_size for p in (tmp / "real").glob("*Q*.html")) / len(quarters)
    n = len(quarters)
    ratio = t_real / t_trivial
    print(
        f"quarters: {n} ({quarters[0]} to {quarters[-1]}), jobs: {args.jobs}, "
        f"cores: {os.cpu_count()}, load average before: {load:.1f}, after: "
        f"{os.getloadavg()[0]:.1f}"
    )
    print(
        f"real reports:      {t_real:6.1f} s wall, {cpu_real:6.1f} s CPU "
        f"({t_real / n:.2f} s per quarter, {size / 1e3:.0f} KB each)"
    )
    print(
        f"trivial notebooks: {t_trivial:6.1f} s wall, {cpu_trivial:6.1f} s CPU "
        f"({t_trivial / n:.2f} s per notebook)"
    )
    print(
        f"ratio: {ratio:.2f}x wall, {cpu_real / cpu_trivial:.2f}x CPU "
        f"(target <= {TARGET}x: {'met' if ratio <= TARGET else 'NOT met'})"
    )


if __name__ == "__main__":
    main()
