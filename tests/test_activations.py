import numpy as np
import pytest

import nnlab as nl
from nnlab.activations import ACTIVATIONS, get_activation

# a grid that avoids the kinks of relu / leaky_relu / elu at 0, where central differences straddle them
Z = np.concatenate([np.linspace(-4, -0.05, 40), np.linspace(0.05, 4, 40)])

PARAMS = {"leaky_relu": {"slope": 0.2}, "elu": {"alpha": 0.7}}


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_derivative_matches_central_differences(name):
    f, f_grad = get_activation(name, **PARAMS.get(name, {}))
    h = 1e-6
    numeric = (f(Z + h) - f(Z - h)) / (2 * h)
    assert nl.rel_error(f_grad(Z), numeric) < 1e-8


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_shape_and_dtype_kept(name):
    f, f_grad = get_activation(name)
    z = np.linspace(-2, 2, 12, dtype=np.float32).reshape(3, 4)
    assert f(z).shape == (3, 4) and f_grad(z).shape == (3, 4)
    assert f(z).dtype == np.float32 and f_grad(z).dtype == np.float32


def test_known_values():
    z = np.array([-2.0, 0.0, 3.0])
    np.testing.assert_allclose(nl.sigmoid(z), [1 / (1 + np.e**2), 0.5, 1 / (1 + np.e**-3)])
    np.testing.assert_array_equal(nl.relu(z), [0, 0, 3])
    np.testing.assert_allclose(nl.leaky_relu(z, slope=0.1), [-0.2, 0, 3])
    np.testing.assert_allclose(nl.elu(z, alpha=2.0), [2 * (np.exp(-2) - 1), 0, 3])
    np.testing.assert_allclose(nl.tanh(z), np.tanh(z))
    assert nl.activations.sigmoid_grad(np.array([0.0]))[0] == 0.25  # the 1/4 behind vanishing gradients


def test_sigmoid_does_not_overflow():
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        out = nl.sigmoid(np.array([-1000.0, 1000.0]))
        grad = nl.activations.sigmoid_grad(np.array([-1000.0, 1000.0]))
    np.testing.assert_array_equal(out, [0.0, 1.0])
    np.testing.assert_array_equal(grad, [0.0, 0.0])


def test_unknown_activation_names_the_argument():
    with pytest.raises(ValueError, match=r"activation: expected one of .*'relu'.*got 'relux'"):
        get_activation("relux")
    with pytest.raises(ValueError, match="activation"):
        nl.MLP([2, 3, 1], "softplus", rng=np.random.default_rng(0))
    with pytest.raises(TypeError, match="slope"):
        get_activation("relu", slope=0.1)


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_integers_and_plain_numbers_are_treated_as_floats(name):
    f, f_grad = get_activation(name, **PARAMS.get(name, {}))
    ints, floats = np.array([-2, 0, 2]), np.array([-2.0, 0.0, 2.0])
    np.testing.assert_array_equal(f(ints), f(floats))
    np.testing.assert_array_equal(f_grad(ints), f_grad(floats))
    assert float(f(0.5)) == float(f(np.array([0.5]))[0])
    assert float(f_grad(0.5)) == float(f_grad(np.array([0.5]))[0])
