"""Latency of a redraw of notebook 07's dashboard (train a 1-K-K-1 tanh network, draw both panels, encode the
PNG), against peers in the same run that train the same network the same way.

A redraw trains ``nnlab.generalisation.train``: full-batch Adam (lr 0.03) for 600 epochs on the training points,
with the validation loss after every epoch. The peers train the same architecture on the same points, 600
full-batch Adam steps:

- PyTorch on the CPU (when installed), float64, with the validation loss after every step as nnlab computes it;
- scikit-learn's ``MLPRegressor`` (tanh, adam, ``batch_size`` = all points, ``max_iter=600``, no early stopping),
  which computes no validation loss: it does a little less work.

Absolute times on a shared machine are noise; the ratios, measured in one run, are what the benchmark is for.
The goal is a whole redraw of at most about 0.25 s at every setting the sliders reach.

    python benchmarks/generalisation_redraw.py [--repeat 5] [--threads N]
"""

from __future__ import annotations

import argparse
import time
import warnings
from functools import partial

from nnlab.generalisation import EPOCHS, LR, make_split, train
from nnlab.widgets.generalisation import GENERALISATION_PRESETS, generalisation_explorer

#: the settings timed: the presets, and the slowest corner the sliders reach
SETTINGS = {name: values for name, values in GENERALISATION_PRESETS.items()}
SETTINGS["largest (K 64, 64 points, p 0.5)"] = dict(GENERALISATION_PRESETS["overfit"], width=64, n_train=64, p=0.5)


def best_of(fn, repeat: int) -> float:
    """The fastest of ``repeat`` calls, in seconds."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def torch_train(torch, split, width: int) -> None:
    """The same network and steps in PyTorch: 600 full-batch Adam steps, the validation loss after each."""
    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Linear(1, width), torch.nn.Tanh(), torch.nn.Linear(width, width),
                              torch.nn.Tanh(), torch.nn.Linear(width, 1)).double()
    opt = torch.optim.Adam(net.parameters(), lr=LR)
    X, y = torch.from_numpy(split.X_train), torch.from_numpy(split.y_train[:, None])
    Xv, yv = torch.from_numpy(split.X_val), torch.from_numpy(split.y_val[:, None])
    for _ in range(EPOCHS):
        opt.zero_grad()
        loss = torch.mean((net(X) - y) ** 2)
        loss.backward()
        opt.step()
        with torch.no_grad():
            float(torch.mean((net(Xv) - yv) ** 2))


def sklearn_train(split, width: int) -> None:
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPRegressor

    model = MLPRegressor(hidden_layer_sizes=(width, width), activation="tanh", solver="adam", learning_rate_init=LR,
                         alpha=0.0, batch_size=len(split.y_train), max_iter=EPOCHS, tol=0.0,
                         n_iter_no_change=EPOCHS + 1, shuffle=False, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(split.X_train, split.y_train)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    try:
        from threadpoolctl import threadpool_limits
        threadpool_limits(args.threads)
    except ImportError:  # pragma: no cover
        pass
    try:
        import torch
        torch.set_num_threads(args.threads)
    except ImportError:  # pragma: no cover
        torch = None

    dash = generalisation_explorer(preset="overfit", prefetch=False)
    print(f"best of {args.repeat}, {args.threads} thread(s); times in ms")
    header = f"{'setting':36} {'redraw':>8} {'nnlab train':>12} {'PyTorch':>9} {'sklearn':>9} {'nnlab/PyTorch':>14}"
    print(header)
    for name, values in SETTINGS.items():
        def redraw(values=values):
            dash.trained.results.clear()  # a setting seen for the first time: trained, not taken from the cache
            dash.set_values(**dict(values, noise=values["noise"] + 0.1))  # away, so that the next move draws
            dash.set_values(**values)
        whole = best_of(redraw, args.repeat) / 2
        split = make_split(values["n_train"], noise=values["noise"])
        kwargs = dict(width=values["width"], lam=float(values["lam"]), p=values["p"],
                      patience=50 if values["early_stop"] else None)
        width = values["width"]
        ours = best_of(partial(train, split, **kwargs), args.repeat)
        theirs = best_of(partial(torch_train, torch, split, width), args.repeat) if torch else float("nan")
        sk = best_of(partial(sklearn_train, split, width), args.repeat)
        print(f"{name:36} {whole * 1e3:8.1f} {ours * 1e3:12.1f} {theirs * 1e3:9.1f} {sk * 1e3:9.1f} "
              f"{theirs / ours:13.2f}x")
    print("redraw: train + update the figure + PNG, as a slider move does (the mean of two moves); nnlab/PyTorch > 1: "
          "nnlab is faster. nnlab train stops early with early stopping on; the peers always run 600 steps.")


if __name__ == "__main__":
    main()
