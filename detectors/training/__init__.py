"""Training the shipped detectors: data sets and splits, operating points, model cards, one trainer per model."""
