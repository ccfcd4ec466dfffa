package convert

import (
	"maps"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vitctl/vitctl/internal/gguf"
)

// TestOddTensorNamesQuoted: a checkpoint's tensor names are its author's
// text, and a terminal obeys the escapes in them (a window title set, the
// screen cleared); messages that list them quote such names, as they quote
// file names, so each stays text on one line.
func TestOddTensorNamesQuoted(t *testing.T) {
	const odd = "evil\x1b]0;owned\a\x1b[2J"
	for _, tc := range []struct {
		name    string
		tensors func(map[string]stTensor)
		want    string
	}{
		{"unused", func(ts map[string]stTensor) { ts[odd] = f32Tensor([]int{4}, 1) }, `does not use: "evil\x1b]0;owned\a\x1b[2J"`},
		{"wrapper prefix", func(ts map[string]stTensor) {
			old := maps.Clone(ts)
			clear(ts)
			for n, x := range old {
				ts["\x1b[31m."+n] = x
			}
		}, `attribute "\x1b[31m" holds the network`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := familyFolder(t, "vit-p16-gelu", nil, tc.tensors)
			_, _, err := convertTo(t, filepath.Join(dir, "model.safetensors"), gguf.F32)
			if err == nil {
				t.Fatal("converted")
			}
			if !strings.Contains(err.Error(), tc.want) || strings.ContainsRune(err.Error(), 0x1b) {
				t.Errorf("error\n%q\nlacks %s or holds an escape as it is", err, tc.want)
			}
		})
	}
	if got, want := pyRepr("a\x1b[2Jb"), `"a\x1b[2Jb"`; got != want {
		t.Errorf("pyRepr = %s, want %s", got, want)
	}
	if got, want := pyRepr("it's"), `'it\'s'`; got != want {
		t.Errorf("pyRepr = %s, want %s", got, want)
	}
}
