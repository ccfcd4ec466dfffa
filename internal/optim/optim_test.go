package optim

import (
	"math"
	"testing"
)

// TestAdamWFirstStep: after one step every moment is bias-corrected to g
// and g², so each weight moves by lr·g/(|g| + ε) ≈ ±lr after the decay
// w·(1 − lr·λ) (PyTorch's first AdamW step).
func TestAdamWFirstStep(t *testing.T) {
	w, g := []float32{1, -2, 0.5}, []float32{0.3, -0.01, 0}
	o := NewAdamW()
	o.Add("w", w, g, 0.1)
	o.Step(0.01)
	want := []float64{1*(1-0.001) - 0.01*0.3/(0.3+1e-8), -2*(1-0.001) + 0.01*0.01/(0.01+1e-8), 0.5 * (1 - 0.001)}
	for i := range w {
		if math.Abs(float64(w[i])-want[i]) > 1e-6 {
			t.Errorf("w[%d] = %v, want %v", i, w[i], want[i])
		}
	}
	if o.Steps() != 1 {
		t.Errorf("steps %d", o.Steps())
	}
}

func TestSchedules(t *testing.T) {
	oc := NewOneCycle(1e-2, 100, 0.1)
	for _, c := range []struct {
		s    int
		want float64
	}{{0, 1e-2 / 25}, {9, 1e-2}, {99, 1e-2 / 25 / 1e4}} {
		if got := oc.LR(c.s); math.Abs(got-c.want) > 1e-12 {
			t.Errorf("one-cycle step %d: %g, want %g", c.s, got, c.want)
		}
	}
	wc := WarmupCosine{Max: 1, Min: 0, Warmup: 4, Total: 14}
	for _, c := range []struct {
		s    int
		want float64
	}{{0, 0.25}, {3, 1}, {4, 1}, {9, 0.5}, {14, 0}, {20, 0}} {
		if got := wc.LR(c.s); math.Abs(got-c.want) > 1e-12 {
			t.Errorf("warm-up+cosine step %d: %g, want %g", c.s, got, c.want)
		}
	}
	if lr := NewOneCycle(1, 5, 0.1).LR(0); math.IsNaN(lr) || lr <= 0 {
		t.Errorf("one-cycle with no warm-up step: lr %g", lr)
	}
	// One step in all (finetune --epochs 1 on fewer images than a batch)
	// was 0/0 = NaN, and NaN weights were saved.
	for _, pct := range []float64{0, 0.1, 0.5, 0.99} {
		if lr := NewOneCycle(1e-2, 1, pct).LR(0); lr != 1e-2 {
			t.Errorf("one-cycle of one step, warm-up %g: lr %g, want the peak 0.01", pct, lr)
		}
	}
}
