"""The dashboard every nnlab widget is built on: controls, and a figure built once and updated in place.

Every dashboard of a topic has a *view*: a class whose ``__init__(fig)`` builds the figure's axes,
lines, images and texts once, and whose ``update(**values)`` moves them to the controls' values
(data, limits, titles), never building axes again (building them is most of what a redraw costs).
The figure is a plain ``matplotlib.figure.Figure`` (not pyplot, so it is never shown twice or piled
up) rendered to PNG into an ``<img>`` with its text alternative, in an ``ipywidgets.HTML`` (an
``ipywidgets.Image`` has no alt text). Moving a control replaces the picture and its alt text: the
picture changes in place, with no flicker and no growing stack of outputs, and it works wherever
ipywidgets works (no extra JupyterLab extension). The view notes what it shows at every update
(``nnlab.plots.base.note``), and the alt text is made from those notes (``alt_text``). ``static_figure()``
draws the current values with a fresh view on an ordinary inline figure, which is what an exported or
printed notebook shows; the tests check that a view updated to some values draws, pixel for pixel and
word for word, what a fresh view draws.

Accessibility of the controls: ipywidgets 8 gives a slider's handle no accessible name, and announces a
selection slider's index rather than the value it shows (ipywidgets#2650); a disabled slider stays in the Tab
order; JupyterLab's notebook shortcuts take the arrow keys and letters typed in a menu (ipywidgets#3912). A
dashboard therefore displays, once before its widgets, a small script (``ACCESS_SCRIPT``, offline, no extension)
that names every control after its label, gives each slider the value its readout shows, takes a disabled control
out of the Tab order and says it is disabled, keeps JupyterLab's shortcuts out of the dashboard, and makes the
picture a polite live region, so that a screen reader reads the new alt text after a move (and the line under it,
where a setting that cannot be drawn says why, a status message).

A dashboard whose moves train a network keeps what it trained in a ``BackgroundCache`` and implements
``prefetch``: after each move, the settings one step further (and one step back) along the control that
moved are trained in a background thread while the student looks, so that the next step only draws; a first
visit says that it is training (``busy``) until its picture is there.

Speed (issue 27, the README's "Dashboards: how a move becomes a picture"): a move redraws only what can have
changed (``nnlab.widgets.blit.Blitter``: the axes' frames, ticks and labels are kept as pixels per set of limits,
the data drawn on them; the picture is pixel for pixel a full draw's), and in a kernel the moves are drawn in a
worker thread, the last position first (``LatestOnly``): the sliders of the cheap dashboards follow a drag
(``continuous_update``), and a burst of moves never queues pictures.
"""

from __future__ import annotations

import contextlib
import html
import logging
import math
import numbers
import threading
import time
import weakref
from collections import deque
from collections.abc import Callable, Hashable, Iterable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, Protocol

import ipywidgets as widgets
import matplotlib.pyplot as plt
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from ..plots.base import DPI, FIGURE_WIDTH, Picture, alt_text, image_html
from .blit import Blitter, encode_png


class View(Protocol):
    """What a dashboard draws with: built on a figure once, then updated to new control values."""

    def update(self, **values: Any) -> None:  # pragma: no cover - interface
        ...


ViewFactory = Callable[[Figure], View]


