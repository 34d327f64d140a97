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

SOFFICE ?= $(shell command -v soffice || command -v libreoffice)
PDFTOTEXT ?= $(shell command -v pdftotext)
CJKFONT ?= $(shell fc-list :lang=zh file 2>/dev/null | head -1)

test: install
	@skip=""; missing=""; \
	if [ -z "$(CHROMIUM)" ]; then skip="$$skip and not browser"; missing="$$missing chromium fonts-wqy-microhei"; fi; \
	if [ -z "$(SOFFICE)" ]; then skip="$$skip and not libreoffice"; missing="$$missing libreoffice-calc-nogui"; fi; \
	if [ -z "$(PDFTOTEXT)" ] || [ -z "$(CJKFONT)" ]; then skip="$$skip and not pdf"; missing="$$missing poppler-utils fonts-wqy-microhei"; fi; \
	if [ -z "$$skip" ]; then \
		$(BIN)/pytest; \
	else \
		$(BIN)/pytest -m "$${skip# and }" && { \
		echo ""; \
		echo "NOTE: some tests did NOT run: this machine lacks$$missing."; \
		echo "      (browser tests need Chromium; one import test needs LibreOffice; PDF tests need"; \
		echo "      a Chinese font and poppler-utils.)"; \
		echo "      To run them: sudo apt-get install$$missing, then 'make test' again."; }; \
	fi

# Benchmarks (not part of the test run): one line per figure, also in var/bench/*.json.
# Needs PostgreSQL on 127.0.0.1:5432; BENCH_ROWS=100000 for a quicker run.
bench: install
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev,bench]'
	$(BIN)/python -m bench.run

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
