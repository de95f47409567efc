"""The XOR notebook's helpers: data, decision grids, hidden space, and the explorer widget."""

import matplotlib.pyplot as plt
import numpy as np
import pytest

import nnlab as nl
from nnlab.widgets.xor import HAND_SET, xor_network

HAND = nl.MLP.from_weights([[[1, 1], [1, 1]], [[1], [-2]]], [[0, -1], [0]], "relu")


def test_xor_data():
    X, y = nl.data.xor()
    assert X.tolist() == [[0, 0], [0, 1], [1, 0], [1, 1]]
    assert y.tolist() == [0, 1, 1, 0]
    assert np.array_equal(y, np.logical_xor(X[:, 0], X[:, 1]))


def test_decision_grid_classes_at_the_four_corners():
    xx, yy, scores = nl.plots.decision_grid(HAND, xlim=(0, 1), ylim=(0, 1), n=11)
    assert xx.shape == yy.shape == scores.shape == (11, 11)
    corners = {(0, 0): scores[0, 0], (1, 0): scores[0, -1], (0, 1): scores[-1, 0], (1, 1): scores[-1, -1]}
    assert {c: bool(s > 0.5) for c, s in corners.items()} == {(0, 0): False, (1, 0): True, (0, 1): True, (1, 1): False}
    # the centre (0.5, 0.5): h1 = 1, h2 = 0, y = 1
    assert scores[5, 5] == pytest.approx(1.0)


def test_decision_grid_takes_sklearn_style_functions():
    _, _, scores = nl.plots.decision_grid(lambda P: P[:, 0] - P[:, 1], xlim=(0, 1), ylim=(0, 1), n=3)
    assert scores.tolist() == [[0, 0.5, 1], [-0.5, 0, 0.5], [-1, -0.5, 0]]
    with pytest.raises(TypeError, match="model: expected an nnlab model or a function"):
        nl.plots.decision_grid(42)


def test_hidden_space_maps_xor_to_a_separable_picture():
    X, y = nl.data.xor()
    H = nl.hidden_activations(HAND, X)
    assert H.tolist() == [[0, 0], [1, 0], [1, 0], [2, 1]]
    fig, ax = plt.subplots()
    nl.plots.xor.plot_hidden_space(ax, HAND, X, y, threshold=0.5)
    drawn = np.concatenate([c.get_offsets() for c in ax.collections if type(c).__name__ == "PathCollection"])
    assert sorted(map(tuple, drawn.tolist())) == sorted(map(tuple, H.tolist()))
    line = ax.lines[0]
    h1, h2 = line.get_xdata(), line.get_ydata()
    np.testing.assert_allclose(h1 - 2 * h2, 0.5)  # the output unit's line h1 - 2 h2 = 0.5
    labels = sorted(t.get_text() for t in ax.texts)
    assert labels == ["(0, 0)", "(0, 1) and (1, 0)", "(1, 1)"]
    plt.close(fig)


def test_hidden_space_needs_two_hidden_units():
    model = nl.MLP([2, 3, 1], rng=np.random.default_rng(0))
    with pytest.raises(ValueError, match=r"model: expected one hidden layer of 2 units, got sizes \[2, 3, 1\]"):
        nl.plots.xor.plot_hidden_space(plt.gca(), model, *nl.data.xor())
    plt.close("all")


def test_dead_units():
    X, _ = nl.data.xor()
    model = nl.MLP.from_weights([[[1, -1, 0], [1, -1, 1]], [[1], [1], [1]]], [[0, -0.5, -2], [0]], "relu")
    assert nl.dead_units(model, X).tolist() == [False, True, True]
    with pytest.raises(ValueError, match="layer: expected a hidden layer from 1 to 1"):
        nl.dead_units(model, X, layer=2)


def test_hand_set_preset_is_the_lecture_solution():
    X, _ = nl.data.xor()
    assert xor_network(**HAND_SET).forward(X)[:, 0].tolist() == [0, 1, 1, 0]


class TestExplorer:
    def test_opens_at_the_preset_and_redraws_in_place(self):
        explorer = nl.widgets.xor_explorer(preset="near-miss")
        assert explorer.values["b2"] == -0.4 and explorer.n_draws == 1
        first = explorer.image.value
        assert first[:8] == b"\x89PNG\r\n\x1a\n"
        explorer.controls["b2"].value = -1.0  # the slider repairs the near miss
        assert explorer.n_draws == 2 and explorer.image.value != first
        assert explorer.values == HAND_SET

    def test_presets_set_every_control_with_one_redraw(self):
        explorer = nl.widgets.xor_explorer()
        explorer.set_preset("copies")
        assert explorer.values == dict(HAND_SET, b2=0.0) and explorer.n_draws == 2
        explorer.preset_picker.value = "hand-set"
        assert explorer.values == HAND_SET
        with pytest.raises(ValueError, match="preset: expected one of"):
            explorer.set_preset("nope")
        with pytest.raises(ValueError, match=r"values: unknown control\(s\) \['w33'\]"):
            explorer.set_values(w33=1)

    def test_a_failing_draw_shows_a_message_not_a_traceback(self):
        explorer = nl.widgets.xor_explorer()
        before = explorer.image.value
        explorer.view.update = lambda **values: (_ for _ in ()).throw(ValueError("bad weights"))
        explorer.controls["c"].value = 0.5
        assert "Cannot draw this setting: bad weights" in explorer.message.value
        assert explorer.image.value == before

    def test_static_figure_draws_the_current_view(self):
        explorer = nl.widgets.xor_explorer()
        fig = explorer.static_figure()
        assert len(fig.axes) == 2
        assert fig.axes[1].get_title() == "hidden space: 4 of 4 correct"
        explorer.set_values(v2=0.0)
        assert explorer.static_figure().axes[1].get_title() == "hidden space: 3 of 4 correct"  # (1, 1) -> 2


def test_preset_menu_follows_the_controls():
    explorer = nl.widgets.xor_explorer(preset="hand-set")
    assert explorer.preset_picker.value == "hand-set"
    explorer.controls["c"].value = 0.3
    assert explorer.preset_picker.value == "(custom)"
    explorer.preset_picker.value = "near-miss"
    assert explorer.values["b2"] == -0.4 and explorer.preset_picker.value == "near-miss"


def test_preset_menu_tolerates_a_browser_rounding_a_value():
    explorer = nl.widgets.xor_explorer(preset="hand-set")
    explorer.controls["v2"].value = -2.0 + 1e-12  # what a slider's round trip can send back
    assert explorer.preset_picker.value == "hand-set"
