"""The convolution explorer: the input's size, the filter's size, the stride and the padding; where the filter sits,
the map it makes and its size, and the parameter count of a layer of such filters.

A setting whose filter does not fit (the lecture's stride 3 over a 7-wide input: (7 - 3)/3 + 1 = 2.33, or a filter
larger than the padded input) still draws: the position that runs off the edge in red and the reason in place of the
map. The filter menu, which only chooses what the map shows, is then disabled with the reason on its label.
"""

from __future__ import annotations

import ipywidgets as widgets
from matplotlib.figure import Figure

from ..convnets import FILTERS, conv_setting, demo_filter, ring_image
from ..plots.base import FIGURE_WIDTH, note
from ..plots.convnets import ConvolutionPanels
from .base import Dashboard

#: the lecture's examples, a padded one and its 760-parameter layer
CONV_PRESETS = {
    "lecture: stride 1": dict(n=7, f=3, stride=1, padding=0, depth=1, filters=1, kind="vertical edges"),
    "lecture: stride 2": dict(n=7, f=3, stride=2, padding=0, depth=1, filters=1, kind="vertical edges"),
    "lecture: stride 3 does not fit": dict(n=7, f=3, stride=3, padding=0, depth=1, filters=1, kind="vertical edges"),
    "padding 1 keeps 7 x 7": dict(n=7, f=3, stride=1, padding=1, depth=1, filters=1, kind="vertical edges"),
    "lecture: 760 parameters": dict(n=32, f=5, stride=1, padding=2, depth=3, filters=10, kind="horizontal edges"),
}


def filter_applies(n: int, f: int, stride: int, padding: int, **_: object) -> str | None:
    """Why the filter menu does not apply to a setting (None when it does): no map to show, or a 1 x 1 filter."""
    reason = conv_setting(n, f, stride, padding).reason
    if reason is not None:
        return "no output map to show: " + reason
    if f == 1:
        return "a 1 x 1 filter only scales the image: every kind is the same"
    return None


class ConvView:
    """The explorer's picture, built once and updated in place: ``ConvolutionPanels`` (the filter over the ring image,
    the map) and a line under them with the layer's parameter count."""

    def __init__(self, fig: Figure) -> None:
        ax_in, ax_out = fig.subplots(1, 2)
        self.panels = ConvolutionPanels(ax_in, ax_out)
        self.params = fig.text(0.5, 0.03, "", ha="center", va="bottom", fontsize=10)
        w, h = fig.get_size_inches()  # fixed margins: no layout pass per redraw
        fig.subplots_adjust(left=0.2 / w, right=1 - 0.2 / w, bottom=0.55 / h, top=1 - 0.6 / h, wspace=0.1)

    def update(self, n: int, f: int, stride: int, padding: int, depth: int, filters: int, kind: str) -> None:
        s = conv_setting(n, f, stride, padding, depth=depth, filters=filters)
        self.panels.show(ring_image(n), demo_filter(kind, f), stride, padding)
        self.params.set_text(f"a layer of {filters} such filter(s) on a depth of {depth}: ({f}×{f}×{depth} + 1) × "
                             f"{filters} = {s.per_filter} × {filters} = {s.params:,} parameters, whatever the input's "
                             "size")
        note(self.params.figure, self.params.get_text(), key="params")
        # two filters can make maps of the same size and range (vertical and horizontal edges on the ring): the
        # words say which one slides, as the menu does
        note(self.params.figure, f"the filter: {kind}" if f > 1 else "the filter: 1 × 1, every kind the same",
             key="filter")


def _int_slider(value: int, lo: int, hi: int, description: str) -> widgets.IntSlider:
    return widgets.IntSlider(value=value, min=lo, max=hi, step=1, description=description,
                             style={"description_width": "initial"})


def conv_explorer(preset: str | None = "lecture: stride 1") -> Dashboard:
    """Sliders for the input's side N, the filter's side F, the stride S, the padding P, the input's depth C and the
    number of filters K, and a menu for what the filter detects.

    Parameters
    ----------
    preset : str, optional
        ``"lecture: stride 1"`` (default: 7 x 7, 3 x 3, output 5), ``"lecture: stride 2"`` (3),
        ``"lecture: stride 3 does not fit"`` (2.33), ``"padding 1 keeps 7 x 7"`` or ``"lecture: 760 parameters"``.
    """
    controls = {
        "n": _int_slider(7, 3, 32, "input N"),
        "f": _int_slider(3, 1, 9, "filter F"),
        "stride": _int_slider(1, 1, 4, "stride S"),
        "padding": _int_slider(0, 0, 4, "padding P"),
        "depth": _int_slider(1, 1, 3, "depth C"),
        "filters": _int_slider(1, 1, 16, "filters K"),
        "kind": widgets.Dropdown(options=FILTERS, value="vertical edges", description="filter"),
    }
    return Dashboard(ConvView, controls, figsize=(FIGURE_WIDTH, 5.0), presets=CONV_PRESETS, preset=preset, columns=4,
                     applies={"kind": filter_applies})
