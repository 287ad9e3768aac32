# The two commands in the README: `make packs` and `make test`. Both set up .venv/ themselves on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell $(PYTHON) -c "import hashlib,sys; print(hashlib.sha256(open('pyproject.toml','rb').read()).hexdigest()[:12])")

.PHONY: setup git-filter packs test test-fast lab bench clean

$(STAMP):
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,pdf,dask,lab]'
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

# Autosaved outputs never reach a commit: git runs notebooks through nbstripout as it stages them (.gitattributes
# names the filter; this sets it up in this clone). Kept: cell ids, the kernelspec and language_info.name.
NB_EXTRA_KEYS := metadata.language_info.version metadata.language_info.codemirror_mode \
	metadata.language_info.file_extension metadata.language_info.mimetype metadata.language_info.nbconvert_exporter \
	metadata.language_info.pygments_lexer metadata.papermill cell.metadata.papermill cell.metadata.jupyter \
	cell.metadata.execution metadata.vscode
LAB_STAMP := $(VENV)/.lab-$(notdir $(STAMP))

setup: $(STAMP) git-filter  ## create .venv and install nbutils with its test tools

git-filter: $(STAMP)  ## strip notebook outputs as git stages them (nbstripout), so an autosave is never committed
	@if git rev-parse --git-dir >/dev/null 2>&1; then \
	  git config filter.nbstripout.clean "'$(abspath $(BIN)/python)' -m nbstripout --keep-id" && \
	  git config filter.nbstripout.smudge cat && \
	  git config filter.nbstripout.extrakeys "$(NB_EXTRA_KEYS)" && \
	  git config diff.ipynb.textconv "'$(abspath $(BIN)/python)' -m nbstripout --keep-id -t" && \
	  echo "git strips notebook outputs when staging (nbstripout filter set up)"; \
	else echo "not a git checkout: no notebook output filter to set up"; fi

packs: $(STAMP)  ## build every topic pack (HTML and one PDF per area) for Kent, its 12 districts and Medway into outputs/
	$(BIN)/nbutils run kent --pdf

test: $(STAMP)  ## the whole test suite, notebooks included (as CI runs it)
	$(BIN)/python -m pytest --nbval-lax --nbval-current-env tests notebooks

test-fast: $(STAMP)  ## what needs no data store, kernel or browser (statistics, disclosure, layers, ...): under a minute
	NBUTILS_TEST_LANE=fast $(BIN)/python -m pytest -q -m "not slow and not store and not kernel" tests

$(LAB_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[test,lab]'
	rm -f $(VENV)/.lab-.installed-*
	touch $(LAB_STAMP)

lab: $(LAB_STAMP) git-filter  ## open the notebooks in JupyterLab (installs JupyterLab once per pyproject.toml)
	$(BIN)/jupyter lab notebooks

bench: $(STAMP)  ## speed benchmarks (print ratios to targets)
	$(BIN)/python benchmarks/bench_stats.py

clean:  ## remove generated packs and the built data store (not the raw data)
	rm -rf outputs/E* outputs/index.html outputs/manifest.json data/store
