// Package jpeg decodes baseline and progressive JPEG (ITU T.81) with 8-bit
// samples, Huffman coding, any integral sampling factors and restart
// markers, giving exactly the pixels libjpeg-turbo gives Pillow: the
// "islow" integer IDCT, "fancy" (triangle) chroma upsampling and libjpeg's
// fixed-point YCbCr→RGB conversion, its defaults, and its block smoothing
// of progressive files that leave coefficients short of full precision.
// With Options.Scale it
// decodes at 1/2, 1/4 or 1/8 size in the DCT domain, as Pillow's
// Image.draft does (libjpeg's scale_denom).
//
// Arithmetic coding, 12-bit samples, lossless and hierarchical JPEG are
// refused with ErrUnsupported.
package jpeg

import (
	"encoding/binary"
	"errors"
	"fmt"
	"sync"
)

// Errors callers may test for with errors.Is.
var (
	ErrUnsupported = errors.New("unsupported JPEG")
	ErrCorrupt     = errors.New("corrupt JPEG")
	ErrTruncated   = errors.New("JPEG data ends early")
	ErrTooLarge    = errors.New("JPEG too large")
)

// Error is a corrupt or unsupported file: Kind is ErrCorrupt or
// ErrUnsupported, Detail says what is wrong.
type Error struct {
	Kind   error
	Detail string
}

func (e *Error) Error() string { return e.Kind.Error() + ": " + e.Detail }
func (e *Error) Unwrap() error { return e.Kind }

func corrupt(format string, a ...any) error {
	return &Error{ErrCorrupt, fmt.Sprintf(format, a...)}
}

func unsupported(format string, a ...any) error {
	return &Error{ErrUnsupported, fmt.Sprintf(format, a...)}
}

// Markers (T.81 table B.1).
const (
	mSOF0  = 0xc0 // baseline
	mSOF1  = 0xc1 // extended sequential, Huffman
	mSOF2  = 0xc2 // progressive, Huffman
	mSOF3  = 0xc3 // lossless
	mDHT   = 0xc4
	mDAC   = 0xcc // arithmetic conditioning
	mRST0  = 0xd0
	mRST7  = 0xd7
	mSOI   = 0xd8
	mEOI   = 0xd9
	mSOS   = 0xda
	mDQT   = 0xdb
	mDNL   = 0xdc
	mDRI   = 0xdd
	mAPP0  = 0xe0
	mAPP14 = 0xee
)

// Color names what the decoded samples are.
type Color int

const (
	Gray Color = 1 // one sample per pixel
	RGB  Color = 3 // three, R G B
	CMYK Color = 4 // four, as Pillow's "CMYK" mode holds them (Adobe inverted)
)

// Config is what the headers say.
type Config struct {
	Width, Height int
	Color         Color
	Progressive   bool
}

// Image is a decoded JPEG: Pix holds Color samples per pixel, rows packed.
type Image struct {
	W, H  int
	Color Color
	Pix   []uint8
}

// Options control decoding.
type Options struct {
	// Scale is libjpeg's scale_denom: 1 (full size), 2, 4 or 8. The image
	// comes out ceil(W/Scale)×ceil(H/Scale).
	Scale int
	// MaxPixels refuses images of more pixels (at full size) before any
	// buffer is allocated; 0 means no limit.
	MaxPixels int
	// Dst, when large enough, holds the decoded pixels instead of a new
	// buffer: a caller decoding many files saves the first touch of fresh
	// memory, which costs more than the decoding on some VMs.
	Dst []uint8
}

