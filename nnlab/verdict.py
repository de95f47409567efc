"""What a check of a student's answer returns, and the pieces every checker is made of.

Every check in nnlab (``nl.check_backward``, ``nl.check_model``, the exercises' ``nl.exercises.<topic>.check_*``)
returns a ``Verdict``: ``bool(verdict)`` says whether the answer is right, ``verdict.status`` is ``"right"``,
``"wrong"`` or ``"not written yet"``, ``verdict.score`` is the share of the marks it earns (for a grader: partial
credit where a check knows which part is right), and printing it says why, in words. ``verdict.graded()`` is the
same verdict as a graded copy shows it while the student works: what is wrong, never the answer itself.
``GradientCheck`` (``nnlab.gradcheck``) is a ``Verdict`` that also keeps one relative error per gradient.

The pieces, each written once: ``attempt`` runs the student's code (a stub or ``NotImplementedError`` is "not
written yet", any other exception is reported, never a traceback), ``not_written_text`` says what to do about a
stub, ``is_stub`` recognises an empty function, ``diagnose`` names a typical slip (a sign, a factor, a
transpose) and ``largest_gap`` says where an array answer is furthest off.
"""

from __future__ import annotations

import dis
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import numpy as np

from ._format import num

RIGHT, WRONG, NOT_WRITTEN = "right", "wrong", "not written yet"


@dataclass
class Verdict:
    """The result of a check: ``bool(verdict)`` says whether the answer is right; printing it says why.

    Attributes
    ----------
    exercise : str
        What was checked, e.g. ``"exercise 1: the loss at alpha = 1/4"`` or ``"MyDense.backward"``.
    status : str
        ``"right"``, ``"wrong"`` or ``"not written yet"``.
    lines : list of str
        The explanation, one sentence a line.
    score : float
        The share of the marks the answer earns, from 0 to 1: 1 when right, 0 when wrong or not written,
        unless the check knows which part is right (``GradientCheck``: the share of the gradients that are).
    graded_lines : list of str or None
        What ``graded()`` shows: the explanation without what gives the answer away (the expected value, the
        worked solution, how far off the answer is). None: every line can be shown.
    """

    exercise: str
    status: str
    lines: list[str] = field(default_factory=list)
    score: float | None = None
    graded_lines: list[str] | None = None

    def __post_init__(self) -> None:
        if self.score is None:
            self.score = 1.0 if self.status == RIGHT else 0.0

    @property
    def passed(self) -> bool:
        """True when the answer is right."""
        return self.status == RIGHT

    def __bool__(self) -> bool:
        return self.passed

    def graded(self) -> Verdict:
        """The verdict as a graded copy shows it while the student works: right or wrong, and what is wrong (a
        slip by its name), but not the answer, so that the points are not one wrong guess away. The whole
        verdict goes to the feedback (a course's hidden test prints it). Status and score are the same."""
        if self.graded_lines is None:
            return self
        return Verdict(self.exercise, self.status, list(self.graded_lines), self.score)

    def __repr__(self) -> str:
        return "\n".join([f"{self.exercise}: {self.status}.", *(f"  {line}" for line in self.lines)])

    __str__ = __repr__


def not_written_text(what: str) -> str:
    """The sentence for an answer that is still the stub: ``what`` (e.g. "`x` is still None.") and what to do."""
    return f"{what} Replace the `# YOUR CODE HERE` line with your answer, run the cell, then run this check again."


def is_stub(fn: object) -> bool:
    """Whether ``fn`` is a function whose body is still empty: a docstring, a comment or ``pass`` only
    (its code does nothing but return None), as ``make student`` leaves an exercise."""
    code = getattr(fn, "__code__", None)
    if code is None:
        return False
    ops = [(i.opname, i.argval) for i in dis.get_instructions(code) if i.opname not in ("RESUME", "NOP", "CACHE")]
    return ops in ([("LOAD_CONST", None), ("RETURN_VALUE", None)], [("RETURN_CONST", None)])


class Attempt(NamedTuple):
    """What running a student's code gave: its ``value``, or why there is none (``problem``, in words), and
    whether the code is ``written`` at all (a stub, or nbgrader's ``raise NotImplementedError()``, is not)."""

    value: Any = None
    problem: str | None = None
    written: bool = True


def attempt(call: Callable[[], Any], what: str) -> Attempt:
    """Run ``call()``, a student's code described as ``what`` (``"MyDense.backward(dout)"``): its value, or a
    sentence for ``NotImplementedError`` (not written yet) or any other exception (never a traceback)."""
    try:
        return Attempt(call())
    except NotImplementedError:
        name = what.split("(")[0]
        return Attempt(problem=not_written_text(f"{name} is not written yet: it raised NotImplementedError."),
                       written=False)
    except Exception as exc:  # the student's bug: reported, never a traceback
        return Attempt(problem=f"{what} raised {type(exc).__name__}: {exc}")


def largest_gap(expected: np.ndarray, got: np.ndarray, name: str = "", *, at: str = "", decimals: int = 4) -> str:
    """Where an answer is furthest from the right one: ``"largest gap at dW[0, 1]: expected 1.5, got 2"``
    (``at`` adds what else holds there; ``name`` names the array)."""
    expected, got = np.asarray(expected, dtype=np.float64), np.asarray(got, dtype=np.float64)
    i = np.unravel_index(int(np.argmax(np.abs(expected - got))), expected.shape)
    where = f"{name}[{', '.join(map(str, i))}]" if expected.ndim else (name or "the result")
    extra = f" ({at} there)" if at else ""
    return f"largest gap at {where}{extra}: expected {num(expected[i], decimals)}, got {num(got[i], decimals)}"


def diagnose(got: np.ndarray, expected: np.ndarray, mistakes: Sequence[tuple[str, np.ndarray]] = ()) -> str | None:
    """Name the typical mistake that turns the right answer ``expected`` into ``got``, if one does.

    ``mistakes`` are ``(description, what that mistake gives)`` pairs, tried first. Then, whatever the
    exercise: a sign error (``got = -expected``), a factor (``got = c * expected`` for one constant c), and a
    transposed matrix (``got = expected.T``).
    """
    got, expected = np.asarray(got, dtype=np.float64), np.asarray(expected, dtype=np.float64)
    close = dict(rtol=1e-6, atol=1e-9)
    for description, wrong in mistakes:
        wrong = np.asarray(wrong, dtype=np.float64)
        if wrong.shape == got.shape and np.allclose(got, wrong, **close):
            return description
    if got.shape == expected.shape and np.any(expected != 0):
        if np.allclose(got, -expected, **close):
            return "a sign error: every entry has the opposite sign"
        nonzero = np.abs(expected) > 1e-12 * np.abs(expected).max()
        ratio = got[nonzero] / expected[nonzero]
        if np.allclose(ratio, ratio[0], rtol=1e-6) and np.allclose(got[~nonzero], 0, atol=1e-9) \
                and not np.isclose(ratio[0], 1):
            return f"a missing or extra factor: every entry is {num(ratio[0], 4)} times the right value"
    if got.ndim == 2 and got.shape == expected.T.shape and got.shape != expected.shape \
            and np.allclose(got, expected.T, **close):
        return f"a transposed matrix: shape {got.shape} holds the right values of shape {expected.shape}"
    return None
