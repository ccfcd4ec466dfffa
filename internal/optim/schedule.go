package optim

import "math"

// Schedule gives the learning rate of step s (0-based).
type Schedule interface {
	LR(s int) float64
}

// OneCycle is torch.optim.lr_scheduler.OneCycleLR with cosine annealing
// and no momentum cycling: from Max/DivFactor up to Max over the first
// PctStart of Total steps, then down to Max/DivFactor/FinalDivFactor.
type OneCycle struct {
	Max, PctStart             float64
	Total                     int
	DivFactor, FinalDivFactor float64
}

// NewOneCycle is OneCycle with PyTorch's defaults for the factors (25, 1e4).
func NewOneCycle(max float64, total int, pctStart float64) OneCycle {
	return OneCycle{Max: max, PctStart: pctStart, Total: total, DivFactor: 25, FinalDivFactor: 1e4}
}

// LR follows PyTorch's phase arithmetic: the warm-up ends at step
// PctStart·Total − 1, the annealing at Total − 1.
func (o OneCycle) LR(s int) float64 {
	initial := o.Max / o.DivFactor
	final := initial / o.FinalDivFactor
	end1 := o.PctStart*float64(o.Total) - 1
	end2 := float64(o.Total - 1)
	x := float64(s)
	if end1 <= 0 { // no warm-up step
		end1 = 0
	} else if x <= end1 {
		return cosAnneal(initial, o.Max, x/end1)
	}
	if end2 <= end1 {
		// One step: nothing to anneal over (0/0 below). It takes the peak
		// rate, as the first step does when there is no warm-up step;
		// PyTorch gives the final rate, Max/250000, which learns nothing.
		return o.Max
	}
	return cosAnneal(o.Max, final, (x-end1)/(end2-end1))
}

// cosAnneal goes from start (pct 0) to end (pct 1) along half a cosine.
func cosAnneal(start, end, pct float64) float64 {
	return end + (start-end)/2*(math.Cos(math.Pi*pct)+1)
}

// WarmupCosine rises linearly from 0 to Max over Warmup steps, then falls
// along half a cosine to Min at step Total.
type WarmupCosine struct {
	Max, Min      float64
	Warmup, Total int
}

// LR is the rate of step s.
func (w WarmupCosine) LR(s int) float64 {
	if s < w.Warmup {
		return w.Max * float64(s+1) / float64(w.Warmup)
	}
	pct := float64(s-w.Warmup) / float64(max(w.Total-w.Warmup, 1))
	return cosAnneal(w.Max, w.Min, min(pct, 1))
}
