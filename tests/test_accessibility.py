"""WCAG 2.1 AA for what the notebooks show, checked without a browser (the browser tests run axe-core on the pages).

- **Colour** (1.4.1, 1.4.11): the palette and every stored figure's legend under simulated protanopia, deuteranopia
  and tritanopia (Machado, Oliveira and Fernandes 2009, severity 1, on linear RGB), compared by CIEDE2000 (Sharma,
  Wu and Dalal 2005): two entries of a legend are 10 or more apart for every eye, or differ by a second cue (marker,
  line style, fill, hatching, a line against a marker). Every plotted series keeps 3:1 against the white figure; no
  text is smaller than 9 points.
- **Text alternatives** (1.1.1): every stored picture has an alt text, in its ``<img>`` (text/html) and in its PNG's
  metadata, made from its data; every dashboard's picture has one that follows every redraw, the same words a fresh
  view would say; the descriptions say the numbers of the data they describe.
- **The exports**: nnlab's nbconvert templates carry the alt text into the HTML export and the slides, and keep
  formulas out of the Tab order.

The colour science is written here in numpy (no colour-science dependency): the tests check it against published
values first.
"""

from __future__ import annotations

import html
import itertools
import json
import re
import sys
from pathlib import Path

import matplotlib
import matplotlib.pyplot as plt
import nbformat
import numpy as np
import pytest
from matplotlib.colors import to_rgb

import nnlab as nl
from nnlab.plots import base as pb

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
PLACEHOLDER = "No description has been provided for this image"

# --- colour science ----------------------------------------------------------------------------------------------
#: Machado, Oliveira and Fernandes (2009), "A physiologically-based model for simulation of color vision
#: deficiency", the matrices of severity 1.0 (dichromacy), on linear RGB
MACHADO = {
    "protanopia": np.array([[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216],
                            [-0.003882, -0.048116, 1.051998]]),
    "deuteranopia": np.array([[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413],
                              [-0.011820, 0.042940, 0.968881]]),
    "tritanopia": np.array([[1.255528, -0.076749, -0.178779], [-0.078411, 0.930809, 0.147602],
                            [0.004733, 0.691367, 0.303900]]),
}
EYES = ("normal", *MACHADO)
#: two legend entries that differ by colour alone must be this far apart (CIEDE2000) for every eye
MIN_DELTA_E = 10.0


def linear(rgb):
    rgb = np.asarray(rgb, dtype=float)
    return np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)


def gamma(rgb):
    rgb = np.clip(rgb, 0.0, 1.0)
    return np.where(rgb <= 0.0031308, 12.92 * rgb, 1.055 * rgb ** (1 / 2.4) - 0.055)


def seen(color, eye: str) -> np.ndarray:
    """An sRGB colour as an eye with this dichromacy sees it (sRGB, 0..1)."""
    rgb = np.array(to_rgb(color))
    return rgb if eye == "normal" else gamma(MACHADO[eye] @ linear(rgb))


def cielab(rgb) -> np.ndarray:
    """sRGB (0..1) to CIELAB, D65 white."""
    m = np.array([[0.4124564, 0.3575761, 0.1804375], [0.2126729, 0.7151522, 0.0721750],
                  [0.0193339, 0.1191920, 0.9503041]])
    xyz = m @ linear(rgb) / np.array([0.95047, 1.0, 1.08883])
    f = np.where(xyz > (6 / 29) ** 3, np.cbrt(xyz), xyz / (3 * (6 / 29) ** 2) + 4 / 29)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


