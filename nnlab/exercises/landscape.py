"""The checked exercises of notebook 05 (the loss is not convex).

Exercise 1 is the loss a quarter of the way along the line between the lecture's two minima;
exercise 2 is ``rescale`` for the two-point network, checked against ``nnlab.landscape.rescale``;
exercise 3 is the c at which the rescaled minimum has sharpness 10, checked with nnlab's measured
sharpness; exercise 4 asks which kind of minimum does better on fresh data, answered by the runs
themselves. Every answer is computed here, never typed in.
"""

from __future__ import annotations

import numbers

import numpy as np

from .._format import num
from .._validate import check_rng
from ..data import two_point_data
from ..landscape import Objective, loss_along_line, rescale, sharpness, two_point_model
from ..runs import Runs
from .base import RIGHT, WRONG, Verdict, check_choice, check_function, check_number, not_written

#: exercise 1's point on the line: alpha = 1 is theta, alpha = 0 is theta'
ALPHA = 0.25
#: exercise 3's target sharpness, and how close the measured sharpness at the answer must come to it
TARGET_SHARPNESS, SHARPNESS_TOL = 10.0, 0.05
#: exercise 4: a run whose final training loss is below this drew a wiggly fit, otherwise a straight line
WIGGLY_BELOW = 0.3


def two_point_objective() -> tuple[Objective, np.ndarray, np.ndarray]:
    """The lecture's objective and its two minima theta = [-1, 1, -1, 1] and theta' = -theta."""
    X, y = two_point_data()
    model = two_point_model((-1, 1), (-1, 1))
    theta = model.get_params_vector()
    theta_prime = two_point_model((1, -1), (1, -1)).get_params_vector()
    return Objective(model, X, y, loss="mse"), theta, theta_prime


# --- exercise 1: the loss at alpha = 1/4 ---------------------------------------------------------------
def check_quarter_loss(answer: object) -> Verdict:
    """Exercise 1: L(alpha theta + (1 - alpha) theta') at alpha = 1/4, computed by hand."""
    objective, theta, theta_prime = two_point_objective()
    expected = float(loss_along_line(objective, theta, theta_prime, [ALPHA])[0])
    point = ALPHA * theta + (1 - ALPHA) * theta_prime
    y_hat = objective.predict(point)[:, 0]
    error = 1 - y_hat[0]
    why = (f"At alpha = 1/4 the point is (2 alpha - 1) theta = -theta/2: w = [{num(point[0])}, {num(point[1])}], "
           f"beta = [{num(point[2])}, {num(point[3])}]. Both layers shrink by a half, so y_hat shrinks by a quarter: "
           f"y_hat(1) = {num(y_hat[0])}, y_hat(-1) = {num(y_hat[1])}. Each error is {num(error)}, each squared error "
           f"{num(error**2)}, and their mean is {num(expected)} = 16 alpha^2 (1 - alpha)^2.")
    slips = [
        (lambda a: np.isclose(a, 2 * expected), "That is the sum of the two squared errors; the loss is their mean "
                                                "(N = 2)."),
        (lambda a: np.isclose(a, error), "That is the error itself; the loss squares it."),
        (lambda a: np.isclose(a, ALPHA), "That is alpha itself, or the loss if y_hat were +-1/2: but both w and "
                                         "beta shrink by a half, so y_hat = +-1/4."),
        (lambda a: np.isclose(a, 0.0), "That is the chord: both ends have loss 0, and the curve lies above it."),
        (lambda a: np.isclose(a, float(loss_along_line(objective, theta, theta_prime, [0.5])[0])),
         "That is the loss at the midpoint, alpha = 1/2, where every weight is 0."),
    ]
    return check_number(answer, expected, exercise="Exercise 1 (the loss at alpha = 1/4)", name="loss_quarter",
                        why=why, slips=slips)


# --- exercise 2: rescale -------------------------------------------------------------------------------
def reference_rescale(theta: np.ndarray, c: float) -> np.ndarray:
    """(c w, beta / c) for the two-point network, by ``nnlab.landscape.rescale``."""
    return rescale(two_point_model(), theta, c)


