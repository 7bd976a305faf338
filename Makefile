# make reproduce [PROFILE=cpu] [ONLY=00,20] [FORCE=1] [JOBS=2]   regenerate tables and figures (JOBS notebooks side by side)
# make test                                             the whole test suite (smoke profile)
# make artifacts [PROFILE=cpu]                          every artifact of a profile: key, inputs, built or not
# make benchmark [PROFILE=cpu]                          old vs new evaluation path, as ratios (results/PROFILE/benchmarks)
# make data                                             unpack ../shared/data into $(DATA)
PROFILE ?= cpu
ONLY ?=
FORCE ?= 0
JOBS ?= 2
SHARED ?= ../shared/data
DATA ?= $(or $(NEUMETA_DATA),data)
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.neumeta-installed

.PHONY: reproduce test test-dry-run test-slow data venv clean-scratch artifacts benchmark dry-run

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet -e '.[test,notebooks]'
	touch $(STAMP)

venv: $(STAMP)

# Unpack the offline copies of the real datasets (checksums verified) when they are there.
data:
	@if [ -d "$(SHARED)" ]; then \
	  mkdir -p "$(DATA)"; \
	  (cd "$(SHARED)" && sha256sum --quiet -c SHA256SUMS) || exit 1; \
	  for pair in mnist.tar.gz:MNIST cifar10-jpeg.tar.gz:cifar10-jpeg camvid-half.tar.gz:camvid-half; do \
	    tarball=$${pair%%:*}; dir=$${pair##*:}; \
	    if [ -f "$(SHARED)/$$tarball" ] && [ ! -d "$(DATA)/$$dir" ]; then \
	      echo "unpacking $$tarball into $(DATA)/"; tar -xzf "$(SHARED)/$$tarball" -C "$(DATA)"; fi; \
	  done; \
	else echo "no $(SHARED): datasets are downloaded on first use where the network allows"; fi

reproduce: venv data
	$(PY) -m neumeta.tooling.pipeline --profile $(PROFILE) --jobs $(JOBS) $(if $(ONLY),--only $(ONLY)) $(if $(filter 1,$(FORCE)),--force)
	$(PY) -m neumeta.tooling.report
	$(PY) -m neumeta.tooling.compare --profile $(PROFILE) $(if $(ONLY),--only $(ONLY))

# The paper profile's code path at smoke sizes on the fixtures, on a CPU (tiny results, kept out of the real store)
dry-run: venv
	NEUMETA_DRY_RUN=1 NEUMETA_OFFLINE=1 NEUMETA_CHECKPOINTS=checkpoints/dry-run \
	  NEUMETA_RESULTS_ROOT=results/scratch/dry-run NEUMETA_FIGURES_ROOT=figures/scratch/dry-run \
	  $(PY) -m neumeta.tooling.pipeline --profile paper $(if $(ONLY),--only $(ONLY))

artifacts: venv
	$(PY) -m neumeta.tooling.artifacts $(PROFILE)

# Two test processes (pytest-xdist): each file's tests stay together in one, and the notebooks run in order in one
test: venv
	TQDM_DISABLE=1 $(PY) -m pytest -q -n 2 --durations=15

# The paper profile's dry run as tests (one per notebook, in order); CI runs it after `make test`
test-dry-run: venv
	TQDM_DISABLE=1 $(PY) -m pytest -q -m dry_run --durations=15

clean-scratch:
	rm -rf results/scratch figures/scratch

# Old vs new evaluation path on this machine (ratios, prediction agreement) -> results/$(PROFILE)/benchmarks/
benchmark: venv data
	$(PY) benchmarks/evaluation.py --profile $(PROFILE)

# The full-size checks left out of `make test` (minutes each; not in CI)
test-slow: venv data
	TQDM_DISABLE=1 $(PY) -m pytest -q -m slow --durations=15
