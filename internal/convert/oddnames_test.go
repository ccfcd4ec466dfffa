package convert

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"maps"
	"os"
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

// TestOddPickleTextQuoted: a torch.save file's pickle is its author's text
// too: the class it names (a whole module, refused) and its storages' keys
// reach messages quoted, as tensor names do. The class was written as it
// is, escapes and all, into "ckpt.pth is a whole … saved with
// torch.save(model)".
func TestOddPickleTextQuoted(t *testing.T) {
	const odd = "Net\x1b]0;owned\a\x1b[2J"
	var pkl bytes.Buffer
	pkl.WriteString("\x80\x02")
	for _, s := range []string{"__main__", odd} {
		pkl.WriteByte('X')
		binary.Write(&pkl, binary.LittleEndian, uint32(len(s)))
		pkl.WriteString(s)
	}
	pkl.WriteString("\x93)\x81.") // STACK_GLOBAL, EMPTY_TUPLE, NEWOBJ, STOP
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, err := zw.CreateHeader(&zip.FileHeader{Name: "m/data.pkl", Method: zip.Store})
	if err != nil {
		t.Fatal(err)
	}
	w.Write(pkl.Bytes())
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "ckpt.pth")
	if err := os.WriteFile(p, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = openCheckpoint(p, false)
	if want := `is a whole "__main__.Net\x1b]0;owned\a\x1b[2J" saved with torch.save(model)`; err == nil || !strings.Contains(err.Error(), want) || strings.ContainsRune(err.Error(), 0x1b) {
		t.Errorf("error\n%q\nlacks %s or holds an escape as it is", err, want)
	}

	key := "0\x1b[2J"
	_, err = loadStorage(pickleTuple{"storage", storageType("F32"), key, "cpu", int64(1)}, "m", nil, 0)
	if want := `storage "data/0\x1b[2J" is missing`; err == nil || !strings.Contains(err.Error(), want) || strings.ContainsRune(err.Error(), 0x1b) {
		t.Errorf("error\n%q\nlacks %s or holds an escape as it is", err, want)
	}
	st := &ptStorage{key: key, dtype: "F32", numel: 1}
	_, err = rebuildTensor(pickleTuple{st, int64(1), pickleTuple{int64(1)}, pickleTuple{int64(1)}})
	if want := `runs past storage "data/0\x1b[2J" of 1`; err == nil || !strings.Contains(err.Error(), want) || strings.ContainsRune(err.Error(), 0x1b) {
		t.Errorf("error\n%q\nlacks %s or holds an escape as it is", err, want)
	}
}
