"""The generalisation explorer: a wide network on a few noisy points, trained at every move, with the knobs
of the lecture: width, weight decay, dropout, the training-set size, the noise, and early stopping.

Each setting is trained once and kept; after a move, the settings one step further and one step back along
the slider that moved are trained in a background thread (``Dashboard.next_steps``), so that the next step
of a slider only draws."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import ipywidgets as widgets
import numpy as np
from matplotlib.figure import Figure

from ..generalisation import EPOCHS, Result, Split, make_split, train, true_function
from ..plots.base import FIGURE_WIDTH, GREY, fixed_labels, legend_below, note
from ..plots.generalisation import (
    FIT_COLOR,
    SET_STYLES,
    TRAIN_COLOR,
    VAL_COLOR,
    X_GRID,
    describe_curves,
    describe_fit,
)
from .base import BackgroundCache, Dashboard, slider

#: the choices of the sliders: widths, and the lecture's lambda (strings: a slider of fixed choices)
WIDTHS = (2, 4, 8, 16, 32, 64)
LAMBDAS = ("0", "1e-4", "3e-4", "1e-3", "3e-3", "1e-2", "3e-2")
#: early stopping's patience in the dashboard, in epochs
PATIENCE = 50

OVERFIT = dict(width=32, lam="0", p=0.0, n_train=16, noise=0.3, early_stop=False)
GENERALISATION_PRESETS = {
    "overfit": OVERFIT,
    "weight decay": dict(OVERFIT, lam="1e-3"),
    "dropout": dict(OVERFIT, p=0.2),
    "early stop": dict(OVERFIT, early_stop=True),
}


Key = tuple[int, str, float, int, float, bool]


def setting_key(values: dict) -> Key:
    """The dashboard's values as the key of the network they train: (width, lam, p, n_train, noise, early_stop)."""
    return (int(values["width"]), str(values["lam"]), round(float(values["p"]), 6), int(values["n_train"]),
            round(float(values["noise"]), 6), bool(values["early_stop"]))


def fit_setting(key: Key) -> tuple[Split, Result]:
    """The split and the trained network of one setting (seeded: the same key, the same network)."""
    width, lam, p, n_train, noise, early_stop = key
    split = make_split(n_train, noise=noise)
    return split, train(split, width=width, lam=float(lam), p=p, patience=PATIENCE if early_stop else None)


class GeneralisationView:
    """Left, the data and the trained network's curve; right, the training and validation loss per epoch with
    the validation minimum and, with early stopping, the epoch it stopped. Built once; ``update`` trains the
    network of the controls' values (seed 0, about 0.1 s) and moves the lines, points and titles."""

    YLIM = (1e-4, 3.0)

    def __init__(self, fig: Figure, fit: Callable[[Key], tuple[Split, Result]] = fit_setting) -> None:
        self.fit = fit
        self.ax_fit, self.ax_loss = fig.subplots(1, 2)
        ax = self.ax_fit
        ax.plot(X_GRID[:, 0], true_function(X_GRID[:, 0]), "k--", lw=1, label="sin(πx)")
        self.train_points = ax.scatter(np.zeros(0), np.zeros(0), s=28, color=TRAIN_COLOR, zorder=3, label="training")
        self.val_points = ax.scatter(np.zeros(0), np.zeros(0), s=28, facecolors="none", edgecolors=VAL_COLOR,
                                     zorder=3, label="validation")
        (self.fit_line,) = ax.plot(X_GRID[:, 0], np.zeros(len(X_GRID)), color=FIT_COLOR, lw=2, label="network")
        ax.set(xlabel="x", ylabel="y", xlim=(-1.05, 1.05), ylim=(-2.0, 2.0))
        legend_below(ax.legend(ncol=4, columnspacing=1.0, handletextpad=0.4), ax, drop=0.16)
        self.fit_title = ax.set_title("", fontsize=9)

        ax = self.ax_loss
        (self.train_curve,) = ax.plot([], [], color=TRAIN_COLOR, ls=SET_STYLES["train"][1], lw=1.5, label="training")
        (self.val_curve,) = ax.plot([], [], color=VAL_COLOR, ls=SET_STYLES["val"][1], lw=1.5, label="validation")
        (self.best_dot,) = ax.plot([], [], "o", color="black", ms=6, zorder=4, label="best validation")
        self.stop_line = ax.axvline(0, color=GREY, ls=":", lw=1.2, label="early stop")
        ax.set(yscale="log", xlabel="epoch", ylabel="MSE", xlim=(0, EPOCHS), ylim=self.YLIM)
        # four entries at 9 points: short handles and gaps keep them inside the 960-pixel figure
        legend_below(ax.legend(ncol=4, columnspacing=0.7, handletextpad=0.3, handlelength=1.6), ax, drop=0.16)
        self.loss_title = ax.set_title("", fontsize=9)
        fixed_labels(self.ax_fit, below=-0.09, left=-0.1)
        fixed_labels(self.ax_loss, below=-0.09, left=-0.12)
        fig.subplots_adjust(left=0.075, right=0.985, bottom=0.22, top=0.9, wspace=0.25)

    def update(self, *, width: int, lam: str, p: float, n_train: int, noise: float, early_stop: bool) -> None:
        """Train ``train(make_split(n_train, noise=noise), width, lam, p, patience)`` (through ``fit``, which
        may have it cached) and show it."""
        split, result = self.fit(setting_key(dict(width=width, lam=lam, p=p, n_train=n_train, noise=noise,
                                                  early_stop=early_stop)))
        h = result.history
        self.train_points.set_offsets(np.column_stack([split.X_train[:, 0], split.y_train]))
        self.val_points.set_offsets(np.column_stack([split.X_val[:, 0], split.y_val]))
        y_hat = result.model.forward(X_GRID)[:, 0]
        self.fit_line.set_ydata(y_hat)
        note(self.ax_fit, f"{len(split.y_train)} training points (filled) and {len(split.y_val)} validation points "
                          "(open), noisy samples of sin(πx) (dashed); "
                          + describe_fit("the network (solid)", X_GRID[:, 0], y_hat), key="fit")
        note(self.ax_loss, describe_curves(h), key="curves")
        self.fit_title.set_text(f"1-{width}-{width}-1, λ = {lam}, p = {p:.1f}: test MSE {result.test:.2f}"
                                f" (noise alone {noise ** 2:.2f})")
        epochs = np.arange(1, h.epochs + 1)
        lo = self.YLIM[0]
        self.train_curve.set_data(epochs, np.maximum(h.loss, lo))
        self.val_curve.set_data(epochs, np.maximum(h.val_loss, lo))
        self.best_dot.set_data([h.best_epoch + 1], [max(h.val_loss[h.best_epoch], lo)])
        self.stop_line.set_visible(h.stopped_early)
        self.stop_line.set_xdata([h.epochs, h.epochs])
        end = (f"stopped at {h.epochs}, kept {h.best_epoch + 1}" if h.stopped_early
               else f"validation minimum at {h.best_epoch + 1}")
        self.loss_title.set_text(f"train {result.train:.3f}, validation {result.val:.3f}; epochs: {end}")


