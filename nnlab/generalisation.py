"""Fitting is not learning: a small noisy data set, its train/validation/test split, and the regularisers
of the lecture (early stopping, weight decay, L1, dropout, small batches) measured on fresh data.

The data: ``x`` drawn uniformly on [-1, 1] and ``y = sin(pi x) + noise``, few points, so that a wide network
can pass through every one of them, noise included (``noisy_sine``). ``make_split`` draws the training and
validation points together and separates them with scikit-learn's ``train_test_split`` (no hand-written
shuffling), and draws a large test set of fresh points from the same source with another seed.

The network is ``1 - K - K - 1`` with tanh units (``regression_net``), optionally with a ``Dropout`` layer after
each hidden layer; ``train`` fits it with full-batch Adam through ``nnlab.fit`` (validation after every epoch,
early stopping with ``patience``), with the lecture's penalty ``lambda sum_d ||W_d||_F^2`` as Adam's coupled
weight decay ``2 lambda`` (the same steps as adding the penalty to the loss: ``train_penalised`` does that
explicitly, and takes the L1 penalty too). ``sweep`` repeats ``train`` over settings and seeds.
"""

from __future__ import annotations

import numbers
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import NamedTuple

import numpy as np
from sklearn.model_selection import train_test_split

from ._format import Table
from ._validate import check_bool, check_nonnegative, check_positive, check_positive_int, check_rng
from .activations import value_and_grad
from .landscape import Objective, sharpness
from .layers import Activation, Dense, Dropout, Layer, Sequential
from .losses import KERNELS
from .normalization import set_training
from .optim import Adam, History, Penalised, evaluate, fit
from .runs import stacked_dense_backward, stacked_dense_forward

#: the defaults of the notebook's experiments: 16 training and 32 validation points, noise 0.3
N_TRAIN, N_VAL, N_TEST, NOISE = 16, 32, 1000, 0.3
#: the training: full-batch Adam at this rate for this many epochs (enough to fit the noise at width 32)
LR, EPOCHS = 0.03, 600
#: the lecture's network: two hidden layers of 512 units, MNIST's 784 pixels in, 10 classes out
LECTURE_SIZES = (784, 512, 512, 10)


def true_function(x: np.ndarray) -> np.ndarray:
    """The curve under the noise: sin(pi x)."""
    return np.sin(np.pi * np.asarray(x, dtype=float))


def weight_count(sizes: Sequence[int], *, biases: bool = False) -> int:
    """The number of weights of a fully connected network with these layer widths (``biases=True`` adds
    one per unit after the input): ``sum_d n_{d-1} n_d``. The lecture's 668,672 is ``weight_count(LECTURE_SIZES)``.
    """
    sizes = [check_positive_int(n, f"sizes[{i}]") for i, n in enumerate(sizes)]
    if len(sizes) < 2:
        raise ValueError(f"sizes: expected at least [n_in, n_out], got {sizes}")
    weights = sum(a * b for a, b in zip(sizes[:-1], sizes[1:]))
    return weights + (sum(sizes[1:]) if biases else 0)


def _check_noise(noise: float) -> float:
    if isinstance(noise, bool) or not isinstance(noise, numbers.Real) or not np.isfinite(noise) or noise < 0:
        raise ValueError(f"noise: expected a standard deviation >= 0, got {noise!r}")
    return float(noise)