def ciede2000(lab1, lab2) -> float:
    """The CIEDE2000 colour difference (Sharma, Wu and Dalal 2005, equations 1 to 21)."""
    (L1, a1, b1), (L2, a2, b2) = lab1, lab2
    c_bar = (np.hypot(a1, b1) + np.hypot(a2, b2)) / 2
    g = 0.5 * (1 - np.sqrt(c_bar**7 / (c_bar**7 + 25.0**7)))
    a1p, a2p = (1 + g) * a1, (1 + g) * a2
    c1p, c2p = np.hypot(a1p, b1), np.hypot(a2p, b2)
    h1p, h2p = np.degrees(np.arctan2(b1, a1p)) % 360, np.degrees(np.arctan2(b2, a2p)) % 360
    dh = 0.0 if c1p * c2p == 0 else h2p - h1p - 360 * np.sign(h2p - h1p) * (abs(h2p - h1p) > 180)
    dL, dC = L2 - L1, c2p - c1p
    dH = 2 * np.sqrt(c1p * c2p) * np.sin(np.radians(dh / 2))
    L_bar, c_bar_p = (L1 + L2) / 2, (c1p + c2p) / 2
    if c1p * c2p == 0:
        h_bar = h1p + h2p
    elif abs(h1p - h2p) <= 180:
        h_bar = (h1p + h2p) / 2
    else:
        h_bar = (h1p + h2p + 360) / 2 if h1p + h2p < 360 else (h1p + h2p - 360) / 2
    t = (1 - 0.17 * np.cos(np.radians(h_bar - 30)) + 0.24 * np.cos(np.radians(2 * h_bar))
         + 0.32 * np.cos(np.radians(3 * h_bar + 6)) - 0.20 * np.cos(np.radians(4 * h_bar - 63)))
    d_theta = 30 * np.exp(-(((h_bar - 275) / 25) ** 2))
    r_c = 2 * np.sqrt(c_bar_p**7 / (c_bar_p**7 + 25.0**7))
    s_l = 1 + 0.015 * (L_bar - 50) ** 2 / np.sqrt(20 + (L_bar - 50) ** 2)
    s_c, s_h = 1 + 0.045 * c_bar_p, 1 + 0.015 * c_bar_p * t
    r_t = -np.sin(np.radians(2 * d_theta)) * r_c
    return float(np.sqrt((dL / s_l) ** 2 + (dC / s_c) ** 2 + (dH / s_h) ** 2 + r_t * (dC / s_c) * (dH / s_h)))


def distance(c1, c2) -> tuple[float, str]:
    """The smallest CIEDE2000 difference of two colours over the normal eye and the three dichromacies, and for
    which eye."""
    found = {eye: ciede2000(cielab(seen(c1, eye)), cielab(seen(c2, eye))) for eye in EYES}
    eye = min(found, key=found.get)
    return found[eye], eye


def contrast(c1, c2="#ffffff") -> float:
    """The WCAG 2.1 contrast ratio of two colours."""
    lum = [float(linear(to_rgb(c)) @ [0.2126, 0.7152, 0.0722]) for c in (c1, c2)]
    return (max(lum) + 0.05) / (min(lum) + 0.05)


def second_cue(a: dict, b: dict) -> bool:
    """Whether two legend entries (``nnlab.plots.base.legend_entry``) differ by more than colour: marker, line
    style, fill, or a line width of twice the other's."""
    if a["marker"] != b["marker"] or a["linestyle"] != b["linestyle"] or a["filled"] != b["filled"]:
        return True
    widths = sorted([a["linewidth"], b["linewidth"]])
    return widths[0] > 0 and widths[1] >= 2 * widths[0]


def legend_pairs_apart_by_colour_only(legend: list[dict]) -> list[str]:
    """The pairs of a legend that differ by colour alone and are under ``MIN_DELTA_E`` for some eye."""
    bad = []
    for a, b in itertools.combinations(legend, 2):
        if second_cue(a, b) or not a["colors"] or not b["colors"]:
            continue
        d, eye = min(distance(ca, cb) for ca in a["colors"][:1] for cb in b["colors"][:1])
        if d < MIN_DELTA_E:
            bad.append(f"{a['label']!r} and {b['label']!r}: {d:.1f} for {eye}")
    return bad


