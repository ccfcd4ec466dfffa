package imageio

import (
	"errors"
	"fmt"

	"github.com/vitctl/vitctl/internal/imageio/jpeg"
)

// JPEGs are decoded by internal/imageio/jpeg, which gives exactly the
// pixels Pillow (libjpeg-turbo) gives, in the mode Pillow opens the file
// in; convert("RGB") follows here.

// decodeJPEG decodes data at 1/scale size (1 for full size).
func decodeJPEG(data []byte, maxPixels, scale int) (*RGB8, error) {
	m, err := jpeg.Decode(data, jpeg.Options{Scale: scale, MaxPixels: maxPixels})
	if err != nil {
		return nil, jpegErr(err)
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

func jpegConfig(data []byte) (w, h int, err error) {
	c, err := jpeg.DecodeConfig(data)
	if err != nil {
		return 0, 0, jpegErr(err)
	}
	return c.Width, c.Height, nil
}

// jpegErr maps the decoder's errors onto this package's.
func jpegErr(err error) error {
	var e *jpeg.Error
	switch {
	case errors.Is(err, jpeg.ErrTruncated):
		return fmt.Errorf("%w: JPEG data ends early", ErrCorrupt)
	case errors.Is(err, jpeg.ErrTooLarge):
		return fmt.Errorf("%w: %v", ErrTooLarge, err)
	case errors.As(err, &e) && e.Kind == jpeg.ErrUnsupported:
		return fmt.Errorf("%w: JPEG: %s", ErrUnsupported, e.Detail)
	case errors.As(err, &e):
		return fmt.Errorf("%w: JPEG: %s", ErrCorrupt, e.Detail)
	}
	return fmt.Errorf("%w: JPEG: %v", ErrCorrupt, err)
}
