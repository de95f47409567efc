"""Layers with ``forward`` and ``backward``, and the ``Sequential`` / ``MLP`` containers.

Conventions (as in the lecture): a dense layer computes ``z = X @ W + b`` with ``W`` of shape
``(n_in, n_out)`` and ``b`` of shape ``(n_out,)``; an activation layer computes ``a = phi(z)``.
``forward`` keeps what ``backward`` needs in public attributes, named in each layer's docstring
(``Dense.X``, ``Activation.z``); ``backward(dout)`` takes the upstream gradient ``dL/d(output)``,
fills ``layer.grads`` (mirroring ``layer.params``) and returns ``dL/d(input)``. ``param_backward(dout)``
fills ``grads`` only: training never reads a network's ``dL/dX``, so ``fit`` skips its product there.

``Sequential.named_layers`` is the one walk over nested layers (a ``Residual`` block inside a
network, say) that everything else builds on: the parameter names, the optimisers, batch norm's
training switch. ``check_mlp`` is the one check that a model has an MLP's layout.
"""

from __future__ import annotations

import numbers
from collections.abc import Iterator, Sequence

import numpy as np

from ._validate import check_array, check_bool, check_dtype, check_positive_int, check_rng, check_shape
from .activations import Nonlinearity, get_activation
from .init import initial_weights


class Layer:
    """Base class: a layer has ``params`` and ``grads`` dicts with the same keys."""

    def __init__(self) -> None:
        self.params: dict[str, np.ndarray] = {}
        self.grads: dict[str, np.ndarray] = {}

    @property
    def n_params(self) -> int:
        """Number of trainable scalars."""
        return sum(p.size for p in self.params.values())

    def named_layers(self, prefix: str = "") -> Iterator[tuple[str, Layer]]:
        """This layer with its position: a layer that holds no other layers is its own only leaf."""
        yield prefix, self

    def forward(self, X: np.ndarray) -> np.ndarray:  # pragma: no cover - interface
        raise NotImplementedError

    def backward(self, dout: np.ndarray) -> np.ndarray:  # pragma: no cover - interface
        raise NotImplementedError

    def param_backward(self, dout: np.ndarray) -> None:
        """Fill ``grads`` only, for a network's first layer in training (nothing reads its ``dL/dX``): by default
        ``backward`` with its result dropped; ``Dense`` has a cheaper twin."""
        self.backward(dout)


