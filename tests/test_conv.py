"""The convolution layer and its neighbours (nnlab.conv): against PyTorch, scipy, a plain loop and central differences;
the lecture's output sizes and parameter counts; the errors for input that does not fit."""

import numpy as np
import pytest
from scipy.signal import correlate

import nnlab as nl
from nnlab.conv import (
    Conv2D,
    Flatten,
    Maxout,
    MaxPool2D,
    Unflatten,
    conv_output_size,
    conv_params,
    output_size_fraction,
    why_not_fit,
)

# (N, C, H, W, K, F, stride, padding): square and not, stride 1 to 3, padding 0 to 2, 1x1 and 5x5 filters,
# a filter as large as the padded input (one position)
CASES = [(2, 3, 7, 7, 4, 3, 1, 0), (2, 3, 7, 7, 4, 3, 2, 0), (2, 1, 7, 7, 2, 3, 1, 1), (3, 2, 9, 5, 3, 3, 2, 1),
         (1, 2, 6, 6, 5, 1, 1, 0), (2, 2, 10, 10, 3, 5, 3, 2), (2, 3, 5, 5, 2, 5, 1, 0), (2, 2, 3, 3, 2, 7, 1, 2)]
IDS = ["N{}C{}H{}W{}K{}F{}S{}P{}".format(*case) for case in CASES]


def _layer_and_input(case, seed=0):
    n, c, h, w, k, f, s, p = case
    rng = np.random.default_rng(seed)
    layer = Conv2D(c, k, f, stride=s, padding=p, rng=rng)
    layer.params["b"][...] = rng.standard_normal(k)
    return layer, rng.standard_normal((n, c, h, w)), rng


def _loop_reference(X, W, b, s, p):
    """The definition, one output position at a time."""
    Xp = np.pad(X, ((0, 0), (0, 0), (p, p), (p, p)))
    k, _, f, _ = W.shape
    ho, wo = (Xp.shape[2] - f) // s + 1, (Xp.shape[3] - f) // s + 1
    out = np.empty((len(X), k, ho, wo))
    for i in range(ho):
        for j in range(wo):
            patch = Xp[:, :, s * i:s * i + f, s * j:s * j + f]
            out[:, :, i, j] = np.tensordot(patch, W, axes=([1, 2, 3], [1, 2, 3])) + b
    return out


# --- values -------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_forward_equals_scipy_correlate_and_the_definition(case):
    """The lecture's sliding dot product: scipy.signal.correlate of each padded channel with the filter, summed over
    the channels (the filter extends the full depth), taken at every S-th position; and a plain loop."""
    layer, X, _ = _layer_and_input(case)
    s, p = case[6], case[7]
    out = layer.forward(X)
    W, b = layer.params["W"], layer.params["b"]
    Xp = np.pad(X, ((0, 0), (0, 0), (p, p), (p, p)))
    expected = np.array([[sum(correlate(Xp[n, c], W[k, c], mode="valid") for c in range(X.shape[1]))[::s, ::s] + b[k]
                          for k in range(len(W))] for n in range(len(X))])
    assert out.shape == expected.shape == layer.output_shape(X.shape)
    np.testing.assert_allclose(out, expected, rtol=0, atol=1e-12)
    np.testing.assert_allclose(out, _loop_reference(X, W, b, s, p), rtol=0, atol=1e-12)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_forward_and_backward_agree_with_pytorch_to_1e_10(case):
    torch = pytest.importorskip("torch", reason="PyTorch is not installed (pip install torch, the CPU build): the "
                                                "comparison with its conv2d and autograd is skipped")
    layer, X, rng = _layer_and_input(case)
    s, p = case[6], case[7]
    out = layer.forward(X)
    dout = rng.standard_normal(out.shape)
    dX = layer.backward(dout)
    tX, tW, tb = (torch.tensor(a, dtype=torch.float64, requires_grad=True) for a in (X, layer.params["W"],
                                                                                    layer.params["b"]))
    t_out = torch.nn.functional.conv2d(tX, tW, tb, stride=s, padding=p)
    t_out.backward(torch.tensor(dout))
    for ours, theirs in [(out, t_out.detach()), (dX, tX.grad), (layer.grads["W"], tW.grad),
                         (layer.grads["b"], tb.grad)]:
        np.testing.assert_allclose(ours, theirs.numpy(), rtol=0, atol=1e-10)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_gradients_match_central_differences(case):
    layer, X, rng = _layer_and_input(case, seed=1)
    check = nl.check_layer(layer, X, rng=rng)
    assert set(check.errors) == {"dX", "dW", "db"}
    assert check.passed and check.largest < 1e-8, check


