"""Optimisers (SGD with momentum, Adam), gradient clipping, and the one training loop, ``fit``."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from ._validate import check_array, check_positive, check_positive_int, check_rng
from .layers import Layer, Sequential
from .losses import KERNELS, count_correct, get_loss, prepare_targets


def grad_norm(model: Sequential) -> float:
    """Euclidean norm of all gradients of ``model`` together."""
    return math.sqrt(sum(float(np.vdot(g, g)) for _, g in model.named_grads()))


def clip_grad_norm(model: Sequential, max_norm: float) -> float:
    """Rescale all gradients in place so that their joint norm is at most ``max_norm``.

    Returns the norm before clipping (as ``torch.nn.utils.clip_grad_norm_`` does).
    """
    check_positive(max_norm, "max_norm")
    norm = grad_norm(model)
    if norm > max_norm:
        scale = max_norm / norm
        for layer, key in model.param_slots():
            layer.grads[key] *= scale
    return norm


def _same_arrays(a: list[np.ndarray], b: list[np.ndarray]) -> bool:
    """The same parameter objects (not equal values: ids alone are reused once a model is freed)."""
    return len(a) == len(b) and all(x is y for x, y in zip(a, b))


class Optimizer:
    """Base class: ``step(model)`` updates every ``layer.params[key]`` from ``layer.grads[key]``.

    Weight decay shrinks the weights at every step, which is the gradient of an L2 penalty: adding
    ``weight_decay * W`` to the gradient of ``W`` is gradient descent on ``loss + (weight_decay / 2) ||W||^2``
    (so the lecture's penalty ``lambda ||W||^2``, whose gradient is ``2 lambda W``, is ``weight_decay = 2 lambda``).
    It applies to the weights ``W`` of the dense layers and, with ``decay_biases=True``, to every parameter.
    """

    def __init__(self, lr: float, clip_norm: float | None = None, weight_decay: float = 0.0,
                 decay_biases: bool = False) -> None:
        self.lr = check_positive(lr, "lr")
        self.clip_norm = None if clip_norm is None else check_positive(clip_norm, "clip_norm")
        if isinstance(weight_decay, bool) or not isinstance(weight_decay, (int, float, np.floating)) \
                or not math.isfinite(weight_decay) or weight_decay < 0:
            raise ValueError(f"weight_decay: expected a number >= 0, got {weight_decay!r}")
        self.weight_decay = float(weight_decay)
        if not isinstance(decay_biases, bool):
            raise TypeError(f"decay_biases: expected True or False, got {decay_biases!r}")
        self.decay_biases = decay_biases

    def step(self, model: Sequential) -> None:
        """Apply one update to all parameters of ``model``, in place."""
        if self.clip_norm is not None:
            clip_grad_norm(model, self.clip_norm)
        self._update(model.param_slots())

    def _decays(self, slots: list[tuple[Layer, str]]) -> list[bool]:
        """Which parameters the weight decay applies to: the ``W`` of every layer (all with ``decay_biases``)."""
        return [bool(self.weight_decay) and (self.decay_biases or key == "W") for _, key in slots]

    def _update(self, slots: list[tuple[Layer, str]]) -> None:  # pragma: no cover - interface
        raise NotImplementedError

    def _repr_decay(self) -> str:
        if not self.weight_decay:
            return ""
        return f", weight_decay={self.weight_decay}" + (", decay_biases=True" if self.decay_biases else "")


class SGD(Optimizer):
    """Stochastic gradient descent, with optional (heavy-ball) momentum and weight decay.

    g <- g + weight_decay * theta (the weights only, unless ``decay_biases``), then
    v <- momentum * v - lr * g;  theta <- theta + v.  With ``momentum=0``: theta <- theta - lr * g.
    The same steps as ``torch.optim.SGD(lr, momentum, weight_decay)`` (its buffer is ``-v / lr``).

    Parameters
    ----------
    lr : float
        Learning rate, > 0.
    momentum : float
        In [0, 1).
    clip_norm : float, optional
        Clip the joint gradient norm to this value before each step (before the weight decay is added).
    weight_decay : float
        The L2 coefficient, >= 0 (see ``Optimizer``).
    decay_biases : bool
        Decay every parameter, biases too (default: the weights ``W`` only).
    """

    def __init__(self, lr: float = 0.01, momentum: float = 0.0, *, clip_norm: float | None = None,
                 weight_decay: float = 0.0, decay_biases: bool = False) -> None:
        super().__init__(lr, clip_norm, weight_decay, decay_biases)
        if not 0 <= momentum < 1:
            raise ValueError(f"momentum: expected a number in [0, 1), got {momentum!r}")
        self.momentum = float(momentum)
        self._params: list[np.ndarray] = []  # the parameters the velocities belong to
        self.velocity: list[np.ndarray] = []

    def _update(self, slots: list[tuple[Layer, str]]) -> None:
        params = [layer.params[key] for layer, key in slots]
        if self.momentum and not _same_arrays(params, self._params):  # first step, or another model
            self._params, self.velocity = params, [np.zeros_like(p) for p in params]
        for (layer, key), p, k, decays in zip(slots, params, range(len(params)), self._decays(slots)):
            g = layer.grads[key]
            if decays:
                g = g + self.weight_decay * p
            if self.momentum == 0:
                p -= self.lr * g
                continue
            v = self.velocity[k]
            v *= self.momentum
            v -= self.lr * g
            p += v

    def __repr__(self) -> str:
        return f"SGD(lr={self.lr}, momentum={self.momentum}{self._repr_decay()})"


class Adam(Optimizer):
    """Adam (Kingma and Ba 2015): per-parameter steps from running moments of the gradient.

    m <- b1 m + (1 - b1) g;  s <- b2 s + (1 - b2) g^2;
    theta <- theta - lr * m_hat / (sqrt(s_hat) + eps), with the bias-corrected m_hat = m / (1 - b1^t) and
    s_hat = s / (1 - b2^t): the same steps as ``torch.optim.Adam``.

    Weight decay two ways: *coupled* (``decoupled=False``, as ``torch.optim.Adam``) adds ``weight_decay * theta``
    to the gradient, so the decay too is divided by sqrt(s_hat) and a weight with large gradients decays less;
    *decoupled* (``decoupled=True``, AdamW, Loshchilov and Hutter 2019, as ``torch.optim.AdamW``) shrinks the
    weights directly, theta <- theta (1 - lr weight_decay), before the Adam step.

    The moments of all parameters are kept in two flat vectors, so a step costs a dozen numpy
    operations whatever the number of layers.
    """

    def __init__(self, lr: float = 1e-3, beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-8,
                 *, clip_norm: float | None = None, weight_decay: float = 0.0, decoupled: bool = False,
                 decay_biases: bool = False) -> None:
        super().__init__(lr, clip_norm, weight_decay, decay_biases)
        for name, beta in (("beta1", beta1), ("beta2", beta2)):
            if not 0 <= beta < 1:
                raise ValueError(f"{name}: expected a number in [0, 1), got {beta!r}")
        if not isinstance(decoupled, bool):
            raise TypeError(f"decoupled: expected True or False, got {decoupled!r}")
        self.beta1, self.beta2, self.eps = float(beta1), float(beta2), check_positive(eps, "eps")
        self.decoupled = decoupled
        self.t = 0
        self.m: np.ndarray | None = None
        self.s: np.ndarray | None = None
        self._params: list[np.ndarray] = []  # the parameters the moments belong to

    def _update(self, slots: list[tuple[Layer, str]]) -> None:
        params = [layer.params[key] for layer, key in slots]
        if not _same_arrays(params, self._params):  # first step, or another model: zero moments
            size, dtype = sum(p.size for p in params), np.result_type(*params)
            self.m, self.s, self.t, self._params = np.zeros(size, dtype), np.zeros(size, dtype), 0, params
            self._g, self._work = np.empty(size, dtype), np.empty(size, dtype)
        self.t += 1
        # every operation writes into a buffer kept between steps: no allocations in the loop
        g, work, m, s = self._g, self._work, self.m, self.s
        np.concatenate([layer.grads[key].ravel() for layer, key in slots], out=g)
        decays = self._decays(slots)
        if any(decays):
            start = 0
            for p, decay in zip(params, decays):
                if decay and self.decoupled:
                    p *= 1 - self.lr * self.weight_decay  # AdamW: the weights shrink, outside the moments
                elif decay:
                    g[start:start + p.size] += self.weight_decay * p.ravel()  # Adam: an L2 term in the gradient
                start += p.size
        np.subtract(g, m, out=work)
        work *= 1 - self.beta1
        m += work  # m = beta1 m + (1 - beta1) g
        np.multiply(g, g, out=work)
        work -= s
        work *= 1 - self.beta2
        s += work  # s = beta2 s + (1 - beta2) g^2
        # m_hat / (sqrt(s_hat) + eps) with m_hat = m / (1 - b1^t), s_hat = s / (1 - b2^t), as PyTorch computes it
        step = np.sqrt(s, out=work)
        step /= math.sqrt(1 - self.beta2**self.t)
        step += self.eps
        np.divide(m, step, out=step)
        step *= self.lr / (1 - self.beta1**self.t)
        start = 0
        for p in params:
            p -= step[start:start + p.size].reshape(p.shape)
            start += p.size

    def __repr__(self) -> str:
        decay = self._repr_decay() + (", decoupled=True" if self.decoupled and self.weight_decay else "")
        return f"Adam(lr={self.lr}, beta1={self.beta1}, beta2={self.beta2}{decay})"


@dataclass
class History:
    """What ``fit`` returns: one entry per epoch (``grad_norm``: one per step).

    Attributes
    ----------
    loss : list of float
        The mean training loss of every epoch, over its minibatches (computed on the fly, as the
        weights change during the epoch).
    accuracy : list of float
        The training accuracy of every epoch, likewise (empty for regression, ``loss="mse"``).
    val_loss, val_accuracy : list of float
        On the whole validation set after each epoch (with ``validation_data``).
    grad_norm : list of float
        The joint norm of all gradients at every step, before any clipping (with
        ``record_grad_norm=True``).
    best_epoch : int or None
        The epoch (0-based) with the lowest validation loss.
    stopped_early : bool
        Whether early stopping ended the run (and restored the weights of ``best_epoch``).
    diverged_epoch : int or None
        The epoch (1-based) in which the loss became NaN or infinite, with ``on_divergence="stop"``;
        training stopped there.
    """

    loss: list[float] = field(default_factory=list)
    accuracy: list[float] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    val_accuracy: list[float] = field(default_factory=list)
    grad_norm: list[float] = field(default_factory=list)
    best_epoch: int | None = None
    stopped_early: bool = False
    diverged_epoch: int | None = None

    @property
    def epochs(self) -> int:
        """Number of epochs run to the end."""
        return len(self.loss)


def evaluate(model: Sequential, X: np.ndarray, y: np.ndarray, loss: str) -> tuple[float, float | None]:
    """Loss and accuracy (None for regression) of ``model`` on the whole of ``X``, ``y``.

    Layers with a ``training`` flag (batch normalisation) are evaluated in evaluation mode, with
    their running averages, and put back in the mode they were in.
    """
    get_loss(loss)
    switched = [layer for _, layer in model.named_layers() if getattr(layer, "training", False)]
    for layer in switched:
        layer.training = False
    try:
        out = model.forward(X)
    finally:
        for layer in switched:
            layer.training = True
    Y = prepare_targets(loss, out, y)
    value, _ = KERNELS[loss](out, Y)
    return value, (None if loss == "mse" else count_correct(out, Y, loss) / len(out))


def fit(model: Sequential, X: np.ndarray, y: np.ndarray, *, loss: str,
        optimizer: Optimizer | None = None, epochs: int = 100, batch_size: int | None = 32,
        rng: np.random.Generator, validation_data: tuple[np.ndarray, np.ndarray] | None = None,
        patience: int | None = None, on_divergence: str = "raise", record_grad_norm: bool = False,
        verbose: bool = False) -> History:
    """Train ``model`` with minibatches; return the per-epoch history. The one training loop of nnlab.

    Every epoch shuffles the samples with ``rng`` (unless one batch holds them all) and takes one
    optimiser step per minibatch: forward, loss, backward, step.

    Parameters
    ----------
    model : Sequential
        The network (its output feeds ``loss``).
    X : array, shape (N, n_in)
    y : array, shape (N,) or (N, n_out)
        Targets, as ``loss`` expects them.
    loss : str
        ``"bce"`` (binary labels, one logit), ``"softmax_ce"`` (class labels, K logits) or ``"mse"``.
    optimizer : Optimizer, optional
        Default ``Adam(lr=1e-3)``.
    epochs : int
        Passes over the data.
    batch_size : int or None
        Minibatch size; ``None`` for full-batch gradient descent.
    rng : np.random.Generator
        Shuffles the samples at every epoch.
    validation_data : (X_val, y_val), optional
        Evaluated after every epoch.
    patience : int, optional
        Early stopping: stop when the validation loss has not improved for this many epochs,
        and restore the weights of the best epoch. Needs ``validation_data``.
    on_divergence : str
        What to do when the loss becomes NaN or infinite: ``"raise"`` a ``FloatingPointError``
        (default), or ``"stop"`` and record the epoch in ``History.diverged_epoch``, so that a
        notebook can draw a diverging run beside runs that learn.
    record_grad_norm : bool
        Record the joint norm of all gradients at every step (before clipping) in ``History.grad_norm``.
    verbose : bool
        Print one line per epoch.

    Raises
    ------
    FloatingPointError
        When the loss becomes NaN or infinite and ``on_divergence="raise"``.
    """
    get_loss(loss)
    kernel = KERNELS[loss]
    X = check_array(X, "X", ndim=2, n_features=model.n_in, dtype=model.dtype)
    n = X.shape[0]
    y = np.asarray(y)
    if n == 0:
        raise ValueError("X: expected at least one sample, got shape (0, ...)")
    if y.ndim == 0 or y.shape[0] != n:
        raise ValueError(f"y: expected {n} targets to match X, got shape {y.shape}")
    n_out = model.dense_layers[-1].n_out if model.dense_layers else X.shape[1]
    Y = prepare_targets(loss, np.zeros((n, n_out), model.dtype), y)  # every label checked, once
    if optimizer is None:
        optimizer = Adam(1e-3)
    elif not isinstance(optimizer, Optimizer):
        raise TypeError(f"optimizer: expected an nnlab optimiser such as nl.SGD(0.1), got {type(optimizer).__name__}")
    epochs = check_positive_int(epochs, "epochs")
    batch_size = n if batch_size is None else check_positive_int(batch_size, "batch_size")
    check_rng(rng)
    if on_divergence not in ("raise", "stop"):
        raise ValueError(f'on_divergence: expected "raise" or "stop", got {on_divergence!r}')
    if patience is not None:
        check_positive_int(patience, "patience")
        if validation_data is None:
            raise ValueError("patience: early stopping needs validation_data=(X_val, y_val)")
    if validation_data is not None:
        X_val, y_val = validation_data
        X_val = check_array(X_val, "validation_data[0]", ndim=2, n_features=model.n_in, dtype=model.dtype)
        y_val = np.asarray(y_val)
        try:
            prepare_targets(loss, np.zeros((len(X_val), n_out), model.dtype), y_val)
        except ValueError as exc:
            raise ValueError(str(exc).replace("y:", "validation_data[1]:", 1)) from None
    classify = loss != "mse"

    hist = History()
    best, best_params = math.inf, None
    # overflow in a diverging run is caught below, by the loss turning NaN or infinite
    with np.errstate(over="ignore", invalid="ignore"):
        # each minibatch is gathered into the same two buffers: a fresh array per batch would make
        # training several times slower (new memory every step), and gathering right before use
        # keeps the batch in the cache for the first layer
        X_buf, Y_buf = np.empty((batch_size, X.shape[1]), X.dtype), np.empty((batch_size, *Y.shape[1:]), Y.dtype)
        for epoch in range(epochs):
            order = rng.permutation(n) if batch_size < n else None  # one full batch needs no shuffling
            total_loss, total_correct = 0.0, 0.0
            for start in range(0, n, batch_size):
                if order is None:
                    X_batch, Y_batch = X, Y
                else:
                    idx = order[start:start + batch_size]
                    # mode="clip" skips the bounds check (a permutation is always in bounds)
                    X_batch = np.take(X, idx, axis=0, out=X_buf[:len(idx)], mode="clip")
                    Y_batch = np.take(Y, idx, axis=0, out=Y_buf[:len(idx)], mode="clip")
                out = model.forward(X_batch, check=False)
                value, dout = kernel(out, Y_batch)
                if not math.isfinite(value):
                    if on_divergence == "stop":
                        hist.diverged_epoch = epoch + 1
                        return hist
                    raise FloatingPointError(
                        f"training diverged at epoch {epoch + 1} (loss = {value}); "
                        f"try a smaller learning rate than lr={optimizer.lr}")
                model.backward(dout, input_grad=False)
                if record_grad_norm:
                    hist.grad_norm.append(grad_norm(model))
                optimizer.step(model)
                total_loss += value * len(Y_batch)
                if classify:
                    total_correct += count_correct(out, Y_batch, loss)
            hist.loss.append(total_loss / n)
            if classify:
                hist.accuracy.append(total_correct / n)
            line = f"epoch {epoch + 1:4d}  loss {hist.loss[-1]:.4f}"
            if validation_data is not None:
                v_loss, v_acc = evaluate(model, X_val, y_val, loss)
                hist.val_loss.append(v_loss)
                if v_acc is not None:
                    hist.val_accuracy.append(v_acc)
                line += f"  val_loss {v_loss:.4f}"
                if v_loss < best:
                    best, best_params, hist.best_epoch = v_loss, model.get_params_vector(), epoch
                elif patience is not None and epoch - hist.best_epoch >= patience:
                    hist.stopped_early = True
                    model.set_params_vector(best_params)
                    if verbose:
                        print(line + f"  (stopping: restoring epoch {hist.best_epoch + 1})")
                    break
            if verbose:
                print(line)
    return hist
