"""The XOR notebook's helpers: data, decision grids, hidden space, and the explorer widget."""

import matplotlib.pyplot as plt
import numpy as np
import pytest

import nnlab as nl
from nnlab.widgets.blit import png_bytes
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


def test_decision_regions_are_what_contourf_and_contour_draw():
    xx, yy, scores = nl.plots.decision_grid(HAND, n=41)
    region, boundary = nl.plots.base.decision_regions(xx, yy, scores, threshold=0.5)
    # y_hat = 0.5 where x1 + x2 = 0.5 and where x1 + x2 = 1.5; above it on the band between
    assert len(boundary) == 2
    for line, level in zip(sorted(boundary, key=lambda line: line.sum(axis=1).mean()), (0.5, 1.5)):
        np.testing.assert_allclose(line.sum(axis=1), level, atol=1e-12)
    inside = {x: bool(region.contains_point(x)) for x in [(0, 0), (0, 1), (1, 0), (1, 1)]}
    assert inside == {(0, 0): False, (0, 1): True, (1, 0): True, (1, 1): False}
    flat, none = nl.plots.base.decision_regions(xx, yy, np.full_like(scores, 0.5), threshold=0.5)
    assert len(flat.vertices) == 0 and none == []  # nothing is above 0.5, and no line on a plateau


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
        first = explorer.png
        assert first[:8] == b"\x89PNG\r\n\x1a\n"
        explorer.controls["b2"].value = -1.0  # the slider repairs the near miss
        assert explorer.n_draws == 2 and explorer.png != first
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
        before = explorer.png
        explorer.view.update = lambda **values: (_ for _ in ()).throw(ValueError("bad weights"))
        explorer.controls["c"].value = 0.5
        assert "Cannot draw this setting: bad weights" in explorer.message.value
        assert explorer.png == before

    def test_static_figure_draws_the_current_view(self):
        explorer = nl.widgets.xor_explorer()
        fig = explorer.static_figure().figure
        assert len(fig.axes) == 2
        assert fig.axes[1].get_title() == "hidden space: 4 of 4 correct"
        explorer.set_values(v2=0.0)
        assert explorer.static_figure().figure.axes[1].get_title() == "hidden space: 3 of 4 correct"  # (1, 1) -> 2


#: settings no preset has: hidden values up to 9 (wider axes), a constant output (nothing shaded, no
#: boundary), four separate hidden points (four labels), an output line parallel to the h2 axis
ODD = {
    "wide": dict(HAND_SET, w11=3.0, w21=3.0, b1=3.0),
    "flat": dict(HAND_SET, v1=0.0, v2=0.0, c=0.5),
    "four": dict(w11=2.5, w21=-1.3, b1=0.4, w12=-0.7, w22=2.2, b2=-0.3, v1=1.7, v2=-2.9, c=0.8),
    "vertical": dict(HAND_SET, v2=0.0),
}


class TestInPlace:
    def test_the_view_moves_its_artists(self):
        explorer = nl.widgets.xor_explorer(preset="hand-set")
        view, axes = explorer.view, list(explorer.figure.axes)
        (line,) = view.boundary_hidden.get_segments()
        h1, h2 = line.T
        np.testing.assert_allclose(h1 - 2 * h2, 0.5)  # the output unit's line h1 - 2 h2 = 0.5
        assert [t.get_text() for t in view.labels_hidden if t.get_visible()] == ["(0, 0)", "(0, 1) and (1, 0)",
                                                                                 "(1, 1)"]
        explorer.set_values(**ODD["wide"])
        assert view.ax_hidden.get_xlim() == view.ax_hidden.get_ylim() == (-0.5, 9.5)  # h1 = relu(3 x1 + 3 x2 + 3)
        explorer.set_values(**ODD["four"])
        assert sum(t.get_visible() for t in view.labels_hidden) == 4
        explorer.set_values(**ODD["flat"])
        assert view.boundary_in.get_segments() == [] and view.boundary_hidden.get_segments() == []
        assert len(view.region_in.get_path().vertices) == 0
        assert view.ax_hidden.get_title() == "hidden space: 2 of 4 correct"
        assert explorer.view is view and explorer.figure.axes == axes  # nothing rebuilt

    @pytest.mark.parametrize("via, odd, to", [("hand-set", "wide", "copies"), ("copies", "flat", "near-miss"),
                                              ("near-miss", "four", "hand-set"), ("hand-set", "vertical", "near-miss"),
                                              ("copies", "wide", "hand-set")])
    def test_updating_in_place_draws_what_a_new_dashboard_draws(self, via, odd, to):
        """Moved from one preset through a setting no preset has to another, the explorer draws,
        pixel for pixel, what an explorer opened at that preset draws: nothing is left over (axis
        limits, a boundary, a label)."""
        moved = nl.widgets.xor_explorer(preset=via)
        moved.set_values(**ODD[odd])
        moved.set_preset(to)
        fresh = nl.widgets.xor_explorer(preset=to)
        assert moved.png == fresh.png

    @pytest.mark.parametrize("odd", sorted(ODD))
    def test_a_setting_no_preset_has_draws_what_a_fresh_view_draws(self, odd):
        moved = nl.widgets.xor_explorer(preset="near-miss")
        moved.set_values(**ODD["wide" if odd != "wide" else "four"])
        moved.set_values(**ODD[odd])
        static = moved.static_figure().figure  # a fresh view on a new figure, at the current values
        assert png_bytes(static) == moved.png


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


