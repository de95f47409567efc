"""Notebook 08's numbers: the hand-built interpolant, the sawtooth, identity layers, measured errors, the explorer
and the exercises, each checked against something independent (numpy's interp, closed forms, the tent map
computed directly, exact counts)."""

import matplotlib.pyplot as plt
import numpy as np
import pytest

import nnlab as nl
from nnlab import expressivity as ex
from nnlab.exercises import NOT_WRITTEN, RIGHT, WRONG
from nnlab.exercises import expressivity as exr
from nnlab.regions import count_linear_regions
from nnlab.widgets import expressivity as we
from nnlab.widgets.blit import png_bytes


# --- the interpolant ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_the_interpolant_network_equals_numpys_interp_at_and_between_random_knots(seed):
    rng = np.random.default_rng(seed)
    knots = np.sort(rng.uniform(-3, 3, 12))
    values = rng.standard_normal(12)
    net = ex.interpolant_network(knots, values)
    assert net.sizes == [1, 11, 1]  # one unit per piece
    np.testing.assert_allclose(net.forward(knots[:, None])[:, 0], values, rtol=0, atol=1e-12)
    x = rng.uniform(knots[0], knots[-1], 500)
    np.testing.assert_allclose(net.forward(x[:, None])[:, 0], np.interp(x, knots, values), rtol=0, atol=1e-12)
    # outside: the constant v_0 on the left, the last piece continued on the right
    slope = (values[-1] - values[-2]) / (knots[-1] - knots[-2])
    far = np.array([[knots[0] - 5], [knots[-1] + 2]])
    np.testing.assert_allclose(net.forward(far)[:, 0], [values[0], values[-1] + 2 * slope], atol=1e-10)
    assert count_linear_regions(net, (knots[0], knots[-1])) == 11


def test_the_hand_built_abs_with_two_units_has_the_weights_worked_by_hand():
    net = ex.interpolant_network([-1, 0, 1], [1, 0, 1])
    np.testing.assert_array_equal(net.weights[0], [[1.0, 1.0]])
    np.testing.assert_array_equal(net.biases[0], [1.0, 0.0])
    np.testing.assert_array_equal(net.weights[1][:, 0], [-1.0, 2.0])  # slope -1, then a change of +2
    np.testing.assert_array_equal(net.biases[1], [1.0])
    assert ex.approximation_error(net, "|x|").max == 0.0


@pytest.mark.parametrize("knots, values, message", [
    ([0.0], [1.0], "knots: expected at least two"),
    ([0.0, 0.0, 1.0], [1.0, 2.0, 3.0], "knots: expected finite, strictly increasing"),
    ([1.0, 0.0], [1.0, 2.0], "knots: expected finite, strictly increasing"),
    ([0.0, 1.0], [1.0, 2.0, 3.0], "values: expected one value per knot"),
    ([0.0, 1.0], [1.0, np.nan], "values: expected finite"),
])
def test_bad_knots_and_values_are_refused_by_name(knots, values, message):
    with pytest.raises(ValueError, match=message):
        ex.interpolant_network(knots, values)


# --- measured errors against closed forms ------------------------------------------------------------------
@pytest.mark.parametrize("M", [1, 4, 10, 25])
def test_the_error_of_x_squared_is_h_squared_over_4_in_the_max_norm_and_over_6_in_the_mean(M):
    h = 2 / M
    e = ex.approximation_error(ex.hand_built("x²", M), "x²", n=200_001)
    assert e.max == pytest.approx(h**2 / 4, rel=1e-6)
    assert e.mean == pytest.approx(h**2 / 6, rel=1e-4)  # the mean of (x - a)(a + h - x) over a piece


def test_the_error_of_sin_follows_h_squared_max_f2_over_8_and_the_slope_is_minus_2():
    units = [16, 32, 64, 128]
    errors = ex.error_curve("sin", units)[:, 0]
    # the chord's gap on a piece is at most h^2 max|f''| / 8 = (2/M)^2 pi^2 / 8, nearly reached where |f''| peaks
    bound = (2 / np.array(units)) ** 2 * np.pi**2 / 8
    assert (errors <= bound).all() and (errors >= 0.97 * bound).all()
    assert ex.loglog_slope(units, errors) == pytest.approx(-2.0, abs=0.02)
    assert ex.loglog_slope([1, 2, 4], [1.0, 0.25, 0.0625]) == pytest.approx(-2.0)