# --- the colour science against published values ------------------------------------------------------------------
#: pairs of Sharma, Wu and Dalal's table of test data for CIEDE2000 (their pairs 1, 7, 13, 17 to 21, 25, 34)
SHARMA = [((50.0, 2.6772, -79.7751), (50.0, 0.0, -82.7485), 2.0425),
          ((50.0, 0.0, 0.0), (50.0, -1.0, 2.0), 2.3669),
          ((50.0, 2.4900, -0.0010), (50.0, -2.4900, 0.0011), 7.2195),
          ((50.0, 2.5, 0.0), (73.0, 25.0, -18.0), 27.1492),
          ((50.0, 2.5, 0.0), (61.0, -5.0, 29.0), 22.8977),
          ((50.0, 2.5, 0.0), (56.0, -27.0, -3.0), 31.9030),
          ((50.0, 2.5, 0.0), (58.0, 24.0, 15.0), 19.4535),
          ((50.0, 2.5, 0.0), (50.0, 3.1736, 0.5854), 1.0000),
          ((60.2574, -34.0099, 36.2677), (60.4626, -34.1751, 39.4387), 1.2644),
          ((2.0776, 0.0795, -1.1350), (0.9033, -0.0636, -0.5514), 0.9082)]


@pytest.mark.cpu_independent
@pytest.mark.parametrize("lab1, lab2, expected", SHARMA)
def test_ciede2000_matches_the_published_test_data(lab1, lab2, expected):
    assert ciede2000(lab1, lab2) == pytest.approx(expected, abs=1e-4)
    assert ciede2000(lab2, lab1) == pytest.approx(expected, abs=1e-4)


@pytest.mark.cpu_independent
def test_the_simulation_keeps_greys_and_merges_what_each_dichromat_confuses():
    for eye in MACHADO:
        for grey in ("#000000", "#777777", "#ffffff"):
            assert np.allclose(seen(grey, eye), to_rgb(grey), atol=2e-3), (eye, grey)
    # matplotlib's orange and green, which the audit found under 5 for red-green blindness
    assert distance("#ff7f0e", "#2ca02c") == (pytest.approx(1.25, abs=0.01), "protanopia")
    assert ciede2000(cielab(seen("#ff7f0e", "normal")), cielab(seen("#2ca02c", "normal"))) > 40
    # tritanopes confuse blue and green, not red and green
    assert ciede2000(cielab(seen("#0072B2", "tritanopia")), cielab(seen("#009E73", "tritanopia"))) < \
        ciede2000(cielab(seen("#0072B2", "normal")), cielab(seen("#009E73", "normal")))


@pytest.mark.cpu_independent
def test_contrast_ratio_is_wcags():
    assert contrast("#000000") == pytest.approx(21.0)
    assert contrast("#767676") == pytest.approx(4.54, abs=0.01)
    assert contrast("#ff7f0e") == pytest.approx(2.53, abs=0.01)  # matplotlib's orange: too light for a line


# --- the palette ------------------------------------------------------------------------------------------------
@pytest.mark.cpu_independent
def test_every_palette_colour_keeps_3_to_1_against_white():
    for color in (*pb.PALETTE, pb.GREY, pb.WARNING, *pb.CLASS_COLORS):
        assert contrast(color) >= 3.0, color
    assert contrast(pb.GREY) >= 4.5 and contrast(pb.WARNING) >= 4.5  # also used for text


@pytest.mark.cpu_independent
def test_the_palette_stays_apart_for_every_eye_where_colour_is_the_only_cue():
    """The first four colours (most legends have no more) are 10 apart for every eye, and so are the two colours
    that share each line style in matplotlib's cycle."""
    first = [distance(a, b) for a, b in itertools.combinations(pb.PALETTE[:4], 2)]
    assert min(d for d, _ in first) >= MIN_DELTA_E, first
    for style in set(pb.LINESTYLES):
        same = [c for c, s in zip(pb.PALETTE, pb.LINESTYLES) if s == style]
        for a, b in itertools.combinations(same, 2):
            assert distance(a, b)[0] >= MIN_DELTA_E, (style, a, b, distance(a, b))


@pytest.mark.cpu_independent
def test_importing_the_plots_sets_the_palette_and_the_text_size():
    cycle = matplotlib.rcParams["axes.prop_cycle"].by_key()
    assert [c.upper() for c in cycle["color"]] == [c.upper() for c in pb.PALETTE]
    assert list(cycle["linestyle"]) == list(pb.LINESTYLES)
    for key in ("font.size", "legend.fontsize", "xtick.labelsize", "ytick.labelsize"):
        assert matplotlib.rcParams[key] >= pb.MIN_FONT


