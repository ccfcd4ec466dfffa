package attention

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"math"
	"slices"
	"strings"
	"testing"
)

func TestUpsample(t *testing.T) {
	for _, tc := range []struct {
		name      string
		m         []float64
		gh, gw    int
		h, w      int
		r         Resample
		want      []float64
		tolerance float64
	}{
		// Pixel centres: output x samples source (x+0.5)/2-0.5, clamped.
		{"bilinear 1x2->1x4", []float64{0, 1}, 1, 2, 1, 4, Bilinear, []float64{0, 0.25, 0.75, 1}, 1e-15},
		{"nearest 1x2->1x4", []float64{0, 1}, 1, 2, 1, 4, Nearest, []float64{0, 0, 1, 1}, 0},
		{"nearest 2x2->3x3", []float64{1, 2, 3, 4}, 2, 2, 3, 3, Nearest, []float64{1, 1, 2, 1, 1, 2, 3, 3, 4}, 0},
		{"same size", []float64{1, 2, 3, 4, 5, 6}, 2, 3, 2, 3, Bilinear, []float64{1, 2, 3, 4, 5, 6}, 0},
		{"bilinear 2x2->4x4 centre", []float64{0, 1, 2, 3}, 2, 2, 4, 4, Bilinear,
			[]float64{0, 0.25, 0.75, 1, 0.5, 0.75, 1.25, 1.5, 1.5, 1.75, 2.25, 2.5, 2, 2.25, 2.75, 3}, 1e-15},
	} {
		got := Upsample(tc.m, tc.gh, tc.gw, tc.h, tc.w, tc.r)
		for i := range tc.want {
			if math.Abs(got[i]-tc.want[i]) > tc.tolerance {
				t.Errorf("%s: got %v, want %v", tc.name, got, tc.want)
				break
			}
		}
	}
}

func TestNormalize(t *testing.T) {
	m := []float64{2, 4, 3}
	Normalize(m)
	if !near(m, []float64{0, 1, 0.5}) {
		t.Errorf("got %v", m)
	}
	c := []float64{7, 7}
	Normalize(c)
	if !near(c, []float64{0, 0}) {
		t.Errorf("constant map: got %v", c)
	}
}

func TestColormaps(t *testing.T) {
	for _, tc := range []struct {
		name     string
		lo, mid  color.RGBA
		hi       color.RGBA
		midValue float64
	}{
		{"viridis", color.RGBA{0x44, 0x01, 0x54, 255}, color.RGBA{0x21, 0x91, 0x8c, 255}, color.RGBA{0xfd, 0xe7, 0x25, 255}, 0.5},
		{"magma", color.RGBA{0, 0, 4, 255}, color.RGBA{0xb7, 0x37, 0x79, 255}, color.RGBA{0xfc, 0xfd, 0xbf, 255}, 0.5},
		{"jet", color.RGBA{0, 0, 128, 255}, color.RGBA{0, 255, 255, 255}, color.RGBA{128, 0, 0, 255}, 3.0 / 8},
		{"gray", color.RGBA{0, 0, 0, 255}, color.RGBA{128, 128, 128, 255}, color.RGBA{255, 255, 255, 255}, 0.5},
	} {
		cm, err := ParseColormap(tc.name)
		if err != nil {
			t.Fatal(err)
		}
		if got := cm.At(0); got != tc.lo {
			t.Errorf("%s(0) = %v, want %v", tc.name, got, tc.lo)
		}
		if got := cm.At(tc.midValue); got != tc.mid {
			t.Errorf("%s(%g) = %v, want %v", tc.name, tc.midValue, got, tc.mid)
		}
		if got := cm.At(1); got != tc.hi {
			t.Errorf("%s(1) = %v, want %v", tc.name, got, tc.hi)
		}
		if cm.At(-3) != cm.At(0) || cm.At(7) != cm.At(1) || cm.At(math.NaN()) != cm.At(0) {
			t.Errorf("%s: out-of-range values are not clamped", tc.name)
		}
		if tc.name == "jet" {
			continue
		}
		// Perceptual maps get lighter all the way up.
		prev := -1.0
		for i := 0; i <= 64; i++ {
			c := cm.At(float64(i) / 64)
			l := 0.2126*float64(c.R) + 0.7152*float64(c.G) + 0.0722*float64(c.B)
			if l < prev-0.5 {
				t.Errorf("%s: luminance falls at %d/64: %.1f after %.1f", tc.name, i, l, prev)
			}
			prev = l
		}
	}
	if _, err := ParseColormap("rainbow"); err == nil {
		t.Error("ParseColormap accepted rainbow")
	}
}

