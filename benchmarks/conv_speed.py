"""Speed of nnlab's convolution layer against PyTorch on the CPU and a plain numpy loop, in the same run.

One forward and one backward pass (dL/dX, dL/dW and dL/db for a given upstream gradient) of a convolution layer
on a batch of 64 images of 28 x 28, one channel, 8 filters of 3 x 3, stride 1, padding 1 ("same"): MNIST's size.
The peers compute the same numbers from the same float32 input, filters and upstream gradient:

- ``nnlab``: ``nl.conv.Conv2D`` (patches by ``sliding_window_view``, one matrix product each way);
- ``pytorch-cpu`` (when installed): ``torch.nn.functional.conv2d`` with autograd;
- ``plain numpy``: the loop a student writes first, one dot product per output position, forward and backward.

Before timing, the three results are compared: the largest relative error ``||a - b|| / (||a|| + ||b||)`` of out,
dX, dW and db against nnlab's (float32 round-off: about 1e-7). Best of ``--repeat`` runs,
interleaved, so that a slow spell of the shared machine hits every peer; one thread each (``--threads 2`` for two).
Absolute times on a shared machine are noise; the ratios, measured in one run, are what the benchmark is for.

    python benchmarks/conv_speed.py [--repeat 30] [--threads 1] [--dtype float32]
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from nnlab.conv import Conv2D
from nnlab.gradcheck import rel_error

BATCH, CHANNELS, SIDE, FILTERS, F, PAD = 64, 1, 28, 8, 3, 1


def plain_numpy(X: np.ndarray, W: np.ndarray, b: np.ndarray, dout: np.ndarray) -> tuple[np.ndarray, ...]:
    """Forward and backward with a Python loop over the output positions (i, j), stride 1."""
    n, c, h, w = X.shape
    k, _, f, _ = W.shape
    Xp = np.pad(X, ((0, 0), (0, 0), (PAD, PAD), (PAD, PAD)))
    ho, wo = h + 2 * PAD - f + 1, w + 2 * PAD - f + 1
    Wm = W.reshape(k, -1)
    out = np.empty((n, k, ho, wo), X.dtype)
    for i in range(ho):
        for j in range(wo):
            out[:, :, i, j] = Xp[:, :, i:i + f, j:j + f].reshape(n, -1) @ Wm.T + b
    dW, dXp = np.zeros_like(Wm), np.zeros_like(Xp)
    for i in range(ho):
        for j in range(wo):
            g = dout[:, :, i, j]                                     # (N, K)
            dW += g.T @ Xp[:, :, i:i + f, j:j + f].reshape(n, -1)
            dXp[:, :, i:i + f, j:j + f] += (g @ Wm).reshape(n, c, f, f)
    return out, dXp[:, :, PAD:PAD + h, PAD:PAD + w], dW.reshape(W.shape), dout.sum(axis=(0, 2, 3))


def nnlab_pass(layer: Conv2D, X: np.ndarray, dout: np.ndarray) -> tuple[np.ndarray, ...]:
    out = layer.forward(X)
    dX = layer.backward(dout)
    return out, dX, layer.grads["W"], layer.grads["b"]


def torch_pass(torch, X, W, b, dout) -> tuple[np.ndarray, ...]:
    out = torch.nn.functional.conv2d(X, W, b, padding=PAD)
    out.backward(dout)
    grads = X.grad, W.grad, b.grad
    X.grad = W.grad = b.grad = None
    return out.detach(), *grads


def best_time(fn, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=30, help="runs per peer; the fastest is kept")
    parser.add_argument("--threads", type=int, default=1, help="threads for numpy's BLAS and PyTorch")
    parser.add_argument("--dtype", choices=("float32", "float64"), default="float32")
    args = parser.parse_args()
    from threadpoolctl import threadpool_limits

    limiter = threadpool_limits(args.threads)
    dtype = np.dtype(args.dtype)
    rng = np.random.default_rng(0)
    X = rng.standard_normal((BATCH, CHANNELS, SIDE, SIDE)).astype(dtype)
    layer = Conv2D(CHANNELS, FILTERS, F, padding=PAD, rng=rng, dtype=dtype)
    W, b = layer.params["W"], layer.params["b"]
    dout = rng.standard_normal((BATCH, FILTERS, SIDE, SIDE)).astype(dtype)
    peers = {"nnlab": lambda: nnlab_pass(layer, X, dout), "plain numpy": lambda: plain_numpy(X, W, b, dout)}
    try:
        import torch

        torch.set_num_threads(args.threads)
        tX = torch.from_numpy(X).requires_grad_(True)
        tW, tb = (torch.from_numpy(a.copy()).requires_grad_(True) for a in (W, b))
        tdout = torch.from_numpy(dout)
        peers["pytorch-cpu"] = lambda: torch_pass(torch, tX, tW, tb, tdout)
        torch_note = f"torch {torch.__version__}, {torch.get_num_threads()} thread(s)"
    except ImportError:
        torch_note = "PyTorch not installed: pip install torch (CPU build) to include it"
    results = {name: [np.asarray(a, dtype=np.float64) for a in fn()] for name, fn in peers.items()}
    print(f"one forward + backward pass of a convolution layer: batch {BATCH}, {CHANNELS} x {SIDE} x {SIDE} input, "
          f"{FILTERS} filters {F} x {F}, stride 1, padding {PAD}; {dtype}; best of {args.repeat}, interleaved")
    print(f"(numpy {np.__version__}, {args.threads} BLAS thread(s); {torch_note})")
    for name, got in results.items():
        if name != "nnlab":
            gap = max(rel_error(a, e) for a, e in zip(got, results["nnlab"]))
            print(f"largest relative error of out, dX, dW, db against nnlab's: {name} {gap:.1e}")
    times = dict.fromkeys(peers, float("inf"))
    for _ in range(args.repeat):
        for name, fn in peers.items():
            times[name] = min(times[name], best_time(fn, 1))
    print(f"\n{'peer':<14}{'ms':>9}   time / nnlab's")
    for name, seconds in times.items():
        print(f"{name:<14}{seconds * 1e3:9.2f}   {seconds / times['nnlab']:.2f}x")
    if "pytorch-cpu" in times:
        ratio = times["nnlab"] / times["pytorch-cpu"]
        print(f"\nnnlab takes {ratio:.2f} times PyTorch's time (goal: within 2x), "
              f"{times['plain numpy'] / times['nnlab']:.0f} times less than the plain loop's")
    limiter.unregister()


if __name__ == "__main__":
    main()
