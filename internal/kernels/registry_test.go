package kernels

import (
	"slices"
	"strings"
	"testing"
)

// TestRegistry checks the table's invariants: unique names, the packed
// panel width everywhere, generic last with every precision, kernels in
// every entry that runs (the assembly ones are nil without assembly), and
// in every fp32 set the kernels that have no fallback.
func TestRegistry(t *testing.T) {
	seen := map[string]bool{}
	for _, im := range registry {
		if seen[im.name] {
			t.Errorf("%s: listed twice", im.name)
		}
		seen[im.name] = true
		if im.nr != nr || im.mr <= 0 {
			t.Errorf("%s: tile %d×%d, want mr > 0 and nr = %d (packed weights are shared)", im.name, im.mr, im.nr, nr)
		}
		if im.ok && !im.has(FP32) && !im.has(BF16) && !im.has(INT8) {
			t.Errorf("%s: runnable, with no kernels", im.name)
		}
		// WeightGrad and attention's backward run on tileT and sumRows
		// alone: the transposing fallback is gone.
		if im.has(FP32) && (im.fp32.tileT == nil || im.fp32.sumRows == nil) {
			t.Errorf("%s: fp32 kernels without tileT or sumRows", im.name)
		}
	}
	if g := registry[len(registry)-1]; g != generic || !g.ok || !g.has(FP32) || !g.has(BF16) || !g.has(INT8) {
		t.Errorf("the last entry must be generic, runnable, with every precision")
	}
}

func TestSelect(t *testing.T) {
	defer func(old [len(sel)]*impl) { sel = old }(sel)
	for _, p := range []Precision{FP32, BF16, INT8} {
		want := "generic"
		if p == BF16 { // bf16 products in Go are slower than fp32's
			want = "generic via fp32"
		}
		if err := Select("generic"); err != nil || SelectedFor(p) != want {
			t.Fatalf("Select(generic) = %v, SelectedFor(%v) = %s, want %s", err, p, SelectedFor(p), want)
		}
	}
	for _, tc := range []struct{ name, err string }{
		{"nope", `unknown kernel "nope" (want auto or one of ` + strings.Join(Known(), ", ")},
		{"", ""},
		{"auto", ""},
	} {
		err := Select(tc.name)
		if tc.err == "" && err != nil || tc.err != "" && (err == nil || !strings.HasPrefix(err.Error(), tc.err)) {
			t.Errorf("Select(%q) = %v, want %q", tc.name, err, tc.err)
		}
	}
	// A named implementation serves the precisions it has, the best
	// runnable one the others; auto is the best for each.
	for _, im := range registry {
		err := Select(im.name)
		if !im.ok {
			if err == nil || !strings.Contains(err.Error(), "cannot run on this CPU or build") {
				t.Errorf("Select(%s), not runnable here: %v", im.name, err)
			}
			continue
		}
		for _, p := range []Precision{FP32, BF16, INT8} {
			want := best(p)
			if im.has(p) {
				want = im
			}
			if err != nil || sel[p] != want {
				t.Errorf("Select(%s): %v runs %s (%v), want %s", im.name, p, sel[p].name, err, want.name)
			}
		}
	}
	if err := Select("auto"); err != nil || Selected() != best(FP32).name {
		t.Errorf("Select(auto) = %v, Selected() = %s, want %s", err, Selected(), best(FP32).name)
	}
	if avail := strings.Split(Available(), ", "); !slices.Contains(avail, "generic") {
		t.Errorf("Available() = %s lacks generic", Available())
	}
}

// TestBestSkipsSlow: auto takes the first runnable entry that is not slow
// for a precision, so a CPU with slow VDPBF16PS runs bf16 on fp32 tiles.
func TestBestSkipsSlow(t *testing.T) {
	defer func(old []*impl) { registry = old }(registry)
	dp := &impl{name: "dp", ok: true, slow: true, mr: mr6, nr: nr, bf16: genericBF16Tiles.bf16}
	via := &impl{name: "via", ok: true, mr: mr6, nr: nr, fp32: generic.fp32, bf16: bf16ViaFP32}
	registry = []*impl{dp, via, generic}
	if got := best(BF16); got != via {
		t.Errorf("best(bf16) = %s, want via", got.name)
	}
	if got := via.path(BF16); got != "via via fp32" {
		t.Errorf("path = %q", got)
	}
	registry = []*impl{dp, generic}
	if got := best(BF16); got != generic {
		t.Errorf("best(bf16) = %s, want generic", got.name)
	}
}
