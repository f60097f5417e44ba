"""A slider move's shortcuts give what the long way gives: the rule masks classify decided with
word the same reasons, and the patch's markers moved in place draw the same pixels as new ones."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from helpers.audit.rules import classify, classify_with_masks, rule_masks, word_reasons
from helpers.book.settings import Settings

SETTINGS = [
    Settings(),
    Settings(prune_percentile=25, value_threshold=35, headache_threshold=60, target_margin=0.45),
]


@pytest.mark.parametrize("settings", SETTINGS)
def test_classify_with_masks_returns_the_masks_the_rules_decide(demo_raw_metrics, settings):
    classified, masks = classify_with_masks(demo_raw_metrics, settings=settings)
    pd.testing.assert_frame_equal(
        classified, classify(demo_raw_metrics, settings=settings, reasons=False)
    )
    again = rule_masks(classified, settings=settings)
    assert masks.keys() == again.keys()
    for name, mask in masks.items():
        np.testing.assert_array_equal(mask, again[name], err_msg=name)


@pytest.mark.parametrize("settings", SETTINGS)
def test_reasons_worded_from_the_masks_are_classify_s(demo_raw_metrics, settings):
    classified, masks = classify_with_masks(demo_raw_metrics, settings=settings)
    every = np.arange(len(classified))
    worded = word_reasons(classified, settings=settings, rows=every, masks=masks)
    assert worded["reasons"].notna().all()
    pd.testing.assert_frame_equal(worded, classify(demo_raw_metrics, settings=settings))
    some = word_reasons(classified, settings=settings, rows=every[::7], masks=masks)
    assert some["reasons"].notna().sum() == len(every[::7])


def _pixels(png: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGBA"))


@pytest.mark.parametrize("clients", [150, 2500])  # exact markers, then size classes
def test_markers_moved_in_place_draw_what_new_markers_draw(demo_raw_metrics, clients, tmp_path):
    from helpers.widgets.explorer import PatchExplorer

    copies = -(-clients // len(demo_raw_metrics))
    tiled = pd.concat([demo_raw_metrics] * copies, ignore_index=True).head(clients)
    tiled = tiled.assign(client_id=[f"C{i:05d}" for i in range(len(tiled))])
    explorer = PatchExplorer(tiled, settings_file=tmp_path / "settings.toml", settings=Settings())
    weight = next(iter(explorer.value_weight_sliders.values()))
    moves = [(explorer.prune_slider, 22), (explorer.headache_slider, 61),
             (explorer.value_slider, 38), (weight, 0.05)]  # fmt: skip
    for slider, value in moves:
        layer = list(explorer._layer)
        slider.value = value
        moved = explorer.image.value
        # moved in place, not created again: exact markers while the groups stay, size
        # classes whichever classes the move fills (a pool of one marker line per class)
        assert explorer._layer == layer
        explorer._background = None  # the long way: figure, background and layer drawn anew
        np.testing.assert_array_equal(_pixels(moved), _pixels(explorer.render_patch()))


def test_banded_png_has_the_pixels_and_a_valid_stream_after_partial_changes():
    import zlib

    from helpers.widgets.explorer import BandedPng, _png

    rng = np.random.default_rng(3)
    pixels = np.full((70, 45, 4), 255, dtype=np.uint8)
    pixels[10:30, 5:20, :3] = rng.integers(0, 255, (20, 15, 3))
    encoder = BandedPng()
    for change in (None, (40, 3), (0, 1), (69, 44)):  # a band in the middle, the first, the last
        if change is not None:
            pixels = pixels.copy()
            pixels[change] = (12, 34, 56, 200)
        png = encoder.encode(pixels)
        np.testing.assert_array_equal(_pixels(png), pixels)
        np.testing.assert_array_equal(_pixels(png), _pixels(_png(pixels)))
        idat = png[png.index(b"IDAT") + 4 : png.index(b"IEND") - 8]  # checks the Adler-32
        rows = np.frombuffer(zlib.decompress(idat), dtype=np.uint8).reshape(70, 1 + 45 * 4)
        np.testing.assert_array_equal(rows[:, 1:].reshape(pixels.shape), pixels)


def _layer_pixels_after(frames, *, pool: bool) -> np.ndarray:
    """The patch layer drawn for ``frames[0]`` (frame, value threshold, headache threshold) and
    moved in place through the rest, as RGBA pixels."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from helpers.plots.patch import move_layer, patch_layer

    figure = Figure(figsize=(6, 4), dpi=60)
    FigureCanvasAgg(figure)
    ax = figure.add_axes((0.1, 0.1, 0.8, 0.8))
    ax.set_xlim(-3, 103)
    ax.set_ylim(-3, 103)
    options = dict(label=0, currency="USD", title=None, quarter=None, titles=False)
    first, value, headache = frames[0]
    layer = patch_layer(ax, first, value_threshold=value, headache_threshold=headache, pool=pool,
                        **options)  # fmt: skip
    for frame, value, headache in frames[1:]:
        assert move_layer(layer, frame, value_threshold=value, headache_threshold=headache)
    figure.canvas.draw()
    return np.asarray(figure.canvas.buffer_rgba()).copy()


