"""The pumpkin patch: every client as a pumpkin, value up, headache right, size = revenue.

A client partner reads it by quadrant: top-left prize pumpkins (grow), top-right tangled vines
(fix), bottom-left seedlings (nurture), bottom-right weeds (prune or fix). Prune candidates get a
dark ring. The title states the finding; the legends name segments in plain words and translate
marker sizes into money.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.collections import PathCollection
from matplotlib.colors import to_rgba
from matplotlib.lines import Line2D

from helpers.plots._common import new_axes, nice_number, primary_action, require_columns
from helpers.plots._repel import place_labels
from helpers.plots.style import (
    ACTION_COLOURS,
    ACTION_LABELS,
    ACTIONS,
    FIELD_SEGMENTS,
    GREY,
    INK,
    SEGMENT_COLOURS,
    SEGMENT_LABELS,
    format_money,
    house_style,
    title_artists,
)

_NEEDED = ("client_id", "name", "value_score", "headache_score", "revenue_ttm", "segment")
MAX_MARKER_AREA = 900.0  # points^2 of the biggest client
MIN_MARKER_AREA = 12.0
MAX_EXACT_POINTS = 2000  # above this, marker areas are rounded to size classes (speed)
SIZE_CLASSES = 6
# Where each segment lives: (x in axes fraction, y, ha, va) of its corner caption.
_CORNERS = {
    "prize": (0.01, 0.99, "left", "top"),
    "tangled": (0.99, 0.99, "right", "top"),
    "seedling": (0.01, 0.01, "left", "bottom"),
    "weed": (0.99, 0.01, "right", "bottom"),
}


def plot_patch(
    data: pd.DataFrame,
    *,
    ax: Axes | None = None,
    colour_by: str = "segment",
    value_threshold: float | None = None,
    headache_threshold: float | None = None,
    label: int | list[str] = 8,
    currency: str,
    title: str | None = None,
    quarter: str | None = None,
    note: str | None = None,
) -> Axes:
    """Draw the patch of one quarter's client metrics (one row per client).

    ``colour_by`` is "segment" or "action" (the first, most important action). Thresholds default
    to the medians of the scores (as the settings do). ``label`` is how many notable clients to
    name (the largest by revenue, then the largest prune candidates) or a list of client_ids.
    ``note`` is appended to the grey subtitle (e.g. the prune cut in use).
    """
    require_columns(data, _NEEDED, figure="plot_patch")
    if colour_by not in ("segment", "action"):
        raise ValueError(f"colour_by must be 'segment' or 'action', got {colour_by!r}")
    with house_style():
        ax = new_axes(ax, figsize=(11, 7.5))
        return _draw_patch(
            data,
            ax=ax,
            colour_by=colour_by,
            value_threshold=value_threshold,
            headache_threshold=headache_threshold,
            label=label,
            currency=currency,
            title=title,
            quarter=quarter,
            note=note,
        )


def max_marker_area(n_clients: int) -> float:
    """The biggest client's marker area: MAX_MARKER_AREA up to 300 clients, smaller for bigger
    books (by the square root of the count) so a crowded patch stays readable."""
    return MAX_MARKER_AREA * min(1.0, (300 / max(n_clients, 1)) ** 0.5)


def marker_areas(revenue: pd.Series, *, reference: float | None = None) -> np.ndarray:
    """Marker area proportional to revenue (the biggest client gets ``max_marker_area``)."""
    values = revenue.to_numpy(dtype=float, na_value=np.nan)
    top = reference if reference else np.nanmax(np.clip(values, 0, None), initial=0.0)
    if not top or not np.isfinite(top):
        return np.full(len(values), MIN_MARKER_AREA)
    area = np.clip(np.nan_to_num(values, nan=0.0), 0, None) / top * max_marker_area(len(values))
    return np.maximum(area, MIN_MARKER_AREA)


def notable_clients(data: pd.DataFrame, label: int | list[str]) -> pd.DataFrame:
    """The clients to name on the patch, most important first."""
    if not isinstance(label, int):
        wanted = [str(c) for c in label]
        chosen = data[data["client_id"].astype(str).isin(wanted)]
        return chosen.sort_values("revenue_ttm", ascending=False)
    return data.iloc[notable_rows(data, label)]


def notable_rows(data: pd.DataFrame, label: int) -> np.ndarray:
    """The positions in ``data`` of the ``label`` clients :func:`notable_clients` names: the
    largest by revenue, then the largest prune candidates."""
    if label <= 0:
        return np.array([], dtype=np.intp)
    n_prune = min(3, label // 3) if "prune" in data.columns else 0
    revenue = data["revenue_ttm"].to_numpy(dtype=float, na_value=-np.inf)
    order = np.argsort(-revenue, kind="stable")  # biggest first; ties keep the frame's order
    biggest = order[: label - n_prune]
    if n_prune:
        prune = data["prune"].fillna(False).to_numpy(dtype=bool, copy=True)
        prune[biggest] = False
        biggest = np.concatenate([biggest, order[prune[order]][:n_prune]])
    return biggest


def patch_title(data: pd.DataFrame, *, currency: str) -> str:
    """The finding: how much revenue the prize pumpkins bring, and how many clients to let go."""
    revenue = data["revenue_ttm"].to_numpy(dtype=float, na_value=0.0)
    segment = data["segment"].to_numpy(dtype=object)
    total = np.clip(revenue, 0, None).sum()
    prize = segment == "prize"
    prize_share = np.clip(revenue[prize], 0, None).sum() / total if total else 0.0
    head = f"{int(prize.sum())} prize pumpkins bring {prize_share:.0%} of revenue"
    if "prune" in data.columns:
        prune = data["prune"].fillna(False).to_numpy(dtype=bool)
        money = format_money(revenue[prune].sum(), currency)
        return f"{head}; {int(prune.sum())} prune candidates bring {money}"
    weeds = segment == "weed"
    money = format_money(revenue[weeds].sum(), currency)
    return f"{head}; {int(weeds.sum())} weeds bring {money}"


def _draw_patch(
    data: pd.DataFrame,
    *,
    ax: Axes,
    colour_by: str,
    value_threshold: float | None,
    headache_threshold: float | None,
    label: int | list[str],
    currency: str,
    title: str | None,
    quarter: str | None,
    note: str | None,
) -> Axes:
    frame = patch_frame(data, colour_by=colour_by)
    patch_background(ax, frame, colour_by=colour_by, currency=currency, counts=True)
    patch_layer(
        ax, frame, value_threshold=value_threshold, headache_threshold=headache_threshold,
        label=label, currency=currency, title=title, quarter=quarter, note=note,
    )  # fmt: skip
    return ax


def patch_frame(data: pd.DataFrame, *, colour_by: str = "segment") -> pd.DataFrame:
    """The columns the patch draws, plus each marker's area and colour group (named columns:
    ``marker_area``, ``marker_group``)."""
    # Only the columns drawn: filtering a wide metrics frame per group would dominate the time.
    used = [c for c in (*_NEEDED, "prune", "actions") if c in data.columns]
    if colour_by == "segment" and data.columns.is_unique:
        return _segment_frame(data, used)
    data = data[used]  # the columns first: filtering the rows of every column costs more
    # clients who left (``gone``) have no scores: they sit outside the four fields, not drawn
    data = data[data["value_score"].notna() & data["headache_score"].notna()]
    group = (
        primary_action(
            data["actions"] if "actions" in data.columns else pd.Series("", index=data.index)
        )
        if colour_by == "action"
        else data["segment"].astype(object)
    )
    return data[used].assign(marker_area=marker_areas(data["revenue_ttm"]), marker_group=group)


def _segment_frame(data: pd.DataFrame, used: list[str]) -> pd.DataFrame:
    """:func:`patch_frame` coloured by segment, built from each column's array taken at the
    scored rows (what a slider move draws; pandas' column and row selections of the wide
    metrics frame cost milliseconds): the same columns, dtypes, index and values."""
    scored = data["value_score"].notna().to_numpy() & data["headache_score"].notna().to_numpy()
    rows = np.flatnonzero(scored)
    index = data.index.take(rows)
    columns = {c: data[c].array.take(rows) for c in used}
    revenue = pd.Series(columns["revenue_ttm"], index=index, copy=False)
    columns["marker_area"] = marker_areas(revenue)
    # the segment as plain objects (not inferred as text again: the frame's marker_group is
    # object, as ``astype(object)`` makes it)
    group = np.asarray(columns["segment"], dtype=object)
    columns["marker_group"] = pd.Series(group, index=index, dtype=object, copy=False)
    return pd.DataFrame(columns, index=index, copy=False)


def _palette(colour_by: str):
    if colour_by == "action":
        return ACTIONS, ACTION_COLOURS, ACTION_LABELS
    return FIELD_SEGMENTS, SEGMENT_COLOURS, SEGMENT_LABELS


def patch_background(
    ax: Axes, frame: pd.DataFrame, *, colour_by: str, currency: str, counts: bool
) -> None:
    """What does not move with the sliders: limits, quadrant captions, axis labels, the legend.

    With ``counts=False`` (the widget) the legend lists every segment without counts, so it can
    stay in a cached background while the clients move.
    """
    order, colours, names = _palette(colour_by)
    ax.set_xlim(-3, 103)
    ax.set_ylim(-3, 103)
    _draw_quadrant_captions(ax)
    groups = frame["marker_group"]
    prune = frame["prune"].fillna(False).astype(bool) if "prune" in frame.columns else None
    present = (
        [g for g in order if (groups == g).any()]
        if counts or colour_by == "action"
        else list(order)
    )
    unknown = groups[~groups.isin(order)].dropna().unique().tolist()
    handles = []
    for group in [*present, *unknown]:
        label = names.get(group, str(group))
        handles.append(
            _legend_dot(
                colours.get(group, GREY),
                f"{label} ({(groups == group).sum()})" if counts else label,
            )
        )
    if groups.isna().any():
        handles.append(
            _legend_dot(GREY, f"Not scored ({groups.isna().sum()})" if counts else "Not scored")
        )
    if prune is not None and (prune.any() or not counts):
        text = f"Prune candidate ({int(prune.sum())})" if counts else "Prune candidate"
        handles.append(
            Line2D([], [], ls="", marker="o", ms=9, mfc="white", mec=INK, mew=1.6, label=text)
        )
    # One legend (constrained layout makes room for it): colours, the prune ring, then sizes.
    handles += _size_handles(frame["revenue_ttm"], currency=currency)
    ax.legend(
        handles=handles,
        title="Segment" if colour_by == "segment" else "First action",
        loc="upper left",
        bbox_to_anchor=(1.01, 1.0),
        alignment="left",
        labelspacing=0.9,
    )
    ax.set_xlabel("Headache score (0-100, higher = more trouble: hours, lateness, incidents)")
    ax.set_ylabel("Value score (0-100, higher = worth more: margin, rate, growth, fit)")


def patch_layer(
    ax: Axes,
    frame: pd.DataFrame,
    *,
    colour_by: str = "segment",
    value_threshold: float | None,
    headache_threshold: float | None,
    label: int | list[str],
    currency: str,
    title: str | None,
    quarter: str | None,
    note: str | None = None,
    titles: bool = True,
    pool: bool = False,
) -> list:
    """What moves with the sliders: threshold lines, the clients, their labels and the title.
    Returns the artists added (the widget redraws only these over a cached background). With
    ``titles=False`` no title is drawn and ``note`` goes in small print at the bottom centre.
    With ``pool=True`` (the widget) a patch drawn in size classes gets one marker artist per
    size class and ring of each colour group, the empty ones hidden, so that
    :func:`move_layer` can move it whichever classes a later move fills (the same pixels)."""
    before = set(ax.get_children())
    order, colours, _names = _palette(colour_by)
    value_threshold = _default(value_threshold, frame["value_score"])
    headache_threshold = _default(headache_threshold, frame["headache_score"])
    ax.axhline(value_threshold, color=GREY, ls="--", lw=1.1, zorder=2, gid="value-threshold")
    ax.axvline(headache_threshold, color=GREY, ls="--", lw=1.1, zorder=2, gid="headache-threshold")
    groups, prune = _groups_and_rings(frame)
    exact = len(frame) <= MAX_EXACT_POINTS
    for group, x, y, area, ringed in _client_groups(frame, order, groups, prune):
        colour = colours.get(group, GREY) if group is not None else GREY
        _draw_clients(
            ax, x, y, area, colour=colour, ringed=ringed, gid=f"clients-{group}", exact=exact,
            pool=pool,
        )  # fmt: skip
    _label_notable(ax, frame, label)
    subtitle = patch_subtitle(frame, quarter=quarter, note=note)
    if not titles:  # the caller shows title and subtitle itself (the widget, as HTML)
        if note:
            ax.text(0.5, 0.01, note, transform=ax.transAxes, ha="center", va="bottom",
                    fontsize=9, color="#666666", parse_math=False, zorder=4, gid="patch-note")  # fmt: skip
        return [a for a in ax.get_children() if a not in before]
    made = title_artists(ax, title or patch_title(frame, currency=currency), subtitle=subtitle)
    return [*made, *[a for a in ax.get_children() if a not in before and a not in made]]


def patch_subtitle(frame: pd.DataFrame, *, quarter: str | None, note: str | None = None) -> str:
    """The grey line under the patch's title: quarter, clients, how to read it."""
    parts = (quarter, f"{len(frame)} clients", "marker area = revenue, last 12 months",
             "dashed lines = thresholds", note)  # fmt: skip
    return " · ".join(p for p in parts if p)


