# Bangfu: `make demo` brings the app up with the demo scenario; `make test` runs the suite.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
CHROMIUM ?= $(shell command -v chromium || command -v chromium-browser)
export BANGFU_CHROMIUM := $(CHROMIUM)

.PHONY: demo test install serve lint format check messages bench clean

$(BIN)/.installed: pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev]'
	@touch $@

install: $(BIN)/.installed

demo: install
	$(BIN)/bangfu migrate --verbosity 0
	$(BIN)/bangfu demo-data
	@echo "Serving on http://$(HOST):$(PORT)/  (Ctrl-C to stop)"
	DEBUG=1 $(BIN)/bangfu runserver --noreload $(HOST):$(PORT)

serve: install
	DEBUG=1 $(BIN)/bangfu runserver $(HOST):$(PORT)

test: install
	@if [ -n "$(CHROMIUM)" ]; then \
		$(BIN)/pytest; \
	else \
		$(BIN)/pytest -m "not browser" && { \
		echo ""; \
		echo "NOTE: the browser tests did NOT run: no Chromium was found on this machine."; \
		echo "      To run them: sudo apt-get install chromium fonts-wqy-microhei"; \
		echo "      (or set CHROMIUM=/path/to/chromium), then run 'make test' again."; }; \
	fi

lint: install
	$(BIN)/ruff check bangfu bench
	$(BIN)/ruff format --check bangfu bench

format: install
	$(BIN)/ruff check --fix bangfu bench
	$(BIN)/ruff format bangfu bench

# Regenerate the English catalogue after changing translatable text (needs gettext).
messages: install
	cd bangfu && ../$(BIN)/bangfu makemessages --locale en --no-obsolete --add-location file
	cd bangfu && ../$(BIN)/bangfu compilemessages --locale en

clean:
	rm -rf $(VENV) var .pytest_cache