def test_a_wrong_backward_is_caught():
    """The check is not a rubber stamp: a filter gradient taken from the flipped filter's point of view (true
    convolution instead of the correlation the forward pass computes) fails it."""

    class Flipped(Conv2D):
        def backward(self, dout):
            dX = super().backward(dout)
            self.grads["W"] = self.grads["W"][:, :, ::-1, ::-1].copy()
            return dX

    rng = np.random.default_rng(0)
    layer = Flipped(2, 3, 3, rng=rng)
    check = nl.check_layer(layer, rng.standard_normal((2, 2, 6, 6)), rng=rng)
    assert check.errors["dW"] > 1e-2 and check.errors["dX"] < 1e-8 and not check.passed


def test_float32_layer_computes_in_float32():
    rng = np.random.default_rng(0)
    layer = Conv2D(1, 4, 3, padding=1, rng=rng, dtype=np.float32)
    X = rng.standard_normal((3, 1, 6, 6)).astype(np.float32)
    out = layer.forward(X)
    dX = layer.backward(np.ones_like(out))
    assert out.dtype == dX.dtype == layer.grads["W"].dtype == np.float32
    reference = Conv2D(1, 4, 3, padding=1, W=layer.params["W"].astype(np.float64))
    np.testing.assert_allclose(out, reference.forward(X.astype(np.float64)), rtol=1e-5, atol=1e-5)


# --- the lecture's numbers ----------------------------------------------------------------------------------------
def test_the_lectures_output_sizes():
    """7x7 input, 3x3 filter: stride 1 gives 5, stride 2 gives 3, stride 3 gives 2.33 and is refused; with padding 1
    the output is 7 x 7; "same" padding (F - 1) / 2 keeps the size for F = 3, 5, 7."""
    assert conv_output_size(7, 3, 1) == 5
    assert conv_output_size(7, 3, 2) == 3
    assert output_size_fraction(7, 3, 3) == pytest.approx(7 / 3) and f"{output_size_fraction(7, 3, 3):.2f}" == "2.33"
    with pytest.raises(ValueError, match=r"stride: .*\(7 \+ 2 x 0 - 3\)/3 \+ 1 = 2\.33 is not a whole number"):
        conv_output_size(7, 3, 3)
    assert conv_output_size(7, 3, 1, padding=1) == 7
    for f in (3, 5, 7):
        assert conv_output_size(32, f, 1, padding=(f - 1) // 2) == 32
    rng = np.random.default_rng(0)
    for stride, side in ((1, 5), (2, 3)):
        assert Conv2D(1, 1, 3, stride=stride, rng=rng).forward(np.ones((1, 1, 7, 7))).shape == (1, 1, side, side)
    assert Conv2D(1, 1, 3, padding=1, rng=rng).forward(np.ones((1, 1, 7, 7))).shape == (1, 1, 7, 7)


def test_the_760_parameter_layer():
    """32x32x3 input, ten 5x5 filters with stride 1 and pad 2: each filter 5*5*3 + 1 = 76, the layer 760; the same
    count from nnlab's layer, from PyTorch's Conv2d where installed, and the output stays 32 x 32."""
    assert conv_params(3, 1, 5) == 76 and conv_params(3, 10, 5) == 760
    layer = Conv2D(3, 10, 5, padding=2, rng=np.random.default_rng(0))
    assert layer.n_params == 760
    assert layer.output_shape((1, 3, 32, 32)) == (1, 10, 32, 32)
    assert conv_params(3, 10, 5, bias=False) == 750
    try:
        import torch
    except ImportError:
        return
    assert sum(p.numel() for p in torch.nn.Conv2d(3, 10, 5, padding=2).parameters()) == 760


def test_pytorch_drops_the_positions_that_do_not_fit_where_nnlab_refuses():
    """What notebook 09 says of the lecture's stride 3: PyTorch floors (7 - 3)/3 + 1 = 2.33 to a 2 x 2 output,
    silently leaving out the last column and row; nnlab refuses."""
    torch = pytest.importorskip("torch", reason="PyTorch is not installed: the comparison with its conv2d is skipped")
    out = torch.nn.functional.conv2d(torch.ones(1, 1, 7, 7), torch.ones(1, 1, 3, 3), stride=3)
    assert tuple(out.shape) == (1, 1, 2, 2)
    with pytest.raises(ValueError, match=r"2\.33"):
        Conv2D(1, 1, 3, stride=3, W=np.ones((1, 1, 3, 3))).forward(np.ones((1, 1, 7, 7)))


# --- bad input ----------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("make, X, match", [
    (lambda r: Conv2D(1, 2, 3, stride=3, rng=r), np.ones((1, 1, 7, 7)), r"stride: .*2\.33 .*the input is 7 x 7"),
    (lambda r: Conv2D(1, 2, 5, rng=r), np.ones((1, 1, 3, 3)),
     r"kernel_size: a 5-wide filter is larger than the padded input, 3 \+ 2 x 0 = 3"),
    (lambda r: Conv2D(1, 2, 9, padding=1, rng=r), np.ones((1, 1, 6, 6)),
     r"larger than the padded input, 6 \+ 2 x 1 = 8"),
    (lambda r: Conv2D(3, 2, 3, rng=r), np.ones((1, 1, 7, 7)),
     r"X: expected images of shape \(N, 3, H, W\).*\(1, 1, 7, 7\)"),
    (lambda r: Conv2D(1, 2, 3, rng=r), np.ones((7, 7)), r"X: expected images of shape \(N, 1, H, W\).*\(7, 7\)"),
    (lambda r: MaxPool2D(2), np.ones((1, 1, 5, 4)), r"X: .*multiples of size=2, got shape \(1, 1, 5, 4\)"),
    (lambda r: Unflatten((1, 8, 8)), np.ones((3, 63)), r"X: expected rows of 64 = 1 x 8 x 8 values.*\(3, 63\)"),
    (lambda r: Maxout(4, 2, rng=r), np.ones((3, 5)), r"X: expected shape \(N, 4\), got shape \(3, 5\)"),
], ids=["stride", "filter", "filter-padded", "channels", "ndim", "pool", "unflatten", "maxout"])
def test_input_that_does_not_fit_is_refused_naming_the_sizes(make, X, match):
    with pytest.raises(ValueError, match=match):
        make(np.random.default_rng(0)).forward(X)


