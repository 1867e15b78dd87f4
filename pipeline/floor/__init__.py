"""The human data floor: named mixes whose human share is guaranteed, enforced in Beam (see docs/labels-and-floor.md)."""
from pipeline.floor.config import MixConfig
from pipeline.floor.local import LocalMix, select_mix
from pipeline.floor.transform import FloorResult, HumanFloor

__all__ = ["FloorResult", "HumanFloor", "LocalMix", "MixConfig", "select_mix"]
