package cli

import (
	"context"
	"errors"
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vitctl/vitctl/internal/npy"
)

// fakePipeline decodes "N" to the one-pixel image {N} after a random delay
// and fails for paths starting with "bad"; inference echoes the pixel.
func fakePipeline(batch, workers int, batches *[]int) *pipeline {
	return &pipeline{
		decode: func(path string) ([][]float32, error) {
			time.Sleep(time.Duration(rand.Intn(300)) * time.Microsecond)
			if strings.HasPrefix(path, "bad") {
				return nil, errors.New("cannot decode")
			}
			if many, ok := strings.CutPrefix(path, "many"); ok { // "manyN": N images, 100·N+i
				n, err := strconv.Atoi(many)
				var imgs [][]float32
				for i := range n {
					imgs = append(imgs, []float32{float32(100*n + i)})
				}
				return imgs, err
			}
			v, err := strconv.Atoi(path)
			return [][]float32{{float32(v)}}, err
		},
		infer: func(px [][]float32) ([][]float32, error) {
			*batches = append(*batches, len(px))
			out := make([][]float32, len(px))
			for i, p := range px {
				out[i] = []float32{p[0]}
			}
			return out, nil
		},
		workers: workers, batch: batch,
	}
}

func TestPipelineOrderAndBatching(t *testing.T) {
	for _, tc := range []struct{ n, batch, workers, badEvery int }{
		{1, 1, 1, 0}, {10, 3, 2, 0}, {50, 8, 4, 7}, {17, 4, 3, 1}, {100, 16, 8, 5},
	} {
		t.Run(fmt.Sprintf("n=%d/batch=%d/workers=%d/bad=%d", tc.n, tc.batch, tc.workers, tc.badEvery), func(t *testing.T) {
			var inputs []input
			for i := 0; i < tc.n; i++ {
				p := strconv.Itoa(i)
				if tc.badEvery > 0 && i%tc.badEvery == 0 {
					p = "bad" + p
				}
				inputs = append(inputs, input{path: p})
			}
			var batches []int
			var got []result
			err := fakePipeline(tc.batch, tc.workers, &batches).run(context.Background(), inputs, func(r result) error { got = append(got, r); return nil })
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != tc.n {
				t.Fatalf("got %d results, want %d", len(got), tc.n)
			}
			for i, r := range got {
				if r.path != inputs[i].path {
					t.Fatalf("result %d is %q, want %q (order lost)", i, r.path, inputs[i].path)
				}
				bad := strings.HasPrefix(r.path, "bad")
				if bad != (r.err != nil) || (!bad && r.logits[0] != float32(i)) {
					t.Fatalf("result %d = %+v", i, r)
				}
			}
			for i, b := range batches {
				if b > tc.batch || (b < tc.batch && i != len(batches)-1) {
					t.Fatalf("batch sizes %v: only the last may be short, none over %d", batches, tc.batch)
				}
			}
		})
	}
}

func TestPipelineCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	inputs := make([]input, 1000)
	for i := range inputs {
		inputs[i] = input{path: strconv.Itoa(i)}
	}
	var batches []int
	n := 0
	err := fakePipeline(2, 2, &batches).run(ctx, inputs, func(result) error {
		if n++; n == 10 {
			cancel()
		}
		return nil
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if n >= len(inputs) {
		t.Fatalf("all %d inputs ran after cancel", n)
	}
}

func TestTopK(t *testing.T) {
	labels := []string{"a", "b", "c", "d"}
	got := topK([]float32{1, 3, 3, -2}, labels, 10)
	if len(got) != 4 {
		t.Fatalf("k larger than classes gave %d, want 4", len(got))
	}
	order := []int{1, 2, 0, 3}
	var sum float64
	for i, p := range got {
		if p.Index != order[i] || p.Label != labels[order[i]] {
			t.Fatalf("rank %d = %+v, want class %d", i, p, order[i])
		}
		sum += p.Prob
	}
	if d := sum - 1; d > 1e-12 || d < -1e-12 {
		t.Fatalf("probabilities sum to %v", sum)
	}
}

// TestPipelineManyImagesPerInput: an input of several images (a batched
// .npy) gives one result per image, named PATH[i], in order, and no batch
// is larger than the pipeline's.
func TestPipelineManyImagesPerInput(t *testing.T) {
	inputs := []input{{path: "1"}, {path: "many3"}, {path: "bad"}, {path: "many1"}, {path: "many5"}, {path: "2"}}
	want := []string{"1", "many3[0]", "many3[1]", "many3[2]", "bad", "many1", "many5[0]", "many5[1]", "many5[2]", "many5[3]", "many5[4]", "2"}
	for _, batch := range []int{1, 2, 4, 16} {
		var batches []int
		var got, lasts []string
		err := fakePipeline(batch, 3, &batches).run(context.Background(), inputs, func(r result) error {
			got = append(got, r.path)
			if r.last {
				lasts = append(lasts, r.path)
			}
			if r.err == nil && strings.Contains(r.path, "[") {
				n, _ := strconv.Atoi(r.path[4:strings.Index(r.path, "[")])
				i, _ := strconv.Atoi(r.path[strings.Index(r.path, "[")+1 : len(r.path)-1])
				if r.logits[0] != float32(100*n+i) {
					t.Errorf("batch %d: %s got image %g", batch, r.path, r.logits[0])
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if strings.Join(got, " ") != strings.Join(want, " ") {
			t.Errorf("batch %d: results %q, want %q", batch, got, want)
		}
		// One result closes each input: its only one, or its last image.
		if wantLast := "1 many3[2] bad many1 many5[4] 2"; strings.Join(lasts, " ") != wantLast {
			t.Errorf("batch %d: last results %q, want %q", batch, lasts, wantLast)
		}
		for _, b := range batches {
			if b > batch {
				t.Errorf("batch %d: a forward pass of %d images", batch, b)
			}
		}
	}
}

// TestBatchedNpyCounts: the summary counts images, not inputs, when a
// batched .npy holds several; an interrupt names both.
func TestBatchedNpyCounts(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "three.npy")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := npy.Write(f, &npy.Array{Shape: []int{3, 3, 28, 28}, Data: make([]float32, 3*3*28*28)}); err != nil {
		t.Fatal(err)
	}
	f.Close()
	img := filepath.Join(imagesDir, "chelsea.png")
	for _, cmd := range []string{"classify", "embed"} {
		code, _, errs := run(t, "", cmd, "-m", "fashion-vit", path, img)
		verb := map[string]string{"classify": "classified", "embed": "embedded"}[cmd]
		if code != ExitOK || !strings.Contains(errs, verb+" 4 of 4 images") {
			t.Errorf("%s: exit %d, stderr %q; want %q", cmd, code, errs, verb+" 4 of 4 images")
		}
	}
	if got := (interrupted{done: 2, total: 5, images: 4}).Error(); got != "interrupted after 2 of 5 inputs (4 images)" {
		t.Errorf("batched interrupt: %q", got)
	}
	if got := (interrupted{done: 1, total: 1, images: 1}).Error(); got != "interrupted after 1 of 1 image" {
		t.Errorf("interrupt: %q", got)
	}
}

// TestPipelineEmitError: an emit that fails (a record that cannot be
// written) stops the run at once with its error: no result after it is
// emitted, not even the rest of its batch.
func TestPipelineEmitError(t *testing.T) {
	var inputs []input
	for i := range 40 {
		inputs = append(inputs, input{path: strconv.Itoa(i)})
	}
	full := errors.New("no space left on device")
	var batches []int
	n := 0
	err := fakePipeline(8, 2, &batches).run(context.Background(), inputs, func(result) error {
		if n++; n == 3 {
			return full
		}
		return nil
	})
	if err != full || n != 3 {
		t.Fatalf("err %v after %d results, want %v after 3", err, n, full)
	}
}

// TestInputOf: inputOf undoes imagePath, and takes other names as they are.
func TestInputOf(t *testing.T) {
	for p, want := range map[string]string{
		imagePath("a.npy", 3, 5): "a.npy", "a.npy": "a.npy", "x[y].png": "x[y].png",
		"[1]": "[1]", "b.npy[12]": "b.npy", "c[]": "c[]", "https://h/i.png": "https://h/i.png",
	} {
		if got := inputOf(p); got != want {
			t.Errorf("inputOf(%q) = %q, want %q", p, got, want)
		}
	}
	dir := t.TempDir()
	kept := filepath.Join(dir, "kept.npy")
	os.WriteFile(kept, nil, 0o644)
	gone := filepath.Join(dir, "gone.npy")
	if n := goneFiles([]string{kept + "[0]", gone + "[0]", gone + "[1]", "https://h/x.png"}); n != 2 {
		t.Errorf("goneFiles: %d, want 2 (the images of the removed .npy)", n)
	}
}
