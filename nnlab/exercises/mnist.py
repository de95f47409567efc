"""The checked exercises of notebook 04 (MNIST 3 vs 8).

Exercise 1 asks for the error rate of a classifier from its predictions, exercise 2 for the hidden
layer's forward pass on one image; exercises 3 and 4 are predictions: which digit a unit with a
positive output weight votes for, and how many weights of the always-blank pixels training changes.
Every answer is computed here, from the notebook's data and network.
"""

from __future__ import annotations

import numpy as np

from .._validate import check_rng
from ..data import CLASS_NAMES
from ..layers import Sequential, check_mlp, hidden_activations
from ..mnist import output_weights
from .base import Verdict, check_choice, check_function, check_number, one_number


# --- exercise 1: the error rate ----------------------------------------------------------------------
def _error_rate(y_hat: np.ndarray, y: np.ndarray) -> float:
    return float(np.mean(np.asarray(y_hat) != np.asarray(y)))


def _error_mistakes(test_error: float) -> list:
    """The typical wrong answers; the percentage's message quotes the network's own test error."""
    return [
        ("the accuracy, the share of right answers: the error is 1 minus it",
         lambda y_hat, y: 1 - _error_rate(y_hat, y)),
        ("the number of mistakes: divide by the number of digits for the share",
         lambda y_hat, y: float(np.sum(np.asarray(y_hat) != np.asarray(y)))),
        (f"a percentage: return the fraction ({test_error:.4f}, not {100 * test_error:.2f}); the notebook "
         "multiplies by 100 to print it",
         lambda y_hat, y: 100 * _error_rate(y_hat, y)),
    ]


def check_error_rate(student: object, y_hat_test: np.ndarray, y_test: np.ndarray, y_hat_train: np.ndarray,
                     y_train: np.ndarray, *, rng: np.random.Generator | None = None) -> Verdict:
    """Exercise 1: ``error_rate(y_hat, y)``, the fraction of predictions that differ from the labels: on a small
    example and the network's test and training predictions, or (``rng``, a grader's hidden test) on three
    random sets of predictions and labels drawn from it, each with some of them wrong."""
    if rng is None:
        cases = [(np.array([0, 1, 1, 0]), np.array([0, 1, 0, 0])),  # one of four wrong: 0.25
                 (np.asarray(y_hat_test), np.asarray(y_test)), (np.asarray(y_hat_train), np.asarray(y_train))]
    else:
        cases = []
        for n in check_rng(rng).integers(5, 400, size=3):
            y = rng.integers(0, 2, size=n)
            flip = rng.random(n) < rng.uniform(0.05, 0.45)
            flip[0] = True  # at least one wrong, so that the error and the accuracy differ from 0 and 1
            cases.append((np.where(flip, 1 - y, y), y))
    mistakes = _error_mistakes(_error_rate(y_hat_test, y_test))
    return one_number(check_function(student, _error_rate, cases, exercise="Exercise 1 (the error rate)",
                                     name="error_rate", mistakes=mistakes))


# --- exercise 2: one image through the hidden layer ------------------------------------------------------
def _hidden_layer(x: np.ndarray, W: np.ndarray, c: np.ndarray) -> np.ndarray:
    return np.maximum(W.T @ x + c, 0.0)


HIDDEN_MISTAKES = [
    ("the pre-activation W^T x + c without the ReLU: negative values must become 0",
     lambda x, W, c: W.T @ x + c),
    ("a forgotten bias: add c before the ReLU", lambda x, W, c: np.maximum(W.T @ x, 0.0)),
    ("the bias added after the ReLU: relu(W^T x + c), not relu(W^T x) + c",
     lambda x, W, c: np.maximum(W.T @ x, 0.0) + c),
    ("a sigmoid instead of the ReLU", lambda x, W, c: 1 / (1 + np.exp(-(W.T @ x + c)))),
]


def check_hidden_layer(student: object, net: Sequential, X: np.ndarray, *,
                       rng: np.random.Generator | None = None) -> Verdict:
    """Exercise 2: ``hidden_layer(x, W, c)`` against ``relu(W^T x + c)``, with the network's own weights.

    The inputs: the first three images of ``X`` with the weights and biases of ``net``'s first layer,
    and one made-up case whose pre-activations are of both signs; with ``rng`` (a grader's hidden test), three
    images of ``X`` picked by it and a made-up case of random size drawn from it. All in float64, so that the
    order in which a product is summed does not matter.
    """
    check_mlp(net)
    W = np.asarray(net.dense_layers[0].params["W"], dtype=np.float64)
    c = np.asarray(net.dense_layers[0].params["b"], dtype=np.float64)
    X = np.asarray(X, dtype=np.float64)
    if rng is None:
        made_up = (np.linspace(0, 1, 6), np.arange(18.0).reshape(6, 3) / 10 - 0.8, np.array([0.5, -4.0, 1.0]))
        picked = range(min(3, len(X)))
    else:
        n, k = check_rng(rng).integers(4, 12), rng.integers(2, 7)
        made_up = (rng.random(n), rng.standard_normal((n, k)), rng.standard_normal(k))
        picked = rng.choice(len(X), size=min(3, len(X)), replace=False)
    cases = [(X[i], W, c) for i in picked] + [made_up]
    verdict = check_function(student, _hidden_layer, cases, exercise="Exercise 2 (one image through the "
                             "hidden layer)", name="hidden_layer", mistakes=HIDDEN_MISTAKES)
    text = " ".join(verdict.lines)
    if "raised ValueError" in text and ("matmul" in text or "shapes" in text or "aligned" in text):
        verdict.lines.append(f"W has shape (784, {W.shape[1]}), one column per unit: W.T @ x (or x @ W) has "
                             f"one entry per unit, shape ({W.shape[1]},).")
    elif "has shape ()" in text:
        verdict.lines.append("np.max(z, 0) takes the largest entry; the ReLU is elementwise: np.maximum(z, 0).")
    return verdict


