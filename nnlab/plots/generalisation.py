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

#: the colours of the three sets, and of the fit
TRAIN_COLOR, VAL_COLOR, TEST_COLOR, FIT_COLOR = "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728"
#: the colours of the fits drawn side by side (none of the sets' colours)
FIT_COLORS = ("#9467bd", "#d62728", "#8c564b", "#e377c2")
#: where the fit is drawn
X_GRID = np.linspace(-1.0, 1.0, 201)[:, None]


def plot_split(ax: Axes, split: Split, *, truth: bool = True) -> None:
    """The training points (filled), the validation points (open) and the true curve sin(pi x) (dashed)."""
    if truth:
        ax.plot(X_GRID[:, 0], true_function(X_GRID[:, 0]), "k--", lw=1, label="sin(πx)")
    ax.scatter(split.X_train[:, 0], split.y_train, s=28, color=TRAIN_COLOR, zorder=3, label="training")
    ax.scatter(split.X_val[:, 0], split.y_val, s=28, facecolors="none", edgecolors=VAL_COLOR, zorder=3,
               label="validation")
    ax.set(xlabel="x", ylabel="y", xlim=(-1.05, 1.05), ylim=(-2.0, 2.0))


def plot_fits(ax: Axes, split: Split, models: Mapping[str, Sequential]) -> None:
    """``plot_split`` and the curve of every model, labelled by its key."""
    plot_split(ax, split)
    for (label, model), color in zip(models.items(), FIT_COLORS * len(models)):
        ax.plot(X_GRID[:, 0], model.forward(X_GRID)[:, 0], lw=1.8, color=color, label=label)


def plot_curves(ax: Axes, history: History, *, title: str | None = None, legend: bool = True) -> None:
    """Training and validation loss per epoch (log scale), the best validation epoch marked; where early
    stopping ended the run, a vertical line."""
    epochs = np.arange(1, history.epochs + 1)
    ax.plot(epochs, history.loss, color=TRAIN_COLOR, lw=1.5, label="training loss")
    ax.plot(epochs[:len(history.val_loss)], history.val_loss, color=VAL_COLOR, lw=1.5, label="validation loss")
    if history.best_epoch is not None:
        best = history.best_epoch
        ax.plot(best + 1, history.val_loss[best], "o", color="black", ms=6, zorder=4,
                label=f"validation minimum (epoch {best + 1})")
    if history.stopped_early:
        ax.axvline(history.epochs, color="gray", ls=":", lw=1.2, label=f"stopped (epoch {history.epochs})")
    ax.set(yscale="log", xlabel="epoch", ylabel="MSE")
    if title:
        ax.set_title(title, fontsize=10)
    if legend:
        ax.legend(fontsize=8, loc="upper right")


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
        ax.plot(x, values.mean(axis=1), "o-", color=colors[name], lw=1.5, ms=4,
                label=f"{names[name]}{'' if label is None else ' ' + label}")
        ax.fill_between(x, values.min(axis=1), values.max(axis=1), color=colors[name], alpha=0.1, lw=0)
    if log:
        ax.set_xticks(x, [f"{v:g}" for v in sweep.values])
    ax.set(xlabel=sweep.name, ylabel=f"MSE (mean, band: {len(sweep.seeds)} seeds)")


def plot_weight_histogram(ax: Axes, weights: Mapping[str, np.ndarray], *, lim: float = 1.0, bins: int = 41) -> None:
    """Histograms of weight vectors side by side on a log count axis, clipped to [-lim, lim]."""
    edges = np.linspace(-lim, lim, bins + 1)
    for label, w in weights.items():
        ax.hist(np.clip(w, -lim, lim), bins=edges, histtype="step", lw=1.6, label=label)
    ax.set(yscale="log", xlabel=f"weight (beyond ±{lim:g} counted at the edge)", ylabel="number of weights")
    ax.legend(fontsize=8, loc="upper right")
