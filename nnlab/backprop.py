"""Backpropagation, step by step: the pieces notebook 02 shows.

- ``trace``: one example through an MLP with one output and squared error, every intermediate
  value of the forward pass (``q1, h1, q2, h2, z, L``) and every gradient of the backward pass
  (``dz, da, dbeta, dh2, u2, db2, dW2, ...``) in the lecture's notation, each computed by
  nnlab's own layers; ``check_trace`` compares every gradient with central differences.
- ``flow_pattern``: the four patterns of gradient flow (add distributes, copy adds, multiply
  swaps, max routes) on tiny graphs with numbers.
- ``chain_multiplications`` / ``multiply_chain``: how many scalar multiplications forward and
  reverse mode need for the Jacobian of a chain of functions; ``pass_multiplications``: what one
  forward and one backward pass of an MLP cost.

The pictures (the computational graph, the flow patterns) are in ``nnlab.plots.backprop``; the
exercise checker for a backward pass a student wrote is ``nnlab.gradcheck.check_backward``.

Notation (lecture 10, QTM 447): hidden layer d computes ``q_d = W_d^T h_{d-1} + b_d`` and
``h_d = phi(q_d)`` with ``h_0 = x``; the output is ``z = beta^T h_D + a`` and the loss of one
example ``L = (y - z)^2``. The upstream gradient of layer d is ``u_d = dL/dq_d``. nnlab stores an
example as a row of shape (1, K), so its ``dW`` of shape (n_in, n_out) is the transpose of the
lecture's ``dL/dW^T = u^T h`` of shape (n_out, n_in).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from ._format import num
from ._validate import check_positive, check_positive_int
from .activations import Nonlinearity
from .gradcheck import GradientCheck, check_model, numerical_gradient, numerical_model_gradients
from .layers import MLP, Activation, Dense, Sequential, check_mlp
from .losses import mse

__all__ = [
    "FLOW_EXAMPLES", "BackpropTrace", "FlowPattern", "chain_multiplications", "check_network", "check_trace",
    "example_network", "flow_pattern", "flow_patterns",
    "format_array", "lecture_names", "multiply_chain", "numerical_trace", "pass_multiplications",
    "replace_derivative", "show", "trace",
]

# --- printing -----------------------------------------------------------------------------------
def format_array(a: np.ndarray | float, decimals: int = 6) -> str:
    """An array as nested brackets of rounded numbers, e.g. ``[[1, 0.3, -0.7]]``.

    Rounded (to 6 decimals by default, at most 6 significant digits) and without negative zeros,
    so round-off in the last bits never shows and the text is the same on every machine.
    """
    a = np.asarray(a, dtype=np.float64)
    if a.ndim == 0:
        return num(a, decimals)
    return "[" + ", ".join(format_array(row, decimals) for row in a) + "]"


def show(decimals: int = 6, **arrays: np.ndarray | float) -> None:
    """Print each array with its name and shape, one per line, values rounded.

    Examples
    --------
    >>> show(q1=np.array([[1.0, 0.3, -0.7]]))
    q1  shape (1, 3)  [[1, 0.3, -0.7]]
    """
    width = max((len(k) for k in arrays), default=0)
    for name, a in arrays.items():
        a = np.asarray(a)
        print(f"{name:<{width}}  shape {a.shape!s:<7}  {format_array(a, decimals)}")


# --- the lecture's example -------------------------------------------------------------------------
def example_network() -> tuple[MLP, np.ndarray, np.ndarray]:
    """The 2-3-2-1 ReLU network of notebook 02, one example ``x`` and its target ``y``.

    The weights are set by hand so that one unit of each hidden layer is off (its ReLU gate
    routes no gradient) and every number of the forward and backward passes is short.

    Returns
    -------
    model : MLP
        ``x (2) -> q1, h1 (3) -> q2, h2 (2) -> z (1)``: ``W1`` (2, 3), ``W2`` (3, 2), ``beta`` (2, 1).
    x : array, shape (1, 2)
    y : array, shape (1,)
    """
    W1 = np.array([[0.5, -0.8, 0.3], [0.2, 0.4, -0.6]])
    b1 = np.array([0.1, 0.3, 0.2])
    W2 = np.array([[1.0, -0.5], [0.5, 0.3], [-0.4, 0.2]])
    b2 = np.array([-0.2, 0.1])
    beta = np.array([[1.5], [-1.0]])
    a = np.array([0.2])
    model = MLP.from_weights([W1, W2, beta], [b1, b2, a], "relu")
    return model, np.array([[1.0, 2.0]]), np.array([1.0])


# --- the structure of an MLP in the lecture's names -------------------------------------------------
def _check_mlp(model: object) -> tuple[list[Dense], list[Activation]]:
    """An MLP with at least one hidden layer and one output (z is a number)."""
    return check_mlp(model, n_out=1, min_hidden=1)


def lecture_names(model: Sequential) -> dict[str, str]:
    """nnlab's parameter names in the lecture's notation.

    Returns
    -------
    dict
        For a network with D hidden layers: ``"0.W" -> "W1"``, ``"0.b" -> "b1"``, ...,
        and the output layer ``"2D.W" -> "beta"``, ``"2D.b" -> "a"``.
    """
    dense, _ = _check_mlp(model)
    names: dict[str, str] = {}
    for d in range(1, len(dense)):
        names[f"{2 * (d - 1)}.W"], names[f"{2 * (d - 1)}.b"] = f"W{d}", f"b{d}"
    last = 2 * (len(dense) - 1)
    names[f"{last}.W"], names[f"{last}.b"] = "beta", "a"
    return names


# --- the trace ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Step:
    """One line of the trace: a name (``"u2"``), its formula in nnlab's row layout, its value."""

    name: str
    math: str
    value: np.ndarray


