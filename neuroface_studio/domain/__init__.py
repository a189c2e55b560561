"""Pure data model: dataclasses + numpy, no I/O, no Qt, no torch."""
