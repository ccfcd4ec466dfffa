package kernels

import (
	"sync/atomic"
)

// scratch is one worker's reusable memory. Scratch buffers are kept on the
// pool and reused, so no call allocates after the first few.
type scratch struct {
	buf   []float32 // GEMM accumulator block
	apad  []float32 // the last, partial row tile of A, zero-padded; wgJob's packed row tiles
	att   attScratch
	g     gemm          // a Linear call, when this scratch is its caller's
	aj    attJob        // an Attention call, likewise
	ln    lnJob         // a LayerNorm call, likewise
	wg    wgJob         // a WeightGrad call on tileT, likewise
	ab    attBwdScratch // AttentionBackward, one head at a time
	e     []float32     // ActBackward's exponentials
	bpack []float32     // a weight gradient's B panels, packed as used (wgJob)
}

// lnJob is one LayerNorm call; its items are runs of rows.
type lnJob struct {
	im                  *impl
	dst, x, gamma, beta []float32
	mean, rstd          []float32 // nil, or each row's statistics
	rows, D             int
	eps                 float32
	deal                rowDealer
	done                latch
}

// lnRows is the most rows of a LayerNorm item.
const lnRows = 8

// plan cuts the rows into items of at most lnRows, as even over the
// threads as whole rows allow (197 rows on 16 threads: 29 items of 7, a
// thread doing at most 14 rows, against 16 with items of 8), by owner
// where owners says so, and returns how many goroutines to run.
func (j *lnJob) plan(threads int) int {
	items := threads * ceilDiv(j.rows, threads*lnRows)
	return j.deal.plan(j.rows, max(1, ceilDiv(j.rows, items)), threads)
}

func (j *lnJob) do(w int) {
	k := j.im.fp32
	for r0, r1, ok := j.deal.take(w); ok; r0, r1, ok = j.deal.take(w) {
		if j.mean == nil {
			normRows(k, j.dst[r0*j.D:], j.x[r0*j.D:], r1-r0, j.D, j.D, j.gamma, j.beta, j.eps)
			continue
		}
		for r := r0; r < r1; r++ {
			dst, x := j.dst[r*j.D:(r+1)*j.D], j.x[r*j.D:(r+1)*j.D]
			j.mean[r], j.rstd[r] = k.layerNormStats(dst, x, j.gamma, j.beta, j.eps)
		}
	}
}

// normRows runs k.layerNorm on rows rows of n floats of x into dst, both
// ld apart, two at a time where k has layerNorm2.
func normRows(k *fp32Kernels, dst, x []float32, rows, n, ld int, gamma, beta []float32, eps float32) {
	r := 0
	if k.layerNorm2 != nil {
		for ; r+2 <= rows; r += 2 {
			k.layerNorm2(dst[r*ld:(r+1)*ld+n], x[r*ld:(r+1)*ld+n], n, ld, gamma, beta, eps)
		}
	}
	for ; r < rows; r++ {
		k.layerNorm(dst[r*ld:r*ld+n], x[r*ld:r*ld+n], gamma, beta, eps)
	}
}

// getScratch takes a scratch from the pool's free list.
func (p *Pool) getScratch() *scratch {
	p.mu.Lock()
	defer p.mu.Unlock()
	if n := len(p.free); n > 0 {
		s := p.free[n-1]
		p.free = p.free[:n-1]
		return s
	}
	return new(scratch)
}

func (p *Pool) putScratch(s *scratch) {
	p.mu.Lock()
	p.free = append(p.free, s)
	p.mu.Unlock()
}

// grow returns s resized to n, reallocating only when it is too short.
func grow[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n)
	}
	return s[:n]
}

// forJob adapts Pool.For to a job: runs of per consecutive indices, taken
// in turn by whichever goroutine asks first.
type forJob struct {
	n, per int
	fn     func(i int)
	next   counter
}

func (f *forJob) do(int) {
	for c := f.next.take(); c*f.per < f.n; c = f.next.take() {
		for i := c * f.per; i < min((c+1)*f.per, f.n); i++ {
			f.fn(i)
		}
	}
}

// forRuns is how many runs of indices Pool.For makes per goroutine: a
// goroutine that starts late, or that the OS deschedules on a loaded
// machine, leaves its runs to the others instead of making them wait.
const forRuns = 8

// For runs fn(i) for every i in [0, n), spread over the pool's goroutines;
// which goroutine runs which i varies from call to call, so fn(i) must not
// depend on it.
func (p *Pool) For(n int, fn func(i int)) {
	if n <= 0 {
		return
	}
	workers := min(p.threads, n)
	var done latch
	p.run(workers, &forJob{n: n, per: max(1, n/(workers*forRuns)), fn: fn}, &done)
}

// counter hands out work items in order to whichever worker asks first.
type counter struct{ next atomic.Int64 }

func (c *counter) take() int { return int(c.next.Add(1) - 1) }
