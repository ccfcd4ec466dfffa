package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestPoolShared: calls from several goroutines on one pool, and calls
// nested inside Pool.For, give the same bits as a lone call and never
// deadlock; with 197 rows the calls split their rows by owner, and a
// nested call, finding no worker free, runs every owner's share itself.
func TestPoolShared(t *testing.T) {
	r := rand.New(rand.NewPCG(21, 22))
	for _, m := range []int{40, 197} {
		poolShared(t, newLinearCase(r, m, 130, 70, 70, 130, true, false, ActGELU))
	}
}

func poolShared(t *testing.T, c *linearCase) {
	t.Helper()
	p := NewPool(2)
	want, _ := c.run(p)
	check := func(got []float32) {
		for i := range want {
			if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
				t.Errorf("m=%d: y[%d] = %v, alone %v", c.m, i, got[i], want[i])
				return
			}
		}
	}
	var wg sync.WaitGroup
	outs := make([][]float32, 4)
	for g := range outs {
		wg.Go(func() { outs[g], _ = c.run(p) })
	}
	wg.Wait()
	nested := make([][]float32, 3)
	p.For(len(nested), func(i int) { nested[i], _ = c.run(p) })
	for _, y := range append(outs, nested...) {
		check(y)
	}
}

// TestPoolParked: shares reach workers that have stopped spinning and
// parked, and give the same bits as workers still spinning.
func TestPoolParked(t *testing.T) {
	r := rand.New(rand.NewPCG(23, 24))
	c := newLinearCase(r, 50, 200, 90, 90, 200, true, false, ActGELU)
	p := NewPool(3)
	want, _ := c.run(p)
	for range 3 {
		time.Sleep(20 * spinFor) // every worker parks
		got, _ := c.run(p)
		for i := range want {
			if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
				t.Fatalf("after parking y[%d] = %v, spinning %v", i, got[i], want[i])
			}
		}
	}
}

// TestPoolStops: the workers of a pool nobody references end.
func TestPoolStops(t *testing.T) {
	before := settledGoroutines()
	func() {
		r := rand.New(rand.NewPCG(25, 26))
		c := newLinearCase(r, 30, 130, 40, 40, 130, false, false, ActNone)
		p := NewPool(4)
		c.run(p)
		if n := len(p.tm.ws); n != 3 { // counting goroutines here would also count other pools' ending
			t.Fatalf("a 4-thread pool started %d workers", n)
		}
	}()
	deadline := time.Now().Add(10 * time.Second)
	for runtime.NumGoroutine() > before {
		if time.Now().After(deadline) {
			t.Fatalf("%d goroutines left, %d before the pool", runtime.NumGoroutine(), before)
		}
		runtime.GC()
		time.Sleep(time.Millisecond)
	}
}

// settledGoroutines collects the pools earlier tests dropped and returns
// the number of goroutines once their workers have ended (two counts in a
// row equal), so that they do not leave while TestPoolStops counts.
func settledGoroutines() int {
	n := runtime.NumGoroutine()
	for range 200 {
		runtime.GC()
		time.Sleep(time.Millisecond)
		m := runtime.NumGoroutine()
		if m == n {
			return m
		}
		n = m
	}
	return n
}

// TestPoolFor: For runs every index exactly once, for counts below, at and
// past the runs its goroutines share.
func TestPoolFor(t *testing.T) {
	for _, threads := range []int{1, 2, 3} {
		p := NewPool(threads)
		for _, n := range []int{0, 1, 2, 5, 16, 17, 48, 49, 1000} {
			seen := make([]int32, n)
			p.For(n, func(i int) { seen[i]++ })
			for i, c := range seen {
				if c != 1 {
					t.Fatalf("threads=%d n=%d: index %d ran %d times", threads, n, i, c)
				}
			}
		}
	}
}

// spinJob is a run's share of w units of busy work.
type spinJob struct {
	w    int
	sink atomic.Int64
}

func (j *spinJob) do(int) {
	s := 0
	for i := range j.w {
		s += i * i
	}
	j.sink.Add(int64(s))
}

// BenchmarkPoolRun is the cost of one run on all of a pool's threads, the
// dispatch, wake-up and wait that every kernel call pays (a ViT-B/16
// forward pass makes about a hundred): shares of no work, and shares of
// about 5 µs, a LayerNorm's 12 rows of 768 at 16 threads; 2 and all
// CPUs' threads.
func BenchmarkPoolRun(b *testing.B) {
	threads := []int{2}
	if n := runtime.NumCPU(); n > 2 {
		threads = append(threads, n)
	}
	for _, th := range threads {
		for _, work := range []int{0, 10000} {
			b.Run(fmt.Sprintf("threads=%d/work=%d", th, work), func(b *testing.B) {
				p := NewPool(th)
				j := &spinJob{w: work}
				var done latch
				p.run(th, j, &done)
				for b.Loop() {
					p.run(th, j, &done)
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/1e3, "µs/run")
			})
		}
	}
}