# --- every stored figure ------------------------------------------------------------------------------------------
def _pictures(path: Path) -> list[tuple[int, dict]]:
    nb = nbformat.read(path, as_version=4)
    return [(i, o) for i, c in enumerate(nb.cells) if c.cell_type == "code" for o in c.outputs
            if "image/png" in o.get("data", {})]


def _alt(img: str) -> str | None:
    found = re.search(r'\balt="([^"]*)"', img)
    return None if found is None else html.unescape(found.group(1))


@pytest.mark.cpu_independent
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_every_stored_picture_has_a_text_alternative(path):
    """In its PNG's metadata (the exports' templates read it) and in its ``<img>`` (JupyterLab, the exports), the
    same words; no ``<img>`` of any output, and no picture in the saved widget state, without one."""
    pictures = _pictures(path)
    assert pictures, "a notebook with no picture"
    for i, output in pictures:
        alt = output.get("metadata", {}).get("image/png", {}).get("alt", "")
        assert len(alt) > 20 and PLACEHOLDER not in alt, f"cell {i}: no text alternative ({alt!r}): nl.plots.show(fig)"
        page = "".join(output["data"].get("text/html", ""))
        assert _alt(page) == alt, f"cell {i}: the <img> says {_alt(page)!r}, the metadata {alt!r}"
    nb = nbformat.read(path, as_version=4)
    for i, cell in enumerate(nb.cells):
        for output in cell.get("outputs", []):
            for img in re.findall(r"<img\b[^>]*>", "".join(output.get("data", {}).get("text/html", ""))):
                assert _alt(img), f"cell {i}: an <img> without alt text"
    state = nb.metadata.get("widgets", {}).get(WIDGET_STATE, {}).get("state", {})
    for model in state.values():
        assert model["model_name"] != "ImageModel", "a dashboard shows its picture in a widgets.Image (no alt text)"
        value = str(model.get("state", {}).get("value", ""))
        for img in re.findall(r"<img\b[^>]*>", value):
            assert _alt(img), "a dashboard's saved picture without alt text"


@pytest.mark.cpu_independent
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_every_stored_figure_has_legible_text_and_visible_series(path):
    """No text under 9 points, every line and marker at 3:1 or more against white (the figure's report, kept in the
    output's metadata by ``nl.plots.show``)."""
    for i, output in _pictures(path):
        report = output.get("metadata", {}).get("nnlab")
        assert report is not None, f"cell {i}: shown without nl.plots.show (no report in its metadata)"
        assert min(report["font_sizes"], default=pb.MIN_FONT) >= pb.MIN_FONT, f"cell {i}: {report['font_sizes']}"
        faint = [(c, round(contrast(c), 2)) for c in report["series"] if contrast(c) < 3.0]
        assert not faint, f"cell {i}: series under 3:1 against white: {faint}"


@pytest.mark.cpu_independent
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_every_stored_legend_tells_its_series_apart_for_every_eye(path):
    for i, output in _pictures(path):
        for legend in output["metadata"]["nnlab"]["legends"]:
            assert not legend_pairs_apart_by_colour_only(legend), f"cell {i}"


# --- every dashboard ----------------------------------------------------------------------------------------------
def _explorer(name: str):
    kwargs = {"prefetch": False} if name in ("mnist_explorer", "generalisation_explorer",
                                             "expressivity_explorer") else {}
    return getattr(nl.widgets, name)(**kwargs)