def noisy_sine(n: int, *, noise: float = NOISE, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """``n`` points with ``x`` uniform on [-1, 1] and ``y = sin(pi x) + noise * N(0, 1)``.

    Returns
    -------
    X : array, shape (n, 1)
    y : array, shape (n,)
    """
    n = check_positive_int(n, "n")
    noise = _check_noise(noise)
    check_rng(rng)
    x = rng.uniform(-1.0, 1.0, n)
    return x[:, None], true_function(x) + noise * rng.standard_normal(n)


class Split(NamedTuple):
    """Training, validation and test data, as ``make_split`` returns them."""

    X_train: np.ndarray
    y_train: np.ndarray
    X_val: np.ndarray
    y_val: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray

    def __repr__(self) -> str:
        return f"Split(train {len(self.y_train)}, validation {len(self.y_val)}, test {len(self.y_test)} points)"


def make_split(n_train: int = N_TRAIN, *, n_val: int = N_VAL, noise: float = NOISE, seed: int = 0,
               n_test: int = N_TEST) -> Split:
    """Draw ``n_train + n_val`` noisy points, split them with ``train_test_split`` (``random_state=seed``), and
    draw ``n_test`` fresh points of the same kind as the test set (seed ``seed + 1000``).

    The training and validation points are the first ones of a fixed stream for every ``n_train``: growing the
    training set adds points and keeps the old ones only up to the shuffle of the split.
    """
    n_train, n_val = check_positive_int(n_train, "n_train"), check_positive_int(n_val, "n_val")
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0:
        raise ValueError(f"seed: expected an integer >= 0, got {seed!r}")
    X, y = noisy_sine(n_train + n_val, noise=noise, rng=np.random.default_rng(seed))
    X_train, X_val, y_train, y_val = train_test_split(X, y, test_size=n_val, random_state=int(seed))
    X_test, y_test = noisy_sine(check_positive_int(n_test, "n_test"), noise=noise,
                                rng=np.random.default_rng(int(seed) + 1000))
    return Split(X_train, y_train, X_val, y_val, X_test, y_test)


def regression_net(width: int, *, p: float = 0.0, rng: np.random.Generator) -> Sequential:
    """The ``1 - width - width - 1`` tanh network (Glorot's initial weights), with ``Dropout(p)`` after each
    hidden layer when ``p > 0`` (the dropout layers draw their masks from ``rng`` too)."""
    width = check_positive_int(width, "width")
    check_rng(rng)
    layers: list[Layer] = []
    for n_in in (1, width):
        layers += [Dense(n_in, width, rng=rng), Activation("tanh")]
        if p:
            layers.append(Dropout(p, rng=rng))
    return Sequential(*layers, Dense(width, 1, rng=rng))


@dataclass
class Result:
    """One training run of ``train``: the model (at the weights it ended with, or the best epoch's with
    early stopping), its history, its loss (MSE) on the three sets, and the data it was trained on."""

    model: Sequential
    history: History
    train: float
    val: float
    test: float
    split: Split | None = field(default=None, repr=False)
    pooled: bool = False  #: trained on the training and validation points together

    @property
    def best_epoch(self) -> int:
        """The epoch (1-based) with the lowest validation loss (0 where it was not recorded)."""
        return 0 if self.history.best_epoch is None else self.history.best_epoch + 1

    def __repr__(self) -> str:
        if np.isnan(self.val):
            return f"Result(train {self.train:.3f}, test {self.test:.3f}; no validation set)"
        stop = f", stopped at epoch {self.history.epochs}" if self.history.stopped_early else ""
        best = f"; best epoch {self.best_epoch}{stop}" if self.history.best_epoch is not None else ""
        return f"Result(train {self.train:.3f}, validation {self.val:.3f}, test {self.test:.3f}{best})"


def _check_setting(split: object, lam: object, pooled: object, patience: object) -> None:
    if not isinstance(split, Split):
        raise TypeError(f"split: expected a Split from make_split, got {type(split).__name__}")
    if isinstance(lam, bool) or not isinstance(lam, numbers.Real) or not np.isfinite(lam) or lam < 0:
        raise ValueError(f"lam: expected a number >= 0, got {lam!r}")
    if not isinstance(pooled, bool):
        raise TypeError(f"pooled: expected True or False, got {pooled!r}")
    if pooled and patience is not None:
        raise ValueError("patience: early stopping needs the validation set, which pooled=True trains on")


def _training_data(split: Split, pooled: bool) -> tuple[np.ndarray, np.ndarray]:
    """The points a run trains on: the training set, or with ``pooled`` the training and validation sets."""
    if not pooled:
        return split.X_train, split.y_train
    return np.concatenate([split.X_train, split.X_val]), np.concatenate([split.y_train, split.y_val])


def _losses(model: Sequential, split: Split, pooled: bool) -> list[float]:
    """The MSE on the training, validation and test sets (validation: NaN when it was trained on)."""
    X, y = _training_data(split, pooled)
    val = np.nan if pooled else evaluate(model, split.X_val, split.y_val, "mse")[0]
    return [evaluate(model, X, y, "mse")[0], val, evaluate(model, split.X_test, split.y_test, "mse")[0]]


def train(split: Split, *, width: int = 32, lam: float = 0.0, p: float = 0.0, epochs: int = EPOCHS,
          lr: float = LR, batch_size: int | None = None, patience: int | None = None, pooled: bool = False,
          seed: int = 0) -> Result:
    """Train ``regression_net(width, p)`` on ``split``'s training points with Adam and MSE, validating every epoch.

    Parameters
    ----------
    split : Split
    width : int
        Units in each hidden layer.
    lam : float
        The lecture's L2 coefficient: the penalty ``lam sum_d ||W_d||_F^2`` on the weights (not the biases),
        whose gradient ``2 lam W`` Adam adds to the gradient (``weight_decay=2 lam``, coupled).
    p : float
        Dropout probability after each hidden layer (0: no dropout layer).
    epochs, lr, batch_size : training length, Adam's learning rate, minibatch size (None: full batch)
    patience : int, optional
        Early stopping: stop after this many epochs without a better validation loss, and keep the best weights.
    pooled : bool
        Train on the training and validation points together (48 with the defaults), with no validation set:
        what the data would give if none of it were held out. ``Result.val`` is then NaN.
    seed : int
        Seeds the initial weights, the dropout masks and the shuffling.

    The model comes back in evaluation mode (dropout is the identity), so that what it predicts, and what
    a figure draws of it, is the trained function and not one random mask of it. To train it further with
    ``fit``, switch it back first: ``nnlab.normalization.set_training(model, True)``.
    """
    _check_setting(split, lam, pooled, patience)
    rng = np.random.default_rng(seed)
    model = regression_net(width, p=p, rng=rng)
    X, y = _training_data(split, pooled)
    history = fit(model, X, y, loss="mse", optimizer=Adam(lr, weight_decay=2 * float(lam)), epochs=epochs,
                  batch_size=batch_size, rng=rng, validation_data=None if pooled else (split.X_val, split.y_val),
                  patience=patience)
    set_training(model, False)
    return Result(model, history, *_losses(model, split, pooled), split, pooled)


class _Stack:
    """The dense layers of S networks of one shape, side by side: ``W`` (S, n_in, n_out), ``b`` (S, 1, n_out).

    It offers ``param_slots()`` as a ``Sequential`` does, so that nnlab's own ``Adam`` steps all S networks at
    once: Adam's update is elementwise, so each network gets exactly the step it would get alone.
    """

    def __init__(self, models: Sequence[Sequential]) -> None:
        per_model = [[layer for layer in m if isinstance(layer, Dense)] for m in models]
        self.layers = [Layer() for _ in per_model[0]]
        for k, layer in enumerate(self.layers):
            layer.params = {"W": np.stack([d[k].params["W"] for d in per_model]),
                            "b": np.stack([d[k].params["b"] for d in per_model])[:, None, :]}
            layer.grads = {key: np.zeros_like(v) for key, v in layer.params.items()}

    def param_slots(self) -> list[tuple[Layer, str]]:
        return [(layer, key) for layer in self.layers for key in ("W", "b")]

    def named_weights(self) -> list[tuple[str, np.ndarray]]:
        """As ``Sequential.named_weights``: the weights that weight decay acts on."""
        return [(f"{k}.W", layer.params["W"]) for k, layer in enumerate(self.layers)]

    def snapshot(self, s: int) -> list[np.ndarray]:
        """Copies of network ``s``'s parameters, in ``param_slots`` order."""
        return [layer.params[key][s].copy() for layer, key in self.param_slots()]

    def restore(self, s: int, values: list[np.ndarray]) -> None:
        for (layer, key), v in zip(self.param_slots(), values):
            layer.params[key][s] = v

    def forward(self, X: np.ndarray, masks: Sequence[np.ndarray] | None = None) -> tuple[np.ndarray, list]:
        """X (S, N, 1) -> output (S, N, 1), and what backward needs: each dense layer's input, and tanh's slope.

        tanh and its slope come from ``nnlab.activations.value_and_grad`` (the table's tanh and tanh_grad in one
        pass, the same numbers)."""
        cache, a = [], X
        for k, layer in enumerate(self.layers):
            z = stacked_dense_forward(a, layer.params["W"], layer.params["b"])
            if k == len(self.layers) - 1:
                cache.append((a, None))
                return z, cache
            h, slope = value_and_grad("tanh", z)
            cache.append((a, slope))
            a = h if masks is None else h * masks[k]  # nnlab.Dropout.forward: X * mask

    def backward(self, dout: np.ndarray, cache: list, masks: Sequence[np.ndarray] | None = None) -> None:
        """Fill every layer's grads from dout = dL/d(output) (S, N, 1), as ``Sequential.backward`` does."""
        for k in range(len(self.layers) - 1, -1, -1):
            layer, a = self.layers[k], cache[k][0]
            dX, layer.grads["W"], db = stacked_dense_backward(a, layer.params["W"], dout)
            layer.grads["b"] = db[:, None, :]
            if k > 0:
                if masks is not None:
                    dX = dX * masks[k - 1]  # nnlab.Dropout.backward: dout * mask
                dout = dX * cache[k - 1][1]  # nnlab.Activation.backward: dout * phi'(z)


def _mse_each(stack: _Stack, X: np.ndarray, Y: np.ndarray) -> list[float]:
    """Each network's MSE on its own data, X (S, N, 1) and Y (S, N, 1), in evaluation mode (nnlab's MSE kernel)."""
    out = stack.forward(X)[0]
    return [KERNELS["mse"](out[s], Y[s])[0] for s in range(len(out))]


def train_seeds(splits: Sequence[Split], seeds: Sequence[int], *, width: int = 32, lam: float = 0.0,
               p: float = 0.0, epochs: int = EPOCHS, lr: float = LR, batch_size: int | None = None,
               patience: int | None = None, pooled: bool = False, history: bool = True) -> list[Result]:
    """``[train(split, seed=seed, ...) for split, seed in zip(splits, seeds)]``, trained side by side.

    The same runs, step for step: each network starts from ``regression_net(width, p, rng)`` with its own
    ``rng = default_rng(seed)``, which then draws its shuffles and dropout masks in ``fit``'s order; the
    forward and backward passes are nnlab's dense-layer math on stacks (``nnlab.runs.stacked_dense_forward``)
    of shape (S, N, ...), the steps nnlab's ``Adam`` (the tests check the results against ``train``). A run that
    stops early keeps its best epoch's weights while the others go on. Many times faster than one run after
    another, which is what makes sweeps over 16 seeds cheap.

    With ``history=False`` and no ``patience`` the validation loss is not computed after every epoch (it is the
    larger part of the work): the weights and the final losses are the same, but each ``Result.history`` keeps
    only the training loss, and ``best_epoch`` is 0.
    """
    splits, seeds = list(splits), [int(s) for s in seeds]
    if not splits or len(splits) != len(seeds):
        raise ValueError(f"splits, seeds: expected one split per seed, got {len(splits)} and {len(seeds)}")
    for split in splits:
        _check_setting(split, lam, pooled, patience)
    epochs = check_positive_int(epochs, "epochs")
    if patience is not None:
        check_positive_int(patience, "patience")
    rngs = [np.random.default_rng(seed) for seed in seeds]
    models = [regression_net(width, p=p, rng=rng) for rng in rngs]
    stack, S = _Stack(models), len(seeds)
    data = [_training_data(split, pooled) for split in splits]
    if len({len(y) for _, y in data}) != 1:
        raise ValueError("splits: expected training sets of one size")
    X, Y = np.stack([x for x, _ in data]), np.stack([y for _, y in data])[:, :, None]
    X_val, Y_val = np.stack([sp.X_val for sp in splits]), np.stack([sp.y_val for sp in splits])[:, :, None]
    n = X.shape[1]
    batch = n if batch_size is None else check_positive_int(batch_size, "batch_size")
    optimizer = Adam(lr, weight_decay=2 * float(lam))
    histories = [History() for _ in range(S)]
    best, best_params = [np.inf] * S, [None] * S
    done = np.zeros(S, bool)
    for epoch in range(epochs):
        totals = _stacked_epoch(stack, X, Y, rngs, batch, p, width, optimizer)
        val = None if pooled or (not history and patience is None) else _mse_each(stack, X_val, Y_val)
        for s in np.flatnonzero(~done):
            h = histories[s]
            h.loss.append(totals[s] / n)
            if val is None:
                continue
            h.val_loss.append(val[s])
            if val[s] < best[s]:
                best[s], best_params[s], h.best_epoch = val[s], stack.snapshot(s), epoch
            elif patience is not None and epoch - h.best_epoch >= patience:
                h.stopped_early, done[s] = True, True
                stack.restore(s, best_params[s])
                best_params[s] = stack.snapshot(s)  # kept: the stack trains on
        if done.all():
            break
    return [_result(model, split, best_params[s] if done[s] else stack.snapshot(s), histories[s], pooled)
            for s, (model, split) in enumerate(zip(models, splits))]


def _stacked_epoch(stack: _Stack, X: np.ndarray, Y: np.ndarray, rngs: list[np.random.Generator], batch: int,
                   p: float, width: int, optimizer: Adam) -> np.ndarray:
    """One epoch of every network of the stack, as ``fit`` takes it for each alone (its shuffle, its dropout masks,
    one step per minibatch); returns each network's training loss summed over its samples, shape (S,)."""
    S, n = len(rngs), X.shape[1]
    orders = [rng.permutation(n) for rng in rngs] if batch < n else None
    totals = np.zeros(S)
    for start in range(0, n, batch):
        if orders is None:
            Xb, Yb = X, Y
        else:
            idx = np.stack([order[start:start + batch] for order in orders])
            Xb, Yb = np.take_along_axis(X, idx[:, :, None], 1), np.take_along_axis(Y, idx[:, :, None], 1)
        masks = None
        if p:  # each network's two masks, drawn from its rng as its two Dropout layers draw them
            draws = [[rng.random((len(Xb[0]), width)) >= p for _ in range(2)] for rng in rngs]
            masks = [np.stack([d[k] for d in draws]).astype(np.float64) for k in range(2)]
            for m in masks:
                m *= 1 / (1 - p)
        out, cache = stack.forward(Xb, masks)
        # each network's loss by nnlab's MSE kernel on its own slice (a fresh difference array, aligned as in
        # fit: a dot product of a view at another alignment can sum in another order), then the gradient
        totals += [KERNELS["mse"](out[s], Yb[s])[0] * len(Yb[s]) for s in range(S)]
        diff = out - Yb
        stack.backward((2.0 / diff[0].size) * diff, cache, masks)  # nnlab's MSE gradient, 2 (y_hat - y) / N
        optimizer.step(stack)
    return totals


def _result(model: Sequential, split: Split, params: list[np.ndarray], history: History, pooled: bool) -> Result:
    """``model`` with one network's parameters from the stack, in evaluation mode, and its losses."""
    dense = [layer for layer in model if isinstance(layer, Dense)]
    for k, layer in enumerate(dense):
        layer.params["W"][...] = params[2 * k]
        layer.params["b"][...] = params[2 * k + 1][0]
    set_training(model, False)
    return Result(model, history, *_losses(model, split, pooled), split, pooled)


def train_penalised(split: Split, *, lam: float, norm: str = "l2", width: int = 32, epochs: int = EPOCHS,
                    lr: float = LR, seed: int = 0) -> Result:
    """Full-batch Adam on ``mse + weight_penalty(model, lam, norm)``: the penalty added to the loss, its gradient
    added to the backward pass's. With ``norm="l2"`` these are the steps of ``train(lam=lam)`` (the tests check it);
    ``norm="l1"`` adds ``lam sign(W)`` instead, which pushes small weights toward exactly zero."""
    if not isinstance(split, Split):
        raise TypeError(f"split: expected a Split from make_split, got {type(split).__name__}")
    optimizer = Penalised(Adam(check_positive(lr, "lr")), lam, norm)
    rng = np.random.default_rng(seed)
    model = regression_net(width, rng=rng)
    history = fit(model, split.X_train, split.y_train, loss="mse", optimizer=optimizer, epochs=epochs, batch_size=None,
                  rng=rng, validation_data=(split.X_val, split.y_val))
    history.loss = [value + penalty for value, penalty in zip(history.loss, optimizer.penalties)]  # the penalised loss
    losses = [evaluate(model, X, y, "mse")[0] for X, y in ((split.X_train, split.y_train),
                                                             (split.X_val, split.y_val),
                                                             (split.X_test, split.y_test))]
    return Result(model, history, *losses, split)


def weights_of(model: Sequential) -> np.ndarray:
    """Every weight of the dense layers (no biases), in one vector."""
    return np.concatenate([W.ravel() for _, W in model.named_weights()])


def small_weight_share(model: Sequential, tol: float = 0.01) -> float:
    """The fraction of the weights (not biases) with ``|w| < tol``."""
    return float(np.mean(np.abs(weights_of(model)) < check_positive(tol, "tol")))


def training_sharpness(result: Result) -> float:
    """The sharpness where a run ended: the largest eigenvalue of the Hessian of its training MSE with respect to
    all its parameters (``nnlab.landscape.sharpness`` by power iteration, from a fixed start, to 1e-6).

    A large value is a narrow valley of the training loss, a small one a wide (flat) valley; notebook 05 explains
    it. The training points are the run's own (the training and validation points for a ``pooled`` run)."""
    if not isinstance(result, Result) or result.split is None:
        raise TypeError("result: expected a Result of train, compare or sweep (it knows its training points)")
    X, y = _training_data(result.split, result.pooled)
    objective = Objective(result.model, X, y, "mse")
    return sharpness(objective, objective.theta0, method="power", rng=np.random.default_rng(0), tol=1e-6)


@dataclass
class Sweep:
    """The losses of ``train`` over settings (rows) and seeds (columns), and the runs themselves.

    ``results[k][j]`` is the ``Result`` of setting k and seed j (shared with the cache of ``compare``: read
    its model, do not train it further). ``val`` is NaN for a setting trained on its validation set too
    (``pooled``); ``best_epoch`` is 0 where no early stopping needed the validation loss of every epoch.
    """

    name: str
    values: list
    seeds: list[int]
    train: np.ndarray
    val: np.ndarray
    test: np.ndarray
    best_epoch: np.ndarray
    results: list[list[Result]] = field(default_factory=list, repr=False)

    def best(self, on: str = "val") -> object:
        """The setting with the lowest mean ``on`` loss (``"val"`` or ``"test"``) over the seeds."""
        return self.values[int(np.argmin(self._losses(on).mean(axis=1)))]

    def _losses(self, on: str) -> np.ndarray:
        if on not in ("train", "val", "test"):
            raise ValueError(f'on: expected "train", "val" or "test", got {on!r}')
        return getattr(self, on)

    def row(self, value: object, on: str = "test") -> np.ndarray:
        """The ``on`` loss of setting ``value`` for every seed, shape (len(seeds),)."""
        if value not in self.values:
            raise ValueError(f"value: expected one of {self.values}, got {value!r}")
        return self._losses(on)[self.values.index(value)]

    def wins(self, a: object, b: object, on: str = "test") -> int:
        """On how many seeds setting ``a`` has a lower ``on`` loss than setting ``b`` (a paired comparison)."""
        return int(np.sum(self.row(a, on) < self.row(b, on)))

    def table(self, digits: int = 2, *, ranges: bool = True) -> Table:
        """One line per setting: the mean and the range over the seeds of each loss (``ranges=False``: the mean
        and the median, for runs whose best and worst seed depend on the last bits of the arithmetic). The text,
        which displays as a real table (``nnlab._format.Table``)."""
        width = max(10, *(len(str(v)) for v in self.values))
        spread = "(min-max)" if ranges else "(median)"
        lines = [f"{self.name:>{width}}   train {spread:<14} validation {spread:<11} test {spread}"]
        rows = []
        for k, value in enumerate(self.values):
            cells = [(f"{a[k].mean():.{digits}f} ({a[k].min():.{digits}f}-{a[k].max():.{digits}f})" if ranges
                      else f"{a[k].mean():.{digits}f} ({np.median(a[k]):.{digits}f})")
                     if np.isfinite(a[k]).all() else "(trained on)" for a in (self.train, self.val, self.test)]
            lines.append(f"{value!s:>{width}}   {cells[0]:<20} {cells[1]:<22} {cells[2]}")
            rows.append([value, *cells])
        header = [self.name, *(f"{name} {spread}" for name in ("train", "validation", "test"))]
        return Table("\n".join(lines), header, rows)

    def __repr__(self) -> str:
        return f"Sweep({self.name}: {len(self.values)} settings x {len(self.seeds)} seeds)"


#: what a setting of ``compare`` may set: ``train``'s arguments, and the split's sizes
SETTING_KEYS = ("width", "lam", "p", "epochs", "lr", "batch_size", "patience", "pooled", "n_train", "n_val")
SETTING_DEFAULTS = dict(width=32, lam=0.0, p=0.0, epochs=EPOCHS, lr=LR, batch_size=None, patience=None, pooled=False)


@lru_cache(maxsize=128)
def _runs(seeds: tuple[int, ...], noise: float, setting: tuple[tuple[str, object], ...]) -> tuple[Result, ...]:
    kwargs = dict(setting)
    n_train, n_val = kwargs.pop("n_train"), kwargs.pop("n_val")
    splits = [make_split(n_train, n_val=n_val, noise=noise, seed=s) for s in seeds]
    return tuple(train_seeds(splits, seeds, history=False, **kwargs))


def compare(settings: Mapping[object, Mapping[str, object]], seeds: Sequence[int] = (0, 1, 2, 3, 4), *,
            name: str = "setting", n_train: int = N_TRAIN, n_val: int = N_VAL, noise: float = NOISE) -> Sweep:
    """``train(make_split(n_train, seed=s), **setting, seed=s)`` for every setting and seed, side by side.

    ``settings`` maps a label to ``train``'s keyword arguments (``SETTING_KEYS``; ``n_train`` and ``n_val`` there
    override the split's sizes). Each seed draws new data (training, validation and test points) and new initial
    weights, so the spread over the seeds is what another student with other data would see; every setting sees
    the same data for the same seed, so two settings can be compared seed by seed (``Sweep.wins``). The runs are
    ``train_seeds``'s, cached: a setting asked for again, in another comparison too, is not trained again.
    """
    seeds = tuple(int(s) for s in seeds)
    if not settings or not seeds:
        raise ValueError("settings, seeds: expected at least one of each")
    rows = []
    for label, setting in settings.items():
        unknown = sorted(set(setting) - set(SETTING_KEYS))
        if unknown:
            raise ValueError(f"settings[{label!r}]: unknown key(s) {unknown}; expected some of {SETTING_KEYS}")
        full = {**SETTING_DEFAULTS, "n_train": n_train, "n_val": n_val, **setting}
        for key in ("lam", "p", "lr"):  # 0 and 0.0 are the same setting, and the same runs
            full[key] = float(full[key])
        rows.append(list(_runs(seeds, float(_check_noise(noise)), tuple(sorted(full.items())))))
    out = np.array([[[r.train, r.val, r.test, r.best_epoch] for r in row] for row in rows]).transpose(2, 0, 1)
    return Sweep(name, list(settings), list(seeds), out[0], out[1], out[2], out[3].astype(int), rows)


def sweep(name: str, values: Sequence, seeds: Sequence[int] = (0, 1, 2, 3, 4), *, n_train: int = N_TRAIN,
          n_val: int = N_VAL, noise: float = NOISE, **fixed) -> Sweep:
    """``train(make_split(n_train, seed=s), **{name: value}, **fixed, seed=s)`` for every value and seed: each seed
    draws new data (training, validation and test points) and new initial weights, so the spread over the seeds
    is what another student with other data would see. ``compare`` over one of ``train``'s arguments."""
    allowed = ("width", "lam", "p", "epochs", "lr", "batch_size", "patience")
    if name not in allowed:
        raise ValueError(f"name: expected one of {allowed}, got {name!r}")
    values = list(values)
    if not values:
        raise ValueError("values, seeds: expected at least one of each")
    return compare({value: {name: value, **fixed} for value in values}, seeds, name=name, n_train=n_train,
                   n_val=n_val, noise=noise)


# --- one real case: a few MNIST digits ---------------------------------------------------------------
@dataclass
class DigitsResult:
    """``train_digits``'s run: the history, the training accuracy at the end, and the test loss and errors."""

    model: Sequential
    history: History
    train_accuracy: float
    test_loss: float
    test_errors: int
    n_test: int

    @property
    def fitted_epoch(self) -> int | None:
        """The first epoch (1-based) during which every training digit was classified right (as ``fit`` counts it:
        by the epoch's forward pass, before its step); None if there was none."""
        return next((i + 1 for i, a in enumerate(self.history.accuracy) if a == 1.0), None)

    @property
    def test_accuracy(self) -> float:
        """The share of the test digits classified right."""
        return 1 - self.test_errors / self.n_test

    def __repr__(self) -> str:
        stop = f", stopped at epoch {self.history.epochs}" if self.history.stopped_early else ""
        return (f"DigitsResult(training accuracy {self.train_accuracy:.0%}, test loss {self.test_loss:.2f}, "
                f"{self.test_errors} of {self.n_test:,} test digits wrong; best validation epoch "
                f"{self.history.best_epoch + 1}{stop})")


def train_digits(n_train: int = 200, *, n_val: int = 300, width: int = 64, lam: float = 0.0,
                 patience: int | None = None, epochs: int = 100, seed: int = 0,
                 random_labels: bool = False) -> DigitsResult:
    """A ``784 - width - width - 1`` ReLU network on ``n_train`` of notebook 04's 3s and 8s (full-batch Adam,
    lr 1e-3, binary cross-entropy), validated on ``n_val`` others; both drawn from the first 1,000 training
    images with ``train_test_split`` (stratified, ``random_state=seed``). Tested on all 1,984 test digits.

    With ``random_labels=True`` the training labels are shuffled among the training images (seeded by ``seed``;
    the validation and test labels stay true): what is left to learn is noise (Zhang et al. 2017)."""
    from .data import load_mnist38
    from .layers import MLP
    from .mnist import scale_pixels

    check_nonnegative(lam, "lam")
    n_train, n_val = check_positive_int(n_train, "n_train"), check_positive_int(n_val, "n_val")
    if n_train + n_val > 1000:
        raise ValueError(f"n_train, n_val: expected at most 1,000 images together, got {n_train} + {n_val}")
    data = load_mnist38()
    X, y = scale_pixels(data.X_train[:1000], np.float64), data.y_train[:1000]
    X_train, X_val, y_train, y_val = train_test_split(X, y, train_size=n_train, test_size=n_val,
                                                      random_state=seed, stratify=y)
    if check_bool(random_labels, "random_labels"):
        y_train = np.random.default_rng([seed, 1]).permutation(y_train)
    rng = np.random.default_rng(seed)
    model = MLP([784, width, width, 1], "relu", rng=rng)
    history = fit(model, X_train, y_train, loss="bce", optimizer=Adam(1e-3, weight_decay=2 * float(lam)),
                  epochs=epochs, batch_size=None, rng=rng, validation_data=(X_val, y_val), patience=patience)
    X_test = scale_pixels(data.X_test, np.float64)
    test_loss, test_accuracy = evaluate(model, X_test, data.y_test, "bce")
    train_accuracy = evaluate(model, X_train, y_train, "bce")[1]
    n_test = len(data.y_test)
    return DigitsResult(model, history, train_accuracy, test_loss, round((1 - test_accuracy) * n_test), n_test)


class DecisionChanges(NamedTuple):
    """How two runs' decisions on the test digits differ (``decision_changes``)."""

    differ: int  #: test digits the two runs classify differently
    fixed: int  #: of those, wrong in the first run and right in the second
    broken: int  #: right in the first run and wrong in the second
    n_test: int  #: test digits in all


def decision_changes(first: DigitsResult, second: DigitsResult) -> DecisionChanges:
    """Compare the decisions (3 or 8: the sign of the logit) of two ``train_digits`` runs on all test digits.

    Two runs with the same number of errors can still decide differently: ``differ = fixed + broken``, and the
    error counts differ by ``broken - fixed``."""
    from .data import load_mnist38
    from .mnist import scale_pixels

    for name, r in (("first", first), ("second", second)):
        if not isinstance(r, DigitsResult):
            raise TypeError(f"{name}: expected a DigitsResult of train_digits, got {type(r).__name__}")
    data = load_mnist38()
    X_test = scale_pixels(data.X_test, np.float64)
    a, b = ((r.model.forward(X_test)[:, 0] > 0).astype(int) for r in (first, second))
    y = np.asarray(data.y_test)
    return DecisionChanges(int(np.sum(a != b)), int(np.sum((a != y) & (b == y))), int(np.sum((a == y) & (b != y))),
                           len(y))