def test_a_pooled_layer_moved_to_other_size_classes_and_groups_draws_what_a_new_layer_draws(
    demo_raw_metrics,
):
    from helpers.plots.patch import MAX_EXACT_POINTS, SIZE_CLASSES, _size_classes, patch_frame

    rng = np.random.default_rng(5)
    tiled = pd.concat([demo_raw_metrics] * 40, ignore_index=True).head(4000)
    tiled = tiled.assign(
        client_id=[f"C{i:05d}" for i in range(len(tiled))],
        revenue_ttm=tiled["revenue_ttm"] * rng.uniform(0.5, 1.5, len(tiled)),
    )
    frame = patch_frame(classify(tiled, settings=Settings(), reasons=False))
    assert len(frame) > MAX_EXACT_POINTS  # size classes
    # a move that empties a colour group, flips rings and leaves some size classes empty
    fewer = frame[frame["marker_group"].ne("tangled").to_numpy()]
    fewer = fewer[(fewer["marker_area"] < 60) | (fewer["marker_area"] > 400)].iloc[:2500]
    fewer = fewer.assign(prune=~fewer["prune"].to_numpy(dtype=bool))
    assert len(fewer) > MAX_EXACT_POINTS
    group = fewer[fewer["marker_group"].eq("weed").to_numpy()]
    classes = list(_size_classes(*(group[c].to_numpy(dtype=float) for c in
                   ("headache_score", "value_score", "marker_area")), group["prune"].to_numpy()))  # fmt: skip
    assert len(classes) < 2 * SIZE_CLASSES  # some classes of the group are empty
    start, moved, again = (frame, 50, 50), (fewer, 40, 61), (frame, 55, 45)
    pixels = _layer_pixels_after([start, moved], pool=True)
    np.testing.assert_array_equal(pixels, _layer_pixels_after([moved], pool=False))
    pixels = _layer_pixels_after([start, moved, again], pool=True)  # the group comes back
    np.testing.assert_array_equal(pixels, _layer_pixels_after([again], pool=False))


def _shown(explorer) -> dict:
    """What the explorer shows: its texts byte for byte, its images as pixels."""
    return {
        "summary": explorer.summary.value,
        "headline": explorer.headline.value,
        "table": explorer.table.value,
        "card": explorer.client_reasons.value,
        "patch": _pixels(explorer.image.value),
        "scorecard": _pixels(explorer.client_image.value) if explorer.client_image.value else None,
    }


