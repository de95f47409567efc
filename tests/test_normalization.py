"""Batch normalisation, residual blocks and gradient clipping: forward, backward, running averages."""

import numpy as np
import pytest

import nnlab as nl
from nnlab.normalization import BatchNorm, Residual, set_training


def _bn(rng, k=4):
    bn = BatchNorm(k)
    bn.params["gamma"][:] = rng.uniform(0.5, 2.0, k)
    bn.params["delta"][:] = rng.uniform(-1.0, 1.0, k)
    return bn


class TestBatchNorm:
    def test_training_mode_standardises_every_column(self, rng):
        bn = BatchNorm(3)
        q = rng.normal([5.0, -2.0, 0.0], [10.0, 0.1, 1.0], size=(50, 3))
        out = bn.forward(q)
        np.testing.assert_allclose(out.mean(axis=0), 0, atol=1e-12)
        np.testing.assert_allclose(out.var(axis=0), q.var(axis=0) / (q.var(axis=0) + 1e-5), rtol=1e-12)
        bn.params["gamma"][:], bn.params["delta"][:] = [2.0, 3.0, 0.5], [1.0, -1.0, 0.0]
        out = bn.forward(q)
        np.testing.assert_allclose(out.mean(axis=0), [1.0, -1.0, 0.0], atol=1e-12)
        np.testing.assert_allclose(out.std(axis=0), [2.0, 3.0, 0.5], rtol=1e-3)

    def test_training_gradients_match_finite_differences(self, rng):
        errors = nl.check_layer(_bn(rng), rng.normal(1.0, 2.0, (6, 4)), rng=rng).errors
        assert set(errors) == {"dX", "dgamma", "ddelta"}
        assert max(errors.values()) < 1e-8, errors

    def test_a_wrong_backward_is_caught(self, rng):
        """Treating the batch mean and variance as constants must fail the check (it can fail)."""

        class ForgetsTheBatch(BatchNorm):
            def backward(self, dout):
                self._trained_batch = False  # the evaluation-mode formula, in training mode
                return super().backward(dout)

        bn = ForgetsTheBatch(4)
        errors = nl.check_layer(bn, rng.normal(size=(6, 4)), rng=rng).errors
        assert errors["dX"] > 1e-2 and errors["dgamma"] < 1e-8

    def test_evaluation_gradients_match_finite_differences(self, rng):
        bn = _bn(rng)
        bn.forward(rng.normal(size=(20, 4)))
        bn.training = False
        errors = nl.check_layer(bn, rng.normal(size=(5, 4)), rng=rng).errors
        assert max(errors.values()) < 1e-8, errors

    def test_running_averages(self, rng):
        bn = BatchNorm(2, momentum=0.1)
        q = rng.normal([3.0, -1.0], [2.0, 0.5], size=(8, 2))
        bn.forward(q)
        np.testing.assert_allclose(bn.running_mean, 0.1 * q.mean(axis=0))
        np.testing.assert_allclose(bn.running_var, 0.9 + 0.1 * q.var(axis=0, ddof=1))  # unbiased, as PyTorch
        for _ in range(300):  # many batches of the same population: the averages find it
            bn.forward(rng.normal([3.0, -1.0], [2.0, 0.5], size=(64, 2)))
        np.testing.assert_allclose(bn.running_mean, [3.0, -1.0], atol=0.2)
        np.testing.assert_allclose(np.sqrt(bn.running_var), [2.0, 0.5], rtol=0.1)

    def test_evaluation_uses_the_running_averages_and_leaves_them_alone(self, rng):
        bn = _bn(rng, 3)
        for _ in range(5):
            bn.forward(rng.normal(2.0, 3.0, (16, 3)))
        mean, var = bn.running_mean.copy(), bn.running_var.copy()
        set_training(bn, False)
        x = rng.normal(size=(1, 3))  # a single sample is fine in evaluation mode
        expected = bn.params["gamma"] * (x - mean) / np.sqrt(var + bn.eps) + bn.params["delta"]
        np.testing.assert_allclose(bn.forward(x), expected)
        np.testing.assert_array_equal(bn.running_mean, mean)
        np.testing.assert_array_equal(bn.running_var, var)

    def test_bad_input(self):
        bn = BatchNorm(3)
        with pytest.raises(ValueError, match=r"q: batch normalisation in training mode needs a batch"):
            bn.forward(np.zeros((1, 3)))
        with pytest.raises(ValueError, match=r"q: expected shape \(B, 3\), got \(4, 2\)"):
            bn.forward(np.zeros((4, 2)))
        with pytest.raises(ValueError, match=r"momentum: expected a number in \(0, 1\]"):
            BatchNorm(3, momentum=0.0)
        with pytest.raises(ValueError, match="n_features: expected a positive integer"):
            BatchNorm(0)
        with pytest.raises(RuntimeError, match="backward called before forward"):
            BatchNorm(3).backward(np.zeros((2, 3)))
        with pytest.raises(TypeError, match="training: expected True or False"):
            set_training(bn, "eval")

    def test_agrees_with_pytorch(self, rng):
        torch = pytest.importorskip("torch")
        bn = _bn(rng, 5)
        tbn = torch.nn.BatchNorm1d(5, eps=1e-5, momentum=0.1).double()
        with torch.no_grad():
            tbn.weight.copy_(torch.from_numpy(bn.params["gamma"]))
            tbn.bias.copy_(torch.from_numpy(bn.params["delta"]))
        for _ in range(3):
            q = rng.normal(1.0, 2.0, (7, 5))
            dout = rng.normal(size=(7, 5))
            qt = torch.from_numpy(q).requires_grad_(True)
            out_t = tbn(qt)
            out_t.backward(torch.from_numpy(dout))
            out = bn.forward(q)
            dq = bn.backward(dout)
            np.testing.assert_allclose(out, out_t.detach().numpy(), rtol=1e-10, atol=1e-12)
            np.testing.assert_allclose(dq, qt.grad.numpy(), rtol=1e-9, atol=1e-12)
            np.testing.assert_allclose(bn.grads["gamma"], tbn.weight.grad.numpy(), rtol=1e-10)
            np.testing.assert_allclose(bn.grads["delta"], tbn.bias.grad.numpy(), rtol=1e-10)
            tbn.weight.grad = tbn.bias.grad = None
        np.testing.assert_allclose(bn.running_mean, tbn.running_mean.numpy(), rtol=1e-12)
        np.testing.assert_allclose(bn.running_var, tbn.running_var.numpy(), rtol=1e-12)
        tbn.eval()
        set_training(bn, False)
        q = rng.normal(size=(3, 5))
        np.testing.assert_allclose(bn.forward(q), tbn(torch.from_numpy(q)).detach().numpy(), rtol=1e-10)