type component struct {
	id      uint8
	h, v    int        // sampling factors
	idx     int        // index in the frame
	tq      int        // quantization table
	q       [64]uint16 // its values, natural order, from the first scan on
	latched bool
	td, ta  int // Huffman tables of the current scan
	pred    int32
	// Blocks: bw×bh cover whole MCUs; cw×ch are those inside the image
	// (what a non-interleaved scan codes).
	bw, bh, cw, ch int
	coef           []int16 // progressive: 64 per block, row-major blocks
	// bits: how precisely the progressive scans so far coded each of the
	// first smoothCoefs coefficients (see noteScan).
	bits [smoothCoefs]int8

	size   int // output pixels per block side (libjpeg's DCT_scaled_size)
	plane  []uint8
	stride int
	ring   int // plane rows kept (a ring of 3 MCU rows), or 0: all
	rowOff int // sequential: plane offset of the current MCU row's blocks
	dw, dh int // libjpeg's downsampled_width/height at the output scale
}

type decoder struct {
	data []byte
	pos  int
	opt  Options

	width, height int
	progressive   bool
	frame         bool
	comps         []component
	hmax, vmax    int
	mcusX, mcusY  int

	qt        [4][64]uint16 // natural order
	qtDefined [4]bool
	dc, ac    [4]huffTable
	ri        int // restart interval in MCUs

	jfif           bool
	adobe          bool
	adobeTransform int

	// Output: the image, its upsamplers, and how many rows are done.
	strip   bool // converted MCU row by MCU row while decoding
	out     *Image
	ups     []*upsampler
	emitted int

	bits  bitReader
	err   error // a bad Huffman code, reported at the end of the MCU row
	block [64]int16
	// eobrun counts the blocks left in a progressive AC end-of-band run.
	eobrun int

	bufs scratch
}

// scratch is the memory a decoder keeps for the next image: the planes,
// progressive coefficients and upsampler rows. Folder runs decode many
// images of one size, and memory already touched saves the page faults
// and garbage collections of fresh buffers, which cost as much as the
// decoding itself.
type scratch struct {
	plane [4][]uint8
	coef  [4][]int16
	ups   [4]upsampler
}

// decoders holds decoders between Decode calls, each with its scratch.
var decoders = sync.Pool{New: func() any { return new(decoder) }}

// grow returns (*buf)[:n], reallocating *buf when it is too short.
func grow[T any](buf *[]T, n int) []T {
	if cap(*buf) < n {
		*buf = make([]T, n)
	}
	return (*buf)[:n]
}

// DecodeConfig reads the headers up to the first frame header.
func DecodeConfig(data []byte) (Config, error) {
	d := &decoder{data: data}
	if err := d.readHeaders(); err != nil {
		return Config{}, err
	}
	return Config{Width: d.width, Height: d.height, Color: d.color(), Progressive: d.progressive}, nil
}

// Decode decodes a whole JPEG file held in data.
func Decode(data []byte, opt Options) (*Image, error) {
	if opt.Scale == 0 {
		opt.Scale = 1
	}
	switch opt.Scale {
	case 1, 2, 4, 8:
	default:
		return nil, fmt.Errorf("jpeg: scale 1/%d: want 1, 2, 4 or 8", opt.Scale)
	}
	d := decoders.Get().(*decoder)
	defer decoders.Put(d)
	*d = decoder{data: data, opt: opt, bufs: d.bufs}
	// The decoder goes back to the pool: only its scratch may stay.
	defer func() { *d = decoder{bufs: d.bufs} }()
	if err := d.readHeaders(); err != nil {
		return nil, err
	}
	if opt.MaxPixels > 0 && int64(d.width)*int64(d.height) > int64(opt.MaxPixels) {
		return nil, fmt.Errorf("%w: %d×%d pixels, limit %d", ErrTooLarge, d.width, d.height, opt.MaxPixels)
	}
	if err := d.decodeScans(); err != nil {
		return nil, err
	}
	return d.out, nil
}

// color is the colour model of the output, as Pillow names the mode.
func (d *decoder) color() Color {
	switch len(d.comps) {
	case 1:
		return Gray
	case 3:
		return RGB
	}
	return CMYK
}

