package imageio

import (
	"image"
	"image/color"
)

// RGB8 is an 8-bit RGB image with packed rows: pixel (x, y) channel c is
// Pix[(y*W+x)*3+c]. It is what Pillow calls an image of mode "RGB".
type RGB8 struct {
	W, H int
	Pix  []uint8
}

// NewRGB8 returns a black w×h image.
func NewRGB8(w, h int) *RGB8 { return &RGB8{W: w, H: h, Pix: make([]uint8, 3*w*h)} }

// toRGB converts a decoded image to RGB8 the way Pillow's convert("RGB")
// treats the mode Pillow would have read the same file as: gray replicated,
// palette expanded, alpha dropped (not composited), CMYK by Pillow's
// cmyk2rgb, 16-bit samples by their high byte (Pillow's unpackers for
// "RGB;16B" and friends keep the high byte). Each type has a fast path over
// its pixel slice; color.Model conversions premultiply and round differently.
// YCbCr images are handled by their format's own converter before this.
func toRGB(m image.Image) *RGB8 {
	b := m.Bounds()
	out := NewRGB8(b.Dx(), b.Dy())
	w := b.Dx()
	o := out.Pix
	switch m := m.(type) {
	case *image.Gray:
		for y := 0; y < out.H; y++ {
			row := m.Pix[m.PixOffset(b.Min.X, b.Min.Y+y):][:w]
			for x, v := range row {
				o[3*(y*w+x)], o[3*(y*w+x)+1], o[3*(y*w+x)+2] = v, v, v
			}
		}
	case *image.Gray16:
		// Pillow 9.4 reads 16-bit gray PNGs as mode "I" and convert("RGB")
		// clips every value above 255 to white, which destroys the image.
		// We keep the high byte instead, as Pillow does for every other
		// 16-bit mode; the golden script applies the same rule explicitly.
		for y := 0; y < out.H; y++ {
			row := m.Pix[m.PixOffset(b.Min.X, b.Min.Y+y):][:2*w]
			for x := 0; x < w; x++ {
				v := row[2*x]
				o[3*(y*w+x)], o[3*(y*w+x)+1], o[3*(y*w+x)+2] = v, v, v
			}
		}
	case *image.RGBA:
		// Opaque except for TIFFs with associated alpha, which Pillow
		// reads as "RGBa" and unpremultiplies.
		for y := 0; y < out.H; y++ {
			row := m.Pix[m.PixOffset(b.Min.X, b.Min.Y+y):][:4*w]
			for x := 0; x < w; x++ {
				r, g, bl := unpremultiply(row[4*x], row[4*x+1], row[4*x+2], row[4*x+3])
				o[3*(y*w+x)], o[3*(y*w+x)+1], o[3*(y*w+x)+2] = r, g, bl
			}
		}
	case *image.NRGBA:
		for y := 0; y < out.H; y++ {
			row := m.Pix[m.PixOffset(b.Min.X, b.Min.Y+y):][:4*w]
			for x := 0; x < w; x++ {
				copy(o[3*(y*w+x):3*(y*w+x)+3], row[4*x:4*x+3])
			}
		}
	case *image.NRGBA64:
		for y := 0; y < out.H; y++ {
			row := m.Pix[m.PixOffset(b.Min.X, b.Min.Y+y):][:8*w]
			for x := 0; x < w; x++ {
				o[3*(y*w+x)], o[3*(y*w+x)+1], o[3*(y*w+x)+2] = row[8*x], row[8*x+2], row[8*x+4]
			}
		}
	case *image.RGBA64:
		for y := 0; y < out.H; y++ {
			for x := 0; x < w; x++ {
				c := color.NRGBA64Model.Convert(m.RGBA64At(b.Min.X+x, b.Min.Y+y)).(color.NRGBA64)
				o[3*(y*w+x)], o[3*(y*w+x)+1], o[3*(y*w+x)+2] = uint8(c.R>>8), uint8(c.G>>8), uint8(c.B>>8)
			}
		}
	case *image.Paletted:
		pal := paletteRGB(m.Palette)
		for y := 0; y < out.H; y++ {
			row := m.Pix[m.PixOffset(b.Min.X, b.Min.Y+y):][:w]
			for x, i := range row {
				copy(o[3*(y*w+x):3*(y*w+x)+3], pal[3*int(i):3*int(i)+3])
			}
		}
	case *image.CMYK:
		for y := 0; y < out.H; y++ {
			row := m.Pix[m.PixOffset(b.Min.X, b.Min.Y+y):][:4*w]
			for x := 0; x < w; x++ {
				r, g, bl := cmykToRGB(row[4*x], row[4*x+1], row[4*x+2], row[4*x+3])
				o[3*(y*w+x)], o[3*(y*w+x)+1], o[3*(y*w+x)+2] = r, g, bl
			}
		}
	default:
		for y := 0; y < out.H; y++ {
			for x := 0; x < w; x++ {
				c := color.NRGBAModel.Convert(m.At(b.Min.X+x, b.Min.Y+y)).(color.NRGBA)
				o[3*(y*w+x)], o[3*(y*w+x)+1], o[3*(y*w+x)+2] = c.R, c.G, c.B
			}
		}
	}
	return out
}

