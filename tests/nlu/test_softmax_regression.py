"""The split sparse/dense solver finds scikit-learn's logistic regression, from its own arrays."""

import numpy as np
import pytest
import scipy.sparse
from sklearn.linear_model import LogisticRegression

from bot.nlu.softmax_regression import SoftmaxRegression


def problem(seed: int = 0):
    rng = np.random.default_rng(seed)
    labels = rng.choice(["greet", "goodbye", "ask_public_service", "stop"], size=120)
    centres = {name: rng.normal(size=16) for name in set(labels)}
    dense = np.array([centres[name] + rng.normal(scale=1.5, size=16) for name in labels])
    sparse = scipy.sparse.random(120, 300, density=0.03, random_state=seed, format="csr")
    return sparse, dense, labels


@pytest.mark.parametrize("C", [0.5, 10.0])
def test_it_finds_scikit_learns_model(C: float) -> None:
    sparse, dense, labels = problem()
    ours = SoftmaxRegression.fit(sparse, dense, labels, C=C)
    theirs = LogisticRegression(C=C, max_iter=3000).fit(scipy.sparse.hstack([sparse, dense]).tocsr(), labels)
    test_sparse, test_dense, _ = problem(seed=1)
    expected = theirs.predict_proba(scipy.sparse.hstack([test_sparse, test_dense]).tocsr())
    assert list(ours.classes) == list(theirs.classes_)
    assert np.abs(ours.predict_proba(test_sparse, test_dense) - expected).max() < 2e-3


def test_rows_are_probabilities_and_the_arrays_rebuild_the_model() -> None:
    sparse, dense, labels = problem()
    model = SoftmaxRegression.fit(sparse, dense, labels)
    probabilities = model.predict_proba(sparse, dense)
    assert probabilities.shape == (120, 4) and np.allclose(probabilities.sum(axis=1), 1.0)
    rebuilt = SoftmaxRegression(**model.to_arrays())
    assert np.array_equal(rebuilt.predict_proba(sparse, dense), probabilities)
    assert (model.classes[probabilities.argmax(axis=1)] == labels).mean() > 0.8  # it learnt something
