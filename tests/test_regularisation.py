"""The regularisers: dropout (a layer with training and evaluation modes), weight decay in the optimisers,
and the L1/L2 penalties; each against finite differences, and against PyTorch's own numbers when it is
installed (the same mask and the same gradients; the same optimiser steps to 1e-12 in float64)."""

import numpy as np
import pytest

import nnlab as nl
from nnlab.gradcheck import numerical_gradient
from nnlab.normalization import set_training


# --- dropout ---------------------------------------------------------------------------------------
def test_dropout_keeps_with_probability_1_minus_p_and_scales_the_kept():
    layer = nl.Dropout(0.25, rng=np.random.default_rng(0))
    X = np.ones((400, 500))
    out = layer.forward(X)
    kept = out != 0
    assert kept.mean() == pytest.approx(0.75, abs=0.005)    # 200,000 draws: within 0.005 of 1 - p
    np.testing.assert_array_equal(out[kept], 1 / 0.75)      # inverted dropout: the kept values scaled up
    assert out.mean() == pytest.approx(1.0, abs=0.01)        # the expected value is unchanged
    np.testing.assert_array_equal(layer.backward(np.ones_like(X)), layer.mask)


def test_dropout_is_the_identity_in_evaluation():
    layer = nl.Dropout(0.5, rng=np.random.default_rng(0))
    model = nl.Sequential(nl.Dense(3, 4, rng=np.random.default_rng(1)), layer)
    X = np.random.default_rng(2).standard_normal((6, 3))
    set_training(model, False)
    np.testing.assert_array_equal(model.forward(X), model[0].forward(X))
    np.testing.assert_array_equal(layer.backward(np.full((6, 4), 3.0)), np.full((6, 4), 3.0))
    assert repr(layer) == "Dropout(p=0.5, eval)"
    set_training(model, True)
    assert not np.array_equal(model.forward(X), model[0].forward(X))


def test_dropout_masks_come_from_the_rng():
    a, b = (nl.Dropout(0.5, rng=np.random.default_rng(7)) for _ in range(2))
    X = np.ones((5, 8))
    first = a.forward(X)
    np.testing.assert_array_equal(first, b.forward(X))      # the same seed, the same mask
    assert not np.array_equal(first, a.forward(X))          # a new mask at every forward


def test_dropout_backward_against_central_differences_with_the_mask_fixed():
    rng = np.random.default_rng(3)
    layer = nl.Dropout(0.4, rng=rng)
    X = rng.standard_normal((4, 6))
    out = layer.forward(X)
    mask = layer.mask.copy()
    dout = rng.standard_normal(out.shape)
    Xn = X.copy()
    numeric = numerical_gradient(lambda: float(np.sum(Xn * mask * dout)), Xn)  # the same mask for every nudge
    assert nl.rel_error(layer.backward(dout), numeric) < 1e-9


def test_a_network_with_dropout_trains_and_evaluates_without_it():
    X, y = nl.data.circles(200, rng=np.random.default_rng(0))
    rng = np.random.default_rng(1)
    model = nl.Sequential(nl.Dense(2, 32, rng=rng, init="he_normal"), nl.Activation("relu"),
                          nl.Dropout(0.3, rng=rng), nl.Dense(32, 1, rng=rng))
    hist = nl.fit(model, X, y, loss="bce", optimizer=nl.Adam(0.02), epochs=60, batch_size=32, rng=rng)
    assert hist.accuracy[-1] > 0.9
    loss, acc = nl.evaluate(model, X, y, "bce")
    assert acc > 0.95 and model[2].training  # evaluated without dropout, then put back in training mode
    assert nl.evaluate(model, X, y, "bce") == (loss, acc)  # deterministic in evaluation


@pytest.mark.parametrize("p", [-0.1, 1.0, 1.5, True, "0.5"])
def test_dropout_refuses_a_probability_outside_0_1(p):
    with pytest.raises(ValueError, match=r"p: expected a dropout probability in \[0, 1\)"):
        nl.Dropout(p, rng=np.random.default_rng(0))


def test_dropout_backward_before_any_data_says_what_to_do():
    with pytest.raises(RuntimeError, match="no mask yet; the mask is drawn in forward"):
        nl.Dropout(0.5, rng=np.random.default_rng(0)).backward(np.ones((2, 3)))
    with pytest.raises(TypeError, match="rng"):
        nl.Dropout(0.5, rng=0)