# --- exercise 3: which digit does a unit vote for? ---------------------------------------------------------
def check_vote(answer: object, net: Sequential, X: np.ndarray, y: np.ndarray) -> Verdict:
    """Exercise 3: the digit a hidden unit with a positive output weight votes for when it is active.

    The answer follows from the labels (1 for an 8): a positive weight times an active unit raises the
    logit, and with it P(8 | x). The explanation shows the network's own units doing it.
    """
    expected = int(CLASS_NAMES[1])
    if isinstance(answer, str) and answer.strip() in CLASS_NAMES:
        answer = int(answer.strip())
    beta = output_weights(net)
    H = hidden_activations(net, X).astype(np.float64)
    y = np.asarray(y)
    positive = [k for k in range(len(beta)) if beta[k] > 0]
    shown = ", ".join(f"unit {k + 1} (beta = {beta[k]:+.2f}) averages {H[y == 1, k].mean():.2f} on the 8s and "
                      f"{H[y == 0, k].mean():.2f} on the 3s" for k in positive)
    why = (f"With label 1 for an 8, an active unit adds beta_k h_k to the logit, and a larger logit means a larger "
           f"P(8 | x) = sigmoid(logit): a unit with beta_k > 0 votes {CLASS_NAMES[1]}, one with beta_k < 0 votes "
           f"{CLASS_NAMES[0]}." + (f" In this network {shown}." if shown else ""))
    options = {
        int(CLASS_NAMES[1]): "",
        int(CLASS_NAMES[0]): f"A positive weight raises the logit, and the label of a {CLASS_NAMES[0]} is 0: a "
                             f"larger logit moves P(label 1) = P({CLASS_NAMES[1]}) up, away from {CLASS_NAMES[0]}.",
        "depends": "How strongly it votes depends on the image (h_k is larger for some images than for others, "
                   "and 0 where the unit is off), but not for which digit: the sign of beta_k h_k is the sign "
                   "of beta_k.",
    }
    return check_choice(answer, expected, exercise="Exercise 3 (which digit does it vote for?)",
                        name="positive_unit_votes_for", why=why, options=options)


# --- exercise 4: the weights of the blank pixels -------------------------------------------------------------
def check_blank_weights(answer: object, net: Sequential, W_start: np.ndarray, X_raw: np.ndarray) -> Verdict:
    """Exercise 4: how many first-layer weights of the pixels blank in every training image training changed.

    Parameters
    ----------
    net : MLP
        The trained network.
    W_start : array, shape (784, n_units)
        Its first-layer weights before training.
    X_raw : array, shape (N, 784)
        The training images (blank means 0 in every one of them).
    """
    blank = np.all(np.asarray(X_raw) == 0, axis=0)
    W = net.dense_layers[0].params["W"]
    n_units = W.shape[1]
    expected = int(np.sum(W[blank] != np.asarray(W_start)[blank]))
    n_blank = int(blank.sum())
    why = (f"dL/dW_jk = sum_i x_ij delta_ik, and x_ij = 0 for every training image i when pixel j is blank: the "
           f"gradient of all {n_blank} x {n_units} = {n_blank * n_units} of their weights is exactly 0 in every "
           "batch. Adam moves a weight by lr m_hat / (sqrt(s_hat) + eps), where m_hat = m / (1 - beta1^t) and m is "
           f"the running mean of its gradient: m stays 0, so {expected} of them change.")
    slips = [
        (lambda a: a == n_blank * n_units, f"That is all {n_blank} x {n_units} of them; what is their gradient?"),
        (lambda a: a == n_blank, "That is one per blank pixel; what is the gradient of a weight whose input "
                                 "is always 0?"),
        (lambda a: a == n_units, "That is one per unit; what is the gradient of a weight whose input is "
                                 "always 0?"),
    ]
    return check_number(answer, expected, exercise="Exercise 4 (the blank pixels' weights)",
                        name="blank_weights_changed", why=why, slips=slips, rel=0, abs_tol=0.5)