class BackgroundCache:
    """The results of an expensive, deterministic function of a hashable key, each computed once: on
    demand, or ahead of time in one background thread.

    Parameters
    ----------
    compute : callable
        ``compute(key)``; it must depend on ``key`` only (a seeded training run), so that a result
        computed ahead is the one computed on demand.
    background : bool
        Whether ``prefetch`` computes anything (False: only on demand).

    Attributes
    ----------
    results : dict
        Every key computed so far, with its result.
    """

    def __init__(self, compute: Callable[[Hashable], Any], *, background: bool = True) -> None:
        self.compute = compute
        self.results: dict[Hashable, Any] = {}
        self._lock = threading.Lock()
        self._running: dict[Hashable, Future] = {}  # keys being computed, in either thread
        self._wanted: set[Hashable] = set()  # what the last prefetch asked for
        self._pool = ThreadPoolExecutor(1, thread_name_prefix="nnlab-prefetch") if background else None
        if self._pool is not None and hasattr(threading, "_register_atexit"):
            # at exit (a kernel restart), skip the guesses not yet started: the pool's thread is joined
            threading._register_atexit(self._wanted.clear)

    def get(self, key: Hashable) -> Any:
        """The result for ``key``: cached, waited for if the background thread is computing it, or
        computed now."""
        with self._lock:
            if key in self.results:
                return self.results[key]
            future, mine = self._running.get(key), False
            if future is None:
                future, mine = self._running.setdefault(key, Future()), True
        if mine:
            try:
                result = self.compute(key)
                with self._lock:
                    self.results[key] = result
                future.set_result(result)
            except BaseException as exc:  # an interrupt too: whoever waits for the key is told
                if not future.done():
                    future.set_exception(exc)
                raise
            finally:
                with self._lock:
                    self._running.pop(key, None)
        return future.result()

    def prefetch(self, keys: Iterable[Hashable]) -> None:
        """Compute ``keys`` in the background, in this order; what an earlier call asked for and has not
        started is dropped (the student has moved on)."""
        if self._pool is None:
            return
        keys = list(keys)
        with self._lock:
            self._wanted.clear()
            self._wanted.update(keys)
            todo = [k for k in keys if k not in self.results and k not in self._running]
        for key in todo:
            self._pool.submit(self._ahead, key)

    def _ahead(self, key: Hashable) -> None:
        with self._lock:
            if key not in self._wanted:
                return
        with contextlib.suppress(Exception):  # a setting that fails is shown failing when it is asked for
            self.get(key)

    def wait(self) -> None:
        """Wait until the background thread has done what it was asked (for tests)."""
        if self._pool is not None:
            self._pool.submit(lambda: None).result()


class LatestOnly:
    """Run ``job`` in one worker thread whenever ``request()`` is called, never two at once, and once for any
    number of requests that arrive while it runs: the job reads the newest state when it starts, so a burst of
    moves (a slider dragged) ends with one picture of the last position, and the positions in between that
    arrived while a picture was being drawn are skipped, never queued.

    ``request`` returns at once, so the kernel is free to take the next message from the browser while a picture
    is drawn.
    """

    def __init__(self, job: Callable[[], None]) -> None:
        self.job = job
        self.requests = self.runs = 0
        self._cond = threading.Condition()
        self._pending = self._busy = False
        self._thread = threading.Thread(target=self._loop, name="nnlab-redraw", daemon=True)
        self._thread.start()

    def request(self) -> None:
        with self._cond:
            self.requests += 1
            self._pending = True
            self._cond.notify_all()

    @property
    def pending(self) -> bool:
        """Whether a request waits for the job to start."""
        return self._pending

    def wait(self, timeout: float = 600.0) -> None:
        """Return when every request so far has been drawn."""
        if threading.current_thread() is self._thread:
            return
        with self._cond:
            if not self._cond.wait_for(lambda: not (self._pending or self._busy), timeout):
                raise TimeoutError(f"the dashboard did not finish drawing in {timeout:g} s")

    def _loop(self) -> None:
        while True:
            with self._cond:
                self._cond.wait_for(lambda: self._pending)
                self._pending, self._busy = False, True
            try:
                self.job()
            except Exception:  # the worker must survive; the kernel's log says what went wrong
                logging.getLogger("nnlab").exception("a dashboard's picture could not be drawn")
            finally:
                with self._cond:
                    self.runs += 1
                    self._busy = False
                    self._cond.notify_all()


#: every dashboard alive in this process (benchmarks/browser_latency.py reads their ``timings`` in the kernel)
LIVE: weakref.WeakSet[Dashboard] = weakref.WeakSet()

#: held while a dashboard updates its view and draws, and while its controls are set together: matplotlib's font
#: and math-text caches are not thread-safe, and every dashboard's worker draws in its own thread
DRAWING = threading.RLock()


