//go:build !purego

package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"runtime"
	"sync"
	"testing"
	"time"

	"golang.org/x/sys/cpu"
)

// needAMX skips the test where AMX cannot run, saying which check failed;
// with VITCTL_REQUIRE_AMX=1 (the device script) it fails instead.
func needAMX(t testing.TB) {
	t.Helper()
	if features.amx {
		return
	}
	msg := fmt.Sprintf("no AMX: tile %v bf16 %v int8 %v, avx512bf16 %v vnni %v, osxsave %v",
		cpu.X86.HasAMXTile, cpu.X86.HasAMXBF16, cpu.X86.HasAMXInt8, features.avx512BF16, features.avx512VNNI, cpu.X86.HasOSXSAVE)
	if cpu.X86.HasOSXSAVE {
		msg += fmt.Sprintf(", XCR0 %#x", xgetbv0())
	}
	if os.Getenv("VITCTL_REQUIRE_AMX") == "1" {
		t.Fatal(msg + " (VITCTL_REQUIRE_AMX=1)")
	}
	t.Skip(msg)
}

// TestAMXAvailable: where AMX runs, "amx" can be selected and is chosen by
// default for bf16 and int8.
func TestAMXAvailable(t *testing.T) {
	needAMX(t)
	defer func(old [len(sel)]*impl) { sel = old }(sel)
	if err := Select("amx"); err != nil {
		t.Fatal(err)
	}
	if err := Select("auto"); err != nil {
		t.Fatal(err)
	}
	for _, p := range []Precision{BF16, INT8} {
		if SelectedFor(p) != "amx" {
			t.Fatalf("%v: auto selected %s on an AMX CPU", p, SelectedFor(p))
		}
	}
}

// amxCallCase is one AMX call's random operands.
type amxCallCase struct {
	s                amxShape
	nblk, steps, lda int
	l                amxA // a's layout: rows of lda groups, or after relaid any
	a, b             []uint32
	c0               []float32
	ci0              []int32
	acc              bool
}

func newAMXCallCase(r *rand.Rand, s amxShape, nblk, steps int, acc bool, small bool) *amxCallCase {
	c := &amxCallCase{s: s, nblk: nblk, steps: steps, lda: steps*amxTile + 3, acc: acc}
	c.l = amxA{c.lda, amxTile, amxRows * c.lda}
	rows := (nblk-1)*amxRows + s.rows0 + s.rows1
	c.a = make([]uint32, rows*c.lda)
	c.b = make([]uint32, ((steps-1)*amxTile+s.kg)*nr)
	val := func() float32 {
		if small {
			return float32(r.IntN(17) - 8) // sums exact in any order
		}
		return float32(r.NormFloat64())
	}
	for i := range c.a {
		c.a[i] = toBF16Bits(val()) | toBF16Bits(val())<<16
	}
	for i := range c.b {
		c.b[i] = toBF16Bits(val()) | toBF16Bits(val())<<16
	}
	c.c0, c.ci0 = make([]float32, rows*nr), make([]int32, rows*nr)
	for i := range c.c0 {
		c.c0[i], c.ci0[i] = val(), int32(r.Uint32())>>8
	}
	return c
}

// relaid is c with A copied into layout l, the gaps filled with NaN
// (which no call may read).
func (c *amxCallCase) relaid(l amxA) *amxCallCase {
	d := *c
	d.l = l
	d.a = make([]uint32, (c.nblk-1)*l.block+(amxRows-1)*l.row+(c.steps-1)*l.step+amxTile)
	for i := range d.a {
		d.a[i] = 0x7fc07fc0
	}
	for blk := range c.nblk {
		for r := range c.s.rows0 + c.s.rows1 {
			for st := range c.steps {
				for k := range c.s.kg {
					d.a[blk*l.block+r*l.row+st*l.step+k] = c.a[blk*c.l.block+r*c.l.row+st*c.l.step+k]
				}
			}
		}
	}
	return &d
}

// amxCallShapes: both row-tile counts, row and K tails, several blocks
// and steps.
var amxCallShapes = []struct {
	s           amxShape
	nblk, steps int
}{
	{amxShape{16, 16, 16}, 1, 1}, {amxShape{16, 16, 16}, 3, 5}, {amxShape{16, 0, 16}, 1, 2},
	{amxShape{5, 0, 16}, 1, 12}, {amxShape{16, 9, 16}, 1, 3}, {amxShape{16, 16, 3}, 2, 1},
	{amxShape{1, 0, 1}, 1, 1}, {amxShape{16, 16, 16}, 6, 12}, {amxShape{11, 0, 7}, 1, 1},
	// bf16 attention at T = 197, hd = 64: Q·Kᵀ (32 groups) and E·V (99).
	{amxShape{16, 16, 16}, 6, 2}, {amxShape{5, 0, 16}, 1, 2}, {amxShape{16, 16, 3}, 6, 1}, {amxShape{5, 0, 3}, 1, 1},
}

