"""Optimisers (SGD with momentum, Adam), gradient clipping, and the one training loop, ``fit``."""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np

from ._validate import (
    check_array,
    check_bool,
    check_choice,
    check_nonnegative,
    check_positive,
    check_positive_int,
    check_rng,
)
from .layers import Layer, Sequential
from .losses import KERNELS, count_correct, get_loss, prepare_targets, weight_penalty
from .normalization import training_mode


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
        self.weight_decay = check_nonnegative(weight_decay, "weight_decay")
        self.decay_biases = check_bool(decay_biases, "decay_biases")

    def step(self, model: Sequential) -> None:
        """Apply one update to all parameters of ``model``, in place."""
        if self.clip_norm is not None:
            clip_grad_norm(model, self.clip_norm)
        slots = model.param_slots()
        self._update(slots, self._decays(model, slots))

    def _decays(self, model: Sequential, slots: list[tuple[Layer, str]]) -> list[bool]:
        """Which parameters the weight decay applies to: the weights (``named_weights``; all with ``decay_biases``)."""
        if not self.weight_decay or self.decay_biases:
            return [bool(self.weight_decay)] * len(slots)
        weights = {id(W) for _, W in model.named_weights()}
        return [id(layer.params[key]) in weights for layer, key in slots]

    def _update(self, slots: list[tuple[Layer, str]], decays: list[bool]) -> None:  # pragma: no cover - interface
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

    def _update(self, slots: list[tuple[Layer, str]], decays: list[bool]) -> None:
        params = [layer.params[key] for layer, key in slots]
        if self.momentum and not _same_arrays(params, self._params):  # first step, or another model
            self._params, self.velocity = params, [np.zeros_like(p) for p in params]
        for (layer, key), p, k, decay in zip(slots, params, range(len(params)), decays):
            g = layer.grads[key]
            if decay:
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
        self.beta1, self.beta2, self.eps = float(beta1), float(beta2), check_positive(eps, "eps")
        self.decoupled = check_bool(decoupled, "decoupled")
        self.t = 0
        self.m: np.ndarray | None = None
        self.s: np.ndarray | None = None
        self._params: list[np.ndarray] = []  # the parameters the moments belong to

    def _update(self, slots: list[tuple[Layer, str]], decays: list[bool]) -> None:
        params = [layer.params[key] for layer, key in slots]
        if not _same_arrays(params, self._params):  # first step, or another model: zero moments
            size, dtype = sum(p.size for p in params), np.result_type(*params)
            self.m, self.s, self.t, self._params = np.zeros(size, dtype), np.zeros(size, dtype), 0, params
            self._g, self._work = np.empty(size, dtype), np.empty(size, dtype)
        self.t += 1
        # every operation writes into a buffer kept between steps: no allocations in the loop
        g, work, m, s = self._g, self._work, self.m, self.s
        np.concatenate([layer.grads[key].ravel() for layer, key in slots], out=g)
        if any(decays):
            self._decay(params, decays, g)
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

    def _decay(self, params: list[np.ndarray], decays: list[bool], g: np.ndarray) -> None:
        """Weight decay: AdamW shrinks the weights themselves, outside the moments; Adam adds the L2 term
        ``weight_decay * theta`` to the gradient ``g`` (all parameters in one vector, in ``params``' order)."""
        start = 0
        for p, decay in zip(params, decays):
            if decay and self.decoupled:
                p *= 1 - self.lr * self.weight_decay
            elif decay:
                g[start:start + p.size] += self.weight_decay * p.ravel()
            start += p.size

    def __repr__(self) -> str:
        decay = self._repr_decay() + (", decoupled=True" if self.decoupled and self.weight_decay else "")
        return f"Adam(lr={self.lr}, beta1={self.beta1}, beta2={self.beta2}{decay})"


