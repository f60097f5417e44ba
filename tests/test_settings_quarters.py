"""Settings files and quarter windows."""

from __future__ import annotations

import pandas as pd
import pytest

from helpers.book.quarters import as_of, prior_window, quarter_range, shift_quarter, ttm_window
from helpers.book.settings import Settings, load_settings, save_settings
from helpers.errors import PumpkinError, SettingsError


def test_defaults_without_a_file(tmp_path):
    assert load_settings(None) == Settings()
    assert load_settings(tmp_path) == Settings()  # a folder without settings.toml


def test_save_and_load_round_trip(tmp_path):
    chosen = Settings().replace(
        prune_percentile=15.0,
        value_threshold=55.0,
        value_weights={**Settings().value_weights, "margin": 0.5},
    )
    path = save_settings(chosen, tmp_path)
    assert path.name == "settings.toml"
    assert load_settings(path) == chosen
    assert load_settings(tmp_path).value_weights["margin"] == 0.5


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("prune_pct = 5\n", "unknown setting"),
        ('prune_percentile = "ten"\n', "prune_percentile must be a number"),
        ("prune_percentile = 150\n", "between 0 and 100"),
        ("[value_weights]\nmargins = 1\n", "unknown key"),
        ("utilisation = \n", "not valid TOML"),
    ],
)
def test_bad_settings_files_name_the_problem(tmp_path, text, message):
    path = tmp_path / "settings.toml"
    path.write_text(text)
    with pytest.raises(SettingsError, match=message) as info:
        load_settings(path)
    assert str(path) in str(info.value)


def test_settings_are_immutable():
    settings = Settings()
    with pytest.raises(AttributeError):
        settings.prune_percentile = 5  # type: ignore[misc]
    with pytest.raises(TypeError):
        settings.value_weights["margin"] = 1  # type: ignore[index]


def test_quarter_windows():
    assert as_of("2025Q2") == pd.Timestamp("2025-06-30")
    ttm = ttm_window("2025Q2")
    assert (ttm.start, ttm.end) == (pd.Timestamp("2024-07-01"), pd.Timestamp("2025-06-30"))
    prior = prior_window("2025Q2")
    assert (prior.start, prior.end) == (pd.Timestamp("2023-07-01"), pd.Timestamp("2024-06-30"))
    assert shift_quarter("2025Q1", -1) == "2024Q4"
    assert quarter_range("2024Q3", "2025Q1") == ["2024Q3", "2024Q4", "2025Q1"]
    dates = pd.Series(pd.to_datetime(["2025-06-30", "2025-07-01"]))
    assert ttm.contains(dates).tolist() == [True, False]


@pytest.mark.parametrize("bad", ["2025-Q2", "2025Q5", "25Q1", 2025])
def test_bad_quarters_are_refused(bad):
    with pytest.raises(PumpkinError, match="quarter must look like 2025Q2"):
        as_of(bad)


@pytest.mark.parametrize(
    ("table", "key", "replacement"),
    [
        ("value_weights", "effective_rate", "value_weights.revenue"),
        ("value_weights", "alignment", "value_weights.values"),
        ("headache_weights", "misalignment", "headache_weights.disrespect"),
    ],
)
def test_an_old_settings_file_names_the_removed_key_and_its_replacement(
    tmp_path, table, key, replacement
):
    path = tmp_path / "settings.toml"
    path.write_text(f"[{table}]\n{key} = 0.2\n", encoding="utf-8")
    with pytest.raises(SettingsError) as error:
        load_settings(path)
    message = str(error.value)
    assert f"{table}.{key} was removed" in message and replacement in message
    assert str(path) in message and "\n" not in message


def test_target_margin_and_max_price_rise_have_defaults_and_ranges(tmp_path):
    assert Settings().target_margin == 0.30 and Settings().max_price_rise == 0.30
    with pytest.raises(SettingsError, match="target_margin"):
        Settings(target_margin=1.5)
    path = tmp_path / "settings.toml"
    path.write_text("target_margin = 0.25\nmax_price_rise = 0.5\n", encoding="utf-8")
    loaded = load_settings(path)
    assert (loaded.target_margin, loaded.max_price_rise) == (0.25, 0.5)
