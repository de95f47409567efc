"""Batch normalisation and residual blocks: two fixes for vanishing and exploding gradients.

Both follow the ``Layer`` interface of ``nnlab.layers``: ``forward`` keeps what ``backward`` needs,
``backward(dout)`` fills ``grads`` (mirroring ``params``) and returns ``dL/d(input)``. Both work
inside a ``Sequential``, so the optimisers, ``clip_grad_norm`` and ``check_model`` see their
parameters like any other.

- ``BatchNorm`` standardises every column (unit) of a batch of pre-activations ``q``, ``B x K``,
  to mean 0 and variance 1, then rescales: ``q_tilde = gamma * q_hat + delta`` (the lecture's
  notation; PyTorch calls ``gamma`` and ``delta`` weight and bias).
- ``Residual`` adds a block's input to its output, ``y = x + F(x)``: the gradient reaching ``x``
  is ``dout + dF/dx^T dout``, a sum instead of only a product, so it cannot vanish through ``F``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import numpy as np

from ._validate import check_bool, check_positive, check_positive_int
from .layers import Layer, Sequential

#: the default eps of batch norm, added to the variance before the square root (PyTorch's default too)
EPS = 1e-5


def standardise(q: np.ndarray, eps: float = EPS, *, out: np.ndarray | None = None
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Batch norm's forward in training mode, without gamma and delta: every column of ``q`` to mean 0, variance 1.

    ``mu_k = mean_j q_jk``, ``sigma2_k = mean_j (q_jk - mu_k)^2`` (biased: divide by B),
    ``q_hat_jk = (q_jk - mu_k) / sqrt(sigma2_k + eps)``.

    Parameters
    ----------
    q : array, shape (B, K)
    eps : float
    out : array, shape (B, K), optional
        Where to write ``q_hat`` (``q`` itself, to overwrite it: the gradient probe of notebook 06 does).

    Returns
    -------
    q_hat : array, shape (B, K)
    mu, sigma2, inv_std : arrays, shape (K,)
        The batch's mean and variance, and ``1 / sqrt(sigma2 + eps)``.
    """
    mu = q.mean(axis=0)
    q_hat = np.subtract(q, mu, out=out)
    sigma2 = np.einsum("ij,ij->j", q_hat, q_hat) / len(q_hat)
    inv_std = 1.0 / np.sqrt(sigma2 + eps)
    q_hat *= inv_std
    return q_hat, mu, sigma2, inv_std


def standardise_backward(g: np.ndarray, q_hat: np.ndarray, inv_std: np.ndarray, *,
                         overwrite: bool = False) -> np.ndarray:
    """The gradient through ``standardise``: ``g = dL/dq_hat`` (B, K) -> ``dL/dq`` (B, K).

    Every ``q_hat_j`` depends on the whole batch through ``mu`` and ``sigma2``; the chain rule through both
    paths gives ``dL/dq = (g - mean_j g - q_hat * mean_j(g q_hat)) / sqrt(sigma2 + eps)`` (the two means are the
    paths through ``mu`` and ``sigma2``). ``overwrite=True`` computes it in ``g``'s memory.
    """
    u = g if overwrite else g.copy()
    u -= u.mean(axis=0)
    u -= q_hat * (np.einsum("ij,ij->j", u, q_hat) / len(u))
    u *= inv_std
    return u


