"""Give the memory a page run freed back to the system, so the server's size is what its caches hold."""
import ctypes
import ctypes.util

_LIBC = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")


def release_freed_memory() -> None:
    """glibc keeps blocks freed by a page run (decoded batches, judge passes) in its heaps for reuse;
    malloc_trim hands their pages back. A few milliseconds; a no-op where the C library is not glibc."""
    trim = getattr(_LIBC, "malloc_trim", None)
    if trim is not None:
        trim(0)