// readHeaders reads markers from SOI through the frame header, stopping
// before the first SOS.
func (d *decoder) readHeaders() error {
	if len(d.data) < 2 || d.data[0] != 0xff || d.data[1] != mSOI {
		return corrupt("missing SOI marker")
	}
	d.pos = 2
	for {
		m, err := d.nextMarker()
		if err != nil {
			return err
		}
		if m == mSOS {
			if !d.frame {
				return corrupt("scan before frame header")
			}
			d.pos -= 2 // leave SOS for decodeScans
			return nil
		}
		if err := d.marker(m); err != nil {
			return err
		}
	}
}

// nextMarker skips to the next marker and returns its code, leaving pos
// after it. Like libjpeg, it skips fill bytes and garbage between segments.
func (d *decoder) nextMarker() (byte, error) {
	for {
		for d.pos < len(d.data) && d.data[d.pos] != 0xff {
			d.pos++
		}
		for d.pos < len(d.data) && d.data[d.pos] == 0xff {
			d.pos++
		}
		if d.pos >= len(d.data) {
			return 0, ErrTruncated
		}
		m := d.data[d.pos]
		d.pos++
		if m != 0 {
			return m, nil
		}
	}
}

// segment returns the payload of the marker segment at pos and moves past it.
func (d *decoder) segment() ([]byte, error) {
	if d.pos+2 > len(d.data) {
		return nil, ErrTruncated
	}
	n := int(binary.BigEndian.Uint16(d.data[d.pos:]))
	if n < 2 {
		return nil, corrupt("marker segment length %d", n)
	}
	if d.pos+n > len(d.data) {
		return nil, ErrTruncated
	}
	s := d.data[d.pos+2 : d.pos+n]
	d.pos += n
	return s, nil
}

// marker handles every marker except SOS and EOI.
func (d *decoder) marker(m byte) error {
	switch {
	case m == mSOI:
		return corrupt("second SOI marker")
	case m >= mRST0 && m <= mRST7:
		return nil // stray restart marker, as libjpeg: ignored
	case m == mDNL:
		return unsupported("DNL marker (height defined after the scan)")
	case m == mDAC:
		return unsupported("arithmetic coding")
	case m == mEOI:
		return corrupt("EOI before the image")
	}
	s, err := d.segment()
	if err != nil {
		return err
	}
	switch {
	case m == mSOF0 || m == mSOF1 || m == mSOF2:
		return d.readSOF(s, m == mSOF2)
	case m == mSOF3 || (m >= 0xc5 && m <= 0xcf && m != mDAC && m != 0xc8):
		return unsupported("%s", sofName(m))
	case m == mDHT:
		return d.readDHT(s)
	case m == mDQT:
		return d.readDQT(s)
	case m == mDRI:
		if len(s) != 2 {
			return corrupt("DRI length %d", len(s))
		}
		d.ri = int(binary.BigEndian.Uint16(s))
	case m == mAPP0:
		// libjpeg wants the whole 14-byte JFIF header (APP0_DATA_LEN).
		if len(s) >= 14 && string(s[:5]) == "JFIF\x00" {
			d.jfif = true
		}
	case m == mAPP14:
		if len(s) >= 12 && string(s[:5]) == "Adobe" {
			d.adobe = true
			d.adobeTransform = int(s[11])
		}
	}
	return nil // other APPn, COM, JPGn: skipped
}

func sofName(m byte) string {
	switch m {
	case mSOF3:
		return "lossless JPEG"
	case 0xc5, 0xc6, 0xc7:
		return "hierarchical JPEG"
	}
	return "arithmetic coding"
}

