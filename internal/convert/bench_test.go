package convert

import (
	"bufio"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/vitctl/vitctl/internal/gguf"
	"github.com/vitctl/vitctl/internal/model"
)

// writeViTB16 writes a ViT-B/16-shaped Hugging Face folder (86.6M f32
// parameters, 346 MB) with filler weights, streaming the safetensors data.
func writeViTB16(b *testing.B, dir string) {
	cfg := &model.Config{HiddenSize: 768, NumHiddenLayers: 12, NumAttentionHeads: 12, IntermediateSize: 3072,
		ImageSize: 224, PatchSize: 16, NumChannels: 3, QKVBias: true, Labels: make([]string, 1000)}
	id2label := map[string]string{}
	for i := range 1000 {
		id2label[fmt.Sprint(i)] = fmt.Sprint("class ", i)
	}
	c, _ := json.Marshal(map[string]any{"model_type": "vit", "id2label": id2label, "hidden_act": "gelu"})
	os.WriteFile(filepath.Join(dir, "config.json"), c, 0o644)
	shapes := model.TensorShapes(cfg)
	hdr := map[string]any{}
	var off int64
	names := slices.Sorted(maps.Keys(shapes))
	for _, n := range names {
		s := ckShape(n, shapes[n])
		size := int64(4)
		for _, d := range s {
			size *= int64(d)
		}
		hdr[hfName(n)] = map[string]any{"dtype": "F32", "shape": s, "data_offsets": []int64{off, off + size}}
		off += size
	}
	h, _ := json.Marshal(hdr)
	f, err := os.Create(filepath.Join(dir, "model.safetensors"))
	if err != nil {
		b.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	w.Write(binary.LittleEndian.AppendUint64(nil, uint64(len(h))))
	w.Write(h)
	pattern := make([]byte, 1<<16)
	for i := 0; i < len(pattern); i += 4 {
		binary.LittleEndian.PutUint32(pattern[i:], 0x3c000000+uint32(i)*97) // small positive floats
	}
	for ; off > 0; off -= int64(min(int64(len(pattern)), off)) {
		w.Write(pattern[:min(int64(len(pattern)), off)])
	}
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
	f.Close()
}

// BenchmarkViTB16 converts a ViT-B/16-shaped checkpoint and opens the
// model file, decoding every tensor, as the loader does. It writes about
// 700 MB, so it runs only with VITCTL_VITB=1:
//
//	VITCTL_VITB=1 go test -run '^$' -bench ViTB16 -benchtime 3x ./internal/convert
func BenchmarkViTB16(b *testing.B) {
	if os.Getenv("VITCTL_VITB") == "" {
		b.Skip("set VITCTL_VITB=1 to run (writes ~700 MB to a temporary folder)")
	}
	dir := b.TempDir()
	writeViTB16(b, dir)
	for _, dt := range []gguf.Type{gguf.F32, gguf.F16} {
		out := filepath.Join(dir, dt.String()+".gguf")
		b.Run("convert/dtype="+dt.String(), func(b *testing.B) {
			for range b.N {
				if _, err := Convert(context.Background(), dir, out, Options{DType: dt}); err != nil {
					b.Fatal(err)
				}
			}
			b.SetBytes(346_000_000)
		})
		b.Run("open/dtype="+dt.String(), func(b *testing.B) {
			for range b.N {
				start := time.Now()
				f, err := gguf.Open(out)
				if err != nil {
					b.Fatal(err)
				}
				var sum float32
				for _, t := range f.Tensors() {
					x, _, err := f.Float32s(t.Name)
					if err != nil {
						b.Fatal(err)
					}
					sum += x[len(x)-1] // touch the last page
				}
				f.Close()
				b.ReportMetric(float64(time.Since(start).Milliseconds()), "ms/load")
			}
		})
	}
}