def test_dropout_agrees_with_pytorch_same_mask_same_gradients():
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    X = torch.randn(50, 40, dtype=torch.float64, requires_grad=True)
    p = 0.3
    out_t = torch.nn.functional.dropout(X, p=p, training=True)
    kept = (out_t != 0).detach().numpy()
    dout = np.random.default_rng(0).standard_normal((50, 40))
    out_t.backward(torch.from_numpy(dout))

    class Given:  # an rng whose uniform draws reproduce torch's mask: kept <=> u >= p
        def random(self, shape):
            return np.where(kept, 0.9, 0.1).reshape(shape)

    layer = nl.Dropout(p, rng=np.random.default_rng(0))
    layer.rng = Given()
    out = layer.forward(X.detach().numpy())
    np.testing.assert_allclose(out, out_t.detach().numpy(), rtol=1e-15)            # the same scaling
    np.testing.assert_allclose(layer.backward(dout), X.grad.numpy(), rtol=1e-15)  # the same gradients


# --- weight decay ----------------------------------------------------------------------------------
def _model(seed=0):
    rng = np.random.default_rng(seed)
    return nl.MLP([3, 5, 4, 2], "tanh", rng=rng)


def _torch_copy(torch, model):
    return [torch.tensor(p.copy(), requires_grad=True) for _, p in model.named_params()]


def _steps(torch, opt_nnlab, make_torch_opt, n=6):
    """Run n steps of an nnlab optimiser and the PyTorch one on the same parameters and gradients."""
    model = _model()
    params_t = _torch_copy(torch, model)
    opt_t = make_torch_opt(params_t)
    grads = np.random.default_rng(1)
    for _ in range(n):
        for (layer, key), pt in zip(model.param_slots(), params_t):
            g = grads.standard_normal(layer.params[key].shape)
            layer.grads[key] = g
            pt.grad = torch.tensor(g.copy())
        opt_nnlab.step(model)
        opt_t.step()
        for (_, p), pt in zip(model.named_params(), params_t):
            np.testing.assert_allclose(p, pt.detach().numpy(), rtol=0, atol=1e-12)
    return model


def _weights_only(torch, params_t, model, **kwargs):
    """PyTorch's parameter groups: weight decay on the W's, none on the biases (nnlab's default)."""
    names = [name for name, _ in model.named_params()]
    return [{"params": [p for n, p in zip(names, params_t) if n.endswith(".W")], **kwargs},
            {"params": [p for n, p in zip(names, params_t) if not n.endswith(".W")],
             **{**kwargs, "weight_decay": 0.0}}]


@pytest.mark.parametrize("momentum", [0.0, 0.9])
def test_sgd_with_weight_decay_takes_pytorchs_steps(momentum):
    torch = pytest.importorskip("torch")
    model = _model()
    _steps(torch, nl.SGD(0.05, momentum=momentum, weight_decay=0.1),
           lambda ps: torch.optim.SGD(_weights_only(torch, ps, model, lr=0.05, momentum=momentum, weight_decay=0.1)))
    _steps(torch, nl.SGD(0.05, momentum=momentum, weight_decay=0.1, decay_biases=True),
           lambda ps: torch.optim.SGD(ps, lr=0.05, momentum=momentum, weight_decay=0.1))


@pytest.mark.parametrize("decoupled", [False, True])
@pytest.mark.parametrize("weight_decay", [0.0, 0.05])
def test_adam_and_adamw_take_pytorchs_steps(decoupled, weight_decay):
    torch = pytest.importorskip("torch")
    model = _model()
    cls = torch.optim.AdamW if decoupled else torch.optim.Adam
    _steps(torch, nl.Adam(0.01, weight_decay=weight_decay, decoupled=decoupled),
           lambda ps: cls(_weights_only(torch, ps, model, lr=0.01, weight_decay=weight_decay)), n=8)
    # PyTorch's default decays every parameter it is given, the biases too: nnlab's decay_biases=True (notebook 07)
    _steps(torch, nl.Adam(0.01, weight_decay=weight_decay, decoupled=decoupled, decay_biases=True),
           lambda ps: cls(ps, lr=0.01, weight_decay=weight_decay), n=8)


