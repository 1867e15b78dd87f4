"""Arrow/Parquet schemas of documents, labels and rejects, and the JSON Schema of the manifest."""
