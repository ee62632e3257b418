"""What every layer uses: errors and exit codes, paths, schema names, the log, fault points, SQL files."""
