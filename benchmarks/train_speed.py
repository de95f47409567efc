"""Training throughput: nnlab against scikit-learn's MLPClassifier (and PyTorch on the CPU, if installed).

Every library trains the same architecture on the same 12,000 x 784 float32 data, with Adam,
minibatches of 128, for 10 epochs, in this one run; the best of ``--repeat`` runs is kept.
Absolute times on a shared machine are noise, so what matters is the ratio printed last:
nnlab's samples per second over each peer's.

    python benchmarks/train_speed.py [--repeat 5]
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np

import nnlab as nl

N, D, EPOCHS, BATCH, LR = 12_000, 784, 10, 128, 1e-3
ARCHITECTURES = [(4,), (64, 64)]


def make_data() -> tuple[np.ndarray, np.ndarray]:
    """MNIST-like inputs in [0, 1) and labels from a random linear rule (seeded)."""
    rng = np.random.default_rng(0)
    X = rng.random((N, D), dtype=np.float32)
    y = (X @ rng.standard_normal(D) > np.median(X @ rng.standard_normal(D))).astype(np.int64)
    return X, y


def time_nnlab(X, y, hidden) -> float:
    rng = np.random.default_rng(1)
    model = nl.MLP([D, *hidden, 1], "relu", rng=rng, dtype=np.float32)
    t = time.perf_counter()
    nl.fit(model, X, y, loss="bce", optimizer=nl.Adam(LR), epochs=EPOCHS, batch_size=BATCH, rng=rng)
    return time.perf_counter() - t


def time_sklearn(X, y, hidden) -> float:
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    clf = MLPClassifier(hidden_layer_sizes=hidden, activation="relu", solver="adam", alpha=0.0,
                        batch_size=BATCH, learning_rate_init=LR, max_iter=EPOCHS, tol=0.0,
                        n_iter_no_change=EPOCHS + 1, random_state=1)
    t = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X, y)
    return time.perf_counter() - t


def time_torch(X, y, hidden) -> float:
    import torch

    torch.manual_seed(1)
    sizes = [D, *hidden, 1]
    layers: list[torch.nn.Module] = []
    for k, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(torch.nn.Linear(a, b))
        if k < len(sizes) - 2:
            layers.append(torch.nn.ReLU())
    model = torch.nn.Sequential(*layers)
    opt = torch.optim.Adam(model.parameters(), lr=LR)
    loss_fn = torch.nn.BCEWithLogitsLoss()
    Xt, yt = torch.from_numpy(X), torch.from_numpy(y.astype(np.float32))[:, None]
    gen = torch.Generator().manual_seed(1)
    t = time.perf_counter()
    for _ in range(EPOCHS):
        order = torch.randperm(N, generator=gen)
        for start in range(0, N, BATCH):
            idx = order[start:start + BATCH]
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(model(Xt[idx]), yt[idx])
            loss.backward()
            opt.step()
    return time.perf_counter() - t


def main() -> dict[tuple[int, ...], dict[str, float]]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="runs per library; the fastest is kept")
    parser.add_argument("--threads", type=int, default=1,
                        help="BLAS / PyTorch threads for every library (default 1: on a shared machine "
                             "a second thread makes the timings noisy)")
    args = parser.parse_args()
    from threadpoolctl import threadpool_limits

    threadpool_limits(args.threads)
    X, y = make_data()
    peers = {"nnlab": time_nnlab, "scikit-learn": time_sklearn}
    try:
        import torch

        peers["pytorch-cpu"] = time_torch
        torch.set_num_threads(args.threads)
        torch_note = f"torch {torch.__version__}"
    except ImportError:
        torch_note = "PyTorch not installed: pip install torch (CPU build) to include it"
    print(f"{N} samples x {D} features, float32, Adam, batch {BATCH}, {EPOCHS} epochs, "
          f"best of {args.repeat}, {args.threads} thread(s) each")
    print(f"({torch_note})\n")
    print(f"{'architecture':<16}{'library':<15}{'samples/s':>12}")
    results = {}
    for hidden in ARCHITECTURES:
        arch = "-".join(map(str, [D, *hidden, 1]))
        best = {name: float("inf") for name in peers}
        for _ in range(args.repeat):  # interleaved, so a slow spell of the machine hits every library
            for name, timer in peers.items():
                best[name] = min(best[name], timer(X, y, hidden))
        rates = {name: N * EPOCHS / t for name, t in best.items()}
        for name, rate in rates.items():
            print(f"{arch:<16}{name:<15}{rate:>12,.0f}")
        for name in rates:
            if name != "nnlab":
                print(f"{arch:<16}{'nnlab / ' + name:<28} {rates['nnlab'] / rates[name]:.2f}x")
        print()
        results[hidden] = rates
    return results


if __name__ == "__main__":
    main()
