"""The gradient probe against nnlab's layers, PyTorch's autograd and finite differences; the
lecture's claims about deep sigmoid and ReLU networks; the training helper; the dashboard."""

import io

import numpy as np
import pytest

import nnlab as nl
from nnlab.activations import ACTIVATIONS
from nnlab.gradients import SATURATION, DeepNet, GradientProbe, gaussian_moments, probe, probe_flops, theory
from nnlab.widgets.gradients import FLOP_BUDGET, GRADIENTS_PRESETS, dashboard_batch, gradients_explorer

SWITCHES = [(False, False), (True, False), (False, True), (True, True)]
CASES = [(a, bn, res) for a in ACTIVATIONS for bn, res in SWITCHES]
IDS = [f"{a}{'-bn' if bn else ''}{'-res' if res else ''}" for a, bn, res in CASES]


def nnlab_grad_norms(gp, net, batch=None):
    """||dL/dW|| of every layer by nnlab's Sequential.backward, in float64, on the probe's weights
    and the first ``batch`` samples of its batch (all by default)."""
    X, y = (a[:batch] for a in gp.inputs(net))
    model = net.build(weights=[W.astype(np.float64) for W in gp.weights(net)])
    loss, dout = nl.mse(model.forward(X.astype(np.float64)), y.astype(np.float64))
    model.backward(dout)
    return np.array([np.linalg.norm(d.grads["W"]) for _, d in model.named_layers() if isinstance(d, nl.Dense)]), loss


def torch_grad_norms(torch, gp, net, dtype):
    """The same network written in PyTorch; its autograd gives the reference gradients."""
    F = torch.nn.functional
    phi = {"sigmoid": torch.sigmoid, "tanh": torch.tanh, "relu": F.relu,
           "leaky_relu": lambda q: F.leaky_relu(q, 0.01), "elu": lambda q: F.elu(q, 1.0),
           "identity": lambda q: q}[net.activation]
    X, y = (torch.from_numpy(a).to(dtype) for a in gp.inputs(net))
    Ws = [torch.from_numpy(W).to(dtype).requires_grad_(True) for W in gp.weights(net)]
    h = X
    for d, W in enumerate(Ws[:-1]):
        q = h @ W
        if net.batch_norm:
            q = F.batch_norm(q, None, None, training=True, eps=1e-5)
        h = h + phi(q) if net.residual and d >= 1 else phi(q)
    loss = ((h @ Ws[-1] - y) ** 2).mean()
    loss.backward()
    return np.array([torch.linalg.norm(W.grad).item() for W in Ws]), loss.item()


class TestAgreement:
    @pytest.mark.parametrize("activation, batch_norm, residual", CASES, ids=IDS)
    @pytest.mark.parametrize("width", [8, 24])  # 24 > batch: the Gram-matrix route to ||dW||
    def test_probe_matches_nnlab_backward(self, activation, batch_norm, residual, width):
        net = DeepNet(depth=6, width=width, activation=activation, init="glorot_normal", batch_norm=batch_norm,
                      residual=residual)
        gp = GradientProbe(rng=np.random.default_rng(3), batch=16, dtype=np.float64)
        result = gp(net)
        expected, loss = nnlab_grad_norms(gp, net)
        np.testing.assert_allclose(result.grad_norm, expected[:-1], rtol=1e-9)
        assert result.output_grad_norm == pytest.approx(expected[-1], rel=1e-9)
        assert result.loss == pytest.approx(loss, rel=1e-12)

    @pytest.mark.parametrize("activation, batch_norm, residual", CASES, ids=IDS)
    def test_probe_matches_pytorch_autograd(self, activation, batch_norm, residual):
        torch = pytest.importorskip("torch")
        init = "he_normal" if "elu" in activation else "glorot_normal"
        net = DeepNet(depth=10, width=48, activation=activation, init=init, batch_norm=batch_norm,
                      residual=residual)
        for dtype, rtol in ((np.float64, 1e-9), (np.float32, 2e-3)):
            gp = GradientProbe(rng=np.random.default_rng(5), batch=32, dtype=dtype)
            result = gp(net)
            expected, loss = torch_grad_norms(torch, gp, net, torch.float64)
            np.testing.assert_allclose(result.grad_norm, expected[:-1], rtol=rtol)
            assert result.loss == pytest.approx(loss, rel=rtol)

    def test_probe_matches_pytorch_at_the_dashboard_size(self):
        """Depth 30, width 512, batch 256, float32: the dashboard's own arithmetic.

        (Not for networks whose gradients explode: there the forward pass is chaotic, and float32
        round-off at layer 1 grows to percent-size differences at layer 30 in any library.)
        """
        torch = pytest.importorskip("torch")
        for name in ("sigmoid-glorot", "relu-he", "sigmoid-batchnorm"):
            net = DeepNet(**dict(GRADIENTS_PRESETS[name], width=512))
            gp = GradientProbe(rng=np.random.default_rng(0))
            expected, _ = torch_grad_norms(torch, gp, net, torch.float64)
            np.testing.assert_allclose(gp(net).grad_norm, expected[:-1], rtol=1e-3)

    @pytest.mark.parametrize("activation, batch_norm, residual", CASES, ids=IDS)
    def test_probe_matches_finite_differences(self, activation, batch_norm, residual):
        net = DeepNet(depth=3, width=4, activation=activation, init="normal", std=0.8,
                      batch_norm=batch_norm, residual=residual)
        gp = GradientProbe(rng=np.random.default_rng(11), batch=5, dtype=np.float64)
        X, y = gp.inputs(net)
        model = net.build(weights=gp.weights(net))
        numeric = nl.gradcheck.numerical_model_gradients(model, X, y, "mse", h=1e-6)
        names = [name for name, _ in model.named_params() if name.endswith("W")]
        expected = np.array([np.linalg.norm(numeric[name]) for name in names])
        result = gp(net)
        np.testing.assert_allclose(result.grad_norm, expected[:-1], rtol=1e-6)
        assert result.output_grad_norm == pytest.approx(expected[-1], rel=1e-6)


