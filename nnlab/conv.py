"""Layers for images: convolution, max pooling, flattening; and maxout, the other max that routes a gradient.

Images are arrays of shape ``(N, C, H, W)``: N samples, C channels (the lecture's *depth*: 3 for an RGB image, 1
for a grey digit), H rows and W columns; PyTorch's layout, so that its ``conv2d`` checks ours number for number.

- ``Conv2D``: K filters of shape ``(C, F, F)``, each extending the full depth of its input ("Filters always extend
  the full depth of the input volume"), slid over the image with a stride S after zero padding P, one dot product
  (plus the filter's bias) per position. The output is ``(N, K, H_out, W_out)`` with the lecture's size
  ``(N + 2P - F) / S + 1`` along each side (``conv_output_size``), refused when that is not a whole number.
- ``MaxPool2D``: the largest value of each ``s x s`` block; ``Flatten`` and ``Unflatten`` between images and the
  rows a ``Dense`` layer takes (``Unflatten`` first lets a convolutional network take the rows of ``X``, so that
  ``nnlab.fit``, ``check_model`` and ``evaluate`` work as for any ``Sequential``).
- ``Maxout`` (Goodfellow et al. 2013, lecture 14's ``max(w_1^T x + b_1, w_2^T x + b_2)``): a unit that outputs the
  largest of k linear pieces. Not an elementwise activation (it reads k pre-activations per unit and has weights of
  its own), so it is a layer, not a row of ``nnlab.activations.ACTIVATIONS``; it lives here beside ``MaxPool2D``
  because both backward passes are the lecture's *max gate*, the gradient router: the upstream gradient goes to the
  entry that won the max, the others get 0 (``_route``).

The convolution is computed as the lecture describes it, dot products of the filter with patches, all at once:
``patches`` (im2col) gathers every F x F x C patch into one column, with
``numpy.lib.stride_tricks.sliding_window_view``, and one matrix product with the filters does every dot product. No
Python loop runs over positions.
"""

from __future__ import annotations

import functools
import math
import numbers

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from ._validate import check_dtype, check_positive_int, check_shape
from .init import initial_weights
from .layers import Layer

__all__ = ["Conv2D", "Flatten", "MaxPool2D", "Maxout", "Unflatten", "conv_output_size", "conv_params",
           "output_size_fraction", "why_not_fit"]


# --- output sizes ------------------------------------------------------------------------------------------------
def _check_sizes(n: object, f: object, stride: object, padding: object) -> tuple[int, int, int, int]:
    n, f = check_positive_int(n, "n"), check_positive_int(f, "f")
    stride = check_positive_int(stride, "stride")
    if isinstance(padding, bool) or not isinstance(padding, numbers.Integral) or padding < 0:
        raise ValueError(f"padding: expected a whole number >= 0, got {padding!r}")
    return n, f, stride, int(padding)


def output_size_fraction(n: int, f: int, stride: int = 1, padding: int = 0) -> float:
    """``(n + 2 padding - f) / stride + 1``, the lecture's output size, as a real number (2.33 for 7, 3, 3, 0)."""
    n, f, stride, padding = _check_sizes(n, f, stride, padding)
    return (n + 2 * padding - f) / stride + 1


def why_not_fit(n: int, f: int, stride: int = 1, padding: int = 0) -> str | None:
    """None when an ``f``-wide filter with this stride and padding fits an ``n``-wide input; otherwise why not,
    naming the sizes (the message ``conv_output_size`` raises and a dashboard shows)."""
    n, f, stride, padding = _check_sizes(n, f, stride, padding)
    padded = n + 2 * padding
    if f > padded:
        return (f"a {f}-wide filter is larger than the padded input, {n} + 2 x {padding} = {padded}: "
                "there is no position for it")
    if (padded - f) % stride:
        return (f"(N + 2P - F)/S + 1 = ({n} + 2 x {padding} - {f})/{stride} + 1 = "
                f"{output_size_fraction(n, f, stride, padding):.2f} is not a whole number: with stride {stride} the "
                f"{f}-wide filter does not fit the {n}-wide input (padding {padding}), the last step runs off the edge")
    return None


