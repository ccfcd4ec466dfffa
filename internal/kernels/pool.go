package kernels

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// job is a unit of parallel work: do(w) runs the share of worker w. Jobs
// are passed as interfaces holding pointers, so dispatch does not allocate.
type job interface{ do(w int) }

// task is what a worker goroutine receives.
type task struct {
	j  job
	w  int
	wg *sync.WaitGroup
}

// workers are the pool's long-lived goroutines. They hold only the channel,
// so an unreachable Pool can be collected; its cleanup closes the channel.
type workers struct {
	once sync.Once
	ch   chan task
}

func (ws *workers) start(n int) {
	ws.ch = make(chan task)
	for range n {
		go func(ch <-chan task) {
			for t := range ch {
				t.j.do(t.w)
				t.wg.Done()
			}
		}(ws.ch)
	}
}

// run calls j.do(w) for w in [0, n): w = 0 on the calling goroutine, the
// others on idle workers. A share no worker is free to take runs on the
// caller, so nested use cannot deadlock; results never depend on who runs
// which share.
func (p *Pool) run(n int, j job, wg *sync.WaitGroup) {
	if n <= 1 || p.threads <= 1 {
		for w := range n {
			j.do(w)
		}
		return
	}
	p.ws.once.Do(func() {
		p.ws.start(p.threads - 1)
		runtime.AddCleanup(p, func(ch chan task) { close(ch) }, p.ws.ch)
	})
	for w := 1; w < n; w++ {
		wg.Add(1)
		select {
		case p.ws.ch <- task{j, w, wg}:
		default:
			wg.Done()
			j.do(w)
		}
	}
	j.do(0)
	wg.Wait()
}

// scratch is one worker's reusable memory. Scratch buffers are kept on the
// pool and reused, so no call allocates after the first few.
type scratch struct {
	buf  []float32 // GEMM accumulator block
	apad []float32 // the last, partial row tile of A, zero-padded
	att  attScratch
	g    gemm   // a Linear call, when this scratch is its caller's
	aj   attJob // an Attention call, likewise
	ln   lnJob  // a LayerNorm call, likewise
}

// lnJob is one LayerNorm call; its items are runs of lnRows rows.
type lnJob struct {
	im                  *impl
	dst, x, gamma, beta []float32
	rows, D             int
	eps                 float32
	next                counter
	wg                  sync.WaitGroup
}

const lnRows = 8

func (j *lnJob) do(int) {
	for it := j.next.take(); it*lnRows < j.rows; it = j.next.take() {
		for r := it * lnRows; r < min((it+1)*lnRows, j.rows); r++ {
			j.im.layerNorm(j.dst[r*j.D:(r+1)*j.D], j.x[r*j.D:(r+1)*j.D], j.gamma, j.beta, j.eps)
		}
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
func grow(s []float32, n int) []float32 {
	if cap(s) < n {
		return make([]float32, n)
	}
	return s[:n]
}

// forJob adapts Pool.For to a job: worker w runs a contiguous range.
type forJob struct {
	n, workers int
	fn         func(i int)
}

func (f *forJob) do(w int) {
	for i := w * f.n / f.workers; i < (w+1)*f.n/f.workers; i++ {
		f.fn(i)
	}
}

// For runs fn(i) for every i in [0, n), spread over the pool's goroutines.
func (p *Pool) For(n int, fn func(i int)) {
	workers := min(p.threads, n)
	var wg sync.WaitGroup
	p.run(workers, &forJob{n: n, workers: workers, fn: fn}, &wg)
}

// counter hands out work items in order to whichever worker asks first.
type counter struct{ next atomic.Int64 }

func (c *counter) take() int { return int(c.next.Add(1) - 1) }
