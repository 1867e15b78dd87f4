"""Version of the output schemas; written into Parquet metadata and the manifest."""

SCHEMA_VERSION = "1.0"