def test_the_step_and_abs_errors_that_the_notebook_explains():
    for M in (2, 4, 8, 16):  # a knot at 0: the ramp ends at 1 there, where the step is still 0 just left
        assert ex.approximation_error(ex.hand_built("step", M), "step").max > 0.99
        assert ex.approximation_error(ex.hand_built("|x|", M), "|x|").max == 0.0
    for M in (3, 7, 15):  # no knot at 0: |x| has error h / 2 = 1 / M at the kink
        assert ex.approximation_error(ex.hand_built("|x|", M), "|x|").max == pytest.approx(1 / M, rel=1e-9)
    means = ex.error_curve("step", [4, 8, 16, 32])[:, 1]
    # one piece of width 2/M is wrong, by 1/2 on average: (2/M) (1/2) over the length 2 of [-1, 1]
    np.testing.assert_allclose(means, 0.5 / np.array([4, 8, 16, 32]), rtol=3e-3)  # (on a grid of 20,001 points)


def test_approximation_error_takes_functions_and_refuses_bad_input():
    e = ex.approximation_error(lambda x: 0.5 * x, lambda x: x, (0, 2), n=3)
    assert e == ex.ApproximationError(max=1.0, mean=0.5)
    with pytest.raises(ValueError, match="target: expected one of"):
        ex.approximation_error(ex.hand_built("bump", 2), "cosine")
    with pytest.raises(ValueError, match="interval: expected a finite interval"):
        ex.approximation_error(ex.hand_built("bump", 2), "bump", (0, np.inf))
    with pytest.raises(ValueError, match="n: expected at least 2"):
        ex.approximation_error(ex.hand_built("bump", 2), "bump", n=1)
    with pytest.raises(TypeError, match="approx"):
        ex.approximation_error("a string", "bump")
    with pytest.raises(ValueError, match="units"):
        ex.hand_built("bump", 0)


# --- the sawtooth ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("depth", [1, 2, 3, 5, 8, 12, 16, 20])
def test_the_sawtooth_of_depth_k_has_exactly_2_to_the_k_pieces_on_0_1(depth):
    net = ex.sawtooth_network(depth)
    assert net.sizes == [1] + [2] * depth + [1]
    assert net.n_params == 6 * depth + 1 == nl.regions.count_params(1, [2] * depth)
    pieces = nl.regions.linear_pieces(net, (0, 1))
    assert pieces.n_pieces == 2**depth
    np.testing.assert_allclose(pieces.joints, np.arange(1, 2**depth) / 2**depth, rtol=0, atol=1e-12)
    np.testing.assert_allclose(np.abs(pieces.slopes[:, 0]), 2.0**depth)


def test_the_sawtooth_network_is_the_tent_map_composed():
    x = np.random.default_rng(0).uniform(0, 1, 2000)
    for depth in (1, 4, 9):
        tent = x.copy()
        for _ in range(depth):
            tent = 1 - np.abs(2 * tent - 1)  # another formula for the tent map
        np.testing.assert_allclose(ex.sawtooth_network(depth).forward(x[:, None])[:, 0], tent, atol=1e-9)
        np.testing.assert_allclose(ex.sawtooth(x, depth), tent, atol=1e-12)


@pytest.mark.parametrize("depth", [0, -1, 2.5, True, "3"])
def test_a_depth_below_one_is_refused_naming_depth(depth):
    with pytest.raises(ValueError, match="depth"):
        ex.sawtooth_network(depth)


@pytest.mark.parametrize("depth", [1, 2, 3, 5, 8])
def test_montufars_width_2_network_has_3_times_2_to_the_k_minus_1_pieces_on_0_1(depth):
    net = ex.montufar_network(depth)
    assert net.sizes == [1] + [2] * depth + [1]
    assert count_linear_regions(net, (0, 1)) == 3 * 2 ** (depth - 1) == nl.regions.max_regions_montufar(2, depth)


