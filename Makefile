# Two commands a new user needs: `make run` and `make test`. Both build .venv from PyPI first.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
DEMO   := demo

.PHONY: run test lint bench venv clean train-nb train-nn eval-nb

venv: $(STAMP)

# The Norwegian NER model is trained by us (make train-nb) and installed from this repository.
NB_MODEL := models/nb_transcript_ner
# ... and the bokmål + nynorsk one, read for nynorsk text (make train-nn)
NN_MODEL := models/nn_transcript_ner

$(STAMP): pyproject.toml $(NB_MODEL)/nb_transcript_ner/meta.json $(NN_MODEL)/nn_transcript_ner/meta.json
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test,ray]'
	$(PY) -m pip install --quiet ./$(NB_MODEL) ./$(NN_MODEL)
	touch $(STAMP)

run: $(STAMP)
	$(PY) -m anonymizer.demo $(DEMO)

# Browser tests render the review page and the ethics report in headless Chromium (Debian's).
CHROMIUM := /usr/bin/chromium

test: lint $(STAMP) $(CHROMIUM)
	$(PY) -m pytest

# Lint and types fail the build: ruff's rule set and mypy's settings are in pyproject.toml.
lint: $(STAMP)
	$(PY) -m ruff check anonymizer vault tests tools
	$(PY) -m mypy

$(CHROMIUM):
	command -v chromium >/dev/null || (apt-get update -qq && apt-get install -y -qq chromium chromium-driver)

# Reproducible (fixed seed) training of the two Norwegian models. train-nb: bokmål NorNE train only
# (read for bokmål text). train-nn: bokmål + nynorsk train (train.py's default corpora, held-out
# split carved from each, no dev file read), read for nynorsk text. models/*/README.md say why two.
TRAIN_NB_ARGS ?= --corpus ../shared/corpus/norne_nob_train.jsonl
train-nb: $(STAMP)
	nice -n 10 $(PY) tools/train_nb/train.py $(TRAIN_NB_ARGS)
	rm -rf $(NB_MODEL)/build
	$(PY) -m pip install --quiet --force-reinstall --no-deps ./$(NB_MODEL)

train-nn: $(STAMP)
	nice -n 10 $(PY) tools/train_nb/train.py --package nn_transcript_ner --build build/train_nn
	rm -rf $(NN_MODEL)/build
	$(PY) -m pip install --quiet --force-reinstall --no-deps ./$(NN_MODEL)

eval-nb: $(STAMP)
	$(PY) tools/train_nb/evaluate.py

bench: $(STAMP)
	$(PY) -m anonymizer.benchmarks

clean:
	rm -rf $(VENV) $(DEMO)
