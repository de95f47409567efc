"""The checked exercises of notebook 02 (backpropagation).

Exercises 1 and 2 (the backward passes of the sigmoid and of a dense layer) are checked by
``nnlab.gradcheck.check_backward`` against central differences; exercise 3 is a prediction.
"""

from __future__ import annotations

from ..backprop import chain_multiplications
from .base import Verdict, check_number

#: the chain of exercise 3: 784 inputs, layers of 10 and 100 units, one output
CHAIN = [784, 10, 100, 1]


def check_reverse_count(answer: object) -> Verdict:
    """Exercise 3: the multiplications reverse mode needs for the Jacobian of the chain ``CHAIN``."""
    expected = chain_multiplications(CHAIN, "reverse")
    forward = chain_multiplications(CHAIN, "forward")
    last, first = 1 * CHAIN[2] * CHAIN[1], 1 * CHAIN[1] * CHAIN[0]
    why = (f"Reverse mode starts from the output's row: (1 x 100)(100 x 10) costs 1 * 100 * 10 = {last:,}, "
           f"then the (1 x 10) row times (10 x 784) costs {first:,}: {expected:,} in all. Forward mode needs "
           f"{forward:,}, {forward / expected:.1f} times as many; with the narrow layer next to the input, the gain "
           "is far larger than for [784, 100, 10, 1] (9.97 times).")
    slips = [
        (lambda a: a == forward, "That is forward mode's count: it starts from the input, "
                                 "(100 x 10)(10 x 784), and carries 784 columns through the chain."),
        (lambda a: a == 784 * 10 * 100, "That multiplies every width together, the cost of one product of the "
                                        "two large Jacobians, which reverse mode never forms."),
        (lambda a: a in (last, first), "That is one of reverse mode's two products; add the other."),
    ]
    return check_number(answer, expected, exercise="Exercise 3 (reverse mode's multiplications)",
                        name="reverse_784_10_100_1", why=why, slips=slips, rel=0, abs_tol=0.5)
