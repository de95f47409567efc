"""Backpropagation, step by step: the pieces notebook 02 shows.

- ``trace``: one example through an MLP with one output and squared error, every intermediate
  value of the forward pass (``q1, h1, q2, h2, z, L``) and every gradient of the backward pass
  (``dz, da, dbeta, dh2, u2, db2, dW2, ...``) in the lecture's notation, each computed by
  nnlab's own layers; ``check_trace`` compares every gradient with central differences.
- ``plot_graph``: the computational graph with forward values and backward gradients on its edges.
- ``flow_pattern``: the four patterns of gradient flow (add distributes, copy adds, multiply
  swaps, max routes) on tiny graphs with numbers; ``plot_flow_pattern`` draws one.
- ``chain_multiplications`` / ``multiply_chain``: how many scalar multiplications forward and
  reverse mode need for the Jacobian of a chain of functions; ``pass_multiplications``: what one
  forward and one backward pass of an MLP cost.
- ``check_backward``: the exercise checker. It takes a student's backward function ``(z, dout)
  -> dz`` or a ``Layer`` whose ``backward`` the student wrote, and returns a ``GradientCheck``
  that says whether each gradient is right and, if not, which one is off and by how much.

Notation (lecture 10, QTM 447): hidden layer d computes ``q_d = W_d^T h_{d-1} + b_d`` and
``h_d = phi(q_d)`` with ``h_0 = x``; the output is ``z = beta^T h_D + a`` and the loss of one
example ``L = (y - z)^2``. The upstream gradient of layer d is ``u_d = dL/dq_d``. nnlab stores an
example as a row of shape (1, K), so its ``dW`` of shape (n_in, n_out) is the transpose of the
lecture's ``dL/dW^T = u^T h`` of shape (n_out, n_in).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
from matplotlib.axes import Axes
from matplotlib.patches import Circle, FancyArrowPatch, FancyBboxPatch

from ._validate import check_positive, check_positive_int, check_rng
from .activations import ACTIVATIONS
from .gradcheck import model_gradients, numerical_gradient, numerical_model_gradients, rel_error
from .layers import MLP, Activation, Dense, Layer, Sequential
from .losses import mse

__all__ = [
    "FLOW_EXAMPLES", "BackpropTrace", "FlowPattern", "GradientCheck", "chain_multiplications",
    "check_backward", "check_network", "check_trace", "example_network", "flow_pattern", "flow_patterns",
    "format_array", "lecture_names", "multiply_chain", "numerical_trace", "pass_multiplications",
    "plot_flow_pattern", "plot_graph", "replace_derivative", "show", "trace",
]

#: relative errors below this are printed as "< 1e-08": round-off, whose digits differ between machines
ERROR_FLOOR = 1e-8

_FORWARD_COLOR = "#1a7f37"
_BACKWARD_COLOR = "#cf222e"


# --- printing -----------------------------------------------------------------------------------
def _num(v: float, decimals: int = 4) -> str:
    """A number rounded to ``decimals`` places, without trailing zeros or a negative zero."""
    return f"{round(float(v), decimals) + 0.0:g}"


def format_array(a: np.ndarray | float, decimals: int = 6) -> str:
    """An array as nested brackets of rounded numbers, e.g. ``[[1, 0.3, -0.7]]``.

    Rounded (to 6 decimals by default, at most 6 significant digits) and without negative zeros,
    so round-off in the last bits never shows and the text is the same on every machine.
    """
    a = np.asarray(a, dtype=np.float64)
    if a.ndim == 0:
        return _num(a, decimals)
    return "[" + ", ".join(format_array(row, decimals) for row in a) + "]"


def _format_error(e: float) -> str:
    return f"< {ERROR_FLOOR:.0e}" if e < ERROR_FLOOR else f"{e:.1e}"


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
    """Require Dense, Activation, Dense, ..., Dense with one output; return the two kinds of layer."""
    if not isinstance(model, Sequential):
        raise TypeError(f"model: expected an nnlab MLP (or Sequential), got {type(model).__name__}")
    layers = list(model.layers)
    ok = len(layers) >= 3 and len(layers) % 2 == 1 and all(
        isinstance(layer, Dense if i % 2 == 0 else Activation) for i, layer in enumerate(layers))
    if not ok:
        raise ValueError("model: expected Dense and Activation layers in turn, at least one hidden layer, "
                         f"ending with a Dense layer; got {[type(layer).__name__ for layer in layers]}")
    if layers[-1].n_out != 1:
        raise ValueError(f"model: expected one output unit (z is a number), got {layers[-1].n_out}")
    return layers[0::2], layers[1::2]


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
    dense, acts = _check_mlp(model)
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


# --- gradient-check results ------------------------------------------------------------------------
@dataclass
class GradientCheck:
    """The result of comparing gradients with central differences.

    ``bool(result)`` is ``result.passed``; ``print(result)`` (or the repr) says which gradients
    are right, which are off and by how much, or why nothing could be checked.

    Attributes
    ----------
    subject : str
        What was checked, e.g. ``"sigmoid_backward"``.
    errors : dict of str to float
        Relative error ``||analytic - numeric|| / (||analytic|| + ||numeric||)`` per gradient.
    tol : float
        A gradient is right when its relative error is at most ``tol``.
    problems : list of str
        Why a gradient could not be compared (not written yet, wrong shape, ...), in words.
    worst : dict of str to str
        For each gradient that is off: where the largest difference is, expected and got.
    """

    subject: str
    errors: dict[str, float] = field(default_factory=dict)
    tol: float = 1e-6
    problems: list[str] = field(default_factory=list)
    worst: dict[str, str] = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        """True when nothing went wrong and every relative error is at most ``tol``."""
        return not self.problems and bool(self.errors) and all(e <= self.tol for e in self.errors.values())

    @property
    def off(self) -> list[str]:
        """The gradients whose relative error is above ``tol``."""
        return [k for k, e in self.errors.items() if e > self.tol]

    def __bool__(self) -> bool:
        return self.passed

    def __repr__(self) -> str:
        if self.passed:
            head = f"{self.subject}: right. Every gradient matches central differences."
        elif self.problems:
            head = f"{self.subject}: not checked yet." if not self.errors else f"{self.subject}: wrong."
        else:
            n, total = len(self.off), len(self.errors)
            head = (f"{self.subject}: wrong. {n} of {total} gradient{'s' if total > 1 else ''} "
                    f"{'is' if n == 1 else 'are'} off.")
        lines = [head] + [f"  {p}" for p in self.problems]
        if self.errors:
            width = max(len("gradient"), *(len(k) for k in self.errors))
            lines.append(f"  {'gradient':<{width}}  relative error  (right when at most {self.tol:.0e})")
            for k, e in self.errors.items():
                verdict = "right" if e <= self.tol else f"OFF: {self.worst.get(k, '')}".rstrip(": ")
                lines.append(f"  {k:<{width}}  {_format_error(e):<14}  {verdict}")
        return "\n".join(lines)

    __str__ = __repr__


def _largest_gap(name: str, expected: np.ndarray, got: np.ndarray, at: str = "") -> str:
    i = np.unravel_index(int(np.argmax(np.abs(expected - got))), expected.shape)
    where = f"{name}[{', '.join(map(str, i))}]" if expected.ndim else name
    extra = f" ({at} there)" if at else ""
    return f"largest gap at {where}{extra}: expected {_num(expected[i])}, got {_num(got[i])}"


def _compare(result: GradientCheck, analytic: dict[str, np.ndarray], numeric: dict[str, np.ndarray]) -> None:
    for k, num in numeric.items():
        e = rel_error(analytic[k], num)
        result.errors[k] = e
        if e > result.tol:
            result.worst[k] = _largest_gap(k, num, np.asarray(analytic[k], dtype=np.float64))


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
    _compare(result, tr.gradients, numerical_trace(model, x, y, h))
    return result


def check_network(model: Sequential, X: np.ndarray, y: np.ndarray, loss: str = "mse", *, tol: float = 1e-6,
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
    check_positive(tol, "tol")
    names = lecture_names(model) if _is_single_output_mlp(model) else {k: k for k, _ in model.named_params()}
    analytic = model_gradients(model, X, y, loss)
    numeric = numerical_model_gradients(model, X, y, loss, h)
    result = GradientCheck("backward pass", tol=tol)
    _compare(result, {names[k]: g for k, g in analytic.items()}, {names[k]: g for k, g in numeric.items()})
    return result


def _is_single_output_mlp(model: Sequential) -> bool:
    try:
        _check_mlp(model)
    except (TypeError, ValueError):
        return False
    return True


class _ActivationWithDerivative(Activation):
    """An activation whose backward uses a derivative given by hand (right or wrong)."""

    def __init__(self, base: Activation, f_grad: Callable[[np.ndarray], np.ndarray]) -> None:
        super().__init__(base.name, **base.activation_params)
        self.f_grad = f_grad

    def backward(self, dout: np.ndarray, input_grad: bool = True) -> np.ndarray:
        if self._z is None:
            raise RuntimeError("backward called before forward")
        return dout * self.f_grad(self._z)

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


# --- the exercise checker --------------------------------------------------------------------------
BackwardFn = Callable[[np.ndarray, np.ndarray], np.ndarray]


def _function_name(student: object) -> str:
    name = getattr(student, "__name__", None) or type(student).__name__
    return "your function (a lambda)" if name == "<lambda>" else name


def _not_written(subject: str, where: str) -> str:
    return (f"{subject} is not written yet: {where} raised NotImplementedError. Replace the "
            "`raise NotImplementedError` line in the exercise cell with your code, run that cell, "
            "then run this check again.")


def _nudge_off_kinks(a: np.ndarray) -> np.ndarray:
    """Move values within 1e-3 of 0 to 0.5: the ReLU family's kink, where no derivative exists."""
    return np.where(np.abs(a) < 1e-3, 0.5, a)