class Dense(Layer):
    """Fully connected layer ``z = X @ W + b`` (or ``z = X @ W`` with ``bias=False``).

    ``forward`` keeps its input as ``self.X`` (None before the first call): ``backward`` needs it
    for ``dL/dW = X^T dout``.

    Parameters
    ----------
    n_in, n_out : int
        Input and output widths.
    init : str
        Initialiser name from ``nnlab.init.INITIALIZERS`` (``"glorot_uniform"`` by default).
    rng : np.random.Generator, optional
        Required unless ``W`` is given.
    std : float, optional
        Standard deviation, for ``init="normal"``.
    W : array_like, shape (n_in, n_out), optional
        Weights set by hand (copied). ``b`` defaults to zeros.
    b : array_like, shape (n_out,), optional
        Biases set by hand (copied).
    bias : bool
        ``False`` for a layer without bias (the lecture's network "with all biases set to zero"):
        ``params`` and ``grads`` then hold only ``"W"``.
    dtype : numpy dtype
        ``np.float64`` (default) or ``np.float32``.
    """

    def __init__(self, n_in: int, n_out: int, *, init: str = "glorot_uniform",
                 rng: np.random.Generator | None = None, std: float | None = None,
                 W: np.ndarray | None = None, b: np.ndarray | None = None, bias: bool = True,
                 dtype: type = np.float64) -> None:
        super().__init__()
        self.n_in, self.n_out = check_positive_int(n_in, "n_in"), check_positive_int(n_out, "n_out")
        self.dtype, self.bias = check_dtype(dtype), check_bool(bias, "bias")
        W = initial_weights(init, n_in, n_out, rng=rng, std=std) if W is None else W
        self.params = {"W": check_shape(W, "W", (n_in, n_out), self.dtype).copy()}
        if self.bias:
            b = np.zeros(n_out) if b is None else b
            self.params["b"] = check_shape(b, "b", (n_out,), self.dtype).copy()
        elif b is not None:
            raise ValueError("b: a layer with bias=False takes no biases")
        self.grads = {key: np.zeros_like(p) for key, p in self.params.items()}
        self.X: np.ndarray | None = None

    def forward(self, X: np.ndarray) -> np.ndarray:
        """X: (N, n_in) -> z = X W + b: (N, n_out); keeps ``self.X = X`` for backward."""
        self.X = X
        z = X @ self.params["W"]
        return z + self.params["b"] if self.bias else z

    def backward(self, dout: np.ndarray) -> np.ndarray:
        """dout = dL/dz: (N, n_out) -> dL/dX: (N, n_in); fills grads W (n_in, n_out) and b (n_out,).

        ``z_nk = sum_j X_nj W_jk + b_k``, so by the chain rule (local gradient times upstream gradient):

        - ``dz_nk/dW_jk = X_nj``, so ``dL/dW_jk = sum_n X_nj dout_nk``: ``dW = X^T dout``;
        - ``dz_nk/db_k = 1``, so ``dL/db_k = sum_n dout_nk``: ``db`` sums ``dout`` over the samples;
        - ``dz_nk/dX_nj = W_jk``, so ``dL/dX_nj = sum_k dout_nk W_jk``: ``dX = dout W^T``.
        """
        if self.X is None:
            raise RuntimeError("backward called before forward")
        self.grads["W"] = self.X.T @ dout
        if self.bias:
            self.grads["b"] = dout.sum(axis=0)
        return dout @ self.params["W"].T

    def param_backward(self, dout: np.ndarray) -> None:
        """``backward`` without its last line, dX = dout W^T: the twin ``fit`` uses for a network's first layer."""
        if type(self).backward is not Dense.backward:  # a subclass's own backward (a student's) runs as written
            self.backward(dout)
            return
        if self.X is None:
            raise RuntimeError("backward called before forward")
        self.grads["W"] = self.X.T @ dout
        if self.bias:
            self.grads["b"] = dout.sum(axis=0)

    def __repr__(self) -> str:
        return f"Dense({self.n_in} -> {self.n_out}{'' if self.bias else ', no bias'})"


class Activation(Layer):
    """Elementwise nonlinearity ``a = phi(z)``, no parameters.

    ``forward`` keeps its input as ``self.z`` (None before the first call), where ``backward``
    evaluates the local gradient ``phi'(z)``.

    Parameters
    ----------
    name : str
        identity, sigmoid, tanh, relu, leaky_relu or elu.
    **params : float
        ``slope`` for leaky_relu, ``alpha`` for elu.
    """

    def __init__(self, name: str, **params: float) -> None:
        super().__init__()
        get_activation(name, **params)  # fail early on a bad name or parameter
        self.name = name
        self.activation_params = params
        self.z: np.ndarray | None = None

    @property
    def phi(self) -> Nonlinearity:
        """phi, phi' (``phi.grad``) and both fused: the activation's row of ``nnlab.activations.ACTIVATIONS``
        (``relu`` and ``relu_grad``, say), looked up at every use, so the table is the only place a derivative
        comes from: put another derivative into it and every backward pass uses that one."""
        return get_activation(self.name, **self.activation_params)

    def forward(self, z: np.ndarray) -> np.ndarray:
        """z: any shape -> a = phi(z), same shape; keeps ``self.z = z`` for backward."""
        self.z = z
        return self.phi.f(z)

    def backward(self, dout: np.ndarray) -> np.ndarray:
        """dout = dL/da -> dL/dz = dL/da * phi'(z), same shape: the upstream gradient times the local gradient
        (a = phi(z) entry by entry, so the Jacobian is diagonal; phi' is ``phi.grad``, e.g. ``relu_grad``)."""
        if self.z is None:
            raise RuntimeError("backward called before forward")
        return dout * self.phi.grad(self.z)

    def __repr__(self) -> str:
        extra = "".join(f", {k}={v}" for k, v in self.activation_params.items())
        return f"Activation({self.name!r}{extra})"


