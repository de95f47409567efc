"""nnlab.backprop: the step-by-step trace, the gradient-flow patterns, the forward/reverse mode
counts and the exercise checker, each against numbers derived here independently."""

import re

import matplotlib.pyplot as plt
import numpy as np
import pytest

import nnlab as nl
from nnlab import backprop as bp
from nnlab.activations import ACTIVATIONS

PARAMS = {"leaky_relu": {"slope": 0.1}, "elu": {"alpha": 0.5}}


# --- independent references -------------------------------------------------------------------------
def numpy_loss(x, y, W1, b1, W2, b2, beta, a):
    """The 2-hidden-layer ReLU network and its squared error, written out with numpy only."""
    h1 = np.maximum(x @ W1 + b1, 0)
    h2 = np.maximum(h1 @ W2 + b2, 0)
    z = h2 @ beta + a
    return float(((y - z) ** 2).sum())


def central_differences(f, arrays, h=1e-6):
    """d f / d arrays[i] for every array, entry by entry (own loop, not nnlab's)."""
    grads = []
    for k, A in enumerate(arrays):
        g = np.zeros_like(A)
        for i in np.ndindex(A.shape):
            plus = [B.copy() for B in arrays]
            minus = [B.copy() for B in arrays]
            plus[k][i] += h
            minus[k][i] -= h
            g[i] = (f(*plus) - f(*minus)) / (2 * h)
        grads.append(g)
    return grads


def counting_matmul(A, B, counter):
    """Matrix product by three loops, counting every scalar multiplication."""
    C = np.zeros((A.shape[0], B.shape[1]))
    for i in range(A.shape[0]):
        for j in range(B.shape[1]):
            for k in range(A.shape[1]):
                C[i, j] += A[i, k] * B[k, j]
                counter[0] += 1
    return C


# --- the example and its trace ---------------------------------------------------------------------
def test_example_network_worked_by_hand():
    """The notebook's numbers, by hand (rows, as nnlab stores one example):

        x  = [1, 2]
        q1 = x W1 + b1 = [0.5 + 0.4 + 0.1, -0.8 + 0.8 + 0.3, 0.3 - 1.2 + 0.2] = [1, 0.3, -0.7]
        h1 = relu(q1) = [1, 0.3, 0]                                 (unit 3 is off)
        q2 = h1 W2 + b2 = [1 + 0.15 - 0.2, -0.5 + 0.09 + 0.1] = [0.95, -0.31]
        h2 = [0.95, 0]                                               (unit 2 is off)
        z  = 0.95 * 1.5 + 0 * (-1) + 0.2 = 1.625,   L = (1 - 1.625)^2 = 0.390625
        dL/dz = -2 (y - z) = 1.25 = dL/da
        dL/dbeta = h2^T 1.25 = [1.1875, 0]^T,   dL/dh2 = 1.25 beta^T = [1.875, -1.25]
        u2 = [1.875, -1.25] * [1, 0] = [1.875, 0] = dL/db2
        dL/dW2 = h1^T u2 = [[1.875, 0], [0.5625, 0], [0, 0]]
        dL/dh1 = u2 W2^T = 1.875 * [1, 0.5, -0.4] = [1.875, 0.9375, -0.75]
        u1 = [1.875, 0.9375, -0.75] * [1, 1, 0] = [1.875, 0.9375, 0] = dL/db1
        dL/dW1 = x^T u1 = [[1.875, 0.9375, 0], [3.75, 1.875, 0]]
        dL/dx = u1 W1^T = [1.875 * 0.5 - 0.9375 * 0.8, 1.875 * 0.2 + 0.9375 * 0.4] = [0.1875, 0.75]
    """
    model, x, y = bp.example_network()
    tr = bp.trace(model, x, y)
    expected = {
        "x": [[1, 2]], "q1": [[1, 0.3, -0.7]], "h1": [[1, 0.3, 0]], "q2": [[0.95, -0.31]], "h2": [[0.95, 0]],
        "z": [[1.625]], "L": 0.390625, "dz": [[1.25]], "da": [1.25], "dbeta": [[1.1875], [0]],
        "dh2": [[1.875, -1.25]], "u2": [[1.875, 0]], "db2": [1.875, 0],
        "dW2": [[1.875, 0], [0.5625, 0], [0, 0]],
        "dh1": [[1.875, 0.9375, -0.75]], "u1": [[1.875, 0.9375, 0]], "db1": [1.875, 0.9375, 0],
        "dW1": [[1.875, 0.9375, 0], [3.75, 1.875, 0]], "dx": [[0.1875, 0.75]],
    }
    assert tr.names == list(expected)
    for name, value in expected.items():
        np.testing.assert_allclose(tr[name], value, atol=1e-12, err_msg=name)
    assert tr.loss == pytest.approx(0.390625)


