"""Loss landscapes: lines, planes, sharpness, the two-point example, many runs, and the explorer."""

import matplotlib.pyplot as plt
import numpy as np
import pytest

import nnlab as nl
from nnlab import landscape as ls
from nnlab import runs as runs_
from nnlab.plots import landscape as LP
from nnlab.widgets import landscape as wl


@pytest.fixture
def quadratic(rng):
    """A linear model with squared error: its loss is an exact quadratic in theta = [W, b]."""
    X, y = rng.standard_normal((8, 3)), rng.standard_normal(8)
    model = nl.MLP([3, 1], rng=rng)
    X_tilde = np.column_stack([X, np.ones(8)])  # theta = [W_1, W_2, W_3, b]: y_hat = X_tilde theta
    return ls.Objective(model, X, y, loss="mse"), X_tilde, y


@pytest.fixture
def two_point():
    X, y = nl.data.two_point_data()
    model = ls.two_point_model((-1, 1), (-1, 1))
    theta = model.get_params_vector()
    theta_prime = ls.two_point_model((1, -1), (1, -1)).get_params_vector()
    return ls.Objective(model, X, y, loss="mse"), model, theta, theta_prime


# --- lines, planes and curvature on a known quadratic --------------------------------------------
def test_a_line_through_a_quadratic_is_the_known_parabola(quadratic, rng):
    objective, X_tilde, y = quadratic
    theta, theta_prime = rng.standard_normal(4), rng.standard_normal(4)
    alphas = np.linspace(-1, 2, 13)
    # L(alpha) = mean((r' + alpha (r - r'))^2) with r = X_tilde theta - y: a parabola in alpha
    r, r_prime = X_tilde @ theta - y, X_tilde @ theta_prime - y
    c0, c1, c2 = np.mean(r_prime**2), 2 * np.mean(r_prime * (r - r_prime)), np.mean((r - r_prime) ** 2)
    expected = c0 + c1 * alphas + c2 * alphas**2
    np.testing.assert_allclose(ls.loss_along_line(objective, theta, theta_prime, alphas), expected, rtol=1e-12)
    # the ends: alpha = 1 is theta, alpha = 0 is theta_prime (the lecture's convention)
    ends = ls.loss_along_line(objective, theta, theta_prime, [0.0, 1.0])
    np.testing.assert_allclose(ends, [objective(theta_prime), objective(theta)], rtol=1e-12)
    np.testing.assert_array_equal(ls.interpolate(theta, theta_prime, [0.0, 1.0]), [theta_prime, theta])


def test_the_hessian_of_a_quadratic_and_its_largest_eigenvalue(quadratic, rng):
    objective, X_tilde, _ = quadratic
    H = 2 / len(X_tilde) * X_tilde.T @ X_tilde  # Hessian of mean((X_tilde theta - y)^2)
    top = np.linalg.eigvalsh(H)[-1]
    theta = rng.standard_normal(4)
    np.testing.assert_allclose(ls.hessian(objective, theta), H, atol=1e-8)
    v = rng.standard_normal(4)
    np.testing.assert_allclose(ls.hessian_vector_product(objective, theta, v), H @ v, atol=1e-8)
    assert ls.sharpness(objective, theta) == pytest.approx(top, rel=1e-9)
    assert ls.sharpness(objective, theta, method="power", rng=rng) == pytest.approx(top, rel=1e-6)


def test_power_iteration_returns_the_largest_eigenvalue_not_the_largest_in_magnitude():
    """Away from a minimum the Hessian can have a much larger negative eigenvalue; sharpness is the top one."""
    model = nl.MLP.from_weights([[[0.5]], [[10.0]]], [[0.0], [0.0]], "tanh")
    objective = ls.Objective(model, [[1.0], [2.0]], [-5.0, -5.0], loss="mse")
    theta = model.get_params_vector()
    eigenvalues = np.linalg.eigvalsh(ls.hessian(objective, theta))
    assert eigenvalues[0] < -10 * eigenvalues[-1] < 0  # the case the test is about
    power = ls.sharpness(objective, theta, method="power", rng=np.random.default_rng(0))
    assert power == pytest.approx(eigenvalues[-1], rel=1e-5)


def test_a_plane_slice_and_coordinates_on_it(quadratic, rng):
    objective, _, _ = quadratic
    center, d1, d2 = rng.standard_normal((3, 4))
    a, b = np.linspace(-1, 1, 5), np.linspace(0, 2, 3)
    Z = ls.loss_on_plane(objective, center, d1, d2, a, b)
    assert Z.shape == (3, 5)
    assert Z[2, 1] == pytest.approx(objective(center + a[1] * d1 + b[2] * d2), rel=1e-14)
    points = np.array([center + 0.3 * d1 - 0.7 * d2, center + 2 * d1])
    np.testing.assert_allclose(ls.plane_coordinates(points, center, d1, d2), [[0.3, -0.7], [2, 0]], atol=1e-12)
    with pytest.raises(ValueError, match="d1, d2"):
        ls.plane_coordinates(points, center, d1, 2 * d1)


