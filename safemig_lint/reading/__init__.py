"""Reading: migration files on disk -> decoded text -> statements (each parsed once) and suppressions."""
