"""The pictures of notebook 06 (vanishing and exploding gradients): gradient norms per layer, histograms of
the local gradients, training curves, firing rates and clipping. Each ``plot_*`` function draws on the
``ax`` or ``fig`` it is given, from a probe's results (``nnlab.gradients``) or ``nnlab.fit``'s histories."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

from ..gradients import SATURATION, ProbeResult
from ..optim import History
from .base import BLACK, BLUE, GREEN, GREY, LINESTYLES, PALETTE, WARNING, extreme_runs, extreme_words, fmt, note

#: the second cue of the lines of a plot with markers: one marker each
MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")


def describe_per_layer(name: str, layers: np.ndarray, values: np.ndarray, *, magnitude: bool = False) -> str:
    """A value per layer in words: at the first and the last layer, and the lowest and highest in between (every
    layer that reaches it, ``extreme_runs``). With ``magnitude``, values are said by their powers of ten (``decade``):
    for a network that magnifies round-off (an exploding gradient), whose digits differ between CPUs."""
    layers, values = np.asarray(layers), np.asarray(values, dtype=float)
    finite = np.isfinite(values)
    if not finite.any():
        return f"{name}: no finite value"
    say = decade if magnitude else fmt
    text = f"{name}: {say(values[0])} at layer {layers[0]}, {say(values[-1])} at layer {layers[-1]}"
    if magnitude:
        return text
    extremes = []
    for kind in ("lowest", "highest"):
        runs = extreme_runs(values, kind)
        if runs:
            value = fmt(np.nanmin(values) if kind == "lowest" else np.nanmax(values))
            extremes.append(extreme_words(f"{kind} {value}", runs, lambda i: str(layers[i]), ("layer", "layers")))
    return text + (f" ({', '.join(extremes)})" if extremes else "")


def trained(loss: float) -> str:
    """A loss after training, as the notebooks print it: one decimal, or "below 0.05". Training magnifies the
    round-off of every step, and the loss it ends at differs between CPUs in its second digit (0.096 on one, 0.098
    on another), and by orders of magnitude once it is near 0."""
    loss = float(loss)
    return f"{loss:.1f}" if not np.isfinite(loss) or loss >= 0.05 else "below 0.05"


def decade(v: float) -> str:
    """A positive number by its power of ten, as a log axis shows it: "between 1e+15 and 1e+16" for 3e+15,
    "between 100 and 1,000" for 114."""
    v = float(v)
    if not np.isfinite(v) or v <= 0:
        return fmt(v)
    e = int(np.floor(np.log10(v)))
    return f"between {fmt(10.0 ** e)} and {fmt(10.0 ** (e + 1))}"


def trained_log(loss: float) -> str:
    """A loss after training on a log axis: ``trained``'s one decimal down to 0.05, below it the power of ten it is
    under ("below 0.001"), down to 1e-4 ("below 1e-04"): the digits of a loss near 0 differ between CPUs, the decade
    down to there does not."""
    loss = float(loss)
    if not np.isfinite(loss) or loss >= 0.05:
        return trained(loss)
    return f"below {fmt(10.0 ** max(-4, int(np.floor(np.log10(loss))) + 1))}" if loss > 0 else "0"


def positive(values: np.ndarray) -> np.ndarray:
    """Values for a log axis: zeros and non-finite values become NaN (not drawn)."""
    out = np.array(values, dtype=float)
    out[~(np.isfinite(out) & (out > 0))] = np.nan
    return out


def log_ticks(ax: Axes) -> None:
    """Plain tick labels (1, 2, 5, 10, ...) on a log axis spanning less than two decades."""
    lo, hi = ax.get_ylim()
    if lo > 0 and np.log10(hi / lo) < 2 - 1e-9:  # under two decades (two whole ones are not, on any CPU)
        subs = (1.0, 2.0, 5.0) if hi / lo > 5 else (1.0, 1.5, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0)
        ax.yaxis.set_major_locator(LogLocator(subs=subs))
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
        ax.yaxis.set_minor_formatter(NullFormatter())


def log_limits(ax: Axes, lines: list) -> None:
    """Fit a log axis to the finite values of ``lines`` (as autoscaling a new axes would) out to whole decades,
    with plain tick labels when it spans less than two decades. Whole decades: a small move of a dashboard's
    control keeps the axis (and the dashboard redraws only the data)."""
    values = np.concatenate([np.asarray(line.get_ydata(), dtype=float) for line in lines])
    values = values[np.isfinite(values)]
    ax.set_yscale("log")  # back to the default ticks, which _log_ticks may have replaced
    if values.size:
        lo, hi = values.min(), values.max()
        pad = (hi / lo) ** 0.05 if hi > lo else 2.0  # 5% of the range on each side, like autoscaling
        ax.set_ylim(10.0 ** np.floor(np.log10(lo / pad)), 10.0 ** np.ceil(np.log10(hi * pad)))
    else:
        ax.set_ylim(0.1, 10)
    log_ticks(ax)


def plot_grad_norms(ax: Axes, results: Mapping[str, ProbeResult], *, title: str | None = None) -> None:
    """``||dL/dW_d||`` against the layer number d, one line per labelled result, on a log scale."""
    described = []
    for k, (label, result) in enumerate(results.items()):
        ax.plot(result.layers, positive(result.grad_norm), marker=MARKERS[k % len(MARKERS)], ms=3.5, label=label,
                color=PALETTE[k % len(PALETTE)], ls=LINESTYLES[k % len(LINESTYLES)])
        described.append(describe_per_layer(label, result.layers, positive(result.grad_norm),
                                            magnitude=result.magnifies_round_off))
    if results:
        note(ax, "the norm of the weight gradient per hidden layer (layer 1 next to the input), log scale; "
                 + "; ".join(described), key="norms")
    ax.set_yscale("log")
    ax.set(xlabel="hidden layer d  (1 = next to the input)", ylabel=r"$\|\partial L / \partial W_d\|$")
    ax.grid(True, which="major", alpha=0.3)
    if len(results) > 1:
        ax.legend(fontsize=9)
    if results:
        log_ticks(ax)
    if title:
        ax.set_title(title, fontsize=11)


def plot_dphi(ax: Axes, result: ProbeResult) -> None:
    """Histograms of the local gradients ``phi'(q)`` of the layers kept by the probe (log x axis)."""
    if not result.dphi:
        raise ValueError("result: no phi'(q) values kept; probe with keep_dphi=(1, 10, ...)")
    top = 0.25 if result.net.activation == "sigmoid" else 1.0
    bins = np.logspace(-8, np.log10(top) + 0.02, 45)
    described = []
    for k, (layer, values) in enumerate(sorted(result.dphi.items())):
        clipped = np.clip(values, bins[0], None)  # exact zeros go to the first bin
        ax.hist(clipped, bins=bins, weights=np.full(len(values), 1 / len(values)), histtype="step",
                lw=1.8, color=PALETTE[k % 7], ls=LINESTYLES[k % 7], label=f"layer {layer}: mean {values.mean():.3f}")
        described.append(f"layer {layer}: mean {values.mean():.3f}, {np.mean(values < SATURATION * top):.0%} "
                         f"below {SATURATION * top:.3f}")
    ax.axvline(top, color=GREY, ls=":")
    ax.axvline(SATURATION * top, color=BLACK, ls=(0, (5, 2, 1, 2)), lw=1.2,
               label=f"saturated below ({SATURATION * top:.3f})")
    note(ax, f"histograms of the local gradients φ'(q), log scale from 1e-08 to the largest, {fmt(top)}: "
             + "; ".join(described), key="dphi")
    ax.set_xscale("log")
    ax.set(xlabel=r"local gradient $\varphi'(q)$ of one unit on one sample", ylabel="fraction of values",
           title=f"where the local gradients lie: {result.net}")
    ax.title.set_fontsize(10)
    ax.legend(fontsize=9, loc="upper left")