def test_trace_gradients_equal_nnlab_backward_and_finite_differences():
    model, x, y = bp.example_network()
    tr = bp.trace(model, x, y)
    # nnlab's own backward pass through the whole model
    grads = nl.gradcheck.model_gradients(model, x, y, "mse")
    names = bp.lecture_names(model)
    assert names == {"0.W": "W1", "0.b": "b1", "2.W": "W2", "2.b": "b2", "4.W": "beta", "4.b": "a"}
    for key, lecture in names.items():
        np.testing.assert_array_equal(tr["d" + lecture], grads[key])
    # finite differences of a numpy-only copy of the network
    params = [model[0].params["W"], model[0].params["b"], model[2].params["W"], model[2].params["b"],
              model[4].params["W"], model[4].params["b"]]
    numeric = central_differences(lambda x_, *p: numpy_loss(x_, y[0], *p), [x] + [p.copy() for p in params])
    for name, g in zip(["dx", "dW1", "db1", "dW2", "db2", "dbeta", "da"], numeric):
        np.testing.assert_allclose(tr[name], g, atol=1e-8, err_msg=name)
    # and every intermediate gradient against nnlab's numerical_trace
    num = bp.numerical_trace(model, x, y)
    assert list(num) == list(tr.gradients)
    for name, g in num.items():
        np.testing.assert_allclose(tr[name], g, atol=1e-8, err_msg=name)


def test_check_trace_reports_every_gradient_right():
    model, x, y = bp.example_network()
    result = bp.check_trace(model, x, y)
    assert result.passed and bool(result)
    assert list(result.errors) == ["dz", "da", "dbeta", "dh2", "u2", "db2", "dW2", "dh1", "u1", "db1", "dW1",
                                   "dx"]
    assert max(result.errors.values()) < nl.gradcheck.ERROR_FLOOR  # printed as "< 1e-08" on every machine
    text = repr(result)
    assert text.startswith("backprop trace: right.")
    assert text.count("< 1e-08") == 12 and "OFF" not in text


def test_trace_text_uses_the_lecture_notation():
    model, x, y = bp.example_network()
    text = repr(bp.trace(model, x, y))
    assert "q1 = x W1 + b1   shape (1, 3)   [[1, 0.3, -0.7]]" in text
    assert re.search(r"u1 = dL/dq1 = dL/dh1 \* relu'\(q1\)\s+shape \(1, 3\)\s+\[\[1.875, 0.9375, 0\]\]", text)
    assert re.search(r"dL/dW1 = x\^T u1\s+shape \(2, 3\)", text)
    assert "L = (y - z)^2    shape ()       0.390625" in text


@pytest.mark.parametrize("activation", ["tanh", "sigmoid", "leaky_relu"])
def test_trace_of_a_deeper_network(activation, rng):
    model = nl.MLP([4, 5, 3, 4, 1], activation, rng=rng, **PARAMS.get(activation, {}))
    for b in model.biases:
        b[...] = rng.uniform(-0.5, 0.5, b.shape)
    x, y = rng.standard_normal(4), 0.3
    tr = bp.trace(model, x, y)
    assert [s.name for s in tr.forward] == ["x", "q1", "h1", "q2", "h2", "q3", "h3", "z", "L"]
    assert tr["dW3"].shape == (3, 4) and tr["u3"].shape == (1, 4) and tr["dx"].shape == (1, 4)
    grads = nl.gradcheck.model_gradients(model, x[None], np.array([y]), "mse")
    for key, lecture in bp.lecture_names(model).items():
        np.testing.assert_allclose(tr["d" + lecture], grads[key], rtol=1e-12, atol=1e-15)
    result = bp.check_trace(model, x, y)
    assert result.passed, result


