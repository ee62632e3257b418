"""Database primitives: connections, the embedded server, locks, the swap, change capture, fingerprints,
privileges, the audit schema, the carry-back of post-cutover writes."""