def test_filter_normalised_directions(rng):
    model = nl.MLP([3, 4, 2], "relu", rng=rng)
    theta = model.get_params_vector()
    d = ls.random_direction(model, theta, rng=np.random.default_rng(1))
    np.testing.assert_array_equal(d, ls.random_direction(model, theta, rng=np.random.default_rng(1)))
    model.set_params_vector(d)
    reference = nl.MLP([3, 4, 2], "relu", rng=rng)
    reference.set_params_vector(theta)
    for W_d, W in zip(model.weights, reference.weights):  # each unit's incoming weights: same norm as theta's
        np.testing.assert_allclose(np.linalg.norm(W_d, axis=0), np.linalg.norm(W, axis=0), rtol=1e-12)
    assert all(np.all(b == 0) for b in model.biases)
    plain = ls.random_direction(model, theta, rng=np.random.default_rng(1), filter_normalize=False)
    assert not np.allclose(plain, d)
    with pytest.raises(TypeError, match="rng"):
        ls.random_direction(model, theta, rng=None)


# --- the lecture's two-point example -------------------------------------------------------------
def test_the_two_point_losses_are_exactly_0_0_and_1(two_point):
    objective, _, theta, theta_prime = two_point
    np.testing.assert_array_equal(theta, [-1, 1, -1, 1])  # [w_1, w_2, beta_1, beta_2]
    np.testing.assert_array_equal(theta_prime, [1, -1, 1, -1])
    assert objective(theta) == 0.0
    assert objective(theta_prime) == 0.0
    assert objective(0.5 * theta + 0.5 * theta_prime) == 1.0
    # at the midpoint every weight is 0, every unit sits on its kink and nnlab's ReLU takes slope 0
    # there: the gradient is exactly 0, so gradient descent started there never moves
    np.testing.assert_array_equal(objective.grad(0.5 * theta + 0.5 * theta_prime), np.zeros(4))
    # along the whole line, L(alpha) = 16 alpha^2 (1 - alpha)^2: above the chord (0) for 0 < alpha < 1
    alphas = np.linspace(-0.5, 1.5, 41)
    np.testing.assert_allclose(ls.loss_along_line(objective, theta, theta_prime, alphas),
                               16 * alphas**2 * (1 - alphas) ** 2, atol=1e-14)


def test_swapping_the_hidden_units_maps_one_minimum_to_the_other(two_point, rng):
    _, model, theta, theta_prime = two_point
    np.testing.assert_array_equal(ls.permute_hidden(model, theta, [1, 0]), theta_prime)
    # and for any network with biases, any activation: same function, different parameters
    for activation in ("relu", "tanh"):
        net = nl.MLP([2, 3, 1], activation, rng=rng)
        objective = ls.Objective(net, rng.standard_normal((6, 2)), rng.standard_normal(6), loss="mse")
        th = net.get_params_vector() + rng.uniform(-0.5, 0.5, net.n_params)
        permuted = ls.permute_hidden(net, th, [2, 0, 1])
        assert not np.allclose(permuted, th)
        np.testing.assert_allclose(objective.predict(permuted), objective.predict(th), rtol=1e-12)
    with pytest.raises(ValueError, match="perm"):
        ls.permute_hidden(model, theta, [0, 0])


@pytest.mark.parametrize("c", [0.1, 0.5, 1, 2, 5, 10])
def test_rescaling_keeps_the_function_but_changes_the_sharpness(two_point, c):
    objective, model, theta, _ = two_point
    theta_c = ls.rescale(model, theta, c)
    np.testing.assert_allclose(theta_c, [-c, c, -1 / c, 1 / c], rtol=1e-15)  # (c w, beta / c)
    x = np.linspace(-2, 2, 9)[:, None]
    np.testing.assert_allclose(objective.predict(theta_c, x), objective.predict(theta, x), rtol=1e-13, atol=1e-15)
    assert objective(theta_c) == pytest.approx(0.0, abs=1e-28)
    # at the minimum the Hessian is J^T J, blocks [[beta^2, w beta], [w beta, w^2]] per unit,
    # with top eigenvalue w^2 + beta^2 = c^2 + 1/c^2
    expected = c**2 + 1 / c**2
    assert ls.sharpness(objective, theta_c) == pytest.approx(expected, rel=1e-8)
    assert ls.sharpness(objective, theta_c, method="power", rng=np.random.default_rng(0)) == pytest.approx(
        expected, rel=1e-6)


def test_the_issue_claim_sharpness_grows_from_about_2_to_about_100(two_point):
    """c = 1 gives 2 exactly, c = 10 gives 100.01: 'from about 2 to about 100' is right."""
    objective, model, theta, _ = two_point
    values = [ls.sharpness(objective, ls.rescale(model, theta, c)) for c in (1, 2, 5, 10)]
    np.testing.assert_allclose(values, [2.0, 4.25, 25.04, 100.01], rtol=1e-8)


def test_rescaling_needs_relu_like_units_and_positive_c(two_point, rng):
    _, model, theta, _ = two_point
    with pytest.raises(ValueError, match="c"):
        ls.rescale(model, theta, 0)
    net = nl.MLP([1, 2, 1], "tanh", rng=rng)
    with pytest.raises(ValueError, match="tanh"):
        ls.rescale(net, net.get_params_vector(), 2.0)
    with pytest.raises(ValueError, match="layer"):
        ls.rescale(model, theta, 2.0, layer=2)


