"""A model of the database schema, replayed from the migration history.

operations.read (statement -> ops, once per file, shared with the rules) -> replay (ops -> model + effects) -> history (per
directory: snapshots by version, effects by statement) -> rules, diff and render.
"""
