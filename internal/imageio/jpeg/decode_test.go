package jpeg

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

const testDir = "../../../testdata/jpeg"

type golden struct {
	png, jpeg string
	scale     int
	mode      string
}

func readManifest(t testing.TB) []golden {
	t.Helper()
	f, err := os.Open(filepath.Join(testDir, "manifest.tsv"))
	if err != nil {
		t.Fatalf("%v (run scripts/gen_jpeg_goldens.sh)", err)
	}
	defer f.Close()
	var gs []golden
	sc := bufio.NewScanner(f)
	sc.Scan() // header
	for sc.Scan() {
		c := strings.Split(sc.Text(), "\t")
		if len(c) != 4 {
			t.Fatalf("manifest line %q: want 4 fields", sc.Text())
		}
		s, err := strconv.Atoi(c[2])
		if err != nil {
			t.Fatal(err)
		}
		gs = append(gs, golden{c[0], c[1], s, c[3]})
	}
	return gs
}

// goldenPixels returns a golden PNG's samples packed as Image.Pix is: gray,
// RGB, or CMYK stored in RGBA's four channels.
func goldenPixels(t *testing.T, name, mode string) (w, h int, pix []uint8) {
	t.Helper()
	f, err := os.Open(filepath.Join(testDir, name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	m, err := png.Decode(f)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	b := m.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			switch m := m.(type) {
			case *image.Gray:
				pix = append(pix, m.GrayAt(x, y).Y)
			case *image.RGBA:
				c := m.RGBAAt(x, y)
				pix = append(pix, c.R, c.G, c.B)
			case *image.NRGBA:
				c := m.NRGBAAt(x, y)
				pix = append(pix, c.R, c.G, c.B, c.A)
			default:
				t.Fatalf("%s: PNG decoded as %T", name, m)
			}
		}
	}
	want := map[string]int{"L": 1, "RGB": 3, "CMYK": 4}[mode]
	if len(pix) != want*b.Dx()*b.Dy() {
		t.Fatalf("%s: %d samples for a %d×%d %s image", name, len(pix), b.Dx(), b.Dy(), mode)
	}
	return b.Dx(), b.Dy(), pix
}

// TestPillowGoldens requires every pixel to equal Pillow's, at full size and
// at each draft scale. The files are decoded in order and again in reverse
// order, each into the scratch the one before left in the decoder pool, so
// that stale planes or tables of another size or layout would show.
func TestPillowGoldens(t *testing.T) {
	gs := readManifest(t)
	for i := range 2 * len(gs) {
		g := gs[i%len(gs)]
		if i >= len(gs) {
			g = gs[2*len(gs)-1-i]
		}
		t.Run(g.png, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join(testDir, g.jpeg))
			if err != nil {
				t.Fatal(err)
			}
			m, err := Decode(data, Options{Scale: g.scale})
			if err != nil {
				t.Fatalf("%s: %v", g.jpeg, err)
			}
			w, h, want := goldenPixels(t, g.png, g.mode)
			if m.W != w || m.H != h || len(m.Pix) != len(want) {
				t.Fatalf("decoded %d×%d (%d samples), Pillow %d×%d (%d)", m.W, m.H, len(m.Pix), w, h, len(want))
			}
			n := len(want) / (w * h)
			maxd, count, first := 0, 0, ""
			for i := range want {
				d := int(m.Pix[i]) - int(want[i])
				if d != 0 {
					if count == 0 {
						first = fmt.Sprintf("first at (%d,%d) channel %d: %d, Pillow %d", i/n%w, i/n/w, i%n, m.Pix[i], want[i])
					}
					count++
					maxd = max(maxd, d, -d)
				}
			}
			if count > 0 {
				t.Errorf("%d of %d samples differ from Pillow, max |Δ| %d; %s", count, len(want), maxd, first)
			}
		})
	}
}

func TestRefused(t *testing.T) {
	for _, name := range []string{"refuse_arithmetic.jpg", "refuse_12bit.jpg", "refuse_lossless.jpg"} {
		data, err := os.ReadFile(filepath.Join(testDir, name))
		if err != nil {
			t.Fatal(err)
		}
		_, err = Decode(data, Options{})
		if !errors.Is(err, ErrUnsupported) {
			t.Errorf("%s: got %v, want ErrUnsupported", name, err)
		} else {
			t.Logf("%s: %v", name, err)
		}
	}
}

// TestTruncated: a file cut anywhere, even just before its EOI marker, is
// ErrTruncated, as Pillow calls it "truncated".
func TestTruncated(t *testing.T) {
	for _, name := range []string{"cat_420.jpg", "cj_restart_rows.jpg", "cat_progressive.jpg"} {
		data, err := os.ReadFile(filepath.Join(testDir, name))
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range []int{len(data) / 3, len(data) / 2, len(data) - 40, len(data) - 2} {
			if _, err := Decode(data[:n], Options{}); !errors.Is(err, ErrTruncated) {
				t.Errorf("%s cut at %d of %d bytes: got %v, want ErrTruncated", name, n, len(data), err)
			}
		}
	}
}

// TestSkipTables decodes every test JPEG, and each cut short, at 1/8 with
// skip tables (built whatever the image's size) and with the codes read one
// by one: the same pixels and the same error.
func TestSkipTables(t *testing.T) {
	names, _ := filepath.Glob(filepath.Join(testDir, "*.jpg"))
	if len(names) == 0 {
		t.Fatal("no test JPEGs")
	}
	defer func(n int) { skipMinBlocks = n }(skipMinBlocks)
	for _, name := range names {
		data, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range []int{len(data), len(data) / 2, len(data) - 3} {
			skipMinBlocks = 0
			a, errA := Decode(data[:n], Options{Scale: 8})
			skipMinBlocks = math.MaxInt
			b, errB := Decode(data[:n], Options{Scale: 8})
			if fmt.Sprint(errA) != fmt.Sprint(errB) || (a == nil) != (b == nil) || a != nil && !bytes.Equal(a.Pix, b.Pix) {
				t.Errorf("%s cut at %d: skipping gives %v, one by one %v, or other pixels", filepath.Base(name), n, errA, errB)
			}
		}
	}
}