class TestTheLecturesClaims:
    @pytest.mark.parametrize("seed", range(5))
    def test_sigmoid_with_standard_normal_weights_vanishes(self, seed):
        """Depth 30: the first layer's gradient is many orders of magnitude below the last layer's."""
        result = probe(DeepNet(30, 32, "sigmoid", "normal", 1.0), rng=np.random.default_rng(seed))
        assert result.grad_ratio < 1e-4
        assert result.saturated.mean() > 0.3  # a third or more of the units sit at |q| > 3

    @pytest.mark.parametrize("seed", range(3))
    def test_relu_with_he_stays_within_two_orders_of_magnitude(self, seed):
        result = probe(DeepNet(30, 256, "relu", "he_normal"), rng=np.random.default_rng(seed))
        assert 1e-2 < result.grad_ratio < 1e2
        assert np.ptp(np.log10(result.grad_norm)) < 2

    def test_standard_normal_weights_explode_in_a_wide_sigmoid_network(self):
        """The claim above needs a narrow network: W^T's factor grows like sqrt(width)."""
        for width, least in ((256, 10), (512, 1e3)):
            result = probe(DeepNet(30, width, "sigmoid", "normal", 1.0), rng=np.random.default_rng(0))
            assert result.grad_ratio > least
            assert np.sqrt(result.theory.chain).mean() > 1

    def test_the_sigmoids_slope_is_at_most_a_quarter(self):
        q = np.linspace(-10, 10, 100_001)
        assert nl.activations.sigmoid_grad(q).max() == pytest.approx(0.25)
        assert pytest.approx(4 * nl.sigmoid(np.array(3.0)) * (1 - nl.sigmoid(np.array(3.0)))) == SATURATION
        assert 0.180 < SATURATION < 0.181

    def test_sigmoid_with_glorot_shrinks_by_the_predicted_factor(self):
        """No saturation, yet phi' <= 1/4 shrinks the gradient by about sqrt(chain) per layer."""
        result = probe(DeepNet(30, 256, "sigmoid", "glorot_normal"), rng=np.random.default_rng(0))
        assert result.saturated.max() < 0.01
        per_layer = result.grad_ratio ** (1 / 29)
        assert per_layer == pytest.approx(np.sqrt(result.theory.chain).mean(), rel=0.1)
        assert result.grad_ratio < 1e-15

    def test_batch_norm_rescues_the_sigmoid_network(self):
        result = probe(DeepNet(**GRADIENTS_PRESETS["sigmoid-batchnorm"]), rng=np.random.default_rng(0))
        assert 0.1 < result.grad_ratio < 10
        np.testing.assert_allclose(result.preact_std, 1.0, atol=1e-3)


class TestTheNotebooksNumbers:
    """What notebook 06 prints and says, asserted (the notebook runs the same calls)."""

    @pytest.mark.parametrize("net", [
        DeepNet(30, 32, "sigmoid", "normal", 1.0), DeepNet(30, 32, "sigmoid", "glorot_normal"),
        DeepNet(30, 32, "relu", "he_normal"), DeepNet(30, 256, "sigmoid", "normal", 1.0),
        DeepNet(30, 256, "tanh", "normal", 1.0), DeepNet(30, 256, "tanh", "glorot_normal"),
    ], ids=str)
    def test_the_backpropagated_gradient_shrinks_or_grows_as_predicted(self, net):
        result = probe(net, rng=np.random.default_rng(0))
        measured, predicted = result.signal_ratio ** (1 / 29), result.theory.signal_ratio ** (1 / 29)
        assert measured == pytest.approx(predicted, rel=0.1)

    def test_the_exploding_tanh_network_prints_the_same_factor_whatever_the_rounding(self):
        """Section 5 of notebook 06 probes 30 x 256 tanh, N(0, 1) in float64 and prints the per-layer
        factor to two digits. The network magnifies rounding (a change in the 14th digit of its input
        changes the last layer's gradient by several percent), so the test nudges the input far more
        than another CPU's rounding would (1e-14 and 1e-12) and asserts the printed digits hold."""
        net = DeepNet(30, 256, "tanh", "normal", 1.0)

        class Nudged(GradientProbe):
            def __init__(self, nudge):
                super().__init__(rng=np.random.default_rng(0), dtype=np.float64)
                self.nudge = nudge

            def _cached_inputs(self, net):
                X, y = super()._cached_inputs(net)
                noise = np.random.default_rng(5).standard_normal(X.shape)
                return X * (1 + self.nudge * noise), y

        plain = probe(net, rng=np.random.default_rng(0), dtype=np.float64)
        assert f"{plain.theory.signal_ratio ** (1 / 29):#.2g}" == "3.0"
        assert 1e13 < plain.grad_ratio < 1e14   # "more than 10^13 times the last layer's"
        for result in (plain, Nudged(1e-14)(net), Nudged(1e-12)(net)):
            assert f"{result.signal_ratio ** (1 / 29):#.2g}" == "2.9"
            assert 2.88 < result.signal_ratio ** (1 / 29) < 2.93   # 0.02 from where the digits would change
        change = Nudged(1e-14)(net).grad_norm[-1] / plain.grad_norm[-1] - 1
        assert 0.01 < abs(change) < 0.3   # "changes by several percent"
        glorot = probe(DeepNet(30, 256, "tanh", "glorot_normal"), rng=np.random.default_rng(0), dtype=np.float64)
        assert glorot.grad_norm.max() / glorot.grad_norm.min() < 2   # "keeps the weight gradients level"
        assert (f"{glorot.signal_ratio ** (1 / 29):#.2g}", f"{glorot.theory.signal_ratio ** (1 / 29):#.2g}") \
            == ("0.96", "0.95")

    def test_batch_norm_makes_a_deep_relu_networks_gradient_grow_towards_the_input(self):
        for depth, least in ((30, 10), (100, 1e6)):
            result = probe(DeepNet(depth, 64, "relu", "he_normal", batch_norm=True), rng=np.random.default_rng(0))
            np.testing.assert_allclose(result.preact_std, 1.0, atol=1e-3)
            assert result.grad_ratio > least

    def test_which_deep_networks_learn(self):
        X, y = nl.data.circles(200, rng=np.random.default_rng(0))
        nets = {"sigmoid": DeepNet(16, 32, "sigmoid", "glorot_normal"),
                "sigmoid+bn": DeepNet(16, 32, "sigmoid", "glorot_normal", batch_norm=True),
                "relu-glorot": DeepNet(16, 32, "relu", "glorot_normal"),
                "relu-he": DeepNet(16, 32, "relu", "he_normal"),
                "residual": DeepNet(16, 32, "relu", "he_normal", residual=True),
                "residual+bn": DeepNet(16, 32, "relu", "he_normal", batch_norm=True, residual=True)}
        rec = {name: nl.fit(net.build(rng=np.random.default_rng(0), n_in=2), X, y, loss="bce",
                            optimizer=nl.SGD(0.02, momentum=0.9), epochs=30, batch_size=50,
                            rng=np.random.default_rng(0), on_divergence="stop")
               for name, net in nets.items()}
        assert rec["sigmoid"].loss[-1] > 0.68 and rec["sigmoid"].accuracy[-1] <= 0.6
        assert rec["relu-glorot"].loss[-1] > 0.68
        for name in ("sigmoid+bn", "relu-he", "residual+bn"):
            assert rec[name].loss[-1] < 0.15 and rec[name].accuracy[-1] >= 0.95, name
        assert rec["residual"].diverged_epoch in (1, 2)

    def test_a_pushed_relu_layer_stays_dead_and_leaky_units_come_back(self):
        X, y = nl.data.circles(200, rng=np.random.default_rng(0))
        silent = {}
        for activation in ("relu", "leaky_relu", "elu"):
            model = nl.MLP([2, 16, 16, 1], activation, rng=np.random.default_rng(0))
            model[0].params["b"][:] = -3.0
            assert nl.dead_units(model, X).all()
            W = model[0].params["W"].copy()
            rec = nl.fit(model, X, y, loss="bce", optimizer=nl.Adam(0.01), epochs=100, batch_size=50,
                         rng=np.random.default_rng(0))
            silent[activation] = nl.dead_units(model, X).sum()
            if activation == "relu":
                np.testing.assert_array_equal(model[0].params["W"], W)  # not one bit moved
                assert rec.accuracy[-1] <= 0.6
            else:
                assert rec.accuracy[-1] >= 0.95
        assert silent["relu"] == 16 and silent["leaky_relu"] < 12 and silent["elu"] < 12


