"""Gradient checking: central finite differences against the analytic (backprop) gradients.

- ``numerical_gradient``, ``rel_error``: the two pieces every check is made of;
- ``check_model``, ``check_layer``: a whole network's or one layer's backward pass;
- ``check_backward``: the exercise checker, for a backward pass a student wrote (a function
  ``(z, dout) -> dz`` or a ``Layer``), answering a stub with "not written yet";
- ``GradientCheck``: what every one of them returns, which says in words which gradient is off and by how much.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from ._format import ERROR_FLOOR as ERROR_FLOOR  # printed as "< 1e-08": round-off, whose digits differ
from ._format import format_error, num
from ._validate import check_choice, check_positive, check_positive_int, check_rng
from .activations import ACTIVATIONS
from .layers import Layer, Sequential
from .losses import get_loss
from .verdict import NOT_WRITTEN, RIGHT, WRONG, Verdict, attempt, diagnose, is_stub, largest_gap, not_written_text


def rel_error(a: np.ndarray, b: np.ndarray) -> float:
    """Relative error ``||a - b|| / (||a|| + ||b||)`` (0 when both are zero).

    Norms over the whole array, so entries that are zero in both do not blow it up.
    Below about 1e-7 in float64 the two agree; a wrong derivative gives 1e-2 or more.
    """
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"b: expected shape {a.shape} to match a, got {b.shape}")
    denom = np.linalg.norm(a) + np.linalg.norm(b)
    return 0.0 if denom == 0 else float(np.linalg.norm(a - b) / denom)


def _require_float64(named_params, name: str) -> None:
    for key, p in named_params:
        if p.dtype != np.float64:
            raise ValueError(f"{name}: gradient checks need float64 parameters, got {p.dtype} for {key!r} "
                             "(central differences in float32 are only good to about 1e-3); "
                             "build it with dtype=np.float64")


def numerical_gradient(f: Callable[[], float], x: np.ndarray, h: float = 1e-5) -> np.ndarray:
    """Central differences (f(x + h e_i) - f(x - h e_i)) / 2h for every entry of ``x``.

    Parameters
    ----------
    f : callable
        Takes no argument and returns a float that depends on ``x``.
    x : array
        Perturbed **in place**, one entry at a time, and restored.
    h : float
        Step size.

    Returns
    -------
    grad : array, shape of ``x``
    """
    grad = np.zeros(x.shape, dtype=np.float64)
    it = np.nditer(x, flags=["multi_index"])
    for _ in it:
        i = it.multi_index
        old = x[i].copy()
        x[i] = old + h
        f_plus = f()
        x[i] = old - h
        f_minus = f()
        x[i] = old
        grad[i] = (f_plus - f_minus) / (2 * h)
    return grad


def model_gradients(model: Sequential, X: np.ndarray, y: np.ndarray, loss: str) -> dict[str, np.ndarray]:
    """Analytic gradients of the loss with respect to every parameter, by one backward pass.

    Returns ``{"0.W": dW, "0.b": db, ...}`` (copies).
    """
    loss_fn = get_loss(loss)
    _, dout = loss_fn(model.forward(X), y)
    model.backward(dout)
    return {name: g.copy() for name, g in model.named_grads()}


def numerical_model_gradients(model: Sequential, X: np.ndarray, y: np.ndarray, loss: str,
                              h: float = 1e-5) -> dict[str, np.ndarray]:
    """The same gradients as ``model_gradients``, by central differences of the loss."""
    loss_fn = get_loss(loss)

    def f() -> float:
        return loss_fn(model.forward(X), y)[0]

    return {name: numerical_gradient(f, p, h) for name, p in model.named_params()}


def check_model(model: Sequential, X: np.ndarray, y: np.ndarray, loss: str, h: float = 1e-5, *,
                tol: float = 1e-6, names: dict[str, str] | None = None) -> GradientCheck:
    """Backprop against central differences, for every parameter of ``model``.

    Parameters
    ----------
    model : Sequential
        With float64 parameters.
    X : array, shape (N, n_in)
    y : array, targets for ``loss``
    loss : str
        ``"mse"``, ``"bce"`` or ``"softmax_ce"``.
    h : float
        Step of the central differences.
    tol : float
        Largest relative error accepted as right.
    names : dict, optional
        Names to show instead of the positions (``{"0.W": "W1", ...}``, as ``nnlab.backprop.check_network``).

    Returns
    -------
    GradientCheck
        One relative error per parameter, ``result.errors = {"0.W": ..., "0.b": ..., ...}``.
    """
    _require_float64(model.named_params(), "model")
    names = names or {}
    analytic = model_gradients(model, X, y, loss)
    numeric = numerical_model_gradients(model, X, y, loss, h)
    result = GradientCheck("backward pass", tol=check_positive(tol, "tol"))
    result.compare({names.get(k, k): g for k, g in analytic.items()}, {names.get(k, k): g for k, g in numeric.items()})
    return result


def layer_gradients(layer: Layer, X: np.ndarray, dout: np.ndarray, h: float = 1e-5) -> dict[str, np.ndarray]:
    """Central differences of ``sum(layer.forward(X) * dout)``, whose gradient ``backward(dout)`` must give:
    ``{"dX": ..., "dW": ..., ...}``, the input's and every parameter's (``X`` is not changed)."""
    Xn = np.array(X, dtype=np.float64)
    numeric = {"dX": numerical_gradient(lambda: float(np.sum(layer.forward(Xn) * dout)), Xn, h)}
    for key, p in layer.params.items():
        numeric[f"d{key}"] = numerical_gradient(lambda: float(np.sum(layer.forward(Xn.copy()) * dout)), p, h)
    return numeric


def check_layer(layer: Layer, X: np.ndarray, *, rng: np.random.Generator, h: float = 1e-5,
                tol: float = 1e-6) -> GradientCheck:
    """Check one layer's ``backward``: its input gradient and every parameter gradient.

    The scalar checked is ``sum(layer.forward(X) * dout)`` for a random upstream gradient
    ``dout``, so ``backward(dout)`` must return its gradient (``layer_gradients``).

    Returns
    -------
    GradientCheck
        ``result.errors = {"dX": ..., "dW": ..., ...}``.
    """
    check_rng(rng)
    _require_float64(layer.params.items(), "layer")
    X = np.array(X, dtype=np.float64)
    dout = rng.standard_normal(layer.forward(X).shape)
    analytic = {"dX": layer.backward(dout), **{f"d{k}": g.copy() for k, g in layer.grads.items()}}
    result = GradientCheck(f"{type(layer).__name__}.backward", tol=check_positive(tol, "tol"))
    result.compare(analytic, layer_gradients(layer, X, dout, h))
    return result


# --- gradient-check results ------------------------------------------------------------------------
@dataclass(repr=False)
class GradientCheck(Verdict):
    """The result of comparing gradients with central differences: a ``Verdict`` that keeps the numbers.

    ``bool(result)`` is ``result.passed``; ``print(result)`` says which gradients are right, which are off and
    by how much, or why nothing could be checked; ``result.score`` is the share of the gradients that are right
    (a backward pass with dW right and db wrong earns 1/2 of ``Dense``'s two parameter gradients and dX: 2/3).

    Attributes
    ----------
    exercise : str
        What was checked, e.g. ``"sigmoid_backward"`` (also ``subject``).
    errors : dict of str to float
        Relative error ``||analytic - numeric|| / (||analytic|| + ||numeric||)`` per gradient.
    tol : float
        A gradient is right when its relative error is at most ``tol``.
    problems : list of str
        Why a gradient could not be compared (not written yet, wrong shape, ...), in words.
    worst : dict of str to str
        For each gradient that is off: where the largest difference is, expected and got.
    hints : dict of str to str
        For each gradient that is off in a recognisable way: the typical mistake (``diagnose``).
    written : bool
        False while the answer is still the stub (then ``status`` is "not written yet").
    """

    status: str = WRONG
    errors: dict[str, float] = field(default_factory=dict)
    tol: float = 1e-6
    problems: list[str] = field(default_factory=list)
    worst: dict[str, str] = field(default_factory=dict)
    hints: dict[str, str] = field(default_factory=dict)
    written: bool = True

    def __post_init__(self) -> None:
        self._refresh()

    @property
    def subject(self) -> str:
        return self.exercise

    @property
    def passed(self) -> bool:
        """True when nothing went wrong and every relative error is at most ``tol``."""
        return not self.problems and bool(self.errors) and all(e <= self.tol for e in self.errors.values())

    @property
    def largest(self) -> float:
        """The largest relative error (NaN when nothing was compared)."""
        return max(self.errors.values(), default=float("nan"))

    @property
    def off(self) -> list[str]:
        """The gradients whose relative error is above ``tol``."""
        return [k for k, e in self.errors.items() if e > self.tol]

    def add_problem(self, text: str, *, written: bool = True) -> None:
        """Record why a gradient could not be compared (``written=False``: the answer is still the stub)."""
        self.problems.append(text)
        self.written = self.written and written
        self._refresh()

    def compare(self, analytic: dict[str, np.ndarray], numeric: dict[str, np.ndarray],
                mistakes: dict[str, Sequence[tuple[str, np.ndarray]]] | None = None) -> None:
        """Record the relative error of every gradient in ``numeric`` against ``analytic`` (same names), and
        for each one that is off where the largest gap is and, when one explains it, the typical mistake
        (``diagnose``, with the extra ``mistakes`` of that gradient)."""
        for k, expected in numeric.items():
            got = np.asarray(analytic[k], dtype=np.float64)
            e = rel_error(got, expected)
            self.errors[k] = e
            if e > self.tol:
                self.worst[k] = largest_gap(expected, got, k)
                mistake = diagnose(got, expected, (mistakes or {}).get(k, ()))
                if mistake:
                    self.hints[k] = mistake
        self._refresh()

    def _refresh(self) -> None:
        """status, score and lines from the errors and problems so far."""
        self.status = RIGHT if self.passed else WRONG if self.written else NOT_WRITTEN
        parts = len(self.errors) + len(self.problems)
        right = sum(e <= self.tol for e in self.errors.values())
        self.score = 1.0 if self.passed else (right / parts if self.written and parts else 0.0)
        self.lines = self._report()[1:]

    def _report(self) -> list[str]:
        if self.passed:
            head = f"{self.subject}: right. Every gradient matches central differences."
        elif self.problems:
            head = f"{self.subject}: {self.status}."
        else:
            n, total = len(self.off), len(self.errors)
            head = (f"{self.subject}: wrong. {n} of {total} gradient{'s' if total > 1 else ''} "
                    f"{'is' if n == 1 else 'are'} off.")
        lines = [head, *self.problems]
        if self.errors:
            width = max(len("gradient"), *(len(k) for k in self.errors))
            lines.append(f"{'gradient':<{width}}  relative error  (right when at most {self.tol:.0e})")
            for k, e in self.errors.items():
                verdict = "right" if e <= self.tol else f"OFF: {self.worst.get(k, '')}".rstrip(": ")
                lines.append(f"{k:<{width}}  {format_error(e):<14}  {verdict}")
            lines += [f"{k}: it looks like {hint}." for k, hint in self.hints.items()]
        return lines

    def __repr__(self) -> str:
        head, *rest = self._report()
        return "\n".join([head, *(f"  {line}" for line in rest)])

    __str__ = __repr__


# --- the exercise checker --------------------------------------------------------------------------
BackwardFn = Callable[[np.ndarray, np.ndarray], np.ndarray]
ForwardFn = Callable[[np.ndarray], np.ndarray]


def _function_name(student: object) -> str:
    name = getattr(student, "__name__", None) or type(student).__name__
    return "your function (a lambda)" if name == "<lambda>" else name


def _nudge_off_kinks(a: np.ndarray) -> np.ndarray:
    """Move values within 1e-3 of 0 to 0.5: the ReLU family's kink, where no derivative exists."""
    return np.where(np.abs(a) < 1e-3, 0.5, a)


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
    from ``rng`` (a grader's hidden tests pass another one); values within 1e-3 of 0 are moved to 0.5
    (ReLU's kink has no derivative).

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
        by how much and where, or why the answer could not be checked (not written yet,
        ``None`` returned, wrong shape, an exception).
    """
    check_rng(rng)
    n_samples = check_positive_int(n_samples, "n_samples")
    tol, h = check_positive(tol, "tol"), check_positive(h, "h")
    if student is None:
        result = GradientCheck("your answer", tol=tol)
        result.add_problem("student: got None. Run the exercise cell (it defines your answer) before this check.",
                           written=False)
        return result
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
        return ACTIVATIONS[check_choice(forward, "forward", ACTIVATIONS)].f
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


def _stub(name: str) -> str:
    return not_written_text(f"{name} is not written yet: its body is still the stub.")


def _check_function_answer(student: BackwardFn, forward: str | ForwardFn | None, *, rng: np.random.Generator,
                           n_samples: int, tol: float, h: float) -> GradientCheck:
    f = _resolve_forward(forward)
    name = _function_name(student)
    result = GradientCheck(name, tol=tol)
    z = _nudge_off_kinks(2.0 * rng.standard_normal((n_samples, 5)))
    dout = rng.standard_normal(z.shape)
    zz = z.copy()
    numeric = numerical_gradient(lambda: float(np.sum(f(zz) * dout)), zz, h)
    if is_stub(student):
        result.add_problem(_stub(name), written=False)
        return result
    run = attempt(lambda: student(z.copy(), dout.copy()), f"{name}(z, dout)")
    arr, problem = (None, run.problem) if run.problem else _as_answer(run.value, z.shape,
                                                                      f"What {name}(z, dout) returned")
    if problem:
        result.add_problem(problem, written=run.written)
        return result
    mistakes = {"dz": [
        ("the local gradient alone: multiply it by the upstream gradient dout", _derivative(f, z)),
        ("the activation itself times dout: use its derivative", f(z) * dout),
        ("the derivative evaluated at the output a = f(z) instead of at z", _derivative(f, f(z)) * dout),
    ]}
    result.compare({"dz": arr}, {"dz": numeric}, mistakes)
    if "dz" in result.worst:  # where it is furthest off, with the z and dout there
        i = np.unravel_index(int(np.argmax(np.abs(numeric - arr))), z.shape)
        result.worst["dz"] = largest_gap(numeric, arr, "dz", at=f"z = {num(z[i])}, dout = {num(dout[i])}")
        result._refresh()
    return result


def _derivative(f: ForwardFn, z: np.ndarray, h: float = 1e-6) -> np.ndarray:
    """f'(z) elementwise, by central differences."""
    return (f(z + h) - f(z - h)) / (2 * h)


def _check_layer_answer(layer: Layer, *, rng: np.random.Generator, X: np.ndarray | None, n_samples: int,
                        tol: float, h: float) -> GradientCheck:
    name = type(layer).__name__
    result = GradientCheck(f"{name}.backward", tol=tol)
    for method in ("forward", "backward"):
        if is_stub(getattr(type(layer), method, None)):
            result.add_problem(_stub(f"{name}.{method}"), written=False)
            return result
    if X is None:
        n_in = getattr(layer, "n_in", None)
        if n_in is None:
            raise ValueError(f"X: {name} has no n_in, so pass test inputs, "
                             "e.g. X=rng.standard_normal((4, 3))")
        X = rng.standard_normal((n_samples, n_in))
    X = _nudge_off_kinks(np.array(X, dtype=np.float64))
    run = attempt(lambda: np.asarray(layer.forward(X.copy()), dtype=np.float64), f"{name}.forward(X)")
    if run.problem:
        result.add_problem(run.problem, written=run.written)
        return result
    dout = rng.standard_normal(run.value.shape)
    numeric = layer_gradients(layer, X, dout, h)
    layer.forward(X.copy())
    # NaN placeholders: a gradient backward forgets to set is caught, not read from a previous call
    layer.grads = {key: np.full(p.shape, np.nan) for key, p in layer.params.items()}
    run = attempt(lambda: layer.backward(dout.copy()), f"{name}.backward(dout)")
    if run.problem:
        hint = _shape_hint(run.problem, X.shape, dout.shape) if run.written else ""
        result.add_problem(run.problem + hint, written=run.written)
        return result
    analytic: dict[str, np.ndarray] = {}
    arr, problem = _as_answer(run.value, X.shape, f"dX, what {name}.backward(dout) returned,")
    if problem:
        result.add_problem(problem + _transposed(run.value, numeric["dX"]))
    else:
        analytic["dX"] = arr
    for key, p in layer.params.items():
        g = layer.grads.get(key)
        if g is not None and np.shape(g) == p.shape and np.isnan(np.asarray(g, dtype=np.float64)).all():
            result.add_problem(f"d{key}: backward did not set grads[{key!r}]; assign it, "
                               f"self.grads[{key!r}] = ..., an array of shape {p.shape}.")
            continue
        arr, problem = _as_answer(g, p.shape, f"d{key}, grads[{key!r}],")
        if problem:
            result.add_problem(problem + _transposed(g, numeric[f"d{key}"]))
        else:
            analytic[f"d{key}"] = arr
    mistakes = {"db": [("the mean of dout over the samples: the bias is added to every row, so its gradient is "
                        "their sum", numeric["db"] / len(X))]} if "db" in numeric else {}
    result.compare(analytic, {k: v for k, v in numeric.items() if k in analytic}, mistakes)
    return result


def _shape_hint(problem: str, X_shape: tuple[int, ...], dout_shape: tuple[int, ...]) -> str:
    """For a product of misaligned shapes in a student's backward: what shape each gradient has."""
    if not ("raised ValueError" in problem and ("matmul" in problem or "aligned" in problem)):
        return ""
    return (f". Two of your arrays do not fit in a product: dout is {dout_shape} (N, n_out) and W is (n_in, n_out), "
            f"so dX = dout W^T, which has the shape of X, {X_shape} (N, n_in), and dW = X^T dout has the shape of W")


def _transposed(value: object, expected: np.ndarray) -> str:
    """A clause for a shape problem that is a transposed right answer."""
    arr = np.asarray(value, dtype=np.float64) if value is not None else None
    if arr is not None and arr.ndim == 2 and arr.shape == expected.T.shape and np.allclose(arr, expected.T):
        return " It holds the right values, transposed."
    return ""
