"""The checked exercises of notebook 06 (vanishing and exploding gradients).

Exercises 1, 2, 4 and 5 are predictions; exercise 3 is a function to write. Every expected answer is
computed here from nnlab's own pieces (the sigmoid's slope, the probe, the theory, the initialisers'
rule, the clipped-step bound), on the networks and settings of the notebook.
"""

from __future__ import annotations

import math

import numpy as np

from .._format import num
from .._validate import check_rng
from ..activations import sigmoid_grad
from ..gradients import DeepNet, probe, theory
from ..init import weight_std
from ..optim import SGD, clipped_step_bound
from .base import Verdict, check_choice, check_function, check_number

#: the deep sigmoid network of section 1, probed as the notebook probes it (seed 0)
SIGMOID_NET = DeepNet(depth=30, width=32, activation="sigmoid", init="normal", std=1.0)
#: exercise 4's network: section 1's ReLU network with Glorot's scale in place of He's
RELU_GLOROT_NET = DeepNet(depth=30, width=32, activation="relu", init="glorot_normal")
#: exercise 5's optimiser: section 5's SGD with clipping
CLIPPED_SGD = dict(lr=0.01, momentum=0.9, clip_norm=1.0)


def check_best_case_exponent(answer: object) -> Verdict:
    """Exercise 1: ``log10`` of the factor 29 sigmoid layers apply at their best slope, ``sigma'(0)^29``."""
    slope = float(sigmoid_grad(np.array(0.0)))
    layers = SIGMOID_NET.depth - 1
    expected = layers * math.log10(slope)
    why = (f"sigma'(0) = sigma(0)(1 - sigma(0)) = 1/2 * 1/2 = {num(slope)}, and log10(1/4) = {num(math.log10(slope))}: "
           f"{layers} layers give {layers} * ({num(math.log10(slope))}) = {num(expected, 2)}, a factor of "
           f"{slope ** layers:.1e}. That is the best case: every other q has a smaller slope.")
    thirty = (layers + 1) * math.log10(slope)
    slips = [
        (lambda a: math.isclose(a, thirty, abs_tol=0.1),
         f"That counts {layers + 1} factors: between the first of {layers + 1} layers and the last there are "
         f"{layers}."),
        (lambda a: math.isclose(a, layers * math.log10(0.5), abs_tol=0.1),
         "That uses sigma(0) = 1/2, the sigmoid's value; the chain multiplies its slope, sigma'(0)."),
        (lambda a: math.isclose(a, math.log10(slope * layers), abs_tol=0.1),
         f"That is log10(0.25 * {layers}): the factors multiply, so their logarithms add ({layers} of them)."),
        (lambda a: math.isclose(a, -expected, abs_tol=0.1),
         "The sign: a factor below 1 has a negative logarithm."),
        (lambda a: abs(a - expected) < 0.6 and not math.isclose(a, thirty, abs_tol=0.1),
         "Close: that is the power of ten rounded to a whole number; keep one decimal."),
        (lambda a: 0 < a < 1e-6,
         f"That is a factor itself (0.25^{layers} = {slope ** layers:.2g}), not its log10: write the power of ten, "
         f"log10(0.25^{layers}) = {layers} log10(0.25)."),
    ]
    return check_number(answer, expected, exercise="Exercise 1 (29 sigmoid slopes)", name="log10_factor",
                        why=why, slips=slips, rel=0, abs_tol=0.1)


def check_smallest_layer(answer: object) -> Verdict:
    """Exercise 2: which hidden layer of section 1's sigmoid network has the smallest weight gradient."""
    result = probe(SIGMOID_NET, rng=np.random.default_rng(0))
    norms = result.grad_norm
    smallest = int(np.argmin(norms)) + 1
    expected = "first" if smallest == 1 else "last" if smallest == SIGMOID_NET.depth else "middle"
    why = (f"||dL/dW_1|| = {norms[0]:.1e}, ||dL/dW_15|| = {norms[14]:.1e}, ||dL/dW_30|| = {norms[-1]:.1e}. The "
           "gradient that reaches layer d has passed one factor phi'(q_k) W_k^T for every layer k above it, and in "
           "this network each of them shrinks it on average (slopes of at most 1/4, many far below): layer 1, with "
           "29 of them, gets the smallest.")
    options = {
        "first": "Layer 1 has the most factors phi'(q) W^T between itself and the output.",
        "middle": "Layer 15 has 15 factors phi'(q) W^T between itself and the output, layer 1 has 29, and "
                  "each of them shrinks the gradient further.",
        "last": "The last hidden layer sits next to the output: no factor phi'(q) W^T of a layer above it has "
                "shrunk its gradient, so it is the largest, not the smallest.",
    }
    return check_choice(answer, expected, exercise="Exercise 2 (the smallest gradient)", name="smallest",
                        why=why, options=options)


def _he_reference(n_in: int, n_out: int) -> float:
    return weight_std("he_normal", n_in, n_out)


#: (n_in, n_out) of the checks; the first tells each typical mistake apart from the others
HE_CASES = [(50, 8), (32, 32), (2, 32), (784, 100), (1, 1)]


