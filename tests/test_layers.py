"""Layers and whole networks: shapes, hand-set weights, printing, and gradients by finite differences."""

import numpy as np
import pytest

import nnlab as nl
from nnlab.activations import ACTIVATIONS

PARAMS = {"leaky_relu": {"slope": 0.1}, "elu": {"alpha": 0.5}}


def test_dense_forward_and_backward_shapes(rng):
    layer = nl.Dense(4, 3, rng=rng)
    X = rng.standard_normal((5, 4))
    z = layer.forward(X)
    np.testing.assert_allclose(z, X @ layer.params["W"] + layer.params["b"])
    dX = layer.backward(np.ones((5, 3)))
    assert dX.shape == (5, 4)
    assert layer.grads["W"].shape == (4, 3) and layer.grads["b"].shape == (3,)
    np.testing.assert_allclose(layer.grads["b"], [5, 5, 5])


@pytest.mark.parametrize("layer_factory", [
    lambda rng: nl.Dense(4, 3, rng=rng),
    *[(lambda name: (lambda rng: nl.Activation(name, **PARAMS.get(name, {}))))(n) for n in sorted(ACTIVATIONS)],
], ids=["dense", *sorted(ACTIVATIONS)])
def test_layer_gradients_match_finite_differences(layer_factory, rng):
    layer = layer_factory(rng)
    X = rng.standard_normal((6, 4))
    X[np.abs(X) < 1e-3] = 0.1  # keep clear of the kinks at 0
    errors = nl.check_layer(layer, X, rng=rng).errors
    assert max(errors.values()) < 1e-8, errors


@pytest.mark.parametrize("activation", sorted(ACTIVATIONS))
@pytest.mark.parametrize("sizes", [[3, 1], [3, 5, 1], [3, 6, 4, 1], [3, 4, 4, 4, 4, 2]])
def test_whole_mlp_gradients_match_finite_differences(activation, sizes):
    rng = np.random.default_rng(sum(sizes) + len(activation))
    model = nl.MLP(sizes, activation, rng=rng, **PARAMS.get(activation, {}))
    for b in model.biases:  # zero biases put a unit exactly on ReLU's kink when its whole input is 0
        b[...] = rng.uniform(-0.5, 0.5, b.shape)
    X = rng.standard_normal((7, sizes[0]))
    if sizes[-1] == 1:
        cases = [("mse", rng.standard_normal(7)), ("bce", rng.integers(0, 2, 7))]
    else:
        cases = [("softmax_ce", rng.integers(0, sizes[-1], 7)), ("mse", rng.standard_normal((7, sizes[-1])))]
    for loss, y in cases:
        # h = 1e-4: deep sigmoid gradients are tiny (vanishing!), and round-off of a smaller step
        # would swamp them; the step is still far smaller than the distance to any kink
        errors = nl.check_model(model, X, y, loss, h=1e-4).errors
        assert set(errors) == {name for name, _ in model.named_params()}
        assert max(errors.values()) < 1e-7, (loss, errors)


@pytest.mark.parametrize("name", sorted(nl.ACTIVATIONS))
def test_a_wrong_derivative_in_the_table_is_caught(name, rng, monkeypatch):
    """The check is not a rubber stamp, and the table is the only place a derivative comes from: put a wrong
    derivative of any activation into the table and check_model must fail loudly below it."""
    model = nl.MLP([3, 4, 1], name, rng=rng)
    X, y = rng.standard_normal((5, 3)), rng.standard_normal(5)
    assert nl.check_model(model, X, y, "mse").largest < 1e-7
    row = nl.ACTIVATIONS[name]
    monkeypatch.setitem(nl.ACTIVATIONS, name, row._replace(grad=lambda z, **p: row.grad(z, **p) + 0.3))
    errors = nl.check_model(model, X, y, "mse").errors
    assert errors["0.W"] > 1e-2 and errors["0.b"] > 1e-2, errors
    assert errors["2.W"] < 1e-7  # the layer above the bug is still right


def test_forgetting_the_square_of_tanhs_derivative_is_caught(rng, monkeypatch):
    model = nl.MLP([3, 4, 1], "tanh", rng=rng)
    X, y = rng.standard_normal((5, 3)), rng.standard_normal(5)
    monkeypatch.setitem(nl.ACTIVATIONS, "tanh", nl.ACTIVATIONS["tanh"]._replace(grad=lambda z: 1 - np.tanh(z)))
    errors = nl.check_model(model, X, y, "mse").errors
    assert errors["0.W"] > 1e-2 and errors["0.b"] > 1e-2


