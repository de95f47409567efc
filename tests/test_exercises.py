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


# --- graded copies: what is wrong, never the answer; hidden tests: inputs the notebook does not show --------------

def test_a_graded_prediction_names_the_slip_but_not_the_answer():
    slips = [(lambda a: a == 6, "That adds the counts; composing multiplies them."),
             (lambda a: a == 10, "That is 9 + 1: the regions are 9.")]
    verdict = check_number(6, 9, exercise="ex", name="regions", why="3 x 3 = 9.", slips=slips, rel=0, abs_tol=0.5)
    graded = verdict.graded()
    assert (graded.status, graded.score, graded.exercise) == (WRONG, 0.0, "ex")
    assert graded.lines == ["You wrote 6; that is not the answer.", "That adds the counts; composing multiplies them.",
                            "The worked answer comes with your feedback."]
    assert verdict.lines == ["You wrote 6; the answer is 9.", "That adds the counts; composing multiplies them.",
                             "3 x 3 = 9."], "the whole verdict, for the lecture and the feedback, is unchanged"
    telling = check_number(10, 9, exercise="ex", name="regions", why="w.", slips=slips, rel=0, abs_tol=0.5).graded()
    assert "9" not in repr(telling) and "none of the slips this check knows" in repr(telling)
    far = check_number(18, 9, exercise="ex", name="regions", why="w.").graded()
    assert "times the answer" not in repr(far) and "9" not in repr(far)


def test_a_graded_choice_says_wrong_without_the_explanation():
    options = {"first": "Layer 1 has the most factors.", "middle": "Layer 15 has fewer factors than layer 1."}
    graded = check_choice("middle", "first", exercise="ex", name="layer", why="w.", options=options).graded()
    assert graded.lines == ["You chose 'middle'; that is not the answer.",
                            "The worked answer comes with your feedback."]


def test_a_right_answer_a_stub_and_a_function_show_their_whole_verdict_when_graded():
    right = check_number(9, 9, exercise="ex", name="x", why="3 x 3 = 9.")
    blank = check_number(None, 9, exercise="ex", name="x", why="w.")
    function = check_function(lambda X, W, b: X @ W, _reference, CASES, exercise="ex", name="dense")
    for verdict in (right, blank, function):
        assert verdict.graded() is verdict


PREDICTIONS = [  # (check, the notebook's answer, typical wrong answers)
    (nl.exercises.backprop.check_reverse_count, 8840, [862_400, 784_000, 1000, 7840, 8841]),
    (nl.exercises.regions.check_book_maximum, 161_051, [161_501, 110_000, 100_000, 14_641, 51, 161_050]),
    (nl.exercises.gradients.check_best_case_exponent, 29 * np.log10(0.25), [30 * np.log10(0.25), -17.0, 17.46]),
    (nl.exercises.gradients.check_step_bound, 0.1, [0.01, 0.001, 0.019, 0.09, 1.0]),
    (nl.exercises.generalisation.check_lecture_count, 668_672, [669_706, 406_528, 1818, 281_600]),
    (nl.exercises.expressivity.check_square_error, 0.01, [0.005, 0.04, 0.2, 0.04 / 4.84, 0.0025, 0.04 / 6]),
    (nl.exercises.expressivity.check_sawtooth_pieces, 32, [16, 10, 6, 11, 243, 48, 31, 64]),
    (nl.exercises.convnets.check_output_size, 10, [9, 8.666666666666666, 9.666666666666666, 28]),
    (nl.exercises.convnets.check_param_count, 1168, [1152, 160, 73, 228_928, 1160]),
    (nl.exercises.landscape.check_quarter_loss, 0.5625, [1.125, 0.75, 0.25, 0.0, 1.0]),
    (nl.exercises.landscape.check_sharpness_c, float(np.sqrt(5 + np.sqrt(24))), [np.sqrt(10), np.sqrt(5), 10.0, 2.0]),
]


@pytest.mark.parametrize("check, answer, wrong", PREDICTIONS, ids=lambda v: getattr(v, "__name__", ""))
def test_no_graded_prediction_gives_its_answer_away(check, answer, wrong):
    from nnlab.exercises.base import shows_number

    assert check(answer).passed
    for value in wrong:
        verdict = check(value)
        assert verdict.status == WRONG, (value, repr(verdict))
        assert shows_number(repr(verdict), answer), "the whole verdict gives the answer"
        assert not shows_number(repr(verdict.graded()), answer), repr(verdict.graded())


def test_a_graded_pair_names_the_slip_without_the_pair():
    verdict = nl.exercises.xor.check_hidden_point((2, 2))  # the biases left out
    graded = repr(verdict.graded())
    assert "(2, 1)" in repr(verdict) and "(2, 1)" not in graded and "leaves out the biases" in graded