def check_he_std(student: object, *, rng: np.random.Generator | None = None) -> Verdict:
    """Exercise 3: ``he_std(n_in, n_out)``, the standard deviation He's initialisation draws weights with, on the
    layer sizes of ``HE_CASES``, or (``rng``, a grader's hidden test) on five drawn from it (fan-in and fan-out
    different, so that each typical mistake shows)."""
    cases = HE_CASES
    if rng is not None:
        sizes = check_rng(rng).integers(2, 1000, size=(5, 2))
        cases = [(int(n_in), int(n_out + (n_out == n_in))) for n_in, n_out in sizes]
    mistakes = [
        ("the variance 2 / n_in; the standard deviation is its square root",
         lambda n_in, n_out: 2.0 / n_in),
        ("Glorot's rule, sqrt(2 / (n_in + n_out)); He's divides by the fan-in n_in alone",
         lambda n_in, n_out: math.sqrt(2.0 / (n_in + n_out))),
        ("sqrt(2 / n_out): He's rule divides by the fan-in n_in, the number of terms each q sums",
         lambda n_in, n_out: math.sqrt(2.0 / n_out)),
        ("sqrt(1 / n_in) (LeCun's rule): He's factor 2 makes up for ReLU zeroing half of the units",
         lambda n_in, n_out: math.sqrt(1.0 / n_in)),
    ]
    verdict = check_function(student, _he_reference, cases, exercise="Exercise 3 (He's standard deviation)",
                             name="he_std", mistakes=mistakes)
    if verdict:
        verdict.lines.append(f"It agrees with nl.init.weight_std('he_normal', n_in, n_out): "
                             f"{num(_he_reference(32, 32))} for 32 inputs, {num(_he_reference(2, 32))} for 2.")
    return verdict


def check_relu_glorot_factor(answer: object) -> Verdict:
    """Exercise 4: the per-layer factor sqrt(n sigma_w^2 E[phi'^2]) for ReLU with Glorot's scale."""
    factor = float(np.sqrt(theory(RELU_GLOROT_NET).chain[1]))
    n = RELU_GLOROT_NET.width
    measured = probe(RELU_GLOROT_NET, rng=np.random.default_rng(0)).signal_ratio ** (1 / (RELU_GLOROT_NET.depth - 1))
    why = (f"Glorot's sigma_w^2 = 2 / ({n} + {n}) = 1/{n}, so n sigma_w^2 = 1, and phi' is 1 on the active half "
           f"of the units and 0 on the other: E[phi'^2] = 1/2. The factor is sqrt(1 * 1/2) = {num(factor)} per "
           f"layer, measured x{measured:.2f} on the {RELU_GLOROT_NET.depth} x {n} network; over 29 layers "
           f"{factor ** 29:.0e}.")
    slips = [
        (lambda a: math.isclose(a, factor**2, rel_tol=0.02),
         "That is the factor of the variance (the squared norm); the norm's factor is its square root."),
        (lambda a: math.isclose(a, 1.0, rel_tol=0.02),
         "That is He's factor: He doubles the variance to make up for the half of the units that is off."),
        (lambda a: math.isclose(a, 1 / factor, rel_tol=0.02),
         "Upside down: the gradient shrinks, so the factor is below 1."),
        (lambda a: math.isclose(a, 0.25, rel_tol=0.02),
         "1/4 is the sigmoid's best slope; ReLU's slope is 1 where the unit is on."),
        (lambda a: any(math.isclose(a, factor**k, rel_tol=0.03) for k in (28, 29, 30)),
         f"That is the factor over the whole network, {num(factor, 3)}^29 = {factor ** 29:.2g}; the question asks "
         "for the factor of one layer."),
    ]
    return check_number(answer, factor, exercise="Exercise 4 (ReLU with Glorot's scale)", name="factor",
                        why=why, slips=slips, rel=0.01)


def check_step_bound(answer: object) -> Verdict:
    """Exercise 5: the longest step SGD with momentum can take when every gradient is clipped."""
    lr, mu, c = CLIPPED_SGD["lr"], CLIPPED_SGD["momentum"], CLIPPED_SGD["clip_norm"]
    expected = clipped_step_bound(SGD(lr, momentum=mu, clip_norm=c))
    why = (f"The step is the velocity, v_t = -lr (g_t + mu g_(t-1) + mu^2 g_(t-2) + ...), and every g has norm at "
           f"most c, so ||v_t|| <= lr c (1 + mu + mu^2 + ...) = lr c / (1 - mu) = {num(lr)} * {num(c)} / "
           f"{num(1 - mu)} = {num(expected)}: {num(1 / (1 - mu))} times lr c, approached when the gradients keep "
           "pointing the same way.")
    slips = [
        (lambda a: math.isclose(a, lr * c, rel_tol=0.01),
         "That is lr c, the longest step without momentum: the velocity also carries the clipped gradients of "
         "the earlier steps."),
        (lambda a: math.isclose(a, lr * c * (1 - mu), rel_tol=0.01),
         "That multiplies by (1 - mu); the sum 1 + mu + mu^2 + ... is 1 / (1 - mu)."),
        (lambda a: math.isclose(a, lr * c * (1 + mu), rel_tol=0.01),
         "That counts one earlier gradient; the velocity keeps all of them, each shrunk by mu once more."),
        (lambda a: math.isclose(a, lr * c * mu / (1 - mu), rel_tol=0.01),
         "That leaves out the newest gradient: the sum starts at 1, then mu, mu^2, ..."),
        (lambda a: math.isclose(a, c, rel_tol=0.01),
         "That is the clipped gradient's norm; the step multiplies it by the learning rate."),
    ]
    return check_number(answer, expected, exercise="Exercise 5 (the longest clipped step)", name="longest_step",
                        why=why, slips=slips, rel=0.01)
