package imageio

import (
	"errors"
	"fmt"

	"github.com/vitctl/vitctl/internal/imageio/jpeg"
)

// JPEGs are decoded by internal/imageio/jpeg, which gives exactly the
// pixels Pillow (libjpeg-turbo) gives, in the mode Pillow opens the file
// in; convert("RGB") follows here.

// decodeJPEG decodes data at 1/scale size (1 for full size), into *buf
// when buf is set and the buffer large enough; *buf is set to the buffer
// used.
func decodeJPEG(data []byte, maxPixels, scale int, buf *[]uint8) (*RGB8, error) {
	opt := jpeg.Options{Scale: scale, MaxPixels: maxPixels}
	if buf != nil {
		opt.Dst = *buf
	}
	m, err := jpeg.Decode(data, opt)
	if err != nil {
		return nil, jpegErr(err)
	}
	if buf != nil {
		*buf = m.Pix
	}
	switch m.Color {
	case jpeg.RGB:
		return &RGB8{W: m.W, H: m.H, Pix: m.Pix}, nil
	case jpeg.Gray:
		out := NewRGB8(m.W, m.H)
		for i, v := range m.Pix {
			out.Pix[3*i], out.Pix[3*i+1], out.Pix[3*i+2] = v, v, v
		}
		return out, nil
	}
	out := NewRGB8(m.W, m.H)
	for i := range m.W * m.H {
		p := m.Pix[4*i : 4*i+4]
		out.Pix[3*i], out.Pix[3*i+1], out.Pix[3*i+2] = cmykToRGB(p[0], p[1], p[2], p[3])
	}
	return out, nil
}

// draftScale is the scale Pillow's draft("RGB", size) picks for a W×H
// JPEG (as stored) when size is target's for the upright image: the
// largest of 8, 4, 2 that keeps both sides at least size's.
func draftScale(W, H, orientation int, target func(w, h int) (int, int)) int {
	turned := orientation >= 5 // EXIF 5–8 swap width and height
	if turned {
		W, H = H, W
	}
	w, h := target(W, H)
	if turned {
		W, H, w, h = H, W, h, w
	}
	if w <= 0 || h <= 0 {
		return 1
	}
	s := min(W/w, H/h)
	for _, k := range []int{8, 4, 2} {
		if s >= k {
			return k
		}
	}
	return 1
}

func jpegConfig(data []byte) (w, h int, err error) {
	c, err := jpeg.DecodeConfig(data)
	if err != nil {
		return 0, 0, jpegErr(err)
	}
	return c.Width, c.Height, nil
}

// errJPEGHint is what a refused JPEG says to do. jpegtran rewrites an
// arithmetic-coded JPEG with Huffman codes without loss (-copy all keeps
// its EXIF orientation).
const errJPEGHint = "vitctl decodes 8-bit Huffman-coded JPEGs, baseline and progressive: convert it first, " +
	"e.g. jpegtran -copy all IN > OUT.jpg for an arithmetic-coded one (without loss), magick IN OUT.png for another"

// jpegErr maps the decoder's errors onto this package's.
func jpegErr(err error) error {
	var e *jpeg.Error
	switch {
	case errors.Is(err, jpeg.ErrTruncated):
		return fmt.Errorf("%w: JPEG data ends early", ErrCorrupt)
	case errors.Is(err, jpeg.ErrTooLarge):
		return fmt.Errorf("%w: %v", ErrTooLarge, err)
	case errors.As(err, &e) && e.Kind == jpeg.ErrUnsupported:
		return fmt.Errorf("%w: JPEG: %s; %s", ErrUnsupported, e.Detail, errJPEGHint)
	case errors.As(err, &e):
		return fmt.Errorf("%w: JPEG: %s", ErrCorrupt, e.Detail)
	}
	return fmt.Errorf("%w: JPEG: %v", ErrCorrupt, err)
}