def _residual_model(rng, batch_norm=True):
    inner = [nl.Dense(4, 4, rng=rng), *([BatchNorm(4)] if batch_norm else []), nl.Activation("tanh")]
    model = nl.Sequential(nl.Dense(3, 4, rng=rng), nl.Activation("tanh"), Residual(*inner),
                          nl.Dense(4, 1, rng=rng))
    for layer, key in model.param_slots():  # no parameter sits at a special value
        if key in ("b", "delta"):
            layer.params[key][...] = rng.uniform(-0.5, 0.5, layer.params[key].shape)
    return model


class TestResidual:
    def test_forward_adds_the_input(self, rng):
        block = Residual(nl.Dense(4, 4, rng=rng), nl.Activation("relu"))
        X = rng.normal(size=(5, 4))
        F = np.maximum(X @ block[0].params["W"] + block[0].params["b"], 0)
        np.testing.assert_allclose(block.forward(X), X + F)

    def test_input_gradient_is_dout_plus_the_path_through_F(self, rng):
        block = Residual(nl.Dense(4, 4, rng=rng), nl.Activation("tanh"))
        errors = nl.check_layer(block, rng.normal(size=(6, 4)), rng=rng).errors
        assert errors["dX"] < 1e-8
        dout = rng.normal(size=(6, 4))
        inner = nl.Sequential(*block.layers)
        inner.forward(rng.normal(size=(6, 4)))
        X = rng.normal(size=(6, 4))
        block.forward(X)
        dX = block.backward(dout)
        inner.forward(X)
        np.testing.assert_allclose(dX, dout + inner.backward(dout))

    @pytest.mark.parametrize("loss", ["mse", "bce"])
    def test_whole_model_gradients_match_finite_differences(self, rng, loss):
        model = _residual_model(rng)
        X = rng.normal(size=(6, 3))
        y = rng.normal(size=6) if loss == "mse" else rng.integers(0, 2, 6)
        errors = nl.check_model(model, X, y, loss).errors
        assert set(errors) == {"0.W", "0.b", "2.0.W", "2.0.b", "2.1.gamma", "2.1.delta", "3.W", "3.b"}
        # a bias right before batch norm is subtracted again with the batch mean: its gradient is 0,
        # so its relative error compares two round-off noises; check it is 0 instead
        assert np.abs(nl.gradcheck.model_gradients(model, X, y, loss)["2.0.b"]).max() < 1e-12
        errors.pop("2.0.b")
        assert max(errors.values()) < 1e-7, errors

    def test_parameters_are_seen_by_the_optimisers(self, rng):
        model = _residual_model(rng)
        names = [name for name, _ in model.named_params()]
        assert names == ["0.W", "0.b", "2.0.W", "2.0.b", "2.1.gamma", "2.1.delta", "3.W", "3.b"]
        assert len(model.param_slots()) == 8
        X = rng.normal(size=(8, 3))
        y = rng.normal(size=8)
        for optimizer in (nl.SGD(0.1, momentum=0.5), nl.Adam(0.01)):
            before = {name: p.copy() for name, p in model.named_params()}
            _, dout = nl.mse(model.forward(X), y)
            model.backward(dout)
            optimizer.step(model)
            # every parameter moves, except the bias before batch norm, whose gradient is 0
            # (up to round-off, which Adam would blow up to a full step: only SGD is checked for it)
            moved = {name: np.abs(p - before[name]).max() for name, p in model.named_params()}
            assert min(v for k, v in moved.items() if k != "2.0.b") > 1e-6, (optimizer, moved)
            if isinstance(optimizer, nl.SGD):
                assert moved["2.0.b"] < 1e-12

    def test_a_residual_model_trains(self, rng):
        from sklearn.datasets import make_moons

        X, y = make_moons(200, noise=0.1, random_state=0)
        net = nl.gradients.DeepNet(depth=6, width=16, activation="relu", init="he_normal", batch_norm=True,
                               residual=True)
        model = net.build(rng=rng, n_in=2)
        assert sum(isinstance(layer, Residual) for layer in model) == 5
        hist = nl.fit(model, X, y, loss="bce", optimizer=nl.Adam(0.01), epochs=30, batch_size=32, rng=rng)
        set_training(model, False)
        _, acc = nl.evaluate(model, X, y, "bce")
        assert hist.loss[-1] < 0.3 * hist.loss[0] and acc > 0.95

    def test_bad_blocks(self, rng):
        with pytest.raises(ValueError, match="layers: a residual block needs at least one layer"):
            Residual()
        block = Residual(nl.Dense(4, 3, rng=rng))
        with pytest.raises(ValueError, match=r"F must keep the shape of its input, got F\(x\) of shape"):
            block.forward(np.zeros((2, 4)))
        with pytest.raises(TypeError, match=r"layers\[0\]: expected an nnlab Layer"):
            Residual("dense")

    def test_repr_shows_the_block(self, rng):
        text = repr(_residual_model(rng))
        assert "Residual: x + F(x)" in text and "BatchNorm(4)" in text

    def test_set_training_reaches_nested_layers(self, rng):
        model = _residual_model(rng)
        set_training(model, False)
        assert model[2][1].training is False
        set_training(model, True)
        assert model[2][1].training is True


