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

.PHONY: help venv collection testbed unit integration sanity lint molecule test demo bench clean

help:
	@echo "make demo   - apply a sample SSO declaration on local defaults and show the result"
	@echo "make test   - set up everything and run every test"
	@echo "make bench  - run the benchmarks (figures go to docs/benchmarks.md)"

venv: $(VENV)/.stamp
$(VENV)/.stamp: requirements.txt
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -r requirements.txt
	touch $@

collection: venv
	mkdir -p $(LINK_ROOT)/ansible_collections/labcloud
	ln -sfn $(CURDIR) $(LINK_ROOT)/ansible_collections/labcloud/aws_sso
	rm -rf build/dist
	$(BIN)/ansible-galaxy collection build --force --output-path build/dist >/dev/null
	$(BIN)/ansible-galaxy collection install --force -p $(COLL_PATH) build/dist/labcloud-aws_sso-*.tar.gz >/dev/null
	@echo "collection built and installed into $(COLL_PATH)"

testbed: venv
	bash tests/testbed/hosts.sh
	$(BIN)/python -m tests.testbed.awscli

unit: collection
	$(PYTEST) tests/unit -q

integration: collection testbed
	$(PYTEST) tests/integration -q

sanity: collection
	rm -rf $(SANITY_ROOT) && mkdir -p $(SANITY_ROOT)
	@# Sanity runs on what users get: the built collection, plus its ignore files.
	tar -xzf build/dist/labcloud-aws_sso-*.tar.gz -C $(SANITY_ROOT)
	mkdir -p $(SANITY_ROOT)/tests && cp -r tests/sanity $(SANITY_ROOT)/tests/
	@# ansible-test lists files with git; without a repo of its own it would
	@# use this checkout's, where build/ is ignored.
	git -C $(SANITY_ROOT) init -q
	$(BIN)/python tests/tools/offline_get_pip.py --install
	cd $(SANITY_ROOT) && $(BIN)/ansible-test sanity --requirements --python 3.11 --color no

lint: collection
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/ansible-lint --profile production --offline

molecule: collection testbed
	bash tests/testbed/molecule-all.sh

test: unit lint sanity integration molecule
	@echo "make test: all suites passed"

demo: collection
	$(BIN)/python -m tests.testbed.awscli
	bash demo/run.sh

bench: collection testbed
	$(BIN)/python bench/run.py
	$(BIN)/python bench/setup_fleet.py

clean:
	rm -rf build
