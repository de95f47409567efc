"""Linear regions: the formulas against numbers worked out by hand, the exact counter against
networks whose regions are known, against a grid, and the notebook 03 dashboards."""

import matplotlib
import numpy as np
import pytest
from matplotlib.figure import Figure

import nnlab as nl
from nnlab import regions as R
from nnlab.exercises import regions as EX
from nnlab.plots import regions as RP

matplotlib.use("Agg")

# the two networks of notebook 03 (lecture notation: theta rows are (theta_d0, theta_d1); phi = phi_0..phi_3)
# network 1: zigzag on [-1, 1] with joints at -1, -0.5, 0.5: up from -1 to 1, down to -1, up to 1
NET1 = dict(theta=[[1, 1], [0.5, 1], [-0.5, 1]], phi=[-1, 4, -6, 6])
# network 2: on [-1, 1] down from 1 to -1, up to 1, down to -1 (joints -1, 0, 0.5); slope -6 below -1
NET2 = dict(theta=[[1, 1], [0, -1], [-0.5, 1]], phi=[-5, 4, 6, -8])
# four folds: joints -0.7, -0.4, 0.2; values at -1, joints, 1: 0.9, -1.5, 0.9, -1.5, 1.7 (each piece
# sweeps across all of network 2's joints -1, 0, 0.5)
NET1_FOUR = dict(theta=[[0.7, 1], [0.4, 1], [0.2, -1]], phi=[-8.7, 16, -12, 8])


def _binomial(n, k):
    """C(n, k) from Pascal's triangle, independent of math.comb."""
    row = [1]
    for _ in range(n):
        row = [a + b for a, b in zip([0, *row], [*row, 0])]
    return row[k] if 0 <= k <= n else 0


# --- parameter counts -------------------------------------------------------------------------

@pytest.mark.parametrize("n_in, hidden, n_out, expected", [
    (1, [6], 1, 19),          # 6 weights + 6 biases + 6 weights + 1 bias (the lecture's shallow net)
    (1, [3], 1, 10),          # one 1-3-1 network; two of them: 20, the lecture's composed pair
    (1, [3, 3], 1, 22),       # 6 + (9 + 3) + 4: the merged two-layer form has 2 more parameters
    (1, [10] * 5, 1, 471),    # 20 + 4 * 110 + 11 (UDL figure 4.7a)
    (10, [50] * 5, 1, 10801),  # 550 + 4 * 2550 + 51 (UDL figure 4.7b)
    (40, [298], 10, 15208),   # UDL figure 20.2 (MNIST-1D: 40 inputs, 10 classes): 12218 + 2990
    (40, [100] * 2, 10, 15210),  # 4100 + 10100 + 1010
    (40, [75] * 3, 10, 15235),   # 3075 + 2 * 5700 + 760
    (40, [63] * 4, 10, 15319),   # 2583 + 3 * 4032 + 640; the lecture prints 15139, a slip
    (3, [], 2, 8),            # no hidden layer: a linear model, (3 + 1) * 2
])
def test_count_params(n_in, hidden, n_out, expected):
    assert R.count_params(n_in, hidden, n_out) == expected


def test_count_params_matches_the_mlp():
    model = nl.MLP([3, 7, 5, 2], rng=np.random.default_rng(0))
    assert R.count_params(3, [7, 5], 2) == model.n_params == 3 * 7 + 7 + 7 * 5 + 5 + 5 * 2 + 2


def test_count_params_rejects_bad_input():
    with pytest.raises(ValueError, match=r"hidden\[1\]"):
        R.count_params(1, [3, 0], 1)
    with pytest.raises(TypeError, match="hidden"):
        R.count_params(1, 3, 1)
    with pytest.raises(ValueError, match="n_in"):
        R.count_params(0, [3], 1)


# --- maximum number of regions ----------------------------------------------------------------

@pytest.mark.parametrize("n_units, n_in, expected", [
    (6, 1, 7),        # 6 joints cut a line into 7 pieces
    (3, 2, 7),        # 3 lines in general position: 1 + 3 + 3
    (4, 2, 11),       # 1 + 4 + 6
    (2, 5, 4),        # fewer hyperplanes than dimensions: all 2^2 sign patterns
    (0, 3, 1),        # no units: one region
    (5, 3, 26),       # 1 + 5 + 10 + 10
])
def test_zaslavsky(n_units, n_in, expected):
    assert R.max_regions_shallow(n_units, n_in) == expected


def test_deep_formula_with_one_input_is_d_plus_one_to_the_k():
    # 11^2 = 121, 11^3 = 1331, 11^4 = 14641, 11^5 = 161051: the book's 161,051
    # (the lecture's 161,501 is a slip)
    assert R.max_regions_deep(10, 5) == 161051
    # two layers of 3: the most a 1-3-3-1 network (or a pair of 1-3-1 networks) can do
    assert R.max_regions_deep(3, 2) == 16
    assert R.max_regions_deep(6, 1) == R.max_regions_shallow(6) == 7
    assert all(R.max_regions_deep(D, K) == (D + 1) ** K for D in range(3, 8) for K in range(1, 6))
    assert all(R.max_regions_deep(D, 1) == D + 1 for D in (1, 2))  # one layer: any width


def test_deep_formula_book_example_with_ten_inputs_is_an_exact_integer():
    value = R.max_regions_deep(50, 5, 10)
    # (50/10 + 1)^(10 * 4) * sum_{j <= 10} C(50, j), the sum from Pascal's triangle
    expected = 6**40 * sum(_binomial(50, j) for j in range(11))
    assert isinstance(value, int) and value == expected
    assert value > 10**40 and len(str(value)) == 42  # about 1.8e41: "more than 10^40"
    assert str(value).startswith("17956")