@pytest.mark.parametrize("clients", [150, 2500])  # the demo (exact markers), size classes
def test_every_state_reached_by_slider_moves_shows_what_a_new_explorer_shows(
    demo_raw_metrics, clients, tmp_path
):
    """The shortcuts of a move (markers and lines moved in place, labels and small print kept
    as pixels, bands of the PNG kept, the rules' masks reused, texts kept while their inputs
    stay) against an explorer built afresh at each state: the same texts and pixels."""
    from helpers.widgets.explorer import PatchExplorer

    copies = -(-clients // len(demo_raw_metrics))
    rng = np.random.default_rng(11)
    tiled = pd.concat([demo_raw_metrics] * copies, ignore_index=True).head(clients)
    if clients > len(demo_raw_metrics):
        tiled = tiled.assign(
            client_id=[f"C{i:05d}" for i in range(len(tiled))],
            revenue_ttm=tiled["revenue_ttm"] * rng.uniform(0.7, 1.3, len(tiled)),
        )
    file = tmp_path / "settings.toml"
    explorer = PatchExplorer(tiled, settings_file=file, settings=Settings())
    value_weight = list(explorer.value_weight_sliders.values())
    headache_weight = list(explorer.headache_weight_sliders.values())
    client = explorer.client_dropdown.options[len(explorer.client_dropdown.options) // 3][1]
    moves = [(explorer.prune_slider, 22), (explorer.prune_slider, 5),
             (explorer.value_slider, 38), (explorer.headache_slider, 64),
             ("client", client), (explorer.margin_slider, 0.5), (explorer.rise_slider, 0.1),
             (value_weight[0], 0.0), (headache_weight[-1], 0.9), (explorer.value_slider, 61),
             (explorer.prune_slider, 30), (explorer.headache_slider, 30),
             (value_weight[0], 0.6), (explorer.prune_slider, 12)]  # fmt: skip
    for k, (slider, value) in enumerate(moves):
        if slider == "client":
            explorer.client_dropdown.value = value
        else:
            slider.value = value
        if (
            clients > len(demo_raw_metrics) and k % 2 == 0
        ):  # the bigger patch: every other state (time)
            continue
        fresh = PatchExplorer(tiled, settings_file=file, settings=explorer.settings)
        if explorer.client_dropdown.value is not None:
            fresh.client_dropdown.value = explorer.client_dropdown.value
        now, expected = _shown(explorer), _shown(fresh)
        for part in ("summary", "headline", "table", "card"):
            assert now[part] == expected[part], (
                part,
                slider if slider == "client" else slider.description,
                value,
            )
        for part in ("patch", "scorecard"):
            if expected[part] is None:
                assert now[part] is None
            else:
                np.testing.assert_array_equal(now[part], expected[part], err_msg=part)


def test_the_table_key_changes_with_what_the_table_shows_and_only_that(demo_raw_metrics):
    from helpers.decide.prune import candidate_rows
    from helpers.widgets.explorer import _table_key

    metrics = classify(demo_raw_metrics, settings=Settings(prune_percentile=25))
    rows = candidate_rows(metrics, limit=30)
    assert len(rows) and len(rows) < len(metrics)
    key = _table_key(metrics, rows, currency="USD")
    assert key == _table_key(metrics.copy(), rows, currency="USD")  # NaN equal to itself
    assert key != _table_key(metrics, rows, currency="EUR")
    assert key != _table_key(metrics, rows[::-1].copy(), currency="USD")
    other = np.setdiff1d(np.arange(len(metrics)), rows)[0]
    here = rows[0]
    for column, value in (("name", "Renamed Ltd"), ("revenue_ttm", 1.5), ("reasons", None),
                          ("prune_cut", True), ("segment", "prize")):  # fmt: skip
        for row, same in ((other, True), (here, False)):
            changed = metrics.copy()
            if column == "prune_cut":
                value = not bool(changed[column].iloc[row])
            if column == "segment":  # another segment than the row's
                value = "tangled" if changed[column].iloc[row] == "prize" else "prize"
            changed.loc[changed.index[row], column] = value
            assert (_table_key(changed, rows, currency="USD") == key) is same, (column, row)
    assert _table_key(metrics.drop(columns="actions"), rows, currency="USD") is None


def test_the_patch_frame_taken_column_by_column_is_pandas_selection(demo_raw_metrics):
    from helpers.plots.patch import _NEEDED, marker_areas, patch_frame

    metrics = classify(demo_raw_metrics, settings=Settings(prune_percentile=20))
    assert metrics["value_score"].isna().any()  # clients who left are not drawn
    variants = (metrics, metrics.iloc[::3], metrics.drop(columns=["prune", "actions"]),
                metrics.set_index("client_id", drop=False))  # fmt: skip
    for frame in variants:
        used = [c for c in (*_NEEDED, "prune", "actions") if c in frame.columns]
        drawn = frame[used][frame["value_score"].notna() & frame["headache_score"].notna()]
        expected = drawn.assign(
            marker_area=marker_areas(drawn["revenue_ttm"]),
            marker_group=drawn["segment"].astype(object),
        )
        pd.testing.assert_frame_equal(patch_frame(frame), expected, check_exact=True)