def plot_losses(fig: Figure, records: Mapping[str, History], *, columns: int = 3,
                ylim: tuple[float, float] = (0.0, 1.2), ylabel: str = "training loss (BCE)") -> None:
    """Training-loss curves side by side on ``fig``, one panel per run (``nnlab.fit``'s histories), on the
    same axis limits. A run that diverged is marked in its panel; losses above ``ylim`` run off the top.
    The figure is best ``FIGURE_WIDTH`` (9.6 inches) wide for three columns, and ``2.7`` inches per row."""
    rows = -(-len(records) // columns)
    axes = np.atleast_1d(fig.subplots(rows, min(columns, len(records)), squeeze=False)).ravel()
    for ax, (label, rec) in zip(axes, records.items()):
        epochs = np.arange(1, len(rec.loss) + 1)
        ax.plot(epochs, rec.loss, color=BLUE, marker="." if len(rec.loss) < 5 else None)
        if rec.diverged_epoch is not None:
            status = f"diverged in epoch {rec.diverged_epoch}"
            first = f"\n(epoch 1: {rec.loss[0]:.1e})" if rec.loss and rec.loss[0] > ylim[1] else ""
            ax.text(0.5, 0.5, "loss became\ninfinite or NaN" + first, transform=ax.transAxes, ha="center",
                    va="center", color=WARNING)
            note(ax, f"the loss became infinite or not a number in epoch {rec.diverged_epoch}", key="loss")
        else:
            status = f"accuracy {rec.accuracy[-1]:.0%}" if rec.accuracy else f"loss {rec.loss[-1]:.3f}"
            note(ax, f"training loss over {len(rec.loss)} epochs, from {trained(rec.loss[0])} to "
                     f"{trained(rec.loss[-1])}", key="loss")
        ax.set_title(f"{label}\n{status}", fontsize=9)
        ax.set(xlabel="epoch", ylim=ylim, xlim=(0, max(len(r.loss) for r in records.values()) + 1))
        ax.grid(True, alpha=0.3)
    for ax in axes[len(records):]:
        ax.set_visible(False)
    for ax in axes[::columns]:
        ax.set_ylabel(ylabel)
    height = fig.get_figheight()  # margins in inches, so one row or two look the same
    fig.subplots_adjust(left=0.08, right=0.98, bottom=0.5 / height, top=1 - 0.5 / height,
                        wspace=0.25, hspace=0.6)


def plot_firing(fig: Figure, rates: Mapping[str, np.ndarray]) -> None:
    """For each network, the fraction of the data on which each hidden unit fires (bar per unit), one
    panel each on ``fig``. Units that fire on no sample at all are marked with a red x: silent units."""
    axes = np.atleast_1d(fig.subplots(1, len(rates), sharey=True))
    for ax, (label, rate) in zip(axes, rates.items()):
        units = np.arange(1, len(rate) + 1)
        ax.bar(units, rate, color=GREEN)
        silent = rate == 0
        ax.plot(units[silent], np.zeros(silent.sum()), "x", color=WARNING, ms=7, mew=2)
        silent_units = ", ".join(str(u) for u in units[silent])
        note(ax, f"a bar per unit of hidden layer 1, the fraction of the data it fires on, from {fmt(rate.min())} to "
                 f"{fmt(rate.max())}" + (f"; silent (x): unit{'s' if silent.sum() > 1 else ''} {silent_units}"
                                          if silent.any() else "; none silent"), key="firing")
        ax.set_title(f"{label}\n{int(silent.sum())} of {len(rate)} units silent", fontsize=10)
        ax.set(xlabel="unit of hidden layer 1", ylim=(-0.05, 1.05), xticks=units[::3])
        ax.grid(True, axis="y", alpha=0.3)
    axes[0].set_ylabel("fraction of the data it fires on")
    fig.subplots_adjust(left=0.07, right=0.98, bottom=0.17, top=0.82, wspace=0.12)


def plot_clipping(fig: Figure, records: Mapping[str, History], clip_norm: float, *, top: float = 1e8) -> None:
    """Left: the loss per epoch; right: the gradient norm at every step (``fit(..., record_grad_norm=True)``),
    with the clip level (log scales), and one legend for both below them. Values above ``top`` are drawn at
    ``top`` (a diverging run's last gradients reach 1e100 and more). Margins are in inches, so that the
    figure reads the same at any height (best ``FIGURE_WIDTH`` wide and 4 inches high)."""
    ax_l, ax_g = fig.subplots(1, 2)
    finite = [v for rec in records.values() for v in [*rec.loss, *rec.grad_norm] if np.isfinite(v) and v > 0]
    bottom = min(finite) / 2 if finite else 1e-3
    handles, losses_said, grads_said = [], [], []
    for k, (label, rec) in enumerate(records.items()):
        end = f" (diverged, epoch {rec.diverged_epoch})" if rec.diverged_epoch is not None else ""
        loss = np.minimum(positive(rec.loss), top)
        line, = ax_l.plot(np.arange(1, len(loss) + 1), loss, marker=MARKERS[k % len(MARKERS)], ms=3.5,
                          label=label + end, color=PALETTE[k % len(PALETTE)], ls=LINESTYLES[k % len(LINESTYLES)])
        handles.append(line)
        grads = np.array(rec.grad_norm, dtype=float)
        grads[~np.isfinite(grads)] = np.inf  # NaN from an overflow: off the scale too
        ax_g.plot(np.arange(1, len(grads) + 1), np.clip(grads, bottom, top), color=line.get_color(),
                  ls=line.get_linestyle(), label=label)
        # a run that diverged is said by when: its last numbers are the arithmetic's round-off, magnified
        if rec.diverged_epoch is not None:
            losses_said.append(f"{label}: diverged in epoch {rec.diverged_epoch}")
        else:
            losses_said.append(f"{label}: from {trained_log(rec.loss[0])} to {trained_log(rec.loss[-1])} over "
                               f"{len(rec.loss)} epochs" if rec.loss else f"{label}: no epoch")
        finite = grads[np.isfinite(grads)]
        if (grads > top).any():
            grads_said.append(f"{label}: {len(grads)} steps, from {fmt(grads[0])}, off the scale from step "
                              f"{int(np.argmax(grads > top)) + 1}")
        else:
            under = np.flatnonzero(grads <= clip_norm)
            # when it first dips to the clip level: what the notebook prints too (the steps after it are clipped
            # or not by the chaos of training, which differs between CPUs)
            reaches = ("it starts at or under the clip level" if grads[0] <= clip_norm
                       else f"first dips to the clip level at step {under[0] + 1}" if under.size
                       else "never at or under the clip level")
            grads_said.append(f"{label}: {len(grads)} steps, {fmt(grads[0])} at the first, highest "
                              f"{fmt(finite.max())}; {reaches}" if finite.size else f"{label}: no finite gradient norm")
        if (grads > top).any():
            ax_g.annotate(f"off the scale: {np.nanmax(grads[np.isfinite(grads)]):.0e}, then overflow"
                          if np.isfinite(grads).any() and np.nanmax(grads[np.isfinite(grads)]) > top
                          else "off the scale", xy=(np.argmax(grads > top) + 1, top), xytext=(15, -25),
                          textcoords="offset points", fontsize=9, color=BLACK,
                          arrowprops=dict(arrowstyle="->", color=line.get_color()))
    handles.append(ax_g.axhline(clip_norm, color=BLACK, ls=(0, (5, 2, 1, 2)), lw=1.2,
                                label=f"clip_norm = {clip_norm:g}"))
    note(ax_l, "the training loss per epoch, log scale; " + "; ".join(losses_said), key="loss")
    note(ax_g, f"the gradient norm before clipping at every step, log scale, with the clip level {clip_norm:g}; "
               + "; ".join(grads_said), key="grads")
    ax_l.set(xlabel="epoch", ylabel="training loss (epoch mean)", yscale="log", ylim=(bottom, top * 2))
    ax_g.set(xlabel="step (minibatch)", ylabel="gradient norm before clipping", yscale="log", ylim=(bottom, top * 2))
    for ax, title in ((ax_l, "loss"), (ax_g, "gradient norm")):
        ax.set_title(title, fontsize=10)
        ax.grid(True, alpha=0.3)
    fig.legend(handles=handles, loc="lower center", ncol=2, fontsize=9, frameon=False)
    height = fig.get_figheight()
    fig.subplots_adjust(left=0.08, right=0.97, bottom=0.95 / height, top=1 - 0.3 / height, wspace=0.25)
