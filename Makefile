# The two commands in the README: `make packs` and `make test`. Both set up .venv/ themselves on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell $(PYTHON) -c "import hashlib,sys; print(hashlib.sha256(open('pyproject.toml','rb').read()).hexdigest()[:12])")

.PHONY: setup packs test test-fast lab bench clean

$(STAMP):
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,pdf,dask]'
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

setup: $(STAMP)  ## create .venv and install nbutils with its test tools

packs: $(STAMP)  ## build every topic pack (HTML and one PDF per area) for Kent, its 12 districts and Medway into outputs/
	$(BIN)/nbutils run kent --pdf

test: $(STAMP)  ## the whole test suite, notebooks included (as CI runs it)
	$(BIN)/python -m pytest --nbval-lax --nbval-current-env tests notebooks

test-fast: $(STAMP)  ## what needs no data store, kernel or browser (statistics, disclosure, layers, ...): under a minute
	NBUTILS_TEST_LANE=fast $(BIN)/python -m pytest -q -m "not slow and not store and not kernel" tests

lab: $(STAMP)  ## open the notebooks in JupyterLab
	$(BIN)/python -m pip install --quiet -e '.[test,lab]'
	$(BIN)/jupyter lab notebooks

bench: $(STAMP)  ## speed benchmarks (print ratios to targets)
	$(BIN)/python benchmarks/bench_stats.py

clean:  ## remove generated packs and the built data store (not the raw data)
	rm -rf outputs/E* outputs/index.html outputs/manifest.json data/store