class Dropout(Layer):
    """Inverted dropout (Srivastava et al. 2014): a regulariser that trains with random units switched off.

    In training mode (``training=True``, the default) every input value is kept with probability ``1 - p``
    and scaled by ``1 / (1 - p)``, or set to 0 with probability ``p``: the mask
    ``m = keep / (1 - p)`` makes ``E[m x] = x``, so the next layer sees inputs of the same size on
    average whatever ``p`` is. In evaluation mode (``training=False``, as ``nnlab.evaluate`` and
    ``nnlab.normalization.set_training(model, False)`` switch it, like batch norm) the layer is the
    identity: the scaling is done in training, so nothing needs rescaling at test time.

    ``forward`` draws a new mask with ``rng`` at every call and keeps it as ``self.mask``; ``backward``
    multiplies the upstream gradient by the same mask (a dropped unit gets no gradient).

    Parameters
    ----------
    p : float
        The probability of dropping a value, in [0, 1).
    rng : np.random.Generator
        Source of the masks.
    """

    def __init__(self, p: float, *, rng: np.random.Generator) -> None:
        super().__init__()
        if isinstance(p, bool) or not isinstance(p, numbers.Real) or not 0 <= p < 1:
            raise ValueError(f"p: expected a dropout probability in [0, 1), got {p!r}")
        self.p = float(p)
        self.rng = check_rng(rng)
        self.training = True
        self.mask: np.ndarray | None = None

    def forward(self, X: np.ndarray) -> np.ndarray:
        """X: any shape -> the same shape: ``X * mask`` in training, ``X`` in evaluation."""
        if not self.training or self.p == 0:
            self.mask = None
            return X
        X = np.asarray(X)
        self.mask = (self.rng.random(X.shape) >= self.p).astype(X.dtype if X.dtype.kind == "f" else np.float64)
        self.mask *= 1 / (1 - self.p)  # kept: 1 / (1 - p), dropped: 0
        return X * self.mask

    def backward(self, dout: np.ndarray) -> np.ndarray:
        """dL/dX = dout * mask: the gradient flows through the kept values only (all of them in evaluation)."""
        if not self.training or self.p == 0:
            return dout
        if self.mask is None:
            raise RuntimeError("Dropout.backward: no mask yet; the mask is drawn in forward, so call forward "
                               "on a batch first")
        return dout * self.mask

    def __repr__(self) -> str:
        return f"Dropout(p={self.p:g}{'' if self.training else ', eval'})"