def test_trace_rejects_what_it_cannot_trace(rng):
    model, x, y = bp.example_network()
    with pytest.raises(ValueError, match=r"x: expected one example of shape \(1, 2\)"):
        bp.trace(model, np.ones((3, 2)), y)
    with pytest.raises(ValueError, match="y: expected one target"):
        bp.trace(model, x, [1.0, 2.0])
    with pytest.raises(ValueError, match=r"model: expected 1 output unit\(s\), got 2"):
        bp.trace(nl.MLP([2, 3, 2], "relu", rng=rng), x, y)
    with pytest.raises(ValueError, match=r"model: expected at least 1 hidden layer\(s\), got 0"):
        bp.trace(nl.Sequential(nl.Dense(2, 1, rng=rng)), x, y)
    with pytest.raises(ValueError, match="model: expected Dense and Activation layers in turn"):
        bp.trace(nl.Sequential(nl.Dense(2, 2, rng=rng), nl.Dense(2, 1, rng=rng)), x, y)
    with pytest.raises(TypeError, match="model: expected an nnlab MLP"):
        bp.trace("net", x, y)
    with pytest.raises(KeyError, match="name: expected one of"):
        bp.trace(model, x, y)["q9"]


# --- what a bug looks like --------------------------------------------------------------------------
def test_a_forgotten_relu_gate_is_caught_below_the_bug_only():
    model, x, y = bp.example_network()
    right = bp.check_network(model, x, y, loss="mse")
    assert right.passed and list(right.errors) == ["W1", "b1", "W2", "b2", "beta", "a"]
    buggy = bp.replace_derivative(model, 3, np.ones_like)  # relu'(q2) taken as 1: unit 2's gate forgotten
    assert buggy[0] is model[0] and buggy[4] is model[4]
    result = bp.check_network(buggy, x, y, loss="mse")
    assert not result.passed
    assert result.off == ["W1", "b1", "W2", "b2"]
    assert result.errors["beta"] < 1e-8 and result.errors["a"] < 1e-8  # above the bug: still right
    # the size of the error, worked by hand: with the gate forgotten u2 = [1.875, -1.25] instead of
    # [1.875, 0], so db2 = u2 and ||db2 - true|| / (||db2|| + ||true||)
    #                                 = 1.25 / (sqrt(1.875^2 + 1.25^2) + 1.875)
    assert result.errors["b2"] == pytest.approx(1.25 / (np.hypot(1.875, 1.25) + 1.875))
    text = repr(result)
    assert "wrong. 4 of 6 gradients are off." in text
    assert re.search(r"b2\s+3\.0e-01\s+OFF: largest gap at b2\[1\]: expected 0, got -1\.25", text)
    assert re.search(r"beta\s+< 1e-08\s+right", text)


def test_the_bug_hides_where_every_gate_is_open_and_shows_on_a_random_batch():
    """At x = (0, 2): q1 = [0.5, 1.1, -1], h1 = [0.5, 1.1, 0], q2 = [0.5 + 0.55 - 0.2, -0.25 + 0.33 + 0.1]
    = [0.85, 0.18] > 0, so relu'(q2) = 1 and the forgotten gate changes nothing."""
    model, _, y = bp.example_network()
    buggy = bp.replace_derivative(model, 3, np.ones_like)
    np.testing.assert_allclose(bp.trace(model, [0.0, 2.0], y)["q2"], [[0.85, 0.18]])
    assert bp.check_network(buggy, [[0.0, 2.0]], y, loss="mse").passed
    rng = np.random.default_rng(2)  # the notebook's seed; its first draws are this batch
    result = bp.check_network(buggy, rng.standard_normal((8, 2)), rng.standard_normal(8), loss="mse")
    assert result.off == ["W1", "b1", "W2", "b2"] and min(result.errors[k] for k in result.off) > 0.1


def test_replace_derivative_checks_its_arguments():
    model, _, _ = bp.example_network()
    with pytest.raises(ValueError, match=r"index: expected .* Activation layer, one of \[1, 3\]"):
        bp.replace_derivative(model, 2, np.ones_like)
    with pytest.raises(TypeError, match="f_grad: expected a function"):
        bp.replace_derivative(model, 1, 1.0)


# --- the exercise checker ---------------------------------------------------------------------------
def sigmoid_backward(z, dout):
    s = 1 / (1 + np.exp(-z))
    return dout * s * (1 - s)


def tanh_backward(z, dout):
    return dout * (1 - np.tanh(z) ** 2)


@pytest.mark.parametrize("answer, forward", [(sigmoid_backward, "sigmoid"), (tanh_backward, "tanh"),
                                             (tanh_backward, np.tanh)])
def test_a_right_answer_passes(answer, forward, rng):
    result = nl.check_backward(answer, forward, rng=rng)
    assert result.passed and bool(result) and result.errors["dz"] < 1e-8
    assert repr(result).startswith(f"{answer.__name__}: right.")


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_nnlab_derivatives_pass_as_answers(name, rng):
    f_grad = ACTIVATIONS[name][1]
    assert nl.check_backward(lambda z, dout: dout * f_grad(z), name, rng=rng).passed


