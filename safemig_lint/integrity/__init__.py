"""Integrity and history (SM6xx): the lock file, git-aware runs against a base commit, the baseline."""

# The files this package keeps in a migration folder, named here so that a run can look for them
# without importing their readers (one answered from the cache, in a folder that has neither).
SUM_FILE = "safemig.sum"
BASELINE_FILE = "safemig-baseline.json"