class Sequential(Layer):
    """Layers applied in order; ``backward`` runs them in reverse.

    ``model[i]`` is a layer, ``model[:k]`` a ``Sequential`` of the first k layers that shares
    their parameters (for example the hidden layer of a network, to map inputs to hidden space).
    """

    def __init__(self, *layers: Layer) -> None:
        super().__init__()
        if len(layers) == 1 and isinstance(layers[0], (list, tuple)):
            layers = tuple(layers[0])
        for i, layer in enumerate(layers):
            if not isinstance(layer, Layer):
                raise TypeError(f"layers[{i}]: expected an nnlab Layer, got {type(layer).__name__}")
        self.layers: list[Layer] = list(layers)

    # --- containers -------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self.layers)

    def __getitem__(self, index: int | slice) -> Layer:
        if isinstance(index, slice):
            return Sequential(*self.layers[index])
        return self.layers[index]

    def __iter__(self) -> Iterator[Layer]:
        return iter(self.layers)

    @property
    def dense_layers(self) -> list[Dense]:
        """The ``Dense`` layers, in order."""
        return [layer for layer in self.layers if isinstance(layer, Dense)]

    @property
    def n_in(self) -> int | None:
        """Input width, from the first layer that has one."""
        for layer in self.layers:
            if hasattr(layer, "n_in"):
                return layer.n_in
        return None

    @property
    def dtype(self) -> np.dtype:
        """The floating dtype of the parameters (float64 when there are none)."""
        for _, p in self.named_params():
            return p.dtype
        return np.dtype(np.float64)

    # --- parameters as the optimisers see them ----------------------------------------------
    def named_layers(self, prefix: str = "") -> Iterator[tuple[str, Layer]]:
        """Every layer that holds no other layers, depth first, with its position: ``("0", Dense)``,
        ``("2.1", Activation)`` for layer 1 of a block at position 2. The one walk over nested layers."""
        for i, layer in enumerate(self.layers):
            yield from layer.named_layers(f"{prefix}.{i}" if prefix else str(i))

    def named_params(self) -> Iterator[tuple[str, np.ndarray]]:
        """Yield ``("i.key", array)`` for every parameter, e.g. ``("0.W", W)``."""
        for path, layer in self.named_layers():
            for key, p in layer.params.items():
                yield f"{path}.{key}", p

    def named_grads(self) -> Iterator[tuple[str, np.ndarray]]:
        """Yield ``("i.key", gradient)`` in the same order as ``named_params``."""
        for path, layer in self.named_layers():
            for key, g in layer.grads.items():
                yield f"{path}.{key}", g

    def named_weights(self) -> Iterator[tuple[str, np.ndarray]]:
        """``("i.W", W)`` for the weight matrix of every layer that has one, nested layers too: what weight decay and
        the penalties act on (never a bias, nor batch norm's gamma and delta). The one way to pick the weights."""
        for path, layer in self.named_layers():
            if "W" in layer.params:
                yield f"{path}.W", layer.params["W"]

    def param_slots(self) -> list[tuple[Layer, str]]:
        """(layer, key) for every parameter: ``layer.params[key]`` and ``layer.grads[key]``."""
        return [(layer, key) for _, layer in self.named_layers() for key in layer.params]

    @property
    def n_params(self) -> int:
        return sum(p.size for _, p in self.named_params())

    def get_params_vector(self) -> np.ndarray:
        """All parameters concatenated into one vector, shape ``(n_params,)`` (a copy)."""
        return np.concatenate([p.ravel() for _, p in self.named_params()])

    def set_params_vector(self, theta: np.ndarray) -> None:
        """Write a vector of shape ``(n_params,)`` back into the parameters, in place."""
        theta = np.asarray(theta)
        if theta.shape != (self.n_params,):
            raise ValueError(f"theta: expected shape ({self.n_params},), got {theta.shape}")
        start = 0
        for _, p in self.named_params():
            p[...] = theta[start:start + p.size].reshape(p.shape)
            start += p.size

    def get_grads_vector(self) -> np.ndarray:
        """All gradients from the last ``backward``, concatenated, shape ``(n_params,)``."""
        return np.concatenate([g.ravel() for _, g in self.named_grads()])

    # --- the passes ---------------------------------------------------------------------------
    def forward(self, X: np.ndarray, *, check: bool = True) -> np.ndarray:
        """X: (N, n_in) -> output of the last layer, (N, n_out).

        With ``check=True`` (the default) ``X`` is validated first: two dimensions, the right
        width, finite values; it is converted to the parameters' dtype.
        """
        if check:
            X = check_array(X, "X", ndim=2, n_features=self.n_in, dtype=self.dtype)
        for layer in self.layers:
            X = layer.forward(X)
        return X

    __call__ = forward

    def backward(self, dout: np.ndarray) -> np.ndarray:
        """dout = dL/d(output) -> dL/dX; fills every layer's ``grads``, last layer first."""
        for layer in reversed(self.layers):
            dout = layer.backward(dout)
        return dout

    def param_backward(self, dout: np.ndarray) -> None:
        """``backward`` without the first layer's dL/dX, which training never reads (``fit`` calls this)."""
        for layer in reversed(self.layers[1:]):
            dout = layer.backward(dout)
        if self.layers:
            self.layers[0].param_backward(dout)

    def _title(self) -> str:
        return "Sequential"

    def __repr__(self) -> str:
        lines = [self._title()]
        for i, layer in enumerate(self.layers):
            n = layer.n_params
            desc = repr(layer).replace("\n", "\n  ")
            lines.append(f"  ({i}): {desc}" + (f"   {n:,} params" if n else ""))
        lines.append(f"  total: {self.n_params:,} parameters")
        return "\n".join(lines)