// TestAMXCallsExact: on small integers (every sum exact) the bf16 call
// gives the twin's bits, and the int8 call always does. This pins the
// tile configuration, the VNNI layouts, strides, blocks and acc.
func TestAMXCallsExact(t *testing.T) {
	needAMX(t)
	r := rand.New(rand.NewPCG(51, 52))
	for _, sh := range amxCallShapes {
		for _, acc := range []bool{false, true} {
			c := newAMXCallCase(r, sh.s, sh.nblk, sh.steps, acc, true)
			name := fmt.Sprintf("%+v nblk=%d steps=%d acc=%v", sh.s, sh.nblk, sh.steps, acc)
			want, got := slicesClone(c.c0), slicesClone(c.c0)
			amxBF16Generic(c.s, c.nblk, c.steps, c.a, c.l, c.b, want, nr, acc)
			amxBF16(c.s, c.nblk, c.steps, c.a, c.l, c.b, got, nr, acc)
			if i := firstDiff(got, want); i >= 0 {
				t.Fatalf("bf16 %s: c[%d] = %v, twin gave %v", name, i, got[i], want[i])
			}
			wi, gi := slicesClone(c.ci0), slicesClone(c.ci0)
			amxI8Generic(c.s, c.nblk, c.steps, c.a, c.l, c.b, wi, nr, acc)
			amxI8(c.s, c.nblk, c.steps, c.a, c.l, c.b, gi, nr, acc)
			for i := range wi {
				if gi[i] != wi[i] {
					t.Fatalf("int8 %s: c[%d] = %d, twin gave %d", name, i, gi[i], wi[i])
				}
			}
		}
	}
}

// TestAMXCallsBF16Rounded compares the bf16 call with its twin on normal
// random values, where the order of the fp32 sums matters: within
// 2·(K+1)·eps32·(Σ|ab| + |c|) of the twin (both are within half of that of
// the exact sum), and it logs how many results are bitwise the twin's.
func TestAMXCallsBF16Rounded(t *testing.T) {
	needAMX(t)
	r := rand.New(rand.NewPCG(53, 54))
	same, total := 0, 0
	for _, sh := range amxCallShapes {
		c := newAMXCallCase(r, sh.s, sh.nblk, sh.steps, true, false)
		want, got := slicesClone(c.c0), slicesClone(c.c0)
		amxBF16Generic(c.s, c.nblk, c.steps, c.a, c.l, c.b, want, nr, true)
		amxBF16(c.s, c.nblk, c.steps, c.a, c.l, c.b, got, nr, true)
		k := 2 * ((c.steps-1)*amxTile + c.s.kg)
		for blk := range c.nblk {
			for rr := range c.s.rows0 + c.s.rows1 {
				row := blk*amxRows + rr
				for j := range amxCols {
					var sa float64
					for g := range k / 2 {
						st, kk := g/c.s.kg, g%c.s.kg
						ap, bp := c.a[row*c.lda+st*amxTile+kk], c.b[(st*amxTile+kk)*nr+j]
						sa += math.Abs(float64(fromBF16(uint16(ap)))*float64(fromBF16(uint16(bp)))) +
							math.Abs(float64(fromBF16(uint16(ap>>16)))*float64(fromBF16(uint16(bp>>16))))
					}
					i := row*nr + j
					tol := 2 * float64(k+1) * eps32 * (sa + math.Abs(float64(c.c0[i])))
					if d := math.Abs(float64(got[i]) - float64(want[i])); !(d <= tol) {
						t.Fatalf("%+v nblk=%d steps=%d: c[%d,%d] = %v, twin %v, |Δ| %.3g > %.3g", c.s, c.nblk, c.steps, row, j, got[i], want[i], d, tol)
					}
					total++
					if got[i] == want[i] {
						same++
					}
				}
			}
		}
	}
	t.Logf("bf16 AMX calls bitwise equal to the twin (SDM order) in %d of %d results", same, total)
}

// TestAMXLinearMatchesTwin: Linear on AMX against Linear with the twin
// calls on the ViT-B/16 shapes: bitwise for int8; for bf16, bounded by the
// bf16 Linear test's reference check (on a sample) and the bitwise share
// logged.
func TestAMXLinearMatchesTwin(t *testing.T) {
	needAMX(t)
	r := rand.New(rand.NewPCG(55, 56))
	for _, s := range []struct{ m, n, k int }{{197, 2304, 768}, {197, 768, 3072}, {50, 70, 3*amxKc + 10}} {
		for _, p := range []Precision{BF16, INT8} {
			c := newLinearCase(r, s.m, s.n, s.k, s.k, s.n, true, true, ActGELU)
			bc := &bf16Case{linearCase: c, xr: roundedBF16(c.x), wr: roundedBF16(c.w)}
			c.pb = c.pb.To(p)
			var want []float32
			withLow(p, amxTwin, func() { want, _ = c.run(NewPool(4)) })
			for _, tiled := range []bool{false, true} {
				var got []float32
				withTiled(tiled, func() {
					withLow(p, named("amx"), func() { got, _ = c.run(NewPool(4)) })
				})
				same := 0
				for i := range want {
					if math.Float32bits(got[i]) == math.Float32bits(want[i]) {
						same++
					} else if p == INT8 {
						t.Fatalf("int8 %dx%dx%d tiled=%v: y[%d] = %v, twin gave %v", s.m, s.n, s.k, tiled, i, got[i], want[i])
					}
				}
				if p == BF16 {
					for range 2000 {
						bc.check(t, got, r.IntN(s.m), r.IntN(s.n))
					}
				}
				t.Logf("%v %dx%dx%d tiled=%v: %d of %d outputs bitwise the twin's", p, s.m, s.n, s.k, tiled, same, len(want))
			}
		}
	}
}

