"""Latency of the gradient probe behind the vanishing-gradients dashboard, against peers in the same run.

One probe is one forward and one backward pass of a deep network on a batch, with every layer's
activation spread, saturated/dead fraction and weight-gradient norm. The peers compute the same
numbers on the same float32 weights and batch:

- PyTorch on the CPU (when installed): autograd, then the norm of every ``W.grad``;
- a plain numpy probe: the loop a student would write (forward, then ``dW = h^T u`` per layer).

Absolute times on a shared machine are noise; the ratios printed last are what the benchmark is
for. It also prints the multiply-adds a probe needs and the rate they were done at, because that
bounds the latency on a given machine, and the machine's own best rate (a large float32 matrix
product), which bounds any implementation.

A second table is the dashboard itself at its largest setting, 100 layers of 512: the probe on the
batch the dashboard uses there (``dashboard_batch``: 16 of the 256 samples), against the probe on
all 256 in the same run, and a whole redraw (probe, figure and PNG) as a student sees it.

    python benchmarks/probe_speed.py [--repeat 7] [--threads N]
"""

from __future__ import annotations

import argparse
import time
from functools import partial

import numpy as np

import nnlab as nl
from nnlab.gradients import DeepNet, GradientProbe, probe_flops

BATCH = 256
SIZES = [(50, 256), (100, 512)]  # (depth, width): the reference point, and the dashboard's maximum
NETWORKS = {
    "relu, He": dict(activation="relu", init="he_normal"),
    "sigmoid, Glorot": dict(activation="sigmoid", init="glorot_normal"),
    "relu, He, batch norm": dict(activation="relu", init="he_normal", batch_norm=True),
}


def plain_numpy_probe(net: DeepNet, X: np.ndarray, y: np.ndarray, weights: list[np.ndarray]) -> np.ndarray:
    """The straightforward probe: store every layer, then backpropagate and take ||h^T u|| per layer."""
    f, f_grad, _ = nl.activations.get_activation(net.activation)
    threshold = 0.18 * float(f_grad(np.zeros(1))[0])
    h, saved, stats = X, [], []
    for W in weights[:-1]:
        q, inv = h @ W, None
        if net.batch_norm:
            inv = 1 / np.sqrt(q.var(axis=0) + 1e-5)
            q = (q - q.mean(axis=0)) * inv
        saved.append((h, q, inv))
        h = f(q)
        stats.append((q.std(), h.std(), np.mean(f_grad(q) < threshold)))
    z = h @ weights[-1]
    g = (2 / len(X)) * (z - y) @ weights[-1].T
    norms = np.empty(len(saved))
    for d in range(len(saved) - 1, -1, -1):
        h, q, inv = saved[d]
        u = g * f_grad(q)
        if net.batch_norm:
            u = (u - u.mean(axis=0) - q * (u * q).mean(axis=0)) * inv
        norms[d] = np.linalg.norm(h.T @ u)
        g = u @ weights[d].T
    return norms


def torch_probe(torch, net: DeepNet, X, y, weights) -> np.ndarray:
    """The same network in PyTorch: forward with autograd, backward, then every layer's statistics."""
    F = torch.nn.functional
    phi = {"relu": F.relu, "sigmoid": torch.sigmoid}[net.activation]
    h, qs, hs = X, [], []
    for W in weights[:-1]:
        q = h @ W
        if net.batch_norm:
            q = F.batch_norm(q, None, None, training=True, eps=1e-5)
        h = phi(q)
        qs.append(q)
        hs.append(h)
    loss = ((h @ weights[-1] - y) ** 2).mean()
    loss.backward()
    with torch.no_grad():
        flat = (lambda q: q <= 0) if net.activation == "relu" else (lambda q: q.abs() > 3)
        stats = [(q.std(), a.std(), flat(q).float().mean()) for q, a in zip(qs, hs)]
        norms = torch.stack([torch.linalg.norm(W.grad) for W in weights[:-1]])
    for W in weights:
        W.grad = None
    del stats
    return norms.numpy()


def on_one_thread(fn):
    """``fn`` run with numpy's BLAS limited to one thread (as the nnlab probe runs by default)."""
    from threadpoolctl import threadpool_limits

    def run():
        with threadpool_limits(1, user_api="blas"):
            return fn()

    return run