// paletteRGB expands a palette to 256 RGB triples; indices past its end are
// black, as in Pillow's zero-filled palette.
func paletteRGB(p color.Palette) []uint8 {
	out := make([]uint8, 3*256)
	for i, c := range p {
		if i == 256 {
			break
		}
		var r, g, b uint8
		switch c := c.(type) {
		case color.NRGBA:
			r, g, b = c.R, c.G, c.B
		case color.RGBA:
			r, g, b = unpremultiply(c.R, c.G, c.B, c.A)
		default:
			n := color.NRGBAModel.Convert(c).(color.NRGBA)
			r, g, b = n.R, n.G, n.B
		}
		out[3*i], out[3*i+1], out[3*i+2] = r, g, b
	}
	return out
}

// unpremultiply undoes associated alpha as Pillow's "RGBa" unpacker does
// (truncating division); opaque pixels pass through.
func unpremultiply(r, g, b, a uint8) (uint8, uint8, uint8) {
	switch a {
	case 255:
		return r, g, b
	case 0:
		return 0, 0, 0
	}
	f := func(v uint8) uint8 { return uint8(min(int(v)*255/int(a), 255)) }
	return f(r), f(g), f(b)
}

// cmykToRGB is Pillow's cmyk2rgb (Convert.c): nk - c*nk/255 with its
// rounding division.
func cmykToRGB(c, m, y, k uint8) (uint8, uint8, uint8) {
	nk := 255 - int(k)
	f := func(v uint8) uint8 { return clip8(nk - mulDiv255(int(v), nk)) }
	return f(c), f(m), f(y)
}

// mulDiv255 is Pillow's MULDIV255: a*b/255 rounded, without a division.
func mulDiv255(a, b int) int {
	t := a*b + 128
	return ((t >> 8) + t) >> 8
}

func clip8(v int) uint8 {
	switch {
	case v < 0:
		return 0
	case v > 255:
		return 255
	}
	return uint8(v)
}

// restorePalette puts back the colours of fully transparent palette entries
// from the file's raw colour table.
func restorePalette(m *image.Paletted, raw []uint8) {
	for i, c := range m.Palette {
		if _, _, _, a := c.RGBA(); a == 0 && 3*i+3 <= len(raw) {
			m.Palette[i] = color.NRGBA{raw[3*i], raw[3*i+1], raw[3*i+2], 0}
		}
	}
}

// gifCanvas places a GIF's first frame on the full logical screen, as
// Pillow does: Go returns the frame alone, at its own bounds. Pillow fills
// the rest with the transparent index when there is one, else index 0.
func gifCanvas(m *image.Paletted, w, h int) *image.Paletted {
	canvas := image.Rect(0, 0, w, h)
	if m.Rect == canvas {
		return m
	}
	out := image.NewPaletted(canvas, m.Palette)
	for i, c := range m.Palette {
		if _, _, _, a := c.RGBA(); a == 0 {
			for j := range out.Pix {
				out.Pix[j] = uint8(i)
			}
			break
		}
	}
	r := m.Rect.Intersect(canvas)
	for y := r.Min.Y; y < r.Max.Y; y++ {
		copy(out.Pix[out.PixOffset(r.Min.X, y):][:r.Dx()], m.Pix[m.PixOffset(r.Min.X, y):][:r.Dx()])
	}
	return out
}

// gifPalette returns the colour table the first frame of a GIF uses (its
// local table, else the global one) as RGB triples. Go's decoder blanks the
// transparent entry to (0,0,0,0); Pillow keeps its colour, which
// convert("RGB") then shows, so the raw table is read again here.
func gifPalette(d []byte) []uint8 {
	if len(d) < 13 {
		return nil
	}
	table := func(i int, flags byte) ([]uint8, int) {
		if flags&0x80 == 0 {
			return nil, i
		}
		n := 3 << (flags&7 + 1)
		if i+n > len(d) {
			return nil, len(d)
		}
		return d[i : i+n], i + n
	}
	global, i := table(13, d[10])
	for i < len(d) {
		switch d[i] {
		case 0x21: // extension: label, then sub-blocks
			i += 2
			for i < len(d) && d[i] != 0 {
				i += int(d[i]) + 1
			}
			i++
		case 0x2c: // image descriptor
			if i+10 > len(d) {
				return global
			}
			if local, _ := table(i+10, d[i+9]); local != nil {
				return local
			}
			return global
		default:
			return global
		}
	}
	return global
}

// RGBA returns img as an opaque *image.RGBA.
func (img *RGB8) RGBA() *image.RGBA {
	out := image.NewRGBA(image.Rect(0, 0, img.W, img.H))
	for i := range img.W * img.H {
		copy(out.Pix[4*i:4*i+3], img.Pix[3*i:3*i+3])
		out.Pix[4*i+3] = 255
	}
	return out
}
