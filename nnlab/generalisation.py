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
from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
from sklearn.model_selection import train_test_split

from ._validate import check_positive, check_positive_int, check_rng
from .layers import Activation, Dense, Dropout, Layer, Sequential
from .losses import mse, weight_penalty
from .normalization import set_training
from .optim import Adam, History, evaluate, fit

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
    early stopping), its history, and its loss (MSE) on the three sets."""

    model: Sequential
    history: History
    train: float
    val: float
    test: float

    @property
    def best_epoch(self) -> int:
        """The epoch (1-based) with the lowest validation loss."""
        return self.history.best_epoch + 1

    def __repr__(self) -> str:
        stop = f", stopped at epoch {self.history.epochs}" if self.history.stopped_early else ""
        return (f"Result(train {self.train:.3f}, validation {self.val:.3f}, test {self.test:.3f}; "
                f"best epoch {self.best_epoch}{stop})")


def train(split: Split, *, width: int = 32, lam: float = 0.0, p: float = 0.0, epochs: int = EPOCHS,
          lr: float = LR, batch_size: int | None = None, patience: int | None = None, seed: int = 0) -> Result:
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
    seed : int
        Seeds the initial weights, the dropout masks and the shuffling.

    The model comes back in evaluation mode (dropout is the identity), so that what it predicts, and what
    a figure draws of it, is the trained function and not one random mask of it. To train it further with
    ``fit``, switch it back first: ``nnlab.normalization.set_training(model, True)``.
    """
    if not isinstance(split, Split):
        raise TypeError(f"split: expected a Split from make_split, got {type(split).__name__}")
    if isinstance(lam, bool) or not isinstance(lam, numbers.Real) or not np.isfinite(lam) or lam < 0:
        raise ValueError(f"lam: expected a number >= 0, got {lam!r}")
    rng = np.random.default_rng(seed)
    model = regression_net(width, p=p, rng=rng)
    history = fit(model, split.X_train, split.y_train, loss="mse",
                  optimizer=Adam(lr, weight_decay=2 * float(lam)), epochs=epochs, batch_size=batch_size, rng=rng,
                  validation_data=(split.X_val, split.y_val), patience=patience)
    set_training(model, False)
    losses = [evaluate(model, X, y, "mse")[0] for X, y in ((split.X_train, split.y_train),
                                                             (split.X_val, split.y_val),
                                                             (split.X_test, split.y_test))]
    return Result(model, history, *losses)


def train_penalised(split: Split, *, lam: float, norm: str = "l2", width: int = 32, epochs: int = EPOCHS,
                    lr: float = LR, seed: int = 0) -> Result:
    """Full-batch Adam on ``mse + weight_penalty(model, lam, norm)``: the penalty added to the loss, its gradient
    added to the backward pass's. With ``norm="l2"`` these are the steps of ``train(lam=lam)`` (the tests check it);
    ``norm="l1"`` adds ``lam sign(W)`` instead, which pushes small weights toward exactly zero."""
    if not isinstance(split, Split):
        raise TypeError(f"split: expected a Split from make_split, got {type(split).__name__}")
    weight_penalty(Sequential(), lam, norm)  # the arguments, checked once
    rng = np.random.default_rng(seed)
    model = regression_net(width, rng=rng)
    optimizer, history = Adam(check_positive(lr, "lr")), History()
    slots = {f"{path}.{key}": (layer, key) for path, layer in model.named_layers() for key in layer.params}
    for _ in range(check_positive_int(epochs, "epochs")):
        value, dout = mse(model.forward(split.X_train), split.y_train[:, None])
        model.param_backward(dout)
        penalty, grads = weight_penalty(model, lam, norm)
        for name, g in grads.items():
            layer, key = slots[name]
            layer.grads[key] = layer.grads[key] + g
        optimizer.step(model)
        history.loss.append(value + penalty)
        history.val_loss.append(evaluate(model, split.X_val, split.y_val, "mse")[0])
    history.best_epoch = int(np.argmin(history.val_loss))
    losses = [evaluate(model, X, y, "mse")[0] for X, y in ((split.X_train, split.y_train),
                                                             (split.X_val, split.y_val),
                                                             (split.X_test, split.y_test))]
    return Result(model, history, *losses)


def weights_of(model: Sequential) -> np.ndarray:
    """Every weight of the dense layers (no biases), in one vector."""
    return np.concatenate([p.ravel() for name, p in model.named_params() if name.endswith(".W")])


def small_weight_share(model: Sequential, tol: float = 0.01) -> float:
    """The fraction of the weights (not biases) with ``|w| < tol``."""
    return float(np.mean(np.abs(weights_of(model)) < check_positive(tol, "tol")))


