"""AI-generated-text detectors: the shipped fastText + stylometry default, transformers classifiers, Binoculars."""