ForwardFn = Callable[[np.ndarray], np.ndarray]


def check_backward(student: BackwardFn | Layer, forward: str | ForwardFn | None = None, *,
                   rng: np.random.Generator, X: np.ndarray | None = None, n_samples: int = 4,
                   tol: float = 1e-6, h: float = 1e-5) -> GradientCheck:
    """Check a backward pass written by a student against central differences.

    Two kinds of answer are accepted:

    - a **function** ``student(z, dout) -> dz``: the backward pass of an elementwise activation
      ``a = forward(z)``; ``dout = dL/da`` and the answer ``dL/dz`` have the shape of ``z``;
    - a **Layer** (an instance, such as ``MyDense(3, 2, rng=rng)``) whose ``backward(dout)``
      returns ``dL/dX`` and fills ``layer.grads`` for every key of ``layer.params``.

    The scalar whose gradient is checked is ``sum(forward(z) * dout)`` for a random ``dout``, so
    the right answer is exactly "upstream gradient times local gradient". Random inputs come
    from ``rng``; values within 1e-3 of 0 are moved to 0.5 (ReLU's kink has no derivative).

    Parameters
    ----------
    student : callable or Layer
        The student's answer.
    forward : str or callable, optional
        For a function answer: the activation's name in ``nnlab.ACTIVATIONS`` (``"sigmoid"``,
        ``"tanh"``, ...) or a function ``forward(z)``. Not used for a Layer.
    rng : np.random.Generator
        Source of the test inputs and of ``dout``.
    X : array, shape (N, n_in), optional
        Inputs for a Layer; default ``n_samples`` rows from ``rng`` (the layer needs ``n_in``).
    n_samples : int
        Rows of the random test inputs.
    tol : float
        Largest relative error accepted as right.
    h : float
        Step of the central differences.

    Returns
    -------
    GradientCheck
        ``bool(result)`` says whether the answer is right; its repr says which gradient is off,
        by how much and where, or why the answer could not be checked (``NotImplementedError``,
        ``None`` returned, wrong shape, an exception).
    """
    check_rng(rng)
    n_samples = check_positive_int(n_samples, "n_samples")
    tol, h = check_positive(tol, "tol"), check_positive(h, "h")
    if student is None:
        return GradientCheck("your answer", tol=tol, problems=[
            "student: got None. Run the exercise cell (it defines your answer) before this check."])
    if isinstance(student, type):
        raise TypeError(f"student: expected an instance of {student.__name__}, not the class itself; "
                        f"for example {student.__name__}(3, 2, rng=rng)")
    if isinstance(student, Layer):
        return _check_layer_answer(student, rng=rng, X=X, n_samples=n_samples, tol=tol, h=h)
    if not callable(student):
        raise TypeError(f"student: expected your backward function (z, dout) -> dz or an nnlab Layer, "
                        f"got {type(student).__name__}")
    return _check_function_answer(student, forward, rng=rng, n_samples=n_samples, tol=tol, h=h)


