"""The bridge to dbt: running it in-process, its events, the project read from its manifest, the checks."""