class TestGradientClipping:
    def _model_with_gradients(self, rng, scale):
        model = _residual_model(rng)
        X = rng.normal(size=(8, 3))
        _, dout = nl.mse(model.forward(X), scale * np.ones(8))
        model.backward(dout)
        return model

    def test_clipping_rescales_every_gradient_including_nested_ones(self, rng):
        model = self._model_with_gradients(rng, 100.0)
        before = model.get_grads_vector()
        norm = nl.clip_grad_norm(model, 1.0)
        assert norm == pytest.approx(np.linalg.norm(before)) and norm > 1
        after = model.get_grads_vector()
        assert np.linalg.norm(after) == pytest.approx(1.0)
        np.testing.assert_allclose(after, before / norm)  # same direction, every parameter

    def test_small_gradients_are_left_alone(self, rng):
        model = self._model_with_gradients(rng, 0.0)
        before = model.get_grads_vector()
        assert np.linalg.norm(before) < 100
        nl.clip_grad_norm(model, 100.0)
        np.testing.assert_array_equal(model.get_grads_vector(), before)

    def test_sgd_steps_with_the_clipped_gradient(self, rng):
        model = self._model_with_gradients(rng, 100.0)
        theta, g = model.get_params_vector(), model.get_grads_vector()
        nl.SGD(0.1, clip_norm=2.0).step(model)
        np.testing.assert_allclose(model.get_params_vector(), theta - 0.1 * 2.0 * g / np.linalg.norm(g))

    def test_adam_sees_the_clipped_gradient(self, rng):
        model = self._model_with_gradients(rng, 100.0)
        theta, g = model.get_params_vector(), model.get_grads_vector()
        nl.Adam(0.1, clip_norm=2.0, eps=1.0).step(model)  # a large eps makes the step depend on |g|
        clipped = 2.0 * g / np.linalg.norm(g)
        # Adam's first step: the bias-corrected moments are g and g^2, so the step is lr g / (|g| + eps)
        expected = theta - 0.1 * clipped / (np.abs(clipped) + 1.0)
        np.testing.assert_allclose(model.get_params_vector(), expected)

    def test_bad_clip_norm(self):
        with pytest.raises(ValueError, match="clip_norm: expected a positive number"):
            nl.SGD(0.1, clip_norm=0)
