"""Files written safely and inputs checked: atomic outputs, the disk-full guard, HDF5 writes.

The helpers live in :mod:`danq.io.atomic`, :mod:`danq.io.hdf5` and :mod:`danq.io.inputs`; the
names below are the ones every stage uses.
"""

from danq.io.atomic import (
    TEMP_TAG,
    atomic_directory,
    atomic_path,
    output_directory,
    remove_stale_temps,
    storage_error,
    storage_errors,
)
from danq.io.hdf5 import GuardedFile, close_h5, create_h5, h5_writes
from danq.io.inputs import (
    GZIP_MAGIC,
    is_gzip,
    open_text,
    refuse_overwriting_inputs,
    require_file,
    utf8_text,
)

__all__ = [
    "GZIP_MAGIC", "TEMP_TAG", "GuardedFile", "atomic_directory", "atomic_path", "close_h5",
    "create_h5", "h5_writes", "is_gzip", "open_text", "output_directory", "refuse_overwriting_inputs",
    "remove_stale_temps", "require_file", "storage_error", "storage_errors", "utf8_text",
]
