package kernels

import (
	"math"
	"math/rand/v2"
	"sync"
	"testing"
)

// TestPoolShared: calls from several goroutines on one pool, and calls
// nested inside Pool.For, give the same bits as a lone call and never
// deadlock.
func TestPoolShared(t *testing.T) {
	r := rand.New(rand.NewPCG(21, 22))
	c := newLinearCase(r, 40, 130, 70, 70, 130, true, false, ActGELU)
	p := NewPool(2)
	want, _ := c.run(p)
	check := func(got []float32) {
		for i := range want {
			if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
				t.Errorf("y[%d] = %v, alone %v", i, got[i], want[i])
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