# --- many runs -----------------------------------------------------------------------------------
@pytest.mark.parametrize("activation", ["tanh", "relu"])
@pytest.mark.parametrize("batch_size", [None, 4, 5])
def test_train_many_does_what_fit_does_step_for_step(activation, batch_size):
    X, y = nl.data.regression_1d(12, rng=np.random.default_rng(1))
    model = nl.MLP([1, 3, 1], activation, rng=np.random.default_rng(3))
    objective = ls.Objective(model, X, y, loss="mse")
    runs = runs_.train_many(objective, model.get_params_vector()[None], lr=0.05, epochs=30,
                         batch_size=batch_size, rng=np.random.default_rng(4))
    nl.fit(model, X, y, loss="mse", optimizer=nl.SGD(0.05), epochs=30, batch_size=batch_size,
           rng=np.random.default_rng(4))
    np.testing.assert_allclose(runs.thetas[0], model.get_params_vector(), rtol=0, atol=1e-12)


def test_multi_start_records_paths_and_checks_the_end_with_nnlab():
    X, y = nl.data.regression_1d(10, rng=np.random.default_rng(0))
    objective = ls.Objective(nl.MLP([1, 2, 1], "tanh", rng=np.random.default_rng(0)), X, y, loss="mse")
    gd = runs_.multi_start(objective, 3, lr=0.1, epochs=25, rng=np.random.default_rng(7), record_every=10)
    sgd = runs_.multi_start(objective, 3, lr=0.1, epochs=5, batch_size=2, rng=np.random.default_rng(7))
    assert gd.paths.shape == (3, 4, 7) and list(gd.epochs) == [0, 10, 20, 25]
    np.testing.assert_array_equal(gd.paths[:, 0], sgd.paths[:, 0])  # same starts, whatever the batch size
    assert not np.allclose(gd.paths[:, 0], gd.paths[:, 1])
    np.testing.assert_allclose(gd.losses, [objective(t) for t in gd.thetas])
    np.testing.assert_allclose(gd.grad_norms, [np.linalg.norm(objective.grad(t)) for t in gd.thetas])
    assert gd.losses.mean() < np.mean([objective(t) for t in gd.paths[:, 0]])
    assert gd.sharpness().shape == (3,)


def test_multi_start_refuses_what_it_cannot_train(rng):
    X, y = rng.standard_normal((5, 2)), rng.integers(0, 2, 5)
    deep = ls.Objective(nl.MLP([2, 3, 3, 1], "relu", rng=rng), X, y, loss="mse")
    with pytest.raises(ValueError, match="one hidden layer"):
        runs_.multi_start(deep, 2, lr=0.1, epochs=1, rng=rng)
    bce = ls.Objective(nl.MLP([2, 3, 1], "relu", rng=rng), X, y, loss="bce")
    with pytest.raises(ValueError, match="mse"):
        runs_.multi_start(bce, 2, lr=0.1, epochs=1, rng=rng)
    ok = ls.Objective(nl.MLP([2, 3, 1], "relu", rng=rng), X, y.astype(float), loss="mse")
    with pytest.raises(FloatingPointError, match="lr"):
        runs_.multi_start(ok, 2, lr=1e6, epochs=50, rng=rng, record_every=1)


# --- clear errors --------------------------------------------------------------------------------
def test_bad_arguments_name_themselves(quadratic, rng):
    objective, _, _ = quadratic
    with pytest.raises(TypeError, match="model"):
        ls.Objective("not a model", [[1.0]], [1.0], loss="mse")
    with pytest.raises(ValueError, match="theta"):
        objective(np.zeros(3))
    with pytest.raises(ValueError, match="method"):
        ls.sharpness(objective, np.zeros(4), method="lanczos")
    with pytest.raises(TypeError, match="rng"):
        ls.sharpness(objective, np.zeros(4), method="power")
    with pytest.raises(TypeError, match="objective"):
        ls.loss_along_line(lambda t: 0.0, np.zeros(4), np.zeros(4), [0, 1])
    with pytest.raises(ValueError, match="w"):
        ls.two_point_model(w=(1, 2, 3))


def test_the_objective_never_changes_the_model(rng):
    model = nl.MLP([2, 3, 1], "relu", rng=rng)
    before = model.get_params_vector()
    objective = ls.Objective(model, rng.standard_normal((4, 2)), rng.standard_normal(4), loss="mse")
    objective(before + 1.0)
    objective.grad(before - 1.0)
    np.testing.assert_array_equal(model.get_params_vector(), before)
    np.testing.assert_array_equal(objective.theta0, before)


def test_the_plots_draw_what_they_are_given(two_point):
    objective, _, theta, theta_prime = two_point
    alphas = np.linspace(-0.25, 1.25, 31)
    fig = plt.figure()
    ax = fig.add_subplot(1, 3, 1)
    LP.plot_loss_along_line(ax, alphas, ls.loss_along_line(objective, theta, theta_prime, alphas), mark=0.5)
    np.testing.assert_allclose(ax.lines[0].get_ydata(), 16 * alphas**2 * (1 - alphas) ** 2, atol=1e-14)
    a = b = np.linspace(-1, 1, 7)
    Z = ls.loss_on_plane(objective, np.zeros(4), theta, theta_prime - theta, a, b)
    LP.plot_plane(fig.add_subplot(1, 3, 2), a, b, Z, points={"θ": (1, 0)})
    with pytest.raises(ValueError, match="Z"):
        LP.plot_plane(fig.add_subplot(1, 3, 2), a, b, Z.T[:, :3])
    LP.plot_surface(fig.add_subplot(1, 3, 3, projection="3d"), a, b, Z, zlim=(0, 2))
    with pytest.raises(TypeError, match="3-D"):
        LP.plot_surface(ax, a, b, Z)
    plt.close(fig)