def _default_init(activation: str) -> str:
    return "he_normal" if activation in ("relu", "leaky_relu", "elu") else "glorot_uniform"


class MLP(Sequential):
    """A fully connected network: ``Dense`` layers with an activation between them.

    The last ``Dense`` layer has no activation: the network outputs scores (logits for
    classification, predictions for regression); the loss applies sigmoid or softmax.

    Parameters
    ----------
    sizes : sequence of int
        Layer widths from input to output, e.g. ``[2, 2, 1]`` for 2 inputs, 2 hidden units
        and 1 output.
    activation : str
        Hidden-layer activation (identity, sigmoid, tanh, relu, leaky_relu, elu).
    rng : np.random.Generator
        Source of the initial weights.
    init : str, optional
        Initialiser name; default He for the ReLU family, Glorot uniform otherwise.
    std : float, optional
        Standard deviation when ``init="normal"``.
    dtype : numpy dtype
        ``np.float64`` (default) or ``np.float32``.
    **activation_params : float
        ``slope`` for leaky_relu, ``alpha`` for elu.

    Examples
    --------
    >>> import numpy as np, nnlab as nl
    >>> nl.MLP([2, 2, 1], "relu", rng=np.random.default_rng(0)).n_params
    9
    """

    def __init__(self, sizes: Sequence[int], activation: str = "relu", *,
                 rng: np.random.Generator | None = None, init: str | None = None,
                 std: float | None = None, dtype: type = np.float64, _layers: list[Layer] | None = None,
                 **activation_params: float) -> None:
        sizes = list(sizes)
        if len(sizes) < 2:
            raise ValueError(f"sizes: expected at least [n_in, n_out], got {sizes}")
        for i, n in enumerate(sizes):
            check_positive_int(n, f"sizes[{i}]")
        get_activation(activation, **activation_params)  # fail early on a bad name
        self.sizes = sizes
        self.activation = activation
        #: the activation's parameters (``slope``, ``alpha``), as given
        self.activation_params = dict(activation_params)
        if _layers is None:
            check_rng(rng)
            init = init or _default_init(activation)
            _layers = []
            for k, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
                _layers.append(Dense(n_in, n_out, init=init, rng=rng, std=std, dtype=dtype))
                if k < len(sizes) - 2:
                    _layers.append(Activation(activation, **activation_params))
        super().__init__(*_layers)

    @classmethod
    def from_weights(cls, weights: Sequence[np.ndarray], biases: Sequence[np.ndarray],
                     activation: str = "relu", *, dtype: type = np.float64,
                     **activation_params: float) -> MLP:
        """Build an MLP with weights set by hand.

        Parameters
        ----------
        weights : sequence of arrays, shapes (n_0, n_1), (n_1, n_2), ...
        biases : sequence of arrays, shapes (n_1,), (n_2,), ...
            Same layout as scikit-learn's ``coefs_`` and ``intercepts_``.
        activation : str
            Hidden-layer activation.
        """
        if len(weights) != len(biases) or not weights:
            raise ValueError(
                f"weights, biases: expected equally many (at least one), got {len(weights)} and {len(biases)}")
        layers: list[Layer] = []
        sizes = []
        for k, (W, b) in enumerate(zip(weights, biases)):
            W = np.asarray(W)
            if W.ndim != 2:
                raise ValueError(f"weights[{k}]: expected a 2-D array (n_in, n_out), got shape {W.shape}")
            if sizes and W.shape[0] != sizes[-1]:
                raise ValueError(f"weights[{k}]: expected {sizes[-1]} rows to match the previous layer, "
                                 f"got shape {W.shape}")
            sizes = sizes or [W.shape[0]]
            sizes.append(W.shape[1])
            layers.append(Dense(W.shape[0], W.shape[1], W=W, b=b, dtype=dtype))
            if k < len(weights) - 1:
                layers.append(Activation(activation, **activation_params))
        return cls(sizes, activation, dtype=dtype, _layers=layers, **activation_params)

    @property
    def weights(self) -> list[np.ndarray]:
        """The weight matrices ``W`` (views, not copies), input to output (``named_weights``)."""
        return [W for _, W in self.named_weights()]

    @property
    def biases(self) -> list[np.ndarray]:
        """The bias vectors ``b`` (views, not copies), input to output."""
        return [layer.params["b"] for layer in self.dense_layers]

    def _title(self) -> str:
        return f"MLP({'-'.join(map(str, self.sizes))}, activation={self.activation!r})"


