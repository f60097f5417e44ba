"""The one registry of rules: every code complete, and nothing else defines the vocabulary."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from helpers.audit import rules
from helpers.audit.rules import (
    ACTION_ORDER,
    FIELD_SEGMENTS,
    PRUNE_COLUMNS,
    RULES,
    SEGMENT_NAMES,
    SEGMENT_REGISTRY,
    rules_text,
)
from helpers.book.settings import Settings

from .test_actions import BASE

SRC = Path(__file__).resolve().parents[1] / "src" / "helpers"
HEX = re.compile(r"^#[0-9A-Fa-f]{6}$")


def test_every_rule_has_label_colour_seed_meaning_mask_reason_and_method():
    frame = pd.DataFrame([BASE]).astype({"rate_rank": "Int64"})
    target, rise = rules.target_rates(frame, settings=Settings())
    frame = frame.assign(target_rate=target, target_rise=rise)
    sig = rules.Signals(frame, settings=Settings())
    rules._decide(sig)
    words = rules.Words(frame, {**sig.masks, "active": sig.active, "nonpayer_quarters":
                                np.zeros(1, bool), "nonpayer_share": np.zeros(1, bool)},
                        settings=Settings())  # fmt: skip
    sentences = rules_text(settings=Settings())
    for rule in RULES:
        assert rule.code.isupper() and rule.label and rule.meaning and rule.seed, rule
        assert HEX.match(rule.colour), rule.code
        assert rule.kind in {"prune", "fix", "review", "nurture", "grow", "keep"}
        assert sentences[rule.code] and sentences[rule.code][0].islower(), rule.code
        assert rule.mask(sig).shape == (1,)
        text = list(rule.reason(words, np.array([0])))
        assert len(text) == 1 and isinstance(text[0], str) and text[0], rule.code
    codes = [r.code for r in RULES]
    assert len(set(codes)) == len(codes) and tuple(codes) == ACTION_ORDER
    assert len({r.colour for r in RULES}) == len(RULES)  # one colour per action
    assert set(PRUNE_COLUMNS) == {"prune_abuse", "prune_nonpayer", "prune_cut", "prune_reprice"}


def test_the_segments_are_defined_once_with_gone_outside_the_fields():
    assert SEGMENT_NAMES == ("prize", "tangled", "seedling", "weed", "gone")
    assert FIELD_SEGMENTS == ("prize", "tangled", "seedling", "weed")
    assert all(HEX.match(s.colour) and s.label and s.meaning for s in SEGMENT_REGISTRY)
    assert len({s.colour for s in SEGMENT_REGISTRY}) == len(SEGMENT_REGISTRY)


def test_plots_and_report_read_the_registry():
    from helpers.plots import style
    from helpers.present import text

    assert style.ACTIONS == ACTION_ORDER
    assert dict(style.ACTION_COLOURS) == {r.code: r.colour for r in RULES}
    assert dict(style.ACTION_LABELS) == {r.code: r.label for r in RULES}
    assert dict(style.SEGMENT_COLOURS) == {s.name: s.colour for s in SEGMENT_REGISTRY}
    assert text.SEGMENTS == SEGMENT_NAMES
    methodology = text.methodology_markdown(
        settings=Settings(max_price_rise=0.25), value_threshold=50, headache_threshold=50
    )
    for rule in RULES:
        assert f"**{rule.code}**" in methodology
    assert "25%" in methodology


def test_nothing_else_defines_the_vocabulary():
    """No module but the registry spells the segment list, an action colour or label table."""
    segment_list = re.compile(r"[\(\[]\s*\"prize\",\s*\"tangled\"")
    colour_table = re.compile(r"\"(PRUNE|GROW|KEEP|REPRICE)\":\s*(\"#|OKABE)")
    label_table = re.compile(r"\"(PRUNE|GROW)\":\s*\"(Let go|Grow)\"")
    offenders = []
    for path in SRC.rglob("*.py"):
        if path.name == "rules.py" and path.parent.name == "audit":
            continue
        source = path.read_text(encoding="utf-8")
        for pattern in (segment_list, colour_table, label_table):
            if pattern.search(source):
                offenders.append(f"{path.relative_to(SRC)}: {pattern.pattern}")
    assert not offenders, offenders
