package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// amxTwin is an implementation whose AMX calls are the generic twins, so
// that amxGemm's blocking (row and K tails, K blocks, halves of a panel,
// threads) is tested on every CPU; on AMX CPUs the "amx" implementation is
// compared with it.
var amxTwin = &impl{name: "amx-generic", ok: true, mr: mr6, nr: nr, fp32: generic.fp32,
	bf16: &bf16Kernels{tile: tileBF16Generic, pack: packRowBF16, pairs: pairRowsBF16, keys: keysBF16, expPairs: expPairsGeneric, amx: amxBF16Generic},
	int8: &int8Kernels{tile: tileI8Generic, pack: packRowI8, dequant: dequantI8, amx: amxI8Generic},
}

// amxShapes cross every edge of amxGemm: rows below, at and past a 32-row
// block and its 16-row tiles, partial panels, K with and without a partial
// step, more than one K block.
var amxShapes = []struct{ m, n, k int }{
	{16, 64, 32}, {16, 1, 1}, {17, 65, 33}, {31, 70, 2}, {32, 64, 64}, {33, 130, 70},
	{45, 129, 100}, {63, 64, 31}, {197, 197, 64}, {70, 100, 4*amxKc + 70}, {48, 40, 8*amxKc + 9},
}

// TestAMXGenericLinear checks amxGemm with the twin calls against the
// float64 references of the bf16 and int8 Linear tests.
func TestAMXGenericLinear(t *testing.T) {
	r := rand.New(rand.NewPCG(41, 42))
	for _, p := range []Precision{BF16, INT8} {
		im := amxTwin
		for si, s := range amxShapes {
			if testing.Short() && s.m*s.n*s.k > 2e6 {
				continue
			}
			c := newLinearCase(r, s.m, s.n, s.k, s.k+si%3, s.n+2*(si%2), si%2 == 0, si%3 == 0, Act(si%5))
			bc := &bf16Case{linearCase: c, xr: roundedBF16(c.x), wr: roundedBF16(c.w)}
			c.pb = c.pb.To(p)
			withLow(p, im, func() {
				t.Run(fmt.Sprintf("precision=%v/%dx%dx%d", p, s.m, s.n, s.k), func(t *testing.T) {
					y, all := c.run(NewPool(3))
					checkGuards(t, "y", all, pad, s.m, s.n, c.ldy)
					for i := range s.m {
						for j := range s.n {
							if p == BF16 {
								bc.check(t, y, i, j)
							} else {
								checkI8(t, c, y, i, j)
							}
						}
					}
				})
			})
		}
	}
}

// withTiled runs f with amxTiled set to tiled.
func withTiled(tiled bool, f func()) {
	defer func(old bool) { amxTiled = old }(amxTiled)
	amxTiled = tiled
	f()
}

// TestAMXGenericTilesMatchRows: the layout of A changes where the calls
// read it, not what they sum, so amxGemm with A as tiles gives the bits of
// A as rows, on every edge shape and with threads sharing the row blocks.
func TestAMXGenericTilesMatchRows(t *testing.T) {
	r := rand.New(rand.NewPCG(49, 50))
	for _, p := range []Precision{BF16, INT8} {
		for si, s := range amxShapes {
			if testing.Short() && s.m*s.n*s.k > 2e6 {
				continue
			}
			c := newLinearCase(r, s.m, s.n, s.k, s.k+si%3, s.n, si%2 == 0, si%3 == 0, Act(si%5))
			c.pb = c.pb.To(p)
			var want, got []float32
			withLow(p, amxTwin, func() {
				withTiled(false, func() { want, _ = c.run(NewPool(1)) })
				withTiled(true, func() { got, _ = c.run(NewPool(1 + si%3)) })
			})
			for i := range want {
				if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
					t.Fatalf("%v %dx%dx%d: y[%d] = %v as tiles, %v as rows", p, s.m, s.n, s.k, i, got[i], want[i])
				}
			}
		}
	}
}

// TestPackTiles: activations packed as tiles are those packed as rows,
// relaid, the padding rows and groups zero.
func TestPackTiles(t *testing.T) {
	r := rand.New(rand.NewPCG(57, 58))
	for _, s := range []struct{ m, k int }{{1, 1}, {16, 32}, {31, 70}, {32, 64}, {33, 129}, {197, 768}} {
		for _, p := range []Precision{BF16, INT8} {
			x := make([]float32, s.m*s.k)
			for i := range x {
				x[i] = float32(r.NormFloat64())
			}
			kg := ceilDiv(s.k, p.group())
			var rows, tiles lowA
			ra, _ := rows.packed(NewPool(1), x, s.k, s.m, s.k, kg, amxTwin, p, false)
			ta, l := tiles.packed(NewPool(3), x, s.k, s.m, s.k, kg, amxTwin, p, true)
			if want := ceilDiv(s.m, amxRows) * l.block; len(ta) != want {
				t.Fatalf("%v %dx%d: %d groups as tiles, want %d", p, s.m, s.k, len(ta), want)
			}
			for i := range ceilDiv(s.m, amxRows) * amxRows {
				for g := range ceilDiv(kg, amxTile) * amxTile {
					var want uint32
					if i < s.m && g < kg {
						want = ra[i*kg+g]
					}
					if got := ta[l.at(i, g-g%amxTile)+g%amxTile]; got != want {
						t.Fatalf("%v %dx%d: row %d group %d = %#x, want %#x", p, s.m, s.k, i, g, got, want)
					}
				}
				if p == INT8 && i < s.m && tiles.sa[i] != rows.sa[i] {
					t.Fatalf("%dx%d: row %d's scale %v, want %v", s.m, s.k, i, tiles.sa[i], rows.sa[i])
				}
			}
		}
	}
}

