"""A small deterministic label placer: each label takes the first free spot around its point.

Labels are placed in priority order; a spot is free when the label box overlaps no placed label,
no labelled marker and stays inside the axes. Candidates go round the point (right, left, above,
below, diagonals) at growing distances; a leader line is drawn when the label sits far away.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from matplotlib.axes import Axes
from matplotlib.font_manager import FontProperties

# (dx sign, dy sign, horizontal alignment, vertical alignment), in order of preference.
_DIRECTIONS = (
    (1, 0, "left", "center"),
    (-1, 0, "right", "center"),
    (0, 1, "center", "bottom"),
    (0, -1, "center", "top"),
    (1, 1, "left", "bottom"),
    (-1, 1, "right", "bottom"),
    (1, -1, "left", "top"),
    (-1, -1, "right", "top"),
)
_STEPS = (1.0, 2.2, 3.6, 5.2, 7.0)


def _box(x: float, y: float, w: float, h: float, ha: str, va: str) -> np.ndarray:
    left = {"left": x, "right": x - w, "center": x - w / 2}[ha]
    bottom = {"bottom": y, "top": y - h, "center": y - h / 2}[va]
    return np.array([left, bottom, left + w, bottom + h])


def _overlap(box: np.ndarray, boxes: np.ndarray) -> float:
    if len(boxes) == 0:
        return 0.0
    w = np.clip(np.minimum(box[2], boxes[:, 2]) - np.maximum(box[0], boxes[:, 0]), 0, None)
    h = np.clip(np.minimum(box[3], boxes[:, 3]) - np.maximum(box[1], boxes[:, 1]), 0, None)
    return float((w * h).sum())


def place_labels(
    ax: Axes,
    x: Sequence[float],
    y: Sequence[float],
    texts: Sequence[str],
    *,
    marker_radius_px: Sequence[float],
    fontsize: float = 8.5,
    color: str = "#222222",
    avoid: Sequence = (),
    sizes: dict | None = None,
) -> list:
    """Annotate the points (in priority order) without overlaps; returns the annotations.

    ``avoid`` holds display-space boxes (``Bbox``) labels must keep off, e.g. captions.
    ``sizes``: the texts' measures (by text and font size) kept by a caller that labels the
    same figure again and again, filled as texts are measured.
    """
    fig = ax.figure
    renderer = fig.canvas.get_renderer() if hasattr(fig.canvas, "get_renderer") else None
    font = FontProperties(size=fontsize)
    px_per_pt = fig.dpi / 72.0
    points = ax.transData.transform(np.column_stack([x, y]))
    frame = ax.get_window_extent(renderer).extents if renderer else None
    radii = np.asarray(marker_radius_px, dtype=float)
    # Labelled markers are obstacles too, so a label never hides another labelled client.
    obstacles = np.column_stack(
        [points[:, 0] - radii, points[:, 1] - radii, points[:, 0] + radii, points[:, 1] + radii]
    )
    placed: list[np.ndarray] = [np.asarray(b.extents, dtype=float) for b in avoid]
    annotations = []
    for i, text in enumerate(texts):
        if renderer is not None:
            measured = sizes.get((text, fontsize)) if sizes is not None else None
            if measured is None:
                measured = renderer.get_text_width_height_descent(text, font, ismath=False)
                if sizes is not None:
                    sizes[(text, fontsize)] = measured
            w, h, _d = measured
        else:
            w, h = len(text) * fontsize * 0.6 * px_per_pt, fontsize * px_per_pt
        w, h = w + 4, h + 2
        px, py = points[i]
        base = radii[i] + 3.0
        best, best_cost = None, np.inf
        others = np.delete(obstacles, i, axis=0)
        taken = np.array(placed) if placed else np.empty((0, 4))
        for step in _STEPS:
            for sx, sy, ha, va in _DIRECTIONS:
                dist = base + 2.0 + 8.0 * (step - 1.0)
                norm = np.hypot(sx, sy)
                cx, cy = px + sx / norm * dist, py + sy / norm * dist
                box = _box(cx, cy, w, h, ha, va)
                cost = 4 * _overlap(box, taken) + _overlap(box, others)
                if frame is not None:
                    outside = (
                        max(frame[0] - box[0], 0)
                        + max(box[2] - frame[2], 0)
                        + max(frame[1] - box[1], 0)
                        + max(box[3] - frame[3], 0)
                    )
                    cost += outside * h * 10
                if cost < best_cost - 1e-9:
                    best, best_cost = (cx, cy, ha, va, box, dist), cost
                if cost == 0:
                    break
            if best_cost == 0:
                break
        cx, cy, ha, va, box, dist = best
        placed.append(np.asarray(box))
        far = dist > base + 8
        annotations.append(
            ax.annotate(
                text,
                xy=(x[i], y[i]),
                xytext=((cx - px) / px_per_pt, (cy - py) / px_per_pt),
                textcoords="offset points",
                ha=ha,
                va=va,
                fontsize=fontsize,
                color=color,
                arrowprops={
                    "arrowstyle": "-",
                    "color": "#777777",
                    "lw": 0.6,
                    "shrinkA": 0,
                    "shrinkB": radii[i] * 0.9 / px_per_pt,
                }
                if far
                else None,
                zorder=5,
            )
        )
    return annotations
