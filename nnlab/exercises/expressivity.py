"""The checked exercises of notebook 08 (what networks can represent).

Exercise 1 predicts the max error of the hand-built network for x^2 with 10 units, measured by
``approximation_error``; exercise 2 places the knots that make two units draw |x| exactly, checked by
building the network; exercise 3 predicts the pieces of the sawtooth of depth 5, counted exactly by
``nnlab.regions``; exercise 4 asks for the weights of an identity layer, checked by passing numbers through
it. Every answer is computed here, never typed in.
"""

from __future__ import annotations

import numpy as np

from .._format import num
from .._validate import check_rng
from ..expressivity import (
    absolute,
    approximation_error,
    hand_built,
    identity_layer_weights,
    interpolant_network,
    sawtooth_network,
)
from ..regions import count_linear_regions, max_regions_upper_bound
from ..verdict import diagnose, is_stub
from .base import RIGHT, WRONG, Verdict, check_number, not_written

#: exercise 1: the hand-built network for x^2 on [-1, 1] with this many units
SQUARE_UNITS = 10
#: exercise 3: the sawtooth's depth
SAWTOOTH_DEPTH = 5


# --- exercise 1: the error for x^2 ---------------------------------------------------------------------
def check_square_error(answer: object) -> Verdict:
    """Exercise 1: the max error of the interpolant of x^2 on [-1, 1] with ``SQUARE_UNITS`` units."""
    D = SQUARE_UNITS
    measured = approximation_error(hand_built("x²", D), "x²")
    h = 2 / D
    why = (f"{D} units make {D} pieces of width h = 2/{D} = {num(h)}. On a piece [a, a + h] the chord of x^2 lies "
           "above it by (x - a)(a + h - x), largest in the middle: h^2/4 = "
           f"{num(h**2 / 4)}; measured on a grid of 20,001 points: {measured.max:.6f}.")
    slips = [
        (lambda a: np.isclose(a, h**2 / 8), "That is h^2/8, the error of the best straight line on each piece "
                                            "(the chord shifted down by half); the interpolant is the chord "
                                            "itself."),
        (lambda a: np.isclose(a, h**2), "That is h^2; the chord's gap (x - a)(a + h - x) peaks at (h/2)^2."),
        (lambda a: np.isclose(a, h), "That is h itself; the error of a chord falls like h^2."),
        (lambda a: np.isclose(a, (2 / (D + 1)) ** 2 / 4), f"That takes {D + 1} pieces; {D} units make {D} "
                                                         "pieces here (one hinge starts each piece)."),
        (lambda a: np.isclose(a, (1 / D) ** 2 / 4), "That takes pieces of width 1/D; the interval [-1, 1] "
                                                    "has length 2."),
        (lambda a: np.isclose(a, h**2 / 6), "That is h^2/6, the mean error; the question asks for the max."),
    ]
    return check_number(answer, h**2 / 4, exercise="Exercise 1 (the max error for x^2)", name="max_error_square",
                        why=why, rel=1e-3, slips=slips)


# --- exercise 2: the knots for |x| ---------------------------------------------------------------------
def check_abs_knots(knots: object) -> Verdict:
    """Exercise 2: knots on [-1, 1] whose interpolant, with two units, is |x| exactly on [-1, 1]."""
    exercise = "Exercise 2 (the knots for |x|)"
    if knots is None:
        return not_written(exercise, "`knots_abs` is still None.")
    try:
        net = interpolant_network(knots, absolute(np.asarray(knots, dtype=float)))
    except (TypeError, ValueError) as exc:
        return Verdict(exercise, WRONG, [f"`knots_abs` = {knots!r} does not make a network: {exc}"])
    t = np.asarray(knots, dtype=float)
    units = len(t) - 1
    lines = [f"Your {len(t)} knots make a network of {units} unit{'s' if units > 1 else ''}."]
    if t[0] > -1 or t[-1] < 1:
        return Verdict(exercise, WRONG, [*lines, f"They span [{num(t[0])}, {num(t[-1])}]; the first knot must be "
                                         "at -1 or left of it and the last at 1 or right of it, or the ends of "
                                         "[-1, 1] are outside the interpolant."])
    error = approximation_error(net, "|x|")
    if error.max > 1e-12:
        lines.append(f"Its max error on [-1, 1] is {error.max:.3g}, not 0.")
        if not np.any(t == 0):
            lines.append("No knot is at 0: |x| turns there, and a straight piece across 0 cuts the corner.")
        return Verdict(exercise, WRONG, lines)
    if len(t) != 3:
        return Verdict(exercise, WRONG, [*lines, "It is |x| exactly, but the exercise asks for two units: three "
                                         "knots, two pieces."])
    lines.append(f"Max error 0: |x| has two linear pieces, so two hinges draw it exactly, one at {num(t[0])} that "
                 "starts the slope -1 and one at 0 that turns it to +1 (output weights -1 and 2).")
    if t[0] < -1 or t[-1] > 1:
        lines.append(f"Your outer knots, {num(t[0])} and {num(t[-1])}, work as well as -1 and 1: the first only has "
                     "to lie at -1 or left of it (the network is constant left of it), the last at 1 or right of it "
                     "(it only ends the last piece).")
    return Verdict(exercise, RIGHT, lines)


