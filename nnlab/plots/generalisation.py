"""The pictures of notebook 07 (fitting is not learning): the fit on the noisy points, the training and
validation curves with early stopping's epoch, the sweeps over seeds as curves with their spread, and the
weights' histogram. Each ``plot_*`` function draws on the ``ax`` it is given and returns nothing."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from matplotlib.axes import Axes

from ..generalisation import Split, Sweep, true_function
from ..layers import Sequential
from ..optim import History
from .base import BLACK, BLUE, GREEN, GREY, LINESTYLES, ORANGE, PALETTE, PURPLE, SKY, VERMILLION, fmt, note

#: the colours of the three sets, and of the fit; the sets differ by marker and line style too (``SET_STYLES``)
TRAIN_COLOR, VAL_COLOR, TEST_COLOR, FIT_COLOR = BLUE, VERMILLION, GREEN, PURPLE
#: each set's marker and line style, in ``plot_sweep`` and ``plot_curves``
SET_STYLES = {"train": ("o", "-"), "val": ("s", "--"), "test": ("^", ":")}
#: the colours and line styles of the fits drawn side by side (none of the sets' colours)
FIT_COLORS = (PURPLE, ORANGE, SKY, BLACK)
FIT_STYLES = ("-", "--", "-.", ":")
#: where the fit is drawn
X_GRID = np.linspace(-1.0, 1.0, 201)[:, None]


def describe_fit(name: str, x: np.ndarray, y_hat: np.ndarray) -> str:
    """A fitted curve against the true sin(πx), in words: its largest distance from it, and where."""
    gap = np.abs(np.asarray(y_hat) - true_function(np.asarray(x)))
    k = int(np.argmax(gap))
    return f"{name}: at most {fmt(gap[k])} from sin(πx) (at x = {fmt(x[k])}), from {fmt(np.min(y_hat))} to " \
           f"{fmt(np.max(y_hat))}"


def plot_split(ax: Axes, split: Split, *, truth: bool = True) -> None:
    """The training points (filled), the validation points (open) and the true curve sin(pi x) (dashed)."""
    if truth:
        ax.plot(X_GRID[:, 0], true_function(X_GRID[:, 0]), "k--", lw=1, label="sin(πx)")
    ax.scatter(split.X_train[:, 0], split.y_train, s=28, color=TRAIN_COLOR, zorder=3, label="training")
    ax.scatter(split.X_val[:, 0], split.y_val, s=28, facecolors="none", edgecolors=VAL_COLOR, zorder=3,
               label="validation")
    ax.set(xlabel="x", ylabel="y", xlim=(-1.05, 1.05), ylim=(-2.0, 2.0))
    note(ax, f"{len(split.y_train)} training points (filled) and {len(split.y_val)} validation points (open), "
             "noisy samples of sin(πx)" + (" (dashed)" if truth else ""), key="split")


def plot_fits(ax: Axes, split: Split, models: Mapping[str, Sequential]) -> None:
    """``plot_split`` and the curve of every model, labelled by its key."""
    plot_split(ax, split)
    for k, (label, model) in enumerate(models.items()):
        y_hat = model.forward(X_GRID)[:, 0]
        ax.plot(X_GRID[:, 0], y_hat, lw=1.8, color=FIT_COLORS[k % 4], ls=FIT_STYLES[k % 4], label=label)
        note(ax, describe_fit(label, X_GRID[:, 0], y_hat), key=f"fit {label}")


def plot_curves(ax: Axes, history: History, *, title: str | None = None, legend: bool = True) -> None:
    """Training and validation loss per epoch (log scale), the best validation epoch marked; where early
    stopping ended the run, a vertical line."""
    epochs = np.arange(1, history.epochs + 1)
    ax.plot(epochs, history.loss, color=TRAIN_COLOR, ls=SET_STYLES["train"][1], lw=1.5, label="training loss")
    ax.plot(epochs[:len(history.val_loss)], history.val_loss, color=VAL_COLOR, ls=SET_STYLES["val"][1], lw=1.5,
            label="validation loss")
    if history.best_epoch is not None:
        best = history.best_epoch
        ax.plot(best + 1, history.val_loss[best], "o", color="black", ms=6, zorder=4,
                label=f"validation minimum (epoch {best + 1})")
    if history.stopped_early:
        ax.axvline(history.epochs, color=GREY, ls=":", lw=1.2, label=f"stopped (epoch {history.epochs})")
    ax.set(yscale="log", xlabel="epoch", ylabel="MSE")
    if title:
        ax.set_title(title, fontsize=10)
    if legend:
        ax.legend(fontsize=9, loc="upper right")
    note(ax, describe_curves(history), key="curves")


def describe_curves(history: History) -> str:
    """Training and validation loss in words: where each starts and ends, the validation minimum, the stop."""
    text = (f"MSE per epoch, log scale, over {history.epochs} epochs: training from {fmt(history.loss[0])} to "
            f"{fmt(history.loss[-1])}")
    if len(history.val_loss):
        text += f"; validation from {fmt(history.val_loss[0])} to {fmt(history.val_loss[-1])}"
    if history.best_epoch is not None:
        text += (f", lowest {fmt(history.val_loss[history.best_epoch])} at epoch {history.best_epoch + 1} "
                 "(the dot)")
    if history.stopped_early:
        text += f"; early stopping ended the run at epoch {history.epochs} (dotted line)"
    return text


def plot_sweep(ax: Axes, sweep: Sweep, *, sets: tuple[str, ...] = ("train", "val", "test"), log: bool = False,
               label: str | None = None) -> None:
    """Mean loss over the seeds against the setting, each set in its colour, with a band from the lowest to the
    highest seed. With ``log=True`` the settings are placed evenly (labelled by value), for a log-like scale
    that keeps 0."""
    colors = {"train": TRAIN_COLOR, "val": VAL_COLOR, "test": TEST_COLOR}
    names = {"train": "training", "val": "validation", "test": "test"}
    x = np.arange(len(sweep.values)) if log else np.asarray(sweep.values, dtype=float)
    for name in sets:
        values = getattr(sweep, name)
        marker, ls = SET_STYLES[name]
        full = f"{names[name]}{'' if label is None else ' ' + label}"
        ax.plot(x, values.mean(axis=1), marker=marker, ls=ls, color=colors[name], lw=1.5, ms=4.5, label=full)
        ax.fill_between(x, values.min(axis=1), values.max(axis=1), color=colors[name], alpha=0.1, lw=0)
        means = ", ".join(f"{fmt(m)} at {v:g}" for m, v in zip(values.mean(axis=1), sweep.values))
        note(ax, f"{full} MSE, mean over {len(sweep.seeds)} seeds, by {plain_name(sweep.name)}: {means}",
             key=f"sweep {full}")
    if log:
        ax.set_xticks(x, [f"{v:g}" for v in sweep.values])
    ax.set(xlabel=sweep.name, ylabel=f"MSE (mean, band: {len(sweep.seeds)} seeds)")


def plain_name(name: str) -> str:
    """A sweep's name without math markup."""
    from .base import plain

    return plain(name)


def plot_weight_histogram(ax: Axes, weights: Mapping[str, np.ndarray], *, lim: float = 1.0, bins: int = 41) -> None:
    """Histograms of weight vectors side by side on a log count axis, clipped to [-lim, lim]."""
    edges = np.linspace(-lim, lim, bins + 1)
    for k, (label, w) in enumerate(weights.items()):
        w = np.asarray(w)
        ax.hist(np.clip(w, -lim, lim), bins=edges, histtype="step", lw=1.6, label=label, color=PALETTE[k % 7],
                ls=LINESTYLES[k % 7])
        note(ax, f"{label}: {len(w):,} weights from {fmt(w.min())} to {fmt(w.max())}, "
                 f"{np.mean(np.abs(w) < 1e-2):.0%} of them within ±0.01 of 0", key=f"weights {label}")
    ax.set(yscale="log", xlabel=f"weight (beyond ±{lim:g} counted at the edge)", ylabel="number of weights")
    ax.legend(fontsize=9, loc="upper right")
