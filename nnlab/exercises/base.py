"""The pattern every checked exercise follows: a verdict in words, never a bare assertion or a traceback.

An exercise is one of two kinds.

- *Predict, then run*: the student writes a prediction (a number, a choice) into a variable that starts
  as ``None``; ``check_number`` or ``check_choice`` compares it with the computed answer and explains
  the difference, naming the typical slip when the answer matches one.
- *Write the code*: the student completes a function; ``check_function`` runs it on several inputs
  against the reference and names what is wrong (which output, which shape, a sign, a missing factor,
  a transposed matrix, a forgotten bias), or says "not written yet" for an untouched stub.

In the instructor's notebook the answer sits between ``### BEGIN SOLUTION`` and ``### END SOLUTION``
(nbgrader's and otter-grader's markers); ``make student`` replaces it by a ``# YOUR CODE HERE`` line.
A variable then keeps its ``None`` and a function keeps only its docstring; both get "not written yet".
A function that raises ``NotImplementedError`` (nbgrader's own stub) does too.

In a graded copy (``make course``) the test cell prints ``verdict.graded()`` while the student works: a wrong
prediction or choice is named as wrong, with the slip it matches, but neither the answer nor the worked
explanation is shown (they go to the feedback), so the points are not one wrong guess away. A function's
verdict gives no answer away and is shown whole.
"""

from __future__ import annotations

import math
import numbers
import re
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .._format import num
from ..verdict import NOT_WRITTEN, RIGHT, WRONG, Verdict, attempt, diagnose, is_stub, largest_gap, not_written_text

__all__ = ["NOT_WRITTEN", "RIGHT", "WRONG", "Verdict", "check_choice", "check_function", "check_number", "not_written",
           "one_number", "shows_number"]

#: the last line of a wrong prediction's graded verdict: where the explanation is
LATER = "The worked answer comes with your feedback."
#: a graded verdict's line for a wrong prediction that matches no typical slip
NO_SLIP = "It is none of the slips this check knows: go through your working again."

def not_written(exercise: str, what: str) -> Verdict:
    """The verdict for an answer that is still the stub."""
    return Verdict(exercise, NOT_WRITTEN, [not_written_text(what)])


# --- predictions ---------------------------------------------------------------------------------------
Slip = tuple[Callable[[float], bool], str]


def check_number(answer: object, expected: float, *, exercise: str, name: str, why: str,
                 rel: float = 1e-6, abs_tol: float = 1e-9, slips: Sequence[Slip] = ()) -> Verdict:
    """Compare a predicted number with the computed one.

    Parameters
    ----------
    answer : number or None
        The student's prediction (``None``: not written yet).
    expected : float
        The computed answer.
    exercise, name : str
        The exercise's title and the variable's name, for the messages.
    why : str
        One sentence that explains the right answer; shown with every verdict once an answer is given.
    rel, abs_tol : float
        How close counts as right (as ``math.isclose``).
    slips : sequence of (test, message)
        Typical wrong answers: ``test(answer)`` is true for the slip, and ``message`` names it.
    """
    if answer is None:
        return not_written(exercise, f"`{name}` is still None.")
    if isinstance(answer, bool) or not isinstance(answer, numbers.Real) or not math.isfinite(float(answer)):
        return Verdict(exercise, WRONG, [f"`{name}` is {answer!r}; write a number, e.g. {name} = 0.5."])
    value = float(answer)
    if math.isclose(value, expected, rel_tol=rel, abs_tol=abs_tol):
        return Verdict(exercise, RIGHT, [f"{name} = {shown(value)}. {why}"])
    yours, answer_text = shown_apart(value, expected)
    named = [message for test, message in slips if test(value)]
    lines = [f"You wrote {yours}; the answer is {answer_text}.", *named]
    if not named and expected != 0:
        lines.append(_how_far(value, expected))
    graded = [f"You wrote {yours}; that is not the answer.",
              *([m for m in named if not shows_number(m, expected)] or [NO_SLIP]), LATER]
    return Verdict(exercise, WRONG, [*lines, why], graded_lines=graded)


def shows_number(text: str, value: float) -> bool:
    """Whether ``text`` writes ``value`` as a message would (whole, with thousands separators, or to 1 to 6
    significant digits or decimals, within 1% of it), so that a graded verdict leaves that line out."""
    v = float(value)
    forms = {shown(v, d) for d in range(1, 7)} | {num(v, d) for d in range(7)} | {f"{v:.{d}e}" for d in range(3)}
    if v.is_integer():
        forms.add(f"{int(v):,}")
    close = {f for f in forms if math.isclose(float(f.replace(",", "")), v, rel_tol=0.01, abs_tol=1e-12)}
    return any(re.search(rf"(?<![\d.]){re.escape(f)}(?!\d|\.\d)", text) for f in close)


def shown(v: float, digits: int = 6) -> str:
    """A number as a message shows it: a whole number whole, any other to ``digits`` significant digits (so
    3.5e-18 stays 3.5e-18, never 0)."""
    v = float(v)
    if v.is_integer() and abs(v) < 1e15:
        return str(int(v))
    return f"{v:.{digits}g}"


def shown_apart(a: float, b: float) -> tuple[str, str]:
    """``a`` and ``b`` as ``shown``, with as many more digits as it takes to tell two different numbers apart."""
    for digits in range(6, 18):
        pair = shown(a, digits), shown(b, digits)
        if pair[0] != pair[1] or a == b:
            break
    return pair