# --- the steps an optimiser takes ------------------------------------------------------------------
class StepRecorder(Optimizer):
    """Another optimiser's steps, applied unchanged, with the length of each one recorded.

    ``nnlab.fit(..., record_grad_norm=True)`` records the gradient's norm at every step; the step
    itself, what the optimiser adds to the parameters, is another thing once it has momentum (or
    per-parameter scales, as Adam). Pass the wrapper to ``fit`` in place of the optimiser and read
    ``lengths``: ``||theta_after - theta_before||`` over all parameters together, one per step.

    Parameters
    ----------
    optimizer : Optimizer
        The optimiser that takes the steps (and clips, if it was given ``clip_norm``).

    Examples
    --------
    >>> import numpy as np, nnlab as nl
    >>> X, y = nl.data.circles(40, rng=np.random.default_rng(0))
    >>> opt = nl.optim.StepRecorder(nl.SGD(0.1))
    >>> record = nl.fit(nl.MLP([2, 4, 1], "relu", rng=np.random.default_rng(0)), X, y, loss="bce",
    ...                 optimizer=opt, epochs=2, batch_size=20, rng=np.random.default_rng(0))
    >>> len(opt.lengths)   # 2 epochs of 2 minibatches
    4
    """

    def __init__(self, optimizer: Optimizer) -> None:
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"optimizer: expected an nnlab optimiser such as nl.SGD(0.1), got "
                            f"{type(optimizer).__name__}")
        super().__init__(optimizer.lr)  # no clip_norm of its own: the wrapped optimiser clips
        self.optimizer = optimizer
        self.lengths: list[float] = []

    def step(self, model: Sequential) -> None:
        """Let the wrapped optimiser update ``model``, and record how far the parameters moved."""
        before = model.get_params_vector()
        self.optimizer.step(model)
        self.lengths.append(float(np.linalg.norm(model.get_params_vector() - before)))

    def __repr__(self) -> str:
        return f"StepRecorder({self.optimizer!r})"


class Penalised(Optimizer):
    """Another optimiser's steps on the loss plus a penalty on the weights, ``lam ||W||^2`` or ``lam |W|``
    (``nnlab.losses.weight_penalty``): before each step the penalty's gradient is added to the weights' gradients,
    and the penalty's value is recorded in ``penalties``, one per step (add it to ``fit``'s loss to get the
    penalised loss that was descended).

    Parameters
    ----------
    optimizer : Optimizer
        The optimiser that takes the steps.
    lam : float
        The coefficient lambda, >= 0.
    norm : str
        ``"l2"`` or ``"l1"``.
    """

    def __init__(self, optimizer: Optimizer, lam: float, norm: str = "l2") -> None:
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"optimizer: expected an nnlab optimiser such as nl.Adam(0.01), got "
                            f"{type(optimizer).__name__}")
        super().__init__(optimizer.lr)
        self.optimizer, self.lam, self.norm = optimizer, check_nonnegative(lam, "lam"), check_choice(norm, "norm",
                                                                                                   ("l1", "l2"))
        self.penalties: list[float] = []

    def step(self, model: Sequential) -> None:
        """Add the penalty's gradient to every weight's gradient, record the penalty, then step."""
        value, grads = weight_penalty(model, self.lam, self.norm)
        for (name, _), (layer, key) in zip(model.named_weights(), _weight_slots(model)):
            layer.grads[key] = layer.grads[key] + grads[name]
        self.penalties.append(value)
        self.optimizer.step(model)

    def __repr__(self) -> str:
        return f"Penalised({self.optimizer!r}, lam={self.lam}, norm={self.norm!r})"


def _weight_slots(model: Sequential) -> list[tuple[Layer, str]]:
    """(layer, "W") for every weight of ``model``, in ``named_weights`` order."""
    return [(layer, "W") for _, layer in model.named_layers() if "W" in layer.params]