# --- the stuck runs of the notebook: a plateau, not a minimum -------------------------------------------
def _notebook_runs(width=2, epochs=300, seeds=range(20)):
    """The notebook's training experiment: He initialisation, BCE, Adam(0.05), full batch."""
    X, y = nl.data.xor()
    runs = []
    for seed in seeds:
        rng = np.random.default_rng(seed)
        model = nl.MLP([2, width, 1], "relu", rng=rng)
        history = nl.fit(model, X, y, loss="bce", optimizer=nl.Adam(lr=0.05), epochs=epochs, batch_size=None, rng=rng)
        runs.append((model, history, *nl.evaluate(model, X, y, "bce")))
    return runs


def _floor(model):
    """(points at h = (0, 0), of them class 1, the loss of the best p they can share, averaged over 4)."""
    X, y = nl.data.xor()
    at_zero = np.all(nl.hidden_activations(model, X) == 0, axis=1)
    k, ones = int(at_zero.sum()), int(y[at_zero].sum())
    q = ones / k if k else 0.0
    floor = -(ones * np.log(q) if ones else 0.0) - ((k - ones) * np.log(1 - q) if k - ones else 0.0)
    return k, ones, floor / len(X)


def test_every_stuck_run_has_both_classes_at_the_hidden_point_zero_and_ends_just_above_its_floor():
    runs = _notebook_runs()
    assert sum(acc == 1.0 for _, _, _, acc in runs) == 2  # "2 of 20 starts solve XOR"
    groups = {}
    for model, _, loss, acc in runs:
        k, ones, floor = _floor(model)
        assert (acc == 1.0) == (ones == 0), "solved exactly when no class-1 point is left at h = (0, 0)"
        assert floor <= loss < floor + (0.01 if acc == 1.0 else 0.002)  # at or just above the floor
        groups.setdefault((k, ones), []).append(loss)
    assert {key: len(v) for key, v in groups.items()} == {(1, 0): 1, (2, 0): 1, (2, 1): 6, (3, 1): 6, (3, 2): 3,
                                                          (4, 2): 3}
    # the floors the notebook's markdown names: 1/2 log 2, 3/4 H(1/3), log 2
    assert _floor(runs[0][0])[2] == pytest.approx(np.log(2) / 2)
    entropy = -(np.log(1 / 3) / 3 + 2 * np.log(2 / 3) / 3)
    assert round(3 / 4 * entropy, 4) == 0.4774 and round(np.log(2) / 2, 4) == 0.3466


def test_the_first_stuck_run_is_on_a_plateau_not_in_a_minimum():
    X, y = nl.data.xor()
    (model, history, loss, acc), = _notebook_runs(seeds=[0])
    assert acc == 0.75 and _floor(model)[:2] == (2, 1)
    at_zero = np.all(nl.hidden_activations(model, X) == 0, axis=1)
    assert X[at_zero].tolist() == [[0, 0], [1, 0]]
    z = model[:1].forward(X[at_zero])
    assert np.all(z < -0.1)  # pre-activations clearly negative: relu' = 0 there, not a kink
    np.testing.assert_allclose(nl.sigmoid(model.forward(X[at_zero])[:, 0]), 0.5, atol=1e-3)
    _, dout = nl.binary_cross_entropy(model.forward(X[at_zero]), y[at_zero])
    model.backward(dout)
    first = model.dense_layers[0]
    assert not first.grads["W"].any() and not first.grads["b"].any()  # no gradient from those points
    # not a minimum: a small step (the output weights 1 % larger) lowers the loss
    bigger = nl.MLP.from_weights([first.params["W"], model.dense_layers[1].params["W"] * 1.01],
                                 [first.params["b"], model.dense_layers[1].params["b"]], "relu")
    assert nl.evaluate(bigger, X, y, "bce")[0] < loss
    # trained ten times longer, the same run creeps down towards 1/2 log 2 and stays at 75 %
    (longer, long_history, _, long_acc), = _notebook_runs(epochs=3000, seeds=[0])
    assert long_history.loss[:300] == history.loss
    marks = [long_history.loss[e - 1] for e in (100, 300, 1000, 3000)]
    assert all(a > b for a, b in zip(marks, marks[1:])) and marks[-1] > np.log(2) / 2
    assert [round(m, 5) for m in marks] == [0.34892, 0.34697, 0.34661, 0.34658]
    assert long_acc == 0.75 and _floor(longer)[:2] == (2, 1)


