package convert

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"sort"
)

// maxHeader bounds a safetensors JSON header (the reference library's limit).
const maxHeader = 100 << 20

type stEntry struct {
	name       string
	dtype      string
	shape      []int
	begin, end int64 // within the data section
}

// parseSafetensorsHeader checks a safetensors JSON header against the size
// of the data section that follows it: known dtypes, byte sizes that match
// the shapes, offsets inside the data and no overlaps.
func parseSafetensorsHeader(hdr []byte, dataLen int64) ([]stEntry, error) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(hdr, &raw); err != nil {
		return nil, fmt.Errorf("header is not a JSON object: %w", err)
	}
	var out []stEntry
	for _, name := range slices.Sorted(maps.Keys(raw)) { // first error deterministic
		msg := raw[name]
		if name == "__metadata__" {
			continue
		}
		var e struct {
			DType   string  `json:"dtype"`
			Shape   []int64 `json:"shape"`
			Offsets []int64 `json:"data_offsets"`
		}
		if err := json.Unmarshal(msg, &e); err != nil {
			return nil, fmt.Errorf("tensor %q: %w", name, err)
		}
		n, err := numel(e.Shape)
		if err != nil {
			return nil, fmt.Errorf("tensor %q: %w", name, err)
		}
		size, ok := dtypeSize[e.DType]
		switch {
		case !ok:
			return nil, fmt.Errorf("tensor %q: unknown dtype %q", name, e.DType)
		case len(e.Offsets) != 2 || e.Offsets[0] < 0 || e.Offsets[1] < e.Offsets[0]:
			return nil, fmt.Errorf("tensor %q: bad data_offsets %v", name, e.Offsets)
		case e.Offsets[1] > dataLen:
			return nil, fmt.Errorf("tensor %q: data ends at byte %d of %d (truncated download? fetch the file again)", name, e.Offsets[1], dataLen)
		case e.Offsets[1]-e.Offsets[0] != n*int64(size):
			return nil, fmt.Errorf("tensor %q: %d bytes for shape %v of %s, want %d", name, e.Offsets[1]-e.Offsets[0], e.Shape, e.DType, n*int64(size))
		}
		shape := make([]int, len(e.Shape))
		for i, d := range e.Shape {
			shape[i] = int(d)
		}
		out = append(out, stEntry{name: name, dtype: e.DType, shape: shape, begin: e.Offsets[0], end: e.Offsets[1]})
	}
	sort.Slice(out, func(i, j int) bool {
		return out[i].begin < out[j].begin || out[i].begin == out[j].begin && out[i].name < out[j].name
	})
	for i := 1; i < len(out); i++ {
		if out[i].begin < out[i-1].end {
			return nil, fmt.Errorf("tensors %q and %q overlap (bytes %d to %d of the data section): a safetensors file keeps each tensor in bytes of its own, so it is damaged or was not written by the safetensors library: download it again, or re-save it with safetensors.torch.save_model",
				out[i-1].name, out[i].name, out[i].begin, min(out[i].end, out[i-1].end))
		}
	}
	return out, nil
}

// openSafetensors reads the header of one .safetensors file; tensor data is
// read on demand.
func openSafetensors(path string) ([]*tensor, io.Closer, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	ts, err := readSafetensors(f, path)
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	return ts, f, nil
}

func readSafetensors(f *os.File, path string) ([]*tensor, error) {
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	var lenBuf [8]byte
	if _, err := f.ReadAt(lenBuf[:], 0); err != nil {
		return nil, fmt.Errorf("%s: too short for a safetensors file (truncated download?)", path)
	}
	n := binary.LittleEndian.Uint64(lenBuf[:])
	if n > maxHeader || int64(n) > st.Size()-8 {
		return nil, fmt.Errorf("%s: header length %d does not fit the file's %d bytes (truncated or not safetensors)", path, n, st.Size())
	}
	hdr := make([]byte, n)
	if _, err := f.ReadAt(hdr, 8); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	base := 8 + int64(n)
	entries, err := parseSafetensorsHeader(hdr, st.Size()-base)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	ts := make([]*tensor, len(entries))
	for i, e := range entries {
		ts[i] = &tensor{name: e.name, file: path, dtype: e.dtype, shape: e.shape, read: func() ([]byte, error) {
			b := make([]byte, e.end-e.begin)
			_, err := f.ReadAt(b, base+e.begin)
			return b, err
		}}
	}
	return ts, nil
}