# --- the explorer --------------------------------------------------------------------------------
def test_the_explorer_data_checks_the_lecture():
    d = wl.nonconvexity_data(0.5, 1.0)
    assert d["loss"] == 1.0 and d["chord"] == 0.0
    assert d["sharpness"] == pytest.approx(2.0, rel=1e-8)
    d10 = wl.nonconvexity_data(1.0, 10.0)
    assert d10["loss"] == pytest.approx(0.0, abs=1e-28)
    assert d10["sharpness"] == pytest.approx(100.01, rel=1e-8)
    np.testing.assert_allclose(d10["losses"], d["losses"], atol=1e-12)  # rescaling leaves the line alone
    np.testing.assert_allclose(d10["f"], d10["x"], atol=1e-12)  # at theta the network is y_hat = x
    with pytest.raises(ValueError, match="alpha"):
        wl.nonconvexity_data(3.0, 1.0)


def test_a_preset_sets_the_controls_and_a_redraw_changes_the_image():
    dash = nl.widgets.nonconvexity_explorer()
    assert dash.values == {"alpha": 0.5, "c": 1.0}
    first, draws = bytes(dash.png), dash.n_draws
    assert first.startswith(b"\x89PNG")
    dash.set_preset("rescaled")
    assert dash.values == wl.NONCONVEXITY_PRESETS["rescaled"] == {"alpha": 1.0, "c": 10.0}
    assert dash.n_draws == draws + 1 and bytes(dash.png) != first
    dash.controls["alpha"].value = 0.25
    assert dash.n_draws == draws + 2
    assert dash.message.value == ""
    plt.close(dash.static_figure().figure)
    with pytest.raises(ValueError, match="preset"):
        dash.set_preset("nowhere")


def test_the_loss_along_a_line_moves_in_place(two_point):
    objective, _, theta, theta_prime = two_point
    alphas = np.linspace(-0.25, 1.25, 31)
    losses = ls.loss_along_line(objective, theta, theta_prime, alphas)
    ax = plt.figure().add_subplot()
    line = LP.LossAlongLine(ax, ylim=(-0.15, 2.0))
    line.show(alphas, losses, mark=0.5)
    np.testing.assert_allclose(line.curve.get_ydata(), 16 * alphas**2 * (1 - alphas) ** 2, atol=1e-14)
    assert line.on_chord.get_offsets().tolist() == [[0.5, 0.0]] and len(line.gap.get_segments()) == 1
    assert line.legend.texts[2].get_text() == "α = 0.50: L = 1.000"
    line.show(alphas, losses, mark=1.25)  # beyond theta: no point on the chord
    assert len(line.on_chord.get_offsets()) == 0 and line.gap.get_segments() == []
    assert ax.get_xlim() == pytest.approx((-0.325, 1.325)) and ax.get_ylim() == (-0.15, 2.0)
    with pytest.raises(ValueError, match="alphas: expected a range that includes 0 and 1"):
        line.show(alphas[:5], losses[:5], mark=0.0)
    plt.close(ax.figure)


#: settings no preset has: alpha at either end of the slider (beyond the minima, no chord point) and
#: the sharpest and the flattest rescaling
ODD = {"past-theta": dict(alpha=1.25, c=0.1), "before-theta-prime": dict(alpha=-0.25, c=10.0),
       "odd": dict(alpha=0.05, c=3.7)}


@pytest.mark.parametrize("via, odd, to", [("midpoint", "past-theta", "rescaled"),
                                          ("rescaled", "before-theta-prime", "quarter"),
                                          ("minimum", "odd", "midpoint"), ("quarter", "past-theta", "minimum")])
def test_the_explorer_updated_in_place_draws_what_a_new_one_draws(via, odd, to):
    """Moved from one preset through a setting no preset has to another, the explorer draws, pixel
    for pixel, what an explorer opened at that preset draws (nothing left over: a point on the
    chord, a legend text, a title)."""
    moved = nl.widgets.nonconvexity_explorer(preset=via)
    axes = list(moved.figure.axes)
    moved.set_values(**ODD[odd])
    assert moved.message.value == ""
    moved.set_preset(to)
    fresh = nl.widgets.nonconvexity_explorer(preset=to)
    assert moved.png == fresh.png
    assert moved.figure.axes == axes  # the same axes, moved


@pytest.mark.parametrize("odd", sorted(ODD))
def test_the_explorer_at_a_setting_no_preset_has_draws_what_a_fresh_view_draws(odd):
    from nnlab.widgets.blit import png_bytes

    moved = nl.widgets.nonconvexity_explorer(preset="rescaled")
    moved.set_values(**ODD[odd])
    static = moved.static_figure().figure  # a fresh view on a new figure, at the current values
    assert png_bytes(static) == moved.png
    line_title, _, valley_title = (ax.get_title() for ax in static.axes)
    d = wl.nonconvexity_data(**ODD[odd])
    assert line_title.startswith(f"L = {d['loss']:.3f}, chord {d['chord']:.3f}")
    assert valley_title == f"the valley at (c w, β / c):\nsharpness {d['sharpness']:.2f}"


