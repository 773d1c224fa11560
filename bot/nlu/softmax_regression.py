"""Multinomial logistic regression over one sparse and one dense block of features.

The intent classifier's features are n-gram TF-IDF (sparse, ~130k stored values) beside
sentence vectors (dense, 896 numbers per message, ~3M values). As one sparse matrix, as
scikit-learn's solver needs them, every step multiplies the dense part entry by entry, which
took 80 s of the full training (docs/nlu-pipelines.md, session 7). Here the dense block is
multiplied as a dense array (BLAS) and only the n-grams as a sparse one, with the same
objective and optimiser as scikit-learn 1.1's ``LogisticRegression(solver="lbfgs")``: summed
cross-entropy + ||W||² / (2C), intercepts not penalised, L-BFGS from zeros with gtol ``tol``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, Sequence

import numpy as np
import scipy.optimize
import scipy.sparse
from scipy.special import logsumexp, softmax


@dataclass
class SoftmaxRegression:
    """A fitted model: one row of weights per class for each block, and the intercepts."""

    classes: np.ndarray
    sparse_coef: np.ndarray  # (classes, sparse features)
    dense_coef: np.ndarray  # (classes, dense features)
    intercept: np.ndarray  # (classes,)

    @classmethod
    def fit(
        cls,
        sparse: scipy.sparse.csr_matrix,
        dense: np.ndarray,
        labels: Sequence[str],
        C: float = 10.0,
        max_iter: int = 3000,
        tol: float = 1e-4,
    ) -> SoftmaxRegression:
        classes, targets = np.unique(np.asarray(labels), return_inverse=True)
        examples, k = len(targets), len(classes)
        sparse = scipy.sparse.csr_matrix(sparse, dtype=np.float64)
        sparse_t = sparse.T.tocsr()  # row-major transpose: the gradient's product is 10x faster
        dense = np.ascontiguousarray(dense, dtype=np.float64)
        n_sparse, n_dense = sparse.shape[1], dense.shape[1]
        one_hot = np.zeros((examples, k))
        one_hot[np.arange(examples), targets] = 1.0

        def unpack(flat: np.ndarray):
            weights = flat.reshape(k, n_sparse + n_dense + 1)
            return weights[:, :n_sparse], weights[:, n_sparse:-1], weights[:, -1]

        gradient = np.empty((k, n_sparse + n_dense + 1))

        def loss_and_gradient(flat: np.ndarray):
            w_sparse, w_dense, bias = unpack(flat)
            scores = sparse @ w_sparse.T + dense @ w_dense.T + bias
            loss = float((logsumexp(scores, axis=1) - scores[np.arange(examples), targets]).sum())
            loss += 0.5 / C * float((w_sparse**2).sum() + (w_dense**2).sum())
            error = softmax(scores, axis=1) - one_hot
            gradient[:, :n_sparse] = (sparse_t @ error).T
            gradient[:, :n_sparse] += w_sparse / C
            gradient[:, n_sparse:-1] = error.T @ dense
            gradient[:, n_sparse:-1] += w_dense / C
            gradient[:, -1] = error.sum(axis=0)
            return loss, gradient.ravel().copy()

        result = scipy.optimize.minimize(
            loss_and_gradient,
            np.zeros(k * (n_sparse + n_dense + 1)),
            method="L-BFGS-B",
            jac=True,
            options={"gtol": tol, "maxiter": max_iter},
        )
        w_sparse, w_dense, bias = unpack(result.x)
        return cls(classes, w_sparse.copy(), w_dense.copy(), bias.copy())

    def predict_proba(self, sparse: scipy.sparse.csr_matrix, dense: np.ndarray) -> np.ndarray:
        scores = sparse @ self.sparse_coef.T + np.asarray(dense, dtype=np.float64) @ self.dense_coef.T + self.intercept
        return softmax(np.asarray(scores), axis=1)

    def to_arrays(self) -> Dict[str, np.ndarray]:
        """Plain arrays, for a model file that holds no code."""
        return dict(vars(self))
