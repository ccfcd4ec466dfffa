package gguf

import "golang.org/x/sys/unix"

// populate asks Linux to map every page of b now, in one call
// (MADV_POPULATE_READ, Linux 5.14), rather than one fault per page as the
// tensors are read. Older kernels refuse it, and the pages then come as
// they are touched.
func populate(b []byte) { _ = unix.Madvise(b, unix.MADV_POPULATE_READ) }
