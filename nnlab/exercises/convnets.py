"""The checked exercises of notebook 09 (ten classes and convolution).

Exercise 1 is the gradient of the softmax cross-entropy with respect to the logits, written by the student and run
against ``nnlab.softmax_cross_entropy`` (at logits of 1000 too, where a softmax without the max subtracted overflows);
exercise 2 an output size by hand, (N + 2P - F)/S + 1; exercise 3 the parameter count of a second convolution layer;
exercise 4 the gradient of one filter, written by the student and run against ``nnlab.conv.Conv2D.backward``. Every
answer is computed here, never typed in.
"""

from __future__ import annotations

import numpy as np

from .._validate import check_rng
from ..conv import Conv2D, conv_output_size, conv_params
from ..convnets import naive_softmax, one_hot
from ..losses import softmax, softmax_cross_entropy
from .base import WRONG, Verdict, check_function, check_number

#: exercise 2: a 28 x 28 MNIST digit, 5 x 5 filters, stride 3, padding 2 (every typical slip gives another number)
SIZE_N, SIZE_F, SIZE_S, SIZE_P = 28, 5, 3, 2
#: exercise 3: the second layer of a small network on MNIST: 16 filters of 3 x 3 on 8 maps of 14 x 14
PARAMS_SIDE, PARAMS_DEPTH, PARAMS_FILTERS, PARAMS_F = 14, 8, 16, 3


# --- exercise 1: the gradient of softmax cross-entropy ------------------------------------------------------------
def _softmax_grad(z: np.ndarray, y: np.ndarray) -> np.ndarray:
    return softmax_cross_entropy(z, y)[1]


SOFTMAX_MISTAKES = [
    ("softmax(z) alone: subtract the one-hot labels, p - onehot(y)", lambda z, y: softmax(z) / len(z)),
    ("the gradient of one sample: the loss is the mean over the N samples, so divide by N",
     lambda z, y: softmax(z) - one_hot(y, z.shape[1])),
    ("the softmax taken down the columns (axis=0): each row, one sample's logits, must sum to 1",
     lambda z, y: (np.exp(z) / np.exp(z).sum(axis=0) - one_hot(y, z.shape[1])) / len(z)),
    ("a sigmoid of each logit: with K classes the probabilities come from the softmax of the whole row",
     lambda z, y: (1 / (1 + np.exp(-z)) - one_hot(y, z.shape[1])) / len(z)),
]


def _softmax_cases(rng: np.random.Generator | None = None) -> list[tuple[np.ndarray, np.ndarray]]:
    """One sample of three classes, five of ten (seeded), two with logits of +-1000; with ``rng`` (a grader's hidden
    test) three batches of random size drawn from it, the last again with logits around 1000."""
    if rng is not None:
        cases = []
        for scale in (1.0, 3.0, 1000.0):
            n, k = (int(v) for v in check_rng(rng).integers(2, 12, size=2))
            cases.append((scale * rng.standard_normal((n, k)) + (scale if scale > 100 else 0), rng.integers(0, k, n)))
        return cases
    rng = np.random.default_rng(9)
    return [(np.array([[2.0, 1.0, 0.1]]), np.array([0])),
            (rng.standard_normal((5, 10)), np.array([3, 0, 9, 3, 7])),
            (np.array([[1000.0, 1001.0, 1002.0], [-1000.0, 0.0, 1000.0]]), np.array([2, 1]))]


def check_softmax_grad(student: object, *, rng: np.random.Generator | None = None) -> Verdict:
    """Exercise 1: ``softmax_ce_grad(z, y)``, dL/dz = (softmax(z) - onehot(y)) / N for logits z (N, K), labels y (N,).

    The last test input has logits of 1000: a softmax computed as exp(z) / sum(exp(z)) overflows there (inf / inf is
    NaN), and the verdict says so. With ``rng`` (a grader's hidden test) the inputs are drawn from it.
    """
    cases = _softmax_cases(rng)
    with np.errstate(over="ignore", invalid="ignore"):
        verdict = check_function(student, _softmax_grad, cases, exercise="Exercise 1 (the softmax gradient)",
                                 name="softmax_ce_grad", mistakes=SOFTMAX_MISTAKES)
        if verdict.status == WRONG:
            z, y = cases[-1]
            try:
                overflowed = not np.isfinite(np.asarray(student(z.copy(), y.copy()), dtype=np.float64)).all()
            except Exception:  # the verdict already reports what went wrong
                overflowed = False
            if overflowed:
                verdict.lines.append(f"At logits of 1000 your result is NaN: exp(1000) overflows (exp(z) / sum exp(z) "
                                     f"gives {np.round(naive_softmax(z[0]), 3).tolist()}). Subtract each row's largest "
                                     "logit first, z - z.max(axis=1, keepdims=True): the same softmax, no overflow.")
    if verdict.passed:
        verdict.lines.append("dL/dz_k = p_k - [k = y] for one sample: the softmax's output minus the one-hot label, "
                             "divided by N for the mean; the same shortcut as sigmoid with binary cross-entropy.")
    return verdict