def test_deep_formula_shallow_case_and_errors():
    assert R.max_regions_deep(20, 1, 10) == R.max_regions_shallow(20, 10)
    with pytest.raises(ValueError, match="width"):
        R.max_regions_deep(5, 3, 2)
    with pytest.raises(ValueError, match="depth"):
        R.max_regions_deep(4, 0)
    with pytest.raises(ValueError, match="n_units"):
        R.max_regions_shallow(-1)


@pytest.mark.parametrize("width, depth, n_in", [(1, 2, 1), (2, 5, 1), (10, 5, 10), (20, 2, 10), (4, 3, 2)])
def test_deep_formula_refuses_layers_too_narrow_for_the_construction(width, depth, n_in):
    """Below 3 D_i units per layer no construction reaches the formula's count; at D = D_i it even
    exceeds the upper bound that holds for every network (so it cannot be the maximum)."""
    with pytest.raises(ValueError, match=r"width: the construction needs at least 3 \* n_in"):
        R.max_regions_deep(width, depth, n_in)
    if width == n_in:
        formula = (width // n_in + 1) ** (n_in * (depth - 1)) * R.max_regions_shallow(width, n_in)
        assert formula > R.max_regions_upper_bound([width] * depth, n_in)


def _upper_bound_by_enumeration(n_in, widths):
    """Serra et al.'s theorem 1 written out: every tuple (j_1, ..., j_K) with
    0 <= j_k <= min(n_in, n_1 - j_1, ..., n_{k-1} - j_{k-1}, n_k), each weighted by prod C(n_k, j_k)."""
    import itertools

    total = 0
    for js in itertools.product(*(range(n + 1) for n in widths)):
        caps_ok = all(js[k] <= min([n_in, widths[k], *(widths[i] - js[i] for i in range(k))])
                      for k in range(len(widths)))
        if caps_ok:
            term = 1
            for n, j in zip(widths, js):
                term *= _binomial(n, j)
            total += term
    return total


@pytest.mark.parametrize("n_in, widths", [(1, [3, 3]), (1, [1, 1, 1]), (1, [2, 5, 1]), (2, [3, 4, 2]),
                                          (2, [6, 6, 6]), (3, [3, 5]), (4, [6, 3, 7]), (10, [12, 11])])
def test_upper_bound_against_the_theorem_enumerated(n_in, widths):
    assert R.max_regions_upper_bound(widths, n_in) == _upper_bound_by_enumeration(n_in, widths)


def test_upper_bound_and_the_constructions():
    # one layer: Zaslavsky's count, the exact maximum
    assert all(R.max_regions_upper_bound([D], n) == R.max_regions_shallow(D, n) for D in range(8) if D
               for n in (1, 2, 5))
    # one input and >= 3 units per layer: the construction reaches the bound, (D + 1)^K is the maximum
    assert all(R.max_regions_upper_bound([D] * K) == R.max_regions_deep(D, K) == (D + 1) ** K
               for D in range(3, 12) for K in range(1, 7))
    assert R.max_regions_upper_bound([10] * 5) == 161051
    # width 1: K + 1 at most (each layer adds at most one joint to a monotone function)
    assert all(R.max_regions_upper_bound([1] * K) == K + 1 for K in range(1, 8))
    # the book's ten-input example: Montufar <= the construction <= the upper bound, far apart
    montufar, reached, upper = (R.max_regions_montufar(50, 5, 10), R.max_regions_deep(50, 5, 10),
                                R.max_regions_upper_bound([50] * 5, 10))
    assert montufar == 5**40 * sum(_binomial(50, j) for j in range(11))
    assert f"{montufar:.2e}" == "1.22e+38" and f"{reached:.2e}" == "1.80e+41" and f"{upper:.2e}" == "4.37e+50"
    assert montufar < reached < upper
    for n_in, D, K in [(1, 3, 4), (2, 6, 3), (2, 10, 5), (3, 9, 2), (10, 30, 5)]:
        assert R.max_regions_montufar(D, K, n_in) <= R.max_regions_deep(D, K, n_in) \
            <= R.max_regions_upper_bound([D] * K, n_in)
    assert R.max_regions_montufar(10, 5) == 10**4 * 11
    with pytest.raises(ValueError, match="width"):
        R.max_regions_montufar(5, 2, 10)
    with pytest.raises(ValueError, match="hidden"):
        R.max_regions_upper_bound([], 1)
    with pytest.raises(ValueError, match=r"hidden\[1\]"):
        R.max_regions_upper_bound([3, 0], 1)


def test_no_counted_network_exceeds_the_upper_bound():
    """The exact counter and the bound, independent of each other: random one-input networks of
    narrow shapes (where the bound is smallest) never have more regions than the bound allows, and
    the four-fold composition of notebook 03 reaches it."""
    rng = np.random.default_rng(4)
    for hidden in ([1, 1, 1], [2, 2, 2], [1, 3, 1], [3, 3], [2, 4, 2, 2]):
        bound = R.max_regions_upper_bound(hidden)
        counts = R.random_region_counts([1, *hidden, 1], 30, rng=rng, bias_std=1.5)
        assert counts.max() <= bound, (hidden, counts.max(), bound)
    four = R.compose_networks(R.shallow_network(**NET1_FOUR), R.shallow_network(**NET2))
    assert R.count_linear_regions(four) == 16 == R.max_regions_upper_bound([3, 3])


def test_max_regions_curve():
    params, regions = R.max_regions_curve(1, 5, [3, 10])
    assert params.tolist() == [R.count_params(1, [3] * 5), 471]
    assert regions == [1024, 161051]   # 4^5 and 11^5


# --- exact counting in one dimension ----------------------------------------------------------

def test_shallow_network_has_one_more_piece_than_joints_inside_the_interval():
    joints = np.array([-2.0, -0.5, 0.3, 1.0, 2.5])
    theta = np.column_stack([-joints, np.ones(5)])          # unit d turns on at x = joints[d]
    net = R.shallow_network(theta, [0.0, 1.0, -2.0, 3.0, -1.5, 2.0])
    assert R.count_linear_regions(net) == 6
    np.testing.assert_allclose(R.linear_pieces(net).joints, joints)
    assert R.count_linear_regions(net, (-1, 2)) == 4        # joints -0.5, 0.3 and 1.0 inside
    assert R.count_linear_regions(net, (-3, 3)) == 6
    assert R.count_linear_regions(net, (0.3, 1.0)) == 1     # joints on the ends do not cut


def test_a_unit_with_zero_output_weight_switches_but_does_not_cut():
    net = R.shallow_network([[1, 1], [0, 1], [-1, 1]], [0, 1, 0, -1])
    assert R.activation_pieces(net).n_pieces == 4   # three units change state
    assert R.count_linear_regions(net) == 3          # only two of them change the function
    # separate intervals with the same function stay separate regions: a hat, flat 0 on both sides
    hat = R.shallow_network([[1, 1], [0, 1], [-1, 1]], [0, 1, -2, 1])
    assert R.count_linear_regions(hat) == 4
    np.testing.assert_allclose(R.linear_pieces(hat).slopes[:, 0], [0, 1, -1, 0])


def test_lecture_networks_and_their_composition_multiply():
    net1, net2 = R.shallow_network(**NET1), R.shallow_network(**NET2)
    assert R.count_linear_regions(net1, (-1, 1)) == 3
    assert R.count_linear_regions(net2, (-1, 1)) == 3
    deep = R.compose_networks(net1, net2)
    assert deep.n_params == 20
    assert R.count_linear_regions(deep, (-1, 1)) == 9   # 3 x 3: the lecture's "(at least) 9"
    four = R.compose_networks(R.shallow_network(**NET1_FOUR), net2)
    assert R.count_linear_regions(R.shallow_network(**NET1_FOUR), (-1, 1)) == 4
    assert R.count_linear_regions(net2) == 4
    assert R.count_linear_regions(four, (-1, 1)) == 16 == R.max_regions_deep(3, 2)  # 4 x 4, the maximum
    assert R.count_linear_regions(four) == 16


def test_composition_replicates_network_2_on_every_fold():
    net1, net2 = R.shallow_network(**NET1), R.shallow_network(**NET2)
    edges, labels = R.composition_labels(net1, net2, (-1, 1))
    # network 2's pieces on the real line: 0 below -1, 1 on (-1, 0), 2 on (0, 0.5), 3 above 0.5;
    # the up-fold sees 1, 2, 3, the down-fold the mirror image 3, 2, 1
    assert labels.tolist() == [1, 2, 3, 3, 2, 1, 1, 2, 3]
    np.testing.assert_allclose(edges, [-1, -0.75, -0.625, -0.5, -0.25, 0, 0.5, 0.75, 0.875, 1])
    np.testing.assert_allclose(R.monotone_segments(net1, (-1, 1)),
                               [[-1, -0.5, -1, 1], [-0.5, 0.5, 1, -1], [0.5, 1, -1, 1]])


def test_pieces_reproduce_the_network(rng):
    model = R.random_network([1, 6, 5, 4, 2], rng=rng)
    for pieces in (R.activation_pieces(model), R.linear_pieces(model, (-4, 4))):
        x = rng.uniform(-4, 4, 500)
        np.testing.assert_allclose(pieces.evaluate(x), model.forward(x[:, None]), atol=1e-10)
    p = R.activation_pieces(model)
    inner = 0.5 * (p.edges[1:-2] + p.edges[2:-1])
    np.testing.assert_array_equal(p.patterns[1:-1], R.activation_patterns(model, inner[:, None]))


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("sizes", [[1, 8, 1], [1, 5, 5, 1], [1, 4, 4, 4, 4, 1], [1, 10, 10, 10, 1]])
def test_exact_count_agrees_with_a_fine_grid(sizes, seed):
    model = R.random_network(sizes, rng=np.random.default_rng(seed))
    lo, hi = -3.0, 3.0
    x = np.linspace(lo, hi, 60001)
    grid = R.count_regions_grid(model, x[:, None])
    pieces = R.activation_pieces(model, (lo, hi))
    assert grid <= pieces.n_pieces              # a grid can only miss regions
    if np.diff(pieces.edges).min() > 2 * (x[1] - x[0]):
        assert grid == pieces.n_pieces          # and misses none wider than its spacing
    # where the pattern changes along the grid, a joint of the exact count lies in between
    change = np.flatnonzero(np.any(np.diff(R.activation_patterns(model, x[:, None]), axis=0), axis=1))
    idx = np.searchsorted(pieces.joints, x[change], side="left")
    assert np.all(pieces.joints[np.minimum(idx, len(pieces.joints) - 1)] <= x[change + 1] + 1e-12)


def test_the_grid_test_is_not_vacuous():
    """Most seeds above have pieces wide enough that the grid must find every one."""
    exact_hits = 0
    for sizes in ([1, 8, 1], [1, 5, 5, 1], [1, 4, 4, 4, 4, 1], [1, 10, 10, 10, 1]):
        for seed in range(6):
            p = R.activation_pieces(R.random_network(sizes, rng=np.random.default_rng(seed)), (-3, 3))
            exact_hits += np.diff(p.edges).min() > 2 * 6 / 60000
    assert exact_hits >= 18


def test_random_networks_use_few_of_the_possible_regions():
    counts = R.random_region_counts([1, 10, 10, 10, 10, 10, 1], 10, rng=np.random.default_rng(0))
    assert counts.shape == (10,) and counts.dtype.kind == "i"
    assert np.all(counts >= 2) and np.all(counts < 500)   # far below 161,051


# --- two inputs ---------------------------------------------------------------------------------

def test_three_lines_in_general_position_make_seven_regions():
    # joints x1 = 0, x2 = 0 and x1 + x2 = 0.5; all three crossings inside [-1, 1]^2
    net = R.shallow_network([[0, 1, 0], [0, 0, 1], [-0.5, 1, 1]], [0, 1, 1, 1])
    _, _, labels = R.region_grid(net, (-1, 1), (-1, 1), n=201)
    assert labels.shape == (201, 201)
    assert labels.max() + 1 == 7 == R.max_regions_shallow(3, 2)
    assert labels[0, 0] == 0   # numbered in order of first appearance


def test_two_dimensional_composition(rng):
    net1 = R.shallow_network([[0, 1, 0], [0, 0, 1], [-0.5, 1, 1]], [0, 1, 1, 1])
    deep = R.compose_networks(net1, R.shallow_network(**NET2))
    X = rng.uniform(-1, 1, (2000, 2))
    np.testing.assert_allclose(deep.forward(X), R.shallow_network(**NET2).forward(net1.forward(X)))
    ax = Figure().subplots()
    RP.plot_regions_2d(ax, deep, n=100)
    grid = np.meshgrid(np.linspace(-1, 1, 100), np.linspace(-1, 1, 100))
    points = np.column_stack([g.ravel() for g in grid])
    labels = R.region_grid(deep, n=100)[2]
    assert labels.max() + 1 == R.count_regions_grid(deep, points)
    assert len(np.unique(ax.images[0].get_array().reshape(-1, 3), axis=0)) == labels.max() + 1  # a colour each


# --- composing and merging ----------------------------------------------------------------------

def test_merged_two_layer_form_computes_the_same_function():
    net1, net2 = R.shallow_network(**NET1), R.shallow_network(**NET2)
    merged = R.merge_composition(net1, net2)
    assert merged.sizes == [1, 3, 3, 1] and merged.n_params == 22
    X = np.linspace(-3, 3, 1001)[:, None]
    np.testing.assert_allclose(merged.forward(X), R.compose_networks(net1, net2).forward(X), atol=1e-12)
    np.testing.assert_allclose(merged.forward(X), net2.forward(net1.forward(X)), atol=1e-12)
    # Psi = theta'_1 phi^T (UDL 4.5 -> 4.6): in nnlab's layout W = Psi.T, rank one
    psi = merged.weights[1].T
    np.testing.assert_allclose(psi, np.outer([1, -1, 1], [4, -6, 6]))
    # psi_0 = theta'_0 + theta'_1 phi_0
    np.testing.assert_allclose(merged.biases[1], [1 + 1 * -1, 0 - 1 * -1, -0.5 + 1 * -1])
    assert np.linalg.matrix_rank(psi) == 1
    assert R.count_linear_regions(merged, (-1, 1)) == 9


def test_compose_copies_and_checks_shapes(rng):
    net1, net2 = R.shallow_network(**NET1), R.shallow_network(**NET2)
    deep = R.compose_networks(net1, net2)
    deep.dense_layers[0].params["W"][...] = 0
    assert net1.weights[0][0, 0] == 1   # the originals are untouched
    with pytest.raises(ValueError, match="net2"):
        R.compose_networks(net1, nl.MLP([2, 3, 1], rng=rng))
    with pytest.raises(TypeError, match="net1"):
        R.merge_composition(R.compose_networks(net1, net2), net2)


# --- bad input ------------------------------------------------------------------------------------

def test_errors_name_the_argument(rng):
    net = R.shallow_network(**NET1)
    with pytest.raises(TypeError, match="model"):
        R.count_linear_regions(lambda x: x)
    with pytest.raises(ValueError, match="model"):
        R.count_linear_regions(nl.MLP([2, 3, 1], rng=rng))
    with pytest.raises(ValueError, match="model"):
        R.count_linear_regions(nl.MLP([1, 3, 1], "tanh", rng=rng))
    with pytest.raises(ValueError, match="interval"):
        R.count_linear_regions(net, (1, -1))
    with pytest.raises(ValueError, match="phi"):
        R.shallow_network([[1, 1], [0, 1]], [1, 2])
    with pytest.raises(ValueError, match="theta"):
        R.shallow_network([1, 2, 3], [1, 2])
    with pytest.raises(TypeError, match="rng"):
        R.random_network([1, 3, 1], rng=0)
    with pytest.raises(ValueError, match="X"):
        R.activation_patterns(net, np.zeros((4, 2)))
    with pytest.raises(ValueError, match="interval"):
        R.monotone_segments(net, (-np.inf, 1))


# --- the numbers notebook 03 prints -------------------------------------------------------------

def test_notebook_random_census():
    """The census cell of notebook 03: same seed, same calls, same numbers."""
    rng = np.random.default_rng(3)
    medians = {}
    for K, D in [(1, 6), (2, 3), (3, 5), (5, 10)]:
        counts = R.random_region_counts([1] + [D] * K + [1], 20, rng=rng)
        medians[K, D] = (float(np.median(counts)), int(counts.max()))
    assert medians[1, 6] == (7.0, 7)   # a shallow net's joints almost surely all land on the line
    assert all(m <= R.max_regions_deep(D, K) for (K, D), (_, m) in medians.items())
    assert medians == NOTEBOOK_CENSUS


def _sine_fit(lr: float, epochs: int, nudge: float = 0.0):
    """Notebook 03's training cell: a K=5, D=10 network fit to sin(3 pi x) on [-1, 1] with full-batch
    Adam; ``nudge`` scales every starting weight by 1 + nudge * (standard normal noise)."""
    rng = np.random.default_rng(1)
    X = np.linspace(-1, 1, 200)[:, None]
    y = np.sin(3 * np.pi * X[:, 0])
    net = R.random_network([1] + [10] * 5 + [1], rng=rng)
    before = (R.count_linear_regions(net, (-1, 1)), R.count_linear_regions(net))
    noise = np.random.default_rng(99)
    for _, p in net.named_params():
        p *= 1 + nudge * noise.standard_normal(p.shape)
    history = nl.fit(net, X, y, loss="mse", optimizer=nl.Adam(lr), epochs=epochs, batch_size=None, rng=rng)
    return net, history, before


def test_notebook_trained_network():
    """The training cell of notebook 03 (Adam at 0.001, 2,000 epochs)."""
    net, history, before = _sine_fit(0.001, 2000)
    assert before == (23, 64)
    assert 1.45e-4 < history.loss[-1] < 1.55e-4   # printed as 1.5e-04
    assert (R.count_linear_regions(net, (-1, 1)), R.count_linear_regions(net)) == (54, 85)


def test_notebook_trained_network_does_not_amplify_rounding():
    """Why the notebook trains at 0.001: a change in the 14th digit of the starting weights stays
    below 1e-10 after its 2,000 epochs, so another CPU's rounding cannot change the region count;
    at 0.01 the same change grows to the 2nd digit within 1,000 epochs."""
    calm, _, _ = _sine_fit(0.001, 2000)
    calm_nudged, _, _ = _sine_fit(0.001, 2000, nudge=1e-14)
    assert np.abs(calm.get_params_vector() - calm_nudged.get_params_vector()).max() < 1e-10
    jumpy, _, _ = _sine_fit(0.01, 1000)
    jumpy_nudged, _, _ = _sine_fit(0.01, 1000, nudge=1e-14)
    assert np.abs(jumpy.get_params_vector() - jumpy_nudged.get_params_vector()).max() > 1e-3


def test_notebook_two_input_composition():
    net1 = R.shallow_network([[0.1, 1, 0.3], [-0.1, -1, -0.3], [0.5, 0.2, 1]], [-1.5, 1.5, 1.5, 1.0])
    deep = R.compose_networks(net1, R.shallow_network(**NET2))
    assert R.region_grid(net1, n=300)[2].max() + 1 == 4   # a fold line and a bend: 4 regions
    assert R.region_grid(deep, n=300)[2].max() + 1 == 13


NOTEBOOK_CENSUS = {(1, 6): (7.0, 7), (2, 3): (6.0, 10), (3, 5): (14.5, 21), (5, 10): (49.5, 71)}


# --- pictures -----------------------------------------------------------------------------------

def test_pictures_draw():
    net1, net2 = R.shallow_network(**NET1), R.shallow_network(**NET2)
    fig = Figure()
    axes = fig.subplots(2, 3).ravel()
    RP.plot_pieces(axes[0], net1)
    assert len(axes[0].lines[0].get_xdata()) == 4   # the exact polyline: both ends and 2 inner joints
    RP.plot_fold(axes[1], net1, net2)
    RP.plot_folded_axis(axes[2], net1, net2)
    RP.plot_composition(axes[3], net1, net2)
    RP.plot_function_2d(axes[4], R.compose_networks(R.shallow_network([[0, 1, 0], [0, 0, 1], [-0.5, 1, 1]],
                                                                     [0, 1, 1, 1]), net2), n=50)
    RP.plot_regions_per_parameter(axes[5], 1, [3, 5, 10], highlight=(5, 10))
    assert "161,051" in axes[5].texts[0].get_text() and "471" in axes[5].texts[0].get_text()
    assert "(the maximum)" in axes[5].texts[0].get_text()
    assert len(axes[5].lines) == 6  # five depths and the highlight
    assert axes[5].get_ylabel() == "maximum number of linear regions"
    ax = Figure().subplots()
    RP.plot_regions_per_parameter(ax, 10, [30, 50], highlight=(5, 50))
    assert len(ax.lines) == 8  # five depths, the highlight, the dotted line up to the bound, the bound
    assert [t.get_text() for t in ax.texts] == ["upper bound 4.4e+50",
                                                "K=5, D=50\n10,801 parameters\n1.8e+41 regions reached"]
    assert ax.lines[-1].get_ydata()[0] == float(R.max_regions_upper_bound([50] * 5, 10))
    assert ax.get_ylabel() == "linear regions reached (construction)"


# --- dashboards -----------------------------------------------------------------------------------

def test_composition_explorer_presets_and_redraw():
    from nnlab.widgets.regions import COMPOSITION_PRESETS, composition_explorer
    dash = composition_explorer()
    book = dash.png
    assert dash.values == COMPOSITION_PRESETS["book (3 x 3 = 9)"]
    dash.set_preset("four folds (4 x 4 = 16)")
    assert dash.values == COMPOSITION_PRESETS["four folds (4 x 4 = 16)"]
    assert dash.png != book and dash.message.value == ""
    before, draws = dash.png, dash.n_draws
    dash.controls["p1"].value = 10.0   # a student drags one slider
    assert dash.n_draws == draws + 1 and dash.png != before
    dash.set_values(p0=0.0, p1=0.0, p2=0.0, p3=0.0)   # network 1 constant: still a picture, no error
    assert dash.message.value == ""


def test_composition_explorer_titles_show_the_counts():
    from nnlab.widgets.regions import COMPOSITION_PRESETS, CompositionView
    expected = {"book (3 x 3 = 9)": (9, "3 linear pieces, 3 folds"),
                "four folds (4 x 4 = 16)": (16, "4 linear pieces, 4 folds"),
                "no fold": (3, "1 linear piece, 1 fold"),
                "shallow folds": (6, "3 linear pieces, 3 folds")}
    view = CompositionView(Figure())
    for name, (n, network_1) in expected.items():  # one view, updated from preset to preset
        view.update(**COMPOSITION_PRESETS[name])
        assert view.ax_comp.get_title() == f"composition: {n} regions on [-1, 1]"
        assert view.ax_fold.get_title() == f"network 1: {network_1}"


# not a preset: four folds, all above network 2's joints (y from 9.9 to 18), so 4 regions only
ODD_COMPOSITION = dict(t10=0.8, t11=-1.3, t20=1.8, t21=2.1, t30=-0.7, t31=1.7, p0=-4.6, p1=7.6, p2=7.6, p3=-7.0)
# not a preset either: network 1 constant (one fold of zero length, a flat composition)
FLAT_COMPOSITION = dict(t10=1.0, t11=1.0, t20=0.5, t21=1.0, t30=-0.5, t31=1.0, p0=0.0, p1=0.0, p2=0.0, p3=0.0)


def test_composition_view_moves_its_artists():
    """Each panel keeps its artists; the pool of fold arrows and labels shows one pair per fold."""
    from nnlab.widgets.regions import COMPOSITION_PRESETS, composition_explorer
    dash = composition_explorer("four folds (4 x 4 = 16)")
    view, axes = dash.view, list(dash.figure.axes)
    artists = [list(ax.get_children()) for ax in axes]
    shown = [label.get_text() for label in view.fold_labels if label.get_visible()]
    assert shown == ["x ∈ [-1.00, -0.70]", "x ∈ [-0.70, -0.40]", "x ∈ [-0.40, 0.20]", "x ∈ [0.20, 1.00]"]
    assert len(view.comp_lines.get_segments()) == 16
    for values in (COMPOSITION_PRESETS["no fold"], ODD_COMPOSITION, FLAT_COMPOSITION):
        dash.set_values(**values)
        assert dash.message.value == "" and dash.view is view and dash.figure.axes == axes
        assert [list(ax.get_children()) for ax in axes] == artists
    assert sum(arrow.get_visible() for arrow in view.arrows) == 1  # the constant network: one fold
    assert view.ax_comp.get_title() == "composition: 1 region on [-1, 1]"
    dash.set_preset("book (3 x 3 = 9)")
    assert sum(label.get_visible() for label in view.fold_labels) == 3 and len(view.bands.get_paths()) == 5


@pytest.mark.parametrize("via, odd, to", [
    ("book (3 x 3 = 9)", "odd", "four folds (4 x 4 = 16)"),
    ("four folds (4 x 4 = 16)", "odd", "book (3 x 3 = 9)"),
    ("four folds (4 x 4 = 16)", "flat", "no fold"),
    ("no fold", "odd", "shallow folds"),
    ("shallow folds", "flat", "four folds (4 x 4 = 16)"),
])
def test_composition_explorer_updating_in_place_draws_what_a_new_dashboard_draws(via, odd, to):
    """Moved from one preset through a setting that is none (a different number of folds, pieces
    and labels, other limits) to another, the picture is the one a new dashboard draws there, pixel
    for pixel: no arrow, label, band or tick left over."""
    from nnlab.widgets.regions import composition_explorer
    moved = composition_explorer(via)
    moved.set_values(**(ODD_COMPOSITION if odd == "odd" else FLAT_COMPOSITION))
    assert moved.message.value == ""
    moved.set_preset(to)
    fresh = composition_explorer(to)
    assert moved.png == fresh.png


@pytest.mark.parametrize("values", [ODD_COMPOSITION, FLAT_COMPOSITION])
def test_composition_explorer_static_figure_draws_the_current_values(values):
    """``static_figure`` (a fresh view on a new figure) draws what the moved dashboard shows, also at
    a setting that is not a preset."""
    from nnlab.widgets.blit import png_bytes
    from nnlab.widgets.regions import composition_explorer
    dash = composition_explorer("four folds (4 x 4 = 16)")
    dash.set_values(**values)
    fig = dash.static_figure().figure
    assert len(fig.axes) == 3 and fig.axes[2].get_title() == dash.figure.axes[2].get_title()
    assert png_bytes(fig) == dash.png


def test_random_network_explorer_presets_and_redraw():
    from nnlab.widgets import random_network_explorer
    from nnlab.widgets.regions import RANDOM_NETWORK_PRESETS
    dash = random_network_explorer("the book's K=5, D=10")
    assert dash.values == RANDOM_NETWORK_PRESETS["the book's K=5, D=10"]
    title = dash.figure.axes[0].get_title()
    assert title.endswith("\nmost possible: (D+1)^K = 161,051")  # the exact maximum for one input
    # two inputs: the construction's 6^8 * 56 regions and the upper bound, the maximum in between
    assert R.max_regions_deep(10, 5, 2) == 6**8 * 56 and R.max_regions_upper_bound([10] * 5, 2) > 5e8
    assert dash.figure.axes[1].get_title().endswith("\nmost possible: between 9.4e+07 and 5.5e+08")
    dash.set_preset("deep and narrow")  # 2 units: below the construction's 3, only the upper bound 3^6
    assert dash.figure.axes[0].get_title().endswith("\nat most 729 (an upper bound)")
    n = R.count_linear_regions(R.random_network([1] + [10] * 5 + [1], rng=np.random.default_rng(0)))
    assert title.startswith(f"1 input: {n} linear regions on the real line")
    before = dash.png
    dash.controls["seed"].value = 1
    assert dash.png != before and dash.message.value == ""
    dash.set_preset("shallow, 6 units")
    assert dash.values == {"depth": 1, "width": 6, "seed": 0}
    assert dash.figure.axes[0].get_title().startswith("1 input: 7 linear regions")


def test_random_network_view_moves_its_artists():
    from nnlab.widgets import random_network_explorer
    dash = random_network_explorer("shallow, 6 units")
    view, axes = dash.view, list(dash.figure.axes)
    artists = [list(ax.get_children()) for ax in axes]
    image = view.image
    assert dash.figure.axes[0].get_title().startswith("1 input: 7 linear regions on the real line (6 here)")
    assert len(view.curve.get_xdata()) == 7 and len(view.marks.get_xdata()) == 5  # 6 pieces in view: 5 joints
    assert len(view.bands.get_paths()) == 3  # pieces 1, 3, 5 of the 6 are shaded
    assert dash.figure.axes[1].get_title() == "2 inputs: 20 regions seen on a 200x200 grid\nmost possible: 22"
    dash.set_values(depth=3, width=5, seed=7)
    assert dash.message.value == "" and dash.view is view and dash.figure.axes == axes
    assert [list(ax.get_children()) for ax in axes] == artists and view.image is image
    # 5 units for two inputs: no construction (odd, and fewer than 3 * 2), only the upper bound
    assert dash.figure.axes[1].get_title().endswith("grid\nat most 4,096 (an upper bound)")
    assert R.max_regions_upper_bound([5] * 3, 2) == 4096
    assert dash.figure.axes[0].get_title().endswith("most possible: (D+1)^K = 216")  # 6^3, exact
    assert view.image.get_array().shape == (200, 200, 3)


@pytest.mark.parametrize("via, to", [
    ("the book's K=5, D=10", "shallow, 6 units"),
    ("shallow, 6 units", "deep and narrow"),
    ("deep and narrow", "wide and shallow"),
    ("wide and shallow", "the book's K=5, D=10"),
])
def test_random_network_explorer_updating_in_place_draws_what_a_new_dashboard_draws(via, to):
    """Through a setting that is no preset (odd width, no bound in the title), then to a preset: the
    picture is the one a new dashboard draws there, pixel for pixel."""
    from nnlab.widgets import random_network_explorer
    moved = random_network_explorer(via)
    moved.set_values(depth=3, width=5, seed=7)
    moved.set_values(depth=6, width=1, seed=3)
    assert moved.message.value == ""
    moved.set_preset(to)
    fresh = random_network_explorer(to)
    assert moved.png == fresh.png


def test_random_network_explorer_static_figure_draws_the_current_values():
    from nnlab.widgets import random_network_explorer
    from nnlab.widgets.blit import png_bytes
    dash = random_network_explorer("the book's K=5, D=10")
    dash.set_values(depth=3, width=5, seed=7)
    fig = dash.static_figure().figure
    assert len(fig.axes) == 2 and fig.axes[0].get_title() == dash.figure.axes[0].get_title()
    assert png_bytes(fig) == dash.png


# --- the checked exercises of notebook 03 ---------------------------------------------------------


@pytest.mark.parametrize("answer, status, message", [
    (9, "right", "3 x 3 = 9 regions. Composing multiplies"),
    (None, "not written yet", "`regions_of_composition` is still None"),
    (6, "wrong", "That adds the two counts (3 + 3)"),
    (5, "wrong", "That counts the joints of the two networks together"),
    (3, "wrong", "That is one network's count alone"),
    (16, "wrong", "That is the most two layers of three units can have"),
    (10, "wrong", "That is the count on the whole real line; on [-1, 1] it is 9"),
    (12, "wrong", "Yours is 1.333 times the answer"),
    ("9", "wrong", "write a number"),
])
def test_exercise_1_composition_regions(answer, status, message):
    net1, net2 = R.shallow_network(**NET1), R.shallow_network(**NET2)
    verdict = EX.check_composition_regions(answer, net1, net2)
    assert verdict.status == status and message in repr(verdict), repr(verdict)
    # the numbers the check compares with, by hand: 3 folds x 3 pieces; 10 on the whole line
    assert R.count_linear_regions(R.compose_networks(net1, net2)) == 10


def _count_params_by_hand(n_in, hidden, n_out):
    """Weights and biases layer by layer, written out with a loop."""
    total, m = 0, n_in
    for n in [*hidden, n_out]:
        total += m * n + n
        m = n
    return total


def _count_params_stub(n_in, hidden, n_out):
    """Weights and biases of a fully connected network with widths n_in, *hidden, n_out."""
    # YOUR CODE HERE


@pytest.mark.parametrize("answer, status, message", [
    (_count_params_by_hand, "right", "gives the right result on all 7 test inputs"),
    (_count_params_stub, "not written yet", "`count_params` has no body yet"),
    (lambda n_in, hidden, n_out: sum(m * n for m, n in zip([n_in, *hidden], [*hidden, n_out])), "wrong",
     "the biases forgotten"),
    (lambda n_in, hidden, n_out: sum(m * n + 1 for m, n in zip([n_in, *hidden], [*hidden, n_out])), "wrong",
     "one bias per layer instead of one per unit"),
    (lambda n_in, hidden, n_out: _count_params_by_hand(n_in, hidden[:-1], hidden[-1]), "wrong",
     "the output layer left out"),
    (lambda n_in, hidden, n_out: _count_params_by_hand(n_in, hidden, n_out) - n_out, "wrong",
     "the output's biases forgotten"),
    (lambda n_in, hidden, n_out: sum((m + 1) * (n + 1) for m, n in zip([n_in, *hidden], [*hidden, n_out])),
     "wrong", "a bias for every input too"),
    (lambda n_in, hidden, n_out: _count_params_by_hand(n_in, hidden, n_out) + 3, "wrong",
     "Largest gap at the result: expected 80, got 83"),
    (lambda n_in, hidden, n_out: hidden + n_out, "wrong", "raised TypeError"),
])
def test_exercise_2_count_params(answer, status, message):
    verdict = EX.check_count_params(answer)
    assert verdict.status == status and message in repr(verdict), repr(verdict)
    assert "factor" not in repr(verdict)  # 83 is not "1.0375 times" anything a student did
    assert _count_params_by_hand(3, [7, 5], 2) == 80  # the first test input tells the mistakes apart


@pytest.mark.parametrize("answer, status, message", [
    (16, "right", "4 x 4 = 16"),
    (None, "not written yet", "`regions_four_folds` is still None"),
    (12, "wrong", "That is 4 folds times network 2's 3 pieces on [-1, 1]"),
    (8, "wrong", "That adds the counts"),
    (9, "wrong", "That is the lecture's pair, with three folds"),
    (15, "wrong", "You wrote 15; the answer is 16."),
])
def test_exercise_3_four_folds(answer, status, message):
    verdict = EX.check_four_folds(answer, R.shallow_network(**NET1_FOUR), R.shallow_network(**NET2))
    assert verdict.status == status and message in repr(verdict), repr(verdict)


@pytest.mark.parametrize("answer, status, message", [
    (161051, "right", "11^5 = 161,051"),
    (None, "not written yet", "`book_maximum` is still None"),
    (161501, "wrong", "the number on the lecture slide, a slip"),
    (110000, "wrong", "Montufar et al.'s construction, 10^4 x 11"),
    (100000, "wrong", "That is D^K = 10^5"),
    (14641, "wrong", "That is 11^4: count all five layers"),
    (51, "wrong", "a shallow network with all 50 units"),
    (2**50, "wrong", "every on/off pattern of the 50 units"),
    (161050, "wrong", "That is 11^5 - 1 = 161,050, the number of joints"),
    (161052, "wrong", "Yours is 1 more than the answer"),  # close, no named slip: not "1 times the answer"
])
def test_exercise_4_book_maximum(answer, status, message):
    verdict = EX.check_book_maximum(answer)
    assert verdict.status == status and message in repr(verdict), repr(verdict)
    assert 11**5 == 161051


def test_what_is_known_of_the_most_regions():
    """The construction and the bound meet for one input from 3 units on (and for one layer); at width 2 nothing is
    known to reach the bound (notebook 08: two layers of 2 units have at most 7 regions, the bound says 9)."""
    assert nl.regions.known_max_regions(3, 2) == (16, 16) and nl.regions.known_max_regions(5, 1) == (6, 6)
    assert nl.regions.known_max_regions(2, 2) == (None, 9)
    reached, bound = nl.regions.known_max_regions(20, 3, n_in=2)
    assert reached == nl.regions.max_regions_deep(20, 3, 2) < bound == nl.regions.max_regions_upper_bound([20] * 3, 2)


def test_the_folding_dashboard_disables_the_sliders_of_a_unit_that_does_not_reach_the_output():
    """At "no fold" φ₂ = φ₃ = 0: θ₂₀ ... θ₃₁ change no picture, so they are disabled and say why; moving φ₂
    gives unit 2's sliders back, and they move the picture again."""
    dash = nl.widgets.composition_explorer("no fold")
    off = {name for name, c in dash.controls.items() if c.disabled}
    assert off == {"t20", "t21", "t30", "t31"}
    assert "φ₂ = 0" in dash.controls["t20"].tooltip and "move φ₂ first" in dash.controls["t21"].tooltip
    dash.controls["p2"].value = 1.0  # unit 2 keeps the book's joint: its fold comes in
    assert not dash.controls["t20"].disabled and dash.controls["t20"].tooltip is None and dash.controls["t30"].disabled
    png = dash.png
    dash.controls["t20"].value = 0.0
    assert dash.png != png
    dash.set_preset("book (3 x 3 = 9)")
    assert not any(c.disabled for c in dash.controls.values())


def test_a_dashboard_does_not_redraw_for_a_browsers_rounding_of_a_value():
    """A slider that the browser disables sends back its value as it rounds it (-0.5 as -0.49999999999999956,
    seen in JupyterLab after the "no fold" preset): no second picture for one move; a step still draws."""
    dash = nl.widgets.composition_explorer("book (3 x 3 = 9)")
    draws = dash.n_draws
    dash.drawn = dict(dash.drawn, t31=0.9)  # the echo came in before the picture of the preset was recorded
    dash.controls["t30"].value = -0.49999999999999956
    assert dash.n_draws == draws
    dash.controls["t30"].value = -0.4
    assert dash.n_draws == draws + 1