func (d *decoder) readSOF(s []byte, progressive bool) error {
	if d.frame {
		return corrupt("second frame header")
	}
	if len(s) < 6 {
		return corrupt("SOF length %d", len(s))
	}
	if s[0] != 8 {
		return unsupported("%d-bit samples (only 8-bit)", s[0])
	}
	d.height = int(binary.BigEndian.Uint16(s[1:]))
	d.width = int(binary.BigEndian.Uint16(s[3:]))
	n := int(s[5])
	if d.height == 0 {
		return unsupported("height 0 (DNL marker)")
	}
	if d.width == 0 {
		return corrupt("width 0")
	}
	if n != 1 && n != 3 && n != 4 {
		return unsupported("%d components (1, 3 or 4)", n)
	}
	if len(s) != 6+3*n {
		return corrupt("SOF length %d for %d components", len(s), n)
	}
	d.progressive = progressive
	d.comps = make([]component, n)
	d.hmax, d.vmax = 1, 1
	for i := range d.comps {
		c := &d.comps[i]
		c.id, c.idx = s[6+3*i], i
		c.bits = [smoothCoefs]int8{-1, -1, -1, -1, -1, -1, -1, -1, -1, -1}
		c.h, c.v = int(s[7+3*i]>>4), int(s[7+3*i]&15)
		c.tq = int(s[8+3*i])
		if c.h < 1 || c.h > 4 || c.v < 1 || c.v > 4 {
			return corrupt("component %d sampling factors %d×%d", i, c.h, c.v)
		}
		if c.tq > 3 {
			return corrupt("component %d quantization table %d", i, c.tq)
		}
		for j := range i {
			if d.comps[j].id == c.id {
				return corrupt("repeated component id %d", c.id)
			}
		}
		d.hmax, d.vmax = max(d.hmax, c.h), max(d.vmax, c.v)
	}
	if n == 1 {
		// A single component is never interleaved: its MCU is one block
		// whatever the factors say (T.81 A.2.2; libjpeg ignores them).
		d.comps[0].h, d.comps[0].v, d.hmax, d.vmax = 1, 1, 1, 1
	}
	for i := range d.comps {
		c := &d.comps[i]
		if d.hmax%c.h != 0 || d.vmax%c.v != 0 {
			// libjpeg: "Fractional sampling not implemented yet".
			return unsupported("sampling factors %d×%d against %d×%d (not integral)", c.h, c.v, d.hmax, d.vmax)
		}
	}
	d.mcusX = ceilDiv(d.width, 8*d.hmax)
	d.mcusY = ceilDiv(d.height, 8*d.vmax)
	for i := range d.comps {
		c := &d.comps[i]
		c.bw, c.bh = d.mcusX*c.h, d.mcusY*c.v
		c.cw = ceilDiv(ceilDiv(d.width*c.h, d.hmax), 8)
		c.ch = ceilDiv(ceilDiv(d.height*c.v, d.vmax), 8)
	}
	d.frame = true
	return nil
}

func (d *decoder) readDQT(s []byte) error {
	for len(s) > 0 {
		pq, tq := int(s[0]>>4), int(s[0]&15)
		if tq > 3 || pq > 1 {
			return corrupt("DQT table %d precision %d", tq, pq)
		}
		n := 64 << pq
		if len(s) < 1+n {
			return corrupt("DQT too short")
		}
		for k := range 64 {
			v := uint16(s[1+k])
			if pq == 1 {
				v = binary.BigEndian.Uint16(s[1+2*k:])
			}
			d.qt[tq][zigzag[k]] = v
		}
		d.qtDefined[tq] = true
		s = s[1+n:]
	}
	return nil
}

// zigzag maps the k-th coefficient in coding order to its natural
// (row-major) position in the 8×8 block (T.81 figure A.6).
var zigzag = [64]uint8{
	0, 1, 8, 16, 9, 2, 3, 10,
	17, 24, 32, 25, 18, 11, 4, 5,
	12, 19, 26, 33, 40, 48, 41, 34,
	27, 20, 13, 6, 7, 14, 21, 28,
	35, 42, 49, 56, 57, 50, 43, 36,
	29, 22, 15, 23, 30, 37, 44, 51,
	58, 59, 52, 45, 38, 31, 39, 46,
	53, 60, 61, 54, 47, 55, 62, 63,
}

func ceilDiv(a, b int) int { return (a + b - 1) / b }
