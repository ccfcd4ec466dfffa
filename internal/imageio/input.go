package imageio

import (
	"fmt"
	"sync"

	"github.com/vitctl/vitctl/internal/prep"
)

// jpegBufs holds JPEG pixel buffers between LoadImage calls: the image is
// garbage once preprocessed, and writing into memory already touched
// saves first-touch page faults, which on some VMs cost more than the
// decoding (36 MB for a 12 MP photo).
var jpegBufs = sync.Pool{New: func() any { return new([]uint8) }}

// Decoding says how JPEGs are decoded before preprocessing.
type Decoding int

const (
	// Exact decodes at full size: Pillow's pixels, what Hugging Face's
	// pipeline sees.
	Exact Decoding = iota
	// Draft lets a JPEG decode at 1/2, 1/4 or 1/8 scale in the DCT domain,
	// the smallest that stays at least as large as the resize that
	// follows, as Pillow's Image.draft("RGB", size) does: far faster for
	// large photos, not the reference's pixels.
	Draft
)

// LoadImage decodes the image at path (at most maxPixels pixels) and
// preprocesses it with p into a (3, p.Height, p.Width) tensor in CHW order.
// Errors start with the path.
func LoadImage(path string, p prep.Params, maxPixels int, dec Decoding) ([]float32, error) {
	o := loadOptions(p, maxPixels, dec)
	defer jpegBufs.Put(o.buf)
	img, err := decodeFile(path, o)
	if err != nil {
		return nil, err
	}
	return PreprocessImage(path, img, p)
}

// LoadImageData is LoadImage for bytes already read, such as a download
// named by a URL; errors start with name.
func LoadImageData(name string, data []byte, p prep.Params, maxPixels int, dec Decoding) ([]float32, error) {
	o := loadOptions(p, maxPixels, dec)
	defer jpegBufs.Put(o.buf)
	img, err := decodeData(name, data, o)
	if err != nil {
		return nil, err
	}
	return PreprocessImage(name, img, p)
}

// loadOptions decodes into a pooled buffer and, for Draft, at the scale
// for p's resize.
func loadOptions(p prep.Params, maxPixels int, dec Decoding) decodeOptions {
	o := decodeOptions{maxPixels: maxPixels, buf: jpegBufs.Get().(*[]uint8)}
	if dec == Draft && p.DoResize {
		o.target = func(w, h int) (int, int) {
			w, h, _ = resizeSize(w, h, p)
			return w, h
		}
	}
	return o
}

// PreprocessImage checks img, decoded from path (a file or URL), against p
// and preprocesses it, as LoadImage does after decoding; errors start with
// the path.
func PreprocessImage(path string, img *RGB8, p prep.Params) ([]float32, error) {
	if !p.DoResize && (img.W != p.Width || img.H != p.Height) {
		return nil, fmt.Errorf("%s: image is %d×%d but the model takes %d×%d and its preprocessing does not resize",
			path, img.W, img.H, p.Width, p.Height)
	}
	x, err := Preprocess(img, p)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return x, nil
}
