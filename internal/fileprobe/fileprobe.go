// Package fileprobe looks at a file before it is read: what kind of file
// it is, and its first bytes, which it reads from regular files only.
// Opening a named pipe to read waits, without end and deaf to signals,
// for a program to write to it, and a device's data may never end: the
// image folder walk (imageio) and the CLI's model checks (a GGUF file
// under a checkpoint's name) both once hung on one.
package fileprobe

import (
	"bytes"
	"io"
	"io/fs"
	"os"
)

// Head returns the first n bytes of the file at path (links followed),
// fewer for a shorter file, none for one that cannot be read or is no
// regular file.
func Head(path string, n int) []byte {
	if st, err := os.Stat(path); err != nil || !st.Mode().IsRegular() {
		return nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil
	}
	defer f.Close()
	head := make([]byte, n)
	m, _ := io.ReadFull(f, head)
	return head[:m]
}

// Starts says whether the file at path is a regular file that begins
// with magic.
func Starts(path, magic string) bool {
	return bytes.Equal(Head(path, len(magic)), []byte(magic))
}

// Kind names what a file of mode m is when it is no regular file nor
// folder: "a named pipe", "a socket", "a device", "a link" (one that
// cannot be followed); "" for a regular file or a folder.
func Kind(m fs.FileMode) string {
	switch {
	case m.IsRegular() || m.IsDir():
		return ""
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&(fs.ModeDevice|fs.ModeCharDevice) != 0:
		return "a device"
	case m&fs.ModeSymlink != 0:
		return "a link"
	}
	return "a special file (" + m.Type().String() + ")"
}
