# Set-up and everyday commands. Needs only Python 3.11 (or 3.10+) and make.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
SAMPLE := data/raw/sample_survey.xlsx

.PHONY: run test install install-dev report workbook train benchmark clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[web]'
	touch $@

$(VENV)/.installed-dev: pyproject.toml scripts/install-test-deps.sh | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev,dask,web]'
	bash scripts/install-test-deps.sh $(BIN)/python
	touch $@

install: $(VENV)/.installed

install-dev: $(VENV)/.installed-dev

## Classify the bundled sample survey, print the per-category summary, shortlist 15 questions.
run: install
	@mkdir -p output
	$(BIN)/petition-nlp classify $(SAMPLE) -o output/sample_classified.xlsx
	$(BIN)/petition-nlp shortlist $(SAMPLE) -n 15 -o output/sample_shortlist.xlsx --print

## Run the test suite.
test: install-dev
	$(BIN)/python -m pytest -q

workbook: install
	$(BIN)/petition-nlp classify $(SAMPLE) -o result.xlsx

report: install
	$(BIN)/petition-nlp report $(SAMPLE) -n 15 -o report.html

train: install
	$(BIN)/petition-nlp train --output models/candidate

benchmark: install
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf $(VENV) .pytest_cache build *.egg-info
