"""The explorer's kept column arrays (``RawColumns``) classify as the frame itself does, and the
text layers' pixels found row by row are those of a scan of the whole image."""

from __future__ import annotations

import matplotlib
import numpy as np
import pandas as pd

from helpers.audit.rules import RawColumns, classify_with_masks
from helpers.book.settings import Settings

matplotlib.use("Agg")


SETTINGS = [
    Settings(),
    Settings(prune_percentile=25, value_threshold=35, headache_threshold=60, target_margin=0.45),
    Settings(prune_percentile=5, value_threshold=70, headache_threshold=30, max_price_rise=0.1),
]


def test_kept_columns_classify_as_the_frame_does_over_several_moves(demo_raw_metrics):
    kept = RawColumns(demo_raw_metrics)
    for settings in SETTINGS * 2:  # the arrays kept from the first moves serve the later ones
        alone, masks = classify_with_masks(demo_raw_metrics, settings=settings)
        with_kept, kept_masks = classify_with_masks(
            demo_raw_metrics, settings=settings, raw_columns=kept
        )
        pd.testing.assert_frame_equal(with_kept, alone)
        assert masks.keys() == kept_masks.keys()
        for name in masks:
            assert np.array_equal(masks[name], kept_masks[name]), name
    assert kept._arrays, "the rules read no kept array"
    assert all(not a.flags.writeable for a in kept._arrays.values())


def test_the_frame_built_once_from_kept_columns_is_the_long_way_s(demo_raw_metrics):
    """With kept columns the classified frame is built in one step from the raw Series and
    the new columns: the same frame (columns, order, dtypes, values) as widening the frame
    twice and reordering, also for a book without revenue, for a raw frame that already
    carries a classified column (the long way then), and changing it leaves the raw frame be."""
    no_revenue = demo_raw_metrics.assign(revenue_source="none")
    carrying = demo_raw_metrics.assign(segment="weed")  # a column classify writes
    for raw in (demo_raw_metrics, no_revenue, carrying):
        kept = RawColumns(raw)
        for settings in SETTINGS:
            alone, masks = classify_with_masks(raw, settings=settings)
            with_kept, kept_masks = classify_with_masks(raw, settings=settings, raw_columns=kept)
            pd.testing.assert_frame_equal(with_kept, alone, check_exact=True)
            assert list(with_kept.columns) == list(alone.columns)
            for name in masks:
                assert np.array_equal(masks[name], kept_masks[name]), name
    assert classify_with_masks(no_revenue, settings=Settings())[0]["segment"].isna().all()
    before = demo_raw_metrics.copy()
    built, _ = classify_with_masks(
        demo_raw_metrics, settings=Settings(), raw_columns=RawColumns(demo_raw_metrics)
    )
    built.loc[0, "name"] = "Changed Ltd"
    built.loc[0, "revenue_ttm"] = -1.0
    pd.testing.assert_frame_equal(demo_raw_metrics, before)  # copy-on-write: raw untouched


def test_kept_columns_of_another_frame_are_not_used(demo_raw_metrics):
    other = demo_raw_metrics.assign(
        aging_90_plus=demo_raw_metrics["aging_90_plus"] * 0 + 1e9
    )  # everyone to collect
    kept = RawColumns(other)
    kept.get("aging_90_plus")
    alone, _ = classify_with_masks(demo_raw_metrics, settings=Settings())
    with_other, _ = classify_with_masks(demo_raw_metrics, settings=Settings(), raw_columns=kept)
    pd.testing.assert_frame_equal(with_other, alone)


def test_a_text_layer_is_the_pixels_a_whole_image_scan_finds():
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from helpers.widgets.explorer import _layer_pixels

    figure = Figure(figsize=(4, 3), dpi=80)
    canvas = FigureCanvasAgg(figure)
    ax = figure.add_axes((0.1, 0.1, 0.8, 0.8))
    canvas.draw()
    texts = [
        ax.text(0.1, 0.2, "prune cut: bottom 12% by revenue per hour", fontsize=7),
        ax.annotate("Acme Ltd", xy=(0.5, 0.5), xytext=(20, 15), textcoords="offset points",
                    arrowprops={"arrowstyle": "-", "lw": 0.6}),
    ]  # fmt: skip
    rows, cols, rgb, alpha = _layer_pixels(canvas, ax, texts)
    whole = np.asarray(canvas.buffer_rgba())  # what the layer was drawn into, alone
    expected_rows, expected_cols = np.nonzero(whole[..., 3])
    assert len(rows) > 100
    assert np.array_equal(rows, expected_rows) and np.array_equal(cols, expected_cols)
    assert np.array_equal(rgb, whole[rows, cols, :3]) and np.array_equal(
        alpha[:, 0], whole[rows, cols, 3]
    )
    canvas.get_renderer().clear()
    assert _layer_pixels(canvas, ax, []) is None


def test_a_layer_composited_in_place_is_the_copy_composited():
    from helpers.widgets.explorer import _over

    rng = np.random.default_rng(3)
    pixels = rng.integers(0, 256, (20, 30, 4), dtype=np.uint8)
    rows, cols = np.nonzero(rng.random((20, 30)) < 0.3)
    layer = (
        rows,
        cols,
        rng.integers(0, 256, (len(rows), 3)).astype(np.uint16),
        rng.integers(1, 256, (len(rows), 1)).astype(np.uint16),
    )
    copied = _over(layer, pixels)
    assert not np.array_equal(copied, pixels)  # the copy changed, the pixels not yet
    assert _over(layer, pixels, in_place=True) is pixels
    assert np.array_equal(pixels, copied)