@dataclass
class BackpropTrace:
    """Every value of one forward pass and every gradient of one backward pass.

    Attributes
    ----------
    forward : list of Step
        ``x, q1, h1, ..., qD, hD, z, L`` (rows: ``q_d`` and ``h_d`` have shape (1, K_d)).
    backward : list of Step
        ``dz, da, dbeta, dhD, uD, dbD, dWD, ..., u1, db1, dW1, dx`` (each gradient has the shape
        of what it is the gradient of).
    loss : float
        ``L = (y - z)^2``.
    y : array, shape (1, 1)
        The target.
    weights, biases : list of arrays
        Copies of ``W1, ..., WD, beta`` and ``b1, ..., bD, a`` as they were in the pass.
    activation : str
        The hidden layers' activation, e.g. ``"relu"``.

    ``trace["u2"]`` is the value of a step by name.
    """

    forward: list[Step]
    backward: list[Step]
    loss: float
    y: np.ndarray
    weights: list[np.ndarray]
    biases: list[np.ndarray]
    activation: str

    def __getitem__(self, name: str) -> np.ndarray:
        for step in self.forward + self.backward:
            if step.name == name:
                return step.value
        raise KeyError(f"name: expected one of {self.names}, got {name!r}")

    @property
    def names(self) -> list[str]:
        """The names of all steps, forward then backward."""
        return [s.name for s in self.forward + self.backward]

    @property
    def gradients(self) -> dict[str, np.ndarray]:
        """The backward steps as ``{name: gradient}``."""
        return {s.name: s.value for s in self.backward}

    def __repr__(self) -> str:
        lines = []
        for title, steps in (("forward pass", self.forward), ("backward pass", self.backward)):
            lines.append(title)
            width = max(len(s.math) for s in steps)
            for s in steps:
                lines.append(f"  {s.math:<{width}}  shape {s.value.shape!s:<7}  {format_array(s.value)}")
        return "\n".join(lines)