def test_hand_worked_two_layer_relu_network():
    """One sample through 2 inputs -> 2 ReLU units -> 1 output, MSE loss, worked by hand.

    Forward:
        x  = [1, 2]
        q1 = x W1 + b1 = [1*1 + 2*0.5 + 0, 1*(-1) + 2*1 - 2] = [2, -1]
        h1 = relu(q1) = [2, 0]                    (unit 2 is off)
        z  = h1 W2 + b2 = 2*3 + 0*(-2) + 1 = 7
        L  = (y - z)^2 = (4 - 7)^2 = 9
    Backward (upstream gradient times local gradient):
        dL/dz   = -2 (y - z) = 6
        dL/dW2  = h1^T * 6 = [[12], [0]],   dL/db2 = 6
        dL/dh1  = 6 * W2^T = [18, -12]
        u1 = dL/dq1 = [18, -12] * relu'(q1) = [18, -12] * [1, 0] = [18, 0]
        dL/dW1  = x^T u1 = [[18, 0], [36, 0]],   dL/db1 = [18, 0]
        dL/dx   = u1 W1^T = [18*1 + 0*(-1), 18*0.5 + 0*1] = [18, 9]
    """
    model = nl.MLP.from_weights([[[1, -1], [0.5, 1]], [[3], [-2]]], [[0, -2], [1]], "relu")
    x, y = np.array([[1.0, 2.0]]), np.array([4.0])
    z = model.forward(x)
    loss, dz = nl.mse(z, y)
    assert model[1].forward(model[0].forward(x)).tolist() == [[2.0, 0.0]]
    assert z.tolist() == [[7.0]] and loss == 9.0 and dz.tolist() == [[6.0]]
    dx = model.backward(dz)
    assert model[2].grads["W"].tolist() == [[12.0], [0.0]]
    assert model[2].grads["b"].tolist() == [6.0]
    assert model[0].grads["W"].tolist() == [[18.0, 0.0], [36.0, 0.0]]
    assert model[0].grads["b"].tolist() == [18.0, 0.0]
    assert dx.tolist() == [[18.0, 9.0]]


def test_print_shows_architecture_and_parameter_count(rng):
    model = nl.MLP([784, 64, 64, 1], "relu", rng=rng)
    text = repr(model)
    assert text.splitlines()[0] == "MLP(784-64-64-1, activation='relu')"
    assert "Dense(784 -> 64)   50,240 params" in text
    assert "Activation('relu')" in text
    assert text.splitlines()[-1] == "  total: 54,465 parameters"
    assert model.n_params == 784 * 64 + 64 + 64 * 64 + 64 + 64 + 1


def test_params_are_views_that_can_be_set_by_hand(rng):
    model = nl.MLP([2, 2, 1], "relu", rng=rng)
    model[0].params["W"][...] = [[1, 1], [1, 1]]
    model[0].params["b"][...] = [0, -1]
    model[2].params["W"][...] = [[1], [-2]]
    model[2].params["b"][...] = 0
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]])
    assert model.forward(X).ravel().tolist() == [0, 1, 1, 0]  # XOR
    assert model.weights[0] is model[0].params["W"]


def test_params_vector_round_trip(rng):
    model = nl.MLP([3, 4, 2], "tanh", rng=rng)
    theta = model.get_params_vector()
    assert theta.shape == (model.n_params,) == (3 * 4 + 4 + 4 * 2 + 2,)
    model.set_params_vector(np.arange(model.n_params, dtype=float))
    assert model[0].params["W"].ravel().tolist() == list(range(12))
    assert model[2].params["b"].tolist() == [model.n_params - 2, model.n_params - 1]
    model.set_params_vector(theta)
    np.testing.assert_array_equal(model.get_params_vector(), theta)
    with pytest.raises(ValueError, match=r"theta: expected shape \(26,\)"):
        model.set_params_vector(np.zeros(5))