@dataclass
class Sweep:
    """The losses of ``train`` over settings (rows) and seeds (columns)."""

    name: str
    values: list
    seeds: list[int]
    train: np.ndarray
    val: np.ndarray
    test: np.ndarray
    best_epoch: np.ndarray

    def best(self, on: str = "val") -> object:
        """The setting with the lowest mean ``on`` loss (``"val"`` or ``"test"``) over the seeds."""
        if on not in ("train", "val", "test"):
            raise ValueError(f'on: expected "train", "val" or "test", got {on!r}')
        return self.values[int(np.argmin(getattr(self, on).mean(axis=1)))]

    def table(self, digits: int = 2) -> str:
        """One line per setting: the mean and the range over the seeds of each loss."""
        lines = [f"{self.name:>10}   train (min-max)      validation (min-max)   test (min-max)"]
        for k, value in enumerate(self.values):
            cells = [f"{a[k].mean():.{digits}f} ({a[k].min():.{digits}f}-{a[k].max():.{digits}f})"
                     for a in (self.train, self.val, self.test)]
            lines.append(f"{value!s:>10}   {cells[0]:<20} {cells[1]:<22} {cells[2]}")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"Sweep({self.name}: {len(self.values)} settings x {len(self.seeds)} seeds)"


def sweep(name: str, values: Sequence, seeds: Sequence[int] = (0, 1, 2, 3, 4), *, n_train: int = N_TRAIN,
          n_val: int = N_VAL, noise: float = NOISE, **fixed) -> Sweep:
    """``train(make_split(n_train, seed=s), **{name: value}, **fixed, seed=s)`` for every value and seed: each seed
    draws new data (training, validation and test points) and new initial weights, so the spread over the seeds
    is what another student with other data would see."""
    allowed = ("width", "lam", "p", "epochs", "lr", "batch_size", "patience")
    if name not in allowed:
        raise ValueError(f"name: expected one of {allowed}, got {name!r}")
    values, seeds = list(values), [int(s) for s in seeds]
    if not values or not seeds:
        raise ValueError("values, seeds: expected at least one of each")
    splits = [make_split(n_train, n_val=n_val, noise=noise, seed=s) for s in seeds]
    out = np.zeros((4, len(values), len(seeds)))
    for i, value in enumerate(values):
        for j, (seed, split) in enumerate(zip(seeds, splits)):
            r = train(split, **{name: value}, **fixed, seed=seed)
            out[:, i, j] = r.train, r.val, r.test, r.best_epoch
    return Sweep(name, values, seeds, out[0], out[1], out[2], out[3].astype(int))


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

    def __repr__(self) -> str:
        stop = f", stopped at epoch {self.history.epochs}" if self.history.stopped_early else ""
        return (f"DigitsResult(training accuracy {self.train_accuracy:.0%}, test loss {self.test_loss:.2f}, "
                f"{self.test_errors} of {self.n_test:,} test digits wrong; best validation epoch "
                f"{self.history.best_epoch + 1}{stop})")


def train_digits(n_train: int = 200, *, n_val: int = 300, width: int = 64, lam: float = 0.0,
                 patience: int | None = None, epochs: int = 100, seed: int = 0) -> DigitsResult:
    """A ``784 - width - width - 1`` ReLU network on ``n_train`` of notebook 04's 3s and 8s (full-batch Adam,
    lr 1e-3, binary cross-entropy), validated on ``n_val`` others; both drawn from the first 1,000 training
    images with ``train_test_split`` (stratified, ``random_state=seed``). Tested on all 1,984 test digits."""
    from .data import load_mnist38
    from .layers import MLP
    from .mnist import scale_pixels

    if isinstance(lam, bool) or not isinstance(lam, numbers.Real) or not np.isfinite(lam) or lam < 0:
        raise ValueError(f"lam: expected a number >= 0, got {lam!r}")
    n_train, n_val = check_positive_int(n_train, "n_train"), check_positive_int(n_val, "n_val")
    if n_train + n_val > 1000:
        raise ValueError(f"n_train, n_val: expected at most 1,000 images together, got {n_train} + {n_val}")
    data = load_mnist38()
    X, y = scale_pixels(data.X_train[:1000], np.float64), data.y_train[:1000]
    X_train, X_val, y_train, y_val = train_test_split(X, y, train_size=n_train, test_size=n_val,
                                                      random_state=seed, stratify=y)
    rng = np.random.default_rng(seed)
    model = MLP([784, width, width, 1], "relu", rng=rng)
    history = fit(model, X_train, y_train, loss="bce", optimizer=Adam(1e-3, weight_decay=2 * float(lam)),
                  epochs=epochs, batch_size=None, rng=rng, validation_data=(X_val, y_val), patience=patience)
    X_test = scale_pixels(data.X_test, np.float64)
    test_loss, test_accuracy = evaluate(model, X_test, data.y_test, "bce")
    train_accuracy = evaluate(model, X_train, y_train, "bce")[1]
    n_test = len(data.y_test)
    return DigitsResult(model, history, train_accuracy, test_loss, round((1 - test_accuracy) * n_test), n_test)