@pytest.mark.parametrize("kwargs, match", [
    (dict(stride=0), "stride: expected a positive integer"), (dict(padding=-1), "padding: expected a whole number"),
    (dict(padding=1.5), "padding"), (dict(kernel_size=0), "kernel_size: expected a positive integer"),
    (dict(W=np.ones((2, 1, 2, 2))), r"W: expected shape \(2, 1, 3, 3\)"), (dict(b=np.ones(3)), r"b: expected shape"),
])
def test_bad_arguments_are_refused_by_name(kwargs, match):
    args = dict(in_channels=1, out_channels=2, kernel_size=3, rng=np.random.default_rng(0)) | kwargs
    with pytest.raises(ValueError, match=match):
        Conv2D(**args)


def test_a_gradient_of_the_wrong_shape_is_refused():
    layer = Conv2D(1, 2, 3, rng=np.random.default_rng(0))
    layer.forward(np.ones((3, 1, 7, 7)))
    with pytest.raises(ValueError, match=r"dout: expected the shape of the last forward's output, \(3, 2, 5, 5\)"):
        layer.backward(np.ones((3, 2, 7, 7)))


def test_why_not_fit_and_backward_before_forward():
    assert why_not_fit(7, 3, 1) is None and why_not_fit(7, 3, 3).startswith("(N + 2P - F)/S + 1 = (7 + 2 x 0 - 3)/3")
    assert "larger than the padded input" in why_not_fit(3, 5, 1, 0)
    for layer in (Conv2D(1, 1, 3, rng=np.random.default_rng(0)), MaxPool2D(2), Flatten(),
                  Maxout(2, 2, rng=np.random.default_rng(0))):
        with pytest.raises(RuntimeError, match="backward called before forward"):
            layer.backward(np.ones((1, 1, 1, 1)))


# --- pooling, maxout, flatten -------------------------------------------------------------------------------------
def test_max_pooling_agrees_with_pytorch_and_routes_the_gradient_to_the_largest_entry():
    rng = np.random.default_rng(0)
    pool = MaxPool2D(2)
    X = rng.standard_normal((2, 3, 4, 6))
    out = pool.forward(X)
    assert out.shape == (2, 3, 2, 3)
    np.testing.assert_array_equal(out, X.reshape(2, 3, 2, 2, 3, 2).max(axis=(3, 5)))
    dout = rng.standard_normal(out.shape)
    dX = pool.backward(dout)
    assert np.count_nonzero(dX) == dout.size and np.isclose(dX.sum(), dout.sum())
    assert nl.check_layer(pool, X, rng=rng).largest < 1e-8
    torch = pytest.importorskip("torch", reason="PyTorch is not installed: the comparison with max_pool2d is skipped")
    tX = torch.tensor(X, requires_grad=True)
    t_out = torch.nn.functional.max_pool2d(tX, 2)
    t_out.backward(torch.tensor(dout))
    np.testing.assert_array_equal(out, t_out.detach().numpy())
    np.testing.assert_array_equal(dX, tX.grad.numpy())


