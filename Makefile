# Two commands on a fresh machine: `make run` starts the bot, `make test` runs every check.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run chat test lint typecheck pytest check evaluate bench-matching bench-redaction bench-urgent bench-conversations bench-boot bench-load \
	teams-package clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

## run: start the bot locally (web chat on http://127.0.0.1:8080 and the terminal chat)
run: $(STAMP)
	$(BIN)/safeguarding-bot serve --chat

## chat: the terminal chat only
chat: $(STAMP)
	$(BIN)/safeguarding-bot chat

## test: ruff, mypy and pytest (what CI runs)
test: lint typecheck pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

pytest: $(STAMP)
	$(BIN)/pytest

## check: validate the knowledge base
check: $(STAMP)
	$(BIN)/safeguarding-bot check knowledge

## evaluate: the bot's figures on its own evaluation questions
evaluate: $(STAMP)
	$(BIN)/safeguarding-bot evaluate

## bench-matching: the matcher on CLINC150 (see bench/matching/README.md)
bench-matching: $(STAMP)
	$(BIN)/python -m bench.matching

## bench-boot: seconds from start to /readyz, and memory, with the shipped knowledge base
bench-boot: $(STAMP)
	$(BIN)/python -m bench.boot

## bench-load: the bot under Slack and Teams load: retries, two instances, database outage,
## reload (see bench/load/README.md)
bench-load: $(STAMP)
	$(BIN)/python -m bench.load

## bench-redaction: the redactor's recall and precision (see bench/redaction/README.md)
bench-redaction: $(STAMP)
	$(BIN)/python -m bench.redaction.run

## bench-urgent: the urgent rules on messages written apart from them (see bench/urgent/README.md)
bench-urgent: $(STAMP)
	$(BIN)/python -m bench.urgent.run

## bench-conversations: follow-ups on held-out and development conversations (see bench/conversations/README.md)
bench-conversations: $(STAMP)
	$(BIN)/python -m bench.conversations.run

## teams-package: build dist/safeguarding-bot-teams.zip to upload to Teams
## (needs MicrosoftAppId, TEAMS_ORGANISATION, TEAMS_WEBSITE_URL)
teams-package: $(STAMP)
	$(BIN)/python teams/make_icons.py
	$(BIN)/python teams/package.py dist/safeguarding-bot-teams.zip

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