class TestTheory:
    def test_relu_with_he_keeps_the_variance(self):
        np.testing.assert_allclose(theory(DeepNet(50, 100, "relu", "he_normal")).preact_var, 2.0, rtol=1e-12)

    def test_first_layer_variance_is_fan_in_times_weight_variance(self):
        assert theory(DeepNet(3, 64, "sigmoid", "normal", 1.0)).preact_var[0] == pytest.approx(64)
        assert theory(DeepNet(3, 64, "tanh", "glorot_normal")).preact_var[0] == pytest.approx(1.0)
        assert theory(DeepNet(3, 64, "sigmoid", "glorot_normal", batch_norm=True)).preact_var.tolist() == [1.0] * 3

    @pytest.mark.parametrize("activation", ACTIVATIONS)
    @pytest.mark.parametrize("v", [0.3, 2.0, 40.0])
    def test_gaussian_moments_against_sampling(self, activation, v):
        q = np.random.default_rng(0).normal(0, np.sqrt(v), 400_000)
        f, f_grad, _ = nl.activations.get_activation(activation)
        sampled = [f(q).mean(), (f(q) ** 2).mean(), (f_grad(q) ** 2).mean()]
        np.testing.assert_allclose(gaussian_moments(activation, v), sampled, rtol=0.02, atol=2e-3)

    @pytest.mark.parametrize("name", sorted(GRADIENTS_PRESETS))
    def test_measured_spread_follows_the_theory(self, name):
        """Within 15% over 8 layers of 512 units (the theory is for infinitely wide layers)."""
        result = probe(DeepNet(**dict(GRADIENTS_PRESETS[name], depth=8, width=512)), rng=np.random.default_rng(0))
        np.testing.assert_allclose(result.preact_std, np.sqrt(result.theory.preact_var), rtol=0.15)
        np.testing.assert_allclose(result.act_std, np.sqrt(result.theory.act_var), rtol=0.15)


