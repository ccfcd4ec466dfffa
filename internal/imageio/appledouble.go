package imageio

import (
	"io"
	"os"
	"path/filepath"
	"strings"
)

// macOS writes the metadata of NAME as a file ._NAME (AppleDouble) when it
// copies NAME to a volume without its own place for it (FAT, exFAT, SMB,
// some archives): beside every IMG_0001.jpg a ._IMG_0001.jpg of a few
// KiB, named as an image but none.
const appleDoubleMagic = "\x00\x05\x16\x07"

// ErrAppleDouble is the error for such a file: errors.Is(err, ErrFormat)
// holds for it.
var ErrAppleDouble = appleDoubleError{}

type appleDoubleError struct{}

func (appleDoubleError) Error() string {
	return "a macOS metadata file (AppleDouble, written beside the file named without ._), not an image"
}

func (appleDoubleError) Is(target error) bool { return target == ErrFormat }

// isAppleDouble reports whether data starts as an AppleDouble file.
func isAppleDouble(data []byte) bool {
	return len(data) >= len(appleDoubleMagic) && string(data[:len(appleDoubleMagic)]) == appleDoubleMagic
}

// AppleDouble reports whether the file at path is macOS metadata: named
// ._NAME and starting with AppleDouble's signature. A folder walk passes
// such files over; it reads their first bytes only, and only of names
// that start with "._".
func AppleDouble(path string) bool {
	if !strings.HasPrefix(filepath.Base(path), "._") {
		return false
	}
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	head := make([]byte, len(appleDoubleMagic))
	_, err = io.ReadFull(f, head)
	return err == nil && isAppleDouble(head)
}