def _draw_clients(
    ax: Axes, x: np.ndarray, y: np.ndarray, area: np.ndarray, *, colour: str,
    ringed: np.ndarray, gid: str, exact: bool, pool: bool = False,
) -> None:  # fmt: skip
    """One group's pumpkins: exact areas when the patch has up to MAX_EXACT_POINTS clients (a
    scatter); beyond that, areas rounded to SIZE_CLASSES classes drawn as marker lines, which
    Agg draws several times faster (what keeps the sliders quick at 10k clients). ``pool``:
    every class and ring gets its marker line, hidden while empty (see :func:`patch_layer`)."""
    if exact:
        ax.scatter(
            x, y, s=area, c=colour, alpha=0.8, edgecolors=np.where(ringed, INK, "white"),
            linewidths=np.where(ringed, 1.4, 0.5), gid=gid, zorder=3,
        )  # fmt: skip
        return
    slots = _size_slots(x, y, area, ringed) if pool else _size_classes(x, y, area, ringed)
    for ring, xs, ys, size in slots:
        empty = size is None  # a pooled slot without clients: there, hidden, for later moves
        ax.add_artist(  # add_artist: no data-limit update, the limits are fixed
            Line2D(
                xs, ys, ls="none", marker="o", ms=1.0 if empty else size,
                mfc=colour, alpha=0.8, mec=INK if ring else "white",
                mew=1.4 if ring else 0.0, gid=gid, zorder=3, transform=ax.transData,
                clip_box=ax.bbox, clip_on=True, visible=not empty,
            )
        )  # fmt: skip