def test_maxout_is_the_lectures_max_of_two_linear_pieces_and_its_gradient_routes():
    """max(w1^T x + b1, w2^T x + b2); with the second piece 0 it is a ReLU unit, with (w, 0.1 w) a leaky ReLU;
    its backward sends the gradient to the winning piece only (the max gate)."""
    rng = np.random.default_rng(0)
    X = rng.standard_normal((6, 4))
    W, b = rng.standard_normal((4, 3, 2)), rng.standard_normal((3, 2))
    layer = Maxout(4, 3, 2, W=W, b=b)
    np.testing.assert_allclose(layer.forward(X), np.maximum(X @ W[:, :, 0] + b[:, 0], X @ W[:, :, 1] + b[:, 1]))
    relu_like = Maxout(4, 3, 2, W=np.stack([W[:, :, 0], np.zeros((4, 3))], axis=-1),
                       b=np.stack([b[:, 0], np.zeros(3)], axis=-1))
    np.testing.assert_allclose(relu_like.forward(X), nl.relu(X @ W[:, :, 0] + b[:, 0]))
    leaky = Maxout(4, 3, 2, W=np.stack([W[:, :, 0], 0.1 * W[:, :, 0]], axis=-1), b=np.zeros((3, 2)))
    np.testing.assert_allclose(leaky.forward(X), nl.leaky_relu(X @ W[:, :, 0], slope=0.1))
    check = nl.check_layer(layer, X, rng=rng)
    assert set(check.errors) == {"dX", "dW", "db"} and check.largest < 1e-8, check
    layer.forward(X)
    layer.backward(np.ones((6, 3)))
    winners = (np.tensordot(X, W, axes=1) + b).argmax(axis=-1)  # (N, n_out): which piece each unit used
    np.testing.assert_array_equal(layer.grads["b"], np.eye(2)[winners].sum(axis=0))  # 1 per use, 0 for the loser


def test_flatten_and_unflatten_are_inverse_reshapes():
    X = np.arange(2 * 64.0).reshape(2, 64)
    images = Unflatten((1, 8, 8)).forward(X)
    assert images.shape == (2, 1, 8, 8) and Unflatten((1, 8, 8)).n_in == 64
    flat = Flatten()
    np.testing.assert_array_equal(flat.forward(images), X)
    assert flat.backward(X).shape == (2, 1, 8, 8)


# --- a whole network ----------------------------------------------------------------------------------------------
def _small_convnet(rng, dtype=np.float64):
    return nl.Sequential(Unflatten((1, 6, 6)), Conv2D(1, 3, 3, padding=1, rng=rng, dtype=dtype),
                         nl.Activation("relu"), MaxPool2D(2), Flatten(), nl.Dense(27, 4, rng=rng, dtype=dtype))


def test_a_convolutional_network_passes_check_model_with_softmax_cross_entropy():
    rng = np.random.default_rng(3)
    model = _small_convnet(rng)
    for layer in model:
        if "b" in layer.params:
            layer.params["b"][...] = rng.uniform(0.1, 0.5, layer.params["b"].shape)  # clear of ReLU's kink
    X, y = rng.standard_normal((5, 36)), rng.integers(0, 4, 5)
    check = nl.check_model(model, X, y, "softmax_ce")
    assert set(check.errors) == {"1.W", "1.b", "5.W", "5.b"} and check.largest < 1e-7, check
    assert model.n_params == 3 * 10 + 27 * 4 + 4 and "Conv2D(1 -> 3, 3x3, padding=1)" in repr(model)


def test_fit_trains_a_convolutional_network_on_integer_labels():
    """fit(loss="softmax_ce") with a network that starts with Unflatten: rows in, ten... here four classes out."""
    rng = np.random.default_rng(0)
    X = rng.standard_normal((64, 36)).astype(np.float32)
    y = (X.reshape(64, 6, 6)[:, :3].sum(axis=(1, 2)) > 0).astype(int) + 2 * (X[:, 0] > 0)
    model = _small_convnet(rng, dtype=np.float32)
    history = nl.fit(model, X, y, loss="softmax_ce", optimizer=nl.Adam(0.02), epochs=30, batch_size=16, rng=rng)
    assert history.loss[-1] < 0.5 * history.loss[0] and history.accuracy[-1] > 0.8
    loss, acc = nl.evaluate(model, X, y, "softmax_ce")
    assert model(X).dtype == np.float32 and acc > 0.8 and loss < history.loss[0]
