"""nnlab against scikit-learn: the same weights must give the same probabilities and gradients."""

import inspect

import numpy as np
import pytest
from sklearn.datasets import make_classification
from sklearn.neural_network import MLPClassifier
from sklearn.neural_network._multilayer_perceptron import _pack

import nnlab as nl


def _sklearn_loss_and_grad(clf: MLPClassifier, X: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
    """sklearn's own loss and packed gradient for its current weights (its backprop routine)."""
    clf.alpha = 0.0  # no L2 term: nnlab's loss has none
    sizes = [X.shape[1], *clf.hidden_layer_sizes, 1]
    activations = [X] + [None] * (len(sizes) - 1)
    deltas = [None] * (len(activations) - 1)
    coef_grads = [np.empty((a, b)) for a, b in zip(sizes[:-1], sizes[1:])]
    intercept_grads = [np.empty(b) for b in sizes[1:]]
    kwargs = dict(X=X, y=y.reshape(-1, 1).astype(float), activations=activations, deltas=deltas,
                  coef_grads=coef_grads, intercept_grads=intercept_grads)
    if "sample_weight" in inspect.signature(clf._backprop).parameters:  # scikit-learn >= 1.7
        kwargs["sample_weight"] = None
    loss, coef_grads, intercept_grads = clf._backprop(**kwargs)
    return loss, _pack(coef_grads, intercept_grads)


@pytest.mark.parametrize("activation", ["relu", "tanh"])
def test_same_probabilities_and_gradients_as_sklearn(activation):
    X, y = make_classification(n_samples=120, n_features=5, n_informative=3, random_state=1)
    clf = MLPClassifier(hidden_layer_sizes=(6, 4), activation=activation, max_iter=40, random_state=0)
    with np.errstate(all="ignore"):
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # ConvergenceWarning: 40 iterations are on purpose
            clf.fit(X, y)

    model = nl.MLP.from_weights(clf.coefs_, clf.intercepts_, activation)
    logits = model.forward(X)
    np.testing.assert_allclose(nl.sigmoid(logits)[:, 0], clf.predict_proba(X)[:, 1], rtol=0, atol=1e-10)

    sk_loss, sk_grad = _sklearn_loss_and_grad(clf, X, y)
    loss, dlogits = nl.binary_cross_entropy(logits, y)
    model.backward(dlogits)
    grads = dict(model.named_grads())
    dense = [i for i, layer in enumerate(model) if isinstance(layer, nl.Dense)]
    ours = _pack([grads[f"{i}.W"] for i in dense], [grads[f"{i}.b"] for i in dense])
    assert loss == pytest.approx(sk_loss, rel=1e-10)
    np.testing.assert_allclose(ours, sk_grad, rtol=0, atol=1e-8)
    assert np.abs(sk_grad).max() > 1e-3  # a real, non-zero gradient was compared
