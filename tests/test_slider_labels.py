"""The patch's names placed with the measures kept from earlier placements (what the explorer
does on every weight move) land where names measured afresh land."""

from __future__ import annotations

import matplotlib
import numpy as np

from helpers.book.settings import Settings

matplotlib.use("Agg")


def _placed(ax) -> list[tuple]:
    return [
        (a.get_text(), a.xyann, a.get_ha(), a.get_va(), a.arrow_patch is not None)
        for a in ax.texts
        if not str(a.get_gid()).startswith("quadrant-")
    ]


def test_names_placed_with_kept_measures_land_where_fresh_measures_put_them(demo_raw_metrics):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from helpers.audit.rules import classify
    from helpers.plots.patch import _label_notable, patch_background, patch_frame
    from helpers.plots.style import house_style

    frames = [
        patch_frame(classify(demo_raw_metrics, settings=Settings(value_weights=weights)))
        for weights in ({"margin": 1.0}, {"growth": 1.0}, {"margin": 0.2, "revenue": 0.8})
    ]
    measured: dict = {}
    for frame in [*frames, *frames]:  # the second round reads only kept measures
        placements = []
        for kept in (None, measured):
            with house_style():
                figure = Figure(figsize=(10.5, 6.5), dpi=80)
                FigureCanvasAgg(figure)
                ax = figure.add_axes((0.075, 0.085, 0.63, 0.89))
                patch_background(ax, frame, colour_by="segment", currency="USD", counts=False)
                figure.canvas.draw()
                _label_notable(ax, frame, 6, measured=kept)
            placements.append(_placed(ax))
        assert len(placements[0]) == 6
        assert placements[0] == placements[1]
    assert "captions" in measured and len(measured["captions"]) == 4
    names = {k for k in measured if k != "captions"}
    assert len(names) >= 6 and all(np.isfinite(measured[k]).all() for k in names)
