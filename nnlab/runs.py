"""Many runs of gradient descent side by side: the fast twin of ``nnlab.fit`` for a stack of small networks.

Notebook 05 trains dozens of copies of a one-hidden-layer network from random starts on the same data. One
``fit`` after another would take minutes; here all runs are stacked into arrays of shape ``(R, ...)`` and take
their steps together (``train_many``), with the same math as ``Dense``, ``Activation`` and ``nnlab.mse`` and the
same shuffles as ``fit``: the tests check it against ``fit`` step for step.

- ``random_starts``: parameter vectors of freshly initialised copies of an MLP;
- ``train_many``: plain SGD from given starts, recording the paths; ``multi_start``: from random starts;
- ``Runs``: the paths and where the runs ended (loss, gradient norm, sharpness);
- ``cyclic_runs``: gradient descent from many starts with a learning rate that cycles (``nnlab.optim.cyclic_lr``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ._validate import check_array, check_positive, check_positive_int, check_rng
from .activations import Nonlinearity
from .landscape import Objective, _check_objective, _slices, sharpness
from .layers import MLP, Activation, check_mlp
from .optim import cyclic_lr

__all__ = ["CyclicRuns", "Runs", "cyclic_runs", "multi_start", "random_starts", "stacked_dense_backward",
           "stacked_dense_forward", "train_many"]


# --- the dense layer's math on stacks of networks ------------------------------------------------------
def stacked_dense_forward(X: np.ndarray, W: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``Dense.forward`` (z = X W + b) for S networks side by side: X (S, N, n_in), W (S, n_in, n_out) and
    b (S, 1, n_out) -> z (S, N, n_out)."""
    return X @ W + b