def test_nested_tents_have_3_7_and_15_regions_and_width_2_stays_below_3_to_the_k():
    """Section 2: at width 2 the bound 3^K is not reached. Two layers: at most 7 (every second-layer unit crosses
    0 at most twice: checked on random networks below), which the nested tents reach; three layers: 15."""
    for depth, most in [(1, 3), (2, 7), (3, 15)]:
        net = ex.nested_tents_network(depth)
        assert net.sizes == [1] + [2] * depth + [1]
        assert count_linear_regions(net) == count_linear_regions(net, (-1, 1)) == most == 2 ** (depth + 1) - 1
        assert most <= nl.regions.max_regions_upper_bound([2] * depth) == 3**depth
    with pytest.raises(ValueError, match="depth"):
        ex.nested_tents_network(4)
    rng = np.random.default_rng(5)
    for _ in range(2000):  # the argument: a second-layer unit of a 1-2-2-1 network changes sign at most twice
        net = nl.regions.random_network([1, 2, 2, 1], rng=rng)
        k = ex.knots(net)  # it is linear between these and beyond them: its signs there count its zeros exactly
        x = np.concatenate([[k.min() - 1e6], (k[:-1] + k[1:]) / 2, k, [k.max() + 1e6]]) if len(k) else np.zeros(1)
        z = net[:3].forward(np.sort(x)[:, None])
        assert (np.sum(np.diff(np.sign(z), axis=0) != 0, axis=0) <= 2).all()
    counts = nl.regions.random_region_counts([1, 2, 2, 1], 300, rng=np.random.default_rng(6))
    assert counts.max() == 7  # reached by some random networks, never passed


@pytest.mark.parametrize("K", [2, 3, 4, 5])
def test_fewer_than_2_to_the_k_pieces_stay_half_away_and_2_to_the_k_units_are_exact(K):
    """The notebook's argument: with at most 2^K - 1 pieces the max error is at least 1/2."""
    def f(x):
        return ex.sawtooth(x, K)

    for M in range(1, 2**K):
        assert ex.approximation_error(ex.hand_built(f, M, (0, 1)), f, (0, 1)).max >= 0.5 - 1e-9
    assert ex.approximation_error(ex.hand_built(f, 2**K, (0, 1)), f, (0, 1)).max < 1e-12
    rng = np.random.default_rng(K)  # random shallow networks with 2^K - 2 units: never within 1/2
    for _ in range(20):
        net = nl.MLP([1, 2**K - 2, 1], "relu", rng=rng)
        assert ex.approximation_error(net, f, (0, 1)).max >= 0.5


# --- identity layers -----------------------------------------------------------------------------------------
def test_an_identity_layer_passes_numbers_through_exactly():
    W_in, W_out = ex.identity_layer_weights(3)
    Z = np.random.default_rng(1).standard_normal((50, 3)) * 10
    np.testing.assert_array_equal(np.maximum(Z @ W_in, 0) @ W_out, Z)
    assert W_in.shape == (3, 6) and W_out.shape == (6, 3)


@pytest.mark.parametrize("extra", [0, 1, 2, 5])
def test_deepen_keeps_the_function_and_the_pieces(extra):
    rng = np.random.default_rng(extra)
    for shallow in (ex.hand_built("bump", 8), nl.MLP([2, 5, 3], "relu", rng=rng)):
        deep = ex.deepen(shallow, extra)
        assert len(deep.sizes) == len(shallow.sizes) + extra
        X = rng.uniform(-3, 3, (400, shallow.n_in))
        np.testing.assert_allclose(deep.forward(X), shallow.forward(X), rtol=1e-13, atol=1e-13)
    deep = ex.deepen(ex.hand_built("bump", 8), extra)
    assert count_linear_regions(deep, (-1, 1)) == 8
    # the output layer 8 -> 1 (9) becomes 8 -> 2 (18), then extra - 1 layers 2 -> 2 (6 each) and 2 -> 1 (3)
    assert deep.n_params == (25 if extra == 0 else 31 + 6 * extra)
    with pytest.raises(ValueError, match="extra_layers"):
        ex.deepen(shallow, -1)
    with pytest.raises(ValueError, match="ReLU"):
        ex.deepen(nl.MLP([1, 3, 1], "tanh", rng=rng), 1)


