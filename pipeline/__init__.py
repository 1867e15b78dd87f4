"""The provmix Beam pipeline: readers, extraction, stages, dedup, labelling, floor, writers, CLI."""