def _resolve_forward(forward: str | ForwardFn | None) -> ForwardFn:
    if forward is None:
        raise TypeError("forward: a backward function is checked against its forward pass; pass the "
                        f"activation's name, one of {sorted(ACTIVATIONS)}, or a function of z")
    if isinstance(forward, str):
        if forward not in ACTIVATIONS:
            raise ValueError(f"forward: expected one of {sorted(ACTIVATIONS)}, got {forward!r}")
        return ACTIVATIONS[forward][0]
    if not callable(forward):
        raise TypeError("forward: expected an activation name or a function of z, "
                        f"got {type(forward).__name__}")
    return forward


def _as_answer(value: object, shape: tuple[int, ...], what: str) -> tuple[np.ndarray | None, str | None]:
    """The answer as a float array of ``shape``, or a sentence saying what is wrong with it."""
    if value is None:
        return None, (f"{what} is None: end with `return` followed by the gradient, "
                      f"an array of shape {shape}.")
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        return None, f"{what} is a {type(value).__name__}, expected a numeric array of shape {shape}."
    if arr.shape != shape:
        return None, f"{what} has shape {arr.shape}, expected {shape}."
    if not np.isfinite(arr).all():
        bad = int(arr.size - np.isfinite(arr).sum())
        return None, f"{what} has {bad} NaN or infinite value(s)."
    return arr, None


