package bench

import (
	"fmt"
	"runtime"
	"testing"

	"github.com/vitctl/vitctl/internal/kernels"
	"github.com/vitctl/vitctl/internal/model"
)

// BenchmarkForward times whole forward passes of synthetic models, for
// benchstat comparisons of the engine across commits:
//
//	go test -run - -bench Forward -count 10 ./internal/bench > new.txt
//	benchstat old.txt new.txt
func BenchmarkForward(b *testing.B) {
	for _, arch := range []string{"vit-ti", "vit-s", "vit-b"} {
		cfg := Archs[arch].Config(16, 224)
		var m *model.Model
		for _, B := range []int{1, 8} {
			for _, threads := range []int{1, runtime.NumCPU()} {
				name := fmt.Sprintf("arch=%s/patch=16/size=224/batch=%d/threads=%d", arch, B, threads)
				b.Run(name, func(b *testing.B) {
					if m == nil { // built once per architecture, only when selected
						names, get := Synthetic(&cfg)
						var err error
						if m, err = model.New(cfg, names, get); err != nil {
							b.Fatal(err)
						}
					}
					r := m.NewRunner(kernels.NewPool(threads), B)
					px := Pixels(&cfg, B)
					for b.Loop() {
						if _, err := r.Forward(px, B); err != nil {
							b.Fatal(err)
						}
					}
					perSec := float64(b.N*B) / b.Elapsed().Seconds()
					b.ReportMetric(perSec, "img/s")
					b.ReportMetric(perSec*float64(CostOf(&cfg).FLOPs())/1e9, "GFLOP/s")
				})
				if threads == runtime.NumCPU() && threads == 1 {
					break
				}
			}
		}
	}
}
