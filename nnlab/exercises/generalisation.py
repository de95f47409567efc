"""The checked exercises of notebook 07 (fitting is not learning).

Exercise 1 counts the lecture's coefficients (the weights of 784-512-512-10, no biases); exercise 2 is the
gradient of the L2 penalty, written, checked against ``nnlab.losses.weight_penalty``; exercise 3 predicts which
lambda of a sweep gives the lowest mean validation loss, answered by the sweep itself; exercise 4 is dropout's
backward pass, written, checked against ``nnlab.Dropout``. They are numbered in the order the notebook asks
them. Every answer is computed here, never typed in.
"""

from __future__ import annotations

import numpy as np

from .._validate import check_rng
from ..generalisation import LECTURE_SIZES, Sweep, weight_count
from ..layers import Dense, Dropout, Sequential
from ..losses import weight_penalty
from .base import Verdict, check_choice, check_function, check_number


# --- exercise 1: the lecture's count -----------------------------------------------------------------
def check_lecture_count(answer: object) -> Verdict:
    """Exercise 1: the number of weights of the lecture's 784-512-512-10 network, biases not counted."""
    expected = weight_count(LECTURE_SIZES)
    a, b, c = (m * n for m, n in zip(LECTURE_SIZES[:-1], LECTURE_SIZES[1:]))
    biases = weight_count(LECTURE_SIZES, biases=True)
    why = (f"784 x 512 = {a:,}, 512 x 512 = {b:,} and 512 x 10 = {c:,}: {expected:,} weights, the lecture's count. "
           f"With the {biases - expected:,} biases (one per unit) the network has {biases:,} parameters.")
    slips = [
        (lambda v: v == biases, "That counts the biases too; the lecture's count leaves them out."),
        (lambda v: v == 784 * 512 + 512 * 10, "That leaves out the second hidden layer's 512 x 512 weights."),
        (lambda v: v == 784 + 512 + 512 + 10, "That is the number of units (inputs included), not of weights."),
        (lambda v: v == 28 * 512 + 512 * 512 + 512 * 10, "P is the number of pixels, 28 x 28 = 784, not 28."),
    ]
    return check_number(answer, expected, exercise="Exercise 1 (the lecture's count)", name="n_weights",
                        why=why, rel=0, abs_tol=0.5, slips=slips)


# --- exercise 2: the gradient of the L2 penalty ---------------------------------------------------
def reference_penalty_grad(W: np.ndarray, lam: float) -> np.ndarray:
    """The gradient of lam ||W||_F^2 with respect to W, by ``nnlab.losses.weight_penalty``."""
    model = Sequential(Dense(*W.shape, W=W))
    return weight_penalty(model, lam, "l2")[1]["0.W"]


def _penalty_cases(rng: np.random.Generator | None = None) -> list[tuple[np.ndarray, float]]:
    """Non-square matrices first: a transposed answer then has the wrong shape, which names it (on a square
    matrix ``W.T`` has W's shape; the check's own ``mistakes`` name it there too). With ``rng`` (a grader's hidden
    test): three matrices of random shapes and values of lam drawn from it."""
    if rng is not None:
        shapes = check_rng(rng).integers(1, 9, size=(3, 2))
        return [(rng.standard_normal((m, n + (m == n))), float(rng.uniform(1e-3, 3.0))) for m, n in shapes]
    rng = np.random.default_rng(7)
    return [(rng.standard_normal((3, 4)), 0.01), (rng.standard_normal((5, 2)), 2.5),
            (np.array([[1.0, -2.0], [0.5, 0.0]]), 0.1)]


def check_penalty_grad(student: object, *, rng: np.random.Generator | None = None) -> Verdict:
    """Exercise 2: ``penalty_grad(W, lam)``, the gradient of ``lam * sum(W ** 2)``, is ``2 lam W`` (on fixed
    matrices, or with ``rng``, a grader's hidden test, on matrices drawn from it)."""
    mistakes = [
        ("lam W: the derivative of w^2 is 2w, so the factor 2 stays", lambda W, lam: lam * W),
        ("lam sign(W): that is the L1 penalty's gradient", lambda W, lam: lam * np.sign(W)),
        ("2 W: lam is missing", lambda W, lam: 2 * W),
        ("the penalty itself, lam W^2, not its derivative", lambda W, lam: lam * W**2),
        ("2 lam W^T: the gradient has the shape of W itself, each entry 2 lam w_ij; no transpose",
         lambda W, lam: 2 * lam * W.T),
    ]
    return check_function(student, reference_penalty_grad, _penalty_cases(rng),
                          exercise="Exercise 2 (the weight-decay gradient)", name="penalty_grad", mistakes=mistakes)