# --- claims of the notebook that no output prints ---------------------------------------------------------
def test_the_random_direction_of_the_2d_slice_points_at_minus_w_so_the_diagonal_has_loss_1(two_point):
    """Notebook 05, section 6: 'the random direction happens to point at -w there', so along the diagonal
    a = b of the plane (midpoint + a theta + b d) the first-layer weights are 0 and the loss is exactly 1."""
    objective, model, theta, _ = two_point
    d = ls.random_direction(model, theta, rng=np.random.default_rng(0))
    np.testing.assert_array_equal(d[:2], -theta[:2])
    for t in np.linspace(-1.6, 1.6, 41):
        assert objective(t * theta + t * d) == 1.0
    # 'gradient descent started on either side of it rolls into a different valley': a > b ends at theta,
    # a < b at theta' (= -theta)
    for (a, b), end in [((0.1, 0.05), theta), ((0.2, 0.1), theta), ((0.05, 0.3), -theta), ((-0.2, 0.1), -theta)]:
        point = a * theta + b * d
        for _ in range(2000):
            point = point - 0.1 * objective.grad(point)
        np.testing.assert_allclose(point, end, atol=0.05)


@pytest.fixture(scope="module")
def regression_runs():
    """Section 7 and 8 of notebook 05: 30 runs of gradient descent, settled, and 200 fresh points."""
    X, y = nl.data.regression_1d(20, rng=np.random.default_rng(1))
    net = nl.MLP([1, 3, 1], "tanh", rng=np.random.default_rng(0))
    regression = ls.Objective(net, X, y, loss="mse")
    gd = runs_.multi_start(regression, 30, lr=0.2, epochs=1500, rng=np.random.default_rng(2))
    gd_end = runs_.train_many(regression, gd.thetas, lr=0.05, epochs=200, rng=np.random.default_rng(3))
    X_fresh, y_fresh = nl.data.regression_1d(200, rng=np.random.default_rng(11))
    return regression, gd, gd_end, ls.Objective(net, X_fresh, y_fresh, loss="mse")


def _matched(theta):
    """The tanh units flipped so that w < 0 and sorted by w, as notebook 05 matches A's and B's units."""
    w, b, v = theta[:9].reshape(3, 3)
    s = -np.sign(w)
    order = np.argsort(s * w)
    return np.concatenate([(s * w)[order], (s * b)[order], (s * v)[order], theta[9:]])


def test_b_is_a_relabelled_sign_flipped_and_moved_along_a_nearly_flat_valley(regression_runs):
    regression, gd, _, _ = regression_runs
    A, B = np.argsort(gd.losses)[:2]
    mA, mB = _matched(gd.thetas[A]), _matched(gd.thetas[B])
    x = np.linspace(-1, 1, 51)[:, None]
    for m, r in ((mA, A), (mB, B)):  # flipping (tanh is odd) and renumbering change nothing
        np.testing.assert_allclose(regression.predict(m, x), regression.predict(gd.thetas[r], x), atol=1e-12)
    uA, uB = mA[:9].reshape(3, 3).T, mB[:9].reshape(3, 3).T
    np.testing.assert_allclose(uA[0], uB[0], atol=0.05)  # the steep units match
    assert abs(uA[1, 2] - uB[1, 2]) > 0.15 and abs(uA[2, 2] - uB[2, 2]) > 0.15  # the shallow ones, one by one, do not
    assert abs(uA[1:, 2].sum() - uB[1:, 2].sum()) < 0.05  # their sums do
    assert np.ptp(uA[1:, 0]) < 0.05 and np.ptp(uB[1:, 0]) < 0.05  # the shallow units are nearly equal
    t = np.linspace(0, 1, 21)
    assert ls.loss_along_line(regression, mB, mA, t).max() < max(gd.losses[A], gd.losses[B]) + 1e-4
    assert ls.loss_along_line(regression, gd.thetas[B], gd.thetas[A], t).max() > 10


# --- the notebook's exercises -----------------------------------------------------------------------------
@pytest.mark.parametrize("answer, status, message", [
    (9 / 16, "right", "their mean is 0.5625 = 16 alpha^2 (1 - alpha)^2"),
    (None, "not written yet", "`loss_quarter` is still None"),
    (9 / 8, "wrong", "That is the sum of the two squared errors"),
    (0.75, "wrong", "That is the error itself"),
    (0.25, "wrong", "That is alpha itself, or the loss if y_hat were +-1/2"),
    (0.0, "wrong", "That is the chord"),
    (1.0, "wrong", "That is the loss at the midpoint"),
    (0.6, "wrong", "Yours is 1.067 times the answer"),
    ("9/16", "wrong", "write a number"),
])
def test_exercise_1_the_loss_at_a_quarter(answer, status, message):
    verdict = nl.exercises.landscape.check_quarter_loss(answer)
    assert verdict.status == status and message in repr(verdict), repr(verdict)
    assert 16 * 0.25**2 * 0.75**2 == 9 / 16  # the answer the check computes, by the notebook's formula


def _rescale(theta, c):
    return np.concatenate([c * theta[:2], theta[2:] / c])


def _rescale_stub(theta, c):
    """(c w, beta / c)."""
    # YOUR CODE HERE