@pytest.mark.parametrize("name", sorted(nl.topics.EXPLORERS))
def test_every_dashboard_describes_what_it_draws_at_every_redraw(name):
    """At every preset: an alt text in the picture's ``<img>``, another for another picture, the one a fresh view of
    the same values says (the words follow the redraw as the pixels do), and a figure that keeps the rules of
    colour and text size."""
    dash = _explorer(name)
    seen_alts = {}
    for preset in dash.presets:
        dash.set_preset(preset)
        assert dash.alt and _alt(dash.image.value) == dash.alt
        assert dash.image.value.count("<img") == 1 and 'class="widget-image nnlab-picture"' in dash.image.value
        static = dash.static_figure()
        assert static.alt == dash.alt, f"{preset}: a fresh view says something else"
        plt.close(static.figure)
        report = pb.figure_report(dash.figure)
        assert min(report["font_sizes"]) >= pb.MIN_FONT, (preset, report["font_sizes"])
        assert all(contrast(c) >= 3.0 for c in report["series"]), (preset, report["series"])
        for legend in report["legends"]:
            assert not legend_pairs_apart_by_colour_only(legend), preset
        seen_alts.setdefault(dash.png, dash.alt)
    alts = list(seen_alts.values())
    assert len(set(alts)) == len(alts), "two different pictures with the same alt text"


@pytest.mark.cpu_independent
def test_a_dashboard_shows_the_accessibility_script_before_its_widgets(monkeypatch):
    import IPython.display

    shown = []
    monkeypatch.setattr(IPython.display, "display", lambda obj, **kw: shown.append(obj))
    dash = nl.widgets.conv_explorer()
    dash._ipython_display_()
    assert isinstance(shown[0], IPython.display.Javascript) and shown[1] is dash.widget
    script = shown[0].data
    for must in ("aria-label", "aria-valuetext", "aria-disabled", "data-lm-suppress-shortcuts", "aria-live",
                 "nnlab-dashboard", "tabindex"):
        assert must in script
    assert "nnlab-dashboard" in dash.widget._dom_classes and "nnlab-picture" in dash.image._dom_classes


# --- the descriptions say the data's numbers ---------------------------------------------------------------------
@pytest.mark.cpu_independent
def test_fmt_rounds_to_significant_digits_without_trailing_zeros():
    assert [pb.fmt(v) for v in (0, 1.0, 0.1, 1.05, 12.34, 99999, 0.0049999, 1.23e-4, 2e-10, -0.5, np.inf)] == \
        ["0", "1", "0.1", "1.1", "12", "100,000", "0.005", "1.2e-04", "2e-10", "-0.5", "infinite"]
    assert pb.fmt(0.693147, 3) == "0.693"


@pytest.mark.cpu_independent
def test_plain_reads_math_markup_as_text():
    assert pb.plain(r"input space ($\hat y > 0.5$ shaded red)") == "input space (ŷ > 0.5 shaded red)"
    assert pb.plain(r"$\|\partial L / \partial W_d\|$") == "‖∂ L / ∂ Wd‖"
    assert pb.plain(r"$y' = f_2(f_1(x))$") == "y' = f2(f1(x))"


def test_the_alt_text_of_a_figure_names_its_panels_and_says_their_data():
    X, y = nl.data.xor()
    fig, axes = plt.subplots(1, 3, figsize=(nl.plots.FIGURE_WIDTH, 3))
    fig.suptitle("three panels")
    nl.plots.plot_points(axes[0], X, y)
    axes[0].set_title("XOR")
    nl.plots.plot_loss_curve(axes[1], [0.9, 0.5, 0.25], label="run", reference=np.log(2), reference_label="log 2")
    x = np.linspace(0, 2, 21)
    axes[2].plot(x, (x - 1) ** 2, label="parabola")
    axes[2].set(xlabel="x")
    alt = nl.plots.alt_text(fig)
    assert alt.startswith("three panels. Left panel, “XOR”: Points (0, 0) class 0, (0, 1) class 1, (1, 0) class 1, "
                          "(1, 1) class 0. Middle panel: Run: loss over 3 epochs, from 0.9 to 0.25 (log 2 0.693). "
                          "Right panel: Parabola: from 1 at x = 0 to 1 at x = 2, lowest 0 at x = 1")
    assert alt.endswith("x: x from 0.0 to 2.0; y: axis from 0.0 to 1.0.")
    picture = nl.plots.Picture(fig, alt="my own words")
    data, metadata = picture._repr_mimebundle_()
    assert 'alt="my own words"' in data["text/html"] and metadata["image/png"]["alt"] == "my own words"
    assert data["text/plain"] == "<Figure size 960x300 with 3 Axes>"
    plt.close(fig)


