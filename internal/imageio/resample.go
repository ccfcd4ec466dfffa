package imageio

// The assembly of this package and of jpeg is printed by _asm.
//go:generate go -C _asm run . -out ..

import (
	"fmt"
	"image"
	"math"
	"sync"

	"github.com/vitctl/vitctl/internal/prep"
)

// Resize returns img resized to w×h exactly as Pillow's Image.resize(size,
// resample) does for an "RGB" image (Pillow's src/libImaging/Resample.c and,
// for nearest, Geometry.c).
//
// nfnt/resize is not used: for 8-bit images it quantises weights to 1/256
// (Pillow: 2^-22), rounds the kernel width up to a whole multiple of the
// scale, replicates edge pixels instead of renormalising the in-range taps,
// and truncates instead of rounding. Measured against the Pillow goldens of
// the five photos (224×224 and 160×96, bilinear and bicubic) it is off by
// up to 10/255 (astronaut, bilinear) and by about 1/255 on average, beyond the
// 1/255 parity bound. This resampler replays Pillow's arithmetic instead and
// matches it bit for bit on every golden: per output pixel the filter is
// stretched by the scale when shrinking (antialiasing), its weights are
// normalised to sum to 1 and quantised to 22-bit fixed point, applied
// horizontally into a uint8 image, then vertically, rounding and clipping
// after each pass.
func Resize(img *RGB8, w, h int, resample prep.Resample) (*RGB8, error) {
	return resizePart(img, w, h, image.Rect(0, 0, w, h), resample)
}

// resizePart returns the part r (in the resized image's pixels) of img
// resized to w×h, bit for bit what Resize and a crop to r give, computing
// only the pixels in r: each output pixel's taps depend on its index
// alone. A resize before a center crop can be far larger than the crop (a
// 100000×1 banner's shorter side brought to 248 is 24800000×248 pixels,
// 18 GB), and costs the crop's memory here.
func resizePart(img *RGB8, w, h int, r image.Rectangle, resample prep.Resample) (*RGB8, error) {
	if w <= 0 || h <= 0 {
		return nil, fmt.Errorf("resize: target size %d×%d must be positive", w, h)
	}
	if img.W <= 0 || img.H <= 0 {
		return nil, fmt.Errorf("resize: source image is empty (%d×%d)", img.W, img.H)
	}
	if !r.In(image.Rect(0, 0, w, h)) || r.Empty() {
		return nil, fmt.Errorf("resize: the part %v is not inside the %d×%d resize", r, w, h)
	}
	if w == img.W && h == img.H {
		return crop(img, r), nil
	}
	if err := resample.Check(); err != nil {
		return nil, fmt.Errorf("resize: %w", err)
	}
	if resample == prep.Nearest {
		return resizeNearest(img, w, h, r), nil
	}
	f := filters[resample]
	vb, vk, vsize := coeffs(img.H, h, r.Min.Y, r.Dy(), f)
	if w == img.W {
		if r.Dx() < w {
			img = crop(img, image.Rect(r.Min.X, 0, r.Max.X, img.H))
		}
		return vertical(img, r.Dy(), vb, vk, vsize), nil
	}
	hb, hk, hsize := coeffs(img.W, w, r.Min.X, r.Dx(), f)
	if h == img.H {
		return horizontal(img, r.Min.Y, r.Max.Y, r.Dx(), hb, hk, hsize, nil), nil
	}
	// Only the source rows the vertical pass reads go through the
	// horizontal pass (ybox_first..ybox_last in Pillow).
	n := r.Dy()
	first, last := vb[0], vb[2*n-2]+vb[2*n-1]
	buf := tmpBufs.Get().(*[]uint8)
	defer tmpBufs.Put(buf)
	tmp := horizontal(img, first, last, r.Dx(), hb, hk, hsize, buf)
	for i := range n {
		vb[2*i] -= first
	}
	return vertical(tmp, n, vb, vk, vsize), nil
}

// tmpBufs holds the images between the two passes for the next Resize.
var tmpBufs = sync.Pool{New: func() any { return new([]uint8) }}

type filter struct {
	fn      func(float64) float64
	support float64
}