# --- trained networks ----------------------------------------------------------------------------------------
def test_trained_networks_are_nl_fit_runs_and_are_cached():
    net = ex.train_shallow("bump", 4, seed=1, steps=50)
    assert ex.train_shallow("bump", 4, seed=1, steps=50) is net
    again = nl.MLP([1, 4, 1], "relu", rng=np.random.default_rng(1))
    x = np.linspace(-1, 1, ex.N_TRAIN)[:, None]
    nl.fit(again, x, ex.bump(x[:, 0]), loss="mse", optimizer=nl.Adam(ex.TRAIN_LR), epochs=50, batch_size=None,
           rng=np.random.default_rng(1))
    np.testing.assert_array_equal(again.get_params_vector(), net.get_params_vector())
    errors = ex.trained_errors("bump", [4], [1], steps=50)
    assert errors.shape == (1, 1) and errors[0, 0] == ex.approximation_error(net, "bump").max
    with pytest.raises(ValueError, match="seed"):
        ex.train_shallow("bump", 4, seed=-1)


def test_the_notebooks_claim_trained_networks_stay_above_the_construction_at_many_units():
    """Section 1: at D = 32 and 64 every one of the three seeds has a larger max error than the construction;
    twice the steps (3,000) leave every seed more than twice above it at D = 64."""
    units, seeds = (8, 16, 32, 64), (0, 1, 2)
    trained = ex.trained_errors("bump", units, seeds)
    construction = ex.error_curve("bump", units)[:, 0]
    assert (trained[2:] > 1.5 * construction[2:, None]).all()
    longer = ex.trained_errors("bump", (64,), seeds, steps=3000)[0]  # twice the steps: still above twice
    assert (longer > 2 * construction[-1]).all()


def test_a_decaying_learning_rate_over_20000_steps_does_not_find_the_construction_either():
    """Section 1's last attempt: the learning rate falls from 0.01 to 1e-4 over 20,000 steps. At D = 64 the max
    error of seeds 0-2 ends between 0.006 and 0.008 (the notebook's words; the band is wider than round-off), three
    to four times the construction's 0.0019."""
    construction = ex.approximation_error(ex.hand_built("bump", 64), "bump").max
    errors = ex.trained_errors("bump", (64,), (0, 1, 2), steps=20_000, final_lr=1e-4)[0]
    assert ((errors > 0.0055) & (errors < 0.0085)).all()
    assert ((2.8 * construction < errors) & (errors < 4.5 * construction)).all()


def test_the_failed_runs_have_every_knot_on_one_side_and_the_start_has_every_knot_at_0():
    """Section 1: the runs with max error 0.25 are straight on one side of the bump's peak (no knot there), not
    all of them with dead units; every knot -b/w starts at x = 0, because the biases start at 0."""
    assert (ex.knots(nl.MLP([1, 8, 1], "relu", rng=np.random.default_rng(3))) == 0).all()
    failed = [(4, 0), (4, 1), (4, 2), (8, 0), (16, 2)]
    for D, seed in failed:
        net = ex.train_shallow("bump", D, seed=seed)
        assert ex.approximation_error(net, "bump").max > 0.2
        k = ex.knots(net, (-1, 1))
        assert (k < -0.05).all() or (k > 0.01).all()
    assert ex.dead_units(ex.train_shallow("bump", 4, seed=1)) == 0  # failed, with every unit alive
    assert all(ex.trained_errors("bump", [D], [s])[0, 0] < 0.2 for D, s in [(8, 1), (8, 2), (16, 0), (16, 1)])


