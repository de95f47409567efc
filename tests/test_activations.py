import numpy as np
import pytest

import nnlab as nl
from nnlab.activations import ACTIVATIONS, get_activation

# a grid that avoids the kinks of relu / leaky_relu / elu at 0, where central differences straddle them
Z = np.concatenate([np.linspace(-4, -0.05, 40), np.linspace(0.05, 4, 40)])

PARAMS = {"leaky_relu": {"slope": 0.2}, "elu": {"alpha": 0.7}}


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_derivative_matches_central_differences(name):
    f, f_grad, _ = get_activation(name, **PARAMS.get(name, {}))
    h = 1e-6
    numeric = (f(Z + h) - f(Z - h)) / (2 * h)
    assert nl.rel_error(f_grad(Z), numeric) < 1e-8


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_shape_and_dtype_kept(name):
    f, f_grad, fused = get_activation(name)
    z = np.linspace(-2, 2, 12, dtype=np.float32).reshape(3, 4)
    assert f(z).shape == (3, 4) and f_grad(z).shape == (3, 4)
    assert f(z).dtype == np.float32 and f_grad(z).dtype == np.float32
    assert all(a.dtype == np.float32 and a.shape == (3, 4) for a in fused(z))


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
    f, f_grad, _ = get_activation(name, **PARAMS.get(name, {}))
    ints, floats = np.array([-2, 0, 2]), np.array([-2.0, 0.0, 2.0])
    np.testing.assert_array_equal(f(ints), f(floats))
    np.testing.assert_array_equal(f_grad(ints), f_grad(floats))
    assert float(f(0.5)) == float(f(np.array([0.5]))[0])
    assert float(f_grad(0.5)) == float(f_grad(np.array([0.5]))[0])


@pytest.mark.parametrize("params", [{}, "PARAMS"], ids=["defaults", "parameters"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_the_fused_fast_path_is_the_table(name, dtype, params):
    """The fused column (the probe's hot loop, nl.activations.value_and_grad) computes the table's f and f', with
    the default parameters and with others (a slope of 0.2, an alpha of 0.7)."""
    params = PARAMS.get(name, {}) if params == "PARAMS" else params
    z = np.concatenate([np.linspace(-30, 30, 601), [-0.0, 0.0, 1e-30, -1e-30]]).astype(dtype)
    a, da = nl.activations.value_and_grad(name, z, **params)
    f, f_grad, fused = get_activation(name, **params)
    assert a.dtype == da.dtype == dtype and a.shape == da.shape == z.shape
    assert all(np.array_equal(x, y) for x, y in zip(fused(z), (a, da)))
    # float32: within two units in the last place of 1 (the fused sigmoid forms 1 - a, as a (1 - a) does)
    tol = dict(rtol=2e-6, atol=2.5e-7) if dtype == np.float32 else dict(rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(a, f(z), **tol)
    np.testing.assert_allclose(da, f_grad(z), **tol)
    if not params:
        assert np.all(np.abs(da) <= nl.activations.MAX_SLOPE[name] * (1 + 1e-6))


def test_the_defaults_are_the_constants_every_module_reads():
    import inspect
    A = nl.activations
    assert inspect.signature(A.leaky_relu).parameters["slope"].default == A.LEAKY_SLOPE == 0.01
    assert inspect.signature(A.elu_grad).parameters["alpha"].default == A.ELU_ALPHA == 1.0
    assert A.MAX_SLOPE["sigmoid"] == float(A.sigmoid_grad(np.array(0.0))) == 0.25
    assert set(A.MAX_SLOPE) == set(ACTIVATIONS)
