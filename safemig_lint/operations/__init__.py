"""Operations: one reading of what each statement does to the schema, in dialect-free terms.

Every analysis and check reads these instead of re-deriving them from sqlglot's tree.
"""