def conv_output_size(n: int, f: int, stride: int = 1, padding: int = 0) -> int:
    """The output size ``(N + 2P - F) / S + 1`` of an ``f``-wide filter over an ``n``-wide input (one side).

    Parameters
    ----------
    n : int
        The input's width N (or height).
    f : int
        The filter's width F.
    stride : int
        S, how far the filter moves between positions.
    padding : int
        P, the zeros added on each side.

    Raises
    ------
    ValueError
        When the filter is larger than the padded input, or when ``(N + 2P - F) / S`` is not a whole number (the
        lecture's 7 x 7 input with a 3 x 3 filter at stride 3: 2.33), naming the sizes.

    Examples
    --------
    >>> conv_output_size(7, 3, 1), conv_output_size(7, 3, 2), conv_output_size(7, 3, 1, padding=1)
    (5, 3, 7)
    """
    reason = why_not_fit(n, f, stride, padding)
    if reason is not None:
        raise ValueError(("kernel_size: " if "larger" in reason else "stride: ") + reason)
    return (n + 2 * padding - f) // stride + 1


def conv_params(in_channels: int, out_channels: int, kernel_size: int, *, bias: bool = True) -> int:
    """The parameters of a convolution layer: each of the K filters has F x F x C weights and one bias.

    The lecture's 32x32x3 input with ten 5x5 filters: ``conv_params(3, 10, 5)`` = (5 x 5 x 3 + 1) x 10 = 760,
    whatever the input's height and width (every position shares the same filter).
    """
    c, k = check_positive_int(in_channels, "in_channels"), check_positive_int(out_channels, "out_channels")
    f = check_positive_int(kernel_size, "kernel_size")
    return (f * f * c + (1 if bias else 0)) * k


# --- convolution --------------------------------------------------------------------------------------------------
def patches(Xp: np.ndarray, f: int, stride: int) -> np.ndarray:
    """im2col: every f x f patch of every channel of a (padded) image batch, one column per output position.

    Parameters
    ----------
    Xp : array, shape (N, C, Hp, Wp)
        The input, already zero-padded.
    f, stride : int

    Returns
    -------
    cols : array, shape (C * f * f, N * H_out * W_out)
        Column ``(n, i, j)`` (in that order) holds the patch under the filter at output position (i, j) of sample
        n, channel by channel and row by row: the layout of a filter ``W[k]`` of shape (C, f, f) flattened. (Row
        ``(c, p, q)`` is the image shifted by (p, q): each is copied in whole image rows, which is fast.)
    """
    windows = sliding_window_view(Xp, (f, f), axis=(2, 3))[:, :, ::stride, ::stride]  # (N, C, Ho, Wo, f, f), a view
    n, c, ho, wo = windows.shape[:4]
    return windows.transpose(1, 4, 5, 0, 2, 3).reshape(c * f * f, n * ho * wo)  # the one copy


