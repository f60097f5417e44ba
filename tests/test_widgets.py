"""The explorer's callbacks in plain pytest: setting a slider re-classifies and redraws."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers.book.settings import Settings, load_settings
from helpers.plots.style import format_money
from helpers.report.params import ParameterError, check_parameters, settings_from_parameters

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample"


@pytest.fixture(scope="module")
def book():
    from helpers.book.load import load_book

    return load_book(SAMPLE, settings=Settings())


@pytest.fixture(scope="module")
def raw(book):
    from helpers.decide.contract import raw_metrics

    return raw_metrics(book, book.complete_quarters()[-1], settings=Settings())


@pytest.fixture
def explorer(raw, tmp_path):
    from helpers.widgets.explorer import PatchExplorer

    return PatchExplorer(raw, settings_file=tmp_path / "settings.toml", settings=Settings())


def expected_summary(metrics) -> str:
    prune = metrics[metrics["prune"]]
    return (
        f"{len(prune)} prune candidates, {format_money(prune['revenue_ttm'].sum(), currency='USD')} revenue, "
        f"{round(prune['hours_ttm'].sum()):,} hours"
    )


def test_prune_slider_reclassifies_and_updates_the_summary(explorer):
    before_summary, before_image = explorer.summary.value, explorer.image.value
    before = set(explorer.metrics.loc[explorer.metrics["prune"], "client_id"])
    explorer.prune_slider.value = 25
    metrics = explorer.metrics
    after = set(metrics.loc[metrics["prune"], "client_id"])
    # only the rate rule reads the percentile: the cut widens, adding clients ranked <= 25
    added = metrics[metrics["client_id"].isin(after - before)]
    assert before < after
    assert (added["rate_percentile"] <= 25).all()
    assert explorer.summary.value.startswith(f"<b>{expected_summary(metrics)}")
    assert "clients who left" in explorer.summary.value  # the demo has clients who left
    assert "bottom 25% by revenue per hour" in explorer.summary.value
    assert explorer.summary.value != before_summary
    assert explorer.image.value != before_image
    assert explorer.image.value[:8] == b"\x89PNG\r\n\x1a\n"


def test_threshold_sliders_move_clients_between_segments(explorer):
    explorer.value_slider.value = 70
    explorer.headache_slider.value = 30
    m = explorer.metrics
    prize = (m["value_score"] > 70) & (m["headache_score"] <= 30)
    weed = (m["value_score"] <= 70) & (m["headache_score"] > 30)
    assert (m.loc[prize, "segment"] == "prize").all() and prize.any()
    assert (m.loc[weed, "segment"] == "weed").all()
    assert explorer.settings.value_threshold == 70


def test_a_weight_slider_changes_the_scores(explorer):
    before = explorer.metrics["value_score"].copy()
    for key, slider in explorer.value_weight_sliders.items():
        slider.value = 1.0 if key == "margin" else 0.0
    after = explorer.metrics
    # with margin alone, the value score ranks clients exactly as their margin does
    assert not before.equals(after["value_score"])
    active = after[after["active"]] if "active" in after.columns else after
    order_by_score = active.sort_values(["value_score", "client_id"])[
        "margin_ttm"
    ].is_monotonic_increasing
    assert (
        order_by_score or active["value_score"].corr(active["margin_ttm"], method="spearman") > 0.99
    )


def test_the_candidates_table_lists_the_prune_candidates(explorer):
    explorer.prune_slider.value = 15
    names = explorer.metrics.loc[explorer.metrics["prune"], "name"]
    biggest = explorer.metrics[explorer.metrics["prune"]].nlargest(1, "revenue_ttm")["name"].iloc[0]
    assert explorer.table.value.count("<tr") == min(len(names), 30) + 1  # + header row
    assert biggest.replace("&", "&amp;") in explorer.table.value


def test_save_writes_the_settings_the_report_reads(explorer, tmp_path):
    explorer.prune_slider.value = 20
    explorer.headache_slider.value = 40
    path = explorer.save()
    saved = load_settings(path)
    assert path == tmp_path / "settings.toml"
    assert saved.prune_percentile == 20 and saved.headache_threshold == 40
    assert "Saved to" in explorer.save_status.value


def test_quarter_dropdown_switches_quarter_and_caches_raw_metrics(book, tmp_path):
    from helpers.widgets.explorer import PatchExplorer

    quarters = book.complete_quarters()
    explorer = PatchExplorer(
        book, quarter=quarters[-1], settings_file=tmp_path / "s.toml", settings=Settings()
    )
    explorer.quarter_dropdown.value = quarters[-2]
    assert set(explorer.metrics["quarter"]) == {quarters[-2]}
    cached = explorer.raw(quarters[-2])
    explorer.quarter_dropdown.value = quarters[-1]
    assert explorer.raw(quarters[-2]) is cached


def test_client_picker_shows_reasons_and_scorecard(explorer):
    client = explorer.metrics.nlargest(1, "revenue_ttm").iloc[0]
    explorer.client_dropdown.value = client["client_id"]
    assert client["name"].replace("&", "&amp;") in explorer.client_reasons.value
    assert str(client["actions"]) in explorer.client_reasons.value
    assert explorer.client_image.value[:8] == b"\x89PNG\r\n\x1a\n"


def test_client_card_records_a_decision_in_decisions_csv(explorer, tmp_path):
    import pandas as pd

    client = explorer.metrics.nlargest(1, "revenue_ttm").iloc[0]
    explorer.client_dropdown.value = client["client_id"]
    form = explorer.decision_form
    assert Path(form.path.value) == tmp_path / "decisions.csv"  # beside the settings file
    form.action.value, form.decided_by.value, form.note.value = "REPRICE", "Ann", "rate card"
    form.button.click()  # what a click in the browser does
    saved = pd.read_csv(tmp_path / "decisions.csv")
    assert saved[["client_id", "action", "decided_by", "note"]].values.tolist() == [
        [client["client_id"], "REPRICE", "Ann", "rate card"]
    ]
    assert saved["date"].iloc[0] == f"{pd.Timestamp.today():%Y-%m-%d}"
    assert "Recorded REPRICE" in form.status.value
    form.action.value = "REVIEW"
    explorer.client_dropdown.value = None
    assert form.record() is None and "Pick a client" in form.status.value
    assert len(pd.read_csv(tmp_path / "decisions.csv")) == 1


def test_a_keep_recorded_in_the_explorer_overrules_the_prune_recommendation(book, tmp_path):
    import pandas as pd

    from helpers.widgets.explorer import PatchExplorer

    explorer = PatchExplorer(
        book,
        settings_file=tmp_path / "s.toml",
        decisions_file=tmp_path / "decisions.csv",
        settings=Settings(),
    )
    candidate = explorer.metrics[explorer.metrics["prune"]].nlargest(1, "revenue_ttm").iloc[0]
    explorer.client_dropdown.value = candidate["client_id"]
    form = explorer.decision_form
    form.action.value, form.note.value = "KEEP", "strategic account"
    form.until.value = (pd.Timestamp.today() + pd.DateOffset(years=2)).date()
    assert form.record() is not None  # dated today: after the quarter shown, so not in it yet
    assert "it counts from" in form.status.value
    assert explorer.metrics.set_index("client_id").loc[candidate["client_id"], "prune"]
    form.action.value, form.note.value = "KEEP", "strategic account"
    form.date.value = pd.Timestamp(explorer.quarter_dropdown.value[:4] + "-12-15").date()
    form.until.value = pd.Timestamp("2026-06-30").date()
    assert form.record() is not None
    after = explorer.metrics.set_index("client_id").loc[candidate["client_id"]]
    assert after["kept_on_purpose"] and not after["prune"]
    assert after["reasons"].startswith("kept on purpose (strategic account, until ")
    assert "kept on purpose" in explorer.client_reasons.value
    assert candidate["name"].replace("&", "&amp;") not in explorer.table.value
    assert pd.read_csv(tmp_path / "decisions.csv")["action"].tolist() == ["KEEP", "KEEP"]


def test_explorer_refuses_an_unknown_source():
    from helpers.errors import PumpkinError
    from helpers.widgets.explorer import PatchExplorer

    with pytest.raises(PumpkinError, match="expected a Book"):
        PatchExplorer([1, 2, 3], settings=Settings())


# ----------------------------------------------------------------------------- parameters
def namespace(**values):
    annotations = {"quarter": str, "data_dir": str, "prune_percentile": float | None}
    base = {"quarter": "2025Q4", "data_dir": str(SAMPLE), "prune_percentile": None}
    return {"__annotations__": annotations, **base, **values}


def test_check_parameters_accepts_good_values():
    params = check_parameters(namespace(prune_percentile=12))
    assert params == {"quarter": "2025Q4", "data_dir": str(SAMPLE), "prune_percentile": 12}
    assert settings_from_parameters(params).prune_percentile == 12


def test_check_parameters_names_a_wrong_type():
    with pytest.raises(ParameterError, match=r"parameter 'quarter' must be str, got int 2024"):
        check_parameters(namespace(quarter=2024), notebook="02_metrics")


def test_check_parameters_names_an_unknown_parameter():
    with pytest.raises(ParameterError, match=r"unknown parameter\(s\) 'quartr'"):
        check_parameters(namespace(quartr="2025Q3"))


def test_check_parameters_checks_values():
    with pytest.raises(ParameterError, match="data_dir"):
        check_parameters(namespace(data_dir="/no/such/folder"))
    with pytest.raises(ParameterError, match="prune_percentile"):
        check_parameters(namespace(prune_percentile=140.0))
    with pytest.raises(ParameterError, match="quarter"):
        check_parameters(namespace(quarter="Q4-2025"))


def test_target_margin_and_largest_rise_sliders_reclassify(explorer):
    explorer.rise_slider.value = 0.05
    tight = explorer.metrics
    explorer.rise_slider.value = 1.0
    loose = explorer.metrics
    # a smaller largest rise turns more repricings into reprice-or-exit
    assert tight["prune_reprice"].sum() > loose["prune_reprice"].sum()
    assert explorer.settings.max_price_rise == 1.0
    explorer.margin_slider.value = 0.5
    assert explorer.settings.target_margin == 0.5
    assert (explorer.metrics["target_rate"] > loose["target_rate"]).any()