@pytest.mark.parametrize("wrong, forward, at_least", [
    (lambda z, dout: nl.sigmoid(z) * (1 - nl.sigmoid(z)), "sigmoid", 0.5),   # forgot the upstream gradient
    (lambda z, dout: dout * nl.sigmoid(z), "sigmoid", 0.5),                  # the function, not its slope
    (lambda z, dout: dout * (1 - np.tanh(z)), "tanh", 0.1),                 # forgot the square
    (lambda z, dout: 1.01 * dout * (1 - np.tanh(z) ** 2), "tanh", 4e-3),    # off by 1%: still caught
])
def test_a_wrong_answer_fails_naming_the_gradient_and_the_size_of_the_error(wrong, forward, at_least, rng):
    result = nl.check_backward(wrong, forward, rng=rng)
    assert not result.passed and not bool(result)
    assert result.off == ["dz"] and result.errors["dz"] > at_least
    text = repr(result)
    assert text.startswith("your function (a lambda): wrong. 1 of 1 gradient is off.")
    size = re.escape(format(result.errors["dz"], ".1e"))
    assert re.search(rf"dz\s+{size}\s+OFF: largest gap at dz\[\d, \d\] "
                     r"\(z = -?[\d.]+, dout = -?[\d.]+ there\): expected -?[\d.]+, got -?[\d.]+", text)


def test_the_largest_gap_is_where_the_answer_differs_most(rng):
    z_seen = {}

    def off_at_one_place(z, dout):
        z_seen["z"] = z.copy()
        g = tanh_backward(z, dout)
        g[2, 3] += 0.5
        return g

    result = nl.check_backward(off_at_one_place, "tanh", rng=rng)
    assert "largest gap at dz[2, 3]" in result.worst["dz"]
    z = z_seen["z"][2, 3]
    assert f"(z = {round(float(z), 4) + 0.0:g}," in result.worst["dz"]


def test_a_not_implemented_stub_gets_a_helpful_message(rng):
    def sigmoid_backward(z, dout):
        # your code here
        raise NotImplementedError

    result = nl.check_backward(sigmoid_backward, "sigmoid", rng=rng)
    assert not result.passed and not result.errors
    text = repr(result)
    assert text.startswith("sigmoid_backward: not written yet.") and result.status == "not written yet"
    assert "is not written yet: it raised NotImplementedError" in text
    assert "Replace the `# YOUR CODE HERE` line with your answer, run the cell" in text


@pytest.mark.parametrize("answer, message", [
    (lambda z, dout: print(z, file=__import__("io").StringIO()),
     r"returned is None: end with `return` followed by the gradient, an array of shape \(4, 5\)"),
    (lambda z, dout: dout[:, :2], r"has shape \(4, 2\), expected \(4, 5\)"),
    (lambda z, dout: dout / 0 * z, r"has \d+ NaN or infinite value"),
    (lambda z, dout: "dz", r"is a str, expected a numeric array"),
    (lambda z, dout: dout * undefined_name, r"raised NameError: name 'undefined_name'"),  # noqa: F821
    (lambda z: z, r"raised TypeError: .*positional argument"),
])
def test_broken_answers_get_a_message_not_a_traceback(answer, message, rng):
    with np.errstate(all="ignore"):
        result = nl.check_backward(answer, "sigmoid", rng=rng)
    assert not result.passed
    assert re.search(message, repr(result)), repr(result)


def _stub_backward(z, dout):
    """dL/dz for a = sigmoid(z): the exercise as make student leaves it."""
    # YOUR CODE HERE


def test_a_stub_left_by_make_student_is_not_written_yet_not_wrong(rng):
    result = nl.check_backward(_stub_backward, "sigmoid", rng=rng)
    assert not result.passed and not result.errors
    assert "_stub_backward is not written yet: its body is still the stub" in repr(result)
    assert nl.gradcheck.is_stub(_stub_backward) and nl.gradcheck.is_stub(lambda: None)
    assert not nl.gradcheck.is_stub(lambda: "dz") and not nl.gradcheck.is_stub(lambda z, dout: dout)


@pytest.mark.parametrize("answer, hint", [
    (lambda z, dout: -dout * nl.activations.sigmoid_grad(z), "a sign error"),
    (lambda z, dout: 2 * dout * nl.activations.sigmoid_grad(z), "every entry is 2 times the right value"),
    (lambda z, dout: nl.activations.sigmoid_grad(z), "the local gradient alone: multiply it by the upstream"),
    (lambda z, dout: dout * nl.sigmoid(z), "the activation itself times dout: use its derivative"),
    (lambda z, dout: dout * nl.activations.sigmoid_grad(nl.sigmoid(z)), "evaluated at the output a = f(z)"),
])
def test_each_typical_wrong_backward_gets_its_own_message(answer, hint, rng):
    result = nl.check_backward(answer, "sigmoid", rng=rng)
    assert not result.passed and result.off == ["dz"]
    assert "dz: it looks like" in repr(result) and hint in repr(result), repr(result)