def clipped_step_bound(optimizer: SGD) -> float:
    """The longest step SGD with gradient clipping can take: ``lr c / (1 - momentum)``.

    Clipping makes every gradient's norm at most ``c = clip_norm``. Without momentum the step is
    ``-lr g``, at most ``lr c`` long. With momentum ``mu`` the step is the velocity,
    ``v_t = mu v_{t-1} - lr g_t = -lr (g_t + mu g_{t-1} + mu^2 g_{t-2} + ...)``, so
    ``||v_t|| <= lr c (1 + mu + ... + mu^(t-1)) < lr c / (1 - mu)``: ten times ``lr c`` for
    ``mu = 0.9``. A run of gradients that point the same way approaches the bound.

    Parameters
    ----------
    optimizer : SGD
        With ``clip_norm`` set.
    """
    if not isinstance(optimizer, SGD):
        raise TypeError(f"optimizer: expected nl.SGD with clip_norm, got {type(optimizer).__name__}")
    if optimizer.clip_norm is None:
        raise ValueError("optimizer: has no clip_norm, and without clipping a step's length has no bound")
    return optimizer.lr * optimizer.clip_norm / (1.0 - optimizer.momentum)


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

    Layers with a training mode (batch normalisation, dropout) are evaluated in evaluation mode
    (``nnlab.normalization.training_mode``) and left in the mode they were in.
    """
    get_loss(loss)
    with training_mode(model, False):
        out = model.forward(X)
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
    optimiser step per minibatch, the lecture's four steps: forward, loss, backward, step.

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
    X, Y, validation = _training_data(model, X, y, loss, validation_data)
    optimizer, batches = _checked_optimizer(optimizer), _Minibatches(X, Y, batch_size, rng)
    epochs = check_positive_int(epochs, "epochs")
    check_choice(on_divergence, "on_divergence", ("raise", "stop"))
    stopping = _EarlyStopping(patience, validation)
    hist, kernel = History(), KERNELS[loss]
    with np.errstate(over="ignore", invalid="ignore"):  # a diverging run is caught by its loss, below
        for epoch in range(epochs):
            tally = _Tally(loss, len(X))
            for X_batch, Y_batch in batches:
                out = model.forward(X_batch, check=False)   # 1. forward
                value, dout = kernel(out, Y_batch)          # 2. loss, and its gradient dL/d(output)
                if not math.isfinite(value):
                    return _diverged(hist, epoch + 1, value, optimizer, on_divergence)
                model.param_backward(dout)                  # 3. backward: model.backward(dout), without the
                #                                                first layer's dL/dX, which nothing reads
                if record_grad_norm:
                    hist.grad_norm.append(grad_norm(model))
                optimizer.step(model)                       # 4. step
                tally.add(value, out, Y_batch)
            tally.record(hist)
            stop = stopping.after_epoch(model, hist, loss, epoch)
            if verbose:
                print(_epoch_line(hist, epoch, stop))
            if stop:
                break
    return hist


# --- fit's bookkeeping ------------------------------------------------------------------------------
def _training_data(model: Sequential, X: np.ndarray, y: np.ndarray, loss: str,
                   validation_data: tuple[np.ndarray, np.ndarray] | None
                   ) -> tuple[np.ndarray, np.ndarray, tuple[np.ndarray, np.ndarray] | None]:
    """``X``, the targets prepared for the loss (every label checked, once) and the checked validation data."""
    get_loss(loss)
    X = check_array(X, "X", ndim=2, n_features=model.n_in, dtype=model.dtype)
    n, y = X.shape[0], np.asarray(y)
    if n == 0:
        raise ValueError("X: expected at least one sample, got shape (0, ...)")
    if y.ndim == 0 or y.shape[0] != n:
        raise ValueError(f"y: expected {n} targets to match X, got shape {y.shape}")
    n_out = model.dense_layers[-1].n_out if model.dense_layers else X.shape[1]
    Y = prepare_targets(loss, np.zeros((n, n_out), model.dtype), y)
    if validation_data is None:
        return X, Y, None
    X_val, y_val = validation_data
    X_val = check_array(X_val, "validation_data[0]", ndim=2, n_features=model.n_in, dtype=model.dtype)
    y_val = np.asarray(y_val)
    try:
        prepare_targets(loss, np.zeros((len(X_val), n_out), model.dtype), y_val)
    except ValueError as exc:
        raise ValueError(str(exc).replace("y:", "validation_data[1]:", 1)) from None
    return X, Y, (X_val, y_val)


def _checked_optimizer(optimizer: object) -> Optimizer:
    if optimizer is None:
        return Adam(1e-3)
    if not isinstance(optimizer, Optimizer):
        raise TypeError(f"optimizer: expected an nnlab optimiser such as nl.SGD(0.1), got {type(optimizer).__name__}")
    return optimizer


class _Minibatches:
    """The minibatches of one epoch, in an order shuffled by ``rng`` (one full batch: in order, not shuffled).

    Each minibatch is gathered into the same two buffers: a fresh array per batch would make training several
    times slower (new memory every step), and gathering right before use keeps the batch in the cache.
    """

    def __init__(self, X: np.ndarray, Y: np.ndarray, batch_size: int | None, rng: np.random.Generator) -> None:
        self.X, self.Y, self.rng = X, Y, check_rng(rng)
        n = len(X)
        self.size = n if batch_size is None else check_positive_int(batch_size, "batch_size")
        self.X_buf = np.empty((self.size, X.shape[1]), X.dtype)
        self.Y_buf = np.empty((self.size, *Y.shape[1:]), Y.dtype)

    def __iter__(self) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        n = len(self.X)
        if self.size >= n:
            yield self.X, self.Y
            return
        order = self.rng.permutation(n)
        for start in range(0, n, self.size):
            idx = order[start:start + self.size]
            # X[idx], Y[idx], gathered into the reused buffers (the next batch overwrites them; mode="clip" skips
            # the bounds check, as a permutation is always in bounds)
            yield (np.take(self.X, idx, axis=0, out=self.X_buf[:len(idx)], mode="clip"),
                   np.take(self.Y, idx, axis=0, out=self.Y_buf[:len(idx)], mode="clip"))


class _Tally:
    """An epoch's mean training loss and accuracy, summed over its minibatches."""

    def __init__(self, loss: str, n: int) -> None:
        self.loss, self.n, self.total, self.correct = loss, n, 0.0, 0.0

    def add(self, value: float, out: np.ndarray, Y_batch: np.ndarray) -> None:
        self.total += value * len(Y_batch)
        if self.loss != "mse":
            self.correct += count_correct(out, Y_batch, self.loss)

    def record(self, hist: History) -> None:
        hist.loss.append(self.total / self.n)
        if self.loss != "mse":
            hist.accuracy.append(self.correct / self.n)


