package kernels

import (
	"math/rand/v2"
	"testing"
)

// TestOwners: owners' runs are whole tiles, cover the rows, each owner
// has some, and rows are split only on 2 to ownThreads threads with at
// least minOwnTiles tiles each.
func TestOwners(t *testing.T) {
	for _, c := range []struct{ m, threads, parts, per int }{
		{197, 1, 0, 0}, {197, 2, 2, 102}, {197, 3, 3, 66}, {197, 4, 4, 54}, {197, 5, 0, 0},
		{96, 2, 2, 48}, {90, 2, 0, 0}, {3152, 2, 2, 1578}, {3152, 4, 4, 792}, {0, 2, 0, 0},
	} {
		parts, per := owners(c.m, mr6, c.threads)
		if parts != c.parts || per != c.per {
			t.Errorf("owners(%d, threads %d) = %d of %d rows, want %d of %d", c.m, c.threads, parts, per, c.parts, c.per)
		}
		if parts > 0 && (per%mr6 != 0 || parts*per < c.m || (parts-1)*per >= c.m) {
			t.Errorf("owners(%d, threads %d): %d runs of %d rows do not cut the rows", c.m, c.threads, parts, per)
		}
	}
}

// TestOwnedItems: every item is handed out once, whichever workers ask and
// in whatever order, a worker getting its own run's (w%parts) items while
// any is left.
func TestOwnedItems(t *testing.T) {
	r := rand.New(rand.NewPCG(41, 42))
	for _, c := range []struct{ parts, each, workers int }{{2, 5, 2}, {3, 1, 1}, {4, 7, 6}, {maxOwners, 3, 2}} {
		var o ownedItems
		for round := range 3 { // reset must make a used dealer whole again
			o.reset(c.parts, c.each)
			seen := make([]int, c.parts*c.each)
			taken := make([]int, c.parts)
			for {
				w := r.IntN(c.workers)
				q, k, ok := o.take(w)
				if !ok {
					break
				}
				if own := w % c.parts; q != own && taken[own] < c.each {
					t.Errorf("parts=%d workers=%d: worker %d took owner %d's item with %d of its own left", c.parts, c.workers, w, q, c.each-taken[own])
				}
				taken[q]++
				seen[q*c.each+k]++
			}
			for i, n := range seen {
				if n != 1 {
					t.Fatalf("parts=%d each=%d round %d: item %d handed out %d times", c.parts, c.each, round, i, n)
				}
			}
		}
	}
}

// TestRowDealer: the runs cover every row once, at most step rows each,
// within one owner's rows when split by owner, when only worker 0 asks
// (the others never started) as when all do.
func TestRowDealer(t *testing.T) {
	for _, c := range []struct{ rows, step, threads, workers int }{
		{197, 8, 2, 2}, {197, 16, 2, 2}, {197, 8, 1, 1}, {197, 7, 16, 16}, {3152, 16, 4, 4}, {5, 16, 2, 1},
	} {
		for _, alone := range []bool{false, true} {
			var d rowDealer
			workers := d.plan(c.rows, c.step, c.threads)
			if workers != c.workers {
				t.Errorf("rows=%d threads=%d: %d workers, want %d", c.rows, c.threads, workers, c.workers)
			}
			seen := make([]int, c.rows)
			for w := 0; ; w = (w + 1) % workers {
				if alone {
					w = 0
				}
				r0, r1, ok := d.take(w)
				if !ok {
					break
				}
				if r1-r0 > c.step || r0 >= r1 || d.per > 0 && r0/d.per != (r1-1)/d.per {
					t.Fatalf("rows=%d threads=%d: run [%d, %d)", c.rows, c.threads, r0, r1)
				}
				for r := r0; r < r1; r++ {
					seen[r]++
				}
			}
			for r, n := range seen {
				if n != 1 {
					t.Fatalf("rows=%d threads=%d alone=%v: row %d dealt %d times", c.rows, c.threads, alone, r, n)
				}
			}
		}
	}
}