def check_mlp(model: object, name: str = "model", *, n_in: int | None = None, n_out: int | None = None,
              min_hidden: int = 0) -> tuple[list[Dense], list[Activation]]:
    """Check that ``model`` has an MLP's layout and return its ``Dense`` and ``Activation`` layers.

    The layout is Dense, Activation, Dense, ..., Dense: hidden layer k is ``model.layers[2k - 2]``
    (Dense) and ``model.layers[2k - 1]`` (Activation), the output layer a Dense with no activation.
    Every function that reads a network in the lecture's form calls this once, at its boundary.

    Parameters
    ----------
    model : Sequential
    name : str
        The argument's name, for the error messages.
    n_in, n_out : int, optional
        The required number of inputs and outputs.
    min_hidden : int
        The fewest hidden layers accepted.

    Returns
    -------
    dense : list of Dense, length D + 1
    activations : list of Activation, length D
    """
    if not isinstance(model, Sequential):
        raise TypeError(f"{name}: expected an nnlab MLP (or Sequential), got {type(model).__name__}")
    layers = list(model.layers)
    if not (len(layers) % 2 == 1 and all(isinstance(layer, Dense if i % 2 == 0 else Activation)
                                         for i, layer in enumerate(layers))):
        raise ValueError(f"{name}: expected Dense and Activation layers in turn, ending with a Dense layer "
                         f"(an MLP); got {[type(layer).__name__ for layer in layers]}")
    dense, acts = layers[0::2], layers[1::2]
    if len(acts) < min_hidden:
        raise ValueError(f"{name}: expected at least {min_hidden} hidden layer(s), got {len(acts)}")
    if n_in is not None and dense[0].n_in != n_in:
        raise ValueError(f"{name}: expected {n_in} inputs, got {dense[0].n_in}")
    if n_out is not None and dense[-1].n_out != n_out:
        raise ValueError(f"{name}: expected {n_out} output unit(s), got {dense[-1].n_out}")
    return dense, acts


def hidden_activations(model: Sequential, X: np.ndarray, layer: int = 1) -> np.ndarray:
    """The activations after hidden layer number ``layer`` (1 = the first), shape (N, width).

    For an MLP the layers alternate Dense, Activation, so hidden layer k ends at index 2k.
    """
    _, acts = check_mlp(model)
    n_hidden = len(acts)
    if isinstance(layer, bool) or not isinstance(layer, (int, np.integer)) or not 1 <= layer <= n_hidden:
        raise ValueError(f"layer: expected a hidden layer from 1 to {n_hidden}, got {layer!r}")
    return model[: 2 * layer].forward(X)


def dead_units(model: Sequential, X: np.ndarray, layer: int = 1) -> np.ndarray:
    """Which units of a hidden layer output 0 for every sample of ``X``: dead ReLU units.

    A dead unit's gradient is 0 on every sample, so gradient descent can never revive it.

    Returns
    -------
    array of bool, shape (width,)
    """
    return np.all(hidden_activations(model, X, layer) <= 0, axis=0)