def test_the_gradient_norms_are_described_with_the_probes_numbers():
    result = nl.gradients.probe(nl.gradients.DeepNet(8, 16, "sigmoid", "normal", 1.0), rng=np.random.default_rng(0),
                                dtype=np.float64)
    fig, ax = plt.subplots()
    nl.plots.gradients.plot_grad_norms(ax, {"sigmoid": result})
    text = " ".join(pb.notes(ax))
    norms = result.grad_norm
    assert f"sigmoid: {pb.fmt(norms[0])} at layer 1, {pb.fmt(norms[-1])} at layer 8" in text
    plt.close(fig)


def test_the_xor_dashboards_alt_text_says_the_output_units_line():
    """A move of the output unit's weights moves only its line in the hidden plane (the points stay, and may stay
    on the same sides): the alt text says the line's equation, so it changes with the picture."""
    from nnlab.plots.xor import line_equation

    assert line_equation(1, -2, 0, 0.5) == "h₁ − 2 h₂ = 0.5"
    assert line_equation(-1, 0.5, 2, 0) == "−h₁ + 0.5 h₂ + 2 = 0"
    assert line_equation(0, 1, 0, 0) == "h₂ = 0" and line_equation(0, 0, 0, 0.5) == "0 = 0.5"
    dash = nl.widgets.xor_explorer()
    before = dash.alt
    assert "the output unit's line h₁ − 2 h₂ = 0.5 puts" in before, before
    dash.set_values(v1=dash.values["v1"] + 0.5)
    assert dash.alt != before and "1.5 h₁ − 2 h₂ = 0.5" in dash.alt, dash.alt


@pytest.mark.cpu_independent
def test_other_descriptions_say_their_numbers():
    from nnlab.plots.convnets import describe_confusion
    from nnlab.plots.landscape import describe_histogram
    from nnlab.plots.mnist import describe_activations, where_in_image

    C = np.array([[5, 1, 0], [0, 4, 2], [0, 0, 7]])
    assert describe_confusion(C).endswith("16 of 19 on the diagonal (right); mistakes: 1 called 2 2 times, "
                                          "0 called 1 1 time")
    counts, edges = np.array([3, 1, 0, 0, 2]), np.linspace(0, 1, 6)
    assert describe_histogram(counts, edges) == "4 runs from 0 to 0.4, 2 runs from 0.8 to 1"
    assert describe_activations(np.array([0.5, 0.0, 2.25])) == ("activations unit 1: 0.50, unit 2: 0.00, "
                                                                "unit 3: 2.25; off: unit 2")
    image = np.zeros((28, 28))
    image[0:5, 20:28] = 1.0
    assert where_in_image(image) == "the top right"
    assert where_in_image(np.zeros((28, 28))) == "nowhere"


def test_the_computational_graph_is_described_with_the_traces_values():
    model, x, y = nl.backprop.example_network()
    tr = nl.backprop.trace(model, x, y)
    text = nl.plots.backprop.describe_graph(tr)
    assert "L = 0.3906" in text and "∂L/∂z = 1.25" in text and "u₂ = [1.875, 0]" in text
    assert "W₁ = [[0.5, -0.8, 0.3], [0.2, 0.4, -0.6]]" in text


# --- the exports --------------------------------------------------------------------------------------------------
def _export(exporter_name: str, template: str) -> str:
    """A one-cell notebook with a PNG whose alt text is in its metadata, exported with nnlab's template."""
    from nbconvert import HTMLExporter, SlidesExporter

    fig, ax = plt.subplots(figsize=(2, 1))
    ax.plot([0, 1], [0, 1])
    png = pb.Picture(fig, alt="a rising line")
    plt.close(fig)
    data, metadata = png._repr_mimebundle_()
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# Title\n\n$x^2$"), nbformat.v4.new_code_cell(
        "1", outputs=[nbformat.v4.new_output("display_data", data={"image/png": data["image/png"]},
                                             metadata={"image/png": metadata["image/png"]})])]
    templates = ROOT / "tools" / "slides" / "templates"
    cls = HTMLExporter if exporter_name == "html" else SlidesExporter
    exporter = cls(template_name=template, extra_template_basedirs=[str(templates)],
                   extra_template_paths=[str(templates)])
    body, _ = exporter.from_notebook_node(nb)
    return body