class TestProbe:
    def test_saturated_is_the_fraction_beyond_three_for_the_sigmoid(self):
        net = DeepNet(1, 64, "sigmoid", "normal", 0.5)
        gp = GradientProbe(rng=np.random.default_rng(0), dtype=np.float64)
        X, _ = gp.inputs(net)
        q = X @ gp.weights(net)[0]
        assert gp(net).saturated[0] == pytest.approx(np.mean(np.abs(q) > 3), abs=1e-4)

    def test_dead_units_are_nnlabs_dead_units(self):
        net = DeepNet(12, 6, "relu", "he_normal")
        gp = GradientProbe(rng=np.random.default_rng(2), batch=64, dtype=np.float64)
        X, _ = gp.inputs(net)
        model = net.build(weights=gp.weights(net))
        expected = [nl.dead_units(model, X, layer=d).mean() for d in range(1, 13)]
        result = gp(net)
        np.testing.assert_allclose(result.dead, expected)
        assert result.dead.max() > 0
        assert probe(DeepNet(12, 6, "leaky_relu", "he_normal"), rng=np.random.default_rng(2)).dead.max() == 0

    def test_a_dead_network_has_exactly_zero_gradients(self):
        result = probe(DeepNet(**GRADIENTS_PRESETS["relu-narrow"]), rng=np.random.default_rng(0))
        assert result.dead[-1] == 1.0
        assert (result.grad_norm == 0).any() and np.isnan(result.grad_ratio)

    def test_overflow_is_reported_not_raised(self):
        result = probe(DeepNet(60, 64, "relu", "normal", 1.0), rng=np.random.default_rng(0))
        k = result.overflow_layer
        assert k is not None and 20 < k < 60
        assert np.isfinite(result.act_std[: k - 1]).all() and np.isnan(result.act_std[k - 1:]).all()
        assert np.isnan(result.grad_norm).all() and np.isnan(result.loss)

    def test_huge_but_finite_gradients_do_not_overflow(self):
        """The backward pass keeps the gradient's scale as a logarithm: 1e13 and more in float32."""
        result = probe(DeepNet(**GRADIENTS_PRESETS["exploding"]), rng=np.random.default_rng(0))
        assert result.grad_ratio > 1e10 and np.isfinite(result.grad_norm).all()

    def test_same_seed_same_numbers_and_the_draws_are_shared_across_depths(self):
        a = probe(DeepNet(10, 32, "tanh", "glorot_normal"), rng=np.random.default_rng(7))
        b = probe(DeepNet(10, 32, "tanh", "glorot_normal"), rng=np.random.default_rng(7))
        c = probe(DeepNet(10, 32, "tanh", "glorot_normal"), rng=np.random.default_rng(8))
        np.testing.assert_array_equal(a.grad_norm, b.grad_norm)
        assert not np.array_equal(a.grad_norm, c.grad_norm)
        gp = GradientProbe(rng=np.random.default_rng(7))
        short, long = gp.weights(DeepNet(10, 32)), gp.weights(DeepNet(20, 32))
        for W1, W2 in zip(short[:-1], long[:10]):
            np.testing.assert_array_equal(W1, W2)

    def test_a_narrower_layer_draws_the_corner_of_a_wider_one(self):
        """Moving the width slider keeps the draws: width n takes the top-left n x n of width 512."""
        wide = GradientProbe(rng=np.random.default_rng(4)).standard_weights(DeepNet(3, 300))
        gp = GradientProbe(rng=np.random.default_rng(4))
        narrow = gp.standard_weights(DeepNet(3, 100))  # drawn first: the wider draw grows around it
        np.testing.assert_array_equal(narrow[1], wide[1][:100, :100])
        np.testing.assert_array_equal(narrow[-1], wide[-1][:100])
        again = gp.standard_weights(DeepNet(3, 300))
        for a, b in zip(again, wide):
            np.testing.assert_array_equal(a, b)
        assert not np.array_equal(wide[0][:100, :100], wide[1][:100, :100])  # every layer its own draws
        assert abs(wide[1].mean()) < 0.01 and wide[1].std() == pytest.approx(1.0, abs=0.01)
        with pytest.raises(ValueError):  # the cache is read-only: a caller cannot spoil later probes
            again[1][0, 0] = 0.0

    def test_fewer_samples_are_the_first_samples_of_the_batch(self):
        net = DeepNet(depth=5, width=24, activation="elu", init="he_normal", batch_norm=True)
        gp = GradientProbe(rng=np.random.default_rng(3), batch=16, dtype=np.float64)
        expected, loss = nnlab_grad_norms(gp, net, batch=6)
        result = gp(net, batch=6)
        assert result.batch == 6 and result.loss == pytest.approx(loss, rel=1e-12)
        np.testing.assert_allclose(result.grad_norm, expected[:-1], rtol=1e-9)
        np.testing.assert_array_equal(gp(net, batch=16).grad_norm, gp(net).grad_norm)
        for bad in (0, 17, 2.0, True):
            with pytest.raises(ValueError, match=r"batch: expected an integer from 1 to the probe's batch of 16"):
                gp(net, batch=bad)
        with pytest.raises(ValueError, match="batch: batch norm needs at least 2 samples, got 1"):
            gp(net, batch=1)

    def test_flops_count_the_matrix_products(self):
        # 30 x 256 on 256 samples: h W and h^T u, each 256^3 multiply-adds per layer, and u W^T for
        # layers 30 to 2 (layer 1's input needs no gradient)
        assert probe_flops(DeepNet(30, 256), 256) == 2 * (30 * 2 + 29) * 256**3 == 2_986_344_448
        # 100 x 512 on 256 samples: the two Gram matrices (256^2 x 512 / 2 each) are cheaper than h^T u
        assert probe_flops(DeepNet(100, 512), 256) == 2 * (199 * 256 * 512**2 + 100 * 256**2 * 512) \
            == 33_420_214_272
        assert probe_flops(DeepNet(100, 512), 32) == 3_443_523_584
        assert probe_flops(DeepNet(1, 8), 4) == 2 * (4 * 8 * 8 + 4 * 4 * 8)  # one layer: no u W^T
        with pytest.raises(ValueError, match="batch: expected a positive integer"):
            probe_flops(DeepNet(3, 8), 0)

    def test_weights_have_the_initialisations_spread(self):
        gp = GradientProbe(rng=np.random.default_rng(0), dtype=np.float64)
        for init, std in (("normal", 0.3), ("glorot_normal", np.sqrt(2 / 400)), ("he_normal", np.sqrt(2 / 200))):
            W = gp.weights(DeepNet(2, 200, "relu", init, 0.3))[1]
            assert W.std() == pytest.approx(std, rel=0.01)

    def test_kept_local_gradients(self):
        net = DeepNet(**GRADIENTS_PRESETS["sigmoid-deep"])
        result = probe(net, rng=np.random.default_rng(0), keep_dphi=(1, 30))
        assert sorted(result.dphi) == [1, 30] and result.dphi[1].shape == (256 * 32,)
        assert 0 < result.dphi[30].max() <= 0.25
        assert np.mean(result.dphi[30] < SATURATION * 0.25) == pytest.approx(result.saturated[-1])

    def test_circles(self):
        X, y = nl.data.circles(100, noise=0.0, factor=0.4, rng=np.random.default_rng(0))
        np.testing.assert_allclose(np.hypot(*X.T), np.where(y == 1, 0.4, 1.0))
        assert y.sum() == 50
        with pytest.raises(ValueError, match=r"factor: expected a number in \(0, 1\)"):
            nl.data.circles(10, factor=1.5, rng=np.random.default_rng(0))

    def test_bad_input(self):
        with pytest.raises(ValueError, match="depth: expected a positive integer, got 0"):
            DeepNet(0, 8)
        with pytest.raises(ValueError, match=r"activation: expected one of \['elu', 'identity', .*got 'swish'"):
            DeepNet(3, 8, "swish")
        with pytest.raises(ValueError,
                           match=r"init: expected one of \['normal', 'glorot_normal', 'he_normal'\], got 'xav"):
            DeepNet(3, 8, "relu", "xavier")
        with pytest.raises(ValueError, match="std: expected a positive number"):
            DeepNet(3, 8, "relu", "normal", -1.0)
        with pytest.raises(TypeError, match="batch_norm: expected True or False"):
            DeepNet(3, 8, batch_norm="yes")
        with pytest.raises(TypeError, match="rng: expected a numpy Generator"):
            GradientProbe(rng=0)
        with pytest.raises(ValueError, match="keep_dphi: expected layer numbers from 1 to 3, got 4"):
            probe(DeepNet(3, 8), rng=np.random.default_rng(0), keep_dphi=(4,))
        with pytest.raises(TypeError, match="net: expected a DeepNet"):
            GradientProbe(rng=np.random.default_rng(0))("relu")
        with pytest.raises(ValueError, match=r"weights: expected 4 matrices \(depth \+ 1\), got 2"):
            DeepNet(3, 8).build(weights=[np.zeros((8, 8))] * 2)


@pytest.fixture(scope="module")
def circles():
    return nl.data.circles(200, rng=np.random.default_rng(0))


class TestTraining:
    """nnlab.fit with the options notebook 06 needs: a diverging run stops and is recorded, gradient norms
    are recorded at every step."""

    def test_a_diverging_run_is_recorded_not_raised(self, circles):
        X, y = circles
        model = DeepNet(10, 32, "relu", "normal", 0.5).build(rng=np.random.default_rng(0), n_in=2)
        rec = nl.fit(model, X, y, loss="bce", optimizer=nl.SGD(0.01, momentum=0.9), epochs=20, batch_size=50,
                     rng=np.random.default_rng(0), on_divergence="stop")
        assert rec.diverged_epoch is not None and len(rec.loss) == rec.diverged_epoch - 1

    def test_clipping_rescues_the_same_run(self, circles):
        X, y = circles
        model = DeepNet(10, 32, "relu", "normal", 0.5).build(rng=np.random.default_rng(0), n_in=2)
        rec = nl.fit(model, X, y, loss="bce", optimizer=nl.SGD(0.01, momentum=0.9, clip_norm=1.0), epochs=60,
                     batch_size=50, rng=np.random.default_rng(0), on_divergence="stop", record_grad_norm=True)
        assert rec.diverged_epoch is None and rec.accuracy[-1] > 0.95
        assert max(rec.grad_norm) > 100  # the gradients were large; the steps were not

    def test_records_and_checks(self, circles):
        X, y = circles
        model = nl.MLP([2, 8, 1], "relu", rng=np.random.default_rng(0))
        rec = nl.fit(model, X, y, loss="bce", optimizer=nl.Adam(0.01), epochs=3, batch_size=50,
                     rng=np.random.default_rng(0), record_grad_norm=True)
        assert len(rec.loss) == len(rec.accuracy) == 3 and len(rec.grad_norm) == 12
        with pytest.raises(TypeError, match="optimizer: expected an nnlab optimiser"):
            nl.fit(model, X, y, loss="bce", optimizer="sgd", epochs=1, batch_size=10, rng=np.random.default_rng(0))