def _one_example(model: Sequential, x: np.ndarray, y: np.ndarray | float) -> tuple[np.ndarray, np.ndarray]:
    n_in = model.layers[0].n_in
    x = np.asarray(x, dtype=np.float64)
    if x.shape not in ((n_in,), (1, n_in)):
        raise ValueError(f"x: expected one example of shape (1, {n_in}) or ({n_in},), got shape {x.shape}")
    y = np.asarray(y, dtype=np.float64)
    if y.size != 1:
        raise ValueError(f"y: expected one target (a number), got shape {y.shape}")
    return x.reshape(1, n_in), y.reshape(1, 1)


def trace(model: Sequential, x: np.ndarray, y: np.ndarray | float) -> BackpropTrace:
    """One example forward and backward through ``model``, keeping every intermediate.

    Each value is computed by the model's own layers (``layer.forward``, ``layer.backward``,
    ``layer.grads``) and by ``nnlab.mse``, in the order backprop computes them.

    Parameters
    ----------
    model : MLP
        Dense and Activation layers in turn, ending with a Dense layer with one output.
    x : array, shape (1, P) or (P,)
        One example.
    y : float or array of one element
        Its target.

    Returns
    -------
    BackpropTrace
    """
    dense, acts = _check_mlp(model)
    x, y = _one_example(model, x, y)
    D = len(acts)
    fwd = [Step("x", "x", x)]
    h = x
    for d in range(1, D + 1):
        prev = "x" if d == 1 else f"h{d - 1}"
        q = dense[d - 1].forward(h)
        fwd.append(Step(f"q{d}", f"q{d} = {prev} W{d} + b{d}", q))
        h = acts[d - 1].forward(q)
        fwd.append(Step(f"h{d}", f"h{d} = {acts[d - 1].name}(q{d})", h))
    z = dense[D].forward(h)
    fwd.append(Step("z", f"z = h{D} beta + a", z))
    loss, dz = mse(z, y)
    fwd.append(Step("L", "L = (y - z)^2", np.array(loss)))

    bwd = [Step("dz", "dL/dz = -2 (y - z)", dz)]
    dh = dense[D].backward(dz)
    bwd += [Step("da", "dL/da = dL/dz", dense[D].grads["b"].copy()),
            Step("dbeta", f"dL/dbeta = h{D}^T dL/dz", dense[D].grads["W"].copy()),
            Step(f"dh{D}", f"dL/dh{D} = dL/dz beta^T", dh)]
    for d in range(D, 0, -1):
        prev = "x" if d == 1 else f"h{d - 1}"
        u = acts[d - 1].backward(dh)
        dh = dense[d - 1].backward(u)
        g = dense[d - 1].grads
        bwd += [Step(f"u{d}", f"u{d} = dL/dq{d} = dL/dh{d} * {acts[d - 1].name}'(q{d})", u),
                Step(f"db{d}", f"dL/db{d} = u{d}", g["b"].copy()),
                Step(f"dW{d}", f"dL/dW{d} = {prev}^T u{d}", g["W"].copy()),
                Step(f"d{prev}", f"dL/d{prev} = u{d} W{d}^T", dh)]
    return BackpropTrace(fwd, bwd, loss, y, [layer.params["W"].copy() for layer in dense],
                         [layer.params["b"].copy() for layer in dense], acts[0].name)


