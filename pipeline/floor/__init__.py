"""The human data floor: named mixes with a guaranteed human share, enforced in Beam.

See docs/labels-and-floor.md for the algorithm and the report.
"""
from provmix.pipeline.floor.config import MixConfig
from provmix.pipeline.floor.local import LocalMix, select_mix
from provmix.pipeline.floor.transform import FloorResult, HumanFloor

__all__ = ["FloorResult", "HumanFloor", "LocalMix", "MixConfig", "select_mix"]