class _EarlyStopping:
    """The validation loss after every epoch, the best epoch's weights, and whether ``patience`` has run out."""

    def __init__(self, patience: int | None, validation: tuple[np.ndarray, np.ndarray] | None) -> None:
        if patience is not None:
            check_positive_int(patience, "patience")
            if validation is None:
                raise ValueError("patience: early stopping needs validation_data=(X_val, y_val)")
        self.patience, self.validation = patience, validation
        self.best, self.best_params = math.inf, None

    def after_epoch(self, model: Sequential, hist: History, loss: str, epoch: int) -> bool:
        """Evaluate on the validation data; True (the best weights restored) when training should stop."""
        if self.validation is None:
            return False
        v_loss, v_acc = evaluate(model, *self.validation, loss)
        hist.val_loss.append(v_loss)
        if v_acc is not None:
            hist.val_accuracy.append(v_acc)
        if v_loss < self.best:
            self.best, self.best_params, hist.best_epoch = v_loss, model.get_params_vector(), epoch
        elif self.patience is not None and epoch - hist.best_epoch >= self.patience:
            hist.stopped_early = True
            model.set_params_vector(self.best_params)
            return True
        return False


def _diverged(hist: History, epoch: int, value: float, optimizer: Optimizer, on_divergence: str) -> History:
    if on_divergence == "stop":
        hist.diverged_epoch = epoch
        return hist
    raise FloatingPointError(f"training diverged at epoch {epoch} (loss = {value}); "
                             f"try a smaller learning rate than lr={optimizer.lr}")


