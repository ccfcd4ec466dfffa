package kernels

import (
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// job is a unit of parallel work: do(w) runs the share of worker w. Jobs
// are passed as interfaces holding pointers, so dispatch does not allocate.
type job interface{ do(w int) }

// latch counts the shares of one run still on other goroutines.
type latch struct{ n atomic.Int32 }

// spinFor is how long an idle worker polls for its next share before it
// parks. A forward pass dispatches a few hundred jobs, microseconds apart;
// waking a parked goroutine costs tens of microseconds on this VM (the
// runtime readies it, then an idle thread must be woken through a futex),
// and a share handed to a worker that is not yet back waiting would be
// done by the caller alone. ViT-B/16 batch 1 on 2 threads, medians of 5
// interleaved runs of 8 passes: 131.2 ms parking at once, 124.4 ms
// spinning (the blocking of gemm.go as before).
var spinFor = 200 * time.Microsecond

// Worker states: idle (polling or about to), claimed by a dispatcher,
// parked on its wake channel.
const (
	wIdle int32 = iota
	wClaimed
	wParked
)

// worker is one long-lived goroutine's mailbox. A dispatcher claims an
// idle or parked worker by CAS, writes the task, then sets ready; a parked
// worker is also sent a wake token.
type worker struct {
	state atomic.Int32
	ready atomic.Bool
	quit  atomic.Bool
	t     task
	wake  chan struct{} // capacity 1
}

type task struct {
	j    job
	w    int
	done *latch
}

// team is a pool's workers. It holds no reference to the Pool, so an
// unreachable Pool is collected and its cleanup stops the team.
type team struct {
	once  sync.Once
	ws    []*worker
	wakes atomic.Int64 // parked workers woken for a share, for benchmarks
}

func (tm *team) start(n int) {
	tm.ws = make([]*worker, n)
	for i := range tm.ws {
		k := &worker{wake: make(chan struct{}, 1)}
		tm.ws[i] = k
		go k.loop()
	}
}

// stopTeam ends every worker; no dispatcher may use the team afterwards.
func stopTeam(ws []*worker) {
	for _, k := range ws {
		k.quit.Store(true)
		select {
		case k.wake <- struct{}{}:
		default:
		}
	}
}

func (k *worker) loop() {
	for k.await() {
		t := k.t
		k.t = task{}
		k.ready.Store(false)
		t.j.do(t.w)
		k.state.Store(wIdle)
		t.done.n.Add(-1)
	}
}

// await polls for a task for spinFor, then parks until woken. It reports
// false when the team is stopped.
func (k *worker) await() bool {
	var deadline time.Time
	for i := 1; ; i++ {
		if k.ready.Load() {
			return true
		}
		if i%64 != 0 {
			continue
		}
		if k.quit.Load() {
			return false
		}
		now := time.Now()
		switch {
		case deadline.IsZero():
			deadline = now.Add(spinFor)
		case now.After(deadline) && k.state.CompareAndSwap(wIdle, wParked):
			<-k.wake
			deadline = time.Time{}
		}
		runtime.Gosched() // let other goroutines of this P run
	}
}

// claim takes an idle or parked worker for one task, looking from index
// from on, or returns nil when all are busy (another caller's shares, or
// a nested run). The state is read before it is swapped: a failed
// compare-and-swap still takes the cache line from the worker polling
// it, and a run's dispatch would make Σw of them (120 at 16 threads)
// when it scanned from the first worker for each share.
func (tm *team) claim(from int) (k *worker, parked bool, at int) {
	n := len(tm.ws)
	for i := range n {
		at = (from + i) % n
		k := tm.ws[at]
		if st := k.state.Load(); (st == wIdle || st == wParked) && k.state.CompareAndSwap(st, wClaimed) {
			return k, st == wParked, at
		}
	}
	return nil, false, 0
}

// run calls j.do(w) for w in [0, n): w = 0 on the calling goroutine, the
// others on idle workers. A share no worker is free to take runs on the
// caller, so nested and concurrent use cannot deadlock; results never
// depend on who runs which share. The caller waits for its shares by
// polling, since they end within one work item of its own, then, past
// spinFor, by sleeping polls.
func (p *Pool) run(n int, j job, done *latch) {
	if n <= 1 || p.threads <= 1 {
		for w := range n {
			j.do(w)
		}
		return
	}
	p.tm.once.Do(func() {
		p.tm.start(p.threads - 1)
		runtime.AddCleanup(p, stopTeam, p.tm.ws)
	})
	from := 0
	for w := 1; w < n; w++ {
		k, parked, at := p.tm.claim(from)
		from = at + 1
		if k == nil {
			j.do(w)
			continue
		}
		done.n.Add(1)
		k.t = task{j, w, done}
		k.ready.Store(true)
		if parked {
			p.tm.wakes.Add(1)
			k.wake <- struct{}{}
		}
	}
	j.do(0)
	var deadline time.Time
	for i := 0; done.n.Load() != 0; i++ {
		if i%64 != 63 {
			continue
		}
		now := time.Now()
		switch {
		case deadline.IsZero():
			deadline = now.Add(spinFor)
		case now.After(deadline):
			time.Sleep(waitPoll)
			continue
		}
		runtime.Gosched()
	}
}

// waitPoll is how often a caller whose shares are still running after
// spinFor looks again, sleeping in between: on a loaded machine the OS
// deschedules a worker in the middle of a share for milliseconds, and
// spinning all that time doubled the CPU time the wait cost.
var waitPoll = 20 * time.Microsecond
