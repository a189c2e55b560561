"""The file under a recording's HDF5 writer: a full disk never reaches HDF5.

Measured (issue 17): when another process fills the disk, a write fails inside HDF5, and from
then on the HDF5 library is in a state that cannot be flushed or closed: ``close()`` raised
``RuntimeError: Unable to flush dataset (errno = 28)`` and the process then died with a
segmentation fault (also when the handles were leaked: at interpreter exit). So the writer
opens its HDF5 file through h5py's ``fileobj`` driver on a :class:`GuardedFile`, which makes
sure HDF5 never sees a failed write:

* At open, a **reserve** file (``.<name>.reserve``, ``reserve_bytes``) is allocated beside the
  recording. The first write that fails with "no space" (ENOSPC, EDQUOT, EFBIG) deletes the
  reserve and retries: the write succeeds, ``space_low`` is set, and the recorder stops at once
  and seals the file in the reserved space, with every frame written.
* If a write still fails (the other process took that space too, or an I/O error), the file
  turns **dead**: that write and every later one go to memory only (an overlay that later reads
  see, so HDF5's view of its file stays whole) and are reported to HDF5 as done. The file on
  disk is then exactly what a writer killed at that moment leaves, which SWMR mode keeps
  readable up to the last flush; ``error`` says what happened. Nothing crashes. (The recorder
  stops at once, so the overlay holds at most a frame and the closing metadata.)

One more thing the ``fileobj`` driver does differently from HDF5's own POSIX driver: the
superblock it writes while the file is open for SWMR writing carries only the "SWMR write"
status flag (0x04), not "open for write" (0x01), and HDF5 then refuses to open the file a killed
writer left ("not already open for SWMR writing"). :meth:`GuardedFile.write` sets the flags as
the POSIX driver writes them (0x05) and recomputes the superblock checksum (Jenkins lookup3, as
HDF5 does), so such a file opens exactly like one written through the POSIX driver.

``fault`` (tests): a callable ``(offset, nbytes, total_written) -> OSError | None`` that makes
a write fail as a real device would, so all of this is tested without root or a real disk.
"""

from __future__ import annotations

import errno
import io
import os
from pathlib import Path
from typing import Callable

NO_SPACE = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}
DEFAULT_RESERVE = 16 << 20  #: enough to finish the frame being written and seal the file

Fault = Callable[[int, int, int], "OSError | None"]


def reserve_path(path: Path) -> Path:
    return Path(path).with_name(f".{Path(path).name}.reserve")


class GuardedFile(io.RawIOBase):
    """A read/write binary file for ``h5py.File(GuardedFile(...), driver="fileobj")``."""

    def __init__(self, path: Path, mode: str = "w+b", reserve_bytes: int = DEFAULT_RESERVE,
                 fault: Fault | None = None) -> None:
        super().__init__()
        self.path = Path(path)
        self.fault = fault
        self.error: OSError | None = None  # the failure that made the file dead
        self.space_low = False  # the reserve was used: stop writing frames and seal
        self.dropped_bytes = 0
        self._overlay: list[tuple[int, bytes]] = []  # writes of a dead file, in order
        self._written = 0
        self._reserve: Path | None = None
        self._f = open(self.path, mode, buffering=0)  # noqa: SIM115 - closed in close()
        if reserve_bytes > 0:
            self._reserve = reserve_path(self.path)
            try:
                fd = os.open(self._reserve, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600)
                try:
                    os.posix_fallocate(fd, 0, reserve_bytes)
                finally:
                    os.close(fd)
            except OSError:
                self._release_reserve()
                self._f.close()
                raise

    @property
    def dead(self) -> bool:
        return self.error is not None

    # -- io.RawIOBase ----------------------------------------------------------------------
    def readable(self) -> bool:
        return True

    def writable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def seek(self, offset: int, whence: int = 0) -> int:
        return self._f.seek(offset, whence)

    def tell(self) -> int:
        return self._f.tell()

    def readinto(self, buffer) -> int:
        start = self._f.tell()
        n = self._f.readinto(buffer)
        if not self._overlay:
            return n
        view = memoryview(buffer).cast("B")
        want = len(view)
        end = start + want
        for off, data in self._overlay:  # later writes win: applied in order
            lo, hi = max(start, off), min(end, off + len(data))
            if lo < hi:
                view[lo - start:hi - start] = data[lo - off:hi - off]
                n = max(n or 0, hi - start)
        self._f.seek(start + (n or 0))
        return n

    def truncate(self, size: int | None = None) -> int:
        if self.dead:
            return self.tell() if size is None else size
        try:
            return self._f.truncate(size)
        except OSError as exc:
            self._die(exc)
            return self.tell() if size is None else size

    def write(self, data) -> int:
        view = memoryview(data).cast("B")
        n = len(view)
        if self._f.tell() == 0 and n >= 12:
            view = memoryview(_posix_status_flags(bytes(view)))
        if self.dead:
            self._drop(view)
            return n
        try:
            self._write_all(view)
        except OSError as exc:
            if exc.errno in NO_SPACE and self._reserve is not None:
                self._release_reserve()  # the reserved space: finish this write and seal the file
                self.space_low = True
                try:
                    self._write_all(view)
                    return n
                except OSError as again:
                    exc = again
            self._die(exc)
            self._drop(view)
        return n

    def _drop(self, view: memoryview) -> None:
        """Keep a write of a dead file in memory (HDF5 may read it back), not on disk."""
        pos = self._f.tell()
        self._overlay.append((pos, bytes(view)))
        self.dropped_bytes += len(view)
        self._f.seek(pos + len(view))

    def flush(self) -> None:
        pass  # unbuffered; durability is fsync()

    def fsync(self) -> None:
        if self.dead:
            return
        try:
            os.fsync(self._f.fileno())
        except OSError as exc:
            self._die(exc)

    def close(self) -> None:
        if not self.closed:
            try:
                self._f.close()
            except OSError as exc:  # a failed final write-back: the data were fsync'ed at each flush
                if self.error is None:
                    self.error = exc
            self._release_reserve()
        super().close()

    # -- inside ---------------------------------------------------------------------------
    def _write_all(self, view: memoryview) -> None:
        start = self._f.tell()
        done = 0
        while done < len(view):
            if self.fault is not None:
                err = self.fault(start + done, len(view) - done, self._written)
                if err is not None:
                    self._f.seek(start)  # a failed write leaves the position where it was
                    raise err
            k = self._f.write(view[done:])
            if not k:
                self._f.seek(start)
                raise OSError(errno.EIO, "the device accepted no bytes")
            done += k
            self._written += k

    def _die(self, exc: OSError) -> None:
        if self.error is None:
            self.error = exc

    def _release_reserve(self) -> None:
        if self._reserve is not None:
            try:
                self._reserve.unlink()
            except OSError:
                pass
            self._reserve = None