def test_pytorchs_default_adam_decays_the_biases_and_nnlab_does_not():
    """Notebook 07: torch.optim.Adam(params, weight_decay=...) decays the biases too; nnlab's Adam, by default,
    the weights W only. One step from zero gradients tells them apart on the biases alone."""
    torch = pytest.importorskip("torch")
    model = _model()
    for layer in model.dense_layers:
        layer.params["b"][...] = 1.0
    params_t = _torch_copy(torch, model)
    for (layer, key), pt in zip(model.param_slots(), params_t):
        layer.grads[key] = np.zeros_like(layer.params[key])
        pt.grad = torch.zeros_like(pt)
    nl.Adam(0.01, weight_decay=0.1).step(model)
    torch.optim.Adam(params_t, lr=0.01, weight_decay=0.1).step()
    for (name, p), pt in zip(model.named_params(), params_t):
        if name.endswith(".b"):
            assert np.all(p == 1.0) and np.all(pt.detach().numpy() < 1.0)  # PyTorch moved them, nnlab did not


def test_sgd_weight_decay_is_gradient_descent_on_the_l2_penalty():
    """Without PyTorch: one SGD step with weight_decay = 2 lambda equals a step on loss + lambda ||W||^2."""
    X, y = np.random.default_rng(0).standard_normal((8, 3)), np.random.default_rng(1).standard_normal((8, 2))
    a, b = _model(), _model()
    for m in (a, b):
        _, dout = nl.mse(m.forward(X), y)
        m.backward(dout)
    nl.SGD(0.1, weight_decay=2 * 0.3).step(a)
    _, penalty = nl.losses.weight_penalty(b, 0.3)
    for layer, key in b.param_slots():
        name = next(n for n, p in b.named_params() if p is layer.params[key])
        layer.grads[key] = layer.grads[key] + penalty.get(name, 0)
    nl.SGD(0.1).step(b)
    np.testing.assert_allclose(a.get_params_vector(), b.get_params_vector(), rtol=1e-14)


def test_adamw_decays_the_weights_and_leaves_the_biases():
    model = _model()
    for layer, key in model.param_slots():
        layer.grads[key] = np.zeros_like(layer.params[key])
    before = {n: p.copy() for n, p in model.named_params()}
    nl.Adam(0.1, weight_decay=0.5, decoupled=True).step(model)  # zero gradients: only the decay acts
    for n, p in model.named_params():
        np.testing.assert_allclose(p, before[n] * (0.95 if n.endswith(".W") else 1.0), rtol=1e-15)


@pytest.mark.parametrize("make", [lambda: nl.SGD(0.1, weight_decay=-1e-3), lambda: nl.Adam(weight_decay=-0.1),
                                  lambda: nl.SGD(0.1, weight_decay=float("nan"))])
def test_a_negative_weight_decay_is_refused(make):
    with pytest.raises(ValueError, match="weight_decay: expected a number >= 0"):
        make()


# --- penalties -------------------------------------------------------------------------------------
@pytest.mark.parametrize("norm", ["l2", "l1"])
def test_the_penalties_against_central_differences(norm):
    model = _model(3)
    value, grads = nl.losses.weight_penalty(model, 0.2, norm)
    Ws = [p for n, p in model.named_params() if n.endswith(".W")]
    expected = 0.2 * sum(float((W**2).sum()) if norm == "l2" else float(np.abs(W).sum()) for W in Ws)
    assert value == pytest.approx(expected, rel=1e-14)
    assert sorted(grads) == [n for n, _ in model.named_params() if n.endswith(".W")]  # no bias
    for name, p in model.named_params():
        if name in grads:
            numeric = numerical_gradient(lambda: nl.losses.weight_penalty(model, 0.2, norm)[0], p)
            assert nl.rel_error(grads[name], numeric) < 1e-8


def test_the_penalties_refuse_bad_arguments():
    with pytest.raises(ValueError, match="lam: expected a number >= 0"):
        nl.losses.weight_penalty(_model(), -1.0)
    with pytest.raises(ValueError, match=r"norm: expected one of \['l1', 'l2'\], got 'l3'"):
        nl.losses.weight_penalty(_model(), 1.0, "l3")


def test_a_validation_set_of_the_wrong_width_is_named():
    model = _model()
    with pytest.raises(ValueError, match=r"validation_data\[0\]: expected shape \(N, 3\)"):
        nl.fit(model, np.zeros((4, 3)), np.zeros((4, 2)), loss="mse", rng=np.random.default_rng(0),
               validation_data=(np.zeros((2, 4)), np.zeros((2, 2))))