def test_a_blank_exercise_cell_gives_none(rng):
    result = nl.check_backward(None, "sigmoid", rng=rng)
    assert not result.passed
    assert "Run the exercise cell" in repr(result)


class RightDense(nl.Dense):
    def backward(self, dout):
        self.grads["W"] = self.X.T @ dout
        self.grads["b"] = dout.sum(axis=0)
        return dout @ self.params["W"].T


class MeanBiasDense(RightDense):
    def backward(self, dout):
        dX = super().backward(dout)
        self.grads["b"] = dout.mean(axis=0)  # mean instead of sum over the samples
        return dX


class UntransposedDense(RightDense):
    def backward(self, dout):
        super().backward(dout)
        return dout @ self.params["W"].T[::-1, ::-1]  # a scrambled input gradient


class ForgetfulDense(nl.Dense):
    def backward(self, dout):
        self.grads["W"] = self.X.T @ dout
        return dout @ self.params["W"].T


class StubDense(nl.Dense):
    def backward(self, dout):
        raise NotImplementedError


class StubLayer(nl.Layer):
    """A layer with nothing written: the base class raises NotImplementedError."""

    n_in = 3


def test_a_right_layer_passes(rng):
    result = nl.check_backward(RightDense(3, 2, rng=rng), rng=rng)
    assert result.passed and list(result.errors) == ["dX", "dW", "db"]
    assert nl.check_backward(nl.Activation("tanh"), rng=rng, X=rng.standard_normal((4, 3))).passed


def test_inputs_on_relus_kink_are_moved_off_it(rng):
    """At 0 central differences give relu slope 1/2, which no right answer returns."""
    X = np.array([[0.0, 1.0, -1.0], [2.0, 0.0, -0.5]])
    assert nl.check_backward(nl.Activation("relu"), rng=rng, X=X).passed


@pytest.mark.parametrize("layer_cls, name", [(MeanBiasDense, "db"), (UntransposedDense, "dX")])
def test_a_wrong_layer_names_the_gradient_that_is_off(layer_cls, name, rng):
    result = nl.check_backward(layer_cls(3, 2, rng=rng), rng=rng)
    assert not result.passed and result.off == [name]
    text = repr(result)
    assert f"{layer_cls.__name__}.backward: wrong. 1 of 3 gradients is off." in text
    size = re.escape(format(result.errors[name], ".1e"))
    assert re.search(rf"{name}\s+{size}\s+OFF: largest gap at {name}\[", text)
    assert result.errors[name] > 0.1


class TransposedWDense(RightDense):
    def backward(self, dout):
        dX = super().backward(dout)
        self.grads["W"] = dout.T @ self.X  # (n_out, n_in): the lecture's layout, not nnlab's
        return dX


class NegativeInputGradDense(RightDense):
    def backward(self, dout):
        return -super().backward(dout)


@pytest.mark.parametrize("layer_cls, message", [
    (MeanBiasDense, "db: it looks like the mean of dout over the samples: the bias is added to every row"),
    (NegativeInputGradDense, "dX: it looks like a sign error"),
    (TransposedWDense, r"dW, grads\['W'\], has shape \(2, 3\), expected \(3, 2\). It holds the right values, "
                       "transposed."),
])
def test_each_typical_wrong_layer_gets_its_own_message(layer_cls, message, rng):
    result = nl.check_backward(layer_cls(3, 2, rng=rng), rng=rng)
    assert not result.passed
    assert re.search(message, repr(result)), repr(result)


class EmptyDense(nl.Dense):
    def backward(self, dout):
        """dout = dL/dZ (N, n_out) -> dL/dX (N, n_in); fills grads["W"] and grads["b"]."""
        # YOUR CODE HERE


def test_a_layer_left_as_a_stub_is_not_written_yet(rng):
    result = nl.check_backward(EmptyDense(3, 2, rng=rng), rng=rng)
    assert not result.passed and not result.errors
    assert "EmptyDense.backward is not written yet: its body is still the stub" in repr(result)


