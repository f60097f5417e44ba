"""The house style: one colour-blind-safe palette, fixed segment and action colours, money formats.

Every figure of the kit takes its colours, labels and money formatting from here, so a segment
has the same colour in every notebook and report. The palette is Okabe-Ito (safe for the common
colour-vision deficiencies). rcParams are only changed inside :func:`house_style`, never globally.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from types import MappingProxyType

import matplotlib as mpl
from matplotlib.axes import Axes
from matplotlib.text import Text
from matplotlib.ticker import FuncFormatter

from helpers.audit.rules import ACTION_COLOURS as _ACTION_COLOURS
from helpers.audit.rules import ACTION_LABELS as _ACTION_LABELS
from helpers.audit.rules import ACTION_ORDER, SEGMENT_NAMES
from helpers.audit.rules import FIELD_SEGMENTS as _FIELD_SEGMENTS
from helpers.audit.rules import SEGMENT_COLOURS as _SEGMENT_COLOURS
from helpers.audit.rules import SEGMENT_LABELS as _SEGMENT_LABELS
from helpers.present.format import (  # noqa: F401  (re-exported for the plots)
    CURRENCY_SYMBOLS,
    currency_symbol,
    format_count,
    format_money,
)

#: Okabe-Ito, the colour-blind-safe palette (Okabe & Ito 2008).
OKABE_ITO = MappingProxyType(
    {
        "orange": "#E69F00",
        "sky_blue": "#56B4E9",
        "bluish_green": "#009E73",
        "yellow": "#F0E442",
        "blue": "#0072B2",
        "vermillion": "#D55E00",
        "reddish_purple": "#CC79A7",
        "black": "#000000",
    }
)
GREY = "#8C8C8C"
LIGHT_GREY = "#D9D9D9"
INK = "#333333"

#: Segments and actions: names, order, colours and labels come from the one registry of rules
#: (:mod:`helpers.audit.rules`); re-exported here for the figures.
SEGMENTS = SEGMENT_NAMES  # the five, in reading order (``gone`` last, outside the fields)
FIELD_SEGMENTS = _FIELD_SEGMENTS  # the four fields of the patch
SEGMENT_COLOURS: Mapping[str, str] = _SEGMENT_COLOURS
SEGMENT_LABELS: Mapping[str, str] = _SEGMENT_LABELS
ACTIONS = ACTION_ORDER  # most decisive first
ACTION_COLOURS: Mapping[str, str] = _ACTION_COLOURS
ACTION_LABELS: Mapping[str, str] = _ACTION_LABELS

#: Symbols for the common currencies; any other code is written before the number ("CHF 12k").

_RC = {
    "figure.dpi": 100,
    "savefig.dpi": 150,
    "figure.facecolor": "white",
    "axes.facecolor": "white",
    "axes.edgecolor": INK,
    "axes.labelcolor": INK,
    "axes.labelsize": 10,
    "axes.titlesize": 12,
    "axes.titleweight": "bold",
    "axes.titlelocation": "left",
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "axes.axisbelow": True,
    "grid.color": "#EBEBEB",
    "grid.linewidth": 0.8,
    "axes.prop_cycle": mpl.cycler(color=list(OKABE_ITO.values())),
    "xtick.color": INK,
    "ytick.color": INK,
    "xtick.labelsize": 9,
    "ytick.labelsize": 9,
    "legend.frameon": False,
    "legend.fontsize": 9,
    "font.size": 10,
    "text.parse_math": False,  # "$" is money here, never mathtext
}


@contextmanager
def house_style() -> Iterator[None]:
    """Apply the house rcParams inside a ``with`` block only (nothing leaks beyond it).

    Only the house keys are saved and restored, unlike ``matplotlib.rc_context``, which restores
    every key: a first figure created inside the block switches IPython's inline backend on and
    sets ``interactive``, and restoring that would stop later figures from showing in notebooks.
    """
    saved = {key: mpl.rcParams[key] for key in _RC}
    mpl.rcParams.update(_RC)
    try:
        yield
    finally:
        mpl.rcParams.update(saved)


def apply_house_style() -> None:
    """Set the house rcParams for the whole session: for notebooks, call once at the top."""
    mpl.rcParams.update(_RC)


def currency_formatter(currency: str) -> FuncFormatter:
    """A tick formatter writing money the house way ($184k, $1.2M)."""
    return FuncFormatter(lambda x, _pos: format_money(x, currency))


def finding_title(ax: Axes, text: str, *, subtitle: str | None = None) -> Axes:
    """Title the axes with the finding (a sentence), and an optional grey line under it.

    A finding too long for the figure is wrapped onto more lines instead of running past its
    right edge (constrained layout moves axes, never shortens a title)."""
    title, *_ = title_artists(ax, text, subtitle=subtitle)
    _wrap_to_figure(title)
    return ax


#: How far constrained layout typically moves an axes' left edge out from the subplot's
#: (share of the figure's width): from 0.125 to about 0.06-0.07 on the report's figures.
_LAYOUT_SHIFT = 0.065


def _wrap_to_figure(title: Text) -> None:
    """Wrap ``title`` (left-aligned on its axes) at word breaks so it ends inside the figure.

    The axes are not placed yet (constrained layout does that at draw time), so where the
    title starts is estimated from the subplot's edge: a title that runs short of the edge by
    a few pixels may be wrapped all the same."""
    import math
    import textwrap

    from matplotlib.backends.backend_agg import RendererAgg

    figure, text = title.figure, title.get_text()
    measure = RendererAgg(1, 1, figure.dpi)  # text metrics only, whatever the figure's canvas
    width = title.get_window_extent(measure).width
    start = max(0.0, title.axes.get_position().x0 - _LAYOUT_SHIFT)
    room = figure.bbox.width * (1.0 - start)
    if width <= room or " " not in text:
        return
    lines = math.ceil(width / room)  # as few lines as fit, of about even length
    for chars in range(math.ceil(len(text) / lines), len(text)):
        wrapped = textwrap.wrap(text, chars)
        if len(wrapped) <= lines:
            break
    title.set_text("\n".join(wrapped))


def title_artists(ax: Axes, text: str, *, subtitle: str | None = None) -> list[Text]:
    """Like :func:`finding_title`, returning the title and subtitle Text artists (for blitting)."""
    title = ax.set_title(
        text, loc="left", parse_math=False, fontsize=12, fontweight="bold", color=INK,
        pad=18 if subtitle else 8,
    )  # fmt: skip
    if not subtitle:
        return [title]
    note = ax.text(
        0.0, 1.01, subtitle, transform=ax.transAxes, ha="left", va="bottom", fontsize=9,
        color="#666666", parse_math=False,
    )  # fmt: skip
    return [title, note]


def segment_colour(segment: str) -> str:
    """The fixed colour of a segment (grey for anything unknown or missing)."""
    return SEGMENT_COLOURS.get(segment, GREY)


def action_colour(action: str) -> str:
    """The fixed colour of an action code (grey for anything unknown)."""
    return ACTION_COLOURS.get(action, GREY)
