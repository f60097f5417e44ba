"""How much the report adds beyond the unavoidable: real reports against trivial notebooks.

Renders every complete quarter of the demo book with the real report notebook, and the same
number of trivial notebooks (the parameters cell, the same imports, one small figure, an export
cell) through the same pipeline (:func:`helpers.report.render.render_reports`: papermill + nbconvert in
this one process, ``--jobs`` kernels at once). Prints both times and the ratio (target <= 1.3x).
With ``--repeat N`` the two sides alternate, N runs each (trivial first, then real first, ...),
and the best and median times are given; the ratio is of the best times (the run least slowed by
the rest of the machine). Every run starts with an empty book cache (a new ``PUMPKIN_CACHE_DIR``)
and its own output folder: nothing from an earlier run. The rendering modules are imported
before either side is timed, so the first side does not pay them alone.

    .venv/bin/python benchmarks/bench_report.py [--quarters N] [--jobs N] [--book DIR] [--repeat N]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import tempfile
import time
from pathlib import Path

import nbformat

from helpers.book.load import load_book
from helpers.book.settings import Settings
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
    parser.add_argument("--repeat", type=int, default=1, help="runs of each side, alternating")
    args = parser.parse_args()

    quarters = load_book(args.book, settings=Settings()).complete_quarters()
    quarters = quarters[-args.quarters :] if args.quarters else quarters
    report._exporter()  # build nbconvert's exporter once, outside both timings
    import papermill  # noqa: F401  (imported by the first render otherwise: outside both timings)

    loads = [os.getloadavg()[0]]
    times: dict[str, list[tuple[float, float]]] = {"trivial": [], "real": []}
    with tempfile.TemporaryDirectory(prefix="bench-report-") as tmp:
        tmp = Path(tmp)
        trivial = trivial_notebook(tmp, imports=report_imports(report.REPORT_NOTEBOOK))
        notebooks = {"trivial": trivial, "real": None}
        for run in range(max(1, args.repeat)):
            order = ("trivial", "real") if run % 2 == 0 else ("real", "trivial")
            for side in order:
                out = tmp / f"{side}-{run}"
                os.environ["PUMPKIN_CACHE_DIR"] = str(out / "cache")  # the kernels inherit it
                times[side].append(
                    timed_render(
                        quarters, book=args.book, out=out, jobs=args.jobs, notebook=notebooks[side]
                    )
                )
                loads.append(os.getloadavg()[0])
        size = sum(p.stat().st_size for p in (tmp / "real-0").glob("*Q*.html")) / len(quarters)
    n = len(quarters)
    best = {side: min(runs) for side, runs in times.items()}
    print(
        f"quarters: {n} ({quarters[0]} to {quarters[-1]}), jobs: {args.jobs}, "
        f"cores: {os.cpu_count()}, runs of each side: {len(times['real'])} (alternating), "
        f"load average {min(loads):.1f}-{max(loads):.1f}"
    )
    for side, label in (("real", "real reports:     "), ("trivial", "trivial notebooks:")):
        wall, cpu = best[side]
        median = statistics.median(w for w, _ in times[side])
        extra = f", {size / 1e3:.0f} KB each" if side == "real" else ""
        print(
            f"{label} {wall:6.1f} s wall (median {median:.1f}), {cpu:6.1f} s CPU "
            f"({wall / n:.2f} s per quarter{extra})"
        )
    ratio = best["real"][0] / best["trivial"][0]
    print(
        f"ratio: {ratio:.2f}x wall, {best['real'][1] / best['trivial'][1]:.2f}x CPU "
        f"(target <= {TARGET}x: {'met' if ratio <= TARGET else 'NOT met'})"
    )


if __name__ == "__main__":
    main()