class TestDashboard:
    def test_opens_at_the_lecture_preset(self):
        dash = nl.widgets.gradients_explorer(preset="sigmoid-deep")
        assert dash.values == GRADIENTS_PRESETS["sigmoid-deep"] and dash.n_draws == 1
        assert dash.result.grad_ratio < 1e-4
        assert dash.png[:8] == b"\x89PNG\r\n\x1a\n"
        from PIL import Image

        picture = Image.open(io.BytesIO(dash.png))
        assert picture.size == (960, 440) and picture.mode == "RGB"  # 9.6 x 4.4 inches at 100 dpi, opaque

    def test_every_preset_sets_the_controls_and_draws(self):
        dash = gradients_explorer(preset=None)
        for name, values in GRADIENTS_PRESETS.items():
            before = dash.png
            dash.set_preset(name)
            assert dash.values == values and dash.message.value == ""
            assert dash.png != before

    def test_a_control_redraws_in_place(self):
        dash = gradients_explorer(preset="relu-he")
        first, draws = dash.png, dash.n_draws
        dash.controls["depth"].value = 12
        assert dash.n_draws == draws + 1 and dash.png != first
        assert dash.result.net.depth == 12 and len(dash.result.grad_norm) == 12
        dash.controls["batch_norm"].value = True
        assert dash.result.net.batch_norm

    def test_sliders_follow_a_drag(self):
        dash = gradients_explorer()  # a probe at the default sizes takes milliseconds: the picture follows the hand
        for name in ("width", "depth", "std"):
            assert dash.controls[name].continuous_update is True
        assert (dash.controls["width"].min, dash.controls["width"].max) == (2, 512)
        assert (dash.controls["depth"].min, dash.controls["depth"].max) == (1, 100)

    def test_an_overflowing_setting_draws_a_message_in_the_figure(self):
        dash = gradients_explorer(preset="relu-he")
        dash.set_values(init="normal", std=1.0, width=64, depth=60)
        assert dash.result.overflow_layer is not None and dash.message.value == ""
        texts = [t.get_text() for t in dash.figure.axes[0].texts]
        assert any("overflow" in t for t in texts)

    def test_a_large_network_is_probed_on_fewer_samples(self):
        """The issue's 100 x 512 on 256 samples is 33.4 GFLOP: the dashboard halves the batch to fit
        its budget of 1e9, counted (not timed), so the picture is the same on every machine."""
        for values in GRADIENTS_PRESETS.values():
            net = DeepNet(**values)
            expected = 256 if net.width <= 32 else 64  # width 256: 3.0e9, 1.5e9, then 0.75e9 with 64
            assert dashboard_batch(net, 256) == expected and probe_flops(net, expected) <= FLOP_BUDGET
            assert expected == 256 or probe_flops(net, 2 * expected) > FLOP_BUDGET  # no larger batch fits
        assert dashboard_batch(DeepNet(100, 512), 256) == 16  # 1.7e9 with 16: never below MIN_BATCH
        assert dashboard_batch(DeepNet(100, 200), 256) == 32
        assert dashboard_batch(DeepNet(100, 128), 256) == 64
        assert dashboard_batch(DeepNet(100, 64), 256) == 256
        assert dashboard_batch(DeepNet(100, 512), 256, None) == 256
        assert dashboard_batch(DeepNet(100, 512), 256, 1e6) == 16  # never below MIN_BATCH
        dash = gradients_explorer(preset="relu-he")
        assert dash.result.batch == 64
        assert "batch of 64\n(the first 64 of 256 samples" in dash.figure.texts[0].get_text()
        dash.set_values(width=512, depth=100)
        assert dash.result.batch == 16 and len(dash.result.grad_norm) == 100
        assert "batch of 16\n(the first 16 of 256 samples" in dash.figure.texts[0].get_text()
        # the longest title a student can make stays inside the picture (it was cut off at both edges)
        dash.set_values(activation="leaky_relu", init="normal", std=0.0126, batch_norm=True, residual=True)
        title = dash.figure.texts[0].get_window_extent(dash.figure.canvas.get_renderer())
        assert title.x0 > 0 and title.x1 < dash.figure.bbox.x1, (title, dash.figure.texts[0].get_text())
        dash.set_preset("sigmoid-deep")
        assert dash.result.batch == 256 and dash.figure.texts[0].get_text().endswith("batch of 256")
        whole = gradients_explorer(preset=None, flop_budget=None, batch=64)
        whole.set_values(width=512, depth=100)
        assert whole.result.batch == 64
        with pytest.raises(ValueError, match="flop_budget: expected a positive number"):
            gradients_explorer(flop_budget=0)

    @pytest.mark.parametrize("via, to", [("relu-he", "exploding"), ("exploding", "sigmoid-deep"),
                                         ("relu-narrow", "sigmoid-batchnorm"), ("exploding", "relu-he"),
                                         ("sigmoid-glorot", "relu-narrow")])
    def test_updating_in_place_draws_what_a_new_dashboard_draws(self, via, to):
        """The dashboard moves its artists instead of rebuilding the figure; the picture must be the
        one a dashboard opened at that setting draws, pixel for pixel (nothing left over from the
        previous setting: an overflow message, a tick format, axis limits)."""
        moved = gradients_explorer(preset=via)
        moved.set_values(init="normal", std=1.0, width=64, depth=60, activation="relu")  # overflows
        assert moved.result.overflow_layer is not None
        moved.set_preset(to)
        fresh = gradients_explorer(preset=to)
        assert moved.png == fresh.png

    def test_static_figure_and_bad_preset(self):
        dash = gradients_explorer(preset="exploding")
        fig = dash.static_figure().figure
        assert len(fig.axes) == 3 and "first / last = " in fig.axes[0].get_title()
        with pytest.raises(ValueError, match="preset: expected one of"):
            gradients_explorer(preset="nope")


