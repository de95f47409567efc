"""Small data sets for the notebooks. Nothing here downloads anything."""

from __future__ import annotations

import numpy as np


def xor() -> tuple[np.ndarray, np.ndarray]:
    """The four XOR points.

    Returns
    -------
    X : array, shape (4, 2)
        The corners (0, 0), (0, 1), (1, 0), (1, 1).
    y : array of int, shape (4,)
        x1 XOR x2: 0, 1, 1, 0.
    """
    X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    y = np.array([0, 1, 1, 0])
    return X, y
