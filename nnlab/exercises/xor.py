"""The checked exercises of notebook 01 (XOR).

Exercise 1 predicts where the hand-set network puts the input (1, 1) in the hidden space; exercise 2
is the forward pass of the 2-2-1 ReLU network, checked against nnlab's own on several inputs;
exercise 3 chooses the one point that a change of one weight makes the hand-set network get wrong.
Every answer is computed here from the network, never typed in.
"""

from __future__ import annotations

import numbers

import numpy as np

from .._format import num
from .._validate import check_rng
from ..activations import relu
from ..data import xor
from ..layers import MLP, hidden_activations
from .base import LATER, NO_SLIP, WRONG, Verdict, check_choice, check_function, not_written

#: the notebook's hand-set solution: h1 = relu(x1 + x2), h2 = relu(x1 + x2 - 1), y_hat = h1 - 2 h2
W1, B1, W2, B2 = [[1.0, 1.0], [1.0, 1.0]], [0.0, -1.0], [[1.0], [-2.0]], [0.0]
#: the output above this is class 1 (the notebook's threshold for the hand-set network)
THRESHOLD = 0.5
#: exercise 3's change: the weight w12, from x1 into h2 (``W1[0][1]``), from 1 to this
W12_CHANGED = 2.0


def hand_set_network(w12: float = W1[0][1]) -> MLP:
    """The hand-set 2-2-1 network, with the weight from x1 into h2 set to ``w12``."""
    W = np.array(W1)
    W[0, 1] = w12
    return MLP.from_weights([W, W2], [B1, B2], "relu")


def _fmt(h: np.ndarray) -> str:
    return f"({', '.join(num(v, 4) for v in h)})"


def _plus(b: float) -> str:
    """A bias as a term of a sum: " + 0.5", " - 1", or nothing for 0."""
    return "" if b == 0 else f" {'-' if b < 0 else '+'} {num(abs(b))}"


# --- exercise 1: the hidden space --------------------------------------------------------------------
def check_hidden_point(answer: object) -> Verdict:
    """Exercise 1: the hidden-space point (h1, h2) of the input (1, 1) under the hand-set weights."""
    exercise, name = "Exercise 1 (where (1, 1) lands in the hidden space)", "h_11"
    if answer is None:
        return not_written(exercise, f"`{name}` is still None.")
    if isinstance(answer, numbers.Real) and not isinstance(answer, bool):
        return Verdict(exercise, WRONG, [f"{name} is one number, {num(answer, 6)}; the hidden space has two "
                                         "coordinates, one per hidden unit: write a pair (h1, h2).",
                                         "A single number is what the output unit makes of them: y_hat."])
    try:
        got = np.asarray(answer, dtype=np.float64)
    except (TypeError, ValueError):
        got = None
    if got is None or got.shape != (2,) or not np.all(np.isfinite(got)):
        return Verdict(exercise, WRONG, [f"`{name}` is {answer!r}; write two numbers, e.g. {name} = (0.5, 3)."])
    net = hand_set_network()
    point = np.array([[1.0, 1.0]])
    expected = hidden_activations(net, point)[0]
    why = (f"h1 = relu(1 + 1{_plus(B1[0])}) = {num(expected[0])} and h2 = relu(1 + 1{_plus(B1[1])}) = "
           f"{num(expected[1])}: (1, 1) lands at {_fmt(expected)}, away from (0, 0), where the other class-0 "
           "point lands, and on the far side of the output unit's line h1 - 2 h2 = 0.5.")
    if np.allclose(got, expected):
        return Verdict(exercise, "right", [f"{name} = {_fmt(got)}. {why}"])
    lines = [f"You wrote {_fmt(got)}; the answer is {_fmt(expected)}."]
    slips = [
        (relu(point @ np.array(W1))[0],
         "That leaves out the biases: h2's bias -1 is what makes it fire only where both inputs are on."),
        (expected[::-1], "The two units are swapped: h1 = relu(x1 + x2) comes first."),
        (hidden_activations(net, np.array([[0.0, 1.0]]))[0],
         "That is where (0, 1) and (1, 0) land; (1, 1) has both inputs on."),
        (hidden_activations(net, np.array([[0.0, 0.0]]))[0], "That is where (0, 0) lands."),
    ]
    named = [message for wrong, message in slips if np.allclose(got, wrong)]
    graded = [f"You wrote {_fmt(got)}; that is not the answer.", *(named or [NO_SLIP]), LATER]
    return Verdict(exercise, WRONG, [*lines, *named, why], graded_lines=graded)


# --- exercise 2: the forward pass --------------------------------------------------------------------
def reference_forward(X: np.ndarray, W1: np.ndarray, b1: np.ndarray, W2: np.ndarray, b2: np.ndarray) -> np.ndarray:
    """y_hat of the 2-2-1 ReLU network by nnlab's own layers, shape (N, 1)."""
    return MLP.from_weights([W1, W2], [b1, b2], "relu").forward(X)


def _forward_cases(rng: np.random.Generator | None = None) -> list[tuple[np.ndarray, ...]]:
    """The hand-set network on the four XOR points, then random networks on random inputs (seeded):
    W1 not symmetric, biases not zero, some outputs negative, so that each typical mistake shows. With ``rng``
    (a grader's hidden test): three random networks drawn from it instead, none of them seen in the notebook."""
    if rng is not None:
        sizes = check_rng(rng).integers(3, 9, size=3)
        return [(rng.standard_normal((n, 2)), rng.standard_normal((2, 2)), rng.standard_normal(2),
                 rng.standard_normal((2, 1)), rng.standard_normal(1)) for n in sizes]
    X, _ = xor()
    cases = [(X, np.array(W1), np.array(B1), np.array(W2), np.array(B2))]
    rng = np.random.default_rng(2024)
    for n in (5, 7):
        cases.append((rng.standard_normal((n, 2)), rng.standard_normal((2, 2)), rng.standard_normal(2),
                      rng.standard_normal((2, 1)), rng.standard_normal(1)))
    return cases


