"""Project folders and HDF5 recording files: schema versions, migrations, atomic saves."""
