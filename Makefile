# The two commands of the README: `make lab` and `make test`. Each creates .venv when it is missing and
# installs the exact versions of requirements/lock.txt, the environment the notebooks' outputs were recorded in.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
LOCK   := requirements/lock.txt
# The stamp is named after the lock and pyproject.toml it was installed from: after a change to either
# (a git pull, `make lock`) the next make lab/test brings an existing .venv up to date, downgrades included.
LOCK_ID := $(shell $(PYTHON) -c "import hashlib; print(hashlib.sha256(open('$(LOCK)', 'rb').read() + open('pyproject.toml', 'rb').read()).hexdigest()[:16])" 2>/dev/null)
STAMP  := $(VENV)/.installed-$(LOCK_ID)
MIN_VENV ?= .venv-min
# make test's worker processes (pytest-xdist): two keep two cores busy, as one Python process waiting on a kernel
# or on Chromium leaves a core idle much of the time; conftest.py keeps together what shares a fixture
WORKERS ?= 2
NBGRADER_SERVER := $(addprefix nbgrader.server_extensions.,formgrader assignment_list course_list validate_assignment)
# jupyter refuses to run as root unless told; a student's laptop never needs this
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root,)

.PHONY: lab test venv lock test-min portability notebooks benchmark clean slides student course html

$(STAMP):
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
	  { echo "nnlab needs Python 3.11 or newer; '$(PYTHON)' is $$($(PYTHON) --version 2>&1). Run: make PYTHON=python3.12 test"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r $(LOCK)
	$(BIN)/python -m pip install --quiet --no-deps -e .
	@# nbgrader (the instructor extra, for make student) would add its grading panels to the students' JupyterLab
	$(BIN)/jupyter server extension disable --sys-prefix $(NBGRADER_SERVER) >/dev/null 2>&1
	$(BIN)/jupyter labextension disable --level=sys_prefix @jupyter/nbgrader >/dev/null 2>&1
	rm -f $(VENV)/.installed*
	touch $(STAMP)

venv: $(STAMP)  ## the locked environment in .venv, nothing else

lab: $(STAMP)  ## open JupyterLab on the notebooks
	$(BIN)/jupyter lab $(ROOT_FLAG) notebooks/

test: $(STAMP)  ## run every test: the notebooks under strict nbval (also as other CPUs run them), unit and browser tests (WORKERS=1: one process)
	$(BIN)/python -m pytest $(if $(filter 1,$(WORKERS)),,-n $(WORKERS) --dist loadfile --no-loadscope-reorder)

lock: $(STAMP)  ## re-resolve requirements/lock.txt to the newest versions pyproject.toml and requirements/constraints.txt allow (needs PyPI)
	$(BIN)/uv pip compile pyproject.toml --extra test --extra instructor --universal --fork-strategy fewest --python-version 3.11 \
	  --constraint requirements/constraints.txt \
	  --upgrade --quiet --custom-compile-command "make lock" -o $(LOCK)
	$(BIN)/python tools/sync_environment.py
	@echo "$(LOCK) written. Next: make notebooks (installs it, re-records every output), then make test."

test-min: $(STAMP)  ## the unit tests with the lowest versions pyproject.toml allows (instructor extra included: make student), in $(MIN_VENV) (needs PyPI)
	rm -rf $(MIN_VENV)
	$(BIN)/uv venv --quiet --python $(BIN)/python $(MIN_VENV)
	$(BIN)/uv pip install --quiet --python $(MIN_VENV)/bin/python --resolution lowest-direct -e '.[test,instructor]'
	$(MIN_VENV)/bin/python -m pytest tests -m "not browser and not locked" -p no:cacheprovider

portability: $(STAMP)  ## the notebooks under strict nbval and the unit tests, in every CPU configuration this machine can run (make test runs some of them; NAMES=avx ... for a few)
	$(BIN)/python tools/portability.py $(or $(NAMES),--all)

benchmark: $(STAMP)  ## speed measurements, printed as ratios against peers, each notebook's time, and the dashboards' latency in the browser
	$(BIN)/python benchmarks/notebook_times.py
	$(BIN)/python benchmarks/train_speed.py
	$(BIN)/python benchmarks/probe_speed.py
	$(BIN)/python benchmarks/conv_speed.py
	$(BIN)/python benchmarks/generalisation_redraw.py
	$(BIN)/python benchmarks/dashboard_draw.py
	$(BIN)/python benchmarks/browser_latency.py

clean:
	rm -rf $(VENV) $(MIN_VENV) build .pytest_cache test-artifacts

notebooks: $(STAMP)  ## re-execute every notebook in place from a fresh kernel (for authors)
	$(BIN)/python tools/execute_notebooks.py

slides: $(STAMP)  ## offline reveal.js slides of every notebook in build/slides/ (npm installs reveal.js etc. once)
	$(BIN)/python tools/build_slides.py

student: $(STAMP)  ## student copies in build/student/ (nbgrader's ClearSolutions and ClearOutput)
	$(BIN)/python tools/make_student.py

course: $(STAMP)  ## an nbgrader course in build/course/ (OUT=... for an existing one): a locked, graded test cell per exercise, points from tools/course.toml
	$(BIN)/python tools/make_course.py $(if $(OUT),--out $(OUT),)

html: $(STAMP)  ## static HTML of every executed notebook in build/html/, widgets in their saved default view
	$(BIN)/python tools/build_slides.py --to html