// TestAMXAttentionMatchesTwin: bf16 attention on AMX against the same
// with the twin calls, on ViT-B/16's heads and with shares of the query rows (16
// threads): within TestAttentionBF16's bound of the float64 reference,
// the bitwise share logged, and bitwise the same for any thread count.
func TestAMXAttentionMatchesTwin(t *testing.T) {
	needAMX(t)
	const B, T, H, hd = 1, 197, 12, 64
	r := rand.New(rand.NewPCG(59, 60))
	qkv, _ := guarded(r, B*T*3*H*hd, 0)
	qr := roundedBF16(qkv)
	run := func(im *impl, threads int) []float32 {
		out := make([]float32, B*T*H*hd)
		withAttBF16(im, func() { AttentionAt(NewPool(threads), BF16, out, qkv, B, T, H, hd, 0.125, nil) })
		return out
	}
	want, got := run(amxTwin, 4), run(named("amx"), 4)
	if i := firstDiff(run(named("amx"), 16), got); i >= 0 {
		t.Fatalf("out[%d] differs between 4 and 16 threads", i)
	}
	same := 0
	for i := range want {
		if math.Float32bits(got[i]) == math.Float32bits(want[i]) {
			same++
		}
	}
	for range 200 {
		h, i := r.IntN(H), r.IntN(T)
		ref, _, pv, delta := attBound(qr, B, T, H, hd, 0.125, 0, h, i)
		for d, v := range ref {
			tol := (0x1p-8+4*delta+2*float64(T+hd+8)*eps32)*pv[d] + 1e-30
			if g := float64(got[i*H*hd+h*hd+d]); !(math.Abs(g-v) <= tol) {
				t.Fatalf("out[t=%d,h=%d,d=%d] = %v, want %v ± %.3g", i, h, d, g, v, tol)
			}
		}
	}
	t.Logf("bf16 attention %dx%dx%d: %d of %d outputs bitwise the twin's", T, H, hd, same, len(want))
}

// TestAMXStress runs AMX calls on many goroutines while the GC and
// asynchronous preemption move them between threads: every call loads its
// own tile configuration, so every result must be the first one's bits.
func TestAMXStress(t *testing.T) {
	needAMX(t)
	d := 3 * time.Second
	if testing.Short() {
		d = 300 * time.Millisecond
	}
	r := rand.New(rand.NewPCG(57, 58))
	c := newAMXCallCase(r, amxShape{16, 16, 16}, 2, 8, false, false)
	want := slicesClone(c.c0)
	amxBF16(c.s, c.nblk, c.steps, c.a, c.l, c.b, want, nr, false)
	wantI := slicesClone(c.ci0)
	amxI8(c.s, c.nblk, c.steps, c.a, c.l, c.b, wantI, nr, false)
	stop := time.Now().Add(d)
	var wg sync.WaitGroup
	errs := make(chan string, 1)
	for w := range 2 * runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			got, gotI := slicesClone(c.c0), slicesClone(c.ci0) // columns 32… are not written
			for n := 0; time.Now().Before(stop); n++ {
				if w%2 == 0 {
					amxBF16(c.s, c.nblk, c.steps, c.a, c.l, c.b, got, nr, false)
					if i := firstDiff(got, want); i >= 0 {
						select {
						case errs <- fmt.Sprintf("goroutine %d call %d: bf16 c[%d] = %v, want %v", w, n, i, got[i], want[i]):
						default:
						}
						return
					}
				} else {
					amxI8(c.s, c.nblk, c.steps, c.a, c.l, c.b, gotI, nr, false)
					for i := range gotI {
						if gotI[i] != wantI[i] {
							select {
							case errs <- fmt.Sprintf("goroutine %d call %d: int8 c[%d] = %d, want %d", w, n, i, gotI[i], wantI[i]):
							default:
							}
							return
						}
					}
				}
				if n%64 == 0 {
					_ = make([]byte, 1<<16) // garbage, so the GC runs
				}
			}
		})
	}
	wg.Wait()
	select {
	case e := <-errs:
		t.Fatal(e)
	default:
	}
}

func slicesClone[T any](s []T) []T { return append([]T(nil), s...) }