def test_figures_for_the_notebook():
    from matplotlib.figure import Figure

    from nnlab.plots import gradients as g

    result = probe(DeepNet(5, 16, "sigmoid", "normal", 1.0), rng=np.random.default_rng(0), keep_dphi=(1, 5))
    ax = Figure().subplots()
    g.plot_dphi(ax, result)
    assert len(ax.patches) == 2  # one step histogram per kept layer
    ax = Figure().subplots()
    g.plot_grad_norms(ax, {"a": result, "b": result}, title="two")
    assert len(ax.lines) == 2 and ax.get_title() == "two"
    recs = {"learns": nl.History(loss=[0.7, 0.1], accuracy=[0.5, 1.0], grad_norm=[3.0, 1.0]),
            "diverges": nl.History(loss=[5.0], grad_norm=[1e3, np.inf], diverged_epoch=2)}
    fig = Figure(figsize=(7.2, 2.9))
    g.plot_losses(fig, recs)
    assert [ax.get_title() for ax in fig.axes] == ["learns\naccuracy 100%", "diverges\ndiverged in epoch 2"]
    fig = Figure()
    g.plot_clipping(fig, recs, 1.0)
    assert len(fig.axes) == 2
    fig = Figure()
    g.plot_firing(fig, {"relu": np.array([0.0, 0.5, 1.0])})
    assert fig.axes[0].get_title() == "relu\n1 of 3 units silent"
    with pytest.raises(ValueError, match="result: no phi'"):
        g.plot_dphi(Figure().subplots(), probe(DeepNet(2, 4), rng=np.random.default_rng(0)))


# --- the length of a step: StepRecorder and the clipped-step bound ------------------------------------
class TestSteps:
    """Notebook 06, section 5: with clip_norm = c a step of SGD with momentum mu is at most lr c / (1 - mu)
    long, not lr c; the notebook's own run, recorded with StepRecorder, and a run that reaches the bound."""

    @staticmethod
    def clipped_run(circles, clip=1.0, init=("normal", 0.5)):
        X, y = circles
        net = DeepNet(10, 32, "relu", *init) if init[0] == "normal" else DeepNet(10, 32, "relu", init[0])
        opt = nl.optim.StepRecorder(nl.SGD(0.01, momentum=0.9, clip_norm=clip))
        rec = nl.fit(net.build(rng=np.random.default_rng(0), n_in=2), X, y, loss="bce", optimizer=opt, epochs=60,
                     batch_size=50, rng=np.random.default_rng(0), on_divergence="stop", record_grad_norm=True)
        return opt, rec

    def test_the_recorder_measures_the_step_and_changes_nothing(self, circles):
        X, y = circles
        plain, wrapped = (nl.MLP([2, 8, 1], "relu", rng=np.random.default_rng(0)) for _ in range(2))
        opt = nl.optim.StepRecorder(nl.SGD(0.05, momentum=0.9))
        for model, optimizer in ((plain, nl.SGD(0.05, momentum=0.9)), (wrapped, opt)):
            nl.fit(model, X, y, loss="bce", optimizer=optimizer, epochs=3, batch_size=50, rng=np.random.default_rng(0))
        np.testing.assert_array_equal(plain.get_params_vector(), wrapped.get_params_vector())
        assert len(opt.lengths) == 12 and repr(opt) == "StepRecorder(SGD(lr=0.05, momentum=0.9))"
        # each length is ||v||: the velocity is the step of SGD with momentum
        assert opt.lengths[-1] == pytest.approx(np.sqrt(sum(np.vdot(v, v) for v in opt.optimizer.velocity)))
        with pytest.raises(TypeError, match="optimizer: expected an nnlab optimiser"):
            nl.optim.StepRecorder("sgd")

    def test_the_notebooks_run_steps_longer_than_lr_c_and_shorter_than_the_bound(self, circles):
        opt, rec = self.clipped_run(circles)
        lengths, norms = np.array(opt.lengths), np.array(rec.grad_norm)
        bound = nl.optim.clipped_step_bound(opt.optimizer)
        assert bound == pytest.approx(0.1) and len(lengths) == 240 and rec.diverged_epoch is None
        assert lengths.max() < bound
        assert lengths[0] == pytest.approx(0.01, rel=1e-9)  # the first step: v = -lr g, g clipped to norm 1
        # the 58 steps before the norm first drops below 1, all clipped: every one after the first is longer
        # than lr c. (Counts over the whole run are not printed: its last hundred steps are chaotic, and on
        # another CPU's rounding 172 steps are longer than 0.01 instead of 175, 130 clipped instead of 134.)
        first = int(np.argmax(norms <= 1.0))
        assert first == 58 and (norms[:first] > 1.0).all()
        assert (lengths[1:first] > 0.01).all() and np.min(lengths[1:first] / 0.01 - 1) > 0.005
        assert f"{lengths[:first].max():.3f}" == "0.046" and lengths[:first].argmax() + 1 == 7
        assert lengths.max() == lengths[:first].max()
        assert (lengths > 0.01).mean() > 0.5  # most steps of the whole run, too

    def test_without_clipping_the_gradient_explodes_within_five_steps(self, circles):
        opt, rec = self.clipped_run(circles, clip=None)
        assert rec.diverged_epoch == 2 and max(rec.grad_norm[:5]) > 1e40
        assert opt.lengths[0] == pytest.approx(0.01 * rec.grad_norm[0]) and f"{rec.grad_norm[0]:.1f}" == "426.4"
        assert np.all(np.diff(opt.lengths[:4]) > 0)  # "the next ones are longer still"
        _, he = self.clipped_run(circles, clip=None, init=("he_normal",))
        assert np.sum(np.array(he.grad_norm) > 1.0) <= 10  # "hardly anything to clip": 7 of 240 steps

    def test_the_bound_is_approached_when_the_gradients_keep_their_direction(self):
        model = nl.Sequential(nl.Dense(3, 2, rng=np.random.default_rng(0)))
        opt = nl.optim.StepRecorder(nl.SGD(0.01, momentum=0.9, clip_norm=1.0))
        for _ in range(100):
            model[0].grads["W"] = np.full((3, 2), 5.0)  # norm 5 * sqrt(7) with the bias, clipped to 1
            model[0].grads["b"] = np.full(2, 5.0)
            opt.step(model)
        t = np.arange(1, 101)
        np.testing.assert_allclose(opt.lengths, 0.01 * (1 - 0.9**t) / (1 - 0.9), rtol=1e-9)
        assert max(opt.lengths) < nl.optim.clipped_step_bound(opt.optimizer)
        assert opt.lengths[-1] > 0.9999 * nl.optim.clipped_step_bound(opt.optimizer)
        assert nl.optim.clipped_step_bound(nl.SGD(0.01, clip_norm=2.0)) == pytest.approx(0.02)  # no momentum

    def test_the_bound_needs_sgd_with_clipping(self):
        with pytest.raises(ValueError, match="optimizer: has no clip_norm"):
            nl.optim.clipped_step_bound(nl.SGD(0.01, momentum=0.9))
        with pytest.raises(TypeError, match=r"optimizer: expected nl\.SGD with clip_norm, got Adam"):
            nl.optim.clipped_step_bound(nl.Adam(0.01, clip_norm=1.0))