// TestOnePatchLightsUp puts all of CLS's attention on one patch of a 4×4
// grid and checks that the rendered overlay is bright over that patch and
// dark away from it, for both upsampling modes.
func TestOnePatchLightsUp(t *testing.T) {
	const g, size = 4, 64
	gray, _ := ParseColormap("gray")
	black := image.NewRGBA(image.Rect(0, 0, size, size))
	for _, r := range []Resample{Bilinear, Nearest} {
		for _, p := range [][2]int{{0, 0}, {1, 2}, {3, 3}} {
			m := make([]float64, g*g)
			m[p[0]*g+p[1]] = 1
			img := Render(black, m, g, g, r, gray, 1)
			if img.Bounds().Dx() != size || img.Bounds().Dy() != size {
				t.Fatalf("size %v, want %dx%d", img.Bounds(), size, size)
			}
			cell := size / g
			cy, cx := p[0]*cell+cell/2, p[1]*cell+cell/2
			if v := img.RGBAAt(cx, cy).R; v < 200 {
				t.Errorf("%v patch %v: centre (%d,%d) = %d, want bright", r, p, cx, cy, v)
			}
			var bestX, bestY int
			var best uint8
			for y := 0; y < size; y++ {
				for x := 0; x < size; x++ {
					v := img.RGBAAt(x, y).R
					if v > best {
						best, bestX, bestY = v, x, y
					}
					far := abs(x/cell-p[1]) > 1 || abs(y/cell-p[0]) > 1
					if far && v != 0 {
						t.Fatalf("%v patch %v: (%d,%d) two patches away = %d, want 0", r, p, x, y, v)
					}
				}
			}
			if bestY/cell != p[0] || bestX/cell != p[1] {
				t.Errorf("%v patch %v: brightest pixel (%d,%d) lies in patch (%d,%d)", r, p, bestX, bestY, bestY/cell, bestX/cell)
			}
		}
	}
}

func abs(x int) int { return max(x, -x) }

func TestOverlayBlends(t *testing.T) {
	base := image.NewRGBA(image.Rect(0, 0, 2, 1))
	copy(base.Pix, []uint8{100, 0, 200, 255, 0, 0, 0, 255})
	gray, _ := ParseColormap("gray")
	out := Overlay(base, []float64{1, 0}, gray, 0.25)
	want := []uint8{139, 64, 214, 255, 0, 0, 0, 255} // .75*base + .25*{255|0}
	if !bytes.Equal(out.Pix, want) {
		t.Errorf("got %v, want %v", out.Pix, want)
	}
}

func TestUnnormalize(t *testing.T) {
	// One gray channel, HF's default mean and std 0.5, rescale 1/255.
	px := []float32{-1, 0, 1, 3}
	img := Unnormalize(px, 1, 2, 2, []float64{0.5}, []float64{0.5}, 1.0/255)
	want := []uint8{0, 0, 0, 255, 128, 128, 128, 255, 255, 255, 255, 255, 255, 255, 255, 255}
	if !bytes.Equal(img.Pix, want) {
		t.Errorf("got %v, want %v", img.Pix, want)
	}
}