def test_slicing_shares_layers(rng):
    model = nl.MLP([2, 3, 1], "relu", rng=rng)
    hidden = model[:2]
    X = rng.standard_normal((4, 2))
    np.testing.assert_allclose(hidden.forward(X), np.maximum(X @ model.weights[0] + model.biases[0], 0))
    assert hidden[0] is model[0]


def test_float32_end_to_end(rng):
    model = nl.MLP([3, 8, 1], "relu", rng=rng, dtype=np.float32)
    X = rng.standard_normal((10, 3))  # float64 in, converted to the model's dtype
    out = model.forward(X)
    assert out.dtype == np.float32
    _, dout = nl.binary_cross_entropy(out, rng.integers(0, 2, 10))
    model.backward(dout)
    assert all(g.dtype == np.float32 for _, g in model.named_grads())


def test_from_weights_rejects_mismatched_layers():
    with pytest.raises(ValueError, match=r"weights\[1\]: expected 3 rows"):
        nl.MLP.from_weights([np.ones((2, 3)), np.ones((4, 1))], [np.zeros(3), np.zeros(1)])
    with pytest.raises(ValueError, match=r"b: expected shape \(3,\)"):
        nl.MLP.from_weights([np.ones((2, 3))], [np.zeros(2)])


def test_gradient_checks_refuse_float32(rng):
    model = nl.MLP([2, 3, 1], "tanh", rng=rng, dtype=np.float32)
    with pytest.raises(ValueError, match="model: gradient checks need float64 parameters, got float32"):
        nl.check_model(model, np.zeros((2, 2)), np.zeros(2), "mse")
    with pytest.raises(TypeError, match="rng: expected a numpy Generator"):
        nl.check_layer(nl.Dense(2, 2, rng=rng), np.zeros((2, 2)), rng=None)


def test_hidden_activations_need_an_mlp_layout(rng):
    model = nl.Sequential(nl.Dense(2, 3, rng=rng), nl.BatchNorm(3), nl.Activation("relu"), nl.Dense(3, 1, rng=rng))
    with pytest.raises(ValueError, match="model: expected Dense and Activation layers in turn"):
        nl.dead_units(model, np.zeros((4, 2)))


def test_std_only_with_normal_init(rng):
    with pytest.raises(ValueError, match='std: only used with init="normal"'):
        nl.Dense(2, 3, init="he_normal", std=0.1, rng=rng)
    with pytest.raises(ValueError, match="std: expected a positive standard deviation"):
        nl.init.normal(2, 3, std="a", rng=rng)


def test_check_model_and_check_layer_say_in_words_what_they_found(rng):
    model = nl.MLP([3, 4, 1], "tanh", rng=rng)
    X, y = rng.standard_normal((5, 3)), rng.standard_normal(5)
    result = nl.check_model(model, X, y, "mse")
    assert result.passed and list(result.errors) == ["0.W", "0.b", "2.W", "2.b"] and result.largest < 1e-7
    assert repr(result).startswith("backward pass: right. Every gradient matches central differences.")
    layer = nl.check_layer(nl.Dense(3, 2, rng=rng), X, rng=rng)
    assert layer.passed and list(layer.errors) == ["dX", "dW", "db"]


def test_the_first_layer_skips_only_the_product_nobody_reads(rng):
    """fit's backward (param_backward) fills the same gradients as backward, without dL/dX of the input."""
    model = nl.MLP([3, 4, 1], "relu", rng=rng)
    X = rng.standard_normal((5, 3))
    dout = rng.standard_normal((5, 1))
    model.forward(X)
    model.backward(dout)
    full = [g.copy() for _, g in model.named_grads()]
    model.forward(X)
    assert model.param_backward(dout) is None
    assert all(np.array_equal(a, b) for a, b in zip(full, (g for _, g in model.named_grads())))


def test_a_students_own_backward_runs_also_as_a_first_layer(rng):
    """A subclass of Dense with its own backward (a student's) is never replaced by nnlab's twin in training."""
    calls = []

    class Mine(nl.Dense):
        def backward(self, dout):
            calls.append(dout.shape)
            return super().backward(dout)

    model = nl.Sequential(Mine(3, 1, rng=rng))
    nl.fit(model, rng.standard_normal((8, 3)), rng.standard_normal(8), loss="mse", epochs=2, batch_size=4, rng=rng)
    assert calls == [(4, 1)] * 4