// The kernels as Resample.c writes them. Each product is wrapped in an
// explicit float64 conversion so the compiler cannot fuse it into an FMA,
// which Pillow's C (built without contraction on x86-64) does not do.
var filters = map[prep.Resample]filter{
	prep.Box: {func(x float64) float64 {
		if x > -0.5 && x <= 0.5 {
			return 1
		}
		return 0
	}, 0.5},
	prep.Bilinear: {func(x float64) float64 {
		x = math.Abs(x)
		if x < 1 {
			return 1 - x
		}
		return 0
	}, 1},
	prep.Hamming: {func(x float64) float64 {
		x = math.Abs(x)
		if x == 0 {
			return 1
		}
		if x >= 1 {
			return 0
		}
		x = float64(x * math.Pi)
		// Pillow writes the constants as C floats (0.54f, 0.46f).
		return float64(math.Sin(x)/x) * float64(float64(float32(0.54))+float64(float64(float32(0.46))*math.Cos(x)))
	}, 1},
	prep.Bicubic: {func(x float64) float64 {
		const a = -0.5
		x = math.Abs(x)
		if x < 1 {
			return float64(float64(float64(float64((a+2)*x)-(a+3))*x)*x) + 1
		}
		if x < 2 {
			return float64(float64(float64(float64(x-5)*x)+8)*x-4) * a
		}
		return 0
	}, 2},
	prep.Lanczos: {func(x float64) float64 {
		if -3 <= x && x < 3 {
			return float64(sinc(x) * sinc(x/3))
		}
		return 0
	}, 3},
}

func sinc(x float64) float64 {
	if x == 0 {
		return 1
	}
	x = float64(x * math.Pi)
	return math.Sin(x) / x
}

// precisionBits is Pillow's PRECISION_BITS: 32 - 8 bits of result - 2 bits
// of headroom for negative lobes.
const precisionBits = 32 - 8 - 2

// coeffs is Pillow's precompute_coeffs followed by normalize_coeffs_8bpc,
// for the n output indices from lo of outSize. For each it returns the
// first input index and the tap count in bounds, and ksize fixed-point taps
// in kk.
func coeffs(inSize, outSize, lo, n int, f filter) (bounds []int, kk []int32, ksize int) {
	scale := float64(inSize) / float64(outSize)
	filterscale := max(scale, 1)
	support := float64(f.support * filterscale)
	ksize = int(math.Ceil(support))*2 + 1
	bounds = make([]int, 2*n)
	kk = make([]int32, n*ksize)
	k := make([]float64, ksize)
	ss := 1 / filterscale
	for xx := range n {
		center := float64((float64(lo+xx) + 0.5) * scale)
		xmin := max(int(center-support+0.5), 0)
		xmax := min(int(center+support+0.5), inSize) - xmin
		ww := 0.0
		for x := range xmax {
			wt := f.fn(float64((float64(x+xmin) - center + 0.5) * ss))
			k[x] = wt
			ww += wt
		}
		for x := range xmax {
			if ww != 0 {
				k[x] /= ww
			}
			// C's (int) cast truncates toward zero, as Go's does.
			if k[x] < 0 {
				kk[xx*ksize+x] = int32(-0.5 + float64(k[x]*(1<<precisionBits)))
			} else {
				kk[xx*ksize+x] = int32(0.5 + float64(k[x]*(1<<precisionBits)))
			}
		}
		bounds[2*xx], bounds[2*xx+1] = xmin, xmax
	}
	return bounds, kk, ksize
}

// clipFixed rounds down a fixed-point sum (which started at one half) to a
// clipped uint8, as Pillow's clip8.
func clipFixed(ss int32) uint8 {
	v := ss >> precisionBits
	if v < 0 {
		return 0
	}
	if v > 255 {
		return 255
	}
	return uint8(v)
}

// horizontal resamples rows first..last-1 of img to width w, into *buf
// when buf is set (growing it as needed; every byte is written).
func horizontal(img *RGB8, first, last, w int, bounds []int, kk []int32, ksize int, buf *[]uint8) *RGB8 {
	out := &RGB8{W: w, H: last - first}
	if buf == nil {
		out.Pix = make([]uint8, 3*w*out.H)
	} else {
		if cap(*buf) < 3*w*out.H {
			*buf = make([]uint8, 3*w*out.H)
		}
		out.Pix = (*buf)[:3*w*out.H]
	}
	if win, ok := newWindows(img.W, w, bounds, kk, ksize); ok && windowed() {
		for yy := range out.H {
			hrow(out.Pix[3*yy*w:][:3*w], img.Pix[3*(yy+first)*img.W:][:3*img.W], win)
		}
		return out
	}
	for yy := range out.H {
		row := img.Pix[3*(yy+first)*img.W:][:3*img.W]
		dst := out.Pix[3*yy*w:][:3*w]
		for xx := range w {
			xmin, n := bounds[2*xx], bounds[2*xx+1]
			k := kk[xx*ksize:][:n]
			src := row[3*xmin:][:3*n]
			s0, s1, s2 := int32(1<<(precisionBits-1)), int32(1<<(precisionBits-1)), int32(1<<(precisionBits-1))
			for x, c := range k {
				s0 += int32(src[3*x]) * c
				s1 += int32(src[3*x+1]) * c
				s2 += int32(src[3*x+2]) * c
			}
			dst[3*xx], dst[3*xx+1], dst[3*xx+2] = clipFixed(s0), clipFixed(s1), clipFixed(s2)
		}
	}
	return out
}

