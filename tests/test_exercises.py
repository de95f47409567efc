"""The pattern every checked exercise follows (nnlab.exercises.base): each verdict says right, wrong or "not
written yet", and a wrong answer of each typical kind gets its own message."""

import numpy as np
import pytest

import nnlab as nl
from nnlab.exercises import NOT_WRITTEN, RIGHT, WRONG, check_choice, check_function, check_number


def test_a_prediction_right_wrong_or_not_written():
    slips = [(lambda a: a == 0.25, "That is alpha, not the loss.")]
    right = check_number(0.5625, 0.5625, exercise="ex", name="loss", why="16 a^2 (1 - a)^2.", slips=slips)
    assert right.passed and right.status == RIGHT and repr(right).startswith("ex: right.")
    slip = check_number(0.25, 0.5625, exercise="ex", name="loss", why="16 a^2 (1 - a)^2.", slips=slips)
    assert slip.status == WRONG and "That is alpha, not the loss." in repr(slip)
    other = check_number(1.125, 0.5625, exercise="ex", name="loss", why="w.")
    assert "You wrote 1.125; the answer is 0.5625." in repr(other) and "2 times the answer" in repr(other)
    blank = check_number(None, 0.5625, exercise="ex", name="loss", why="w.")
    assert blank.status == NOT_WRITTEN and "`loss` is still None" in repr(blank) and not blank
    text = check_number("0.5", 0.5625, exercise="ex", name="loss", why="w.")
    assert text.status == WRONG and "write a number" in repr(text)


@pytest.mark.parametrize("answer, expected, message", [
    (161050, 161051, "You wrote 161050; the answer is 161051. Yours is 1 less than the answer (off by 6.2e-06 of it)."),
    (0.0100004, 0.01, "You wrote 0.0100004; the answer is 0.01. Yours is 4e-07 more than the answer"),
    (3.5e-18, 0.25, "You wrote 3.5e-18; the answer is 0.25. Yours is about 10^-16.9 times the answer"),
    (-1.5, 0.5, "Yours has the opposite sign and 3 times its size."),
    (-0.5, 0.5, "Yours has the opposite sign."),
    (12, 9, "Yours is 1.333 times the answer."),
    (1.0000001, 1.0, "You wrote 1.0000001; the answer is 1."),  # digits enough to tell them apart
])
def test_a_wrong_number_without_a_named_slip_says_how_far_it_is(answer, expected, message):
    """Never "0 times" or "1 times" the answer: a number is shown with the digits that tell it from the answer,
    a ratio near 1 as a difference, an extreme one as a power of ten."""
    verdict = check_number(answer, expected, exercise="ex", name="x", why="w.", rel=1e-9)
    assert verdict.status == WRONG and message in " ".join(verdict.lines), repr(verdict)
    assert "0 times" not in repr(verdict) and " 1 times" not in repr(verdict)


def test_a_choice_explains_each_wrong_option():
    options = {"first": "The first layer's gradient is the smallest.", "last": "No: ...", "middle": "No: the middle."}
    assert check_choice("first", "first", exercise="ex", name="layer", why="w.", options=options).passed
    wrong = check_choice("middle", "first", exercise="ex", name="layer", why="w.", options=options)
    assert wrong.status == WRONG and "No: the middle." in repr(wrong)
    odd = check_choice("top", "first", exercise="ex", name="layer", why="w.", options=options)
    assert "choose one of 'first', 'last', 'middle'" in repr(odd)
    assert check_choice(None, "first", exercise="ex", name="layer", why="w.", options=options).status == NOT_WRITTEN


def _reference(X, W, b):
    return X @ W + b


CASES = [(np.arange(6.0).reshape(2, 3), np.arange(12.0).reshape(3, 4) - 5, np.array([1.0, -2.0, 0.5, 3.0])),
         (np.ones((3, 3)), np.eye(3, 4), np.zeros(4) + 0.25)]


def _stub(X, W, b):
    """z = X W + b."""
    # YOUR CODE HERE


@pytest.mark.parametrize("answer, status, message", [
    (_reference, RIGHT, "gives the right result on all 2 test inputs"),
    (_stub, NOT_WRITTEN, "`dense` has no body yet"),
    (lambda X, W, b: -(X @ W + b), WRONG, "a sign error"),
    (lambda X, W, b: 2 * (X @ W + b), WRONG, "every entry is 2 times the right value"),
    (lambda X, W, b: X @ W, WRONG, "a forgotten bias: add b"),
    (lambda X, W, b: (X @ W + b).T, WRONG, "a transposed matrix"),
    (lambda X, W, b: X @ W[:, :2], WRONG, r"has shape (2, 2), expected (2, 4)"),
    (lambda X, W, b: (X @ W + b, None)[1], WRONG, "returned None: end the function with `return`"),
    (lambda X, W, b: X @ V, WRONG, "raised NameError: name 'V' is not defined"),  # noqa: F821
])
def test_a_function_answer_names_what_is_wrong(answer, status, message):
    if answer is _stub:
        assert nl.gradcheck.is_stub(_stub)
    verdict = check_function(answer, _reference, CASES, exercise="ex", name="dense",
                             mistakes=[("a forgotten bias: add b", lambda X, W, b: X @ W)])
    assert verdict.status == status, repr(verdict)
    assert message in repr(verdict), repr(verdict)


def test_nbgraders_own_stub_is_not_written_yet_too():
    def raising(X, W, b):
        raise NotImplementedError()
    verdict = check_function(raising, _reference, CASES, exercise="ex", name="dense")
    assert verdict.status == NOT_WRITTEN and "it raised NotImplementedError" in repr(verdict)


def test_one_number_drops_the_factor_that_names_no_mistake():
    from nnlab.exercises.base import one_number

    def ref(n):
        return float(n)

    plain = check_function(lambda n: 39.0 * n, ref, [(1.0,)], exercise="ex", name="f")
    assert "39 times the right value" in repr(plain)
    verdict = one_number(check_function(lambda n: 39.0 * n, ref, [(1.0,)], exercise="ex", name="f"))
    assert verdict.status == WRONG and "factor" not in repr(verdict) and "expected 1, got 39" in repr(verdict)
    named = one_number(check_function(lambda n: 100.0 * n, ref, [(1.0,)], exercise="ex", name="f",
                                      mistakes=[("a percentage", lambda n: 100.0 * n)]))
    assert "It looks like a percentage." in repr(named)