# --- exercise 3: the sawtooth's pieces -----------------------------------------------------------------
def check_sawtooth_pieces(answer: object) -> Verdict:
    """Exercise 3: the linear pieces on [0, 1] of the tent map composed ``SAWTOOTH_DEPTH`` times."""
    K = SAWTOOTH_DEPTH
    expected = count_linear_regions(sawtooth_network(K), (0, 1))
    why = (f"Every tent folds [0, 1] onto itself twice, so the next tent is drawn twice, each copy on half the "
           f"axis: the pieces double with every layer, 2^{K} = {expected} (counted exactly by "
           f"nl.regions.count_linear_regions), from {2 * K} units. One hidden layer needs at least "
           f"{expected - 1} units for as many pieces, and {expected} to draw the sawtooth exactly.")
    slips = [
        (lambda a: a == 2 ** (K - 1), f"That is the number of teeth, 2^{K - 1}; each tooth has two pieces, "
                                      "one up and one down."),
        (lambda a: a == 2 * K, f"That is the number of units, {2 * K}; the pieces multiply by 2 per layer, they do "
                               "not add."),
        (lambda a: a in (K + 1, 2 * K + 1), "That adds pieces layer by layer, as width does; depth multiplies "
                                            "them."),
        (lambda a: a == max_regions_upper_bound([2] * K), f"That is 3^{K}, Serra et al.'s upper bound for {K} "
                                                          "layers of 2 units, which width 2 does not even reach; "
                                                          "on [0, 1] each tent makes two pieces of every piece, not "
                                                          "three."),
        (lambda a: a == 3 * 2 ** (K - 1), f"That is 3 x 2^{K - 1}, Montufar et al.'s construction (its last layer "
                                          "cuts every fold in three); the sawtooth's last tent cuts it in two."),
        (lambda a: a == 2**K - 1, "That is the number of joints (or of units one hidden layer needs); the pieces "
                                  "are one more."),
        (lambda a: a == 2 ** (K + 1), f"That is 2^{K + 1}; the first tent already makes 2 pieces, so {K} "
                                      f"tents make 2^{K}."),
    ]
    return check_number(answer, expected, exercise="Exercise 3 (the sawtooth's pieces)", name="sawtooth_pieces",
                        why=why, rel=0, abs_tol=0.5, slips=slips)


# --- exercise 4: the identity layer --------------------------------------------------------------------
def _passed_through(weights: object, width: int, Z: np.ndarray) -> np.ndarray:
    """``relu(Z @ W_in) @ W_out`` for the pair of weights a student's function returned."""
    try:
        W_in, W_out = (np.asarray(w, dtype=float) for w in weights)
    except (TypeError, ValueError):
        raise ValueError("expected two arrays, (W_in, W_out)") from None
    if W_in.shape != (width, 2 * width):
        raise ValueError(f"W_in has shape {W_in.shape}, expected ({width}, {2 * width}): {width} inputs, "
                         f"{2 * width} units")
    if W_out.shape != (2 * width, width):
        raise ValueError(f"W_out has shape {W_out.shape}, expected ({2 * width}, {width})")
    return np.maximum(Z @ W_in, 0.0) @ W_out


IDENTITY_MISTAKES = [
    ("W_out adds the two units, relu(z) + relu(-z) = |z|: the second needs the weight -1",
     lambda Z, width: np.abs(Z)),
    ("only relu(z) comes through: a negative z is lost; the unit relu(-z) carries it",
     lambda Z, width: np.maximum(Z, 0.0)),
    ("only -relu(-z) comes through: a positive z is lost",
     lambda Z, width: np.minimum(Z, 0.0)),
    ("W_in = [I, I]: both units see z and their difference cancels; the second unit must see -z",
     lambda Z, width: np.zeros_like(Z)),
]


def check_identity_weights(student: object, *, rng: np.random.Generator | None = None) -> Verdict:
    """Exercise 4: ``identity_weights(width)`` returns ``(W_in, W_out)`` with relu(z W_in) W_out = z, for widths
    1, 3 and 4 on seeded rows z, or (``rng``, a grader's hidden test) for three widths and rows drawn from it."""
    exercise = "Exercise 4 (an identity layer)"
    if student is None or is_stub(student):
        return not_written(exercise, "`identity_weights` has no body yet.")
    if not callable(student):
        return Verdict(exercise, WRONG, [f"`identity_weights` is a {type(student).__name__}, not a function."])
    widths = (1, 3, 4) if rng is None else tuple(sorted(int(w) for w in check_rng(rng).choice(
        np.arange(2, 13), size=3, replace=False)))
    rng = np.random.default_rng(8) if rng is None else rng
    for width in widths:
        Z = np.vstack([np.full(width, 1.5), np.full(width, -0.7), rng.standard_normal((4, width))])  # both signs
        try:
            got = _passed_through(student(width), width, Z)
        except NotImplementedError:
            return not_written(exercise, "`identity_weights` raises NotImplementedError.")
        except Exception as exc:  # the student's bug: reported, never a traceback
            return Verdict(exercise, WRONG, [f"identity_weights({width}): {type(exc).__name__}: {exc}"])
        if not np.allclose(got, Z, rtol=1e-12, atol=1e-12):
            lines = [f"With identity_weights({width}), relu(z W_in) W_out is not z."]
            mistake = diagnose(got, Z, [(m, wrong(Z, width)) for m, wrong in IDENTITY_MISTAKES])
            if mistake:
                lines.append(f"It looks like {mistake}.")
            return Verdict(exercise, WRONG, lines)
    same = all(np.array_equal(np.asarray(a), b) for a, b in zip(student(3), identity_layer_weights(3)))
    shown = f"{', '.join(map(str, widths[:-1]))} and {widths[-1]}"
    return Verdict(exercise, RIGHT, [f"relu(z W_in) W_out = z for widths {shown}: relu(z) - relu(-z) = z. "
                                     f"{'The same weights as' if same else 'An identity layer too, like'} "
                                     "nl.expressivity.identity_layer_weights, which nl.expressivity.deepen uses "
                                     "to add layers that change nothing."])