@pytest.mark.cpu_independent
@pytest.mark.parametrize("exporter, template", [("html", "nnlab_lab"), ("slides", "nnlab_reveal")])
def test_the_templates_carry_the_alt_text_and_keep_formulas_out_of_the_tab_order(exporter, template):
    page = _export(exporter, template)
    assert 'alt="a rising line"' in page and PLACEHOLDER not in page
    assert "menuSettings: {inTabOrder: false}" in page
    assert "--jp-cell-inprompt-font-color: #1a5c99" in page
    if exporter == "slides":
        assert "setAttribute('inert'" in page and ".reveal .slide-number" in page



# --- the conformance statement ------------------------------------------------------------------------------------
def _labdriver():
    import importlib.util

    if "labdriver" in sys.modules:  # loaded by tests/browser/conftest.py
        return sys.modules["labdriver"]
    spec = importlib.util.spec_from_file_location("labdriver", ROOT / "tools" / "labdriver.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["labdriver"] = module  # its dataclasses look their module up by this name
    spec.loader.exec_module(module)
    return module


@pytest.mark.cpu_independent
def test_the_conformance_statement_lists_what_the_browser_tests_allow_and_the_readme_links_it():
    """ACCESSIBILITY.md's table of known gaps names exactly the rules and upstream issues of
    ``labdriver.ALLOWLIST``, and the README links the statement."""
    statement = (ROOT / "ACCESSIBILITY.md").read_text()
    for heading in ("## What is met", "## How it is tested", "## Known gaps", "## How to report a barrier"):
        assert heading in statement, heading
    rows = re.findall(r"^\| `([a-z-]+)` \|.*\((https://github\.com/[^)]+)\) \|$", statement, flags=re.M)
    allowed = [(entry["rule"], entry["upstream"]) for entry in _labdriver().ALLOWLIST]
    assert sorted(rows) == sorted(allowed)
    assert "(ACCESSIBILITY.md)" in (ROOT / "README.md").read_text()


if __name__ == "__main__":  # pragma: no cover - a report of the stored notebooks, for a person
    for path in NOTEBOOKS:
        for i, output in _pictures(path):
            print(json.dumps({"notebook": path.name, "cell": i, "alt": output["metadata"]["image/png"]["alt"]},
                             ensure_ascii=False))
    sys.exit(0)


# --- what a text alternative says is the same on every CPU ---------------------------------------------------------
@pytest.mark.cpu_independent
def test_an_extreme_reached_in_several_places_names_them_all_and_one_at_an_end_is_not_repeated():
    x = np.linspace(-1, 1, 21)
    peaks = 0.08 - (np.abs(x) - 0.5) ** 2  # two equal peaks, at -0.5 and 0.5
    peaks[15] += 1e-17  # round-off makes one of them the argmax: the words must not follow it
    assert pb.extreme_runs(peaks, "highest") == [(5, 5), (15, 15)]
    assert pb._describe_xy("error", x, peaks).endswith("highest 0.08 at x = -0.5 and 0.5")
    settles = np.r_[5.7, 3.7, 3.59, np.full(27, 3.5777)] + np.r_[np.zeros(29), 1e-16]  # a value it settles at
    assert pb.extreme_runs(settles, "lowest") is None  # reached at the last layer too: the end says it
    assert nl.plots.gradients.describe_per_layer("theory", np.arange(1, 31), settles) == \
        "theory: 5.7 at layer 1, 3.6 at layer 30"
    dip = np.r_[1.0, 0.5, 0.2, 0.2 * (1 + 1e-8), 0.6, 0.9]  # a flat bottom of two layers
    assert nl.plots.gradients.describe_per_layer("q", np.arange(1, 7), dip) == \
        "q: 1 at layer 1, 0.9 at layer 6 (lowest 0.2 at layers 3 to 4)"
    five, seven = np.r_[1.0, np.tile([0.0, 1.0], 5)], np.r_[1.0, np.tile([0.0, 1.0], 7)]
    assert pb.extreme_words("lowest 0", pb.extreme_runs(five, "lowest"), str) == "lowest 0 at x = 1, 3, 5, 7 and 9"
    assert pb.extreme_words("lowest 0", pb.extreme_runs(seven, "lowest"), str) == \
        "lowest 0 at 7 places, from x = 1 to 13"
    smooth = np.r_[0.0, 0.9992, 1.0, 0.9992, 0.0]  # a smooth peak on a grid is one place, not a plateau
    assert pb.extreme_runs(smooth, "highest") == [(2, 2)]
    with pytest.raises(ValueError, match="kind"):
        pb.extreme_runs(five, "largest")


def test_a_text_alternative_reads_round_off_of_zero_as_zero_among_the_axes_numbers():
    fig, ax = plt.subplots()
    ax.scatter([1.0], [-1.3e-16])
    ax.plot([0.0, 0.5, 1.0, 1.5, 2.0], [1.0, 0.5, -7e-17, 0.5, 1.0])
    ax.set(xlim=(-0.6, 2.1), ylim=(-0.6, 1.6))
    text = pb.describe_axes(ax)
    assert "1 point: (1, 0)" in text and "lowest 0 at x = 1" in text and "e-1" not in text, text
    plt.close(fig)


def test_an_exploding_gradient_is_said_by_its_powers_of_ten_and_a_trained_loss_by_one_decimal():
    exploding, level = (nl.gradients.probe(nl.gradients.DeepNet(30, 256, "tanh", init, 1.0),
                                           rng=np.random.default_rng(0), dtype=np.float64)
                        for init in ("normal", "glorot_normal"))
    assert exploding.magnifies_round_off and not level.magnifies_round_off
    assert exploding.dtype == np.float64
    fig, ax = plt.subplots()
    nl.plots.gradients.plot_grad_norms(ax, {"tanh, N(0, 1)": exploding, "tanh, Glorot": level})
    text = " ".join(pb.notes(ax))
    e = int(np.floor(np.log10(exploding.grad_norm[0])))
    assert e >= 8 and f"tanh, N(0, 1): between {pb.fmt(10.0 ** e)} and {pb.fmt(10.0 ** (e + 1))} at layer 1" in text
    assert f"tanh, Glorot: {pb.fmt(level.grad_norm[0])} at layer 1" in text, text
    plt.close(fig)
    assert nl.plots.gradients.decade(3.2e15) == "between 1e+15 and 1e+16"
    assert nl.plots.gradients.decade(114.1) == "between 100 and 1,000"
    trained = nl.plots.gradients.trained
    assert [trained(v) for v in (0.741, 0.098, 0.096, 0.066, 0.049, 1.3e-5, 50.29)] == \
        ["0.7", "0.1", "0.1", "0.1", "below 0.05", "below 0.05", "50.3"]
    on_log = nl.plots.gradients.trained_log
    assert [on_log(v) for v in (0.652, 0.049, 4.1e-4, 1.3e-5, 8.8e-7)] == \
        ["0.7", "below 0.1", "below 0.001", "below 1e-04", "below 1e-04"]


@pytest.mark.cpu_independent
def test_trained_hidden_units_are_said_by_their_shape_and_equal_minima_of_a_plane_both_named():
    from nnlab.plots.expressivity import describe_hidden_units
    from nnlab.plots.landscape import lowest_places

    x = np.linspace(-1, 1, 5)
    units = np.array([1.7 * np.tanh(2 * x), -2 * np.tanh(x) + 1, 0.75 + 0.01 * x])
    assert describe_hidden_units(units).endswith("unit 1 rises, unit 2 falls, unit 3 nearly flat")
    a = b = np.linspace(-0.5, 1.5, 21)
    A, B = np.meshgrid(a, b)
    Z = np.minimum(A**2 + B**2, (A - 1) ** 2 + B**2) + 0.1  # equal minima at (0, 0) and (1, 0)
    assert lowest_places(a, b, Z) == [(0.0, 0.0), (1.0, 0.0)] or \
        np.allclose(lowest_places(a, b, Z), [(0.0, 0.0), (1.0, 0.0)], atol=1e-12)
