# Roster: `make demo` and `make test` work on a fresh Debian machine with Swift.
SWIFT ?= swift
APT_PACKAGES := libyaml-dev libgit2-dev pkg-config
# PostgreSQL: `make test` starts a throw-away server (scripts/with-postgres.sh) for the store tests.
TEST_APT_PACKAGES := postgresql
ROSTER := .build/debug/roster
# The Python that cross-checks the schemas with jsonschema (installed by `make test` when missing).
PYTHON ?= python3
export ROSTER_PYTHON := $(PYTHON)
SUDO := $(shell [ "$$(id -u)" -eq 0 ] || echo sudo)
# SwiftPM leaves folders of its own in the temporary folder each time it builds or tests
# (TemporaryDirectory.*, five to seven a time): they are kept under .build, which `make clean`
# removes. (The tests' own temporary folders go there too; PostgreSQL's stays in /tmp.)
SWIFT_TMP = mkdir -p .build/tmp && TMPDIR=$(CURDIR)/.build/tmp
SWIFT_BUILD = $(SWIFT_TMP) $(SWIFT) build

.PHONY: deps testdeps pydeps build release demo test bench lint format clean

# Installs the system packages Roster builds against, when any is missing.
deps:
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq $$missing; \
	fi

# The PostgreSQL server the store tests run against.
testdeps:
	@missing=""; for p in $(TEST_APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq $$missing; \
	fi

# jsonschema, which the tests compare Roster's validator with.
pydeps:
	@$(PYTHON) -c 'import jsonschema' 2>/dev/null || $(PYTHON) -m pip install -q jsonschema \
	  || $(PYTHON) -m pip install -q --break-system-packages jsonschema

build: deps
	$(SWIFT_BUILD)

# The binary to deploy, .build/release/roster: optimised, with Swift's runtime and Foundation
# linked in (it needs only libyaml, libgit2 and SQLite's libraries at run time; starting it
# resolves no Swift symbols, and it takes about 5 MiB less memory).
release: deps
	$(SWIFT_BUILD) -c release --product roster --static-swift-stdlib

demo: build
	@./scripts/demo.sh $(ROSTER)

lint:
	$(SWIFT) format lint --strict --recursive Package.swift Sources Tests Plugins

format:
	$(SWIFT) format --in-place --recursive Package.swift Sources Tests Plugins

test: deps testdeps pydeps lint
	$(SWIFT_BUILD) --build-tests -Xswiftc -warnings-as-errors
	$(SWIFT_TMP) ./scripts/with-postgres.sh $(SWIFT) test --skip-build

# The benchmark at 50,000 users (docs/performance.md): a release build, then scripts/bench.sh.
# Not part of `make test`. Needs bc (installed when missing) and Python 3; runs beside a
# throw-away PostgreSQL so the state is measured on both stores.
bench: release testdeps
	@for p in bc; do dpkg -s $$p >/dev/null 2>&1 || { $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq $$p; }; done
	./scripts/with-postgres.sh ./scripts/bench.sh .build/release/roster

clean:
	rm -rf .build
