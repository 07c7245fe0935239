# Two commands a new user needs: `make run` and `make test`. Both build .venv from PyPI first.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
DEMO   := demo

.PHONY: run test bench venv clean

venv: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

run: $(STAMP)
	$(PY) -m anonymizer.demo $(DEMO)

# Browser tests render the review page and the ethics report in headless Chromium (Debian's).
CHROMIUM := /usr/bin/chromium

test: $(STAMP) $(CHROMIUM)
	$(PY) -m pytest

$(CHROMIUM):
	command -v chromium >/dev/null || (apt-get update -qq && apt-get install -y -qq chromium chromium-driver)

bench: $(STAMP)
	$(PY) -m anonymizer.benchmarks

clean:
	rm -rf $(VENV) $(DEMO)
