"""Probe a deep network at initialisation: how activations and gradients change from layer to layer.

The lecture's chain: the gradient reaching layer d is the upstream gradient multiplied, layer
after layer, by ``phi'(q)`` and ``W^T``::

    u = dL/dz  beta^T  . phi'(q_D) W_D^T  . phi'(q_{D-1}) W_{D-1}^T  . ...

so it shrinks (vanishes) or grows (explodes) geometrically with depth unless each factor is
about 1. ``probe`` runs one forward and one backward pass of a deep network on a seeded batch
and returns, for every hidden layer, the spread of its activations, how many of its units are
saturated or dead, and the norm of its weight gradient; ``theory`` gives the variances that
the initialisation predicts (the argument behind Glorot and He initialisation). For training,
``nnlab.optim.StepRecorder`` records the length of every step an optimiser takes, and
``nnlab.optim.clipped_step_bound`` says how long a step of SGD with clipping can be.

The network (``DeepNet``): ``depth`` hidden layers of ``width`` units, then one linear output::

    q_d = h_{d-1} W_d            (W_d: (n_{d-1}, width), zero biases at initialisation)
    q_d <- BatchNorm(q_d)        (if batch_norm: each column to mean 0, variance 1)
    h_d = phi(q_d)               (or h_d = h_{d-1} + phi(q_d) for d >= 2 if residual)
    z = h_D beta,  L = mean over the batch of (y - z)^2   (the lecture's MSE)

The probe feeds ``X ~ N(0, 1)`` of shape ``(batch, width)`` and targets ``y ~ N(0, 1)``.
``DeepNet.build`` makes the same network from nnlab layers, for training (with ``nnlab.fit``) and
for checking the probe against ``Sequential.backward``.

The probe is a fast kernel of its own (it keeps the gradient at unit norm with its scale as a
logarithm, so that vanishing and exploding gradients never underflow or overflow float32), but it
takes every formula and constant from the canonical modules: the activations and their largest
slopes from ``nnlab.activations`` (``value_and_grad``), the weights' scale from ``nnlab.init``
(``weight_std``), batch norm's eps from ``nnlab.normalization``. The tests check it against
nnlab's layers, PyTorch's autograd and central differences.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from ._validate import check_bool, check_choice, check_positive, check_positive_int, check_rng
from .activations import ACTIVATIONS, LEAKY_SLOPE, MAX_SLOPE, sigmoid_grad, value_and_grad
from .init import weight_std
from .layers import Activation, Dense, Layer, Sequential
from .normalization import EPS, BatchNorm, Residual, standardise, standardise_backward

#: the initialisations a ``DeepNet`` draws its Gaussian weights with (names of ``nnlab.init``):
#: N(0, std^2), Glorot (Var = 2 / (n_in + n_out)), He (Var = 2 / n_in)
INITS = ("normal", "glorot_normal", "he_normal")
#: a unit counts as saturated where phi'(q) is below this fraction of phi's largest slope. For the
#: sigmoid it is sigma'(3) / sigma'(0) = 0.18, so "saturated" means |q| > 3, the lecture's threshold;
#: for tanh it means |q| > 1.5 (tanh(q) = 2 sigma(2q) - 1).
SATURATION = float(sigmoid_grad(np.array(3.0)) / MAX_SLOPE["sigmoid"])
_BLOCK = 64  # the probe's weights are drawn in blocks of this size (see GradientProbe)


# --- the network --------------------------------------------------------------------------------
@dataclass(frozen=True)
class DeepNet:
    """A deep fully connected network, described by a few settings.

    Parameters
    ----------
    depth : int
        Number of hidden layers, ``D`` (each followed by the activation).
    width : int
        Units per hidden layer.
    activation : str
        One of ``nnlab.ACTIVATIONS`` (sigmoid, tanh, relu, leaky_relu, elu, identity), with its
        default parameters.
    init : str
        ``"normal"``: W ~ N(0, std^2); ``"glorot_normal"``: N(0, 2 / (n_in + n_out));
        ``"he_normal"``: N(0, 2 / n_in). The output layer uses the same rule.
    std : float
        Standard deviation of the weights for ``init="normal"`` (ignored otherwise).
    batch_norm : bool
        Batch-normalise every hidden pre-activation ``q_d`` before the activation.
    residual : bool
        Hidden layers 2..D become residual blocks, ``h_d = h_{d-1} + phi(q_d)`` (layer 1 maps
        the input to the hidden width and has no skip).
    """

    depth: int
    width: int
    activation: str = "relu"
    init: str = "he_normal"
    std: float = 1.0
    batch_norm: bool = False
    residual: bool = False

    def __post_init__(self) -> None:
        check_positive_int(self.depth, "depth")
        check_positive_int(self.width, "width")
        check_choice(self.activation, "activation", ACTIVATIONS)
        check_choice(self.init, "init", INITS)
        check_positive(self.std, "std")
        check_bool(self.batch_norm, "batch_norm")
        check_bool(self.residual, "residual")

    def weight_std(self, n_in: int, n_out: int) -> float:
        """The standard deviation of the weights of a layer ``n_in -> n_out`` (``nnlab.init.weight_std``)."""
        return weight_std(self.init, n_in, n_out, std=self.std)

    def shapes(self, n_in: int | None = None, n_out: int = 1) -> list[tuple[int, int]]:
        """Shapes of the ``depth + 1`` weight matrices, input to output (``n_in`` defaults to width)."""
        n_in = self.width if n_in is None else check_positive_int(n_in, "n_in")
        sizes = [n_in] + [self.width] * self.depth + [check_positive_int(n_out, "n_out")]
        return list(zip(sizes[:-1], sizes[1:]))

    def build(self, *, rng: np.random.Generator | None = None, weights: Sequence[np.ndarray] | None = None,
              n_in: int | None = None, n_out: int = 1, dtype: type = np.float64) -> Sequential:
        """The network as nnlab layers, to train or to check against.

        Hidden layer d is ``Dense -> [BatchNorm] -> Activation``, wrapped in a ``Residual`` for
        d >= 2 when ``residual``; the output layer is a ``Dense`` with no activation. Biases
        start at 0.

        Parameters
        ----------
        rng : np.random.Generator, optional
            Draws the weights with ``weight_std`` (needed unless ``weights`` is given).
        weights : sequence of arrays, optional
            The ``depth + 1`` weight matrices, shapes as ``shapes(n_in, n_out)``.
        n_in, n_out : int
            Input width (default: ``width``) and number of outputs.
        dtype : numpy dtype
            ``np.float64`` (default) or ``np.float32``.
        """
        shapes = self.shapes(n_in, n_out)
        if weights is None:
            check_rng(rng)
            weights = [rng.normal(0.0, self.weight_std(a, b), size=(a, b)) for a, b in shapes]
        elif len(weights) != len(shapes):
            raise ValueError(f"weights: expected {len(shapes)} matrices (depth + 1), got {len(weights)}")
        layers: list[Layer] = []
        for d, ((a, b), W) in enumerate(zip(shapes, weights)):
            dense = Dense(a, b, W=W, dtype=dtype)
            if d == self.depth:
                layers.append(dense)
                break
            block: list[Layer] = [dense]
            if self.batch_norm:
                block.append(BatchNorm(b, dtype=dtype))
            block.append(Activation(self.activation))
            if self.residual and d >= 1:
                layers.append(Residual(*block))
            else:
                layers.extend(block)
        return Sequential(*layers)

    def __str__(self) -> str:
        init = {"normal": f"normal(std={self.std:g})", "glorot_normal": "glorot", "he_normal": "he"}[self.init]
        extras = "".join([" + batch norm" if self.batch_norm else "", " + residual" if self.residual else ""])
        return f"{self.depth} x {self.width} {self.activation}, {init} init{extras}"


# --- theory -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Theory:
    """What the initialisation predicts, layer by layer (wide-network, mean-field limit).

    Attributes
    ----------
    preact_var : array, shape (depth,)
        Var(q_d), the variance of the input of phi in layer d.
    act_var : array, shape (depth,)
        Var(h_d), the variance of the output of layer d.
    chain : array, shape (depth,)
        ``n_in sigma_w^2 E[phi'(q_d)^2]``: the factor by which layer d multiplies the squared
        norm of the backpropagated gradient, ``||dL/dh_{d-1}||^2 / ||dL/dh_d||^2``. Below 1 the
        gradient vanishes, above 1 it explodes. Only for plain networks (NaN with batch norm or
        residual connections, where the chain has more terms).
    """

    preact_var: np.ndarray
    act_var: np.ndarray
    chain: np.ndarray

    @property
    def signal_ratio(self) -> float:
        """Predicted ``||dL/dh_1|| / ||dL/dh_D||``: the product of ``sqrt(chain)`` over layers D..2."""
        return float(np.prod(np.sqrt(self.chain[1:])))


_Z_GRID = np.linspace(-8.0, 8.0, 2001)
_Z_WEIGHTS = np.exp(-0.5 * _Z_GRID**2)
_Z_WEIGHTS /= _Z_WEIGHTS.sum()


def gaussian_moments(activation: str, v: float) -> tuple[float, float, float]:
    """E[phi(q)], E[phi(q)^2] and E[phi'(q)^2] for q ~ N(0, v).

    Closed forms for relu and leaky_relu; a fine grid over z ~ N(0, 1), q = sqrt(v) z, otherwise.
    """
    if activation in ("relu", "leaky_relu"):
        c = 0.0 if activation == "relu" else LEAKY_SLOPE
        return (1 - c) * math.sqrt(v / (2 * math.pi)), v * (1 + c * c) / 2, (1 + c * c) / 2
    if activation == "identity":
        return 0.0, v, 1.0
    if not math.isfinite(v):
        return math.nan, math.nan, math.nan
    check_choice(activation, "activation", ACTIVATIONS)
    q = math.sqrt(v) * _Z_GRID
    with np.errstate(over="ignore", under="ignore"):
        a, da = value_and_grad(activation, q)  # the probe's own phi and phi', in one pass
    return float(_Z_WEIGHTS @ a), float(_Z_WEIGHTS @ (a * a)), float(_Z_WEIGHTS @ (da * da))


def theory(net: DeepNet, n_in: int | None = None) -> Theory:
    """The variances the initialisation predicts for every hidden layer.

    The recursion of Glorot and Bengio (2010) and He et al. (2015), for inputs with mean 0 and
    variance 1, zero biases and wide layers: each unit of ``q_d`` is a sum of ``n_{d-1}`` terms
    ``W_ij h_i``, so ``Var(q_d) = n_{d-1} sigma_w^2 E[h_{d-1}^2]`` (batch norm sets it to 1), and
    ``E[h_d^2] = E[phi(q_d)^2]`` with ``q_d ~ N(0, Var(q_d))``. With a residual connection
    ``h_d = h_{d-1} + phi(q_d)`` the means and second moments add up.

    For ReLU and He, ``Var(q_d) = n (2 / n) Var(q_{d-1}) / 2``: constant with depth.
    """
    shapes = net.shapes(n_in)
    depth = net.depth
    preact, act, chain = np.empty(depth), np.empty(depth), np.empty(depth)
    mean, second = 0.0, 1.0  # E[x], E[x^2] of the input
    plain = not (net.batch_norm or net.residual)
    for d in range(depth):
        a, b = shapes[d]
        var_w = net.weight_std(a, b) ** 2
        v = 1.0 if net.batch_norm else a * var_w * second
        e_phi, e_phi2, e_dphi2 = gaussian_moments(net.activation, v)
        if net.residual and d >= 1:
            second = second + e_phi2 + 2 * mean * e_phi
            mean = mean + e_phi
        else:
            mean, second = e_phi, e_phi2
        preact[d], act[d] = v, second - mean * mean
        chain[d] = a * var_w * e_dphi2 if plain else math.nan
    return Theory(preact, act, chain)


# --- the probe ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class ProbeResult:
    """One forward and backward pass, layer by layer (index 0 is hidden layer 1).

    Attributes
    ----------
    net : DeepNet
    batch : int
        Number of samples in the batch.
    preact_std : array, shape (depth,)
        Standard deviation of the input of phi (``q_d``, after batch norm if any), over the
        whole ``(batch, width)`` array.
    act_std : array, shape (depth,)
        Standard deviation of the layer's output ``h_d``.
    saturated : array, shape (depth,)
        Fraction of the ``batch x width`` values where ``phi'(q) < SATURATION * max phi'``: for
        the sigmoid, ``|q| > 3``; for ReLU, ``q <= 0`` (its flat side).
    dead : array, shape (depth,)
        Fraction of units with ``phi'(q) = 0`` on every sample of the batch: dead ReLU units.
    grad_norm : array, shape (depth,)
        ``||dL/dW_d||``, Frobenius norm of the weight gradient of hidden layer d.
    dh_norm : array, shape (depth,)
        ``||dL/dh_d||``, the norm of the gradient arriving at the output of layer d.
    output_grad_norm : float
        ``||dL/dbeta||``, the output layer's weight gradient.
    loss : float
        The MSE of the untrained network.
    theory : Theory
        The variances the initialisation predicts.
    overflow_layer : int or None
        The first hidden layer (1-based) whose activations overflowed the floating-point
        range; the arrays hold NaN from there on.
    dphi : dict of int to array
        ``phi'(q)`` of every value of the layers asked for with ``keep_dphi``, flattened.
    dtype : numpy dtype
        The precision the passes computed in (the probe's).
    """

    net: DeepNet
    batch: int
    preact_std: np.ndarray
    act_std: np.ndarray
    saturated: np.ndarray
    dead: np.ndarray
    grad_norm: np.ndarray
    dh_norm: np.ndarray
    output_grad_norm: float
    loss: float
    theory: Theory
    overflow_layer: int | None = None
    dphi: dict[int, np.ndarray] = field(default_factory=dict)
    dtype: type = np.float32

    @property
    def layers(self) -> np.ndarray:
        """The hidden layer numbers 1..depth."""
        return np.arange(1, self.net.depth + 1)

    @property
    def signal_ratio(self) -> float:
        """``||dL/dh_1|| / ||dL/dh_D||``: the backpropagated gradient (the lecture's u) at the first
        hidden layer over the last; ``theory.signal_ratio`` predicts it."""
        first, last = float(self.dh_norm[0]), float(self.dh_norm[-1])
        return first / last if last > 0 and math.isfinite(last) else math.nan

    @property
    def magnifies_round_off(self) -> bool:
        """Whether the backward pass magnifies rounding errors until they show in a gradient's second digit: the
        chain multiplies them as it multiplies u (``theory.signal_ratio``), and a growth by 1e-6 over the precision's
        own (1e-7 in float32, 2e-16 in float64) changes the last layers' gradients between CPUs."""
        return bool(self.theory.signal_ratio * np.finfo(self.dtype).eps > 1e-6)

    @property
    def grad_ratio(self) -> float:
        """``||dL/dW_1|| / ||dL/dW_D||``: the first layer's gradient over the last hidden layer's
        (NaN if that is 0)."""
        first, last = float(self.grad_norm[0]), float(self.grad_norm[-1])
        return first / last if last > 0 and math.isfinite(last) else math.nan


def _mean_std(x: np.ndarray) -> tuple[float, float]:
    """Mean and standard deviation of all entries, robust to float32 overflow of the sum of squares."""
    flat = x.reshape(-1)
    mean = float(flat.sum()) / flat.size
    second = float(np.dot(flat, flat)) / flat.size
    var = second - mean * mean
    if not (math.isfinite(second) and var > 1e-3 * second):  # overflow or cancellation: do it carefully
        flat64 = flat.astype(np.float64)
        mean = float(flat64.mean())
        var = float(np.mean((flat64 - mean) ** 2))
    return mean, (math.sqrt(var) if var > 0 else (0.0 if var == 0 else math.nan))


def _exp(x: float) -> float:
    """exp(x) for a logarithm of a gradient's size: 0 for -inf, inf beyond the float range."""
    return math.inf if x > 709.0 else math.exp(x)


def _norm(x: np.ndarray) -> float:
    """Euclidean norm of all entries (one BLAS dot; the backward pass keeps its arrays near norm 1)."""
    flat = x.reshape(-1)
    return math.sqrt(max(float(np.dot(flat, flat)), 0.0))


_controller: list = []


def _blas_threads(threads: int | None) -> contextlib.AbstractContextManager:
    """Limit BLAS to ``threads`` threads inside a ``with`` block (``None``: leave it alone)."""
    if threads is None:
        return contextlib.nullcontext()
    if not _controller:
        try:
            from threadpoolctl import ThreadpoolController  # installed with scikit-learn
        except ImportError:  # pragma: no cover
            _controller.append(None)
        else:
            _controller.append(ThreadpoolController())
    if _controller[0] is None:  # pragma: no cover
        return contextlib.nullcontext()
    return _controller[0].limit(limits=threads, user_api="blas")


class GradientProbe:
    """Seeded batches and weights for probing many networks quickly (the dashboard keeps one).

    The weights of layer d are ``W_d = sigma_w Z_d`` with standard-normal draws ``Z_d`` that
    depend only on the probe's seed and the layer number: ``Z_d`` is drawn in blocks of 64 x 64,
    each from its own seeded stream, and a layer of width n takes the top-left n x n corner. So
    changing the depth, the width, the activation or the initialisation keeps every draw made so
    far, and each block is drawn once and cached: drawing 100 matrices of 512 x 512 takes longer
    than probing them (about half a second against 0.1 s at batch 32), so a dashboard that drew anew at
    every width would wait on the random numbers.

    Parameters
    ----------
    rng : np.random.Generator
        Source of the probe's seed.
    batch : int
        Number of samples in the batch (a call may use fewer: its first samples).
    dtype : numpy dtype
        ``np.float32`` (default, fast) or ``np.float64``.
    threads : int or None
        BLAS threads for the probe's matrix products (restored afterwards). 1, the default, is the
        fastest on a shared or busy machine: there OpenBLAS's threads wait for each other, and a
        probe of 100 layers of width 64 took 2.6 s on two threads against 0.04 s on one (2-core
        machine under load). ``None`` keeps the library's setting, which can be faster for width
        512 on an idle machine with several cores.
    """

    def __init__(self, *, rng: np.random.Generator, batch: int = 256, dtype: type = np.float32,
                 threads: int | None = 1) -> None:
        check_rng(rng)
        if threads is not None:
            check_positive_int(threads, "threads")
        self.threads = threads
        self.seed = int(rng.integers(2**62))
        self.batch = check_positive_int(batch, "batch")
        self.dtype = np.dtype(dtype)
        if self.dtype not in (np.float32, np.float64):
            raise ValueError(f"dtype: expected np.float32 or np.float64, got {self.dtype}")
        self._draws: dict[int, np.ndarray] = {}  # per layer (-1: output), grown block by block
        self._inputs: dict[int, tuple[np.ndarray, np.ndarray]] = {}

    # --- the random draws ---------------------------------------------------------------------
    def standard_weights(self, net: DeepNet) -> list[np.ndarray]:
        """The standard-normal matrices ``Z_1 .. Z_D, Z_out``, shapes ``net.shapes()`` (read-only views)."""
        shapes = net.shapes()
        return [self._standard_normal(d if d < net.depth else -1, a, b) for d, (a, b) in enumerate(shapes)]

    def _standard_normal(self, layer: int, rows: int, cols: int) -> np.ndarray:
        """The top-left ``rows x cols`` corner of layer ``layer``'s draws, drawing missing blocks."""
        have = self._draws.get(layer, np.empty((0, 0), dtype=self.dtype))
        R, C = (-(-rows // _BLOCK) * _BLOCK, -(-cols // _BLOCK) * _BLOCK)
        if have.shape[0] < R or have.shape[1] < C:
            grown = np.empty((max(R, have.shape[0]), max(C, have.shape[1])), dtype=self.dtype)
            grown[:have.shape[0], :have.shape[1]] = have
            for i in range(0, grown.shape[0], _BLOCK):
                for j in range(0, grown.shape[1], _BLOCK):
                    if i >= have.shape[0] or j >= have.shape[1]:
                        stream = np.random.default_rng([self.seed, 1, layer + 1, i // _BLOCK, j // _BLOCK])
                        grown[i:i + _BLOCK, j:j + _BLOCK] = stream.standard_normal((_BLOCK, _BLOCK),
                                                                                   dtype=self.dtype)
            grown.flags.writeable = False
            self._draws[layer] = have = grown
        return have[:rows, :cols]

    def weights(self, net: DeepNet) -> list[np.ndarray]:
        """The weights ``W_d = sigma_w Z_d`` the probe uses for ``net`` (new arrays)."""
        return [net.weight_std(*Z.shape) * Z for Z in self.standard_weights(net)]

    def inputs(self, net: DeepNet) -> tuple[np.ndarray, np.ndarray]:
        """The batch: ``X ~ N(0, 1)``, shape ``(batch, width)``, and ``y ~ N(0, 1)``, shape ``(batch, 1)``."""
        X, y = self._cached_inputs(net)
        return X.copy(), y.copy()

    def _cached_inputs(self, net: DeepNet) -> tuple[np.ndarray, np.ndarray]:
        """``inputs(net)`` without the copies (read-only: the passes only read them)."""
        if net.width not in self._inputs:
            stream = np.random.default_rng([self.seed, 0, net.width, self.batch])
            X = stream.standard_normal((self.batch, net.width), dtype=self.dtype)
            y = stream.standard_normal((self.batch, 1), dtype=self.dtype)
            X.flags.writeable = y.flags.writeable = False
            self._inputs = {net.width: (X, y)}
        return self._inputs[net.width]

    # --- the passes ------------------------------------------------------------------------------
    def __call__(self, net: DeepNet, *, batch: int | None = None, keep_dphi: Sequence[int] = ()) -> ProbeResult:
        """Run one forward and one backward pass of ``net``; see ``probe``.

        ``batch`` (at most the probe's own) uses only the first ``batch`` samples, for a quicker
        look at a large network: ``probe_flops`` says how much arithmetic each choice costs.
        """
        if not isinstance(net, DeepNet):
            raise TypeError(f"net: expected a DeepNet, got {type(net).__name__}")
        if batch is None:
            batch = self.batch
        elif not (isinstance(batch, (int, np.integer)) and not isinstance(batch, bool)
                  and 1 <= batch <= self.batch):
            raise ValueError(f"batch: expected an integer from 1 to the probe's batch of {self.batch}, "
                             f"got {batch!r}")
        for layer in keep_dphi:
            if not 1 <= layer <= net.depth:
                raise ValueError(f"keep_dphi: expected layer numbers from 1 to {net.depth}, got {layer!r}")
        if net.batch_norm and batch < 2:
            raise ValueError(f"batch: batch norm needs at least 2 samples, got {batch}")
        with np.errstate(over="ignore", invalid="ignore", under="ignore", divide="ignore"), \
                _blas_threads(self.threads):
            return self._run(net, int(batch), tuple(keep_dphi))

    def _run(self, net: DeepNet, batch: int, keep_dphi: tuple[int, ...]) -> ProbeResult:
        X, y = (a[:batch] for a in self._cached_inputs(net))
        layers = [(Z, net.weight_std(*Z.shape)) for Z in self.standard_weights(net)]  # (Z_d, sigma_d), then beta's
        fwd = _probe_forward(net, X, layers[:-1], keep_dphi)
        nan = np.full(net.depth, np.nan)
        grad, dh, output_grad, loss = ((nan, nan.copy(), math.nan, math.nan) if fwd.overflow is not None
                                       else _probe_backward(net, fwd, y, layers))
        return ProbeResult(net, batch, fwd.preact_std, fwd.act_std, fwd.saturated, fwd.dead, grad, dh, output_grad,
                           loss, theory(net), fwd.overflow, fwd.dphi_kept, self.dtype)


@dataclass
class _Forward:
    """What the probe's forward pass measured per layer, and what its backward pass needs."""

    preact_std: np.ndarray
    act_std: np.ndarray
    saturated: np.ndarray
    dead: np.ndarray
    saved: list[tuple] = field(default_factory=list)  # per layer: (input or its Gram matrix, its scale, phi', q_hat,
    #                                                    1/std): the cache ``Dense`` and ``BatchNorm`` keep
    dphi_kept: dict[int, np.ndarray] = field(default_factory=dict)
    h: np.ndarray | None = None  # the last hidden layer's output
    overflow: int | None = None


def _probe_forward(net: DeepNet, X: np.ndarray, layers: list[tuple[np.ndarray, float]],
                   keep_dphi: tuple[int, ...]) -> _Forward:
    """The probe's forward pass: ``q_d = h_{d-1} sigma_d Z_d`` (standardised with batch norm), ``h_d = phi(q_d)``
    (plus ``h_{d-1}`` with residual blocks), measuring each layer and keeping what backward needs."""
    D, dt = net.depth, X.dtype.type
    thresh = dt(SATURATION * MAX_SLOPE[net.activation])
    fwd = _Forward(*(np.full(D, np.nan) for _ in range(4)))
    use_gram = _use_gram(len(X), net.width)
    h, act_rms = X, 1.0  # act_rms: the root mean square of the layer's input, to spot huge or tiny values
    for d, (Z, std) in enumerate(layers):
        q = h @ Z
        if std != 1.0:
            q *= dt(std)
        inv = None
        if net.batch_norm:
            q, _, _, inv = standardise(q, EPS, out=q)
        fwd.preact_std[d] = _mean_std(q)[1]
        a, dphi = value_and_grad(net.activation, q)
        fwd.saturated[d] = np.count_nonzero(dphi < thresh) / dphi.size
        fwd.dead[d] = 1.0 - np.count_nonzero(dphi.any(axis=0)) / net.width if net.activation == "relu" else 0.0
        if d + 1 in keep_dphi:
            fwd.dphi_kept[d + 1] = dphi.ravel().copy()
        if net.residual and d >= 1:
            a += h
        act_mean, fwd.act_std[d] = _mean_std(a)
        if not math.isfinite(fwd.act_std[d]):
            fwd.overflow = d + 1
            fwd.preact_std[d] = fwd.act_std[d] = fwd.saturated[d] = fwd.dead[d] = np.nan
            return fwd
        stored, h_scale = _layer_input_for_backward(h, act_rms, net.batch_norm, use_gram)
        fwd.saved.append((stored, h_scale, dphi, q if net.batch_norm else None, inv))
        act_rms = math.hypot(fwd.act_std[d], act_mean)
        h = a
    fwd.h = h
    return fwd


def _layer_input_for_backward(h: np.ndarray, rms: float, batch_norm: bool, use_gram: bool) -> tuple[np.ndarray, float]:
    """What backward needs for ``||dL/dW_d|| = ||h_{d-1}^T u_d||``: the layer's input ``h`` (centred with batch norm,
    exact as u's columns sum to 0), or its Gram matrix ``h h^T``, and the scale it was divided by to keep it near
    unit size, so that float32 products cannot overflow."""
    stored = h - h.mean(axis=0) if batch_norm else h
    flat64 = stored.ravel().astype(np.float64) if not 1e-4 < rms < 1e4 else None
    rms = math.sqrt(float(np.dot(flat64, flat64)) / stored.size) if flat64 is not None else 1.0
    h_scale = rms if rms > 0 else 1.0
    if h_scale != 1.0:
        stored = stored * h.dtype.type(1.0 / h_scale)
    if use_gram:
        stored = stored @ stored.T
    return stored, h_scale


def _probe_backward(net: DeepNet, fwd: _Forward, y: np.ndarray, layers: list[tuple[np.ndarray, float]]
                    ) -> tuple[np.ndarray, np.ndarray, float, float]:
    """The probe's backward pass: ``u_d = g_d * phi'(q_d)`` (through batch norm's ``standardise_backward``), the
    weight gradient's norm ``||h_{d-1}^T u_d||``, then ``g_{d-1} = sigma_d u_d Z_d^T`` (plus ``g_d`` through a
    residual block). The gradient is kept at norm 1 and its true scale as a logarithm, so vanishing and exploding
    gradients never underflow or overflow the float type.

    Returns ``grad_norm`` (D,), ``dh_norm`` (D,), the output weight gradient's norm and the loss.
    """
    D, N, dt = net.depth, len(y), y.dtype.type
    grad, dh = np.full(D, np.nan), np.full(D, np.nan)
    beta, beta_std = layers[D]
    z = fwd.h @ beta
    z *= dt(beta_std)
    residual = z - y
    loss = float(np.mean(residual.astype(np.float64) ** 2))
    dz = residual * dt(2.0 / N)
    output_grad = float(np.linalg.norm((fwd.h.T @ dz).astype(np.float64)))
    g = dz @ beta.T
    g_norm = float(np.linalg.norm(g.astype(np.float64))) * beta_std  # dz may be huge: float64 once
    log_scale = math.log(g_norm) if g_norm > 0 else -math.inf
    g = g * dt(beta_std / g_norm) if g_norm > 0 else g
    for d in range(D - 1, -1, -1):
        stored, h_scale, dphi, q_hat, inv = fwd.saved[d]
        dh[d] = _exp(log_scale)
        u = np.multiply(g, dphi, out=dphi)
        if net.batch_norm:
            u = standardise_backward(u, q_hat, inv, overwrite=True)
        if _use_gram(N, net.width):  # stored is the Gram matrix h h^T
            norm = math.sqrt(max(float(np.vdot(stored.astype(np.float64), (u @ u.T).astype(np.float64))), 0.0))
        else:
            norm = float(np.linalg.norm((stored.T @ u).astype(np.float64)))
        grad[d] = norm * h_scale * dh[d]
        if d == 0:
            break
        Z, std = layers[d]
        g_new = u @ Z.T
        if std != 1.0:
            g_new *= dt(std)
        if net.residual and d >= 1:
            g_new += g
        g, log_scale = _unit_norm(g_new, log_scale)
    grad[~np.isfinite(grad) & (dh == 0)] = 0.0
    return grad, dh, output_grad, loss


def _unit_norm(g: np.ndarray, log_scale: float) -> tuple[np.ndarray, float]:
    """``g`` divided by its norm (in place), the norm added to ``log_scale``; 0 stays 0 (scale -inf)."""
    scale = _norm(g)
    if scale > 0 and math.isfinite(scale):
        g *= g.dtype.type(1.0 / scale)
        return g, log_scale + math.log(scale)
    return g, (-math.inf if scale == 0 else math.nan)


def _use_gram(batch: int, width: int) -> bool:
    """Whether ||h^T u|| is cheaper from the two batch x batch Gram matrices (N^2 n / 2 multiply-adds
    each: numpy computes ``a @ a.T`` as a symmetric product) than from h^T u itself (N n^2)."""
    return batch < width


def probe_flops(net: DeepNet, batch: int) -> int:
    """Floating-point operations in the matrix products of one probe of ``net`` on ``batch`` samples.

    Two per multiply-add. Per hidden layer: ``h W`` (N n^2 multiply-adds) and the weight-gradient
    norm (two N x N Gram matrices of N^2 n / 2, or ``h^T u``, N n^2, whichever is less); ``u W^T``
    (N n^2) for every hidden layer but the first, whose input needs no gradient. The output
    layer's n-vector products are left out, and so is the elementwise work (activations, norms,
    batch norm), which for narrow layers takes as long as the products or longer.

    Parameters
    ----------
    net : DeepNet
    batch : int
        Number of samples, N.

    Returns
    -------
    int
        The count. Divided by a machine's best rate of float32 matrix products it is a lower
        bound on the probe's time there.
    """
    if not isinstance(net, DeepNet):
        raise TypeError(f"net: expected a DeepNet, got {type(net).__name__}")
    N, n, D = check_positive_int(batch, "batch"), net.width, net.depth
    norm = N * N * n if _use_gram(N, n) else N * n * n
    return 2 * (D * (N * n * n + norm) + (D - 1) * N * n * n)


def probe(net: DeepNet, *, rng: np.random.Generator, batch: int = 256, dtype: type = np.float32,
          keep_dphi: Sequence[int] = ()) -> ProbeResult:
    """One forward and backward pass of ``net`` on a seeded batch, measured layer by layer.

    Parameters
    ----------
    net : DeepNet
        Depth, width, activation, initialisation, batch norm and residual switches.
    rng : np.random.Generator
        Seeds the batch ``X`` (batch, width), the targets ``y`` (batch, 1) and the weights.
    batch : int
        Number of samples.
    dtype : numpy dtype
        ``np.float32`` (default) or ``np.float64``.
    keep_dphi : sequence of int
        Hidden layers (1-based) whose values of ``phi'(q)`` to keep, for histograms.

    Returns
    -------
    ProbeResult
        Per layer: activation spread, saturated and dead fractions, weight-gradient norms;
        plus the theory's prediction.

    Examples
    --------
    >>> import numpy as np, nnlab as nl
    >>> net = nl.gradients.DeepNet(depth=30, width=16, activation="sigmoid", init="normal", std=1.0)
    >>> r = nl.gradients.probe(net, rng=np.random.default_rng(0))
    >>> r.grad_ratio < 1e-5          # the first layer's gradient has all but vanished
    True
    """
    return GradientProbe(rng=rng, batch=batch, dtype=dtype)(net, keep_dphi=keep_dphi)
