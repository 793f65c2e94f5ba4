# One entry point. `make demo` and `make test` set up everything they need
# from nothing (venv, collection build, test hosts, real AWS CLI, servers).
SHELL := /bin/bash
.DEFAULT_GOAL := help
PY ?= python3
VENV := $(CURDIR)/.venv
BIN := $(VENV)/bin
export PATH := $(BIN):$(PATH)
# A path that makes `import ansible_collections.labcloud.aws_sso` resolve to
# this checkout (for pytest); the collection built and installed by
# ansible-galaxy (for playbooks and Molecule, as users get it); and a copy in
# the layout ansible-test insists on.
LINK_ROOT := $(CURDIR)/build/link
COLL_PATH := $(CURDIR)/build/collections
SANITY_ROOT := $(CURDIR)/build/src/ansible_collections/labcloud/aws_sso
export ANSIBLE_COLLECTIONS_PATH := $(COLL_PATH)
export ANSIBLE_COLLECTIONS_SCAN_SYS_PATH := True
export PYTHONDONTWRITEBYTECODE := 1
PYTEST := $(BIN)/python -m pytest -p no:cacheprovider
# The second controller (requirements-next.txt): the newer ansible-core that
# meta/runtime.yml also claims needs Python 3.12, which pyenv has here.
PY_NEXT ?= $(firstword $(wildcard $(HOME)/.pyenv/versions/3.12*/bin/python3 /root/.pyenv/versions/3.12*/bin/python3) $(shell command -v python3.12 2>/dev/null))
VENV_NEXT := $(CURDIR)/.venv-next
SANITY_ROOT_NEXT := $(CURDIR)/build/src-next/ansible_collections/labcloud/aws_sso

.PHONY: help venv venv-next collection testbed unit integration sanity compat lint readmes molecule test demo bench clean

help:
	@echo "make demo   - a lab of 3 workstations: setup, sign-ins, verify and the fleet report (all local)"
	@echo "make demo-local - apply a sample SSO declaration to a throwaway HOME and show the result"
	@echo "make test   - set up everything and run every test"
	@echo "make bench  - run the benchmarks (figures go to docs/benchmarks.md)"
	@echo "make docs   - build the documentation site into build/docs"
	@echo "make readmes - rewrite the role READMEs' options tables from meta/argument_specs.yml"
	@echo "make ee     - build the execution environment and run setup and verify in it"

venv: $(VENV)/.stamp
$(VENV)/.stamp: requirements.txt
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -r requirements.txt
	touch $@

collection: venv
	mkdir -p $(LINK_ROOT)/ansible_collections/labcloud
	ln -sfn $(CURDIR) $(LINK_ROOT)/ansible_collections/labcloud/aws_sso
	@# One build at a time: parallel make runs share build/dist and build/collections.
	mkdir -p build && flock build/.collection.lock bash -c '\
	  rm -rf build/dist && \
	  $(BIN)/ansible-galaxy collection build --force --output-path build/dist >/dev/null && \
	  $(BIN)/ansible-galaxy collection install --force -p $(COLL_PATH) build/dist/labcloud-aws_sso-*.tar.gz >/dev/null'
	@echo "collection built and installed into $(COLL_PATH)"

testbed: venv
	bash tests/testbed/hosts.sh
	bash tests/testbed/chromium.sh
	$(BIN)/python -m tests.testbed.awscli

unit: collection
	$(PYTEST) tests/unit -q

integration: collection testbed
	@# Two workers, one test file each at a time: module fixtures (users, servers) stay whole.
	$(PYTEST) tests/integration -q -n 2 --dist loadfile

sanity: collection
	bash tests/tools/sanity.sh $(BIN) 3.11 $(SANITY_ROOT)

venv-next: $(VENV_NEXT)/.stamp
$(VENV_NEXT)/.stamp: requirements-next.txt
	@test -n "$(PY_NEXT)" || { echo "make compat: no Python 3.12 found (pyenv install 3.12, or PY_NEXT=/path/to/python3.12)"; exit 1; }
	$(PY_NEXT) -m venv $(VENV_NEXT)
	$(VENV_NEXT)/bin/pip install -q --upgrade pip
	$(VENV_NEXT)/bin/pip install -q -r requirements-next.txt
	touch $@

# The unit tests and sanity again on the newer claimed ansible-core.
compat: collection venv-next
	$(VENV_NEXT)/bin/python -m pytest -p no:cacheprovider tests/unit -q
	bash tests/tools/sanity.sh $(VENV_NEXT)/bin 3.12 $(SANITY_ROOT_NEXT)

lint: collection
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/ansible-lint --profile production --offline
	$(BIN)/antsibull-changelog lint
	$(BIN)/python tests/tools/role_readme.py --check
	@# Plugin and role docs plus the guides in docs/docsite, as docs.ansible.com would build them.
	ANSIBLE_COLLECTIONS_SCAN_SYS_PATH=False $(BIN)/antsibull-docs lint-collection-docs --plugin-docs --check-extra-docs-refs .

# The options tables of roles/*/README.md, from each role's meta/argument_specs.yml
# (`make lint` fails when one is out of date).
readmes: venv
	$(BIN)/python tests/tools/role_readme.py

molecule: collection testbed
	bash tests/testbed/molecule-all.sh

test: unit lint sanity compat integration molecule ee
	@echo "make test: all suites passed"

# The fleet demo builds the test ground itself (hosts.sh, real AWS CLI) as
# its step 1, so that its timings show; it removes everything it started.
.PHONY: demo-local
demo: collection
	$(BIN)/python demo/fleet.py

demo-local: collection
	$(BIN)/python -m tests.testbed.awscli
	bash demo/run.sh

bench: collection testbed
	$(BIN)/python bench/run.py
	$(BIN)/python bench/setup_fleet.py
	$(BIN)/python bench/verify_fleet.py
	$(BIN)/python bench/profiles.py
	$(BIN)/python bench/contained_fleet.py

# docs/img/report.png: the fleet report's page, rendered by headless chromium
# from the sample lab in tests/testbed/report_sample.py.
.PHONY: screenshots
screenshots: collection
	bash tests/testbed/chromium.sh
	$(BIN)/python -m tests.testbed.report_sample --screenshot docs/img/report.png

# The documentation site: antsibull-docs + Sphinx, static HTML in build/docs
# (tests/integration/test_docs_site.py builds it too and reads every page in
# chromium). docs-screenshot refreshes docs/img/docs-site-module.png.
.PHONY: docs docs-screenshot changelog ee
docs: collection
	$(BIN)/python tests/tools/docs_site.py

docs-screenshot: collection
	bash tests/testbed/chromium.sh
	$(BIN)/python tests/tools/docs_site.py --screenshot docs/img/docs-site-module.png

# CHANGELOG.rst as `antsibull-changelog release` will write it, from a copy
# (the fragments stay). The release itself: .venv/bin/antsibull-changelog release
changelog: venv
	$(BIN)/python tests/tools/changelog.py

# The execution environment (localhost/labcloud-aws-sso-ee) built with
# ansible-builder and podman, then the setup and verify playbooks run in it
# through ansible-navigator against SSH hosts. Part of `make test`: 1.5 min
# (5 min on a busy 2-vCPU machine), 1 min more from scratch (docs/testing.md).
ee: collection testbed
	bash tests/ee/build.sh
	$(PYTEST) tests/ee -v -s

clean:
	rm -rf build