class Conv2D(Layer):
    """A convolution layer: K filters of shape (C, F, F) slid over the input with stride S after zero padding P.

    ``out[n, k, i, j] = b[k] + sum_{c, p, q} W[k, c, p, q] * Xp[n, c, S i + p, S j + q]``, where ``Xp`` is the input
    with P zeros around each side: the dot product of filter k with the patch under it, at every position (what
    PyTorch's ``conv2d`` and ``scipy.signal.correlate`` compute; strictly a cross-correlation, the name is the
    field's). With the patches as the columns of ``cols`` (``patches``) that is one matrix product,
    ``Z = W cols + b`` with W reshaped to (K, C F F): one dense unit per filter, applied to every patch with the
    same weights (weight sharing).

    ``forward`` keeps the patches as ``self.cols`` (None before the first call) and the input's shape as
    ``self.input_shape``: ``backward`` needs them for dL/dW and dL/dX.

    Parameters
    ----------
    in_channels : int
        C, the input's depth.
    out_channels : int
        K, the number of filters (the output's depth).
    kernel_size : int
        F: the filters are F x F (square).
    stride : int
        S.
    padding : int
        P, zeros on each side (``(F - 1) / 2`` keeps the size at stride 1: "same" padding).
    init : str
        Initialiser from ``nnlab.init`` (default He normal), with fan-in C F F.
    rng : np.random.Generator, optional
        Required unless ``W`` is given.
    std : float, optional
        For ``init="normal"``.
    W : array_like, shape (K, C, F, F), optional
        Filters set by hand (copied). ``b`` defaults to zeros.
    b : array_like, shape (K,), optional
    dtype : numpy dtype
        ``np.float64`` (default) or ``np.float32``.
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int, *, stride: int = 1,
                 padding: int = 0, init: str = "he_normal", rng: np.random.Generator | None = None,
                 std: float | None = None, W: np.ndarray | None = None, b: np.ndarray | None = None,
                 dtype: type = np.float64) -> None:
        super().__init__()
        self.in_channels = check_positive_int(in_channels, "in_channels")
        self.out_channels = check_positive_int(out_channels, "out_channels")
        self.kernel_size = check_positive_int(kernel_size, "kernel_size")
        self.stride = check_positive_int(stride, "stride")
        _check_sizes(1, 1, 1, padding)
        self.padding = int(padding)
        self.dtype = check_dtype(dtype)
        k, c, f = self.out_channels, self.in_channels, self.kernel_size
        if W is None:  # one column per filter, fan-in C F F, as a dense layer on the patches
            W = initial_weights(init, c * f * f, k, rng=rng, std=std).T.reshape(k, c, f, f)
        self.params = {"W": check_shape(W, "W", (k, c, f, f), self.dtype).copy(),
                       "b": check_shape(np.zeros(k) if b is None else b, "b", (k,), self.dtype).copy()}
        self.grads = {key: np.zeros_like(p) for key, p in self.params.items()}
        self.cols: np.ndarray | None = None
        self.input_shape: tuple[int, ...] | None = None

    def output_shape(self, input_shape: tuple[int, ...]) -> tuple[int, int, int, int]:
        """(N, K, H_out, W_out) for an input of shape (N, C, H, W); a ValueError names what does not fit."""
        if len(input_shape) != 4 or input_shape[1] != self.in_channels:
            raise ValueError(f"X: expected images of shape (N, {self.in_channels}, H, W) (N samples, "
                             f"{self.in_channels} channel(s)), got shape {tuple(input_shape)}")
        n, _, h, w = input_shape
        if h < 1 or w < 1:
            raise ValueError(f"X: expected images at least 1 x 1, got shape {tuple(input_shape)}")
        try:
            sizes = [conv_output_size(side, self.kernel_size, self.stride, self.padding) for side in (h, w)]
        except ValueError as exc:
            raise ValueError(f"{exc} (the input is {h} x {w})") from None
        return n, self.out_channels, sizes[0], sizes[1]

    def forward(self, X: np.ndarray) -> np.ndarray:
        """X: (N, C, H, W) -> out: (N, K, H_out, W_out); keeps ``self.cols`` (the patches) and ``self.input_shape``."""
        X = np.asarray(X)
        n, k, ho, wo = self.output_shape(X.shape)
        p = self.padding
        if p:  # zero padding: the input inside a frame of p zeros
            Xp = np.zeros((*X.shape[:2], X.shape[2] + 2 * p, X.shape[3] + 2 * p), X.dtype)
            Xp[:, :, p:-p, p:-p] = X
        else:
            Xp = X
        self.input_shape = X.shape
        self.cols = patches(Xp, self.kernel_size, self.stride)                       # (C F F, N Ho Wo)
        Z = self.params["W"].reshape(k, -1) @ self.cols + self.params["b"][:, None]  # (K, N Ho Wo)
        return Z.reshape(k, n, ho, wo).transpose(1, 0, 2, 3)

    def backward(self, dout: np.ndarray) -> np.ndarray:
        """dout = dL/d(out): (N, K, H_out, W_out) -> dL/dX: (N, C, H, W); fills grads W (K, C, F, F) and b (K,).

        With one column per output position, ``Z = W cols + b`` is one dense unit per filter (``Dense.backward``,
        transposed), so with ``dZ`` the upstream gradient in the same layout, (K, N H_out W_out):

        - ``dZ_kr/dW_kc = cols_cr``, summed over every position r: ``dW = dZ cols^T``: each filter's gradient is
          the sum, over all positions, of the patch there times the upstream gradient there (weight sharing
          adds up the gradients of every place the filter was used);
        - ``dZ_kr/db_k = 1``: ``db = sum(dZ)`` over samples and positions;
        - ``dZ_kr/dcols_cr = W_kc``: ``dcols = W^T dZ``, the gradient of every patch. The patches overlap (when
          S < F), so each input pixel collects the gradients of every patch it was in (``_fold``, col2im), and
          the padding's gradients are dropped.
        """
        if self.cols is None:
            raise RuntimeError("backward called before forward")
        expected = self.output_shape(self.input_shape)
        if np.shape(dout) != expected:
            raise ValueError(f"dout: expected the shape of the last forward's output, {expected}, got {np.shape(dout)}")
        k = self.out_channels
        dZ = dout.transpose(1, 0, 2, 3).reshape(k, -1)                                 # (K, N Ho Wo)
        self.grads["W"] = (dZ @ self.cols.T).reshape(self.params["W"].shape)
        self.grads["b"] = dZ.sum(axis=1)
        return self._fold(self.params["W"].reshape(k, -1).T @ dZ, dout.shape[2:])

    def _fold(self, dcols: np.ndarray, out_hw: tuple[int, int]) -> np.ndarray:
        """col2im: the patches' gradients (C F F, N Ho Wo) added back onto the pixels they came from: (N, C, H, W).

        One strided slice per filter offset (p, q), F x F of them, each adding the gradients of all positions at
        once: no loop over positions.
        """
        n, c, h, w = self.input_shape
        f, s, pad = self.kernel_size, self.stride, self.padding
        ho, wo = out_hw
        d = dcols.reshape(c, f, f, n, ho, wo)
        dXp = np.zeros((c, n, h + 2 * pad, w + 2 * pad), dcols.dtype)
        for p in range(f):
            for q in range(f):
                dXp[:, :, p:p + s * (ho - 1) + 1:s, q:q + s * (wo - 1) + 1:s] += d[:, p, q]
        return dXp[:, :, pad:pad + h, pad:pad + w].transpose(1, 0, 2, 3)

    def __repr__(self) -> str:
        f = self.kernel_size
        extra = "".join(f", {name}={v}" for name, v, default in (("stride", self.stride, 1),
                                                                   ("padding", self.padding, 0)) if v != default)
        return f"Conv2D({self.in_channels} -> {self.out_channels}, {f}x{f}{extra})"


# --- the max gate: max pooling and maxout -------------------------------------------------------------------------
def _route(parts: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """The elementwise max of equally shaped arrays, and a one-hot mask of the winner (the first one, on a tie),
    stacked along a new first axis: the max gate of the lecture, whose backward routes the upstream gradient to
    the winner only. A loop over the few candidates (a pooling block's s x s entries, a unit's pieces), each an
    elementwise operation on all positions at once."""
    out = functools.reduce(np.maximum, parts)
    taken, masks = np.zeros(out.shape, dtype=bool), []
    for part in parts:
        masks.append((part == out) & ~taken)
        taken |= masks[-1]
    return out, np.stack(masks)


class MaxPool2D(Layer):
    """Max pooling over non-overlapping ``size x size`` blocks: (N, C, H, W) -> (N, C, H / size, W / size).

    ``forward`` keeps the one-hot mask of each block's largest entry as ``self.mask``: ``backward`` routes each
    upstream gradient to that entry (the max gate), the others in the block get 0. H and W must be multiples of
    ``size``. No parameters.
    """

    def __init__(self, size: int = 2) -> None:
        super().__init__()
        self.size = check_positive_int(size, "size")
        self.mask: np.ndarray | None = None

    def forward(self, X: np.ndarray) -> np.ndarray:
        """X: (N, C, H, W) -> (N, C, H / s, W / s); keeps ``self.mask``, shape (s s, N, C, H / s, W / s): entry
        (p s + q) of a block is ``X[:, :, p::s, q::s]``."""
        X = np.asarray(X)
        s = self.size
        if X.ndim != 4 or X.shape[2] % s or X.shape[3] % s:
            raise ValueError(f"X: expected images (N, C, H, W) with H and W multiples of size={s}, got shape "
                             f"{X.shape}")
        self.input_shape = X.shape
        out, self.mask = _route([X[:, :, p::s, q::s] for p in range(s) for q in range(s)])
        return out

    def backward(self, dout: np.ndarray) -> np.ndarray:
        """dout: (N, C, H / s, W / s) -> dL/dX: (N, C, H, W), each gradient at its block's largest entry."""
        if self.mask is None:
            raise RuntimeError("backward called before forward")
        s = self.size
        dX = np.zeros(self.input_shape, dout.dtype)
        for k, winner in enumerate(self.mask):
            dX[:, :, k // s::s, k % s::s] = winner * dout
        return dX

    def __repr__(self) -> str:
        return f"MaxPool2D({self.size}x{self.size})"


class Maxout(Layer):
    """Maxout units (Goodfellow et al. 2013): each of ``n_out`` units outputs the largest of ``pieces`` linear
    functions of the input, ``a_j = max_m (X W[:, j, m] + b[j, m])``: lecture 14's ``max(w_1^T x + b_1, w_2^T x + b_2)``
    for ``pieces=2``. With one piece fixed at 0 it is a ReLU, with (w, 0.1 w) a leaky ReLU, with (w, -w) |w^T x|.

    ``forward`` keeps its input as ``self.X`` and the winning piece of every unit as ``self.mask`` (one-hot,
    shape (N, n_out, pieces)).

    Parameters
    ----------
    n_in, n_out : int
    pieces : int
        k, the linear pieces per unit (2 in the lecture).
    init : str
        Initialiser of each piece's weights (default Glorot uniform; fan-in n_in, fan-out n_out k).
    rng : np.random.Generator, optional
        Required unless ``W`` is given.
    W : array_like, shape (n_in, n_out, pieces), optional
    b : array_like, shape (n_out, pieces), optional
    dtype : numpy dtype
    """

    def __init__(self, n_in: int, n_out: int, pieces: int = 2, *, init: str = "glorot_uniform",
                 rng: np.random.Generator | None = None, W: np.ndarray | None = None, b: np.ndarray | None = None,
                 dtype: type = np.float64) -> None:
        super().__init__()
        self.n_in, self.n_out = check_positive_int(n_in, "n_in"), check_positive_int(n_out, "n_out")
        self.pieces = check_positive_int(pieces, "pieces")
        self.dtype = check_dtype(dtype)
        shape = (self.n_in, self.n_out, self.pieces)
        if W is None:
            W = initial_weights(init, self.n_in, self.n_out * self.pieces, rng=rng).reshape(shape)
        self.params = {"W": check_shape(W, "W", shape, self.dtype).copy(),
                       "b": check_shape(np.zeros(shape[1:]) if b is None else b, "b", shape[1:], self.dtype).copy()}
        self.grads = {key: np.zeros_like(p) for key, p in self.params.items()}
        self.X: np.ndarray | None = None
        self.mask: np.ndarray | None = None

    def forward(self, X: np.ndarray) -> np.ndarray:
        """X: (N, n_in) -> a: (N, n_out), the largest piece of each unit; keeps ``self.X`` and ``self.mask``."""
        X = np.asarray(X)
        if X.ndim != 2 or X.shape[1] != self.n_in:
            raise ValueError(f"X: expected shape (N, {self.n_in}), got shape {X.shape}")
        self.X = X
        z = np.tensordot(X, self.params["W"], axes=1) + self.params["b"]    # (N, n_out, pieces)
        a, winners = _route([z[..., m] for m in range(self.pieces)])
        self.mask = np.moveaxis(winners, 0, -1)
        return a

    def backward(self, dout: np.ndarray) -> np.ndarray:
        """dout = dL/da: (N, n_out) -> dL/dX: (N, n_in); fills grads W (n_in, n_out, pieces) and b (n_out, pieces).

        ``a_j = z_j,m*`` for the winning piece m*, so ``da_j/dz_jm`` is 1 for m = m* and 0 otherwise: the max gate
        routes ``dout`` to the winner, ``dz = mask * dout``. Below that each piece is a dense unit:
        ``dW = X^T dz``, ``db = sum(dz)``, ``dX = dz W^T`` (summed over units and pieces).
        """
        if self.X is None:
            raise RuntimeError("backward called before forward")
        dz = self.mask * dout[..., None]                                        # (N, n_out, pieces)
        self.grads["W"] = np.tensordot(self.X, dz, axes=(0, 0))
        self.grads["b"] = dz.sum(axis=0)
        return np.tensordot(dz, self.params["W"], axes=([1, 2], [1, 2]))

    def __repr__(self) -> str:
        return f"Maxout({self.n_in} -> {self.n_out}, {self.pieces} pieces)"


# --- between images and rows --------------------------------------------------------------------------------------
class Flatten(Layer):
    """(N, C, H, W) (or any (N, ...)) -> (N, C H W): the rows a ``Dense`` layer takes. ``forward`` keeps the input's
    shape as ``self.input_shape``; ``backward`` reshapes the gradient back to it."""

    def __init__(self) -> None:
        super().__init__()
        self.input_shape: tuple[int, ...] | None = None

    def forward(self, X: np.ndarray) -> np.ndarray:
        X = np.asarray(X)
        self.input_shape = X.shape
        return X.reshape(len(X), -1)

    def backward(self, dout: np.ndarray) -> np.ndarray:
        if self.input_shape is None:
            raise RuntimeError("backward called before forward")
        return dout.reshape(self.input_shape)

    def __repr__(self) -> str:
        return "Flatten()"


class Unflatten(Layer):
    """(N, C H W) -> (N, C, H, W): rows of ``X`` back into images, as the first layer of a convolutional network.

    Its ``n_in`` (C H W) is the network's input width, so ``Sequential.forward``, ``nnlab.fit``, ``evaluate`` and
    ``check_model`` take the network's input as rows, like any other network's.

    Parameters
    ----------
    shape : tuple of int
        (C, H, W), e.g. ``(1, 8, 8)`` for the 8 x 8 digits.
    """

    def __init__(self, shape: tuple[int, ...]) -> None:
        super().__init__()
        shape = tuple(shape)
        for i, side in enumerate(shape):
            check_positive_int(side, f"shape[{i}]")
        self.shape = shape
        self.n_in = math.prod(shape)

    def forward(self, X: np.ndarray) -> np.ndarray:
        X = np.asarray(X)
        if X.ndim != 2 or X.shape[1] != self.n_in:
            raise ValueError(f"X: expected rows of {self.n_in} = {' x '.join(map(str, self.shape))} values, shape "
                             f"(N, {self.n_in}), got shape {X.shape}")
        return X.reshape(len(X), *self.shape)

    def backward(self, dout: np.ndarray) -> np.ndarray:
        return dout.reshape(len(dout), self.n_in)

    def __repr__(self) -> str:
        return f"Unflatten({self.n_in} -> {' x '.join(map(str, self.shape))})"