# --- exercise 2: an output size -----------------------------------------------------------------------------------
def check_output_size(answer: object) -> Verdict:
    """Exercise 2: the output side of a 5 x 5 filter with stride 3 and padding 2 over a 28 x 28 image."""
    n, f, s, p = SIZE_N, SIZE_F, SIZE_S, SIZE_P
    expected = conv_output_size(n, f, s, p)
    why = f"(N + 2P - F)/S + 1 = ({n} + 2 x {p} - {f})/{s} + 1 = {(n + 2 * p - f) // s} + 1 = {expected}."
    slips = [
        (lambda a: np.isclose(a, (n + 2 * p - f) / s), "That is (N + 2P - F)/S without the + 1: it counts the steps, "
                                                       "and the filter has one more position than steps."),
        (lambda a: np.isclose(a, (n - f) / s + 1), "That leaves out the padding: the filter slides over the padded "
                                                   "input, N + 2P wide."),
        (lambda a: np.isclose(a, (n + p - f) / s + 1), "That pads one side only: P zeros go on each side, 2P in all."),
        (lambda a: np.isclose(a, n + 2 * p - f + 1), f"That is the size at stride 1, N + 2P - F + 1 (here also the "
                                                     f"input's {n}): divide the steps by S."),
    ]
    return check_number(answer, expected, exercise="Exercise 2 (an output size)", name="output_side", why=why,
                        slips=slips, rel=0, abs_tol=1e-9)


# --- exercise 3: a layer's parameters -----------------------------------------------------------------------------
def check_param_count(answer: object) -> Verdict:
    """Exercise 3: the parameters of 16 filters of 3 x 3 on an input of 14 x 14 x 8."""
    c, k, f, side = PARAMS_DEPTH, PARAMS_FILTERS, PARAMS_F, PARAMS_SIDE
    expected = conv_params(c, k, f)
    why = (f"Each filter extends the full depth of its input: {f} x {f} x {c} = {f * f * c} weights and 1 bias, "
           f"{f * f * c + 1} parameters; {k} filters: {f * f * c + 1} x {k} = {expected}. The input's {side} x {side} "
           "does not enter: every position uses the same filters.")
    slips = [
        (lambda a: a == conv_params(c, k, f, bias=False), "That forgets the biases: one per filter."),
        (lambda a: a == conv_params(1, k, f), f"That is a filter {f} x {f} x 1: the filters extend the full depth of "
                                              f"the input, {c} maps."),
        (lambda a: a == conv_params(c, 1, f), f"That is one filter: there are {k}."),
        (lambda a: a == expected * side * side, "That counts the filter again at every position: the positions share "
                                                "the same weights."),
        (lambda a: a == f * f * c * k + c, "The biases are one per filter (per output map), not per input map."),
    ]
    return check_number(answer, expected, exercise="Exercise 3 (a layer's parameters)", name="n_params", why=why,
                        slips=slips, rel=0, abs_tol=0.5)


# --- exercise 4: one filter's gradient ----------------------------------------------------------------------------
def _filter_grad(x: np.ndarray, dout: np.ndarray) -> np.ndarray:
    f = x.shape[0] - dout.shape[0] + 1
    layer = Conv2D(1, 1, f, W=np.zeros((1, 1, f, f)))
    layer.forward(x[None, None])
    layer.backward(dout[None, None])
    return layer.grads["W"][0, 0]


FILTER_MISTAKES = [
    ("the true convolution's gradient (the filter flipped): the layer computes dot products with the filter as it "
     "is, so entry (p, q) pairs with the pixel p rows and q columns into each patch", lambda x, d: _filter_grad(x, d)
     [::-1, ::-1]),
    ("the mean over the positions: each position adds its own term to the gradient, so sum them",
     lambda x, d: _filter_grad(x, d) / d.size),
    ("rows and columns swapped (the transpose): entry (p, q) is the pixel p rows down and q columns right in each "
     "patch", lambda x, d: _filter_grad(x, d).T),
    ("the upstream gradient times the first patch only: the filter is used at every position, and each use adds to "
     "its gradient", lambda x, d: d[0, 0] * x[:x.shape[0] - d.shape[0] + 1, :x.shape[1] - d.shape[1] + 1]),
]


def _filter_cases(rng: np.random.Generator | None = None) -> list[tuple[np.ndarray, np.ndarray]]:
    """A 5 x 5 image of 0 to 2.4 and a 3 x 3 filter, then two seeded random ones; with ``rng`` (a grader's hidden
    test) three square images and filter sizes drawn from it."""
    if rng is not None:
        cases = []
        for _ in range(3):
            side = int(check_rng(rng).integers(4, 11))
            f = int(rng.integers(2, side))
            cases.append((rng.standard_normal((side, side)), rng.standard_normal((side - f + 1, side - f + 1))))
        return cases
    rng = np.random.default_rng(4)
    return [(np.arange(25.0).reshape(5, 5) / 10, np.array([[1.0, 0, 0], [0, 0, 0], [0, 0, -1]])),
            (rng.standard_normal((7, 7)), rng.standard_normal((5, 5))),
            (rng.standard_normal((8, 8)), rng.standard_normal((4, 4)))]


def check_filter_grad(student: object, *, rng: np.random.Generator | None = None) -> Verdict:
    """Exercise 4: ``filter_grad(x, dout)``, dL/dW of one F x F filter slid with stride 1 and no padding over one
    image ``x`` (H, W), given the upstream gradient ``dout`` of its map (H - F + 1, W - F + 1); with ``rng`` (a
    grader's hidden test) on images and filter sizes drawn from it."""
    verdict = check_function(student, _filter_grad, _filter_cases(rng), exercise="Exercise 4 (one filter's gradient)",
                             name="filter_grad", mistakes=FILTER_MISTAKES)
    if verdict.passed:
        verdict.lines.append("out[i, j] = sum_pq W[p, q] x[i + p, j + q], so dL/dW[p, q] = sum_ij dout[i, j] "
                             "x[i + p, j + q]: the image correlated with the upstream gradient. It agrees with "
                             "nl.conv.Conv2D.backward, which does all filters and positions in one matrix product.")
    return verdict
