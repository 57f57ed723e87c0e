"""Analyses over statements and operations: the replayed schema history, routine bodies and
their dataflow, and credentials. Checks read their results; analyses never report."""