class BatchNorm(Layer):
    """Batch normalisation of ``K`` units (Ioffe and Szegedy 2015).

    In training mode (``training=True``, the default) a batch ``q`` of shape ``(B, K)`` is
    standardised with its own statistics::

        mu_k = mean_j q_jk,   sigma2_k = mean_j (q_jk - mu_k)^2           (biased: divide by B)
        q_hat_jk = (q_jk - mu_k) / sqrt(sigma2_k + eps)
        q_tilde_jk = gamma_k q_hat_jk + delta_k

    and the running averages ``running_mean``, ``running_var`` move towards the batch's
    (``running <- (1 - momentum) running + momentum batch``; the variance stored is the unbiased
    one, ``sigma2_k B / (B - 1)``, as in PyTorch). In evaluation mode (``training=False``) the
    running averages replace the batch statistics, so one sample's output no longer depends on
    the others in its batch. ``nnlab.normalization.set_training(model, False)`` switches a whole
    model.

    Parameters
    ----------
    n_features : int
        ``K``, the number of units (columns) normalised.
    momentum : float
        Weight of the newest batch in the running averages, in (0, 1].
    eps : float
        Added to the variance before the square root (default ``EPS``).

    ``forward`` keeps ``self.q_hat`` (the standardised batch, (B, K)) and ``self.inv_std``
    (``1 / sqrt(sigma2 + eps)``, (K,)) for ``backward``.
    dtype : numpy dtype
        ``np.float64`` (default) or ``np.float32``.
    """

    def __init__(self, n_features: int, *, momentum: float = 0.1, eps: float = EPS,
                 dtype: type = np.float64) -> None:
        super().__init__()
        self.n_in = self.n_out = check_positive_int(n_features, "n_features")
        if isinstance(momentum, bool) or not 0 < momentum <= 1:
            raise ValueError(f"momentum: expected a number in (0, 1], got {momentum!r}")
        self.momentum = float(momentum)
        self.eps = check_positive(eps, "eps")
        self.dtype = np.dtype(dtype)
        if self.dtype.kind != "f":
            raise ValueError(f"dtype: expected np.float64 or np.float32, got {self.dtype}")
        k = self.n_in
        self.params = {"gamma": np.ones(k, self.dtype), "delta": np.zeros(k, self.dtype)}
        self.grads = {"gamma": np.zeros(k, self.dtype), "delta": np.zeros(k, self.dtype)}
        self.running_mean = np.zeros(k, self.dtype)
        self.running_var = np.ones(k, self.dtype)
        self.training = True
        self.q_hat: np.ndarray | None = None
        self.inv_std: np.ndarray | None = None
        self._trained_batch = False

    def forward(self, q: np.ndarray) -> np.ndarray:
        """q: (B, K) -> q_tilde: (B, K).

        Raises
        ------
        ValueError
            When ``q`` does not have ``K`` columns, or in training mode with fewer than 2 rows
            (the variance of one sample is 0).
        """
        if q.ndim != 2 or q.shape[1] != self.n_in:
            raise ValueError(f"q: expected shape (B, {self.n_in}), got {q.shape}")
        b = q.shape[0]
        if self.training:
            if b < 2:
                raise ValueError(f"q: batch normalisation in training mode needs a batch of at least 2 "
                                 f"samples, got {b}; for single samples use set_training(model, False)")
            self.q_hat, mu, var, self.inv_std = standardise(q, self.eps)
            m = self.momentum
            self.running_mean = (1 - m) * self.running_mean + m * mu
            self.running_var = (1 - m) * self.running_var + m * var * (b / (b - 1))
        else:
            self.inv_std = 1.0 / np.sqrt(self.running_var + self.eps)
            self.q_hat = (q - self.running_mean) * self.inv_std
        self._trained_batch = self.training
        return self.params["gamma"] * self.q_hat + self.params["delta"]

    def backward(self, dout: np.ndarray) -> np.ndarray:
        """dout = dL/dq_tilde: (B, K) -> dL/dq: (B, K); fills grads gamma (K,) and delta (K,).

        q_tilde = gamma q_hat + delta, so dL/dgamma = sum_j dout_j q_hat_j, dL/ddelta = sum_j dout_j and
        g = dL/dq_hat = dout gamma. In training mode every q_hat depends on the whole batch:
        ``dL/dq = (g - mean_j g - q_hat * mean_j(g q_hat)) / sqrt(sigma2 + eps)`` (``standardise_backward``).
        In evaluation mode the statistics are constants and ``dL/dq = g / sqrt(running_var + eps)``.
        """
        if self.q_hat is None:
            raise RuntimeError("backward called before forward")
        self.grads["gamma"] = np.einsum("ij,ij->j", dout, self.q_hat)
        self.grads["delta"] = dout.sum(axis=0)
        g = dout * self.params["gamma"]
        if not self._trained_batch:
            return g * self.inv_std
        return standardise_backward(g, self.q_hat, self.inv_std, overwrite=True)

    def __repr__(self) -> str:
        mode = "" if self.training else ", eval"
        return f"BatchNorm({self.n_in}{mode})"


class Residual(Sequential):
    """A residual block ``y = x + F(x)``, where ``F`` is the layers given (a ``Sequential``).

    ``F`` must keep the width: its output has the shape of its input. Backward adds the two
    paths: ``dL/dx = dout + (dF/dx)^T dout``. The parameters of ``F`` are the block's parameters,
    named as in a nested ``Sequential`` (``"2.0.W"``: layer 0 of ``F``, inside layer 2 of the model).

    Parameters
    ----------
    *layers : Layer
        The layers of ``F``, in order (or a single ``Sequential``, or a list).

    Examples
    --------
    >>> import numpy as np, nnlab as nl
    >>> rng = np.random.default_rng(0)
    >>> block = Residual(nl.Dense(4, 4, rng=rng), nl.Activation("relu"))
    >>> block.forward(np.zeros((3, 4))).shape
    (3, 4)
    """

    def __init__(self, *layers: Layer) -> None:
        super().__init__(*layers)
        if not self.layers:
            raise ValueError("layers: a residual block needs at least one layer for F")

    def forward(self, X: np.ndarray, *, check: bool = False) -> np.ndarray:
        """X: (N, n) -> X + F(X): (N, n).

        A block inside a model takes its input from the layer before, unchecked (so a diverging
        run reaches the loss, where it is caught); ``check=True`` validates ``X`` as
        ``Sequential.forward`` does.
        """
        F = super().forward(X, check=check)
        if F.shape != np.shape(X):
            raise ValueError(f"layers: a residual block's F must keep the shape of its input, "
                             f"got F(x) of shape {F.shape} for x of shape {np.shape(X)}")
        return X + F

    __call__ = forward

    def backward(self, dout: np.ndarray) -> np.ndarray:
        """dout = dL/dy: (N, n) -> dL/dX = dout + dF^T dout: (N, n); fills the grads of F."""
        return dout + super().backward(dout)

    def param_backward(self, dout: np.ndarray) -> None:
        """Fill the grads of F (``Sequential.param_backward``: the skip path adds nothing to them)."""
        super().param_backward(dout)

    def _title(self) -> str:
        return "Residual: x + F(x), F ="


def set_training(model: Layer, training: bool) -> None:
    """Switch every layer with a training mode in ``model`` (nested ``Sequential`` and ``Residual`` too):
    ``BatchNorm`` to batch statistics or running averages, ``Dropout`` to random masks or the identity."""
    check_bool(training, "training")
    for _, layer in model.named_layers():
        if hasattr(layer, "training"):
            layer.training = training


@contextlib.contextmanager
def training_mode(model: Layer, training: bool) -> Iterator[Layer]:
    """``set_training(model, training)`` inside a ``with`` block; afterwards every layer is back in its own mode.

    >>> with training_mode(model, False):   # doctest: +SKIP
    ...     y_hat = model.forward(X)        # batch norm's running averages, no dropout
    """
    before = [(layer, layer.training) for _, layer in model.named_layers() if hasattr(layer, "training")]
    set_training(model, training)
    try:
        yield model
    finally:
        for layer, was in before:
            layer.training = was
