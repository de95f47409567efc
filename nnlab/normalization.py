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

import numpy as np

from ._validate import check_positive, check_positive_int
from .layers import Layer, Sequential

#: the default eps of batch norm, added to the variance before the square root (PyTorch's default too)
EPS = 1e-5


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
            mu = q.sum(axis=0) / b
            centred = q - mu
            var = np.einsum("ij,ij->j", centred, centred) / b
            m = self.momentum
            self.running_mean = (1 - m) * self.running_mean + m * mu
            self.running_var = (1 - m) * self.running_var + m * var * (b / (b - 1))
        else:
            centred = q - self.running_mean
            var = self.running_var
        self.inv_std = 1.0 / np.sqrt(var + self.eps)
        self.q_hat = centred * self.inv_std
        self._trained_batch = self.training
        return self.params["gamma"] * self.q_hat + self.params["delta"]

    def backward(self, dout: np.ndarray, input_grad: bool = True) -> np.ndarray | None:
        """dout = dL/dq_tilde: (B, K) -> dL/dq: (B, K); fills grads gamma (K,) and delta (K,).

        dL/dgamma = sum_j dout_j q_hat_j and dL/ddelta = sum_j dout_j. In training mode every
        q_hat depends on the whole batch through mu and sigma, which gives, with
        g = dout * gamma::

            dL/dq = (g - mean_j g - q_hat * mean_j(g q_hat)) / sqrt(sigma2 + eps)

        (the two subtracted means are the paths through mu and sigma). In evaluation mode the
        statistics are constants and ``dL/dq = g / sqrt(running_var + eps)``.
        """
        if self.q_hat is None:
            raise RuntimeError("backward called before forward")
        q_hat, b = self.q_hat, self.q_hat.shape[0]
        dgamma = np.einsum("ij,ij->j", dout, q_hat)
        ddelta = dout.sum(axis=0)
        self.grads["gamma"], self.grads["delta"] = dgamma, ddelta
        if not input_grad:
            return None
        gamma = self.params["gamma"]
        if not self._trained_batch:
            return dout * (gamma * self.inv_std)
        # with g = dout * gamma: mean_j g = gamma * ddelta / B and mean_j(g q_hat) = gamma * dgamma / B
        scale = gamma * self.inv_std
        return scale * (dout - ddelta / b - q_hat * (dgamma / b))

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

    def backward(self, dout: np.ndarray, input_grad: bool = True) -> np.ndarray | None:
        """dout = dL/dy: (N, n) -> dL/dX = dout + dF^T dout: (N, n); fills the grads of F."""
        dF = super().backward(dout, input_grad=input_grad)
        return dout + dF if input_grad else None

    def _title(self) -> str:
        return "Residual: x + F(x), F ="


def set_training(model: Layer, training: bool) -> None:
    """Switch every layer with a training mode in ``model`` (nested ``Sequential`` and ``Residual`` too):
    ``BatchNorm`` to batch statistics or running averages, ``Dropout`` to random masks or the identity."""
    if not isinstance(training, bool):
        raise TypeError(f"training: expected True or False, got {training!r}")
    for _, layer in model.named_layers():
        if hasattr(layer, "training"):
            layer.training = training