def numerical_trace(model: Sequential, x: np.ndarray, y: np.ndarray | float,
                    h: float = 1e-5) -> dict[str, np.ndarray]:
    """Every gradient of ``trace`` again, by central differences of the loss.

    The gradient with respect to an intermediate value (``q2``, say) perturbs that value and
    runs only the layers above it; a parameter's gradient perturbs the parameter and runs the
    whole network.

    Returns
    -------
    dict
        ``{name: gradient}`` with the names and shapes of ``trace(model, x, y).gradients``.
    """
    _, acts = _check_mlp(model)
    x, y = _one_example(model, x, y)
    check_positive(h, "h")
    D = len(acts)
    layers = list(model.layers)

    def gradient_of_value(index: int, value: np.ndarray) -> np.ndarray:
        """dL/d(value), where value is the input of layers[index]."""
        rest = Sequential(*layers[index:])
        v = np.array(value, dtype=np.float64)
        return numerical_gradient(lambda: mse(rest.forward(v, check=False), y)[0], v, h)

    values = {"x": x}
    v = x
    for i, layer in enumerate(layers):
        v = layer.forward(v)
        values[f"q{i // 2 + 1}" if i % 2 == 0 else f"h{i // 2 + 1}"] = v
    z = values.pop(f"q{D + 1}")
    params = numerical_model_gradients(model, x, y, "mse", h)
    names = lecture_names(model)
    num = {names[k]: g for k, g in params.items()}
    zz = np.array(z)
    out = {"dz": numerical_gradient(lambda: mse(zz, y)[0], zz, h), "da": num["a"], "dbeta": num["beta"],
           f"dh{D}": gradient_of_value(2 * D, values[f"h{D}"])}
    for d in range(D, 0, -1):
        prev = "x" if d == 1 else f"h{d - 1}"
        out[f"u{d}"] = gradient_of_value(2 * d - 1, values[f"q{d}"])
        out[f"db{d}"], out[f"dW{d}"] = num[f"b{d}"], num[f"W{d}"]
        out[f"d{prev}"] = gradient_of_value(2 * d - 2, values[prev])
    return out


def check_trace(model: Sequential, x: np.ndarray, y: np.ndarray | float, *, tol: float = 1e-6,
                h: float = 1e-5) -> GradientCheck:
    """Every gradient of ``trace(model, x, y)`` against ``numerical_trace`` (central differences).

    Returns
    -------
    GradientCheck
        One relative error per gradient: ``dz, da, dbeta, dh2, u2, ..., dW1, dx``.
    """
    check_positive(tol, "tol")
    tr = trace(model, x, y)
    result = GradientCheck("backprop trace", tol=tol)
    result.compare(tr.gradients, numerical_trace(model, x, y, h))
    return result


def check_network(model: Sequential, X: np.ndarray, y: np.ndarray, loss: str, *, tol: float = 1e-6,
                  h: float = 1e-5) -> GradientCheck:
    """``nnlab.check_model`` with the lecture's parameter names and a readable verdict.

    Parameters
    ----------
    model : MLP
    X : array, shape (N, P)
    y : array, targets for ``loss``
    loss : str
        ``"mse"``, ``"bce"`` or ``"softmax_ce"``.

    Returns
    -------
    GradientCheck
        One relative error per parameter, named ``W1, b1, ..., beta, a``.
    """
    names = lecture_names(model) if _is_single_output_mlp(model) else None
    return check_model(model, X, y, loss, h, tol=tol, names=names)


def _is_single_output_mlp(model: Sequential) -> bool:
    try:
        _check_mlp(model)
    except (TypeError, ValueError):
        return False
    return True


class _ActivationWithDerivative(Activation):
    """An activation whose row of the table has another derivative, given by hand (right or wrong); its forward
    and backward are ``Activation``'s own."""

    def __init__(self, base: Activation, f_grad: Callable[[np.ndarray], np.ndarray]) -> None:
        super().__init__(base.name, **base.activation_params)
        self._grad = f_grad

    @property
    def phi(self) -> Nonlinearity:
        return super().phi._replace(grad=self._grad)

    def __repr__(self) -> str:
        return super().__repr__()[:-1] + ", derivative replaced)"