// TestAMXGenericI8MatchesTiles: the int32 sums are exact, so amxGemm with
// the twin calls gives the bits of the 6×64 generic tiles.
func TestAMXGenericI8MatchesTiles(t *testing.T) {
	r := rand.New(rand.NewPCG(43, 44))
	for _, s := range amxShapes[:9] {
		c := newLinearCase(r, s.m, s.n, s.k, s.k, s.n, true, false, ActGELU)
		c.pb = c.pb.To(INT8)
		var want, got []float32
		withLow(INT8, generic, func() { want, _ = c.run(NewPool(1)) })
		withLow(INT8, amxTwin, func() { got, _ = c.run(NewPool(2)) })
		for i := range want {
			if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
				t.Fatalf("%dx%dx%d: y[%d] = %v, 6×64 tiles gave %v", s.m, s.n, s.k, i, got[i], want[i])
			}
		}
	}
}

// TestAMXGenericThreads: amxGemm's bits do not depend on the number of
// threads, which changes its row blocks.
func TestAMXGenericThreads(t *testing.T) {
	r := rand.New(rand.NewPCG(45, 46))
	for _, p := range []Precision{BF16, INT8} {
		c := newLinearCase(r, 197, 130, 2*amxKc+40, 2*amxKc+40, 130, true, true, ActGELU)
		c.pb = c.pb.To(p)
		withLow(p, amxTwin, func() {
			want, _ := c.run(NewPool(1))
			for _, th := range []int{2, 5, 16} {
				got, _ := c.run(NewPool(th))
				for i := range want {
					if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
						t.Fatalf("%v threads=%d: y[%d] = %v, 1 thread gave %v", p, th, i, got[i], want[i])
					}
				}
			}
		})
	}
}

// TestAMXGenericFlush: the twin reads denormal bf16 inputs as zero and
// flushes denormal sums, as TDPBF16PS does.
func TestAMXGenericFlush(t *testing.T) {
	const lda = amxTile
	a := make([]uint32, amxTile*lda)
	b := make([]uint32, amxTile*nr)
	c := make([]float32, amxTile*nr)
	one, tiny, p64 := toBF16Bits(1), uint32(0x0001), toBF16Bits(0x1p-64) // 1, the least denormal, 2⁻⁶⁴
	a[0], b[0] = tiny, one                                               // denormal input: 0
	a[lda], b[1] = p64|p64<<16, p64|p64<<16                              // 2⁻¹²⁸ twice: denormal sums, 0
	a[2*lda], b[2] = one, toBF16Bits(0x1p-120)                           // normal: kept
	amxBF16Generic(amxShape{3, 0, 1}, 1, 1, a, amxA{lda, amxTile, amxRows * lda}, b, c, nr, false)
	for i, want := range []float32{0, 0, 0x1p-120} {
		if got := c[i*nr+i]; got != want {
			t.Errorf("row %d: c = %v, want %v", i, got, want)
		}
	}
}

func toBF16Bits(f float32) uint32 { return uint32(toBF16(f)) }

// TestAMXConfig pins the tile configuration's bytes.
func TestAMXConfig(t *testing.T) {
	c := amxShape{16, 5, 3}.config()
	want := map[int]byte{0: 1, 16: 64, 18: 64, 20: 64, 22: 64, 24: 12, 26: 12, 28: 64, 30: 64,
		48: 16, 49: 16, 50: 5, 51: 5, 52: 16, 53: 5, 54: 3, 55: 3}
	for i, v := range c {
		if v != want[i] {
			t.Errorf("byte %d = %d, want %d", i, v, want[i])
		}
	}
	if c := (amxShape{7, 0, 16}).config(); c[50] != 0 || c[53] != 0 || c[20] != 0 || c[26] != 0 || c[24] != 64 {
		t.Errorf("one row tile: tiles 2, 3, 5 configured: % x", c[16:56])
	}
}

// TestAMXCut: one thread gets whole panels; more threads get as many row
// blocks as shorten the slowest thread's share.
func TestAMXCut(t *testing.T) {
	for _, c := range []struct{ m, n, threads, want int }{
		{197, 2304, 1, 224}, {197, 768, 2, 224}, {197, 768, 16, 224}, {197, 2304, 16, 224},
		{16, 64, 4, 32}, {3152, 768, 16, 800}, {3152, 768, 1, 3168}, {197, 64, 16, 32},
	} {
		if got := amxCut(c.m, c.n, c.threads); got != c.want {
			t.Errorf("amxCut(%d, %d, %d) = %d, want %d", c.m, c.n, c.threads, got, c.want)
		}
	}
}

// TestAMXGenericNoAllocs: amxGemm allocates nothing after warm-up.
func TestAMXGenericNoAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts are not meaningful under the race detector")
	}
	r := rand.New(rand.NewPCG(47, 48))
	for _, p := range []Precision{BF16, INT8} {
		c := newLinearCase(r, 50, 130, 70, 70, 130, true, true, ActGELU)
		c.pb = c.pb.To(p)
		pool := NewPool(2)
		for _, tiled := range []bool{false, true} {
			withTiled(tiled, func() {
				withLow(p, amxTwin, func() {
					y, _ := c.run(pool)
					ep := Epilogue{Bias: c.bias, Act: c.act, Residual: y}
					if n := testing.AllocsPerRun(10, func() { Linear(pool, y, c.ldy, c.x, c.ldx, c.m, c.pb, ep) }); n != 0 {
						t.Errorf("%v tiled=%v: Linear on amxGemm allocates %v times per call after warm-up", p, tiled, n)
					}
				})
			})
		}
	}
}