def test_layer_problems_are_named(rng):
    forgetful = nl.check_backward(ForgetfulDense(3, 2, rng=rng), rng=rng)
    assert not forgetful.passed
    assert "db: backward did not set grads['b']" in repr(forgetful)
    stub = nl.check_backward(StubDense(3, 2, rng=rng), rng=rng)
    assert "StubDense.backward is not written yet: it raised NotImplementedError" in repr(stub)
    base = nl.check_backward(StubLayer(), rng=rng)
    assert "StubLayer.forward is not written yet" in repr(base)


def test_check_backward_argument_errors(rng):
    with pytest.raises(TypeError, match=r"student: expected an instance of RightDense, not the class"):
        nl.check_backward(RightDense, rng=rng)
    with pytest.raises(TypeError, match="forward: a backward function is checked against its forward pass"):
        nl.check_backward(sigmoid_backward, rng=rng)
    with pytest.raises(ValueError, match="forward: expected one of"):
        nl.check_backward(sigmoid_backward, "sigmoidal", rng=rng)
    with pytest.raises(TypeError, match="rng: expected a numpy Generator"):
        nl.check_backward(sigmoid_backward, "sigmoid", rng=0)
    with pytest.raises(TypeError, match="student: expected your backward function"):
        nl.check_backward(42, "sigmoid", rng=rng)
    with pytest.raises(ValueError, match="X: Activation has no n_in"):
        nl.check_backward(nl.Activation("relu"), rng=rng)
    with pytest.raises(ValueError, match="tol: expected a positive number"):
        nl.check_backward(sigmoid_backward, "sigmoid", rng=rng, tol=0)


def test_the_check_is_reproducible_from_the_seed():
    wrong = lambda z, dout: dout * nl.sigmoid(z)  # noqa: E731
    a = nl.check_backward(wrong, "sigmoid", rng=np.random.default_rng(3))
    b = nl.check_backward(wrong, "sigmoid", rng=np.random.default_rng(3))
    assert repr(a) == repr(b)


# --- patterns in gradient flow ----------------------------------------------------------------------
def test_the_four_patterns_numbers():
    add, copy, mul, mx = bp.flow_patterns()
    assert (add.outputs, add.downstream) == ((7.0,), (2.0, 2.0))          # distributes
    assert (copy.outputs, copy.downstream) == ((7.0, 7.0), (6.0,))        # adds: 4 + 2
    assert (mul.outputs, mul.downstream) == ((6.0,), (15.0, 10.0))        # swaps: 5 * 3, 5 * 2
    assert (mx.outputs, mx.downstream) == ((5.0,), (0.0, 9.0))            # routes to the larger input
    assert [p.rule for p in (add, copy, mul, mx)] == ["distributes", "adds", "swaps", "routes"]
    assert repr(mul).splitlines() == [
        "mul gate (swaps): x = 2, y = 3  ->  out = 6", "  upstream: dL/dout = 5",
        "  dL/dx = 5 * 3 = 15", "  dL/dy = 5 * 2 = 10"]
    assert repr(copy).splitlines()[-1] == "  dL/dx = 4 * 1 + 2 * 1 = 6"


GATES = {"add": lambda v: [v[0] + v[1]], "copy": lambda v: [v[0], v[0]], "mul": lambda v: [v[0] * v[1]],
         "max": lambda v: [max(v[0], v[1])]}


@pytest.mark.parametrize("gate", sorted(GATES))
def test_patterns_agree_with_finite_differences(gate, rng):
    n_in, n_out = (1, 2) if gate == "copy" else (2, 1)
    for _ in range(5):
        v, u = rng.standard_normal(n_in), rng.standard_normal(n_out)
        p = bp.flow_pattern(gate, v, u)
        np.testing.assert_allclose(p.outputs, GATES[gate](v))
        (numeric,) = central_differences(lambda w, u=u: float(np.dot(u, GATES[gate](w))), [v])
        np.testing.assert_allclose(p.downstream, numeric, atol=1e-8)


def test_flow_pattern_argument_errors():
    with pytest.raises(ValueError, match="gate: expected one of"):
        bp.flow_pattern("div", (1, 2), (1,))
    with pytest.raises(ValueError, match="inputs: the copy gate takes 1 number"):
        bp.flow_pattern("copy", (1, 2), (1, 1))
    with pytest.raises(ValueError, match="upstream: the mul gate has 1 output"):
        bp.flow_pattern("mul", (1, 2), (1, 1))


