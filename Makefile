# Front door. Make is the task runner; Python does the globbing (OPD file names contain spaces).
.DEFAULT_GOAL := help
.PHONY: help setup report check templates ambil balas demo test lint typecheck clean nasional

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
SPEC   ?= master/binjai_2018.xlsx
INPUT  ?= input_xlsx
OUTPUT ?= output
PREV   ?=
PERIODE ?=
KIRIM  ?=

# A path given empty (OUTPUT=) would be the current folder, or the file system's root for
# $(OUTPUT)/templat: refused before anything runs.
ifeq ($(strip $(SPEC)),)
$(error SPEC kosong: berikan master spec, misalnya SPEC=master/binjai_2018.xlsx)
endif
ifeq ($(strip $(INPUT)),)
$(error INPUT kosong: berikan folder berkas OPD, misalnya INPUT=input_xlsx)
endif
ifeq ($(strip $(OUTPUT)),)
$(error OUTPUT kosong: berikan folder keluaran, misalnya OUTPUT=output)
endif

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(VENV)/.installed: requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.lock
	$(PY) -m compileall -q pipeline
	touch $@

setup: $(VENV)/.installed ## create the virtual environment from the pinned dependencies

report: $(VENV)/.installed ## ingest, validate, score and write the consolidated workbook and charts
	$(PY) -m pipeline report --spec "$(SPEC)" --input "$(INPUT)" --output "$(OUTPUT)" \
		$(if $(PREV),--tahun-lalu "$(PREV)",) $(if $(PERIODE),--periode "$(PERIODE)",)

check: $(VENV)/.installed ## validate the input files without writing the report
	$(PY) -m pipeline check --spec "$(SPEC)" --input "$(INPUT)" --output "$(OUTPUT)" \
		$(if $(PERIODE),--periode "$(PERIODE)",)

templates: $(VENV)/.installed ## write one blank template per OPD into output/templat/
	$(PY) -m pipeline templates --spec "$(SPEC)" --output "$(OUTPUT)/templat"

ambil: $(VENV)/.installed ## save new mailed workbooks (IMAP SAKIP_IMAP_*, .eml, .msg) into the input folder
	$(PY) -m pipeline ambil --spec "$(SPEC)" --input "$(INPUT)"

balas: $(VENV)/.installed ## reply to each OPD with its feedback workbook (dry run; KIRIM=1 sends via SAKIP_SMTP_*)
	$(PY) -m pipeline balas --spec "$(SPEC)" --output "$(OUTPUT)" --input "$(INPUT)" \
		$(if $(KIRIM),--kirim,)

demo: $(VENV)/.installed ## rebuild the Binjai master spec and the embedded input files from scripts/seed_data
	$(PY) scripts/build_binjai_demo.py

lint: $(VENV)/.installed ## ruff
	$(VENV)/bin/ruff check pipeline tests scripts notebooks
	$(VENV)/bin/ruff format --check pipeline tests scripts notebooks

typecheck: $(VENV)/.installed ## mypy on the package
	$(VENV)/bin/mypy pipeline

test: $(VENV)/.installed lint typecheck ## lint, types and the test suite
	$(PY) -m pytest -q

clean: ## remove generated outputs (keeps the virtual environment)
	$(PY) -c "import shutil, pathlib; [shutil.rmtree(p) if p.is_dir() else p.unlink() for p in pathlib.Path('$(OUTPUT)').iterdir() if p.name != '.gitkeep']"

nasional: $(VENV)/.installed ## every Pemda folder under ROOT=folder (DASK=tcp://host:8786 for a cluster, PER_PEMDA=1)
	$(if $(ROOT),,$(error ROOT=folder wajib diberikan: folder berisi satu folder per Pemda, masing-masing dengan master/ dan input_xlsx/))
	$(PY) -m pipeline nasional --root "$(ROOT)" --output "$(OUTPUT)/nasional" \
		$(if $(DASK),--dask "$(DASK)",) $(if $(WORKERS),--workers "$(WORKERS)",) \
		$(if $(PER_PEMDA),--per-pemda,)