@pytest.mark.parametrize("answer, status, message", [
    (_rescale, "right", "gives the right result on all 3 test inputs"),
    (_rescale_stub, "not written yet", "`my_rescale` has no body yet"),
    (lambda theta, c: c * theta, "wrong", "beta multiplied by c too"),
    (lambda theta, c: np.concatenate([theta[:2] / c, c * theta[2:]]), "wrong", "the rescaling by 1/c"),
    (lambda theta, c: np.concatenate([c * theta[:2], theta[2:]]), "wrong", "w scaled but beta left alone"),
    (lambda theta, c: np.concatenate([theta[:2], theta[2:] / c]), "wrong", "beta divided by c but w left alone"),
    (lambda theta, c: np.concatenate([c * theta[:2], theta[2:] / c**2]), "wrong", "beta divided by c^2"),
    (lambda theta, c: -_rescale(theta, c), "wrong", "a sign error"),
    (lambda theta, c: _rescale(theta, c)[:2], "wrong", "has shape (2,), expected (4,)"),
])
def test_exercise_2_rescale(answer, status, message):
    verdict = nl.exercises.landscape.check_rescale(answer)
    assert verdict.status == status and message in repr(verdict), repr(verdict)


def test_exercise_2_checks_against_nnlab_and_leaves_theta_alone():
    for theta, c in nl.exercises.landscape._rescale_cases():
        before = theta.copy()
        np.testing.assert_allclose(nl.exercises.landscape.reference_rescale(theta, c), _rescale(theta, c), rtol=1e-15)
        np.testing.assert_array_equal(theta, before)


@pytest.mark.parametrize("answer, status, message", [
    (np.sqrt(2) + np.sqrt(3), "right", "nnlab measures sharpness 10 at c = 3.1463"),
    (3.15, "right", "c_sharp_10 = 3.15"),
    (np.sqrt(3) - np.sqrt(2), "right", "The reciprocal works as well"),
    (None, "not written yet", "`c_sharp_10` is still None"),
    (np.sqrt(10), "wrong", "That solves c^2 = 10 and forgets the 1/c^2"),
    (np.sqrt(5), "wrong", "That solves 2 c^2 = 10"),
    (10, "wrong", "The sharpness grows like c^2, not like c: nnlab measures sharpness 100.01 at c = 10"),
    (5, "wrong", "nnlab measures sharpness 25.04 at c = 5, not 10"),
    (3.2, "wrong", "You wrote 3.2; the answer is 3.14626."),
    (0.32, "wrong", "the answer is 0.317837"),
    (-3.1463, "wrong", "c must be positive"),
    ("pi", "wrong", "write a number"),
])
def test_exercise_3_the_c_with_sharpness_10(answer, status, message):
    verdict = nl.exercises.landscape.check_sharpness_c(answer)
    assert verdict.status == status and message in repr(verdict), repr(verdict)


def test_exercise_3_the_roots_are_sqrt3_plus_and_minus_sqrt2():
    small, large = nl.exercises.landscape._c_for_target()
    assert large == pytest.approx(np.sqrt(2) + np.sqrt(3), rel=1e-12)
    assert small == pytest.approx(np.sqrt(3) - np.sqrt(2), rel=1e-12)
    assert nl.exercises.landscape.measured_sharpness(large) == pytest.approx(10.0, rel=1e-7)


@pytest.mark.parametrize("answer, status, message", [
    ("wiggly", "right", "the wiggly fits have median loss 0.085, the straight lines 0.423"),
    (None, "not written yet", "`better` is still None"),
    ("straight", "wrong", "The straight lines are the flatter minima"),
    ("flat", "wrong", "choose one of 'wiggly', 'straight'"),
])
def test_exercise_4_flat_or_sharp_on_fresh_data(regression_runs, answer, status, message):
    _, _, gd_end, fresh = regression_runs
    verdict = nl.exercises.landscape.check_better_on_fresh_data(answer, gd_end, fresh)
    assert verdict.status == status and message in repr(verdict), repr(verdict)


def test_exercise_4_needs_both_kinds_and_measures_them(regression_runs):
    regression, _, gd_end, fresh = regression_runs
    on_fresh = nl.exercises.landscape.fresh_losses(gd_end, fresh)
    np.testing.assert_allclose(on_fresh, [fresh(t) for t in gd_end.thetas])
    wiggly = gd_end.losses < nl.exercises.landscape.WIGGLY_BELOW
    assert np.median(on_fresh[wiggly]) < np.median(on_fresh[~wiggly])
    assert np.median(gd_end.sharpness()[wiggly]) > np.median(gd_end.sharpness()[~wiggly])  # the sharper is better
    one_kind = runs_.train_many(regression, gd_end.thetas[~wiggly], lr=0.05, epochs=1, rng=np.random.default_rng(0))
    with pytest.raises(ValueError, match="both kinds"):
        nl.exercises.landscape.check_better_on_fresh_data("wiggly", one_kind, fresh)