def replace_derivative(model: Sequential, index: int,
                       f_grad: Callable[[np.ndarray], np.ndarray]) -> Sequential:
    """A network that shares ``model``'s layers except that layer ``index`` uses ``f_grad``
    as the activation's derivative in ``backward`` (its forward is unchanged).

    Use it to see what a bug looks like: ``replace_derivative(model, 3, np.ones_like)`` forgets
    ReLU's gate in the second hidden layer.

    Parameters
    ----------
    model : Sequential
    index : int
        Position of an ``Activation`` layer in ``model``.
    f_grad : callable
        ``f_grad(q)`` -> array of the shape of ``q``: the (perhaps wrong) derivative.

    Returns
    -------
    Sequential
        The other layers are the same objects as in ``model`` (parameters shared).
    """
    if not isinstance(model, Sequential):
        raise TypeError(f"model: expected an nnlab Sequential or MLP, got {type(model).__name__}")
    layers = list(model.layers)
    if isinstance(index, bool) or not isinstance(index, (int, np.integer)) or not 0 <= index < len(layers) \
            or not isinstance(layers[index], Activation):
        acts = [i for i, layer in enumerate(layers) if isinstance(layer, Activation)]
        raise ValueError(f"index: expected the position of an Activation layer, one of {acts}, got {index!r}")
    if not callable(f_grad):
        raise TypeError(f"f_grad: expected a function of q, got {type(f_grad).__name__}")
    layers[index] = _ActivationWithDerivative(layers[index], f_grad)
    return Sequential(*layers)


# --- patterns in gradient flow ---------------------------------------------------------------------
#: gate -> (inputs, upstream gradients): the numbers of the four tiny graphs in the notebook
FLOW_EXAMPLES: dict[str, tuple[tuple[float, ...], tuple[float, ...]]] = {
    "add": ((3.0, 4.0), (2.0,)),
    "copy": ((7.0,), (4.0, 2.0)),
    "mul": ((2.0, 3.0), (5.0,)),
    "max": ((4.0, 5.0), (9.0,)),
}

_RULES = {"add": "distributes", "copy": "adds", "mul": "swaps", "max": "routes"}