# --- forward versus reverse mode --------------------------------------------------------------------
@pytest.mark.parametrize("sizes", [[2, 3, 2, 1], [4, 1], [3, 5, 2], [1, 3, 4, 6], [5, 4, 3, 2, 1]])
def test_multiplication_counts_against_three_loop_products(sizes, rng):
    Js = [rng.standard_normal((n_out, n_in)) for n_in, n_out in zip(sizes[:-1], sizes[1:])]
    fwd, rev = [0], [0]
    acc = Js[0]
    for J in Js[1:]:
        acc = counting_matmul(J, acc, fwd)
    acc_r = Js[-1]
    for J in reversed(Js[:-1]):
        acc_r = counting_matmul(acc_r, J, rev)
    assert bp.chain_multiplications(sizes, "forward") == fwd[0]
    assert bp.chain_multiplications(sizes, "reverse") == rev[0]
    for mode, count in (("forward", fwd[0]), ("reverse", rev[0])):
        J, n = bp.multiply_chain(Js, mode)
        assert n == count
        np.testing.assert_allclose(J, acc, atol=1e-12)


def test_multiplication_counts_closed_form():
    """forward: n_0 * sum_{k>=2} n_k n_{k-1};  reverse: n_L * sum_{k<L} n_k n_{k-1}.

    [2, 3, 2, 1]: forward 2 (2*3 + 1*2) = 16, reverse 1 (3*2 + 2*3) = 12.
    [784, 100, 10, 1]: forward 784 (10*100 + 1*10) = 791,840; reverse 1 (100*784 + 10*100) = 79,400.
    """
    for sizes in ([2, 3, 2, 1], [784, 100, 10, 1], [1, 10, 100, 784], [1000, 100, 100, 100, 1]):
        pairs = [n_out * n_in for n_in, n_out in zip(sizes[:-1], sizes[1:])]
        assert bp.chain_multiplications(sizes, "forward") == sizes[0] * sum(pairs[1:])
        assert bp.chain_multiplications(sizes, "reverse") == sizes[-1] * sum(pairs[:-1])
    assert bp.chain_multiplications([2, 3, 2, 1], "forward") == 16
    assert bp.chain_multiplications([2, 3, 2, 1], "reverse") == 12
    assert bp.chain_multiplications([784, 100, 10, 1], "forward") == 791_840
    assert bp.chain_multiplications([784, 100, 10, 1], "reverse") == 79_400
    # one input and many outputs: the same chain backwards, and forward mode wins by the same factor
    assert bp.chain_multiplications([1, 10, 100, 784], "forward") == 79_400


def test_pass_multiplications_from_the_shapes_of_a_real_pass(rng):
    sizes, n = [4, 6, 3, 1], 5
    model = nl.MLP(sizes, "relu", rng=rng)
    X = rng.standard_normal((n, 4))
    out = model.forward(X)
    forward = sum(layer.X.shape[0] * layer.X.shape[1] * layer.params["W"].shape[1]
                  for layer in model.dense_layers)
    model.param_backward(np.ones_like(out))
    weight_grads = sum(layer.X.shape[1] * layer.X.shape[0] * layer.grads["W"].shape[1]
                       for layer in model.dense_layers)
    input_grads = sum(n * layer.n_out * layer.n_in for layer in model.dense_layers[1:])
    counts = bp.pass_multiplications(sizes, n)
    assert counts == {"forward": forward, "backward": weight_grads + input_grads,
                      "weight_gradients": weight_grads, "input_gradients": input_grads}
    assert bp.pass_multiplications([2, 3, 2, 1]) == {"forward": 14, "backward": 22, "weight_gradients": 14,
                                                      "input_gradients": 8}
    # the notebook's table: backward = forward + the input gradients of every layer but the first
    assert bp.pass_multiplications([784, 100, 10, 1])["forward"] == 784 * 100 + 100 * 10 + 10 == 79_410
    assert bp.pass_multiplications([784, 100, 10, 1])["backward"] == 79_410 + 100 * 10 + 10 == 80_420
    assert bp.pass_multiplications([1, 10, 100, 784])["backward"] == 79_410 + 10 * 100 + 100 * 784 == 158_810
    with pytest.raises(ValueError, match=r"sizes\[1\]: expected a positive integer"):
        bp.pass_multiplications([2, 0, 1])


def test_mode_argument_is_checked():
    with pytest.raises(ValueError, match="mode: expected 'forward' or 'reverse'"):
        bp.chain_multiplications([2, 1], "backward")
    with pytest.raises(ValueError, match=r"jacobians\[1\]: expected 3 columns"):
        bp.multiply_chain([np.ones((3, 2)), np.ones((1, 2))], "reverse")