def _rescale_cases(rng: np.random.Generator | None = None) -> list[tuple[np.ndarray, float]]:
    """The lecture's theta, then random parameter vectors (seeded), with c above and below 1; with ``rng`` (a
    grader's hidden test) three random vectors and values of c drawn from it, one c below 1."""
    if rng is not None:
        cs = [float(check_rng(rng).uniform(0.1, 0.9)), *rng.uniform(1.2, 8.0, size=2)]
        return [(rng.standard_normal(4), float(c)) for c in cs]
    rng = np.random.default_rng(5)
    _, theta, _ = two_point_objective()
    return [(theta, 2.0), (rng.standard_normal(4), 0.5), (rng.standard_normal(4), 3.7)]


def _halves(f):
    """A mistake written on (w, beta): theta = [w_1, w_2, beta_1, beta_2] -> the wrong vector."""
    return lambda theta, c: np.concatenate(f(np.asarray(theta[:2]), np.asarray(theta[2:]), c))


RESCALE_MISTAKES = [
    ("beta multiplied by c too: (c w, c beta) is the network times c^2, not the same network",
     _halves(lambda w, beta, c: (c * w, c * beta))),
    ("the rescaling by 1/c, (w / c, c beta): the same network too, but not the (c w, beta / c) asked for",
     _halves(lambda w, beta, c: (w / c, c * beta))),
    ("w scaled but beta left alone: the output is then c times as large; divide beta by c",
     _halves(lambda w, beta, c: (c * w, beta))),
    ("beta divided by c but w left alone: the output is then c times smaller; multiply w by c",
     _halves(lambda w, beta, c: (w, beta / c))),
    ("beta divided by c^2: relu(c z) = c relu(z) needs only one 1/c", _halves(lambda w, beta, c: (c * w, beta / c**2))),
]


def check_rescale(student: object, *, rng: np.random.Generator | None = None) -> Verdict:
    """Exercise 2: ``my_rescale(theta, c)`` = (c w, beta / c) for theta = [w_1, w_2, beta_1, beta_2], on the
    lecture's theta and two seeded random ones, or (``rng``, a grader's hidden test) on three drawn from it."""
    verdict = check_function(student, reference_rescale, _rescale_cases(rng), exercise="Exercise 2 (rescale)",
                             name="my_rescale", mistakes=RESCALE_MISTAKES)
    if verdict:
        objective, theta, _ = two_point_objective()
        x = np.linspace(-2, 2, 9)[:, None]
        same = np.allclose(objective.predict(np.asarray(student(theta.copy(), 10.0), float), x),
                           objective.predict(theta, x))
        verdict.lines.append(f"It agrees with nl.landscape.rescale; at c = 10 the network computes "
                             f"{'the same' if same else 'another'} function on x = -2 ... 2, with the same loss, "
                             "and only the curvature around it changes.")
    return verdict


# --- exercise 3: the c at which the sharpness is 10 ---------------------------------------------------
def _c_for_target() -> tuple[float, float]:
    """The two c > 0 with c^2 + 1/c^2 = TARGET_SHARPNESS: c^4 - 10 c^2 + 1 = 0 (small, large)."""
    c2 = np.roots([1.0, -TARGET_SHARPNESS, 1.0]).real
    small, large = np.sqrt(np.sort(c2))
    return float(small), float(large)


def measured_sharpness(c: float) -> float:
    """nnlab's sharpness (dense Hessian) at the minimum theta rescaled to (c w, beta / c)."""
    objective, theta, _ = two_point_objective()
    return sharpness(objective, rescale(two_point_model(), theta, c))