def _check_function_answer(student: BackwardFn, forward: str | ForwardFn | None, *, rng: np.random.Generator,
                           n_samples: int, tol: float, h: float) -> GradientCheck:
    f = _resolve_forward(forward)
    name = _function_name(student)
    result = GradientCheck(name, tol=tol)
    z = _nudge_off_kinks(2.0 * rng.standard_normal((n_samples, 5)))
    dout = rng.standard_normal(z.shape)
    zz = z.copy()
    numeric = numerical_gradient(lambda: float(np.sum(f(zz) * dout)), zz, h)
    try:
        got = student(z.copy(), dout.copy())
    except NotImplementedError:
        result.problems.append(_not_written(name, "it"))
        return result
    except Exception as exc:  # the student's bug: report it, do not crash the notebook
        result.problems.append(f"{name}(z, dout) raised {type(exc).__name__}: {exc}")
        return result
    arr, problem = _as_answer(got, z.shape, f"What {name}(z, dout) returned")
    if problem:
        result.problems.append(problem)
        return result
    e = rel_error(arr, numeric)
    result.errors["dz"] = e
    if e > tol:
        i = np.unravel_index(int(np.argmax(np.abs(numeric - arr))), z.shape)
        result.worst["dz"] = _largest_gap("dz", numeric, arr, at=f"z = {_num(z[i])}, dout = {_num(dout[i])}")
    return result


