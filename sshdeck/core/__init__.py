"""sshdeck's engine: SSH sessions, file systems, trust, profiles.

Nothing under this package imports Textual; the TUI, the command-line
subcommands, the tests and the benchmarks all use it the same way.
"""