def check_sharpness_c(answer: object) -> Verdict:
    """Exercise 3: a c > 0 at which the rescaled minimum (c w, beta / c) has sharpness 10.

    Right when nnlab's measured sharpness at the answer is within ``SHARPNESS_TOL`` of 10 (for the c
    above 1, two decimals are enough; its reciprocal is right too).
    """
    exercise, name = "Exercise 3 (the c with sharpness 10)", "c_sharp_10"
    if answer is None:
        return not_written(exercise, f"`{name}` is still None.")
    small, large = _c_for_target()
    number = isinstance(answer, numbers.Real) and not isinstance(answer, bool) and np.isfinite(float(answer))
    if number and answer <= 0:
        return Verdict(exercise, WRONG, [f"You wrote {num(answer, 6)}; c must be positive: relu(c z) = c relu(z) "
                                         "holds only for c > 0, so only then is (c w, beta / c) the same network."])

    def at(c: float) -> str:
        return f"nnlab measures sharpness {num(measured_sharpness(c), 2)} at c = {num(c, 4)}"

    why = (f"c^2 + 1/c^2 = 10 is c^4 - 10 c^2 + 1 = 0, so c^2 = 5 +- sqrt(24): c = {num(large, 4)} "
           f"(sqrt 2 + sqrt 3) or its reciprocal {num(small, 4)} (sqrt 3 - sqrt 2).")
    if number and abs(measured_sharpness(float(answer)) - TARGET_SHARPNESS) <= SHARPNESS_TOL:
        lines = [f"{name} = {num(answer, 6)}: {at(float(answer))}. {why}"]
        if answer < 1:
            lines.append("The reciprocal works as well as c: c and 1/c give the same sharpness.")
        return Verdict(exercise, RIGHT, lines)
    known = {np.sqrt(TARGET_SHARPNESS): "That solves c^2 = 10 and forgets the 1/c^2 that beta / c adds",
             np.sqrt(TARGET_SHARPNESS / 2): "That solves 2 c^2 = 10, as if beta were multiplied by c; it is divided",
             TARGET_SHARPNESS: "The sharpness grows like c^2, not like c"}
    slips = [(lambda a, c=c: np.isclose(a, c), f"{message}: {at(c)}.") for c, message in known.items()]
    if number and not any(np.isclose(float(answer), c) for c in known):
        slips.append((lambda a: True, f"{at(float(answer))}, not 10."))
    return check_number(answer, small if number and answer < 1 else large, exercise=exercise, name=name,
                        why=why, rel=0, abs_tol=0, slips=slips)


# --- exercise 4: which minimum does better on fresh data ----------------------------------------------
def fresh_losses(runs: Runs, fresh: Objective) -> np.ndarray:
    """The loss of every run's end point on fresh data (an objective on other samples), shape (R,)."""
    return np.array([fresh(theta) for theta in runs.thetas])


def check_better_on_fresh_data(answer: object, runs: Runs, fresh: Objective) -> Verdict:
    """Exercise 4: which kind of end point of ``runs`` has the lower median loss on the fresh data of
    ``fresh``: ``"wiggly"`` (training loss below ``WIGGLY_BELOW``) or ``"straight"`` (the others)."""
    wiggly = runs.losses < WIGGLY_BELOW
    if wiggly.all() or not wiggly.any():
        raise ValueError("runs: expected end points of both kinds, wiggly fits and straight lines")
    on_test, sharp = fresh_losses(runs, fresh), runs.sharpness()
    test_w, test_s = np.median(on_test[wiggly]), np.median(on_test[~wiggly])
    sharp_w, sharp_s = np.median(sharp[wiggly]), np.median(sharp[~wiggly])
    expected = "wiggly" if test_w < test_s else "straight"
    flatter = "straight lines" if sharp_s < sharp_w else "wiggly fits"
    facts = (f"On {len(fresh.X)} fresh points the wiggly fits have median loss {num(test_w, 3)}, the straight "
             f"lines {num(test_s, 3)} (median sharpness: wiggly {num(sharp_w, 1)}, straight {num(sharp_s, 1)}).")
    options = {
        "wiggly": "The wiggly fits are the sharper minima, and here they do worse on fresh points.",
        "straight": (f"The {flatter} are the flatter minima, which the lecture ties to simpler models; here the "
                     "simpler model is too simple for a sine and misses it on fresh points as on the training "
                     "points."),
    }
    why = (f"{facts} The sharper minimum is the better one here: flatness alone does not say which minimum "
           "generalises.") if expected == "wiggly" else facts
    return check_choice(answer, expected, exercise="Exercise 4 (flat or sharp on fresh data)", name="better",
                        why=why, options=options)