FORWARD_MISTAKES = [
    ("a forgotten ReLU: without it the hidden layer is linear and the whole network is one linear unit, "
     "which cannot do XOR", lambda X, W1, b1, W2, b2: (X @ W1 + b1) @ W2 + b2),
    ("a forgotten hidden bias b1: z = X W1 + b1", lambda X, W1, b1, W2, b2: relu(X @ W1) @ W2 + b2),
    ("a forgotten output bias b2: y_hat = h W2 + b2", lambda X, W1, b1, W2, b2: relu(X @ W1 + b1) @ W2),
    ("a transposed W1: in nnlab's layout W1 has shape (n_in, n_out) and z = X @ W1 + b1, not X @ W1.T",
     lambda X, W1, b1, W2, b2: relu(X @ W1.T + b1) @ W2 + b2),
    ("a ReLU on the output too: only the hidden layer has one, the output unit is linear",
     lambda X, W1, b1, W2, b2: relu(relu(X @ W1 + b1) @ W2 + b2)),
    ("a sigmoid on the output: y_hat here is the output unit's value itself (training puts the sigmoid "
     "into the loss)", lambda X, W1, b1, W2, b2: 1 / (1 + np.exp(-(relu(X @ W1 + b1) @ W2 + b2)))),
]


def check_forward(student: object, *, rng: np.random.Generator | None = None) -> Verdict:
    """Exercise 2: ``xor_forward(X, W1, b1, W2, b2)``, the forward pass of a 2-2-1 ReLU network, on the hand-set
    network and two seeded random ones, or (``rng``, a grader's hidden test) on three drawn from ``rng``."""
    verdict = check_function(student, reference_forward, _forward_cases(rng),
                             exercise="Exercise 2 (the forward pass)", name="xor_forward",
                             mistakes=FORWARD_MISTAKES)
    if any("has shape (" in line and ",), expected" in line for line in verdict.lines):
        verdict.lines.append("Return y_hat as a column, shape (N, 1), as nnlab's forward does: h @ W2 + b2 with W2 "
                             "of shape (2, 1) gives it.")
    if verdict:
        verdict.lines.append("It agrees with nnlab's MLP.from_weights([W1, W2], [b1, b2], 'relu').forward(X)" +
                             (", including the hand-set network on the four XOR points." if rng is None else
                              ", on random networks."))
    return verdict


# --- exercise 3: one weight changed ------------------------------------------------------------------
POINTS = [(0, 0), (0, 1), (1, 0), (1, 1)]


def _changed() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Inputs, labels, hidden points and outputs of the hand-set network with w12 = ``W12_CHANGED``."""
    X, y = xor()
    net = hand_set_network(W12_CHANGED)
    return X, y, hidden_activations(net, X), net.forward(X)[:, 0]


def broken_points() -> list[tuple[int, int]]:
    """The points the changed network classifies wrongly (output above ``THRESHOLD`` means class 1)."""
    X, y, _, y_hat = _changed()
    return [POINTS[i] for i in range(len(X)) if (y_hat[i] > THRESHOLD) != bool(y[i])]


def check_broken_point(answer: object) -> Verdict:
    """Exercise 3: which point the hand-set network gets wrong once w12 (x1 into h2) is 2 instead of 1."""
    _, y, H, y_hat = _changed()
    (expected,) = broken_points()  # the exercise is built so that exactly one point breaks

    def story(i: int) -> str:
        x1, x2 = POINTS[i]
        side = "above" if y_hat[i] > THRESHOLD else "below"
        return (f"({x1}, {x2}): h2 = relu({num(W12_CHANGED)}*{x1} + {x2} - 1) = {num(H[i, 1])}, so "
                f"y_hat = {num(H[i, 0])} - 2*{num(H[i, 1])} = {num(y_hat[i])}, {side} 0.5: class "
                f"{int(y_hat[i] > THRESHOLD)}, and its label is {int(y[i])}.")

    options: dict[object, str] = {p: f"That one is still right: {story(i)}" for i, p in enumerate(POINTS)}
    options["none"] = "One point breaks: h2 now fires where x1 is on, even without x2."
    i = POINTS.index(expected)
    why = (f"{story(i)} w12 matters only where x1 = 1. At (1, 0) h2 now fires (before, it needed both inputs "
           f"on) and its weight -2 outweighs the 1 that h1 gives; at (1, 1) h2 grows to {num(H[3, 1])} and y_hat "
           f"falls to {num(y_hat[3])}, further on the side of class 0, which is right there.")
    if isinstance(answer, (list, np.ndarray)):
        answer = tuple(np.asarray(answer).tolist())
    if isinstance(answer, tuple):
        answer = tuple(int(v) if isinstance(v, numbers.Real) and float(v).is_integer() else v for v in answer)
    elif answer is not None and not isinstance(answer, str):
        answer = repr(answer)  # not a point: check_choice lists what it can be
    return check_choice(answer, expected, exercise="Exercise 3 (which point breaks)", name="broken_point",
                        why=why, options=options)
