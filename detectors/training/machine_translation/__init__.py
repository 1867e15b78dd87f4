"""Training of mt-default's per-language models."""
