"""The checked exercises of notebook 03 (composing ReLU networks).

Exercises 1, 3 and 4 are predictions: the regions of a composition on [-1, 1] (the lecture's 3 x 3 = 9,
then four folds), and the most regions five layers of ten units can have with one input. Exercise 2
asks for ``count_params``. Every answer is computed here from the networks the notebook builds
(``nnlab.regions``), never typed in.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .._validate import check_rng
from ..layers import Sequential
from ..regions import (
    compose_networks,
    count_linear_regions,
    count_params,
    max_regions_deep,
    max_regions_montufar,
    max_regions_upper_bound,
    monotone_segments,
)
from .base import Verdict, check_function, check_number, one_number

#: where notebook 03 counts the pieces of its one-input networks
INTERVAL = (-1.0, 1.0)


def _whole(answer: object, expected: int, **kwargs) -> Verdict:
    """A prediction of a whole number: right only when it is exactly the count."""
    return check_number(answer, expected, rel=0, abs_tol=0.5, **kwargs)


def check_composition_regions(answer: object, net1: Sequential, net2: Sequential) -> Verdict:
    """Exercise 1: the linear regions of ``f2(f1(x))`` on [-1, 1], predicted before they are counted."""
    n1, n2 = count_linear_regions(net1, INTERVAL), count_linear_regions(net2, INTERVAL)
    composed = compose_networks(net1, net2)
    expected = count_linear_regions(composed, INTERVAL)
    folds = len(monotone_segments(net1, INTERVAL))
    why = (f"Network 1 has {folds} monotone pieces on [-1, 1], and each sweeps all of [-1, 1], where "
           f"network 2 has {n2} pieces: every fold meets all {n2}, so the composition has {folds} x {n2} = "
           f"{expected} regions. Composing multiplies the counts.")
    whole_line = count_linear_regions(composed)
    slips = [
        (lambda a: a == n1 + n2, f"That adds the two counts ({n1} + {n2}); composing does not add pieces, it "
                                 "copies network 2 onto every fold of network 1."),
        (lambda a: a == n1 + n2 - 1, "That counts the joints of the two networks together; but each fold "
                                     "of network 1 crosses every joint of network 2."),
        (lambda a: a in (n1, n2), "That is one network's count alone; the composition has network 2's "
                                  "pieces once on every fold of network 1."),
        (lambda a: a == max_regions_deep(3, 2), "That is the most two layers of three units can have, "
                                                "(3 + 1)^2; here network 2 shows only three of its four "
                                                "pieces on every fold."),
        (lambda a: a == whole_line, f"That is the count on the whole real line; on [-1, 1] it is {expected}."),
    ]
    return _whole(answer, expected, exercise="Exercise 1 (the regions of f2(f1(x)))",
                  name="regions_of_composition", why=why, slips=slips)


# --- exercise 2: count the parameters ----------------------------------------------------------------
#: the networks the notebook counts: the lecture's shallow ones, the book's deep ones, UDL figure 20.2's
#: (the first tells every mistake below apart: 80 parameters, and 66, 69, 68, 78 or 98 for the mistakes)
PARAM_CASES = [(3, [7, 5], 2), (1, [3], 1), (1, [6], 1), (1, [3, 3], 1), (1, [10] * 5, 1), (10, [50] * 5, 1),
               (40, [63] * 4, 10)]


def _layers(n_in: int, hidden: Sequence[int], n_out: int) -> list[tuple[int, int]]:
    widths = [n_in, *hidden, n_out]
    return list(zip(widths[:-1], widths[1:]))


PARAM_MISTAKES = [
    ("the biases forgotten: a layer from m to n units has m n weights and n biases",
     lambda n_in, hidden, n_out: sum(m * n for m, n in _layers(n_in, hidden, n_out))),
    ("one bias per layer instead of one per unit",
     lambda n_in, hidden, n_out: sum(m * n + 1 for m, n in _layers(n_in, hidden, n_out))),
    ("the output layer left out: it has (last width + 1) x n_out parameters too",
     lambda n_in, hidden, n_out: sum((m + 1) * n for m, n in _layers(n_in, hidden, n_out)[:-1])),
    ("the output's biases forgotten",
     lambda n_in, hidden, n_out: count_params(n_in, hidden, n_out) - n_out),
    ("a bias for every input too: (m + 1)(n + 1) per layer",
     lambda n_in, hidden, n_out: sum((m + 1) * (n + 1) for m, n in _layers(n_in, hidden, n_out))),
]


def random_param_cases(rng: np.random.Generator, n: int = 5) -> list[tuple[int, list[int], int]]:
    """``n`` networks drawn from ``rng``: 1 to 40 inputs, 1 to 5 hidden layers of 1 to 64 units, 1 to 10
    outputs (a grader's hidden test: networks the notebook does not show)."""
    check_rng(rng)
    return [(int(rng.integers(1, 41)), [int(w) for w in rng.integers(1, 65, size=rng.integers(1, 6))],
             int(rng.integers(1, 11))) for _ in range(n)]


def check_count_params(student: object, *, rng: np.random.Generator | None = None) -> Verdict:
    """Exercise 2: the student's ``count_params(n_in, hidden, n_out)`` against ``nnlab.regions.count_params``, on
    the networks of ``PARAM_CASES`` or (``rng``, a grader's hidden test) on ``random_param_cases(rng)``."""
    cases = PARAM_CASES if rng is None else random_param_cases(rng)
    return one_number(check_function(student, count_params, cases, exercise="Exercise 2 (count the "
                                     "parameters)", name="count_params", mistakes=PARAM_MISTAKES))


# --- exercise 3: four folds ------------------------------------------------------------------------
def check_four_folds(answer: object, net1_four: Sequential, net2: Sequential) -> Verdict:
    """Exercise 3: the regions on [-1, 1] of network 1 with four folds, composed with network 2."""
    expected = count_linear_regions(compose_networks(net1_four, net2), INTERVAL)
    folds = len(monotone_segments(net1_four, INTERVAL))
    pieces_line, pieces_here = count_linear_regions(net2), count_linear_regions(net2, INTERVAL)
    why = (f"Each of the {folds} folds crosses all three joints of network 2 (y = -1, 0, 0.5), so it meets all "
           f"{pieces_line} of its pieces, the sloped one below y = -1 too: {folds} x {pieces_line} = {expected}, "
           f"as many as two layers of three units can have at all, (3 + 1)^2.")
    slips = [
        (lambda a: a == folds * pieces_here,
         f"That is {folds} folds times network 2's {pieces_here} pieces on [-1, 1]; but these folds reach below "
         "y = -1, where network 2 has a fourth piece."),
        (lambda a: a == folds + pieces_line, "That adds the counts; composing multiplies them."),
        (lambda a: a == 9, "That is the lecture's pair, with three folds; this network 1 has four."),
    ]
    return _whole(answer, expected, exercise="Exercise 3 (four folds)", name="regions_four_folds", why=why,
                  slips=slips)


# --- exercise 4: the most regions of the book's network ---------------------------------------------
def check_book_maximum(answer: object) -> Verdict:
    """Exercise 4: the most linear regions of K = 5 layers of D = 10 units with one input."""
    D, K = 10, 5
    expected = max_regions_upper_bound([D] * K)  # no network of this shape has more
    reached = max_regions_deep(D, K)  # and a network with this many exists
    why = (f"(D + 1)^K = 11^5 = {expected:,}: a layer of 10 units has 10 joints, so it can cut the axis into 11 "
           "pieces that each sweep the whole range, and the pieces of the layers multiply. A network with "
           f"{reached:,} regions exists (the construction), and Serra et al.'s bound says no network of this "
           "shape has more: the maximum, exactly.")
    slips = [
        (lambda a: a == 161_501, "That is the number on the lecture slide, a slip (two digits swapped): "
                                 "compute 11^5 yourself."),
        (lambda a: a == max_regions_montufar(D, K), "That is Montufar et al.'s construction, 10^4 x 11, with "
                                                    "10 folds per layer; one more fold per layer is possible."),
        (lambda a: a == D**K, "That is D^K = 10^5: ten units make ten joints, and so eleven pieces a layer."),
        (lambda a: a == (D + 1) ** (K - 1), "That is 11^4: count all five layers."),
        (lambda a: a == D * K + 1, "That is the count of a shallow network with all 50 units; depth "
                                   "multiplies, width only adds."),
        (lambda a: a == 2 ** (D * K), "That is every on/off pattern of the 50 units; with one input most "
                                      "patterns never occur."),
        (lambda a: a == expected - 1, f"That is 11^5 - 1 = {expected - 1:,}, the number of joints between the "
                                      "regions; the regions are one more."),
    ]
    return _whole(answer, expected, exercise="Exercise 4 (the book's maximum)", name="book_maximum", why=why,
                  slips=slips)