// windows lays the horizontal taps out for a vector unit: each output
// pixel reads a window of m bytes (a multiple of 24, 8 pixels of 3
// channels) of the source row from byte off[xx], with one weight per byte,
// k3[xx*m:][:m], zero outside the pixel's taps. Windows that would run past
// the row's end start earlier, so every read stays inside the row.
type windows struct {
	m   int
	off []int32
	k3  []int32
	end int // the end of the last window, in bytes
}

// newWindows lays out the taps (bounds, kk, ksize as coeffs returns them)
// for rows of W pixels resampled to w; ok is false when the row is
// narrower than a window.
func newWindows(W, w int, bounds []int, kk []int32, ksize int) (win windows, ok bool) {
	n := 0
	for xx := range w {
		n = max(n, bounds[2*xx+1])
	}
	m := (3*n + 23) / 24 * 24
	if m > 3*W {
		return windows{}, false
	}
	win = windows{m: m, off: make([]int32, w), k3: make([]int32, w*m)}
	for xx := range w {
		xmin := bounds[2*xx]
		start := min(xmin, W-m/3)
		win.off[xx] = int32(3 * start)
		win.end = max(win.end, 3*start+m)
		k3 := win.k3[xx*m+3*(xmin-start):]
		for t, c := range kk[xx*ksize:][:bounds[2*xx+1]] {
			k3[3*t], k3[3*t+1], k3[3*t+2] = c, c, c
		}
	}
	return win, true
}

// hrowGo is the spec of hrow: each output pixel's channel c sums the
// window's bytes of that channel times their weights, from one half, as
// Pillow's loop does over the taps alone (the sums are exact int32 values,
// whatever the order).
func hrowGo(dst, src []uint8, win windows) {
	m := win.m
	for xx, off := range win.off {
		s := [3]int32{1 << (precisionBits - 1), 1 << (precisionBits - 1), 1 << (precisionBits - 1)}
		k := win.k3[xx*m:][:m]
		for j, v := range src[off:][:m] {
			s[j%3] += int32(v) * k[j]
		}
		dst[3*xx], dst[3*xx+1], dst[3*xx+2] = clipFixed(s[0]), clipFixed(s[1]), clipFixed(s[2])
	}
}

// vertical resamples img to height h.
func vertical(img *RGB8, h int, bounds []int, kk []int32, ksize int) *RGB8 {
	w := img.W
	out := NewRGB8(w, h)
	for yy := range h {
		ymin, n := bounds[2*yy], bounds[2*yy+1]
		vrow(out.Pix[3*yy*w:][:3*w], img.Pix[3*ymin*w:], 3*w, kk[yy*ksize:][:n])
	}
	return out
}

// vrowGo is the spec of vrow: dst[i] sums column i of the len(k) rows of
// src, stride bytes apart, times k, from one half.
func vrowGo(dst, src []uint8, stride int, k []int32) {
	for i := range dst {
		s := int32(1 << (precisionBits - 1))
		for y, c := range k {
			s += int32(src[y*stride+i]) * c
		}
		dst[i] = clipFixed(s)
	}
}

// resizeNearest is Pillow's nearest-neighbour path (ImagingScaleAffine),
// for the part r of the w×h result: the source coordinate starts half a
// step in and accumulates the step in double precision, truncated per
// pixel.
func resizeNearest(img *RGB8, w, h int, r image.Rectangle) *RGB8 {
	xin := nearestTable(img.W, w, r.Min.X, r.Dx())
	yin := nearestTable(img.H, h, r.Min.Y, r.Dy())
	out := NewRGB8(r.Dx(), r.Dy())
	for y, sy := range yin {
		for x, sx := range xin {
			i := 3 * (y*out.W + x)
			copy(out.Pix[i:i+3], img.Pix[3*(sy*img.W+sx):])
		}
	}
	return out
}

// nearestTable is the source index of the n output indices from lo of
// out; the coordinate is accumulated from the first, as Pillow does.
func nearestTable(in, out, lo, n int) []int {
	step := float64(in) / float64(out)
	o := float64(step * 0.5)
	for range lo {
		o += step
	}
	t := make([]int, n)
	for i := range t {
		t[i] = min(int(o), in-1)
		o += step
	}
	return t
}