# --- section 6: the midpoint is a saddle point ---------------------------------------------------------------
def test_the_midpoint_is_a_saddle_point(two_point):
    """Gradient 0; Hessian eigenvalues of both signs, (-0.5, -0.5, 0.5, 0.5) from differences of backprop's gradients
    at ReLU's kink; the loss itself curves by -1 and +1 along the same directions (its exact form 1 - t^2/2 + t^4/8
    and 1 + t^2/2 + t^4/8)."""
    objective, _, theta, theta_prime = two_point
    midpoint = (theta + theta_prime) / 2
    assert np.array_equal(objective.grad(midpoint), np.zeros(4))
    values, _ = ls.curvatures(objective, midpoint)
    assert values.round(3).tolist() == [-0.5, -0.5, 0.5, 0.5] and values.min() < 0 < values.max()
    down, up = np.array([1, 0, 1, 0]) / np.sqrt(2), np.array([1, 0, -1, 0]) / np.sqrt(2)
    H = ls.hessian(objective, midpoint)
    np.testing.assert_allclose(H @ down, -0.5 * down, atol=1e-9)
    np.testing.assert_allclose(H @ up, 0.5 * up, atol=1e-9)
    t = np.linspace(-1.5, 1.5, 61)
    np.testing.assert_allclose(ls.loss_along_direction(objective, midpoint, down, t), 1 - t**2 / 2 + t**4 / 8,
                               atol=1e-12)
    np.testing.assert_allclose(ls.loss_along_direction(objective, midpoint, up, t), 1 + t**2 / 2 + t**4 / 8,
                               atol=1e-12)
    h = 1e-3
    for v, curvature in ((down, -1.0), (up, 1.0)):
        L = ls.loss_along_direction(objective, midpoint, v, [-h, 0, h])
        assert f"{(L[0] - 2 * L[1] + L[2]) / h**2:.3f}" == f"{curvature:.3f}"


def test_the_factor_two_is_relus_derivative_at_the_kink(two_point):
    """The Hessian's cross term w_1/beta_1 is -1 from one side and 0 from the other (backprop's relu'(0) = 0 leaves
    dL/dw_1 at 0 while beta_1 moves); a step off the kink, where relu' is defined, both sides give -1."""
    objective, _, theta, theta_prime = two_point
    midpoint = (theta + theta_prime) / 2
    h = 1e-5
    e_w, e_b = np.eye(4)[0], np.eye(4)[2]
    moved_w = (objective.grad(midpoint + h * e_w) - objective.grad(midpoint - h * e_w)) / (2 * h)
    moved_b = (objective.grad(midpoint + h * e_b) - objective.grad(midpoint - h * e_b)) / (2 * h)
    assert moved_w[2] == pytest.approx(-1.0) and moved_b[0] == 0.0
    off = midpoint + 0.01 * e_w  # w_1 = 0.01: the first unit off its kink
    moved_b = (objective.grad(off + h * e_b) - objective.grad(off - h * e_b)) / (2 * h)
    assert moved_b[0] == pytest.approx(-1.0, abs=1e-3)


def test_gradient_descent_slows_down_near_the_saddle(two_point):
    """Steps until the loss is below 0.5 from eps = 1e-1 ... 1e-4: 40, 64, 88, 112, 24 more per decade
    (ln 10 / ln 1.1 = 24.2); the gradient at the start is eps; the largest gradient 0.545, whatever eps."""
    _, _, theta, theta_prime = two_point
    midpoint = (theta + theta_prime) / 2
    X, y = nl.data.two_point_data()
    d = np.random.default_rng(0).standard_normal(4)
    d /= np.linalg.norm(d)
    steps, largest = [], []
    for eps in (1e-1, 1e-2, 1e-3, 1e-4):
        start = midpoint + eps * d
        history = nl.fit(ls.two_point_model(w=start[:2], beta=start[2:]), X, y, loss="mse", optimizer=nl.SGD(0.1),
                         epochs=200, batch_size=None, rng=np.random.default_rng(0), record_grad_norm=True)
        assert f"{history.grad_norm[0]:.1e}" == f"{eps:.1e}"
        steps.append(int(np.argmax(np.array(history.loss) < 0.5)))
        largest.append(round(max(history.grad_norm), 3))
        assert history.loss[0] > 0.99 and history.loss[-1] < 1e-12  # from the plateau to a minimum
    assert steps == [40, 64, 88, 112] and np.diff(steps).tolist() == [24, 24, 24] and largest == [0.545] * 4
    assert round(np.log(10) / np.log(1.1), 1) == 24.2
    history = nl.fit(ls.two_point_model(w=midpoint[:2], beta=midpoint[2:]), X, y, loss="mse", optimizer=nl.SGD(0.1),
                     epochs=20, batch_size=None, rng=np.random.default_rng(0))
    assert history.loss == [1.0] * 20  # at the saddle itself it never moves


# --- section 9: cyclic learning rates ------------------------------------------------------------------------
def test_cyclic_lr_is_smiths_triangle_and_pytorchs():
    assert [round(nl.optim.cyclic_lr(t, 0.1, 0.5, 2), 2) for t in range(6)] == [0.1, 0.3, 0.5, 0.3, 0.1, 0.3]
    for bad, match in ((-1, "step: expected a whole number"), (1.5, "step"), (True, "step")):
        with pytest.raises(ValueError, match=match):
            nl.optim.cyclic_lr(bad, 0.1, 0.5, 2)
    with pytest.raises(ValueError, match="step_size: expected a positive integer"):
        nl.optim.cyclic_lr(0, 0.1, 0.5, 0)
    torch = pytest.importorskip("torch", reason="PyTorch is not installed: the comparison with its CyclicLR is skipped")
    p = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([p], lr=0.05)
    schedule = torch.optim.lr_scheduler.CyclicLR(opt, base_lr=0.05, max_lr=0.4, step_size_up=150, mode="triangular",
                                                 cycle_momentum=False)
    theirs = []
    for _ in range(1000):
        theirs.append(opt.param_groups[0]["lr"])
        opt.step()
        schedule.step()
    np.testing.assert_allclose([nl.optim.cyclic_lr(t, 0.05, 0.4, 150) for t in range(1000)], theirs, atol=1e-12)


