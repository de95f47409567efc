"""Training learns, early stopping works, and bad arguments fail with clear messages."""

import numpy as np
import pytest
from sklearn.datasets import make_moons

import nnlab as nl


@pytest.fixture(scope="module")
def moons():
    return make_moons(n_samples=300, noise=0.1, random_state=0)


@pytest.mark.parametrize("optimizer", [nl.SGD(lr=0.1, momentum=0.9), nl.Adam(lr=0.01)], ids=["sgd", "adam"])
def test_two_moons_reach_97_percent(moons, optimizer):
    X, y = moons
    rng = np.random.default_rng(0)
    model = nl.MLP([2, 16, 16, 1], "relu", rng=rng)
    hist = nl.fit(model, X, y, loss="bce", optimizer=optimizer, epochs=150, batch_size=32, rng=rng)
    _, acc = nl.evaluate(model, X, y, "bce")
    assert acc >= 0.97
    assert hist.epochs == 150 and len(hist.accuracy) == 150
    assert hist.loss[-1] < 0.2 * hist.loss[0]


def test_fit_is_reproducible(moons):
    X, y = moons
    runs = []
    for _ in range(2):
        rng = np.random.default_rng(5)
        model = nl.MLP([2, 8, 1], "tanh", rng=rng)
        nl.fit(model, X, y, loss="bce", optimizer=nl.SGD(0.1), epochs=3, rng=rng)
        runs.append(model.get_params_vector())
    np.testing.assert_array_equal(runs[0], runs[1])


def test_full_batch_sgd_is_plain_gradient_descent():
    """One epoch of full-batch SGD is theta - lr * grad, exactly."""
    rng = np.random.default_rng(2)
    X, y = rng.standard_normal((10, 3)), rng.standard_normal(10)
    model = nl.MLP([3, 4, 1], "tanh", rng=rng)
    theta = model.get_params_vector()
    grad = np.concatenate([g.ravel() for g in nl.gradcheck.model_gradients(model, X, y, "mse").values()])
    nl.fit(model, X, y, loss="mse", optimizer=nl.SGD(0.05), epochs=1, batch_size=None, rng=rng)
    np.testing.assert_allclose(model.get_params_vector(), theta - 0.05 * grad, rtol=1e-12)


def test_adam_first_step_has_size_lr():
    """Adam's bias-corrected first step moves every parameter by lr against its gradient's sign."""
    rng = np.random.default_rng(3)
    X, y = rng.standard_normal((8, 2)), rng.standard_normal(8)
    model = nl.MLP([2, 3, 1], "tanh", rng=rng)
    theta = model.get_params_vector()
    grad = np.concatenate([g.ravel() for g in nl.gradcheck.model_gradients(model, X, y, "mse").values()])
    nl.fit(model, X, y, loss="mse", optimizer=nl.Adam(lr=0.01), epochs=1, batch_size=None, rng=rng)
    np.testing.assert_allclose(model.get_params_vector() - theta, -0.01 * np.sign(grad), rtol=1e-5)


def test_momentum_accumulates():
    """Two steps of heavy-ball momentum on L = theta^2 / 2 (gradient theta), by hand."""
    model = nl.Sequential(nl.Dense(1, 1, W=[[1.0]], b=[0.0]))
    opt = nl.SGD(lr=0.1, momentum=0.5)
    model[0].grads["W"][...] = 1.0
    model[0].grads["b"][...] = 0.0
    opt.step(model)  # v = -0.1, W = 0.9
    opt.step(model)  # v = 0.5 * -0.1 - 0.1 = -0.15, W = 0.75
    assert model[0].params["W"][0, 0] == pytest.approx(0.75, abs=1e-15)


def test_early_stopping_restores_the_best_weights(moons):
    X, y = moons
    rng = np.random.default_rng(1)
    Xv, yv = X[:60] + rng.normal(0, 0.6, (60, 2)), y[:60]  # a noisy validation set it will overfit against
    model = nl.MLP([2, 64, 64, 1], "relu", rng=rng)
    hist = nl.fit(model, X[60:], y[60:], loss="bce", optimizer=nl.Adam(0.02), epochs=200, rng=rng,
                  validation_data=(Xv, yv), patience=5)
    assert hist.stopped_early
    assert hist.epochs == hist.best_epoch + 1 + 5
    assert nl.evaluate(model, Xv, yv, "bce")[0] == pytest.approx(min(hist.val_loss), rel=1e-12)


def test_gradient_clipping_caps_the_norm(rng):
    model = nl.MLP([3, 5, 1], "relu", rng=rng)
    _, dout = nl.mse(model.forward(rng.standard_normal((4, 3))), 100 * np.ones(4))
    model.backward(dout)
    before = nl.optim.grad_norm(model)
    assert nl.clip_grad_norm(model, 1.0) == pytest.approx(before)
    assert before > 1 and nl.optim.grad_norm(model) == pytest.approx(1.0)


def test_divergence_stops_with_a_clear_message():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((50, 2)) * 10
    y = X.sum(axis=1) * 100
    model = nl.MLP([2, 8, 1], "relu", rng=rng)
    with pytest.raises(FloatingPointError, match=r"training diverged at epoch \d+ .*smaller learning rate"):
        nl.fit(model, X, y, loss="mse", optimizer=nl.SGD(lr=10.0), epochs=50, rng=rng)