def _check_layer_answer(layer: Layer, *, rng: np.random.Generator, X: np.ndarray | None, n_samples: int,
                        tol: float, h: float) -> GradientCheck:
    name = type(layer).__name__
    result = GradientCheck(f"{name}.backward", tol=tol)
    if X is None:
        n_in = getattr(layer, "n_in", None)
        if n_in is None:
            raise ValueError(f"X: {name} has no n_in, so pass test inputs, "
                             "e.g. X=rng.standard_normal((4, 3))")
        X = rng.standard_normal((n_samples, n_in))
    X = _nudge_off_kinks(np.array(X, dtype=np.float64))
    try:
        out = np.asarray(layer.forward(X.copy()), dtype=np.float64)
    except NotImplementedError:
        result.problems.append(_not_written(f"{name}.forward", "forward"))
        return result
    except Exception as exc:
        result.problems.append(f"{name}.forward(X) raised {type(exc).__name__}: {exc}")
        return result
    dout = rng.standard_normal(out.shape)
    Xn = X.copy()
    numeric = {"dX": numerical_gradient(lambda: float(np.sum(layer.forward(Xn) * dout)), Xn, h)}
    for key, p in layer.params.items():
        numeric[f"d{key}"] = numerical_gradient(lambda: float(np.sum(layer.forward(X.copy()) * dout)), p, h)
    layer.forward(X.copy())
    # NaN placeholders: a gradient backward forgets to set is caught, not read from a previous call
    layer.grads = {key: np.full(p.shape, np.nan) for key, p in layer.params.items()}
    try:
        dX = layer.backward(dout.copy())
    except NotImplementedError:
        result.problems.append(_not_written(f"{name}.backward", "backward"))
        return result
    except Exception as exc:
        result.problems.append(f"{name}.backward(dout) raised {type(exc).__name__}: {exc}")
        return result
    analytic: dict[str, np.ndarray] = {}
    arr, problem = _as_answer(dX, X.shape, f"dX, what {name}.backward(dout) returned,")
    if problem:
        result.problems.append(problem)
    else:
        analytic["dX"] = arr
    for key, p in layer.params.items():
        g = layer.grads.get(key)
        if g is not None and np.shape(g) == p.shape and np.isnan(np.asarray(g, dtype=np.float64)).all():
            result.problems.append(f"d{key}: backward did not set grads[{key!r}]; assign it, "
                                   f"self.grads[{key!r}] = ..., an array of shape {p.shape}.")
            continue
        arr, problem = _as_answer(g, p.shape, f"d{key}, grads[{key!r}],")
        if problem:
            result.problems.append(problem)
        else:
            analytic[f"d{key}"] = arr
    _compare(result, analytic, {k: v for k, v in numeric.items() if k in analytic})
    return result


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
        ins = ", ".join(f"{n} = {_num(v)}" for n, v in zip(self.input_names, self.inputs))
        outs = ", ".join(f"{n} = {_num(v)}" for n, v in zip(self.output_names, self.outputs))
        ups = ", ".join(f"dL/d{n} = {_num(v)}" for n, v in zip(self.output_names, self.upstream))
        lines = [f"{self.gate} gate ({self.rule}): {ins}  ->  {outs}", f"  upstream: {ups}"]
        for i, n in enumerate(self.input_names):
            terms = " + ".join(f"{_num(u)} * {_num(self.local[j, i])}" for j, u in enumerate(self.upstream))
            lines.append(f"  dL/d{n} = {terms} = {_num(self.downstream[i])}")
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


# --- drawing ---------------------------------------------------------------------------------------
def _short(a: np.ndarray, decimals: int = 6) -> str:
    """A row vector as ``[1, 0.3, -0.7]``; a matrix as one bracketed row per line."""
    a = np.asarray(a, dtype=np.float64)
    if a.ndim == 2 and a.shape[0] == 1:
        a = a[0]
    if a.ndim <= 1:
        return format_array(a, decimals)
    return "\n".join(format_array(row, decimals) for row in a)