def _how_far(value: float, expected: float) -> str:
    """The hint for a wrong number that matches no named slip: how far off it is, in words that stay true however
    close or far it is (a ratio near 1 as a difference, an extreme one as a power of ten)."""
    ratio = value / expected
    if abs(ratio - 1) < 0.01:
        more = "more" if value > expected else "less"
        return (f"Yours is {shown_apart(abs(value - expected), 0)[0]} {more} than the answer (off by "
                f"{abs(ratio - 1):.1e} of it).")
    if ratio < 0:
        return "Yours has the opposite sign" + ("." if math.isclose(ratio, -1) else f" and {shown(-ratio, 3)} times "
                                               "its size.")
    if 0.01 <= ratio < 1000:
        return f"Yours is {num(ratio, 3)} times the answer."
    return f"Yours is about 10^{math.log10(ratio):.1f} times the answer: check the order of magnitude."


def check_choice(answer: object, expected: Any, *, exercise: str, name: str, why: str,
                 options: dict[Any, str]) -> Verdict:
    """Compare a chosen option with the right one; every wrong option has its own explanation.

    ``options`` maps each allowed answer to what choosing it means (the right one's text is not shown).
    """
    if answer is None:
        return not_written(exercise, f"`{name}` is still None.")
    if answer not in options:
        allowed = ", ".join(repr(o) for o in options)
        return Verdict(exercise, WRONG, [f"`{name}` is {answer!r}; choose one of {allowed}."])
    if answer == expected:
        return Verdict(exercise, RIGHT, [why])
    return Verdict(exercise, WRONG, [options[answer], why],
                   graded_lines=[f"You chose {answer!r}; that is not the answer.", LATER])


# --- code ----------------------------------------------------------------------------------------------
#: a typical wrong answer: what to call it, and a function of the exercise's arguments that computes it
Mistake = tuple[str, Callable[..., object]]


def _as_array(value: object) -> np.ndarray | None:
    try:
        return np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        return None


def check_function(student: object, reference: Callable[..., object], cases: Sequence[tuple], *,
                   exercise: str, name: str, mistakes: Sequence[Mistake] = (), rtol: float = 1e-7,
                   atol: float = 1e-10) -> Verdict:
    """Run a student's function on several inputs against the reference.

    Parameters
    ----------
    student : callable
        The student's function.
    reference : callable
        The right answer, called the same way.
    cases : sequence of tuples
        The arguments of each call.
    exercise, name : str
        The exercise's title and the function's name, for the messages.
    mistakes : sequence of (message, function)
        Typical wrong answers, each a function of the same arguments; a result that matches one gets its
        message. A sign error, a constant factor and a transposed result are recognised without being listed
        (``nnlab.gradcheck.diagnose``).
    rtol, atol : float
        How close counts as right.
    """
    if student is None or is_stub(student):
        return not_written(exercise, f"`{name}` has no body yet.")
    if not callable(student):
        return Verdict(exercise, WRONG, [f"`{name}` is a {type(student).__name__}, not a function."])
    for args in cases:
        expected = np.asarray(reference(*args), dtype=np.float64)
        call = f"{name}({', '.join(_short(a) for a in args)})"
        run = attempt(lambda args=args: student(*(a.copy() if isinstance(a, np.ndarray) else a for a in args)), call)
        if run.problem:
            return Verdict(exercise, WRONG if run.written else NOT_WRITTEN, [run.problem])
        result = run.value
        if result is None:
            return Verdict(exercise, WRONG, [f"{call} returned None: end the function with `return` and the "
                                             f"result, an array of shape {expected.shape}."])
        got = _as_array(result)
        if got is None:
            return Verdict(exercise, WRONG, [f"{call} returned a {type(result).__name__}, expected numbers of "
                                             f"shape {expected.shape}."])
        if got.shape != expected.shape and got.shape != expected.T.shape:
            return Verdict(exercise, WRONG, [f"{call} has shape {got.shape}, expected {expected.shape}."])
        if got.shape != expected.shape or not np.allclose(got, expected, rtol=rtol, atol=atol):
            lines = [f"{call} is off."]
            mistake = diagnose(got, expected, [(m, wrong(*args)) for m, wrong in mistakes])
            if mistake:
                lines.append(f"It looks like {mistake}.")
            if got.shape == expected.shape:
                gap = largest_gap(expected, got, decimals=6)
                lines.append(f"{gap[0].upper()}{gap[1:]}.")
            return Verdict(exercise, WRONG, lines)
    return Verdict(exercise, RIGHT, [f"`{name}` gives the right result on all {len(cases)} test inputs."])


def _short(value: object) -> str:
    """An argument as the message shows it: small arrays by shape, numbers as they are."""
    if isinstance(value, np.ndarray):
        return f"<array {value.shape}>"
    return repr(value)


def one_number(verdict: Verdict) -> Verdict:
    """``check_function``'s verdict for a function that returns one number, without the factor diagnosis.

    For a single number every wrong answer is some factor times the right one, so "every entry is 39 times
    the right value" names no mistake; the telling ones (a percentage for a fraction, a count for a share)
    belong in the check's ``mistakes``. Used by notebook 03's ``count_params`` and notebook 04's
    ``error_rate``.
    """
    verdict.lines = [line for line in verdict.lines if "a missing or extra factor" not in line]
    return verdict