# --- printing and drawing ----------------------------------------------------------------------------
def test_show_prints_name_shape_and_rounded_values(capsys):
    bp.show(q1=np.array([[1.0, 0.3, -0.7]]), L=0.390625, tiny=np.array([-1e-9, 2.0]))
    assert capsys.readouterr().out.splitlines() == [
        "q1    shape (1, 3)   [[1, 0.3, -0.7]]",
        "L     shape ()       0.390625",
        "tiny  shape (2,)     [0, 2]",
    ]


def test_graph_shows_forward_values_and_gradients():
    model, x, y = bp.example_network()
    fig, ax = plt.subplots(figsize=(16, 7))
    nl.plots.backprop.plot_graph(ax, bp.trace(model, x, y))
    texts = "\n".join(t.get_text() for t in ax.texts)
    for needle in ("q₁\n1\n0.3\n-0.7", "u₁\n1.875\n0.9375\n0", "z\n1.625", "L\n0.390625",
                   "dW1 =\n[1.875, 0.9375, 0]\n[3.75, 1.875, 0]", "∂L/∂x\n0.1875\n0.75", "y = 1"):
        assert needle in texts, needle
    plt.close(fig)
    with pytest.raises(TypeError, match="tr: expected a BackpropTrace"):
        nl.plots.backprop.plot_graph(ax, {})


def test_flow_pattern_figure_shows_the_numbers():
    fig, ax = plt.subplots()
    nl.plots.backprop.plot_flow_pattern(ax, bp.flow_pattern("mul", (2, 3), (5,)))
    texts = [t.get_text() for t in ax.texts]
    assert {"x = 2", "y = 3", "out = 6", "15", "10", "5"} <= set(texts)
    plt.close(fig)


# --- exercise 3 of the notebook ---------------------------------------------------------------------
@pytest.mark.parametrize("answer, status, message", [
    (8840, "right", "8,840 in all"),
    (None, "not written yet", "`reverse_784_10_100_1` is still None"),
    (862_400, "wrong", "That is forward mode's count"),
    (784_000, "wrong", "That multiplies every width together"),
    (7840, "wrong", "That is one of reverse mode's two products"),
    (1000, "wrong", "That is one of reverse mode's two products"),
    (9000, "wrong", "Yours is 1.018 times the answer"),
])
def test_exercise_3_reverse_mode_count(answer, status, message):
    verdict = nl.exercises.backprop.check_reverse_count(answer)
    assert verdict.status == status and message in repr(verdict), repr(verdict)
    # the count the check expects, by hand: (1 x 100)(100 x 10), then (1 x 10)(10 x 784)
    assert nl.backprop.chain_multiplications([784, 10, 100, 1], "reverse") == 1 * 100 * 10 + 1 * 10 * 784


def test_a_product_of_misaligned_shapes_is_explained(rng):
    """The typical slip of exercise 2: dX = dout W (not W^T) raises in numpy; the check says which shapes fit."""

    class NoTranspose(nl.Dense):
        def backward(self, dout):
            self.grads["W"] = self.X.T @ dout
            self.grads["b"] = dout.sum(axis=0)
            return dout @ self.params["W"]

    text = repr(nl.check_backward(NoTranspose(3, 2, rng=rng), rng=rng))
    assert "raised ValueError: matmul" in text
    assert "dX = dout W^T, which has the shape of X, (4, 3) (N, n_in)" in text


def test_every_check_returns_one_kind_of_verdict_with_a_score(rng):
    """GradientCheck is a Verdict: the same status words and a score a grader can read (partial credit: the share
    of the gradients that are right)."""
    from nnlab.verdict import NOT_WRITTEN, RIGHT, WRONG, Verdict

    right = nl.check_backward(RightDense(3, 2, rng=rng), rng=rng)
    half = nl.check_backward(MeanBiasDense(3, 2, rng=rng), rng=rng)
    stub = nl.check_backward(StubDense(3, 2, rng=rng), rng=rng)
    assert all(isinstance(r, Verdict) for r in (right, half, stub))
    assert (right.status, right.score) == (RIGHT, 1.0)
    assert (half.status, half.score) == (WRONG, pytest.approx(2 / 3))  # dX and dW right, db off
    assert (stub.status, stub.score) == (NOT_WRITTEN, 0.0)
    assert nl.exercises.check_number(None, 1.0, exercise="e", name="x", why="").status == NOT_WRITTEN
    assert nl.check_model(nl.MLP([2, 3, 1], "tanh", rng=rng), rng.standard_normal((4, 2)),
                          rng.standard_normal(4), "mse").status == RIGHT