def _sub(n: int) -> str:
    """An integer in subscript digits (plain text, so matplotlib needs no mathtext)."""
    return str(n).translate(str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉"))


def _column(a: np.ndarray, decimals: int = 6) -> str:
    """A vector as one number per line (the lecture's column vectors)."""
    return "\n".join(_num(v, decimals) for v in np.ravel(a))


def _arrow(ax: Axes, p: tuple[float, float], q: tuple[float, float], color: str = "black",
           shrink: float = 20) -> None:
    ax.add_patch(FancyArrowPatch(p, q, arrowstyle="-|>", mutation_scale=14, color=color, lw=1.4,
                                 shrinkA=shrink, shrinkB=shrink))


def _op_node(ax: Axes, xy: tuple[float, float], text: str, r: float = 0.42, fontsize: float = 12) -> None:
    ax.add_patch(Circle(xy, r, facecolor="#f6f8fa", edgecolor="black", lw=1.3, zorder=3))
    ax.text(*xy, text, ha="center", va="center", fontsize=fontsize, zorder=4)


def _box(ax: Axes, xy: tuple[float, float], text: str, w: float = 0.8, h: float = 0.5) -> None:
    ax.add_patch(FancyBboxPatch((xy[0] - w / 2, xy[1] - h / 2), w, h, boxstyle="round,pad=0.05",
                                facecolor="white", edgecolor="black", lw=1.2, zorder=3))
    ax.text(*xy, text, ha="center", va="center", fontsize=13, zorder=4)


def plot_graph(ax: Axes, tr: BackpropTrace) -> None:
    """Draw the computational graph of a ``trace``: forward values above each edge (green),
    backward gradients below it (red); parameters enter the linear nodes from above, with their
    values (black) and gradients (red) beside the arrow.

    Parameters
    ----------
    ax : matplotlib Axes
        Drawn on; a wide one (about 17 by 7 inches for two hidden layers) reads best.
    tr : BackpropTrace
        From ``trace(model, x, y)``.
    """
    if not isinstance(tr, BackpropTrace):
        raise TypeError(f"tr: expected a BackpropTrace from nnlab.backprop.trace, got {type(tr).__name__}")
    D = len(tr.weights) - 1
    step = 2.6
    # node positions along the main line: x, (linear, activation) per hidden layer, output, loss, L
    order = ["x"] + [f"{kind}{d}" for d in range(1, D + 1) for kind in ("lin", "act")] + ["out", "loss", "L"]
    xs = {name: i * step for i, name in enumerate(order)}
    xs["L"] -= 0.15 * step

    _box(ax, (xs["x"], 0), "x")
    _box(ax, (xs["L"], 0), "L", w=0.6)
    for d in range(1, D + 1):
        _op_node(ax, (xs[f"lin{d}"], 0), f"W{_sub(d)}ᵀ· + b{_sub(d)}", r=0.62, fontsize=11)
        _op_node(ax, (xs[f"act{d}"], 0), tr.activation, r=0.62)
    _op_node(ax, (xs["out"], 0), "βᵀ· + a", r=0.62, fontsize=11)
    _op_node(ax, (xs["loss"], 0), "(y − z)²", r=0.62, fontsize=11)

    def edge(a: str, b: str, name: str, value: np.ndarray, grad_name: str, grad: np.ndarray) -> None:
        x0, x1 = xs[a], xs[b]
        _arrow(ax, (x0, 0), (x1, 0), shrink=30)
        xm = (x0 + x1) / 2
        ax.text(xm, 0.12, f"{name}\n{_column(value)}", ha="center", va="bottom", fontsize=12,
                color=_FORWARD_COLOR, linespacing=1.15)
        ax.text(xm, -0.12, f"{grad_name}\n{_column(grad)}", ha="center", va="top", fontsize=12,
                color=_BACKWARD_COLOR, linespacing=1.15)

    prev = "x"
    for d in range(1, D + 1):
        below = "x" if d == 1 else f"h{_sub(d - 1)}"
        edge(prev, f"lin{d}", below, tr[prev if d == 1 else f"h{d - 1}"],
             f"∂L/∂{below}", tr["dx" if d == 1 else f"dh{d - 1}"])
        edge(f"lin{d}", f"act{d}", f"q{_sub(d)}", tr[f"q{d}"], f"u{_sub(d)}",
             tr[f"u{d}"])
        prev = f"act{d}"
    edge(prev, "out", f"h{_sub(D)}", tr[f"h{D}"], f"∂L/∂h{_sub(D)}", tr[f"dh{D}"])
    edge("out", "loss", "z", tr["z"], "∂L/∂z", tr["dz"])
    edge("loss", "L", "L", tr["L"], "∂L/∂L", np.array(1.0))

    top = 4.0

    def param(at: str, names: tuple[str, str], values: tuple[np.ndarray, np.ndarray],
              grads: tuple[np.ndarray, np.ndarray]) -> None:
        x0 = xs[at]
        _arrow(ax, (x0, top), (x0, 0.62), shrink=0)
        ax.text(x0, top + 0.08, f"{names[0]} =\n{_short(values[0])}\n{names[1]} = {_short(values[1])}",
                ha="center", va="bottom", fontsize=11.5, family="monospace")
        ax.text(x0 + 0.12, (top + 0.55) / 2 + 0.3,
                f"d{names[0]} =\n{_short(grads[0])}\nd{names[1]} = {_short(grads[1])}",
                ha="left", va="center", fontsize=11.5, family="monospace", color=_BACKWARD_COLOR)

    for d in range(1, D + 1):
        param(f"lin{d}", (f"W{d}", f"b{d}"), (tr.weights[d - 1], tr.biases[d - 1]),
              (tr[f"dW{d}"], tr[f"db{d}"]))
    param("out", ("beta", "a"), (tr.weights[D], tr.biases[D]), (tr["dbeta"], tr["da"]))
    x0 = xs["loss"]
    _arrow(ax, (x0, -2.2), (x0, -0.62), shrink=0)
    ax.text(x0, -2.28, f"y = {_short(tr.y.ravel()[0])}", ha="center", va="top", fontsize=11)

    ax.text(xs["x"] - 0.5, -1.9, "forward values above the edges (vectors as columns)",
            color=_FORWARD_COLOR, fontsize=12)
    ax.text(xs["x"] - 0.5, -2.5,
            "gradients of L below the edges (u = ∂L/∂q, the upstream gradient of a layer)",
            color=_BACKWARD_COLOR, fontsize=12)
    ax.set_xlim(xs["x"] - 0.6, xs["L"] + 0.6)
    ax.set_ylim(-2.8, top + 1.5)
    ax.set_aspect("equal")
    ax.axis("off")


def plot_flow_pattern(ax: Axes, pattern: FlowPattern) -> None:
    """Draw one gate with its forward values (green, above) and gradients (red, below) on the edges.

    Parameters
    ----------
    ax : matplotlib Axes
    pattern : FlowPattern
        From ``flow_pattern`` or ``flow_patterns``.
    """
    if not isinstance(pattern, FlowPattern):
        raise TypeError(f"pattern: expected a FlowPattern from nnlab.backprop.flow_pattern, "
                        f"got {type(pattern).__name__}")
    symbol = {"add": "+", "copy": "copy", "mul": "×", "max": "max"}[pattern.gate]
    gate = (0.0, 0.0)
    _op_node(ax, gate, symbol, r=0.5, fontsize=11)
    n_in, n_out = len(pattern.inputs), len(pattern.outputs)
    ys_in = [0.0] if n_in == 1 else [0.9, -0.9]
    ys_out = [0.0] if n_out == 1 else [0.9, -0.9]

    def labelled(p: tuple[float, float], q: tuple[float, float], name: str, value: float, grad: float,
                 outer: tuple[float, float], ha: str) -> None:
        _arrow(ax, p, q, shrink=4)
        dx = -0.12 if ha == "right" else 0.12
        ax.text(outer[0] + dx, outer[1] + 0.04, f"{name} = {_num(value)}", ha=ha, va="bottom", fontsize=12,
                color=_FORWARD_COLOR)
        ax.text(outer[0] + dx, outer[1] - 0.04, _num(grad), ha=ha, va="top", fontsize=12,
                color=_BACKWARD_COLOR)

    for name, y0, v, g in zip(pattern.input_names, ys_in, pattern.inputs, pattern.downstream):
        labelled((-1.6, y0), (-0.5, 0.3 * np.sign(y0)), name, v, g, outer=(-1.6, y0), ha="right")
    for name, y0, v, g in zip(pattern.output_names, ys_out, pattern.outputs, pattern.upstream):
        labelled((0.5, 0.3 * np.sign(y0)), (1.6, y0), name, v, g, outer=(1.6, y0), ha="left")
    ax.set_title(f"{pattern.gate} gate {pattern.rule} the gradient", fontsize=12)
    ax.set_xlim(-3.0, 3.0)
    ax.set_ylim(-1.5, 1.5)
    ax.set_aspect("equal")
    ax.axis("off")
