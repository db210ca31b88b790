"""zones: Ningbo's manufacturing layout (一圈三带多园, 一园一业) as sourced geodata."""

from zones.dataset import Dataset, load_dataset
from zones.errors import DataError, Problem, ValidationError, ZonesError

__all__ = ["DataError", "Dataset", "Problem", "ValidationError", "ZonesError", "load_dataset"]
__version__ = "0.1.0"