def _in_kernel() -> bool:
    """Whether this runs in a Jupyter kernel (where a browser sends the moves), not in a script or a test."""
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython comes with ipywidgets
        return False
    shell = get_ipython()
    return shell is not None and getattr(shell, "kernel", None) is not None


class Dashboard:
    """Controls and a figure: ``view.update(**values)`` runs whenever a control changes.

    Parameters
    ----------
    view : callable
        ``view(fig)`` builds the dashboard's picture on the empty figure ``fig`` and returns an
        object whose ``update(**values)`` shows the controls' values (a ``View``); usually the
        view's class itself.
    controls : dict of str to ipywidgets value widgets
        The sliders, dropdowns and toggles, by the name ``draw`` receives.
    figsize : (float, float)
        Figure size in inches (at ``dpi`` dots per inch).
    presets : dict of str to dict, optional
        Named states, ``{"name": {"control": value, ...}}``, for jumping to a moment of a lecture.
    preset : str, optional
        The preset to open in.
    columns : int
        How many controls per row.
    applies : dict of str to callable, optional
        For a control that only some settings use: ``applies[name](**values)`` returns None when the control
        applies to these values, or the reason it does not; the control is then disabled, with the reason
        as its tooltip, so that no move of it ever leaves the picture unchanged.
    coalesce : bool, optional
        Draw the moves of the controls in a worker thread, the last position first (``LatestOnly``): a slider
        dragged with ``continuous_update`` follows the hand, and a burst of moves never queues pictures. By
        default, in a Jupyter kernel (a script or a test draws each move before it returns). Whatever reads
        the picture (``png``, ``alt``, ``n_draws``, ``drawn``, ``view``) waits for the worker first.

    The preset menu's "(custom)" goes back to the last setting drawn that is no preset.

    One move draws once: a preset or ``set_values`` holds the controls' notifications while it sets
    them, and a change that brings the values back to what is drawn (a browser's slider sends back its
    own rounding of a value, 1.0 as 1.0000000000000002) draws nothing.
    """

    def __init__(self, view: ViewFactory, controls: Mapping[str, widgets.ValueWidget], *,
                 figsize: tuple[float, float] = (FIGURE_WIDTH, 4.5), dpi: int = DPI,
                 presets: Mapping[str, Mapping[str, Any]] | None = None, preset: str | None = None,
                 columns: int = 3, applies: Mapping[str, Callable[..., str | None]] | None = None,
                 coalesce: bool | None = None) -> None:
        self.make_view = view
        self._view: View | None = None  # built on the first redraw
        self.blitter: Blitter | None = None  # made with the view
        self.controls = dict(controls)
        unknown = sorted(set(applies or {}) - set(self.controls))
        if unknown:
            raise ValueError(f"applies: unknown control(s) {unknown}; this dashboard has {sorted(self.controls)}")
        self.applies = dict(applies or {})
        # a menu or a checkbox with a description shows no tooltip of its own: the reason goes on its label
        self._labels = {name: self.controls[name].description for name in self.applies}
        for name in self.applies:
            self.controls[name].description_allow_html = True
        self._drawn: dict[str, Any] | None = None  # the values of the picture on screen (or being drawn)
        self.custom: dict[str, Any] | None = None  # the last values drawn that are no preset's
        self.presets = {k: dict(v) for k, v in (presets or {}).items()}
        self.figsize, self.dpi = figsize, dpi
        self.figure = Figure(figsize=figsize, dpi=dpi)
        FigureCanvasAgg(self.figure)
        #: the picture on screen, its PNG and its text alternative
        self._png, self._alt = b"", ""
        self.image = widgets.HTML(layout=widgets.Layout(width=f"{figsize[0] * dpi:.0f}px"))
        self.image.add_class("nnlab-picture")
        self.message = widgets.HTML()
        self.message.add_class("nnlab-message")
        self._n_draws = 0
        #: per redraw (the newest 64): the milliseconds of the view's update (the computation), the blit, the PNG
        #: and the whole redraw, and the control moved (for benchmarks/browser_latency.py)
        self.timings: deque[dict[str, Any]] = deque(maxlen=64)
        LIVE.add(self)
        self._worker = LatestOnly(self._draw_move) if (_in_kernel() if coalesce is None else coalesce) else None
        self._holding = False
        self._last_move: tuple[str, int] | None = None  # the control a student moved last, and which way
        for control in self.controls.values():
            control.observe(self._on_change, names="value")
        rows = [list(self.controls.values())[i:i + columns] for i in range(0, len(self.controls), columns)]
        parts: list[widgets.Widget] = []
        if self.presets:
            self.preset_picker = widgets.Dropdown(options=["(custom)", *self.presets], value="(custom)",
                                                  description="preset")
            self.preset_picker.observe(self._on_preset, names="value")
            parts.append(self.preset_picker)
        parts += [widgets.HBox(row) for row in rows]
        self.widget = widgets.VBox([*parts, self.image, self.message])
        self.widget.add_class("nnlab-dashboard")
        if preset is not None:
            self.set_preset(preset)
        else:
            self.redraw()

    # --- state ---------------------------------------------------------------------------------
    @property
    def values(self) -> dict[str, Any]:
        """The current value of every control, by name."""
        return {name: control.value for name, control in self.controls.items()}

    def set_values(self, **values: Any) -> None:
        """Set several controls at once, with a single redraw."""
        unknown = sorted(set(values) - set(self.controls))
        if unknown:
            raise ValueError(f"values: unknown control(s) {unknown}; this dashboard has {sorted(self.controls)}")
        self._last_move = None  # a jump, not a step: nothing to guess from
        self.wait()
        with DRAWING:  # a worker never reads half of them
            self._holding = True
            try:  # in the controls' order, so that a menu that follows another control is set after it
                for name in self.controls:
                    if name in values:
                        self.controls[name].value = values[name]
            finally:
                self._holding = False
            self._redraw_now()

    def set_preset(self, name: str) -> None:
        """Move every control to the named preset (the preset menu shows its name)."""
        if name not in self.presets:
            raise ValueError(f"preset: expected one of {sorted(self.presets)}, got {name!r}")
        self.set_values(**self.presets[name])
        self._show_preset(name)

    def _show_preset(self, name: str) -> None:
        if self.presets and self.preset_picker.value != name:
            self._holding = True
            try:
                self.preset_picker.value = name
            finally:
                self._holding = False

    def _on_change(self, change: dict) -> None:
        if self._holding or _rounding(change["old"], change["new"]):
            return  # a browser's slider sends back its own rounding of a value it was sent (one it disables, too)
        name = next(k for k, c in self.controls.items() if c is change["owner"])
        self._last_move = (name, _direction(self.controls[name], change["old"], change["new"]))
        if (self.presets and self.preset_picker.value in self.presets
                and not self._matches(self.presets[self.preset_picker.value])):
            self._show_preset("(custom)")  # a control moved away from the preset
        if self._worker is not None:
            self._worker.request()  # the worker looks at what is drawn when it starts (``_draw_move``)
        elif not self._already_drawn():
            self._redraw_now()

    def _already_drawn(self) -> bool:
        """Whether the controls show the values of the picture (a browser's echo of what is drawn)."""
        return self._drawn is not None and self._matches(self._drawn)

    def _draw_move(self) -> None:
        """The worker's job: draw the controls' values, unless they are the picture's already."""
        with DRAWING:
            if not self._already_drawn():
                self._redraw_now()

    def _matches(self, wanted: Mapping[str, Any], values: Mapping[str, Any] | None = None) -> bool:
        """Whether the controls show these values (or ``values`` has them). Numbers compare with a tolerance: a
        browser's slider sends back its own rounding of a value (a log slider's 1.0 as 0.9999999999999999)."""
        values = self.values if values is None else values
        for name, want in wanted.items():
            have = values[name]
            if isinstance(want, numbers.Real) and isinstance(have, numbers.Real) and not isinstance(want, bool):
                if not math.isclose(have, want, rel_tol=1e-6, abs_tol=1e-9):
                    return False
            elif have != want:
                return False
        return True

    def _update_applicability(self, values: Mapping[str, Any]) -> None:
        """Disable the controls that do not apply to ``values``, with the reason as their tooltip."""
        for name, rule in self.applies.items():
            reason = rule(**values)
            control, label = self.controls[name], html.escape(self._labels[name])
            control.disabled = reason is not None
            control.tooltip = reason
            control.description = label if reason is None else f'<span title="{html.escape(reason)}">{label}</span>'

    def _on_preset(self, change: dict) -> None:
        if self._holding:
            return
        if change["new"] in self.presets:
            self.set_preset(change["new"])
        elif self.custom is not None and not self._matches(self.custom):
            self.set_values(**self.custom)  # "(custom)": back to the student's own last setting
        else:  # no setting of the student's own yet: the menu goes back to the preset on screen
            self._show_preset(next((k for k, v in self.presets.items() if self._matches(v)), "(custom)"))

    # --- the picture, once drawn ----------------------------------------------------------------
    def wait(self) -> None:
        """Return when the moves so far are drawn (at once without a worker)."""
        if self._worker is not None:
            self._worker.wait()

    @property
    def view(self) -> View | None:
        """The view the picture is drawn with (None before the first draw)."""
        self.wait()
        return self._view

    @property
    def png(self) -> bytes:
        """The picture on screen, as PNG."""
        self.wait()
        return self._png

    @property
    def alt(self) -> str:
        """The picture's text alternative."""
        self.wait()
        return self._alt

    @property
    def n_draws(self) -> int:
        """How many pictures have been drawn."""
        self.wait()
        return self._n_draws

    @property
    def drawn(self) -> dict[str, Any] | None:
        """The values of the picture on screen."""
        self.wait()
        return self._drawn

    @drawn.setter
    def drawn(self, values: dict[str, Any] | None) -> None:
        self.wait()
        self._drawn = values

    # --- drawing -------------------------------------------------------------------------------
    def busy(self, values: Mapping[str, Any]) -> str | None:
        """What to say while ``values`` are computed, if that takes long (a network trained on a first visit), or
        None: the dashboard shows it under the picture until the new picture is there."""
        return None

    def redraw(self) -> None:
        """Update the view to the current values and put the figure into the image, in place, before returning.

        An error while drawing is shown as a one-line message under the figure, never as a
        traceback (the figure keeps its last good state).
        """
        self.wait()
        self._redraw_now()

    def _redraw_now(self) -> None:
        with DRAWING:
            values = self.values
            self._update_applicability(values)
            try:
                said = self.busy(values)
                if said:
                    self.message.value = f"<span class='nnlab-busy'>{html.escape(said)}</span>"
                if self._view is None:
                    self._view = self.make_view(self.figure)
                    self.blitter = Blitter(self.figure)
                start = time.perf_counter()
                self._view.update(**values)
                computed = time.perf_counter()
            except Exception as exc:  # a widget never leaves a traceback on screen
                self.message.value = (f"<span style='color:#b00'>Cannot draw this setting: "
                                      f"{html.escape(str(exc))}</span>")
                return
            self.message.value = ""
            pixels = self.blitter.draw(later=True)
            drawn = time.perf_counter()
            self._png, self._alt = encode_png(pixels), alt_text(self.figure)
            encoded = time.perf_counter()
            self.image.value = picture_html(self._png, self._alt, self.figsize[0] * self.dpi)
            self.timings.append(dict(control=self._last_move[0] if self._last_move else None,
                                     compute=1000 * (computed - start), draw=1000 * (drawn - computed),
                                     png=1000 * (encoded - drawn), total=1000 * (time.perf_counter() - start)))
            if self._worker is None or not self._worker.pending:  # a newer move first: it would draw in full
                self.blitter.catch_up()
            self._drawn = values
            if not any(self._matches(preset, values) for preset in self.presets.values()):
                self.custom = values
            self._n_draws += 1
        # after a jump next_steps is empty, which drops what was guessed for the last step; a guess never breaks a move
        with contextlib.suppress(Exception):
            self.prefetch(self.next_steps())

    def next_steps(self) -> list[dict[str, Any]]:
        """The likeliest next settings: the control moved last one step further the same way, then one
        step back (nothing after a preset or ``set_values``, which jump)."""
        if self._last_move is None:
            return []
        name, direction = self._last_move
        control = self.controls[name]
        if control.disabled:
            return []
        steps = [_step(control, direction), _step(control, -direction)]
        steps = [v for i, v in enumerate(steps) if v is not None and v not in steps[:i]]  # a checkbox has one
        return [{**self.values, name: v} for v in steps]

    def prefetch(self, settings: list[dict[str, Any]]) -> None:
        """Prepare these settings in the background (a dashboard that trains networks does; this one
        draws from nothing expensive, so nothing to do)."""

    def static_figure(self) -> Picture:
        """The current values drawn by a fresh view on an ordinary figure, with its text alternative, for the
        notebook's stored, printable output (``.figure`` is the figure)."""
        self.wait()
        with DRAWING:  # matplotlib draws in one thread at a time
            fig = plt.figure(figsize=self.figsize, dpi=self.dpi)
            self.make_view(fig).update(**self.values)
        plt.close(fig)  # shown once, as the cell's result, not again by the inline backend
        return Picture(fig)

    def _repr_mimebundle_(self, **kwargs: Any) -> dict:
        return self.widget._repr_mimebundle_(**kwargs)

    def _ipython_display_(self) -> None:
        """Show the accessibility script (``ACCESS_SCRIPT``), then the dashboard."""
        from IPython.display import Javascript, display

        display(Javascript(ACCESS_SCRIPT))
        display(self.widget)

    def __repr__(self) -> str:
        values = ", ".join(f"{k}={v!r}" for k, v in self.values.items())
        return f"{type(self).__name__}({values})"