def _softmax_grad(z, y):
    p = np.exp(z - z.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    p[np.arange(len(y)), y] -= 1
    return p / len(z)


def _filter_grad(x, dout):
    f, (rows, cols) = x.shape[0] - dout.shape[0] + 1, dout.shape
    return np.array([[np.sum(dout * x[p:p + rows, q:q + cols]) for q in range(f)] for p in range(f)])


def _count_params(n_in, hidden, n_out):
    widths = [n_in, *hidden, n_out]
    return sum((m + 1) * n for m, n in zip(widths[:-1], widths[1:]))


FUNCTIONS = [  # (check, a right answer, a typical slip and the message it gets)
    (nl.exercises.xor.check_forward, lambda X, W1, b1, W2, b2: nl.relu(X @ W1 + b1) @ W2 + b2,
     lambda X, W1, b1, W2, b2: nl.relu(X @ W1 + b1) @ W2, "a forgotten output bias b2"),
    (nl.exercises.regions.check_count_params, _count_params,
     lambda n_in, hidden, n_out: _count_params(n_in, hidden, n_out) - n_out, "the output's biases forgotten"),
    (nl.exercises.landscape.check_rescale, lambda t, c: np.concatenate([c * t[:2], t[2:] / c]),
     lambda t, c: np.concatenate([c * t[:2], t[2:] * c]), "beta multiplied by c too"),
    (nl.exercises.gradients.check_he_std, lambda n_in, n_out: np.sqrt(2 / n_in),
     lambda n_in, n_out: np.sqrt(2 / (n_in + n_out)), "Glorot's rule"),
    (nl.exercises.generalisation.check_penalty_grad, lambda W, lam: 2 * lam * W, lambda W, lam: lam * W,
     "the derivative of w^2 is 2w"),
    (nl.exercises.generalisation.check_dropout_backward, lambda d, keep, p: d * keep / (1 - p),
     lambda d, keep, p: d * keep, "the scaling is missing"),
    (nl.exercises.expressivity.check_identity_weights,
     lambda w: (np.hstack([np.eye(w), -np.eye(w)]), np.vstack([np.eye(w), -np.eye(w)])),
     lambda w: (np.hstack([np.eye(w), -np.eye(w)]), np.vstack([np.eye(w), np.eye(w)])), "relu(z) + relu(-z) = |z|"),
    (nl.exercises.convnets.check_softmax_grad, _softmax_grad, lambda z, y: _softmax_grad(z, y) * len(z),
     "the gradient of one sample"),
    (nl.exercises.convnets.check_filter_grad, _filter_grad, lambda x, d: _filter_grad(x, d).T, "the transpose"),
]


@pytest.mark.parametrize("check, right, slip, message", FUNCTIONS, ids=lambda v: getattr(v, "__name__", ""))
def test_a_hidden_test_draws_other_inputs_and_tells_right_from_wrong(check, right, slip, message):
    for seed in (1, 2, 3):
        assert check(right, rng=np.random.default_rng(seed)).passed
        hidden = check(slip, rng=np.random.default_rng(seed))
        assert hidden.status == WRONG and message in repr(hidden), repr(hidden)
    with pytest.raises(TypeError, match="rng: expected a numpy Generator"):
        check(right, rng=7)


def test_the_hidden_inputs_are_not_the_notebooks():
    from nnlab.exercises import convnets, generalisation, landscape, regions, xor

    for cases in (xor._forward_cases, landscape._rescale_cases, generalisation._penalty_cases,
                  generalisation._dropout_cases, convnets._softmax_cases, convnets._filter_cases):
        shown, hidden = cases(), cases(np.random.default_rng(0))
        assert not any(np.array_equal(s[0], h[0]) for s in shown for h in hidden), cases.__name__
        again = cases(np.random.default_rng(0))
        assert all(np.array_equal(a[0], b[0]) for a, b in zip(hidden, again)), f"{cases.__name__}: not reproducible"
    drawn = regions.random_param_cases(np.random.default_rng(0))
    assert not set(map(repr, drawn)) & set(map(repr, regions.PARAM_CASES))


def test_the_mnist_checks_take_hidden_inputs_too():
    rng = np.random.default_rng(0)
    net = nl.MLP([784, 4, 1], "relu", rng=rng)
    X = rng.random((20, 784))
    right = lambda x, W, c: np.maximum(W.T @ x + c, 0)  # noqa: E731
    assert nl.exercises.mnist.check_hidden_layer(right, net, X, rng=np.random.default_rng(1)).passed
    slip = nl.exercises.mnist.check_hidden_layer(lambda x, W, c: W.T @ x + c, net, X, rng=np.random.default_rng(1))
    assert "without the ReLU" in repr(slip)
    y = np.array([0, 1, 1, 0])
    assert nl.exercises.mnist.check_error_rate(lambda a, b: np.mean(a != b), y, y, y, y, rng=rng).passed
    count = nl.exercises.mnist.check_error_rate(lambda a, b: np.sum(a != b), y, y, y, y, rng=rng)
    assert "the number of mistakes" in repr(count)
