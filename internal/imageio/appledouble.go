package imageio

// macOS writes the metadata of NAME as a file ._NAME (AppleDouble) when it
// copies NAME to a volume without its own place for it (FAT, exFAT, SMB,
// some archives): beside every IMG_0001.jpg a ._IMG_0001.jpg of a few
// KiB, named as an image but none.
const appleDoubleMagic = "\x00\x05\x16\x07"

// ErrAppleDouble is the error for such a file (notImage): errors.Is(err,
// ErrFormat) holds for it.
var ErrAppleDouble = notImageError("a macOS metadata file (AppleDouble, written beside the file named without ._), not an image")

// isAppleDouble reports whether data starts as an AppleDouble file.
func isAppleDouble(data []byte) bool {
	return len(data) >= len(appleDoubleMagic) && string(data[:len(appleDoubleMagic)]) == appleDoubleMagic
}