def _options(control: widgets.Widget) -> list[Any]:
    """The values a menu or a selection slider offers (not their labels)."""
    return list(control._options_values)


def _direction(control: widgets.Widget, old: Any, new: Any) -> int:
    """+1 or -1: which way a control moved (a menu's or a selection slider's by the index)."""
    if hasattr(control, "options"):
        options = _options(control)
        old, new = (options.index(v) if v in options else 0 for v in (old, new))
    try:
        return -1 if new < old else 1
    except TypeError:
        return 1


def _rounding(old: Any, new: Any) -> bool:
    """Whether ``new`` is ``old`` up to a browser's rounding (never a step of a slider, which moves by more)."""
    numeric = all(isinstance(v, numbers.Real) and not isinstance(v, bool) for v in (old, new))
    return numeric and old != new and math.isclose(old, new, rel_tol=1e-9, abs_tol=1e-12)


def _step(control: widgets.Widget, direction: int) -> Any:
    """The value one step from ``control``'s in ``direction``, or None at an end."""
    if isinstance(control, widgets.Checkbox):
        return not control.value
    if hasattr(control, "options"):
        options = _options(control)
        i = options.index(control.value) + direction
        return options[i] if 0 <= i < len(options) else None
    if control.step is None:
        return None
    if isinstance(control, widgets.FloatLogSlider):  # its min and max are exponents
        exponent = round(math.log(control.value, control.base) + direction * control.step, 12)
        return control.base ** exponent if control.min <= exponent <= control.max else None
    if isinstance(control, (widgets.IntSlider, widgets.FloatSlider)):
        value = control.value + direction * control.step
        value = value if isinstance(control, widgets.IntSlider) else round(value, 12)
        return value if control.min <= value <= control.max else None
    return None