def test_cyclic_lr_wraps_an_optimiser_for_fit():
    X, y = nl.data.circles(40, rng=np.random.default_rng(0))
    sgd = nl.SGD(0.1)
    opt = nl.optim.CyclicLR(sgd, max_lr=0.5, step_size=3)
    nl.fit(nl.MLP([2, 4, 1], "relu", rng=np.random.default_rng(0)), X, y, loss="bce", optimizer=opt, epochs=8,
           batch_size=20, rng=np.random.default_rng(0))
    assert len(opt.lrs) == 16 and opt.lrs == [nl.optim.cyclic_lr(t, 0.1, 0.5, 3) for t in range(16)]
    assert sgd.lr == opt.lrs[-1] and "CyclicLR(SGD(lr=" in repr(opt)
    with pytest.raises(TypeError, match="optimizer: expected an nnlab optimiser"):
        nl.optim.CyclicLR("sgd", max_lr=0.5, step_size=3)


@pytest.fixture(scope="module")
def cyclic(regression_runs):
    regression, gd, _, _ = regression_runs
    return runs_.cyclic_runs(regression, gd.paths[:, 0], base_lr=0.05, max_lr=0.4, step_size=150, cycles=5)


def test_a_cyclic_rate_ends_every_run_in_the_same_kind_of_minimum(regression_runs, cyclic):
    """Section 9's numbers: the staircase's rates, the wiggly fits at the end of each cycle against the constant
    rate, no run leaving a wiggly fit, all 30 in the same kind of minimum; settled, flatter wiggly fits."""
    regression, gd, gd_end, fresh = regression_runs
    assert cyclic.lrs.shape == (1500,) and cyclic.thetas.shape == (6, 30, 10) and cyclic.losses.shape == (6, 30)
    assert [f"{v:.3f}" for v in (cyclic.lrs.min(), cyclic.lrs.max(), cyclic.lrs.mean())] == ["0.062", "0.388", "0.225"]
    assert f"{2 / cyclic.lrs.max():.2f}" == "5.15"
    gd_sharpness = gd_end.sharpness()
    assert f"{gd_sharpness[gd_end.losses < 0.3].min():.2f}" == "7.86"
    wiggly = cyclic.losses[1:] < 0.3
    constant = np.array([[regression(t) for t in gd.paths[:, i]]
                         for i in np.searchsorted(gd.epochs, 300 * np.arange(1, 6))]) < 0.3
    assert wiggly.sum(axis=1).tolist() == [5, 11, 15, 17, 17] and constant.sum(axis=1).tolist() == [3, 10, 14, 16, 17]
    assert not (wiggly[:-1] & ~wiggly[1:]).any()
    assert np.array_equal(wiggly[-1], gd.losses < 0.3)
    end = runs_.train_many(regression, cyclic.thetas[-1], lr=0.05, epochs=200, rng=np.random.default_rng(3))
    sharp = end.sharpness()
    for runs, s, expected in ((end, sharp, ("5.8", "5.9", "0.100", "0.080")),
                              (gd_end, gd_sharpness, ("8.9", "5.7", "0.105", "0.085"))):
        w = runs.losses < 0.3
        on_fresh = np.array([fresh(t) for t in runs.thetas])
        assert (f"{np.median(s[w]):.1f}", f"{np.median(s[~w]):.1f}", f"{np.median(runs.losses[w]):.3f}",
                f"{np.median(on_fresh[w]):.3f}") == expected


def test_the_staircase_ends_where_a_rate_changed_at_every_step_ends(regression_runs, cyclic):
    """nl.fit with CyclicLR (a new rate every step) from six of the starts, against cyclic_runs (a new rate every 10
    steps): the same kind of minimum, and losses within 0.02."""
    regression, gd, _, _ = regression_runs
    X, y = regression.X, regression.Y[:, 0]
    for r in (0, 5, 6, 8, 15, 28):  # runs that changed kind over the cycles, and a straight line
        model = nl.MLP([1, 3, 1], "tanh", rng=np.random.default_rng(0))
        model.set_params_vector(gd.paths[r, 0])
        nl.fit(model, X, y, loss="mse", optimizer=nl.optim.CyclicLR(nl.SGD(0.05), max_lr=0.4, step_size=150),
               epochs=1500, batch_size=None, rng=np.random.default_rng(0))
        exact = regression(model.get_params_vector())
        assert (exact < 0.3) == (cyclic.losses[-1, r] < 0.3) and abs(exact - cyclic.losses[-1, r]) < 0.02


def test_cyclic_runs_refuses_a_piece_that_does_not_divide_the_cycle(regression_runs):
    regression, gd, _, _ = regression_runs
    with pytest.raises(ValueError, match="every: expected a divisor of a cycle's 300 steps, got 7"):
        runs_.cyclic_runs(regression, gd.paths[:2, 0], base_lr=0.05, max_lr=0.4, step_size=150, cycles=1, every=7)