def test_knots_dead_units_and_spread_knots():
    net = nl.MLP([1, 3, 1], "relu", rng=np.random.default_rng(0))
    net.weights[0][...] = [[1.0, -2.0, 0.0]]
    net.biases[0][...] = [0.5, 1.0, 0.3]
    np.testing.assert_array_equal(ex.knots(net), [-0.5, 0.5])  # the unit with w = 0 has none
    np.testing.assert_array_equal(ex.knots(net, (0, 1)), [0.5])
    assert ex.dead_units(net) == 0
    net.biases[0][...] = [-2.0, 1.0, -0.3]  # knot 2 lies right of every point: off everywhere; w = 0, b < 0: off
    assert ex.dead_units(net) == 2
    with pytest.raises(ValueError, match="one input"):
        ex.knots(nl.MLP([2, 3, 1], "relu", rng=np.random.default_rng(0)))
    with pytest.raises(TypeError, match="model"):
        ex.dead_units("net")
    # spread knots: the same weights, biases -w t with t evenly spaced inside [-1, 1]; then nl.fit's steps
    spread = ex.train_shallow("bump", 4, seed=1, steps=30, spread_knots=True)
    by_hand = nl.MLP([1, 4, 1], "relu", rng=np.random.default_rng(1))
    by_hand.biases[0][...] = -by_hand.weights[0][0] * np.linspace(-1, 1, 6)[1:-1]  # -0.6, -0.2, 0.2, 0.6
    np.testing.assert_allclose(ex.knots(by_hand), [-0.6, -0.2, 0.2, 0.6], atol=1e-15)
    x = np.linspace(-1, 1, ex.N_TRAIN)[:, None]
    nl.fit(by_hand, x, ex.bump(x[:, 0]), loss="mse", optimizer=nl.Adam(ex.TRAIN_LR), epochs=30, batch_size=None,
           rng=np.random.default_rng(1))
    np.testing.assert_array_equal(by_hand.get_params_vector(), spread.get_params_vector())
    with pytest.raises(TypeError, match="spread_knots"):
        ex.train_shallow("bump", 4, seed=1, spread_knots=1)
    with pytest.raises(ValueError, match="final_lr"):
        ex.train_shallow("bump", 4, seed=1, final_lr=-1.0)


def test_a_decaying_learning_rate_is_adam_with_its_lr_lowered_stage_by_stage():
    decayed = ex.train_shallow("bump", 4, seed=2, steps=40, final_lr=1e-3)
    by_hand = nl.MLP([1, 4, 1], "relu", rng=np.random.default_rng(2))
    x = np.linspace(-1, 1, ex.N_TRAIN)[:, None]
    adam, rng = nl.Adam(ex.TRAIN_LR), np.random.default_rng(2)
    for k in range(ex.DECAY_STAGES):  # 40 steps in 20 stages of 2, the rate from 0.01 down to 1e-3
        adam.lr = ex.TRAIN_LR * (1e-3 / ex.TRAIN_LR) ** (k / (ex.DECAY_STAGES - 1))
        nl.fit(by_hand, x, ex.bump(x[:, 0]), loss="mse", optimizer=adam, epochs=2, batch_size=None, rng=rng)
    assert adam.lr == pytest.approx(1e-3) and adam.t == 40
    np.testing.assert_array_equal(by_hand.get_params_vector(), decayed.get_params_vector())


def test_prediction_time_is_a_positive_number_of_milliseconds():
    assert ex.prediction_time(np.sin, np.zeros(10), repeats=2) > 0
    with pytest.raises(TypeError, match="predict"):
        ex.prediction_time(None, np.zeros(3))


# --- the explorer --------------------------------------------------------------------------------------------
def test_the_explorer_data_is_the_construction_and_the_sawtooth():
    d = we.expressivity_data("bump", 8, "hand-built", 0, 4)
    assert d["pieces"] == 8 and d["deep_pieces"] is None
    assert d["error"] == ex.approximation_error(ex.hand_built("bump", 8), "bump")
    np.testing.assert_allclose(d["edges"], ex.uniform_knots(8), atol=1e-12)
    s = we.expressivity_data("sawtooth", 16, "hand-built", 0, 4)
    assert s["deep_pieces"] == 16 and s["pieces"] == 16 and s["error"].max < 1e-12
    assert we.expressivity_data("sawtooth", 15, "hand-built", 0, 4)["error"].max >= 0.5
    with pytest.raises(ValueError, match="target"):
        we.expressivity_data("cosine", 8, "hand-built", 0, 4)


