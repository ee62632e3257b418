"""The flows, one module per command: stage, build, validate, migrate, cutover, rollback, prune, status,
backups and restore, samples, rehearsal, lineage docs."""