func TestGridAndPNG(t *testing.T) {
	viridis, _ := ParseColormap("viridis")
	var tiles []Tile
	for i := 0; i < 5; i++ {
		img := image.NewRGBA(image.Rect(0, 0, 40, 30))
		for j := range img.Pix {
			img.Pix[j] = 255 * uint8(j%4/3)
		}
		tiles = append(tiles, Tile{img, "head"})
	}
	g := Grid(tiles, 3, "layer 00", viridis)
	wantW := gridPad + 3*(40+gridPad)
	wantH := gridPad + lineH + gridPad + 2*(lineH+30+gridPad) + lineH + gridPad
	if g.Bounds().Dx() != wantW || g.Bounds().Dy() != wantH {
		t.Errorf("grid is %v, want %dx%d", g.Bounds(), wantW, wantH)
	}
	// The first tile sits under its label; the label strip has ink.
	x0, y0 := gridPad, 2*gridPad+lineH
	if c := g.RGBAAt(x0+5, y0+lineH+5); c != (color.RGBA{0, 0, 0, 255}) {
		t.Errorf("tile pixel = %v, want black", c)
	}
	ink := false
	for x := x0; x < x0+40; x++ {
		for y := y0; y < y0+lineH; y++ {
			if g.RGBAAt(x, y) != gridBG {
				ink = true
			}
		}
	}
	if !ink {
		t.Error("label strip is blank")
	}
	// Labels wider than the tiles widen the cells instead of overlapping.
	small := image.NewRGBA(image.Rect(0, 0, 10, 10))
	narrow := []Tile{{small, "through layer 11"}, {small, "x"}}
	if w, want := Grid(narrow, 2, "", viridis).Bounds().Dx(), gridPad+2*(textWidth("through layer 11")+gridPad); w != want {
		t.Errorf("grid of narrow tiles is %d wide, want %d", w, want)
	}
	var buf bytes.Buffer
	if err := EncodePNG(&buf, g); err != nil {
		t.Fatal(err)
	}
	back, err := png.Decode(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if back.Bounds() != g.Bounds() {
		t.Errorf("decoded PNG is %v, want %v", back.Bounds(), g.Bounds())
	}
}

func TestResize(t *testing.T) {
	img := image.NewRGBA(image.Rect(0, 0, 2, 1))
	copy(img.Pix, []uint8{0, 0, 0, 255, 200, 100, 40, 255})
	out := Resize(img, 4, 2, Bilinear)
	if out.Bounds().Dx() != 4 || out.Bounds().Dy() != 2 {
		t.Fatalf("size %v", out.Bounds())
	}
	if got := out.RGBAAt(1, 1); got != (color.RGBA{50, 25, 10, 255}) {
		t.Errorf("(1,1) = %v, want {50 25 10 255}", got)
	}
}

// TestUpsampleIn stretches small maps over frames with whole and
// fractional edges; values worked out by hand from pixel centres.
func TestUpsampleIn(t *testing.T) {
	for _, tc := range []struct {
		name   string
		m      []float64
		gh, gw int
		h, w   int
		f      Frame
		r      Resample
		want   []float64
	}{
		// scale 2/4: x samples (x+0.5−1)/2 − 0.5, clamped to [0, 1].
		{"bilinear, frame [1, 5) of 6", []float64{0, 1}, 1, 2, 1, 6, Frame{1, 0, 5, 1}, Bilinear, []float64{0, 0, 0.25, 0.75, 1, 1}},
		{"bilinear, fractional frame [0.5, 2.5)", []float64{0, 1}, 1, 2, 1, 3, Frame{0.5, 0, 2.5, 1}, Bilinear, []float64{0, 0.5, 1}},
		{"nearest, frame [2, 4) of 6", []float64{0, 1}, 1, 2, 1, 6, Frame{2, 0, 4, 1}, Nearest, []float64{0, 0, 0, 1, 1, 1}},
		{"bilinear, rows: frame [1, 3) of 4", []float64{0, 1}, 2, 1, 4, 1, Frame{0, 1, 1, 3}, Bilinear, []float64{0, 0, 1, 1}},
		{"whole picture is Upsample", []float64{0, 1, 2, 3}, 2, 2, 4, 4, Frame{0, 0, 4, 4}, Bilinear,
			Upsample([]float64{0, 1, 2, 3}, 2, 2, 4, 4, Bilinear)},
	} {
		got := UpsampleIn(tc.m, tc.gh, tc.gw, tc.h, tc.w, tc.f, tc.r)
		if !slices.Equal(got, tc.want) {
			t.Errorf("%s: got %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestFrameInside(t *testing.T) {
	f := Frame{62.5, 12.5, 237.5, 187.5}
	for _, tc := range []struct {
		x, y int
		in   bool
	}{{62, 12, true}, {61, 12, false}, {62, 11, false}, {236, 186, true}, {237, 186, false}, {236, 187, false}} {
		if got := f.Inside(tc.x, tc.y); got != tc.in {
			t.Errorf("(%d, %d) inside %+v: %v, want %v", tc.x, tc.y, f, got, tc.in)
		}
	}
}

// TestRenderInDimsOutside: inside the frame the map alone (alpha 1), the
// photo outside it at OutsideDim/256 of its brightness.
func TestRenderInDimsOutside(t *testing.T) {
	pic := image.NewRGBA(image.Rect(0, 0, 4, 2))
	for i := range pic.Pix {
		pic.Pix[i] = 200
	}
	gray, _ := ParseColormap("gray")
	out := RenderIn(pic, []float64{0, 1}, 1, 2, Frame{1, 0, 3, 2}, Bilinear, gray, 1)
	dim := uint8((OutsideDim*200 + 128) >> 8) // 70
	want := []uint8{dim, 0, 255, dim}
	for y := range 2 {
		for x := range 4 {
			if c := out.RGBAAt(x, y); c.R != want[x] || c.G != want[x] || c.B != want[x] || c.A != 255 {
				t.Errorf("(%d, %d) = %v, want gray %d", x, y, c, want[x])
			}
		}
	}
}

// TestBars measures the bars: as long as the probability makes of the room
// left of the percentage, the longest label cut to its column.
func TestBars(t *testing.T) {
	const w = 200
	labels := []string{"tabby", "a label far too long to fit in its column"}
	h := BarsMinHeight(len(labels))
	img := Bars(labels, []float64{1, 0.25}, w, h)
	if img.Bounds().Dx() != w || img.Bounds().Dy() != h {
		t.Fatalf("size %v, want %d×%d", img.Bounds(), w, h)
	}
	labelW := (w - 2*gridPad) * 9 / 20
	room := w - (gridPad + labelW + gridPad) - gridPad - textWidth("100.0%") - gridPad
	for i, want := range []int{room, int(0.25*float64(room) + 0.5)} {
		y := gridPad + i*lineH + lineH/2
		n := 0
		for x := range w {
			if img.RGBAAt(x, y) == barColour {
				n++
			}
		}
		if n != want {
			t.Errorf("bar %d: %d pixels long, want %d", i, n, want)
		}
	}
	if got := fitText(labels[1], labelW); textWidth(got) > labelW || !strings.HasSuffix(got, "..") || !strings.HasPrefix(labels[1], strings.TrimSuffix(got, "..")) {
		t.Errorf("fitText(%q, %d) = %q (%d pixels)", labels[1], labelW, got, textWidth(got))
	}
	if got := fitText("tabby", labelW); got != "tabby" {
		t.Errorf("fitText cut %q, which fits", got)
	}
}