def _groups_and_rings(frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Each client's colour group and whether it is ringed (a prune candidate)."""
    groups = frame["marker_group"].to_numpy(dtype=object)
    prune = (
        frame["prune"].fillna(False).to_numpy(dtype=bool)
        if "prune" in frame.columns
        else np.zeros(len(frame), dtype=bool)
    )
    return groups, prune


def _client_groups(frame: pd.DataFrame, order, groups: np.ndarray, prune: np.ndarray):
    """(group, x, y, area, ringed) of each colour group with clients, in drawing order (the
    palette's order, then groups outside it, then the clients without a group)."""
    x = frame["headache_score"].to_numpy(dtype=float)
    y = frame["value_score"].to_numpy(dtype=float)
    area = frame["marker_area"].to_numpy(dtype=float)
    # the groups as integer codes once (missing: -1; the others in order of appearance, as
    # pd.unique gives them) rather than comparing every client's group text per group
    codes, uniques = pd.factorize(groups)
    position = {g: k for k, g in enumerate(uniques.tolist())}
    unknown = [g for g in uniques.tolist() if g not in order]
    for group in [*order, *unknown, None]:
        if group is not None and group not in position:
            continue
        mask = codes < 0 if group is None else codes == position[group]
        if mask.any():
            yield group, x[mask], y[mask], area[mask], prune[mask]


def _size_classes(x: np.ndarray, y: np.ndarray, area: np.ndarray, ringed: np.ndarray):
    """(ring, x, y, marker size) of each size class with clients (above MAX_EXACT_POINTS)."""
    root = np.sqrt(area)
    edges = np.linspace(root.min(), root.max(), SIZE_CLASSES + 1)[1:-1]
    size_class = np.digitize(root, edges)
    for ring in (False, True):
        for k in range(SIZE_CLASSES):
            mask = (size_class == k) & (ringed == ring)
            if mask.any():
                yield ring, x[mask], y[mask], float(root[mask].mean())


def _size_slots(x: np.ndarray, y: np.ndarray, area: np.ndarray, ringed: np.ndarray) -> list:
    """Every (ring, x, y, marker size) slot of :func:`_size_classes` in its drawing order
    (unringed classes, then ringed), the empty ones as (ring, [], [], None): a pool's slots."""
    slots: list = [(ring, [], [], None) for ring in (False, True) for _k in range(SIZE_CLASSES)]
    if not len(x):
        return slots
    root = np.sqrt(area)
    edges = np.linspace(root.min(), root.max(), SIZE_CLASSES + 1)[1:-1]
    size_class = np.digitize(root, edges)
    for slot, (ring, k) in enumerate((r, k) for r in (False, True) for k in range(SIZE_CLASSES)):
        mask = (size_class == k) & (ringed == ring)
        if mask.any():
            slots[slot] = (ring, x[mask], y[mask], float(root[mask].mean()))
    return slots


def move_layer(
    artists: list, frame: pd.DataFrame, *, value_threshold: float, headache_threshold: float,
    colour_by: str = "segment",
) -> bool:  # fmt: skip
    """Move the artists :func:`patch_layer` made (``label=0``) to ``frame`` and the thresholds
    in place, without creating new ones: the same pixels as a new layer, at a fraction of the
    cost. A colour group that goes is hidden (shown again when it comes back); a layer drawn
    with ``pool=True`` fills and hides its size classes' slots. False (nothing changed) when
    the new layer needs other artists (a colour group appears that the layer never had, a size
    class appears or goes outside a pool, or the patch crosses MAX_EXACT_POINTS): draw a new
    one then."""
    order, _colours, _names = _palette(colour_by)
    by_gid: dict[str, list] = {}
    for artist in artists:
        by_gid.setdefault(str(artist.get_gid()), []).append(artist)
    exact = len(frame) <= MAX_EXACT_POINTS
    groups, prune = _groups_and_rings(frame)
    updates = []
    for group, x, y, area, ringed in _client_groups(frame, order, groups, prune):
        made = by_gid.pop(f"clients-{group}", [])
        if exact:
            if len(made) != 1 or not isinstance(made[0], PathCollection):
                return False
            updates.append((made[0], (x, y, area, ringed)))
            continue
        if len(made) == 2 * SIZE_CLASSES:  # a pool (or every class filled): slot by slot
            classes = _size_slots(x, y, area, ringed)
        else:
            classes = list(_size_classes(x, y, area, ringed))
        if len(made) != len(classes) or any(
            not isinstance(a, Line2D) or (a.get_markeredgecolor() == INK) != ring
            for a, (ring, *_rest) in zip(made, classes, strict=True)
        ):
            return False
        updates += [(a, c) for a, c in zip(made, classes, strict=True)]
    gone = [a for k, made in by_gid.items() if k.startswith("clients-") for a in made]
    for artist in gone:  # a colour group without clients now: hidden, kept for its return
        artist.set_visible(False)
    for artist, data in updates:
        if isinstance(artist, PathCollection):
            x, y, area, ringed = data
            artist.set_offsets(np.column_stack([x, y]))
            artist.set_sizes(area)
            # as RGBA rows (what the colour names become): not one name converted per client
            artist.set_edgecolor(np.where(ringed[:, None], _INK_RGBA, _WHITE_RGBA))
            artist.set_linewidth(np.where(ringed, 1.4, 0.5))
            artist.set_visible(True)
        else:
            _ring, xs, ys, size = data
            artist.set_data(xs, ys)
            if size is not None:
                artist.set_markersize(size)
            artist.set_visible(size is not None)
    for line in by_gid.get("value-threshold", []):
        line.set_ydata([value_threshold, value_threshold])
    for line in by_gid.get("headache-threshold", []):
        line.set_xdata([headache_threshold, headache_threshold])
    return True


_INK_RGBA, _WHITE_RGBA = np.array(to_rgba(INK)), np.array(to_rgba("white"))


def _default(threshold: float | None, scores: pd.Series) -> float:
    if threshold is not None:
        return float(threshold)
    median = scores.median()
    return float(median) if pd.notna(median) else 50.0


def _draw_quadrant_captions(ax: Axes) -> None:
    for segment, (x, y, ha, va) in _CORNERS.items():
        ax.text(
            x, y, SEGMENT_LABELS[segment], transform=ax.transAxes, ha=ha, va=va,
            fontsize=10.5, fontweight="bold", color=SEGMENT_COLOURS[segment], alpha=0.9,
            zorder=1, gid=f"quadrant-{segment}",
        )  # fmt: skip


def _legend_dot(colour: str, text: str) -> Line2D:
    return Line2D([], [], ls="", marker="o", ms=9, mfc=colour, mec="white", alpha=0.85, label=text)


def _size_handles(revenue: pd.Series, *, currency: str) -> list[Line2D]:
    """Legend entries translating marker area into money (three 1-2-5 amounts)."""
    top = float(revenue.clip(lower=0).max()) if revenue.notna().any() else 0.0
    biggest = nice_number(top)
    if biggest <= 0:
        return []
    sizes = [s for s in sorted({nice_number(biggest / 10), nice_number(biggest / 3), biggest}) if s]
    heading = Line2D([], [], ls="", marker="", label="\nRevenue, last 12 months:")
    return [heading] + [
        Line2D([], [], ls="", marker="o", mfc="#BBBBBB", mec="white",
               ms=float(np.sqrt(max(s / top * max_marker_area(len(revenue)), MIN_MARKER_AREA))),
               label=format_money(s, currency))
        for s in sizes
    ]  # fmt: skip


def _label_notable(
    ax: Axes, frame: pd.DataFrame, label: int | list[str], *, measured: dict | None = None
) -> None:
    """Name the notable clients. ``measured``: what was measured on this figure before, kept
    by a caller that labels it again and again (the names' sizes, the captions' boxes under
    ``"captions"``)."""
    chosen = notable_clients(frame, label)
    if chosen.empty:
        return
    names = chosen["name"].fillna(chosen["client_id"]).astype(str)
    names = names.where(names.str.len() <= 24, names.str.slice(0, 23) + "…")
    radius_px = np.sqrt(chosen["marker_area"].to_numpy()) / 2 * ax.figure.dpi / 72
    canvas = ax.figure.canvas
    renderer = canvas.get_renderer() if hasattr(canvas, "get_renderer") else None
    captions = measured.get("captions") if measured is not None else None
    if captions is None:
        captions = [
            t.get_window_extent(renderer)
            for t in ax.texts
            if renderer is not None and str(t.get_gid()).startswith("quadrant-")
        ]
        if measured is not None:
            measured["captions"] = captions
    place_labels(
        ax,
        chosen["headache_score"].to_numpy(dtype=float),
        chosen["value_score"].to_numpy(dtype=float),
        names.tolist(),
        marker_radius_px=radius_px,
        avoid=captions,
        sizes=measured,
    )
