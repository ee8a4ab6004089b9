# Two entry points do all set-up on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export TF_CPP_MIN_LOG_LEVEL := 2
export TF_ENABLE_ONEDNN_OPTS := 0
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: demo test slow lint bench clean browser

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --upgrade --quiet pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/python -m autograder.authoring.examples examples/submissions
	rm -rf out/demo
	$(BIN)/convgrade grade examples/submissions --out out/demo

# The report's and the TA web app's browser tests use Debian's Chromium (Playwright is
# pointed at /usr/bin/chromium, never at a browser of its own); root installs it when
# missing. Anyone else is told how, and those tests skip saying why (pytest -rs).
browser:
	@if { command -v chromium && command -v chromedriver; } >/dev/null; then :; \
	elif [ "$$(id -u)" = 0 ]; then apt-get update -q && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium chromium-driver >/dev/null; \
	else echo "make browser: Debian's chromium is missing and only root can install it" \
		"(sudo make browser); the browser tests will be skipped."; fi

test: $(STAMP) browser
	$(BIN)/ruff check .
	$(BIN)/python -m pytest

slow: $(STAMP) browser
	$(BIN)/python -m pytest -m slow

lint: $(STAMP)
	$(BIN)/ruff check .

bench: $(STAMP)
	$(BIN)/python benchmarks/kernels.py
	$(BIN)/python benchmarks/bulk.py
	$(BIN)/python benchmarks/similarity.py
	$(BIN)/python benchmarks/versus_otter.py

clean:
	rm -rf $(VENV) out build *.egg-info
