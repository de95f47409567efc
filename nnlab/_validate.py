"""Argument checks shared by the package: each error names the argument and what was expected."""

from __future__ import annotations

import numbers

import numpy as np


def check_rng(rng: object, name: str = "rng") -> np.random.Generator:
    """Require a ``np.random.Generator`` (never the global numpy state)."""
    if not isinstance(rng, np.random.Generator):
        raise TypeError(
            f"{name}: expected a numpy Generator such as np.random.default_rng(0), got {type(rng).__name__}"
        )
    return rng


def check_count(value: object, name: str, *, minimum: int = 0) -> int:
    """Require an integer >= ``minimum`` (0 by default)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
        raise ValueError(f"{name}: expected an integer >= {minimum}, got {value!r}")
    return int(value)


def check_positive_int(value: object, name: str) -> int:
    """Require an integer > 0."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value <= 0:
        raise ValueError(f"{name}: expected a positive integer, got {value!r}")
    return int(value)


def check_bool(value: object, name: str) -> bool:
    """Require True or False (numpy's bools too)."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name}: expected True or False, got {value!r}")
    return bool(value)


def check_nonnegative(value: object, name: str) -> float:
    """Require a finite real number >= 0."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not np.isfinite(value) or value < 0:
        raise ValueError(f"{name}: expected a number >= 0, got {value!r}")
    return float(value)


def check_choice(value: object, name: str, choices: tuple | list | dict) -> object:
    """Require one of ``choices`` (the keys of a dict, listed in sorted order); the message lists them."""
    try:
        ok = value in choices
    except TypeError:  # an unhashable value for a dict
        ok = False
    if not ok:
        listed = sorted(choices) if isinstance(choices, dict) else list(choices)
        raise ValueError(f"{name}: expected one of {listed}, got {value!r}")
    return value


def check_dtype(dtype: object, name: str = "dtype") -> np.dtype:
    """Require a floating dtype (np.float64 or np.float32)."""
    dt = np.dtype(dtype)
    if dt.kind != "f":
        raise ValueError(f"{name}: expected np.float64 or np.float32, got {dt}")
    return dt


def check_shape(values: object, name: str, shape: tuple[int, ...], dtype: np.dtype) -> np.ndarray:
    """``values`` as a finite array of ``dtype`` with exactly ``shape``."""
    arr = check_array(values, name, ndim=len(shape), dtype=dtype)
    if arr.shape != shape:
        raise ValueError(f"{name}: expected shape {shape}, got {arr.shape}")
    return arr


def check_positive(value: object, name: str) -> float:
    """Require a finite real number > 0."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not np.isfinite(value) or value <= 0:
        raise ValueError(f"{name}: expected a positive number, got {value!r}")
    return float(value)


def check_array(X: object, name: str, *, ndim: int | None = None, n_features: int | None = None,
                dtype: np.dtype | type | None = None) -> np.ndarray:
    """Return ``X`` as a floating array after checking its shape and that it is finite.

    Parameters
    ----------
    X : array_like
        The array to check.
    name : str
        The argument's name, used in the error message.
    ndim : int, optional
        The required number of dimensions.
    n_features : int, optional
        The required size of the last axis.
    dtype : dtype, optional
        The floating dtype to convert to (default: keep a floating dtype, else float64).
    """
    try:
        arr = np.asarray(X)
    except Exception as exc:  # ragged lists and the like
        raise ValueError(f"{name}: expected a numeric array, got {type(X).__name__} ({exc})") from None
    if arr.dtype.kind not in "biuf":
        raise ValueError(f"{name}: expected a numeric array, got dtype {arr.dtype}")
    target = np.dtype(dtype) if dtype is not None else (arr.dtype if arr.dtype.kind == "f" else np.float64)
    arr = arr.astype(target, copy=False)
    if ndim is not None and arr.ndim != ndim:
        want = "(N, n_features)" if ndim == 2 else f"{ndim} dimensions"
        raise ValueError(f"{name}: expected an array of shape {want}, got shape {arr.shape}")
    if n_features is not None and arr.shape[-1] != n_features:
        raise ValueError(f"{name}: expected shape (N, {n_features}), got shape {arr.shape}")
    if not np.isfinite(arr).all():
        bad = int(np.size(arr) - np.isfinite(arr).sum())
        raise ValueError(f"{name}: expected finite values, found {bad} NaN or infinite value(s)")
    return arr


def check_vector(values: object, name: str) -> np.ndarray:
    """``values`` (a number or a sequence of numbers) as a finite 1-D float64 array."""
    try:
        arr = np.atleast_1d(np.asarray(values, dtype=float))
    except (TypeError, ValueError):
        raise ValueError(f"{name}: expected a 1-D array of numbers, got {type(values).__name__}") from None
    arr = check_array(arr, name, dtype=np.float64)
    if arr.ndim != 1:
        raise ValueError(f"{name}: expected a 1-D array of numbers, got shape {arr.shape}")
    return arr