# -- the HDF5 superblock (format spec: superblock versions 2 and 3) ------------------------------
_SIGNATURE = b"\x89HDF\r\n\x1a\n"
_WRITE, _SWMR_WRITE = 0x01, 0x04


def _posix_status_flags(block: bytes) -> bytes:
    """``block`` (a write at offset 0) with the superblock's status flags as HDF5's POSIX driver
    writes them for an SWMR writer (0x04 -> 0x05) and its checksum recomputed; else unchanged."""
    if len(block) < 12 or block[:8] != _SIGNATURE or block[8] not in (2, 3) or block[11] != _SWMR_WRITE:
        return block
    size = 12 + 4 * block[9]  # signature, version, sizes, flags + 4 addresses
    if len(block) < size + 4 or int.from_bytes(block[size:size + 4], "little") != lookup3(block[:size]):
        return block
    out = bytearray(block)
    out[11] = _WRITE | _SWMR_WRITE
    out[size:size + 4] = lookup3(bytes(out[:size])).to_bytes(4, "little")
    return bytes(out)


def _rot(x: int, k: int) -> int:
    return ((x << k) | (x >> (32 - k))) & 0xFFFFFFFF


def lookup3(data: bytes, initval: int = 0) -> int:
    """Bob Jenkins' lookup3 ``hashlittle`` (HDF5's metadata checksum, H5_checksum_lookup3)."""
    m = 0xFFFFFFFF
    length, i = len(data), 0
    a = b = c = (0xDEADBEEF + length + initval) & m
    while length > 12:
        a = (a + int.from_bytes(data[i:i + 4], "little")) & m
        b = (b + int.from_bytes(data[i + 4:i + 8], "little")) & m
        c = (c + int.from_bytes(data[i + 8:i + 12], "little")) & m
        a = (a - c) & m; a ^= _rot(c, 4); c = (c + b) & m  # noqa: E702 - the reference's mix()
        b = (b - a) & m; b ^= _rot(a, 6); a = (a + c) & m  # noqa: E702
        c = (c - b) & m; c ^= _rot(b, 8); b = (b + a) & m  # noqa: E702
        a = (a - c) & m; a ^= _rot(c, 16); c = (c + b) & m  # noqa: E702
        b = (b - a) & m; b ^= _rot(a, 19); a = (a + c) & m  # noqa: E702
        c = (c - b) & m; c ^= _rot(b, 4); b = (b + a) & m  # noqa: E702
        length -= 12
        i += 12
    if length == 0:
        return c
    tail = data[i:] + bytes(12 - length)
    a = (a + int.from_bytes(tail[0:4], "little")) & m
    b = (b + int.from_bytes(tail[4:8], "little")) & m
    c = (c + int.from_bytes(tail[8:12], "little")) & m
    c ^= b; c = (c - _rot(b, 14)) & m  # noqa: E702 - the reference's final()
    a ^= c; a = (a - _rot(c, 11)) & m  # noqa: E702
    b ^= a; b = (b - _rot(a, 25)) & m  # noqa: E702
    c ^= b; c = (c - _rot(b, 16)) & m  # noqa: E702
    a ^= c; a = (a - _rot(c, 4)) & m  # noqa: E702
    b ^= a; b = (b - _rot(a, 14)) & m  # noqa: E702
    c ^= b; c = (c - _rot(b, 24)) & m  # noqa: E702
    return c