# --- the notebook's exercises ---------------------------------------------------------------------------
def test_the_exercises_use_the_hand_set_network():
    E = nl.exercises.xor
    X, _ = nl.data.xor()
    np.testing.assert_array_equal(E.hand_set_network().forward(X), HAND.forward(X))
    np.testing.assert_array_equal(E.hand_set_network().forward(X), xor_network(**HAND_SET).forward(X))


@pytest.mark.parametrize("answer, status, message", [
    ((2, 1), "right", "h1 = relu(1 + 1) = 2 and h2 = relu(1 + 1 - 1) = 1"),
    ([2.0, 1.0], "right", "h_11 = (2, 1)"),
    (None, "not written yet", "`h_11` is still None"),
    ((2, 2), "wrong", "That leaves out the biases"),
    ((1, 2), "wrong", "The two units are swapped"),
    ((1, 0), "wrong", "That is where (0, 1) and (1, 0) land"),
    ((0, 0), "wrong", "That is where (0, 0) lands"),
    (0, "wrong", "the hidden space has two coordinates"),
    ((1, 2, 3), "wrong", "write two numbers"),
    ((3, 3), "wrong", "You wrote (3, 3); the answer is (2, 1)."),
])
def test_exercise_1_the_hidden_point_of_1_1(answer, status, message):
    verdict = nl.exercises.xor.check_hidden_point(answer)
    assert verdict.status == status and message in repr(verdict), repr(verdict)


def _forward(X, W1, b1, W2, b2):
    return nl.relu(X @ W1 + b1) @ W2 + b2


def _forward_stub(X, W1, b1, W2, b2):
    """y_hat."""
    # YOUR CODE HERE


@pytest.mark.parametrize("answer, status, message", [
    (_forward, "right", "gives the right result on all 3 test inputs"),
    (_forward_stub, "not written yet", "`xor_forward` has no body yet"),
    (lambda X, W1, b1, W2, b2: (X @ W1 + b1) @ W2 + b2, "wrong", "a forgotten ReLU"),
    (lambda X, W1, b1, W2, b2: nl.relu(X @ W1) @ W2 + b2, "wrong", "a forgotten hidden bias b1"),
    (lambda X, W1, b1, W2, b2: nl.relu(X @ W1 + b1) @ W2, "wrong", "a forgotten output bias b2"),
    (lambda X, W1, b1, W2, b2: nl.relu(X @ W1.T + b1) @ W2 + b2, "wrong", "a transposed W1"),
    (lambda X, W1, b1, W2, b2: nl.relu(_forward(X, W1, b1, W2, b2)), "wrong", "a ReLU on the output too"),
    (lambda X, W1, b1, W2, b2: nl.sigmoid(_forward(X, W1, b1, W2, b2)), "wrong", "a sigmoid on the output"),
    (lambda X, W1, b1, W2, b2: _forward(X, W1, b1, W2, b2)[:, 0], "wrong", "Return y_hat as a column"),
    (lambda X, W1, b1, W2, b2: -_forward(X, W1, b1, W2, b2), "wrong", "a sign error"),
])
def test_exercise_2_the_forward_pass(answer, status, message):
    verdict = nl.exercises.xor.check_forward(answer)
    assert verdict.status == status and message in repr(verdict), repr(verdict)


def test_exercise_2_checks_against_nnlab_on_inputs_that_show_each_mistake():
    cases = nl.exercises.xor._forward_cases()
    for args in cases:
        np.testing.assert_allclose(nl.exercises.xor.reference_forward(*args), _forward(*args), rtol=1e-12)
    assert not np.allclose(cases[1][1], cases[1][1].T)  # a transposed W1 shows
    assert (nl.exercises.xor.reference_forward(*cases[1]) < 0).any()  # a ReLU on the output shows


def test_exercise_3_exactly_one_point_breaks():
    E = nl.exercises.xor
    assert E.broken_points() == [(1, 0)]
    changed = xor_network(**dict(HAND_SET, w12=2.0))  # the explorer's slider w12, set to 2
    np.testing.assert_array_equal(E.hand_set_network(2.0).forward(nl.data.xor()[0]),
                                  changed.forward(nl.data.xor()[0]))


@pytest.mark.parametrize("answer, status, message", [
    ((1, 0), "right", "(1, 0): h2 = relu(2*1 + 0 - 1) = 1, so y_hat = 1 - 2*1 = -1"),
    ([1, 0], "right", "At (1, 0) h2 now fires"),
    (None, "not written yet", "`broken_point` is still None"),
    ((1, 1), "wrong", "That one is still right: (1, 1): h2 = relu(2*1 + 1 - 1) = 2, so y_hat = 2 - 2*2 = -2"),
    ((0, 1), "wrong", "That one is still right: (0, 1)"),
    ((0, 0), "wrong", "That one is still right: (0, 0)"),
    ("none", "wrong", "One point breaks"),
    ("(1, 0)", "wrong", "choose one of (0, 0), (0, 1), (1, 0), (1, 1), 'none'"),
])
def test_exercise_3_which_point_breaks(answer, status, message):
    verdict = nl.exercises.xor.check_broken_point(answer)
    assert verdict.status == status and message in repr(verdict), repr(verdict)
