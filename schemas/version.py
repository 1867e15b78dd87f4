"""Version of the output schemas; written into Parquet metadata and the manifest.

2.0: one folder per mix (``mix/<name>/``) with a ``mix`` column, dates as UTC timestamps, ``documents/``, labels
with ``n_tokens``, detector scores with their operating points (``threshold``, ``human_threshold``).

2.1: ``p_human``, the label stage's posterior that a document is human (what a floor in ``expected_tokens``
counts).
"""

SCHEMA_VERSION = "2.1"
