# The two commands of the README: `make lab` and `make test`. Each creates .venv when it is missing.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# jupyter refuses to run as root unless told; a student's laptop never needs this
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root,)

.PHONY: lab test notebooks benchmark clean slides student html

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
	  { echo "nnlab needs Python 3.11 or newer; '$(PYTHON)' is $$($(PYTHON) --version 2>&1). Run: make PYTHON=python3.12 test"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

lab: $(STAMP)  ## open JupyterLab on the notebooks
	$(BIN)/jupyter lab $(ROOT_FLAG) notebooks/

test: $(STAMP)  ## run every test: unit tests and the notebooks under strict nbval
	$(BIN)/python -m pytest

benchmark: $(STAMP)  ## speed measurements, printed as ratios against peers
	$(BIN)/python benchmarks/train_speed.py
	$(BIN)/python benchmarks/probe_speed.py

clean:
	rm -rf $(VENV) build .pytest_cache

notebooks: $(STAMP)  ## re-execute every notebook in place from a fresh kernel (for authors)
	$(BIN)/python tools/execute_notebooks.py

slides: $(STAMP)  ## offline reveal.js slides of every notebook in build/slides/ (npm installs reveal.js etc. once)
	$(BIN)/python tools/build_slides.py

student: $(STAMP)  ## student copies in build/student/: exercise cells blanked, outputs cleared
	$(BIN)/python tools/make_student.py

html: $(STAMP)  ## static HTML of every executed notebook in build/html/, widgets in their saved default view
	$(BIN)/python tools/build_slides.py --to html