def picture_html(png: bytes, alt: str, width: float) -> str:
    """A dashboard's picture: an ``<img>`` of ``width`` pixels with its text alternative (classes ``widget-image``,
    as ipywidgets' own image, and ``nnlab-picture``)."""
    return image_html(png, alt, width=f"{width:.0f}", class_="widget-image nnlab-picture", style="max-width: none")


def slider(value: float, lo: float, hi: float, step: float, description: str, **kwargs: Any) -> widgets.FloatSlider:
    """A float slider with the house defaults (readout to two decimals, a wide label)."""
    return widgets.FloatSlider(value=value, min=lo, max=hi, step=step, description=description,
                               readout_format=".2f", continuous_update=kwargs.pop("continuous_update", True),
                               style={"description_width": "initial"}, **kwargs)


#: What a dashboard runs in the page (see the module's docstring): ARIA names and values for its controls, disabled
#: controls out of the Tab order, JupyterLab's shortcuts kept out, the picture a live region. Installed once per page
#: (``window.nnlabAccess``), it watches the page for dashboards and each dashboard for changes. Works around
#: ipywidgets#2650 (no accessible name for a slider) and ipywidgets#3912 (notebook shortcuts in a widget's menu).
ACCESS_SCRIPT = r"""
(function () {
  if (window.nnlabAccess) { window.nnlabAccess.scan(); return; }
  function set(el, name, value) {
    if (value === null) { if (el.hasAttribute(name)) el.removeAttribute(name); }
    else if (el.getAttribute(name) !== value) el.setAttribute(name, value);
  }
  function labelOf(w) {
    const label = w.querySelector(':scope > .widget-label, :scope > label');
    return label ? label.textContent.replace(/\u200b/g, '').trim() : '';
  }
  function fix(dashboard) {
    set(dashboard, 'data-lm-suppress-shortcuts', 'true');
    dashboard.querySelectorAll('.widget-slider').forEach(function (w) {
      const name = labelOf(w), handle = w.querySelector('.noUi-handle');
      const readout = w.querySelector('.widget-readout'), target = w.querySelector('.noUi-target');
      const off = !!(target && target.hasAttribute('disabled'));
      if (handle) {
        set(handle, 'aria-label', name);
        if (readout && readout.textContent.trim()) set(handle, 'aria-valuetext', readout.textContent.trim());
        set(handle, 'aria-disabled', off ? 'true' : null);
        set(handle, 'tabindex', off ? '-1' : '0');
      }
      if (readout) {
        set(readout, 'role', 'textbox');
        set(readout, 'aria-label', name + ' (type a value)');
        set(readout, 'aria-disabled', off ? 'true' : null);
      }
      w.querySelectorAll('.widget-label').forEach(function (l) {
        if (l.getAttribute('title') === 'null') l.removeAttribute('title');
      });
    });
    dashboard.querySelectorAll('select, input, button').forEach(function (control) {
      set(control, 'data-lm-suppress-shortcuts', 'true');
      if (control.disabled) set(control, 'aria-disabled', 'true'); else set(control, 'aria-disabled', null);
    });
    dashboard.querySelectorAll('.nnlab-picture').forEach(function (picture) {
      const content = picture.querySelector('.widget-html-content') || picture;
      set(content, 'aria-live', 'polite');
    });
    dashboard.querySelectorAll('.nnlab-message').forEach(function (message) {
      set(message.querySelector('.widget-html-content') || message, 'role', 'status');
    });
  }
  const watched = new WeakSet();
  let pending = false;
  function later(task) {
    if (pending) return;
    pending = true;
    (window.requestAnimationFrame || setTimeout)(function () { pending = false; task(); });
  }
  function scan() {
    document.querySelectorAll('.nnlab-dashboard').forEach(function (dashboard) {
      fix(dashboard);
      if (watched.has(dashboard)) return;
      watched.add(dashboard);
      new MutationObserver(function () { fix(dashboard); }).observe(dashboard, {
        subtree: true, childList: true, characterData: true, attributes: true,
        attributeFilter: ['disabled', 'aria-valuenow', 'class', 'title']});
    });
  }
  window.nnlabAccess = {scan: scan, fix: fix};
  new MutationObserver(function () { later(scan); }).observe(document.body, {childList: true, subtree: true});
  scan();
})();
"""
