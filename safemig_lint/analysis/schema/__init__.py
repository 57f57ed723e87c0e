"""A model of the database schema, replayed from the migration history.

operations.read (statement -> ops, per file) -> replay (ops -> model + effects) -> history (per
directory: snapshots by version, effects by statement) -> rules, diff and render.
"""