class TestBadInput:
    def setup_method(self):
        self.rng = np.random.default_rng(0)
        self.model = nl.MLP([2, 3, 1], "relu", rng=self.rng)

    def test_wrong_input_width(self):
        with pytest.raises(ValueError, match=r"X: expected shape \(N, 2\), got shape \(4, 3\)"):
            self.model.forward(np.zeros((4, 3)))

    def test_wrong_input_dimensions(self):
        with pytest.raises(ValueError, match=r"X: expected an array of shape \(N, n_features\), got shape \(2,\)"):
            self.model.forward(np.zeros(2))

    def test_non_finite_input(self):
        X = np.zeros((4, 2))
        X[1, 0] = np.nan
        with pytest.raises(ValueError, match="X: expected finite values, found 1 NaN"):
            self.model.forward(X)
        with pytest.raises(ValueError, match="X: expected finite values"):
            nl.fit(self.model, X, np.zeros(4), loss="bce", rng=self.rng)

    def test_labels_that_do_not_match_the_loss(self):
        with pytest.raises(ValueError, match="y: expected binary labels"):
            nl.fit(self.model, np.zeros((4, 2)), np.array([0, 1, 2, 1]), loss="bce", rng=self.rng)
        with pytest.raises(ValueError, match=r"y: expected 4 targets to match X, got shape \(3,\)"):
            nl.fit(self.model, np.zeros((4, 2)), np.array([0, 1, 1]), loss="bce", rng=self.rng)

    @pytest.mark.parametrize("lr", [0, -0.1, float("nan")])
    def test_learning_rate_must_be_positive(self, lr):
        with pytest.raises(ValueError, match="lr: expected a positive number"):
            nl.SGD(lr=lr)
        with pytest.raises(ValueError, match="lr: expected a positive number"):
            nl.Adam(lr=lr)

    def test_other_arguments(self):
        with pytest.raises(ValueError, match="batch_size: expected a positive integer"):
            nl.fit(self.model, np.zeros((4, 2)), np.zeros(4), batch_size=0, loss="bce", rng=self.rng)
        with pytest.raises(TypeError, match="rng: expected a numpy Generator"):
            nl.fit(self.model, np.zeros((4, 2)), np.zeros(4), loss="bce", rng=42)
        with pytest.raises(ValueError, match="patience: early stopping needs validation_data"):
            nl.fit(self.model, np.zeros((4, 2)), np.zeros(4), loss="bce", rng=self.rng, patience=3)
        with pytest.raises(ValueError, match="momentum: expected a number in"):
            nl.SGD(0.1, momentum=1.5)
        with pytest.raises(ValueError, match=r"sizes\[1\]: expected a positive integer"):
            nl.MLP([2, 0, 1], rng=self.rng)


@pytest.mark.parametrize("make_optimizer", [lambda: nl.SGD(0.1, momentum=0.9), lambda: nl.Adam(0.01)],
                         ids=["sgd-momentum", "adam"])
def test_one_optimizer_reused_on_new_models_starts_afresh(make_optimizer):
    """State belongs to the parameters it was built for: a new model (even one that reuses the
    memory, and so the ids, of a freed model) starts from zero momentum."""
    X, y = np.random.default_rng(0).standard_normal((6, 2)), np.array([0, 1, 0, 1, 1, 0])
    opt = make_optimizer()
    for sizes in ([2, 3, 1], [2, 3, 1], [2, 5, 1]):
        rng = np.random.default_rng(1)
        model = nl.MLP(sizes, "tanh", rng=rng)
        nl.fit(model, X, y, loss="bce", optimizer=opt, epochs=2, batch_size=None, rng=rng)
    fresh = make_optimizer()
    rng = np.random.default_rng(1)
    model2 = nl.MLP([2, 5, 1], "tanh", rng=rng)
    nl.fit(model2, X, y, loss="bce", optimizer=fresh, epochs=2, batch_size=None, rng=rng)
    np.testing.assert_array_equal(model.get_params_vector(), model2.get_params_vector())


def test_validation_labels_are_named():
    rng = np.random.default_rng(0)
    model = nl.MLP([2, 3, 1], rng=rng)
    with pytest.raises(ValueError, match="validation_data\\[1\\]: expected binary labels"):
        nl.fit(model, np.zeros((4, 2)), np.zeros(4), loss="bce", rng=rng, validation_data=(np.zeros((2, 2)), [0, 3]))


def test_evaluate_uses_batch_norm_running_averages():
    rng = np.random.default_rng(0)
    model = nl.Sequential(nl.Dense(3, 4, rng=rng), nl.BatchNorm(4), nl.Activation("relu"), nl.Dense(4, 1, rng=rng))
    X, y = rng.standard_normal((20, 3)) + 2, rng.integers(0, 2, 20)
    nl.fit(model, X, y, loss="bce", optimizer=nl.SGD(0.05), epochs=3, batch_size=5, rng=rng)
    bn = model[1]
    mean_before = bn.running_mean.copy()
    loss, _ = nl.evaluate(model, X[:3], y[:3], "bce")
    np.testing.assert_array_equal(bn.running_mean, mean_before)  # evaluation does not move them
    assert bn.training  # and the mode is restored
    nl.normalization.set_training(model, False)
    expected, _ = nl.binary_cross_entropy(model.forward(X[:3]), y[:3])
    assert loss == pytest.approx(expected, rel=1e-12)