def stacked_dense_backward(X: np.ndarray, W: np.ndarray, dout: np.ndarray
                           ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``Dense.backward`` for S networks side by side, from dout = dL/dz (S, N, n_out): each network's
    dX = dout W^T (S, N, n_in), dW = X^T dout (S, n_in, n_out) and db, dout summed over its samples (S, n_out)."""
    return dout @ W.swapaxes(-1, -2), X.swapaxes(-1, -2) @ dout, dout.sum(axis=-2)


def random_starts(model: MLP, n_starts: int, *, rng: np.random.Generator) -> np.ndarray:
    """Parameter vectors of ``n_starts`` freshly initialised copies of an MLP (nnlab's initialiser).

    Returns
    -------
    array, shape (n_starts, P)
    """
    if not isinstance(model, MLP):
        raise TypeError(f"model: expected an nnlab MLP, got {type(model).__name__}")
    n_starts = check_positive_int(n_starts, "n_starts")
    check_rng(rng)
    return np.array([MLP(model.sizes, model.activation, rng=rng, **model.activation_params).get_params_vector()
                     for _ in range(n_starts)])


@dataclass
class Runs:
    """What ``train_many`` returns: the recorded paths of several runs and where they ended.

    Attributes
    ----------
    objective : Objective
        The loss all runs minimised.
    paths : array, shape (R, T, P)
        Parameters of each run at each record; ``paths[:, 0]`` are the starts.
    epochs : array, shape (T,)
        The epoch of each record (0 = the start).
    thetas : array, shape (R, P)
        Where the runs ended (``paths[:, -1]``).
    losses : array, shape (R,)
        Full-batch loss at the end, computed by nnlab's model (not by the training loop).
    grad_norms : array, shape (R,)
        Norm of the full-batch gradient at the end: near 0 at a minimum (or a saddle).
    """

    objective: Objective
    paths: np.ndarray
    epochs: np.ndarray
    thetas: np.ndarray = field(init=False)
    losses: np.ndarray = field(init=False)
    grad_norms: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        self.thetas = self.paths[:, -1].copy()
        values = [self.objective._value_and_grad(t) for t in self.thetas]
        self.losses = np.array([v for v, _ in values])
        self.grad_norms = np.array([np.linalg.norm(g) for _, g in values])

    def sharpness(self, **kwargs: object) -> np.ndarray:
        """The sharpness (largest Hessian eigenvalue) at the end of every run, shape (R,).

        Keyword arguments go to ``nnlab.landscape.sharpness``.
        """
        return np.array([sharpness(self.objective, t, **kwargs) for t in self.thetas])

    def __repr__(self) -> str:
        return f"Runs({len(self.paths)} runs, {self.epochs[-1]} epochs, best loss {self.losses.min():.4g})"


def _check_one_hidden_layer_mse(objective: Objective) -> tuple[list[tuple[int, ...]], Activation]:
    """The parameter shapes (W1, b1, W2, b2) and the activation of a one-hidden-layer MLP trained on MSE."""
    model = objective.model
    try:
        dense, acts = check_mlp(model, "objective", n_out=1)
    except (TypeError, ValueError):
        dense, acts = [], []
    if len(acts) != 1 or not all(d.bias for d in dense) or objective.loss != "mse":
        raise ValueError("objective: train_many expects an MLP with one hidden layer (with biases) and one output, "
                         f"and loss='mse'; got {model!r} with loss={objective.loss!r}")
    return [shape for _, _, _, shape in _slices(model)], acts[0]


def train_many(objective: Objective, thetas: np.ndarray, *, lr: float, epochs: int,
               batch_size: int | None = None, rng: np.random.Generator, record_every: int = 10) -> Runs:
    """Train several copies of a one-hidden-layer network side by side with plain SGD.

    Each run does exactly what ``nnlab.fit(model, X, y, loss="mse", optimizer=SGD(lr),
    batch_size=batch_size, epochs=epochs, rng=rng)`` does for one network (shuffle every epoch,
    contiguous minibatches, theta <- theta - lr * gradient), but all runs are stacked into arrays
    of shape (R, ...) and updated together, which is dozens of times faster than one run after
    another. The tests check it against ``nnlab.fit`` step for step.

    Parameters
    ----------
    objective : Objective
        An MLP ``[n_in, H, 1]`` with loss ``"mse"``, and the data.
    thetas : array, shape (R, P)
        The starting points.
    lr : float
        Learning rate.
    epochs : int
    batch_size : int or None
        Minibatch size; None for full-batch gradient descent (one step per epoch).
    rng : np.random.Generator
        Shuffles each run's samples every epoch (one ``rng.permutation`` per run, as ``fit``).
    record_every : int
        Keep the parameters every this many epochs (and at the start and the end).

    Returns
    -------
    Runs
    """
    _check_objective(objective)
    shapes, activation = _check_one_hidden_layer_mse(objective)
    thetas = check_array(thetas, "thetas", ndim=2, dtype=np.float64)
    if thetas.shape[1] != objective.n_params:
        raise ValueError(f"thetas: expected shape (R, {objective.n_params}), got {thetas.shape}")
    lr = check_positive(lr, "lr")
    epochs = check_positive_int(epochs, "epochs")
    record_every = check_positive_int(record_every, "record_every")
    check_rng(rng)
    X, Y = objective.X.astype(np.float64), objective.Y.astype(np.float64)[:, 0]
    n = len(X)
    batch_size = n if batch_size is None else check_positive_int(batch_size, "batch_size")
    phi = activation.phi
    R = len(thetas)
    bounds = np.cumsum([0, *[int(np.prod(s)) for s in shapes]])
    # the parameters of all runs, stacked: W1 (R, n_in, H), b1 (R, 1, H), W2 (R, H, 1), b2 (R, 1, 1)
    W1, b1, W2, b2 = (thetas[:, bounds[k]:bounds[k + 1]].copy() for k in range(4))
    params = [W1.reshape(R, *shapes[0]), b1[:, None, :], W2[:, :, None], b2[:, None, :]]

    def flat() -> np.ndarray:
        W1, b1, W2, b2 = params
        return np.concatenate([W1.reshape(R, -1), b1[:, 0], W2[:, :, 0], b2[:, 0]], axis=1)

    records, record_epochs = [flat()], [0]
    X_epoch, Y_epoch = np.broadcast_to(X, (R, *X.shape)), np.broadcast_to(Y, (R, n))
    # overflow in a diverging run is caught below, by the parameters turning NaN or infinite
    with np.errstate(over="ignore", invalid="ignore"):
        for epoch in range(1, epochs + 1):
            if batch_size < n:
                order = np.array([rng.permutation(n) for _ in range(R)])
                X_epoch, Y_epoch = X[order], Y[order]  # (R, n, n_in), (R, n)
            for start in range(0, n, batch_size):
                _stacked_sgd_step(params, phi, X_epoch[:, start:start + batch_size],
                                  Y_epoch[:, start:start + batch_size], lr)
            if epoch % record_every == 0 or epoch == epochs:
                records.append(flat())
                record_epochs.append(epoch)
                if not np.isfinite(records[-1]).all():
                    bad = int(np.count_nonzero(~np.isfinite(records[-1]).all(axis=1)))
                    raise FloatingPointError(f"training diverged by epoch {epoch} in {bad} of {R} runs; "
                                             f"try a smaller learning rate than lr={lr}")
    return Runs(objective, np.stack(records, axis=1), np.array(record_epochs))


def _stacked_sgd_step(params: list[np.ndarray], phi: Nonlinearity, Xb: np.ndarray, Yb: np.ndarray,
                      lr: float) -> None:
    """One SGD step of R networks Dense -> Activation -> Dense at once, on the mean squared error, in place.

    The same math as ``Dense`` (``stacked_dense_forward``/``stacked_dense_backward``), ``Activation`` and
    ``nnlab.mse``, on stacks: ``Xb`` (R, B, n_in), ``Yb`` (R, B), ``params`` W1 (R, n_in, H), b1 (R, 1, H),
    W2 (R, H, 1), b2 (R, 1, 1); the activation's derivative comes from nnlab's table (``phi.grad``).
    """
    W1, b1, W2, b2 = params
    z = stacked_dense_forward(Xb, W1, b1)                      # (R, B, H)
    a = phi.f(z)
    y_hat = stacked_dense_forward(a, W2, b2)[:, :, 0]          # (R, B)
    dy = ((2.0 / Yb.shape[1]) * (y_hat - Yb))[:, :, None]      # dL/dy_hat of each run's mean squared error
    da, dW2, db2 = stacked_dense_backward(a, W2, dy)
    dz = da * phi.grad(z)
    _, dW1, db1 = stacked_dense_backward(Xb, W1, dz)
    W1 -= lr * dW1
    b1 -= lr * db1[:, None, :]
    W2 -= lr * dW2
    b2 -= lr * db2[:, None, :]


def multi_start(objective: Objective, n_starts: int, *, lr: float, epochs: int,
                batch_size: int | None = None, rng: np.random.Generator, record_every: int = 10) -> Runs:
    """Gradient descent (or minibatch SGD) from ``n_starts`` random initialisations.

    The starts come from ``random_starts(objective.model, n_starts, rng=rng)`` and are drawn
    first, so two calls with generators seeded alike start from the same points whatever their
    batch sizes. See ``train_many`` for the other arguments.

    Returns
    -------
    Runs
    """
    _check_objective(objective)
    _check_one_hidden_layer_mse(objective)
    starts = random_starts(objective.model, n_starts, rng=rng)
    return train_many(objective, starts, lr=lr, epochs=epochs, batch_size=batch_size, rng=rng,
                      record_every=record_every)


# --- gradient descent with a learning rate that cycles ------------------------------------------------------------
@dataclass
class CyclicRuns:
    """What ``cyclic_runs`` returns: where each run was at the end of every cycle.

    Attributes
    ----------
    lrs : array, shape (T,)
        The learning rate of every step (a staircase of the cycle).
    thetas : array, shape (cycles + 1, R, P)
        The starts, then each run's parameters at the end of every cycle (where the rate is back at its low end).
    losses : array, shape (cycles + 1, R)
        The loss there.
    """

    lrs: np.ndarray
    thetas: np.ndarray
    losses: np.ndarray


def cyclic_runs(objective: Objective, starts: np.ndarray, *, base_lr: float, max_lr: float, step_size: int,
                cycles: int, every: int = 10) -> CyclicRuns:
    """Full-batch gradient descent from several starts with a cyclic learning rate, the runs side by side.

    The rate follows ``nnlab.optim.cyclic_lr`` (Smith's triangle: ``base_lr`` up to ``max_lr`` in ``step_size``
    steps and back), held for ``every`` steps at a time at its value in the middle of those steps: a staircase of
    the triangle, so that ``train_many`` takes the steps of all runs together (``every`` steps per call).
    ``nnlab.fit`` with ``nnlab.optim.CyclicLR`` changes the rate at every step; the tests check that both end in
    the same minima.

    Parameters
    ----------
    objective : Objective
        A one-hidden-layer MLP with loss ``"mse"`` (as ``train_many`` takes), and the data.
    starts : array, shape (R, P)
    base_lr, max_lr : float
    step_size : int
        Steps from ``base_lr`` to ``max_lr``; ``2 step_size`` must be a multiple of ``every``.
    cycles : int
    every : int

    Returns
    -------
    CyclicRuns
    """
    _check_objective(objective)
    step_size, cycles = check_positive_int(step_size, "step_size"), check_positive_int(cycles, "cycles")
    every = check_positive_int(every, "every")
    if (2 * step_size) % every:
        raise ValueError(f"every: expected a divisor of a cycle's {2 * step_size} steps, got {every}")
    thetas = check_array(starts, "starts", ndim=2, dtype=np.float64)
    rng = np.random.default_rng(0)  # full batch: train_many draws nothing from it
    snapshots, losses, lrs = [thetas], [np.array([objective._value(t) for t in thetas])], []
    for cycle in range(cycles):
        for start in range(0, 2 * step_size, every):
            lr = cyclic_lr(2 * step_size * cycle + start + every // 2, base_lr, max_lr, step_size)
            lrs += [lr] * every
            runs = train_many(objective, thetas, lr=lr, epochs=every, rng=rng, record_every=every)
            thetas = runs.thetas
        snapshots.append(thetas)
        losses.append(runs.losses)
    return CyclicRuns(np.array(lrs), np.stack(snapshots), np.stack(losses))