def _gate(name: str, v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A gate's outputs and its local Jacobian d(outputs)/d(inputs), shape (n_out, n_in)."""
    if name == "add":
        return np.array([v[0] + v[1]]), np.array([[1.0, 1.0]])
    if name == "copy":
        return np.array([v[0], v[0]]), np.array([[1.0], [1.0]])
    if name == "mul":
        return np.array([v[0] * v[1]]), np.array([[v[1], v[0]]])
    first = float(v[0] >= v[1])  # a tie routes to the first input
    return np.array([max(v[0], v[1])]), np.array([[first, 1.0 - first]])


@dataclass(frozen=True)
class FlowPattern:
    """One gate on numbers: forward values and backward gradients.

    Attributes
    ----------
    gate : str
        ``"add"``, ``"copy"``, ``"mul"`` or ``"max"``.
    rule : str
        What the gate does to the gradient: distributes, adds, swaps, routes.
    inputs, outputs : tuple of float
        Forward values (``x, y`` in, ``out`` or ``out1, out2`` out).
    upstream : tuple of float
        dL/d(output), one per output.
    local : array, shape (n_out, n_in)
        d(output)/d(input), the gate's local gradients.
    downstream : tuple of float
        dL/d(input) = sum over outputs of upstream times local gradient.
    """

    gate: str
    rule: str
    inputs: tuple[float, ...]
    outputs: tuple[float, ...]
    upstream: tuple[float, ...]
    local: np.ndarray
    downstream: tuple[float, ...]

    @property
    def input_names(self) -> tuple[str, ...]:
        return ("x",) if len(self.inputs) == 1 else ("x", "y")

    @property
    def output_names(self) -> tuple[str, ...]:
        return ("out",) if len(self.outputs) == 1 else ("out1", "out2")

    def __repr__(self) -> str:
        ins = ", ".join(f"{n} = {num(v)}" for n, v in zip(self.input_names, self.inputs))
        outs = ", ".join(f"{n} = {num(v)}" for n, v in zip(self.output_names, self.outputs))
        ups = ", ".join(f"dL/d{n} = {num(v)}" for n, v in zip(self.output_names, self.upstream))
        lines = [f"{self.gate} gate ({self.rule}): {ins}  ->  {outs}", f"  upstream: {ups}"]
        for i, n in enumerate(self.input_names):
            terms = " + ".join(f"{num(u)} * {num(self.local[j, i])}" for j, u in enumerate(self.upstream))
            lines.append(f"  dL/d{n} = {terms} = {num(self.downstream[i])}")
        return "\n".join(lines)


def flow_pattern(gate: str, inputs: Sequence[float], upstream: Sequence[float]) -> FlowPattern:
    """Forward and backward through one gate: downstream = upstream times local gradient.

    Parameters
    ----------
    gate : str
        ``"add"`` (x + y), ``"copy"`` (x -> x, x), ``"mul"`` (x y) or ``"max"`` (max(x, y)).
    inputs : sequence of float
        Two numbers, one for ``"copy"``.
    upstream : sequence of float
        The gradient of the loss with respect to each output: one number, two for ``"copy"``.

    Returns
    -------
    FlowPattern
    """
    if gate not in _RULES:
        raise ValueError(f"gate: expected one of {sorted(_RULES)}, got {gate!r}")
    n_in, n_out = (1, 2) if gate == "copy" else (2, 1)
    v = np.asarray(inputs, dtype=np.float64)
    if v.shape != (n_in,):
        raise ValueError(f"inputs: the {gate} gate takes {n_in} number(s), got {list(np.ravel(v))}")
    u = np.asarray(upstream, dtype=np.float64)
    if u.shape != (n_out,):
        raise ValueError(f"upstream: the {gate} gate has {n_out} output(s), so expected {n_out} "
                         f"gradient(s), got {list(np.ravel(u))}")
    out, local = _gate(gate, v)
    down = u @ local
    return FlowPattern(gate, _RULES[gate], tuple(v.tolist()), tuple(out.tolist()), tuple(u.tolist()),
                       local, tuple(down.tolist()))


def flow_patterns() -> list[FlowPattern]:
    """The four patterns on the numbers of ``FLOW_EXAMPLES``: add, copy, mul, max."""
    return [flow_pattern(g, *FLOW_EXAMPLES[g]) for g in FLOW_EXAMPLES]


# --- forward versus reverse mode -------------------------------------------------------------------
def _check_sizes(sizes: Sequence[int]) -> list[int]:
    sizes = list(sizes)
    if len(sizes) < 2:
        raise ValueError(f"sizes: expected at least [n_in, n_out], got {sizes}")
    return [check_positive_int(n, f"sizes[{i}]") for i, n in enumerate(sizes)]


def chain_multiplications(sizes: Sequence[int], mode: str) -> int:
    """Scalar multiplications to form the Jacobian of a chain of functions, in one of two orders.

    The chain is ``f_L o ... o f_1`` with ``f_k`` mapping ``n_{k-1}`` numbers to ``n_k``, so its
    Jacobian is ``J = J_L ... J_1`` with ``J_k`` of shape ``(n_k, n_{k-1})``. Multiplying a
    ``(p, q)`` matrix by a ``(q, r)`` matrix takes ``p q r`` multiplications.

    - ``"forward"`` mode multiplies from the input side: ``J_2 J_1``, then ``J_3 (J_2 J_1)``, ...;
      every intermediate has ``n_0`` columns (one per input).
    - ``"reverse"`` mode (backprop) multiplies from the output side: ``J_L J_{L-1}``, ...;
      every intermediate has ``n_L`` rows (one per output: one for a loss).

    Parameters
    ----------
    sizes : sequence of int
        ``[n_0, n_1, ..., n_L]``, input to output.
    mode : str
        ``"forward"`` or ``"reverse"``.

    Returns
    -------
    int
    """
    sizes = _check_sizes(sizes)
    if mode not in ("forward", "reverse"):
        raise ValueError(f"mode: expected 'forward' or 'reverse', got {mode!r}")
    shapes = [(sizes[k], sizes[k - 1]) for k in range(1, len(sizes))]  # J_1 ... J_L
    count = 0
    if mode == "forward":
        cols = shapes[0][1]  # the accumulated product always has n_0 columns
        for r, c in shapes[1:]:  # J_k (r, c) times the product so far (c, n_0)
            count += r * c * cols
        return count
    rows = shapes[-1][0]  # the accumulated product always has n_L rows
    for r, c in reversed(shapes[:-1]):  # the product so far (n_L, r) times J_k (r, c)
        count += rows * r * c
    return count


def multiply_chain(jacobians: Sequence[np.ndarray], mode: str) -> tuple[np.ndarray, int]:
    """Multiply ``J_L ... J_1`` in forward or reverse order, counting scalar multiplications.

    Parameters
    ----------
    jacobians : sequence of arrays
        ``[J_1, ..., J_L]``, input side first, ``J_k`` of shape ``(n_k, n_{k-1})``.
    mode : str
        ``"forward"`` or ``"reverse"``.

    Returns
    -------
    J : array, shape (n_L, n_0)
        The same in both modes (up to round-off).
    count : int
        Scalar multiplications used, ``p q r`` per product of ``(p, q)`` by ``(q, r)``.
    """
    if mode not in ("forward", "reverse"):
        raise ValueError(f"mode: expected 'forward' or 'reverse', got {mode!r}")
    Js = [np.asarray(J, dtype=np.float64) for J in jacobians]
    if not Js:
        raise ValueError("jacobians: expected at least one matrix")
    for k, J in enumerate(Js):
        if J.ndim != 2:
            raise ValueError(f"jacobians[{k}]: expected a 2-D array, got shape {J.shape}")
        if k and J.shape[1] != Js[k - 1].shape[0]:
            raise ValueError(f"jacobians[{k}]: expected {Js[k - 1].shape[0]} columns to follow "
                             f"jacobians[{k - 1}] of shape {Js[k - 1].shape}, got shape {J.shape}")
    count = 0

    def matmul(A: np.ndarray, B: np.ndarray) -> np.ndarray:
        nonlocal count
        count += A.shape[0] * A.shape[1] * B.shape[1]
        return A @ B

    if mode == "forward":
        acc = Js[0]
        for J in Js[1:]:
            acc = matmul(J, acc)
    else:
        acc = Js[-1]
        for J in reversed(Js[:-1]):
            acc = matmul(acc, J)
    return acc, count


def pass_multiplications(sizes: Sequence[int], n_samples: int = 1) -> dict[str, int]:
    """Scalar multiplications in the matrix products of one forward and one backward pass of an MLP.

    Forward: ``X W`` for every Dense layer. Backward: ``X^T dout`` (the weight gradient) for every
    layer and ``dout W^T`` (the input gradient) for every layer but the first, which training
    never needs. Elementwise work (activations, ``phi'``, biases) is left out: it is a few
    operations per unit, not per weight.

    Parameters
    ----------
    sizes : sequence of int
        Layer widths, e.g. ``[2, 3, 2, 1]``.
    n_samples : int
        Examples in the batch.

    Returns
    -------
    dict
        ``{"forward": ..., "backward": ..., "weight_gradients": ..., "input_gradients": ...}``.
    """
    sizes = _check_sizes(sizes)
    n = check_positive_int(n_samples, "n_samples")
    per_layer = [n * a * b for a, b in zip(sizes[:-1], sizes[1:])]
    weights, inputs = sum(per_layer), sum(per_layer[1:])
    return {"forward": sum(per_layer), "backward": weights + inputs,
            "weight_gradients": weights, "input_gradients": inputs}