class GeneralisationExplorer(Dashboard):
    """The dashboard, with the settings it has trained (``trained``, a ``BackgroundCache``).

    Parameters
    ----------
    preset : str, optional
        ``"overfit"`` (default), ``"weight decay"``, ``"dropout"`` or ``"early stop"``.
    prefetch : bool
        Train the next steps of the slider that moved in a background thread.
    """

    def __init__(self, preset: str | None = "overfit", *, prefetch: bool = True) -> None:
        self.trained = BackgroundCache(fit_setting, background=prefetch)
        style = {"description_width": "initial"}
        controls = {
            "width": widgets.SelectionSlider(options=WIDTHS, value=32, description="width K", style=style,
                                               continuous_update=False),
            "lam": widgets.SelectionSlider(options=LAMBDAS, value="0", description="weight decay λ", style=style,
                                             continuous_update=False),
            "p": slider(0.0, 0.0, 0.5, 0.1, "dropout p", continuous_update=False),
            "n_train": widgets.IntSlider(value=16, min=8, max=64, step=8, description="training points",
                                         style=style, continuous_update=False),
            "noise": slider(0.3, 0.0, 0.5, 0.1, "noise", continuous_update=False),
            "early_stop": widgets.Checkbox(value=False, description=f"early stopping (patience {PATIENCE})"),
        }
        super().__init__(lambda fig: GeneralisationView(fig, self.trained.get), controls,
                         figsize=(FIGURE_WIDTH, 4.2), presets=GENERALISATION_PRESETS, preset=preset)

    def prefetch(self, settings: list[dict]) -> None:
        """Train these settings in the background (see ``Dashboard.next_steps``)."""
        self.trained.prefetch(setting_key(v) for v in settings)

    def busy(self, values: Mapping[str, Any]) -> str | None:
        """What the dashboard says while it trains a setting it has not trained before."""
        if setting_key(values) in self.trained.results:
            return None
        return f"Training width {values['width']} on {values['n_train']} points: a first visit takes a few seconds…"


def generalisation_explorer(preset: str | None = "overfit", *, prefetch: bool = True) -> GeneralisationExplorer:
    """Sliders for the width, lambda, dropout p, training-set size and noise, and an early-stopping switch;
    each move trains the network of the new setting (full-batch Adam, 600 epochs at most; each setting once)
    and redraws both panels.

    Parameters
    ----------
    preset : str, optional
        ``"overfit"`` (default), ``"weight decay"``, ``"dropout"`` or ``"early stop"``.
    prefetch : bool
        Train the next steps of the slider that moved in a background thread (see ``GeneralisationExplorer``).
    """
    return GeneralisationExplorer(preset, prefetch=prefetch)
