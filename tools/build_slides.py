"""Export the notebooks as offline reveal.js slides (``make slides``) or static HTML pages (``make html``).

    python tools/build_slides.py [--to slides|html] [--out FOLDER] [notebooks/01_xor.ipynb ...]

``jupyter nbconvert`` loads reveal.js, require.js, jQuery, MathJax and the widget renderer from CDNs by
default, which fails in a lecture hall without network. Here they come from the npm registry instead,
at the exact versions of ``tools/slides/package-lock.json``: ``npm ci`` installs them once into
``build/vendor/`` (again only when the lock file changes), the files the pages load are copied to
``FOLDER/vendor/``, and nbconvert is pointed at them with relative URLs. The folder then works offline,
opened as a file or served over http, and can be copied to a USB stick as a whole.

* ``--to slides`` (default): ``FOLDER/NN_topic.slides.html`` for every notebook, default ``build/slides``;
  the template ``tools/slides/templates/nnlab_reveal`` sizes the deck for a projector.
* ``--to html``: ``FOLDER/NN_topic.html`` for every executed notebook, default ``build/html``, with the
  widget state the notebook saved, so every dashboard shows its default view (without a kernel the
  sliders move but the picture does not follow them); the template ``tools/slides/templates/nnlab_lab``.

Both templates meet WCAG 2.1 AA where nbconvert's do not (``nnlab_lab/access.html.j2``, ACCESSIBILITY.md): every
picture keeps its text alternative, prompts and code are drawn in colours of 4.5:1, formulas leave the Tab order,
and a deck's hidden slides are inert. ``axe_script()`` is axe-core, installed with the rest, which the browser
tests run on every page.
"""

from __future__ import annotations

import argparse
import hashlib
import shutil
import subprocess
import sys
import time
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
SLIDES_SRC = ROOT / "tools" / "slides"          # package.json, package-lock.json, templates/
NPM_DIR = ROOT / "build" / "vendor"             # where npm installs them
STAMP = NPM_DIR / ".installed"                  # the hash of the lock file they were installed from

# what of each npm package the pages load: (package, files or folders in it, where they go under vendor/)
VENDOR_FILES = [
    ("reveal.js", ["dist/reveal.js", "dist/reveal.css", "dist/reset.css", "dist/theme/white.css",
                   "dist/theme/fonts/source-sans-pro", "plugin/notes/notes.js", "LICENSE"], "reveal.js"),
    ("requirejs", ["require.js"], "requirejs"),
    ("jquery", ["dist/jquery.min.js", "LICENSE.txt"], "jquery"),
    # MathJax 2 with the CommonHTML output nbconvert asks for; fonts, extensions and localisations it
    # loads on demand (the other output processors and the image fonts are left out: 60 MB)
    ("mathjax", ["MathJax.js", "config/TeX-AMS_CHTML-full.js", "config/Safe.js", "extensions", "localization",
                 "jax/input/TeX", "jax/element", "jax/output/CommonHTML", "jax/output/PreviewHTML",
                 "fonts/HTML-CSS/TeX/woff", "fonts/HTML-CSS/TeX/otf", "LICENSE"], "mathjax"),
    # renders the saved widget state; its icon fonts sit next to it
    ("@jupyter-widgets/html-manager",
     ["dist/embed-amd.js", "dist/*.woff2", "dist/*.woff", "dist/*.ttf", "dist/*.eot", "dist/*.svg",
      "dist/embed.js.LICENSE.txt"], "html-manager"),
]

# relative URLs, so a deck works from any folder, as a file or over http; nnlab's templates (WCAG 2.1 AA: the
# pictures' alt texts, contrast, formulas out of the Tab order, hidden slides inert; ACCESSIBILITY.md)
COMMON_ARGS = [
    f"--TemplateExporter.extra_template_basedirs={SLIDES_SRC / 'templates'}",
    # so that both templates import nnlab_lab/access.html.j2 by that name
    f"--TemplateExporter.extra_template_paths={SLIDES_SRC / 'templates'}",
    "--HTMLExporter.require_js_url=vendor/requirejs/require.js",
    "--HTMLExporter.jquery_url=vendor/jquery/dist/jquery.min.js",
    "--HTMLExporter.mathjax_url=vendor/mathjax/MathJax.js?config=TeX-AMS_CHTML-full,Safe",
    "--HTMLExporter.widget_renderer_url=vendor/html-manager/dist/embed-amd.js",
    "--HTMLExporter.jupyter_widgets_base_url=vendor/",
]
SLIDES_ARGS = [
    "--to=slides",
    "--template=nnlab_reveal",
    "--SlidesExporter.reveal_url_prefix=vendor/reveal.js",
    # 'white' ships its font with reveal.js; 'simple', nbconvert's default, fetches Google fonts
    "--SlidesExporter.reveal_theme=white",
    "--SlidesExporter.reveal_transition=none",   # projectors and slow laptops: no animation
    "--SlidesExporter.reveal_number=c/t",
    # 16:9, 1280 x 720 px before reveal.js scales the deck to the screen (the template sizes text and figures)
    "--SlidesExporter.reveal_width=1280",
    "--SlidesExporter.reveal_height=720",
]
HTML_ARGS = ["--to=html", "--template=nnlab_lab"]


