# Two commands from a fresh machine (Python 3.11+ and git): `make demo` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(CURDIR)/$(VENV)/bin
STAMP := $(VENV)/.installed-stamp
WHEEL_VENV := $(CURDIR)/.venv-wheel
PY_SOURCES := lit_tasks lit_providers tests benchmarks tools dodo.py example_project/dodo.py

.PHONY: setup demo test test-claude-cli bench bench-large clean browser

# The browser test drives Debian's chromium through Debian's chromedriver (a browser build downloaded by a tool
# would not run here); installed once, with sudo when not root.
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
browser:
	@command -v chromium >/dev/null && command -v chromedriver >/dev/null || { \
		echo "installing Debian's chromium and chromium-driver for the browser test"; \
		$(SUDO) apt-get update -qq && \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null; }

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[test]'
	touch $(STAMP)

setup: $(STAMP)

# Regenerate the whole example project offline (replay provider), run again to show a no-op, run its tests.
demo: $(STAMP)
	rm -rf .demo && mkdir -p .demo && cp -R example_project .demo/taskbook
	rm -rf .demo/taskbook/code.lock .demo/taskbook/.lit
	@echo "== lit regenerate: a fresh build of example_project =="
	cd .demo/taskbook && $(BIN)/lit regenerate -j 4
	@echo "== lit regenerate again: everything is up to date =="
	cd .demo/taskbook && $(BIN)/lit regenerate -j 4
	@echo "== the generated code passes its generated tests =="
	cd .demo/taskbook/code.lock && PYTHONDONTWRITEBYTECODE=1 $(BIN)/python -m unittest discover -s tests -t .
	@echo "== identical to the committed example_project/code.lock =="
	diff -r example_project/code.lock .demo/taskbook/code.lock && echo "yes, byte for byte"

test: $(STAMP) browser
	$(BIN)/ruff check $(PY_SOURCES)
	$(BIN)/ruff format --check $(PY_SOURCES)
	$(BIN)/lint-imports
	$(BIN)/python tools/install_wheel.py $(WHEEL_VENV)
	LIT_WHEEL_VENV=$(WHEEL_VENV) SE_OFFLINE=true $(BIN)/python -m pytest -q

# Opt-in: the claude-code provider against the real Claude Code CLI from npm (needs node and npm), with a HOME
# of its own, against the local stand-in of the Messages API; `make test` runs that test only when `claude` is
# on PATH.
CLAUDE_CODE_VERSION ?= 2.1.197
test-claude-cli: $(STAMP)
	npm install --prefix .cache/claude-code --no-audit --no-fund --silent @anthropic-ai/claude-code@$(CLAUDE_CODE_VERSION)
	LIT_TEST_CLAUDE_BIN=$(CURDIR)/.cache/claude-code/node_modules/.bin/claude \
		$(BIN)/python -m pytest -q tests/system/test_claude_code_cli.py tests/llm/test_claude_code.py

# The benchmark (minutes; not part of `make test`): writes docs/performance.md and docs/noop-vs-n.png.
bench: $(STAMP)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[bench]'
	$(BIN)/python benchmarks/bench.py

# N=20,000 (about 10 minutes more): adds its rows to docs/performance.md, keeping the other sizes' figures.
bench-large: $(STAMP)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[bench]'
	$(BIN)/python benchmarks/bench.py --only sizes --sizes 20000

clean:
	rm -rf $(VENV) $(WHEEL_VENV) .demo .pytest_cache .hypothesis site .cache