def test_the_controls_that_do_not_apply_are_disabled_with_a_reason():
    dash = nl.widgets.expressivity_explorer()
    assert dash.controls["seed"].disabled and dash.controls["depth"].disabled
    assert not dash.controls["network"].disabled
    dash.set_preset("bump, 8 units, trained")
    assert not dash.controls["seed"].disabled and dash.controls["depth"].disabled
    dash.set_preset("sawtooth K=4, 15 units")
    assert dash.controls["network"].disabled and dash.controls["seed"].disabled
    assert not dash.controls["depth"].disabled
    assert "hand-built" in dash.controls["network"].tooltip
    assert dash.message.value == ""


@pytest.mark.parametrize("via, odd, to", [
    ("bump, 8 units", dict(target="sawtooth", depth=6, units=63), "step, 32 units"),
    ("sawtooth K=4, 16 units", dict(target="sin", units=5, network="trained", seed=2), "|x| with 2 units"),
    ("|x| with 2 units", dict(target="bump", units=64), "sawtooth K=4, 15 units"),
])
def test_the_explorer_updated_in_place_draws_what_a_new_one_draws(via, odd, to):
    moved = nl.widgets.expressivity_explorer(preset=via)
    axes = list(moved.figure.axes)
    moved.set_values(**odd)
    assert moved.message.value == ""
    static = moved.static_figure().figure
    assert png_bytes(static) == moved.png
    plt.close(static)
    moved.set_preset(to)
    fresh = nl.widgets.expressivity_explorer(preset=to)
    assert moved.png == fresh.png
    assert moved.figure.axes == axes


# --- the exercises -------------------------------------------------------------------------------------------
@pytest.mark.parametrize("answer, status, message", [
    (0.01, RIGHT, "h^2/4"), (0.005, WRONG, "h^2/8"), (0.04, WRONG, "h^2;"), ((2 / 11) ** 2 / 4, WRONG, "11 pieces"),
    (None, NOT_WRITTEN, "still None"), ("0.01", WRONG, "write a number"),
])
def test_exercise_1_the_error_for_x_squared(answer, status, message):
    verdict = exr.check_square_error(answer)
    assert verdict.status == status and message in str(verdict)


@pytest.mark.parametrize("answer, status, message", [
    ([-1, 0, 1], RIGHT, "Max error 0"), ([-1, 1], WRONG, "No knot is at 0"), ([-1, -0.5, 0, 1], WRONG, "two units"),
    ([0, 1], WRONG, "They span"), ([-2, 0, 2], RIGHT, "one at -2 that starts the slope -1"),
    ([-2, 0, 2], RIGHT, "Your outer knots, -2 and 2, work as well as -1 and 1"), ([1, 0, -1], WRONG, "increasing"),
    (None, NOT_WRITTEN, "still None"),
])
def test_exercise_2_the_knots_for_abs(answer, status, message):
    verdict = exr.check_abs_knots(answer)
    assert verdict.status == status and message in str(verdict)
    if answer == [-1, 0, 1]:
        assert "outer knots" not in str(verdict)


@pytest.mark.parametrize("answer, status, message", [
    (32, RIGHT, "2^5 = 32"), (16, WRONG, "teeth"), (10, WRONG, "number of units"), (243, WRONG, "3^5"),
    (31, WRONG, "joints"), (64, WRONG, "2^6"), (None, NOT_WRITTEN, "still None"),
    (243, WRONG, "upper bound for 5 layers of 2 units, which width 2 does not even reach"),
    (48, WRONG, "Montufar et al.'s construction"), (32, RIGHT, "and 32 to draw the sawtooth exactly"),
])
def test_exercise_3_the_sawtooths_pieces(answer, status, message):
    verdict = exr.check_sawtooth_pieces(answer)
    assert verdict.status == status and message in str(verdict)


def _weights(W_in, W_out):
    return lambda width: (W_in(np.eye(width)), W_out(np.eye(width)))


