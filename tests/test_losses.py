import numpy as np
import pytest

import nnlab as nl
from nnlab.gradcheck import numerical_gradient


def _check_grad(loss_fn, out, y, **kw):
    out = out.astype(float).copy()
    _, grad = loss_fn(out, y, **kw)
    numeric = numerical_gradient(lambda: loss_fn(out, y, **kw)[0], out)
    return nl.rel_error(grad, numeric)


def test_mse_value_and_gradient(rng):
    y_hat, y = np.array([[1.0], [3.0]]), np.array([0.0, 1.0])
    value, grad = nl.mse(y_hat, y)
    assert value == (1 + 4) / 2
    assert grad.tolist() == [[1.0], [2.0]]  # 2 (y_hat - y) / N
    assert _check_grad(nl.mse, rng.standard_normal((6, 3)), rng.standard_normal((6, 3))) < 1e-8


def test_bce_from_logits_matches_the_definition_and_differences(rng):
    z = rng.standard_normal((8, 1)) * 3
    y = rng.integers(0, 2, 8)
    p = 1 / (1 + np.exp(-z[:, 0]))
    value, _ = nl.binary_cross_entropy(z, y)
    assert value == pytest.approx(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)), rel=1e-12)
    assert _check_grad(nl.binary_cross_entropy, z, y) < 1e-8


def test_bce_from_probabilities(rng):
    p = rng.uniform(0.05, 0.95, (8, 1))
    y = rng.integers(0, 2, 8)
    value, _ = nl.binary_cross_entropy(p, y, from_logits=False)
    assert value == pytest.approx(-np.mean(y * np.log(p[:, 0]) + (1 - y) * np.log(1 - p[:, 0])), rel=1e-12)
    assert _check_grad(nl.binary_cross_entropy, p, y, from_logits=False) < 1e-7


def test_bce_is_stable_for_huge_logits():
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        value, grad = nl.binary_cross_entropy(np.array([[1000.0], [-1000.0]]), np.array([0, 1]))
    assert value == 1000.0  # log(1 + e^1000) = 1000 to double precision
    assert grad.tolist() == [[0.5], [-0.5]]


def test_softmax_cross_entropy(rng):
    z = rng.standard_normal((5, 4))
    y = np.array([0, 3, 1, 1, 2])
    value, _ = nl.softmax_cross_entropy(z, y)
    logp = z - np.log(np.exp(z).sum(1, keepdims=True))
    assert value == pytest.approx(-logp[np.arange(5), y].mean(), rel=1e-12)
    assert _check_grad(nl.softmax_cross_entropy, z, y) < 1e-8
    onehot = np.eye(4)[y]
    assert nl.softmax_cross_entropy(z, onehot)[0] == pytest.approx(value, rel=1e-12)
    np.testing.assert_allclose(nl.softmax(np.array([[1000.0, 0.0]])), [[1.0, 0.0]])


def test_labels_that_do_not_fit_the_loss():
    with pytest.raises(ValueError, match=r"y: expected binary labels 0 or 1"):
        nl.binary_cross_entropy(np.zeros((3, 1)), np.array([0, 1, 2]))
    with pytest.raises(ValueError, match=r"y: expected class labels in \[0, 3\)"):
        nl.softmax_cross_entropy(np.zeros((2, 3)), np.array([0, 3]))
    with pytest.raises(ValueError, match=r"y: expected targets of shape \(3, 1\)"):
        nl.mse(np.zeros((3, 1)), np.zeros(4))
    with pytest.raises(ValueError, match="y: expected integer class labels"):
        nl.softmax_cross_entropy(np.zeros((2, 3)), np.array([0.5, 1.0]))
    with pytest.raises(ValueError, match=r"loss: expected one of"):
        nl.losses.get_loss("hinge")
