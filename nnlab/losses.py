"""Losses. Each takes the network output and the targets and returns ``(loss, d_output)``.

``loss`` is a Python float, the mean over samples; ``d_output`` = dL/d(output) has the shape
of the output, ready to pass to ``model.backward``.

When the output layer's nonlinearity and the loss are matched (sigmoid with binary
cross-entropy, softmax with cross-entropy, identity with squared error), dL/dz is simply
``(y_hat - y) / N`` (times 2 for squared error). That is why the classification losses take
**logits** z: the shortcut is exact only when the sigmoid/softmax is inside the loss.

Each public loss checks its targets with ``prepare_targets`` and then calls a small kernel
(``_mse``, ``_bce``, ``_softmax_ce``) that only does the math; ``fit`` checks the targets once
and calls the kernels on every minibatch.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ._validate import check_choice, check_nonnegative
from .activations import sigmoid

LossFn = Callable[[np.ndarray, np.ndarray], tuple[float, np.ndarray]]


def _as_float(a: object) -> np.ndarray:
    a = np.asarray(a)
    return a if a.dtype.kind == "f" else a.astype(np.float64)


def prepare_targets(loss: str, output: np.ndarray, y: object) -> np.ndarray:
    """Check targets against a loss and return them shaped and typed like ``output``.

    Parameters
    ----------
    loss : str
        ``"mse"``, ``"bce"`` or ``"softmax_ce"``.
    output : array, shape (N, k) or (N,)
        The network output the targets go with (only its shape and dtype are used).
    y : array_like
        ``"mse"``: real targets of the output's shape, or (N,) when the output is (N, 1);
        ``"bce"``: labels in {0, 1} (or probabilities in [0, 1]), same shapes;
        ``"softmax_ce"``: (N,) integer labels in [0, K), or (N, K) one-hot rows.

    Returns
    -------
    Y : array, shape and dtype of ``output``
        For ``"softmax_ce"`` with integer labels, the one-hot matrix.
    """
    get_loss(loss)
    y = np.asarray(y)
    if y.dtype.kind not in "biuf":
        raise ValueError(f"y: expected numeric targets, got dtype {y.dtype}")
    if loss == "softmax_ce":
        if output.ndim != 2:
            raise ValueError(f"logits: expected shape (N, K), got {output.shape}")
        n, k = output.shape
        if y.ndim == 1:
            if y.shape[0] != n:
                raise ValueError(f"y: expected {n} labels to match the logits, got {y.shape[0]}")
            if y.dtype.kind == "f" and not np.all(y == np.round(y)):
                raise ValueError(f"y: expected integer class labels in [0, {k}), got non-integer values")
            if y.size and (y.min() < 0 or y.max() >= k):
                raise ValueError(f"y: expected class labels in [0, {k}), got values from {y.min()} to {y.max()}")
            Y = np.zeros(output.shape, output.dtype)
            Y[np.arange(n), y.astype(int)] = 1
            return Y
    if y.ndim == 1 and output.ndim == 2 and output.shape[1] == 1:
        y = y[:, None]
    if y.shape != output.shape:
        raise ValueError(f"y: expected targets of shape {output.shape} to match the output, got {y.shape}")
    if not np.isfinite(y).all():
        raise ValueError("y: expected finite targets, found NaN or infinite values")
    if loss == "bce" and ((y < 0) | (y > 1)).any():
        raise ValueError(f"y: expected binary labels 0 or 1 (or probabilities in [0, 1]) for binary "
                         f"cross-entropy, got values from {y.min():g} to {y.max():g}")
    return y.astype(output.dtype, copy=False)


# --- the math, on prepared targets ----------------------------------------------------------
def _mse(y_hat: np.ndarray, Y: np.ndarray) -> tuple[float, np.ndarray]:
    diff = y_hat - Y
    return float(np.vdot(diff, diff)) / diff.size, (2.0 / diff.size) * diff


def _bce(z: np.ndarray, Y: np.ndarray) -> tuple[float, np.ndarray]:
    # -[y log p + (1 - y) log(1 - p)] with p = sigmoid(z) equals log(1 + e^z) - y z, whose derivative is
    # e^z / (1 + e^z) - y = sigmoid(z) - y; the mean over the z.size = N outputs divides both by N.
    # logaddexp(0, z) computes log(1 + e^z) without overflow, and so does nnlab's sigmoid
    loss = np.logaddexp(0, z) - z * Y
    return float(loss.sum()) / z.size, (sigmoid(z) - Y) / z.size


def _softmax_ce(z: np.ndarray, Y: np.ndarray) -> tuple[float, np.ndarray]:
    logp = log_softmax(z)
    n = z.shape[0]
    return float(-(Y * logp).sum() / n), (np.exp(logp) - Y) / n


# --- the public losses ----------------------------------------------------------------------
def mse(y_hat: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
    """Mean squared error, L = mean((y_hat - y)^2) over all entries.

    Parameters
    ----------
    y_hat : array, shape (N,) or (N, k)
        Predictions.
    y : array, shape of ``y_hat`` (or (N,) when y_hat is (N, 1))
        Targets.

    Returns
    -------
    loss : float
    dy_hat : array, shape of ``y_hat``
        dL/dy_hat = 2 (y_hat - y) / size.
    """
    y_hat = _as_float(y_hat)
    return _mse(y_hat, prepare_targets("mse", y_hat, y))


def binary_cross_entropy(output: np.ndarray, y: np.ndarray, *,
                         from_logits: bool = True) -> tuple[float, np.ndarray]:
    """Binary cross-entropy, L = -mean(y log p + (1 - y) log(1 - p)).

    Parameters
    ----------
    output : array, shape (N,) or (N, 1)
        Logits z (``from_logits=True``, the default) with p = sigmoid(z), or probabilities p.
    y : array, shape (N,) or shape of ``output``
        Labels in {0, 1} (or target probabilities in [0, 1]).
    from_logits : bool
        Whether ``output`` holds logits. From logits the loss is computed as
        mean(log(1 + exp(z)) - y z), with ``np.logaddexp``, which never overflows.

    Returns
    -------
    loss : float
    d_output : array, shape of ``output``
        From logits: (sigmoid(z) - y) / N. From probabilities: (p - y) / (p (1 - p)) / N.
    """
    out = _as_float(output)
    Y = prepare_targets("bce", out, y)
    if from_logits:
        return _bce(out, Y)
    if ((out < 0) | (out > 1)).any():
        raise ValueError("output: expected probabilities in [0, 1] with from_logits=False, "
                         f"got values from {out.min():g} to {out.max():g}")
    eps = np.finfo(out.dtype).eps
    p = np.clip(out, eps, 1 - eps)
    loss = -(Y * np.log(p) + (1 - Y) * np.log1p(-p))
    return float(loss.mean()), (p - Y) / (p * (1 - p)) / out.size


def log_softmax(z: np.ndarray) -> np.ndarray:
    """log softmax over the last axis, shape of ``z``, computed after subtracting the row max."""
    shifted = z - z.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


def softmax(z: np.ndarray) -> np.ndarray:
    """softmax over the last axis, shape of ``z``; rows sum to 1."""
    return np.exp(log_softmax(z))


def softmax_cross_entropy(logits: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
    """Cross-entropy of softmax(logits) against class labels.

    Parameters
    ----------
    logits : array, shape (N, K)
    y : array, shape (N,) of integer labels in [0, K), or (N, K) one-hot / probabilities

    Returns
    -------
    loss : float
        -mean over samples of log softmax(z)[y].
    dlogits : array, shape (N, K)
        (softmax(z) - onehot(y)) / N.
    """
    z = _as_float(logits)
    return _softmax_ce(z, prepare_targets("softmax_ce", z, y))


#: name -> loss function, for ``fit(loss=...)``
LOSSES: dict[str, LossFn] = {
    "mse": mse,
    "bce": binary_cross_entropy,
    "softmax_ce": softmax_cross_entropy,
}

#: name -> kernel on targets already checked by ``prepare_targets``
KERNELS: dict[str, LossFn] = {"mse": _mse, "bce": _bce, "softmax_ce": _softmax_ce}


def get_loss(name: str) -> LossFn:
    """Look up a loss by name: ``"mse"``, ``"bce"`` (from logits) or ``"softmax_ce"``."""
    return LOSSES[check_choice(name, "loss", LOSSES)]


# --- predictions and accuracy ------------------------------------------------------------
def _check_classification(loss: str) -> None:
    get_loss(loss)
    if loss == "mse":
        raise ValueError('loss: class predictions need a classification loss, "bce" or "softmax_ce"; got "mse"')


def predict_labels(output: np.ndarray, loss: str) -> np.ndarray:
    """The class a network's output predicts, shape (N,), for a classification loss.

    ``"bce"``: 1 where the logit is positive (p > 1/2), else 0; ``"softmax_ce"``: the argmax of the logits.
    """
    _check_classification(loss)
    output = np.asarray(output)
    if loss == "bce":
        return (output > 0).astype(np.int64).reshape(len(output))
    return output.argmax(axis=1)


def count_correct(output: np.ndarray, Y: np.ndarray, loss: str) -> int:
    """The number of correctly classified samples, from an output and targets already prepared by
    ``prepare_targets`` (the kernel form of ``accuracy``, for the training loop)."""
    if loss == "bce":
        return int(np.count_nonzero((output > 0) == (Y > 0.5)))
    return int(np.count_nonzero(output.argmax(axis=1) == Y.argmax(axis=1)))


def accuracy(output: np.ndarray, y: np.ndarray, loss: str) -> float:
    """The fraction of samples whose predicted class (``predict_labels``) is their label.

    Parameters
    ----------
    output : array, shape (N, 1) or (N, K)
        Logits.
    y : array
        Labels, as ``loss`` takes them (``prepare_targets``).
    loss : str
        ``"bce"`` or ``"softmax_ce"``.
    """
    _check_classification(loss)
    output = _as_float(output)
    return count_correct(output, prepare_targets(loss, output, y), loss) / len(output)


# --- penalties on the weights ---------------------------------------------------------------------
def weight_penalty(model, lam: float, norm: str = "l2") -> tuple[float, dict[str, np.ndarray]]:
    """A penalty on the weights of every dense layer, to add to the loss, and its gradient.

    ``"l2"``: ``lam * sum_W ||W||_F^2`` (the Frobenius norm squared), gradient ``2 lam W``: weight decay.
    ``"l1"``: ``lam * sum_W sum |W_ij|``, gradient ``lam sign(W)`` (0 at 0): it pushes small weights to exactly 0.
    The biases are not penalised (they only shift a unit; penalising them would pull every boundary
    through the origin).

    Parameters
    ----------
    model : Sequential
    lam : float
        The coefficient lambda, >= 0.
    norm : str
        ``"l2"`` or ``"l1"``.

    Returns
    -------
    value : float
    grads : dict of str to array
        The gradient of the penalty for each weight, named as in ``model.named_params()`` (``"0.W"``, ...).
    """
    lam = check_nonnegative(lam, "lam")
    check_choice(norm, "norm", ("l1", "l2"))
    value, grads = 0.0, {}
    for name, W in model.named_weights():
        if norm == "l2":
            value += lam * float(np.vdot(W, W))
            grads[name] = 2 * lam * W
        else:
            value += lam * float(np.abs(W).sum())
            grads[name] = lam * np.sign(W)
    return value, grads