# --- exercise 4: dropout's backward pass -----------------------------------------------------------
def reference_dropout_backward(dout: np.ndarray, keep: np.ndarray, p: float) -> np.ndarray:
    """dL/dX of inverted dropout with the kept entries ``keep`` (True: kept), by ``nnlab.Dropout``."""
    layer = Dropout(p, rng=np.random.default_rng(0))
    layer.forward(np.ones_like(dout))
    layer.mask = keep.astype(float) / (1 - p)  # the layer's mask, set to this draw
    return layer.backward(dout)


def _dropout_cases(rng: np.random.Generator | None = None) -> list[tuple[np.ndarray, np.ndarray, float]]:
    """Three shapes and dropout rates, seeded; with ``rng`` (a grader's hidden test) three drawn from it."""
    if rng is None:
        rng = np.random.default_rng(11)
        return [(rng.standard_normal(shape), rng.random(shape) >= p, p)
                for shape, p in (((4, 3), 0.5), ((6, 5), 0.2), ((3, 8), 0.75))]
    cases = []
    for _ in range(3):
        shape, p = tuple(int(k) for k in check_rng(rng).integers(2, 10, size=2)), float(rng.uniform(0.1, 0.9))
        keep = rng.random(shape) >= p
        keep.flat[0], keep.flat[-1] = True, False  # some entries kept and some dropped, whatever the draw
        cases.append((rng.standard_normal(shape), keep, p))
    return cases


def check_dropout_backward(student: object, *, rng: np.random.Generator | None = None) -> Verdict:
    """Exercise 4: ``dropout_backward(dout, keep, p)``: the upstream gradient through the kept entries, scaled
    by 1 / (1 - p) as in the forward pass; 0 where an entry was dropped (on seeded inputs, or with ``rng``, a
    grader's hidden test, on inputs drawn from it)."""
    mistakes = [
        ("the scaling is missing: the forward pass multiplied the kept values by 1 / (1 - p), so the gradient "
         "is multiplied by it too", lambda dout, keep, p: dout * keep),
        ("the kept gradient times 1 - p: that is the lecture's test-time factor, not inverted dropout's "
         "training-time scaling", lambda dout, keep, p: dout * keep * (1 - p)),
        ("dout unchanged: a dropped entry gets no gradient", lambda dout, keep, p: dout),
        ("the mask is inverted: the gradient flows through the kept entries, not the dropped ones",
         lambda dout, keep, p: dout * ~keep / (1 - p)),
        ("divided by p instead of 1 - p: the kept share is 1 - p", lambda dout, keep, p: dout * keep / p),
    ]
    return check_function(student, reference_dropout_backward, _dropout_cases(rng),
                          exercise="Exercise 4 (dropout's backward pass)", name="dropout_backward", mistakes=mistakes)


# --- exercise 3: which lambda --------------------------------------------------------------------
def check_best_lambda(answer: object, sweep: Sweep) -> Verdict:
    """Exercise 3: the lambda of ``sweep`` (a sweep over ``lam``) with the lowest mean validation loss."""
    if not isinstance(sweep, Sweep) or sweep.name != "lam":
        raise TypeError("sweep: expected the notebook's sweep over lam, nl.generalisation.sweep('lam', ...)")
    val, test = sweep.val.mean(axis=1), sweep.test.mean(axis=1)
    best = sweep.best("val")
    lo, hi = sweep.values[0], sweep.values[-1]
    options = {}
    for k, value in enumerate(sweep.values):
        if value == lo:
            what = "the network fits the noise of the 16 points"
        elif value == hi:
            what = "the penalty flattens the curve and misses the sine"
        elif value < best:
            what = "too weak: the curve still bends to the noise"
        else:
            what = "too strong: the penalty pulls the fit away from the data"
        options[value] = f"lambda = {value:g}: mean validation loss {val[k]:.2f}; {what}."
    k, j = sweep.values.index(best), sweep.values.index(sweep.best("test"))
    own = "" if j == k else f" (its own lowest, by {test[k] - test[j]:.3f}, is at lambda = {sweep.values[j]:g})"
    why = (f"The validation loss over {len(sweep.seeds)} seeds is lowest at lambda = {best:g} ({val[k]:.2f}; "
           f"{val[0]:.2f} with no penalty, {val[-1]:.2f} at {hi:g}): the U-curve. The test loss, on 1,000 fresh "
           f"points, is {test[k]:.2f} there{own}, against {test[0]:.2f} and {test[-1]:.2f} at the ends.")
    return check_choice(answer, best, exercise="Exercise 3 (the lambda validation picks)", name="best_lam",
                        why=why, options=options)