# --- what else notebook 06 says, asserted ---------------------------------------------------------------
class TestTheNotebooksText:
    def test_the_sigmoid_networks_gradient_vanishes_by_4_to_7_orders_over_40_seeds(self):
        ratios = [probe(DeepNet(30, 32, "sigmoid", "normal", 1.0), rng=np.random.default_rng(s)).grad_ratio
                  for s in range(40)]
        assert min(ratios) > 1e-7 and max(ratios) < 1e-4
        assert 1e-6 < ratios[0] < 1e-5   # seed 0, the notebook's: "five orders of magnitude"

    def test_relu_with_he_at_width_32_spreads_from_003_to_8_over_40_seeds(self):
        ratios = [probe(DeepNet(30, 32, "relu", "he_normal"), rng=np.random.default_rng(s)).grad_ratio
                  for s in range(40)]
        assert (f"{min(ratios):.1g}", f"{max(ratios):.1g}") == ("0.03", "8")

    def test_relu_with_glorot_halves_the_variance_as_the_dashed_line_says(self):
        result = probe(DeepNet(30, 256, "relu", "glorot_normal"), rng=np.random.default_rng(0))  # the dashboard's
        np.testing.assert_allclose(result.theory.preact_var[1:] / result.theory.preact_var[:-1], 0.5)
        halving = result.preact_std[1:] ** 2 / result.preact_std[:-1] ** 2
        assert (f"{halving.min():.2f}", f"{halving.max():.2f}") == ("0.38", "0.60")
        assert np.max(np.abs(result.preact_std / np.sqrt(result.theory.preact_var) - 1)) < 0.3

    def test_the_narrow_relu_network_dies_at_layer_10(self):
        result = nl.widgets.gradients_explorer(preset="relu-narrow").result
        assert np.argmax(result.dead == 1) + 1 == 10 and (result.dead[9:] == 1).all() and (result.dead[:9] < 1).all()
        assert (result.grad_norm == 0).all()

    def test_residual_blocks_with_he_grow_the_variance_by_about_29_per_layer(self):
        """The cross term 2 E[h] E[phi] makes the second moment more than double: 2 at the first block, about
        2.9 from the sixth on; the measurement follows on average (2.83 to 2.92 over 10 seeds), single layers
        scatter from about 1.9 to 4."""
        net = DeepNet(100, 256, "relu", "he_normal", residual=True)
        t = theory(net).act_var
        grows = t[1:] / t[:-1]
        assert grows[0] == pytest.approx(2.0) and (grows[1:] > 2.3).all() and (abs(grows[4:] - 2.9) < 0.08).all()
        # by hand: Var(q_1) = Var(q_2) = 2, so h_1 and phi(q_2) have E = 1/sqrt(pi) and E[.^2] = 1; then
        # E[h_2^2] = 1 + 1 + 2 / pi (the cross term), Var(h_1) = 1 - 1/pi, Var(h_2) = 2 + 2/pi - 4/pi = 2 - 2/pi
        assert gaussian_moments("relu", 2.0)[:2] == pytest.approx((1 / np.sqrt(np.pi), 1.0))
        assert (t[0], t[1]) == pytest.approx((1 - 1 / np.pi, 2 - 2 / np.pi))
        averages, singles = [], []
        for seed in range(10):
            result = probe(net, rng=np.random.default_rng(seed), dtype=np.float64)
            var = result.act_std ** 2
            averages.append((var[-1] / var[0]) ** (1 / 99))
            singles += list(var[1:] / var[:-1])
        assert (f"{min(averages):.2f}", f"{max(averages):.2f}") == ("2.83", "2.92")
        assert 1.85 < min(singles) < 2.0 and 3.9 < max(singles) < 4.0
        assert f"{averages[0]:.2f}" == "2.85"   # seed 0, the notebook's printout

    def test_float32_round_off_alone_changes_the_deep_batch_norm_networks_gradient(self):
        """Same weights, same inputs: at depth 100 the backward pass magnifies rounding errors about a million-fold.
        float32's round-off changes the first and last layers' gradient norms by a few percent to a half (how much
        depends on the rounding: 9% to 46% on the configurations tried, 15% and 23% on an AVX-512 machine, 3% for
        the last layer in PyTorch's float32 pass), float64's
        (the input changed in its 16th digit) by less than 1e-6 (4e-8 seen); at depth 30 float32 stays under 1%
        (3e-4 seen). The bounds are orders of magnitude, not one CPU's figure."""

        def first_and_last(net, dtype, X, y, weights):
            model = net.build(weights=[W.astype(dtype) for W in weights], dtype=dtype)
            _, dout = nl.mse(model.forward(X.astype(dtype)), y.astype(dtype))
            model.backward(dout)
            norms = [np.linalg.norm(d.grads["W"].astype(np.float64)) for _, d in model.named_layers()
                     if isinstance(d, nl.Dense)]
            return np.array([norms[0], norms[-1]])

        for depth in (30, 100):
            net = DeepNet(depth, 64, "relu", "he_normal", batch_norm=True)
            gp = GradientProbe(rng=np.random.default_rng(0), dtype=np.float64)
            X, y = gp.inputs(net)
            weights = gp.weights(net)
            exact = first_and_last(net, np.float64, X, y, weights)
            float32 = np.abs(first_and_last(net, np.float32, X, y, weights) / exact - 1)
            nudged = np.abs(first_and_last(net, np.float64, X * (1 + 2.0 ** -52), y, weights) / exact - 1)
            if depth == 30:
                assert (float32 < 1e-2).all(), float32
            else:  # 3% (PyTorch's float32 pass, the last layer) to 46% seen
                assert (float32 > 1e-3).all() and (float32 < 1).all(), float32
                assert (nudged < 1e-6).all(), nudged

    def test_section_3s_networks_at_initialisation(self, circles):
        """ReLU with Glorot: outputs about 750 times smaller than with He, every weight gradient 80 to 260 times
        smaller; with residual blocks: outputs hundreds of times the inputs' spread (490 against 0.56) and an
        initial loss of 412, far from the 1e+244 of the first epoch."""
        X, y = circles
        out, grads, losses = {}, {}, {}
        nets = {"glorot": DeepNet(16, 32, "relu", "glorot_normal"), "he": DeepNet(16, 32, "relu", "he_normal"),
                "residual": DeepNet(16, 32, "relu", "he_normal", residual=True)}
        for name, net in nets.items():
            model = net.build(rng=np.random.default_rng(0), n_in=2)
            out[name] = model.forward(X)
            losses[name], dout = nl.binary_cross_entropy(out[name], y)
            model.backward(dout)
            grads[name] = np.array([np.linalg.norm(d.grads["W"]) for _, d in model.named_layers()
                                    if isinstance(d, nl.Dense)])
        assert 700 < out["he"].std() / out["glorot"].std() < 800
        smaller = grads["he"] / grads["glorot"]
        assert (round(smaller.min(), -1), round(smaller.max(), -1)) == (80, 260)
        assert (f"{out['residual'].std():.2g}", f"{X.std():.2f}") == ("4.9e+02", "0.56")
        assert 100 < out["residual"].std() / X.std() < 1000 and round(losses["residual"]) == 412