def test_kept_words_are_the_words_of_each_classification(demo_raw_metrics):
    """Reasons kept across classifications of one raw frame (WordedReasons) are the reasons
    worded afresh, whichever settings move: thresholds and value weights (masks of a few rows),
    the prune cut (its own rows' words), the margin and the price rise (every row's words), and
    back to settings seen before."""
    from helpers.audit.rules import WordedReasons, word_reasons

    kept, words = RawColumns(demo_raw_metrics), WordedReasons()
    base = Settings()
    weights = dict(base.value_weights)
    first = next(iter(weights))
    moves = [
        base,
        base.replace(value_threshold=38.0),
        base.replace(value_threshold=38.0, headache_threshold=64.0),
        base.replace(prune_percentile=25.0, value_threshold=38.0, headache_threshold=64.0),
        base.replace(prune_percentile=5.0),
        base.replace(prune_percentile=5.0, value_weights={**weights, first: 0.0}),
        base.replace(target_margin=0.5),
        base.replace(max_price_rise=0.1),
        base.replace(prune_percentile=30.0, value_threshold=61.0, headache_threshold=30.0),
        base,
    ]
    rows = np.arange(len(demo_raw_metrics))
    cut_rows = 0
    for settings in moves:
        classified, masks = classify_with_masks(
            demo_raw_metrics, settings=settings, raw_columns=kept
        )
        cut_rows += int(masks["prune_cut"].sum())
        fresh = word_reasons(classified, settings=settings, rows=rows, masks=masks)
        for some in (rows, rows[::3], rows[1::4]):
            again = word_reasons(
                classified, settings=settings, rows=some, masks=masks, worded=words
            )
            assert again["reasons"].iloc[some].tolist() == fresh["reasons"].iloc[some].tolist()
            assert again["reasons"].drop(index=some).isna().all()
    assert cut_rows, "no move prunes on the cut: the cut's own words were not tested"


def test_every_prune_cut_s_small_print_is_drawn_ahead_as_its_own_drawing(
    demo_raw_metrics, tmp_path, monkeypatch
):
    """The explorer rasterises the note of every cut the prune slider can take with the first
    patch, so a move of the cut draws no text: each note's pixels are those of the note drawn
    on its own, and the move's image those of an explorer built at that cut."""
    import helpers.widgets.explorer as module
    from helpers.widgets.explorer import PatchExplorer, _layer_pixels, _prune_note

    file = tmp_path / "settings.toml"
    explorer = PatchExplorer(demo_raw_metrics, settings_file=file, settings=Settings())
    slider = explorer.prune_slider
    cuts = [float(v) for v in np.arange(slider.min, slider.max + slider.step / 2, slider.step)]
    assert {_prune_note(v) for v in cuts} <= set(explorer._note_pixels)
    (note,) = [a for a in explorer._layer if a.get_gid() == "patch-note"]
    canvas = explorer._figure.canvas
    for cut in (cuts[0], 17.0, cuts[-1]):
        note.set_text(_prune_note(cut))
        alone = _layer_pixels(canvas, explorer._ax, [note])
        for kept, drawn in zip(explorer._note_pixels[_prune_note(cut)], alone, strict=True):
            assert np.array_equal(kept, drawn)
    note.set_text(_prune_note(slider.value))
    drawn_texts = []
    monkeypatch.setattr(
        module, "_layer_pixels", lambda *a, **k: drawn_texts.append(a) or _layer_pixels(*a, **k)
    )
    slider.value = 23
    assert drawn_texts == []  # no text rasterised on the move
    fresh = PatchExplorer(demo_raw_metrics, settings_file=file, settings=explorer.settings)
    assert explorer.image.value and np.array_equal(
        _image(explorer.image.value), _image(fresh.image.value)
    )


def _image(png: bytes) -> np.ndarray:
    import io

    from PIL import Image

    return np.asarray(Image.open(io.BytesIO(png)).convert("RGBA"))


def test_inputs_ranked_on_the_settings_are_kept_per_setting(demo_raw_metrics):
    """The values input reads the owner-outlier settings: its ranks kept for one setting are
    never served for another, so classifying with kept columns over alternating settings gives
    what classifying afresh gives."""
    kept = RawColumns(demo_raw_metrics)
    moves = [Settings(), Settings(reassign_gap=0.5, reassign_min_others=2.0), Settings()]
    for settings in moves * 2:
        alone, _ = classify_with_masks(demo_raw_metrics, settings=settings)
        with_kept, _ = classify_with_masks(demo_raw_metrics, settings=settings, raw_columns=kept)
        pd.testing.assert_frame_equal(with_kept, alone, check_exact=True)
    assert len(kept.ranked) == 2  # one ranking of the values input per distinct setting
    assert all(not r.flags.writeable for r in kept.ranked.values())
    first, second = kept.ranked.values()
    assert not np.array_equal(first, second, equal_nan=True)  # the setting moves the ranks