def _epoch_line(hist: History, epoch: int, stopped: bool) -> str:
    line = f"epoch {epoch + 1:4d}  loss {hist.loss[-1]:.4f}"
    if len(hist.val_loss) > epoch:
        line += f"  val_loss {hist.val_loss[-1]:.4f}"
    return line + (f"  (stopping: restoring epoch {hist.best_epoch + 1})" if stopped else "")


# --- a learning rate that cycles ----------------------------------------------------------------------------------
def cyclic_lr(step: int, base_lr: float, max_lr: float, step_size: int) -> float:
    """Smith's triangular cyclic learning rate ("Cyclical Learning Rates for Training Neural Networks", 2017) at
    ``step`` (0-based): from ``base_lr`` up to ``max_lr`` in ``step_size`` steps, back down in as many, and again.

    ``cycle = floor(1 + step / (2 step_size))``, ``x = |step / step_size - 2 cycle + 1|``,
    ``lr = base_lr + (max_lr - base_lr) max(0, 1 - x)``: the rate of ``torch.optim.lr_scheduler.CyclicLR`` with
    ``mode="triangular"`` and ``step_size_up=step_size``.
    """
    if isinstance(step, bool) or not isinstance(step, (int, np.integer)) or step < 0:
        raise ValueError(f"step: expected a whole number >= 0, got {step!r}")
    base_lr, max_lr = check_positive(base_lr, "base_lr"), check_positive(max_lr, "max_lr")
    step_size = check_positive_int(step_size, "step_size")
    cycle = math.floor(1 + step / (2 * step_size))
    x = abs(step / step_size - 2 * cycle + 1)
    return base_lr + (max_lr - base_lr) * max(0.0, 1 - x)


class CyclicLR(Optimizer):
    """Another optimiser's steps with a learning rate that cycles (``cyclic_lr``), for ``nnlab.fit``.

    Before each step the wrapped optimiser's ``lr`` is set to ``cyclic_lr(t, base_lr, max_lr, step_size)``, t the
    steps taken so far; its own ``lr`` at the start is ``base_lr``. The lecture notes (section 9): making the
    learning rate cyclic "results in exploration so that you don't end up in a local minima". ``lrs`` records the
    rate of every step.

    Parameters
    ----------
    optimizer : Optimizer
        Takes the steps (SGD, Adam, ...); its ``lr`` is the low end of the cycle.
    max_lr : float
        The high end.
    step_size : int
        Steps from the low end to the high end (half a cycle).

    Examples
    --------
    >>> import numpy as np, nnlab as nl
    >>> X, y = nl.data.circles(40, rng=np.random.default_rng(0))
    >>> opt = nl.optim.CyclicLR(nl.SGD(0.1), max_lr=0.5, step_size=2)
    >>> _ = nl.fit(nl.MLP([2, 4, 1], "relu", rng=np.random.default_rng(0)), X, y, loss="bce", optimizer=opt,
    ...            epochs=6, batch_size=None, rng=np.random.default_rng(0))
    >>> [round(lr, 2) for lr in opt.lrs]
    [0.1, 0.3, 0.5, 0.3, 0.1, 0.3]
    """

    def __init__(self, optimizer: Optimizer, max_lr: float, step_size: int) -> None:
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"optimizer: expected an nnlab optimiser such as nl.SGD(0.1), got "
                            f"{type(optimizer).__name__}")
        super().__init__(optimizer.lr)  # no clip_norm or decay of its own: the wrapped optimiser has them
        self.optimizer, self.base_lr = optimizer, optimizer.lr
        self.max_lr = check_positive(max_lr, "max_lr")
        self.step_size = check_positive_int(step_size, "step_size")
        self.lrs: list[float] = []

    def step(self, model: Sequential) -> None:
        """Set the wrapped optimiser's rate for this step, then let it update ``model``."""
        self.optimizer.lr = cyclic_lr(len(self.lrs), self.base_lr, self.max_lr, self.step_size)
        self.lrs.append(self.optimizer.lr)
        self.optimizer.step(model)

    def __repr__(self) -> str:
        return f"CyclicLR({self.optimizer!r}, base_lr={self.base_lr}, max_lr={self.max_lr}, step_size={self.step_size})"