def notebooks() -> list[Path]:
    """The lecture notebooks, ``notebooks/NN_topic.ipynb``, in order."""
    return sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def is_executed(path: Path) -> bool:
    """True if every code cell of the notebook has been run (``make notebooks``)."""
    cells = [c for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code"]
    return all(c.execution_count is not None for c in cells)


def _lock_hash() -> str:
    digest = hashlib.sha256()
    for name in ("package.json", "package-lock.json"):
        digest.update((SLIDES_SRC / name).read_bytes())
    return digest.hexdigest()


class NoNpm(RuntimeError):
    """npm is needed (once) and missing."""


def vendor_ready() -> bool:
    """True if build/vendor/ holds the packages of the current lock file (then npm is not needed)."""
    return STAMP.exists() and STAMP.read_text() == _lock_hash()


def install_vendor() -> Path:
    """``npm ci`` the pinned packages into build/vendor/ unless they are there already; their node_modules."""
    if vendor_ready():
        return NPM_DIR / "node_modules"
    npm = shutil.which("npm")
    if npm is None:
        raise NoNpm("the exports need Node.js and npm once (Debian: `apt-get install nodejs npm`), to "
                    "install reveal.js, require.js, jQuery, MathJax and the widget renderer from the npm "
                    "registry")
    NPM_DIR.mkdir(parents=True, exist_ok=True)
    for name in ("package.json", "package-lock.json"):
        shutil.copy2(SLIDES_SRC / name, NPM_DIR / name)
    print(f"npm ci in {NPM_DIR.relative_to(ROOT)} (once, and again when tools/slides/package-lock.json "
          "changes)", flush=True)
    # --ignore-scripts: only files are needed, nothing is built or run
    subprocess.run([npm, "ci", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error"],
                   cwd=NPM_DIR, check=True)
    STAMP.write_text(_lock_hash())
    return NPM_DIR / "node_modules"


def axe_script() -> Path:
    """axe-core's ``axe.min.js`` (installed with the rest by ``install_vendor``), for the browser tests' checks."""
    return install_vendor() / "axe-core" / "axe.min.js"


def copy_vendor(node_modules: Path, out: Path) -> None:
    """Copy the files the pages load into ``out/vendor/``."""
    target = out / "vendor"
    shutil.rmtree(target, ignore_errors=True)
    for package, patterns, dest in VENDOR_FILES:
        for pattern in patterns:
            sources = sorted((node_modules / package).glob(pattern))
            if not sources:
                raise FileNotFoundError(f"{package}: no {pattern} in {node_modules / package}")
            for src in sources:
                dst = target / dest / src.relative_to(node_modules / package)
                dst.parent.mkdir(parents=True, exist_ok=True)
                if src.is_dir():
                    shutil.copytree(src, dst, ignore=shutil.ignore_patterns("*.map"))
                else:
                    shutil.copy2(src, dst)


def convert(paths: list[Path], out: Path, to: str) -> None:
    """Run ``jupyter nbconvert`` on all the notebooks at once, pointed at the local copies."""
    args = SLIDES_ARGS if to == "slides" else HTML_ARGS
    cmd = [sys.executable, "-m", "jupyter", "nbconvert", *args, *COMMON_ARGS, f"--output-dir={out}",
           "--log-level=ERROR", *map(str, paths)]
    subprocess.run(cmd, check=True)


def build(paths: list[Path], out: Path, to: str = "slides") -> list[Path]:
    """Export the notebooks to ``out`` with the vendor folder next to them; the files written."""
    out.mkdir(parents=True, exist_ok=True)
    copy_vendor(install_vendor(), out)
    convert(paths, out, to)
    suffix = ".slides.html" if to == "slides" else ".html"
    return [out / (p.stem + suffix) for p in paths]


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path, help="default: every notebooks/NN_topic.ipynb")
    parser.add_argument("--to", choices=["slides", "html"], default="slides")
    parser.add_argument("--out", type=Path, help="default: build/slides or build/html")
    args = parser.parse_args(argv)
    out = args.out or ROOT / "build" / args.to
    paths = args.notebooks or notebooks()
    if args.to == "html":
        skipped = [p for p in paths if not is_executed(p)]
        for p in skipped:
            print(f"skipping {p.name}: not executed (run `make notebooks`)")
        paths = [p for p in paths if p not in skipped]
    if not paths:
        print("no notebooks to export")
        return 0
    start = time.perf_counter()
    try:
        written = build(paths, out, args.to)
    except NoNpm as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    for path in written:
        print(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path)
    print(f"{len(paths)} notebook(s) in {time.perf_counter() - start:.1f} s; open them offline, or serve "
          f"the folder: python -m http.server -d {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
