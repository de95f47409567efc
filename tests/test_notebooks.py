"""The notebooks as committed: executed in order from a fresh kernel, no errors, fast, tagged narrowly.

nbval (configured in pyproject.toml) re-runs every notebook and compares its outputs; these tests
check what nbval cannot see.
"""

import re
import time
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

# what the committed notebooks hold; their outputs are compared under nbval in every configuration
# (tools/portability.py)
pytestmark = pytest.mark.cpu_independent
ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
IGNORE_TAG = "nbval-ignore-output"
TIMING_TAG = "timing"  # a cell that prints wall-clock times: its output is not compared
# A guard against a hang, not the speed goal: the goal (each notebook in about 20 s) is measured by
# `make benchmark` (benchmarks/notebook_times.py) and reported in the README; a busy machine must not fail a test.
HANG_GUARD = 300.0
TIMES = ROOT / "test-artifacts" / "notebook-times.tsv"


def _code_cells(path):
    return [c for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code"]


def test_there_are_notebooks():
    assert NOTEBOOKS, "no notebooks found in notebooks/"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_name_and_title(path):
    assert re.fullmatch(r"\d\d_[a-z0-9_]+\.ipynb", path.name)
    first = nbformat.read(path, as_version=4).cells[0]
    assert first.cell_type == "markdown" and first.source.startswith("# "), "the first cell is the title"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_executed_in_order_without_errors(path):
    cells = _code_cells(path)
    counts = [c.execution_count for c in cells]
    assert counts == list(range(1, len(cells) + 1)), f"execution counts {counts}: run `make notebooks`"
    errors = [i for i, c in enumerate(cells) for o in c.outputs if o.output_type == "error"]
    assert not errors, f"code cells {errors} have error outputs"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_output_exemption_only_for_widget_cells(path):
    """nbval-ignore-output is allowed on exactly the cells that display a widget, and on cells tagged
    ``timing`` that print wall-clock times (which differ from run to run) and nothing else: no figure, no widget."""
    for i, cell in enumerate(_code_cells(path)):
        tags = cell.metadata.get("tags", [])
        tagged = IGNORE_TAG in tags
        shows_widget = any(WIDGET_VIEW in o.get("data", {}) for o in cell.outputs)
        timing = TIMING_TAG in tags
        assert tagged == (shows_widget or timing), (
            f"code cell {i}: {'tagged' if tagged else 'not tagged'} {IGNORE_TAG} but "
            f"{'shows' if shows_widget else 'shows no'} widget{' (a timing cell)' if timing else ''}")
        if timing:
            assert not shows_widget and all(o.output_type == "stream" for o in cell.outputs), \
                f"code cell {i}: a timing cell prints its times and shows nothing else"
        assert "# NBVAL" not in cell.source, "use cell tags, not comment markers"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_house_rules(path):
    """One import idiom, no global seeding, no helpers pasted into the notebook."""
    for i, cell in enumerate(_code_cells(path)):
        assert "np.random.seed" not in cell.source, f"code cell {i}: use an explicit rng"
        if not cell.metadata.get("nbgrader", {}).get("solution"):  # a student writes defs in solution cells
            assert not re.search(r"^(def|class) ", cell.source, re.M), f"code cell {i}: helpers belong in nnlab"
    sources = "\n".join(c.source for c in _code_cells(path))
    assert "import nnlab as nl" in sources


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_every_figure_shows_at_100_percent_on_white(path):
    """JupyterLab shrinks an image wider than its output area (960 px at a 1400-pixel window); a figure
    drawn at nnlab's FIGURE_WIDTH (9.6 in at 100 dpi) fits it, and its text stays at its size. Opaque
    white, so that it reads in the dark theme too."""
    import base64
    import io

    import numpy as np
    from PIL import Image

    from nnlab.plots import DPI, FIGURE_WIDTH

    limit = round(FIGURE_WIDTH * DPI)
    shown = 0
    for i, cell in enumerate(_code_cells(path)):
        for output in cell.outputs:
            if "image/png" not in output.get("data", {}):
                continue
            picture = Image.open(io.BytesIO(base64.b64decode(output["data"]["image/png"])))
            assert picture.width <= limit, f"code cell {i}: {picture.width} px wide, shown shrunk (at most {limit})"
            pixels = np.asarray(picture.convert("RGBA"))
            assert pixels[..., 3].min() == 255, f"code cell {i}: transparent pixels (dark theme shows through)"
            corners = pixels[[0, 0, -1, -1], [0, -1, 0, -1], :3]
            assert (corners == 255).all(), f"code cell {i}: the background is not white"
            shown += 1
    assert shown or path.name.startswith("02"), "a notebook with no figure"


@pytest.mark.locked
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_runs_from_a_fresh_kernel_without_hanging(path, request):
    """Uses nbval's own run when it happened in this session (notebooks/ is collected first);
    otherwise runs the notebook here with nbclient. The seconds go to test-artifacts/notebook-times.tsv."""
    seconds = getattr(request.config, "nnlab_notebook_seconds", {}).get(path.name)
    how = "under nbval"
    if seconds is None:
        nb = nbformat.read(path, as_version=4)
        client = NotebookClient(nb, timeout=int(HANG_GUARD), kernel_name="python3", record_timing=False,
                                resources={"metadata": {"path": str(path.parent)}})
        start = time.perf_counter()
        client.execute()
        seconds, how = time.perf_counter() - start, "with nbclient"
    TIMES.parent.mkdir(exist_ok=True)
    fresh = not request.config.__dict__.setdefault("nnlab_times_started", False)
    request.config.nnlab_times_started = True
    with TIMES.open("w" if fresh else "a") as f:  # this run's times replace the last run's
        f.write(f"{path.name}\t{seconds:.1f}\t{how}\n")
    print(f"{path.name}: {seconds:.1f} s {how}")
    assert seconds < HANG_GUARD, f"{path.name} took {seconds:.0f} s: a hang? (make benchmark times the notebooks)"
