"""Integrity and history (SM6xx): the lock file, git-aware runs against a base commit, the baseline."""
