"""Provenance detectors behind one interface (``detectors.base.Detector``), their training and evaluation."""