def best_time(fn, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best


def matmul_peak(threads: int, n: int = 2048, repeat: int = 3) -> float:
    """GFLOP/s of the best of ``repeat`` float32 ``n x n`` matrix products on ``threads`` BLAS threads."""
    from threadpoolctl import threadpool_limits

    rng = np.random.default_rng(0)
    a, b = (rng.standard_normal((n, n), dtype=np.float32) for _ in range(2))
    with threadpool_limits(threads, user_api="blas"):
        return 2 * n**3 / best_time(lambda: a @ b, repeat) / 1e9


def dashboard_table(repeat: int) -> None:
    """The dashboard at 100 x 512: its probe (on the batch it chooses), the full-batch probe, a redraw."""
    from nnlab.widgets.gradients import dashboard_batch, gradients_explorer

    dash = gradients_explorer(preset=None)  # one BLAS thread, as in the notebook
    net0 = DeepNet(100, 512)
    start = time.perf_counter()
    dash.probe.standard_weights(net0)
    draws = time.perf_counter() - start
    batch = dashboard_batch(net0, BATCH)
    print(f"the dashboard at 100 x 512: probe on {batch} of the {BATCH} samples "
          f"({probe_flops(net0, batch) / 1e9:.2f} GFLOP), one BLAS thread; redraw = probe + figure + PNG")
    print(f"(the weights' random draws for 100 x 512 took {draws * 1e3:.0f} ms, once: every narrower "
          f"width reuses them)\n")
    print(f"{'network':<34}{'probe, ' + str(BATCH):>12}{'probe, ' + str(batch):>12}{'redraw':>9}   "
          f"speed-up of the dashboard's probe")
    for label, kwargs in NETWORKS.items():
        net = DeepNet(100, 512, **kwargs)
        dash.set_values(width=512, depth=100, activation=kwargs["activation"], init=kwargs["init"],
                        batch_norm=kwargs.get("batch_norm", False), residual=False)
        assert dash.result.batch == batch
        peers = {"full": partial(dash.probe, net), "dashboard": partial(dash.probe, net, batch=batch),
                 "redraw": dash.redraw}
        times = {name: float("inf") for name in peers}
        for _ in range(repeat):
            for name, fn in peers.items():
                times[name] = min(times[name], best_time(fn, 1))
        print(f"{'100 x 512 ' + label:<34}{times['full'] * 1e3:10.1f}  {times['dashboard'] * 1e3:10.1f}  "
              f"{times['redraw'] * 1e3:7.1f}   {times['full'] / times['dashboard']:.1f}x")
    print()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7,
                        help="runs per library and network; the fastest is kept")
    parser.add_argument("--threads", type=int, default=None,
                        help="threads for numpy's BLAS and PyTorch outside the probe "
                             "(default: the libraries' own)")
    args = parser.parse_args()
    limiter = None
    if args.threads is not None:
        from threadpoolctl import threadpool_limits

        limiter = threadpool_limits(args.threads)
    try:
        import torch

        if args.threads is not None:
            torch.set_num_threads(args.threads)
        torch_note = f"torch {torch.__version__}, {torch.get_num_threads()} threads"
    except ImportError:
        torch = None
        torch_note = "PyTorch not installed: pip install torch (CPU build) to include it"
    try:
        from threadpoolctl import threadpool_info

        blas = ", ".join(f"{i['internal_api']} {i['num_threads']} threads" for i in threadpool_info()
                         if i["user_api"] == "blas")
    except ImportError:
        blas = "BLAS threads unknown"
    print(f"one forward + backward pass, batch {BATCH}, float32, best of {args.repeat}")
    print(f"(numpy {np.__version__}: {blas}; {torch_note})\n")
    print(f"{'network':<34}{'peer':<16}{'ms':>9}{'GFLOP/s':>9}   nnlab speed-up")
    for depth, width in SIZES:
        madds = probe_flops(DeepNet(depth, width), BATCH) // 2
        for label, kwargs in NETWORKS.items():
            net = DeepNet(depth, width, **kwargs)
            gp = GradientProbe(rng=np.random.default_rng(0), batch=BATCH)
            X, y = gp.inputs(net)
            weights = gp.weights(net)
            result = gp(net)  # draws and caches the weights, as the dashboard does once
            # the same numbers as the plain loop run in float64, up to float32 round-off: within 0.1
            # decades (26%) on the dashboard's log axis. A network whose gradient grows through the
            # layers (deep ReLU with batch norm) amplifies round-off, and float32 is 10 to 25% off
            # there in any library; the others agree to 1e-5.
            reference = plain_numpy_probe(net, *(a.astype(np.float64) for a in (X, y)),
                                          [W.astype(np.float64) for W in weights])
            np.testing.assert_allclose(np.log10(result.grad_norm), np.log10(reference), atol=0.1)
            plain32 = plain_numpy_probe(net, X, y, weights)
            off_probe, off_plain = (float(np.max(np.abs(v / reference - 1)))
                                    for v in (result.grad_norm, plain32))
            if max(off_probe, off_plain) > 1e-3:  # underflow, or round-off amplified through the layers
                print(f"({depth} x {width} {label}: float32 against float64, largest relative error of "
                      f"a layer's gradient norm: nnlab probe {off_probe:.1%}, plain loop {off_plain:.1%})")
            gp_all = GradientProbe(rng=np.random.default_rng(0), batch=BATCH, threads=None)
            gp_all(net)
            peers = {"nnlab probe": partial(gp, net),  # one BLAS thread, the probe's default
                     "nnlab, BLAS thr": partial(gp_all, net),  # the BLAS library's own thread count
                     "plain numpy": partial(plain_numpy_probe, net, X, y, weights),
                     "plain np, 1 thr": on_one_thread(partial(plain_numpy_probe, net, X, y, weights))}
            if torch is not None:
                tX, ty = torch.from_numpy(X), torch.from_numpy(y)
                tW = [torch.from_numpy(W).requires_grad_(True) for W in weights]
                peers["pytorch-cpu"] = partial(torch_probe, torch, net, tX, ty, tW)
            times = {name: float("inf") for name in peers}
            for _ in range(args.repeat):  # interleaved, so a slow spell of the machine hits every peer
                for name, fn in peers.items():
                    times[name] = min(times[name], best_time(fn, 1))
            name_net = f"{depth} x {width} {label}"
            # like for like: a peer on one BLAS thread against the probe on one thread, a peer on the
            # libraries' own threads against the probe on the BLAS library's threads
            same = {"plain np, 1 thr": "nnlab probe", "plain numpy": "nnlab, BLAS thr",
                    "pytorch-cpu": "nnlab, BLAS thr", "nnlab, BLAS thr": None, "nnlab probe": None}
            for name, seconds in times.items():
                mate = same[name]
                speedup = f"{seconds / times[mate]:.2f}x" if mate else ""
                rate_text = f"{2 * madds / seconds / 1e9:9.1f}" if name.startswith("nnlab") else " " * 9
                print(f"{name_net:<34}{name:<16}{seconds * 1e3:9.1f}{rate_text}   {speedup}")
            print()
    dashboard_table(args.repeat)
    print("nnlab probe: one BLAS thread (GradientProbe's default, the safe choice on a shared machine);")
    print("nnlab, BLAS thr: threads=None, the BLAS library's own thread count.")
    print("nnlab speed-up = the peer's time / nnlab's time on the same threads (above 1: nnlab is faster):")
    print("'plain np, 1 thr' against 'nnlab probe'; 'plain numpy' and 'pytorch-cpu' against "
          "'nnlab, BLAS thr'.")
    flops = probe_flops(DeepNet(100, 512), BATCH)
    peak = {threads: matmul_peak(threads) for threads in (1, 2)}
    print(f"\nThe issue's goal, 100 x 512 on {BATCH} samples in 100 ms, is {flops / 1e9:.1f} GFLOP of matrix "
          f"products: {flops / 0.1 / 1e9:.0f} GFLOP/s. This machine's best float32 matrix product "
          f"(2048 x 2048) ran at {peak[1]:.0f} GFLOP/s on one thread and {peak[2]:.0f} on two, so no "
          f"implementation does those products here in less than {flops / max(peak.values()) / 1e6:.0f} ms.")
    if limiter is not None:
        limiter.unregister()


if __name__ == "__main__":
    main()
