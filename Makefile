# The two commands of the README, with their set-up:
#   make build   builds every content file into output/
#   make test    runs the test suite
# Both install what is missing first (scripts/setup.sh, once per change of
# pyproject.toml or the script).

VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.setup-done

.PHONY: setup build test check bench bench-catalogue clean

setup: $(STAMP)

build: $(STAMP)
	$(PY) make_flyers.py build

test: $(STAMP)
	$(PY) -m pytest

check: $(STAMP)
	$(PY) make_flyers.py check

bench: $(STAMP)
	$(PY) bench/build_vs_weasyprint.py

bench-catalogue: $(STAMP)
	$(PY) bench/run.py

$(STAMP): pyproject.toml scripts/setup.sh tests/tools/package-lock.json
	scripts/setup.sh
	touch $@

clean:
	rm -rf output .venv