# --- the exercises of notebook 06 ------------------------------------------------------------------------
ex = nl.exercises.gradients


@pytest.mark.parametrize("answer, status, message", [
    (29 * np.log10(0.25), "right", "a factor of 3.5e-18"),
    (-17.4, "right", "29 * (-0.6021) = -17.46"),
    (None, "not written yet", "`log10_factor` is still None"),
    (30 * np.log10(0.25), "wrong", "That counts 30 factors"),
    (29 * np.log10(0.5), "wrong", "That uses sigma(0) = 1/2"),
    (np.log10(0.25 * 29), "wrong", "the factors multiply, so their logarithms add"),
    (17.46, "wrong", "The sign"),
    (-17, "wrong", "rounded to a whole number"),
    (-10, "wrong", "Yours is 0.573 times the answer"),
    (0.25**29, "wrong", "That is a factor itself (0.25^29 = 3.5e-18), not its log10"),
    (0.25**29, "wrong", "You wrote 3.46945e-18;"),  # the number as written, not rounded to 0
])
def test_exercise_1_the_best_case_of_29_sigmoid_slopes(answer, status, message):
    verdict = ex.check_best_case_exponent(answer)
    assert verdict.status == status and message in repr(verdict), repr(verdict)
    assert np.log10(0.25 ** 29) == pytest.approx(29 * np.log10(nl.activations.sigmoid_grad(np.array(0.0))))


@pytest.mark.parametrize("answer, status, message", [
    ("first", "right", "layer 1, with 29 of them, gets the smallest"),
    (None, "not written yet", "`smallest` is still None"),
    ("middle", "wrong", "Layer 15 has 15 factors"),
    ("last", "wrong", "it is the largest, not the smallest"),
    ("input", "wrong", "choose one of 'first', 'middle', 'last'"),
])
def test_exercise_2_the_smallest_gradient(answer, status, message):
    verdict = ex.check_smallest_layer(answer)
    assert verdict.status == status and message in repr(verdict), repr(verdict)
    norms = probe(ex.SIGMOID_NET, rng=np.random.default_rng(0)).grad_norm
    assert np.argmin(norms) == 0 and np.argmax(norms) == 29


def _he_std(n_in, n_out):
    """The answer."""
    return np.sqrt(2 / n_in)


def _he_stub(n_in, n_out):
    """What make student leaves."""


def _he_no_return(n_in, n_out):
    """Computed, but not returned."""
    std = np.sqrt(2 / n_in)  # noqa: F841


@pytest.mark.parametrize("student, status, message", [
    (_he_std, "right", "gives the right result on all 5 test inputs"),
    (_he_stub, "not written yet", "`he_std` has no body yet"),
    (lambda n_in, n_out: 2 / n_in, "wrong", "the variance 2 / n_in"),
    (lambda n_in, n_out: np.sqrt(2 / (n_in + n_out)), "wrong", "Glorot's rule"),
    (lambda n_in, n_out: np.sqrt(2 / n_out), "wrong", "He's rule divides by the fan-in n_in"),
    (lambda n_in, n_out: np.sqrt(1 / n_in), "wrong", "LeCun's rule"),
    (lambda n_in, n_out: 2 * np.sqrt(2 / n_in), "wrong", "every entry is 2 times the right value"),
    (_he_no_return, "wrong", "returned None: end the function with `return`"),
])
def test_exercise_3_hes_standard_deviation(student, status, message):
    verdict = ex.check_he_std(student)
    assert verdict.status == status and message in repr(verdict), repr(verdict)
    for n_in, n_out in ex.HE_CASES:  # the reference is nnlab's rule, and what he_normal draws
        assert nl.init.weight_std("he_normal", n_in, n_out) == pytest.approx(_he_std(n_in, n_out))
    W = nl.init.he_normal(400, 300, rng=np.random.default_rng(0))
    assert W.std() == pytest.approx(_he_std(400, 300), rel=0.01)


@pytest.mark.parametrize("answer, status, message", [
    (np.sqrt(0.5), "right", "measured x0.71 on the 30 x 32 network"),
    (0.71, "right", "sqrt(1 * 1/2) = 0.7071"),
    (None, "not written yet", "`factor` is still None"),
    (0.5, "wrong", "That is the factor of the variance"),
    (1.0, "wrong", "That is He's factor"),
    (np.sqrt(2), "wrong", "Upside down"),
    (0.25, "wrong", "1/4 is the sigmoid's best slope"),
    (4.3e-05, "wrong", "That is the factor over the whole network, 0.707^29 = 4.3e-05"),
    (0.5**14.5, "wrong", "the factor of one layer"),
])
def test_exercise_4_relu_with_glorots_scale(answer, status, message):
    verdict = ex.check_relu_glorot_factor(answer)
    assert verdict.status == status and message in repr(verdict), repr(verdict)
    measured = probe(ex.RELU_GLOROT_NET, rng=np.random.default_rng(0)).signal_ratio ** (1 / 29)
    assert measured == pytest.approx(np.sqrt(0.5), rel=0.02)


@pytest.mark.parametrize("answer, status, message", [
    (0.1, "right", "lr c / (1 - mu) = 0.01 * 1 / 0.1 = 0.1"),
    (None, "not written yet", "`longest_step` is still None"),
    (0.01, "wrong", "That is lr c, the longest step without momentum"),
    (0.001, "wrong", "That multiplies by (1 - mu)"),
    (0.019, "wrong", "That counts one earlier gradient"),
    (0.09, "wrong", "That leaves out the newest gradient"),
    (1.0, "wrong", "That is the clipped gradient's norm"),
    (0.046, "wrong", "Yours is 0.46 times the answer"),
])
def test_exercise_5_the_longest_clipped_step(answer, status, message):
    verdict = ex.check_step_bound(answer)
    assert verdict.status == status and message in repr(verdict), repr(verdict)
    assert dict(lr=0.01, momentum=0.9, clip_norm=1.0) == ex.CLIPPED_SGD  # section 5's optimiser
