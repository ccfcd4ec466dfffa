package imageio

import (
	"bufio"
	"bytes"
	"image"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/vitctl/vitctl/internal/prep"
)

// TestCropParity runs resize-then-center-crop against torchvision's
// Resize + CenterCrop on Pillow images (scripts/gen_crop_goldens.py):
// timm's shorter-side resize at crop_pct 0.875 and 0.9, odd margins (the
// half-to-even offset), and Hugging Face DeiT's fixed 256×256 resize.
// Bounds are TestPixelParity's. Observed: PNG bit-exact; JPEG max 1.0/255,
// mean 0.022/255 (go test -v -run CropParity); flooring the offsets instead
// fails the odd-margin case (max 108/255).
func TestCropParity(t *testing.T) {
	f, err := os.Open(filepath.Join(pixelsDir, "crop", "manifest.tsv"))
	if err != nil {
		t.Skip("no testdata/pixels/crop")
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Scan() // header
	for sc.Scan() {
		col := strings.Split(sc.Text(), "\t")
		n := make([]int, 6)
		for i := range n {
			n[i], _ = strconv.Atoi(col[2+i])
		}
		p := prep.Params{DoResize: true, ResizeShortest: n[0], ResizeWidth: n[1], ResizeHeight: n[2],
			Width: n[3], Height: n[4], Resample: prep.Resample(n[5]), DoRescale: true, RescaleFactor: 1.0 / 255}
		img, err := DecodeFile(filepath.Join(imagesDir, col[1]), 0)
		if err != nil {
			t.Fatalf("%s: %v", col[0], err)
		}
		got, err := Preprocess(img, p)
		if err != nil {
			t.Fatalf("%s: %v", col[0], err)
		}
		want := loadGolden(t, filepath.Join("crop", col[0]))
		if len(got) != len(want.Data) {
			t.Fatalf("%s: %d values, golden has %d", col[0], len(got), len(want.Data))
		}
		var maxd, sum float64
		for i := range got {
			d := math.Abs(float64(got[i]) - float64(want.Data[i]))
			maxd, sum = max(maxd, d), sum+d
		}
		mean := sum / float64(len(got))
		t.Logf("%-40s max %.3f/255 mean %.4f/255", col[0], maxd*255, mean*255)
		if maxd > exactMax {
			t.Errorf("%s: max |Δ| %.3f/255", col[0], maxd*255)
		}
	}
}

// TestCenterCropOffsets: an odd margin 2k+1 starts at k or k+1, whichever
// is even, as Python's round does.
func TestCenterCropOffsets(t *testing.T) {
	for _, tc := range []struct{ in, out, x0 int }{{10, 4, 3}, {11, 4, 4}, {13, 4, 4}, {9, 4, 2}, {4, 4, 0}} {
		img := NewRGB8(tc.in, 1)
		for i := range img.Pix {
			img.Pix[i] = uint8(i / 3)
		}
		if got := CenterCrop(img, tc.out, 1); got.Pix[0] != uint8(tc.x0) {
			t.Errorf("CenterCrop %d → %d starts at %d, want %d", tc.in, tc.out, got.Pix[0], tc.x0)
		}
	}
}

// TestInputBox checks the rectangle of the source image that becomes the
// model's input on small cases worked out by hand.
func TestInputBox(t *testing.T) {
	timm := func(short, crop int) prep.Params {
		return prep.Params{DoResize: true, ResizeShortest: short, Width: crop, Height: crop}
	}
	for _, tc := range []struct {
		name string
		W, H int
		p    prep.Params
		want Box
	}{
		// 300×200 → 384×256 (int(256·300/200)), crop 224 at (80, 16):
		// 80·300/384 = 62.5, 304·300/384 = 237.5, 16·200/256 = 12.5, 240·200/256 = 187.5.
		{"landscape, shorter side 256, crop 224", 300, 200, timm(256, 224), Box{62.5, 12.5, 237.5, 187.5}},
		// 10×20 → 8×16, crop 8 at (0, 4): y 4·20/16 = 5 to 12·20/16 = 15.
		{"portrait", 10, 20, timm(8, 8), Box{0, 5, 10, 15}},
		// 12×10 → 6×5, crop 4: margins 2 and 1; round(0.5) = 0 (half to even).
		{"odd margin 1 starts at 0", 12, 10, timm(5, 4), Box{2, 0, 10, 8}},
		// 14×14 → 7×7, crop 4: margin 3, round(1.5) = 2, ×2 back.
		{"odd margin 3 starts at 2", 14, 14, timm(7, 4), Box{4, 4, 12, 12}},
		// DeiT: 512×384 → 256×256, crop 224 at (16, 16): x ×2, y ×1.5.
		{"fixed resize then crop", 512, 384, prep.Params{DoResize: true, ResizeWidth: 256, ResizeHeight: 256, Width: 224, Height: 224}, Box{32, 24, 480, 360}},
		{"straight resize: all of it", 451, 300, prep.Default(224), Box{0, 0, 451, 300}},
		{"no resize: all of it", 224, 224, prep.Params{Width: 224, Height: 224}, Box{0, 0, 224, 224}},
	} {
		if got := InputBox(tc.W, tc.H, tc.p); got != tc.want {
			t.Errorf("%s: %d×%d gives %+v, want %+v", tc.name, tc.W, tc.H, got, tc.want)
		}
	}
}

// TestInputBoxMatchesPixels preprocesses images whose pixels hold their own
// coordinates with nearest resampling: the model's input pixel (i, j) must
// come from source pixel floor(X0 + (i+0.5)·(X1−X0)/width), and likewise
// for rows, for the box InputBox gives.
func TestInputBoxMatchesPixels(t *testing.T) {
	for _, tc := range []struct {
		W, H int
		p    prep.Params
	}{
		{300, 200, prep.Params{DoResize: true, ResizeShortest: 256, Width: 224, Height: 224}},
		{451, 300, prep.Params{DoResize: true, ResizeShortest: 248, Width: 224, Height: 224}},
		{333, 517, prep.Params{DoResize: true, ResizeShortest: 40, Width: 32, Height: 32}},
		{512, 384, prep.Params{DoResize: true, ResizeWidth: 256, ResizeHeight: 256, Width: 224, Height: 224}},
		{451, 300, prep.Params{DoResize: true, Width: 96, Height: 64}},
	} {
		img := NewRGB8(tc.W, tc.H)
		for y := range tc.H {
			for x := range tc.W {
				img.Pix[3*(y*tc.W+x)], img.Pix[3*(y*tc.W+x)+1], img.Pix[3*(y*tc.W+x)+2] = uint8(x%256), uint8(x/256), uint8(y%256)
			}
		}
		tc.p.Resample = prep.Nearest
		px, err := Preprocess(img, tc.p)
		if err != nil {
			t.Fatal(err)
		}
		b := InputBox(tc.W, tc.H, tc.p)
		w, h := tc.p.Width, tc.p.Height
		for j := range h {
			for i := range w {
				x := int(px[j*w+i]) + 256*int(px[w*h+j*w+i])
				y := int(px[2*w*h+j*w+i])
				wantX := int(b.X0 + (float64(i)+0.5)*(b.X1-b.X0)/float64(w))
				wantY := int(b.Y0+(float64(j)+0.5)*(b.Y1-b.Y0)/float64(h)) % 256
				if x != wantX || y != wantY {
					t.Fatalf("%d×%d, %+v: input pixel (%d, %d) is source (%d, %d), the box %+v says (%d, %d)",
						tc.W, tc.H, tc.p, i, j, x, y, b, wantX, wantY)
				}
			}
		}
	}
}

// TestResizePart: resizing only the part a center crop keeps gives the
// pixels of the whole resize cut down to that part, for every filter and
// for parts at the edges, and when one side keeps its size.
func TestResizePart(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, f := range []prep.Resample{prep.Nearest, prep.Box, prep.Bilinear, prep.Hamming, prep.Bicubic, prep.Lanczos} {
		for _, tc := range []struct {
			W, H, w, h int
			r          image.Rectangle
		}{
			{40, 30, 64, 48, image.Rect(10, 7, 50, 41)},
			{40, 30, 17, 13, image.Rect(0, 0, 5, 13)},
			{40, 30, 17, 13, image.Rect(12, 9, 17, 13)},
			{40, 30, 40, 90, image.Rect(3, 20, 33, 70)}, // width kept: the vertical pass alone
			{40, 30, 90, 30, image.Rect(20, 3, 70, 27)}, // height kept: the horizontal pass alone
			{40, 30, 40, 30, image.Rect(1, 2, 39, 28)},  // no resize: a crop
			{300, 1, 744, 3, image.Rect(260, 1, 484, 2)},
		} {
			img := NewRGB8(tc.W, tc.H)
			for i := range img.Pix {
				img.Pix[i] = uint8(rng.IntN(256))
			}
			whole, err := Resize(img, tc.w, tc.h, f)
			if err != nil {
				t.Fatal(err)
			}
			part, err := resizePart(img, tc.w, tc.h, tc.r, f)
			if err != nil {
				t.Fatal(err)
			}
			if want := crop(whole, tc.r); part.W != want.W || part.H != want.H || !bytes.Equal(part.Pix, want.Pix) {
				t.Errorf("%v %d×%d → %d×%d, part %v: not the whole resize's pixels there", f, tc.W, tc.H, tc.w, tc.h, tc.r)
			}
		}
	}
}

// TestThinImageResize: an image of extreme aspect (a 100000×1 banner,
// 182 bytes as PNG) resized by its shorter side before the center crop
// costs the crop's memory, where the whole resize was made first (at a
// shorter side of 248, 24800000×248 pixels: 18 GB, and vitctl died with a
// Go runtime dump). Here the shorter side becomes 8: the whole resize
// would take 19 MB.
func TestThinImageResize(t *testing.T) {
	img := NewRGB8(100000, 1)
	p := prep.Params{DoResize: true, ResizeShortest: 8, Width: 4, Height: 4, Resample: prep.Bicubic}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	x, err := Preprocess(img, p)
	runtime.ReadMemStats(&after)
	if err != nil || len(x) != 3*4*4 {
		t.Fatalf("got %d values, %v", len(x), err)
	}
	if n := after.TotalAlloc - before.TotalAlloc; n > 4<<20 {
		t.Errorf("preprocessing a 100000×1 image to 4×4 allocated %d bytes", n)
	}
}