@pytest.mark.parametrize("answer, status, message", [
    (ex.identity_layer_weights, RIGHT, "The same weights"),
    (_weights(lambda E: np.hstack([E, -E]), lambda E: np.vstack([E, E])), WRONG, "|z|"),
    (_weights(lambda E: np.hstack([E, -E]), lambda E: np.vstack([-E, E])), WRONG, "sign error"),
    (_weights(lambda E: np.hstack([E, E]), lambda E: np.vstack([E, -E])), WRONG, "cancels"),
    (_weights(lambda E: np.hstack([E, -E]), lambda E: np.vstack([E, 0 * E])), WRONG, "negative z is lost"),
    (_weights(lambda E: np.hstack([E, -E]), lambda E: np.hstack([E, -E])), WRONG, "W_out has shape"),
    (_weights(lambda E: np.hstack([-E, E]), lambda E: np.vstack([-E, E])), RIGHT, "An identity layer too"),
])
def test_exercise_4_the_identity_layer(answer, status, message):
    verdict = exr.check_identity_weights(answer)
    assert verdict.status == status and message in str(verdict)


def test_exercise_4_stubs_are_not_written_yet():
    def stub(width):
        """(W_in, W_out)."""

    def raises(width):
        raise NotImplementedError

    assert exr.check_identity_weights(stub).status == NOT_WRITTEN
    assert exr.check_identity_weights(raises).status == NOT_WRITTEN
    assert exr.check_identity_weights(None).status == NOT_WRITTEN


def test_the_explorer_trains_the_next_steps_of_a_trained_network_ahead():
    """With a trained network, a step of M trains one more step ahead in the background (the network
    ``train_shallow`` returns for that setting); with the hand-built one, and for the sawtooth, nothing is
    trained; with prefetch=False only what is shown."""
    from nnlab.widgets.expressivity import expressivity_explorer

    dash = expressivity_explorer("bump, 8 units")
    dash.controls["units"].value = 9
    dash.trained.wait()
    assert dash.trained.results == {}  # hand-built: nothing to train
    dash.set_values(network="trained", units=5)
    assert set(dash.trained.results) == {("bump", 5, 0)}
    dash.controls["units"].value = 6
    dash.trained.wait()
    assert set(dash.trained.results) == {("bump", m, 0) for m in (5, 6, 7)}
    assert dash.trained.results[("bump", 7, 0)] is ex.train_shallow("bump", 7, seed=0)
    dash.set_values(target="sawtooth")
    dash.controls["depth"].value = 3
    dash.trained.wait()
    assert set(dash.trained.results) == {("bump", m, 0) for m in (5, 6, 7)}  # the sawtooth trains nothing
    alone = expressivity_explorer("bump, 8 units", prefetch=False)
    alone.set_values(network="trained", units=5)
    alone.controls["units"].value = 6
    alone.trained.wait()
    assert set(alone.trained.results) == {("bump", 5, 0), ("bump", 6, 0)}


def test_the_digits_network_is_short_of_units_not_of_training():
    """Section 5 (N = 2000): the 784-16-1 network fits its training images (99% and more after 10 epochs, all of
    them after 30) while 30 epochs move its test accuracy by less than half a point, for seeds 0-2; 64 units do
    better than 16 for every one of these seeds."""
    digits = nl.load_mnist38()
    X, y = digits.X_train[:2000] / 255.0, digits.y_train[:2000]
    X_test, y_test = digits.X_test / 255.0, digits.y_test

    def accuracy(net, X, y):
        return np.mean((net.forward(X)[:, 0] > 0) == y)

    for seed in (0, 1, 2):
        short, longer = ex.digits_network(2000, seed=seed), ex.digits_network(2000, seed=seed, epochs=30)
        assert accuracy(short, X, y) >= 0.99 and accuracy(longer, X, y) == 1.0
        assert abs(accuracy(longer, X_test, y_test) - accuracy(short, X_test, y_test)) < 0.005
        assert accuracy(ex.digits_network(2000, 64, seed=seed), X_test, y_test) > accuracy(short, X_test, y_test)
    assert ex.digits_network(2000) is ex.digits_network(2000, 16, epochs=10, seed=0)
    with pytest.raises(ValueError, match="seed"):
        ex.digits_network(100, seed=-1)
