package shard

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

func TestResume(t *testing.T) {
	for _, tc := range []struct {
		name, content string
		done          []string
		keep          string // the file after Resume
		err           string
	}{
		{"missing", "", nil, "", ""},
		{"complete", "{\"path\":\"a\",\"model_sha256\":\"11\",\"top_k\":[{}]}\n{\"path\":\"b\",\"model_sha256\":\"11\",\"top_k\":[{}]}\n", []string{"a", "b"}, "{\"path\":\"a\",\"model_sha256\":\"11\",\"top_k\":[{}]}\n{\"path\":\"b\",\"model_sha256\":\"11\",\"top_k\":[{}]}\n", ""},
		{"torn", "{\"path\":\"a\",\"model_sha256\":\"11\",\"top_k\":[{}]}\n{\"path\":\"b\",\"to", []string{"a"}, "{\"path\":\"a\",\"model_sha256\":\"11\",\"top_k\":[{}]}\n", ""},
		{"torn nul", "{\"path\":\"a\",\"model_sha256\":\"11\",\"top_k\":[{}]}\n\x00\x00\x00", []string{"a"}, "{\"path\":\"a\",\"model_sha256\":\"11\",\"top_k\":[{}]}\n", ""},
		{"torn first", "{\"path\":\"a\",\"mo", nil, "", ""},
		{"torn in the key", "{\"pa", nil, "", ""},
		{"bad middle", "{\"path\":\"a\",\"model_sha256\":\"11\",\"top_k\":[{}]}\nhello\n{\"path\":\"b\",\"model_sha256\":\"11\",\"top_k\":[{}]}\n", nil, "", "line 2 is not a JSON record"},
		{"foreign tail", "{\"path\":\"a\",\"model_sha256\":\"11\",\"top_k\":[{}]}\nmy notes", nil, "", "line 2 is not a JSON record with a path: \"my notes\""},
		{"not records: no path", "{\"file\":\"a\"}\n", nil, "", "is not a vitctl JSONL results file (its first line is not a JSON record with a \"path\": "},
		{"not records: text", "my notes", nil, "", "is not a vitctl JSONL results file (its first line is not a JSON record with a \"path\": \"my notes\")"},
		{"not records: text lines", "my notes\nmore\n", nil, "", "is not a vitctl JSONL results file (its first line is not a JSON record with a \"path\": \"my notes\")"},
		{"not records: a JSON object", "{\"a\": 1}", nil, "", "is not a vitctl JSONL results file"},
		{"not results: a path,label list", "{\"path\":\"a.jpg\",\"label\":\"daisy\"}\n", nil, "",
			"does not hold classify results (line 1: the record for a.jpg has no \"model_sha256\" and no \"top_k\" nor \"error\": \"{\\\"path\\\":\\\"a.jpg\\\",\\\"label\\\":\\\"daisy\\\"}\")"},
		{"not results: no model", "{\"path\":\"a\",\"top_k\":[{}]}\n", nil, "", "(line 1: the record for a has no \"model_sha256\": "},
		{"not results: no top_k", "{\"path\":\"a\",\"model_sha256\":\"11\",\"top_k\":[]}\n", nil, "", "(line 1: the record for a has no \"top_k\" nor \"error\": "},
		{"not results: a later line", "{\"path\":\"a\",\"model_sha256\":\"11\",\"top_k\":[{}]}\n{\"path\":\"b\",\"label\":\"rose\"}\n", nil, "", "(line 2: the record for b has no \"model_sha256\" and no \"top_k\" nor \"error\": "},
		// oneModel lets no record without a model join: Resume refuses it first.
		{"not results: a later record without a model", "{\"path\":\"a\",\"model_sha256\":\"11\",\"top_k\":[{}]}\n{\"path\":\"b\",\"model\":\"m\",\"top_k\":[{}]}\n", nil, "", "(line 2: the record for b has no \"model_sha256\": "},
		{"twice", "{\"path\":\"a\",\"model_sha256\":\"11\",\"top_k\":[{}]}\n{\"path\":\"a\",\"model_sha256\":\"11\",\"top_k\":[{}]}\n", nil, "", "a second record for a"},
		{"two models", "{\"path\":\"a\",\"model\":\"m\",\"model_sha256\":\"11\",\"top_k\":[{}]}\n{\"path\":\"b\",\"model\":\"n\",\"model_sha256\":\"22\",\"top_k\":[{}]}\n", nil, "",
			"line 2: the record for b is from model n (sha256 22), but the file holds records from m (sha256 11)"},
		{"two -k", "{\"path\":\"a\",\"model_sha256\":\"11\",\"top_k\":[1,2]}\n{\"path\":\"b\",\"model_sha256\":\"11\",\"error\":\"x\"}\n{\"path\":\"c\",\"model_sha256\":\"11\",\"top_k\":[1]}\n", nil, "",
			"line 3: the record for c holds the top 1 label, but the file holds the top 2 labels of each image: were the runs given different -k?"},
	} {
		path := filepath.Join(t.TempDir(), "out.jsonl")
		if tc.name != "missing" {
			os.WriteFile(path, []byte(tc.content), 0o644)
		}
		l, err := Resume(path)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) || !strings.HasPrefix(err.Error(), path) {
				t.Errorf("%s: got %v, want %q", tc.name, err, tc.err)
			}
			if _, mixed := errors.AsType[*MixedError](err); mixed != strings.HasPrefix(tc.name, "two ") {
				t.Errorf("%s: %v is a *MixedError: %v", tc.name, err, mixed)
			}
			if _, not := errors.AsType[*NotRecordsError](err); not != strings.HasPrefix(tc.name, "not records") {
				t.Errorf("%s: %v is a *NotRecordsError: %v", tc.name, err, not)
			}
			if _, not := errors.AsType[*NotResultsError](err); not != strings.HasPrefix(tc.name, "not results") {
				t.Errorf("%s: %v is a *NotResultsError: %v", tc.name, err, not)
			}
			if got, _ := os.ReadFile(path); string(got) != tc.content {
				t.Errorf("%s: the file refused is now %q", tc.name, got)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if l.Len() != len(tc.done) {
			t.Errorf("%s: %d records, want %d", tc.name, l.Len(), len(tc.done))
		}
		for _, p := range tc.done {
			if !l.Done(p) {
				t.Errorf("%s: %s not done", tc.name, p)
			}
		}
		if len(tc.done) > 0 && l.First().Path != tc.done[0] {
			t.Errorf("%s: First is %+v, want the record for %s", tc.name, l.First(), tc.done[0])
		}
		if _, err := l.Write([]byte("{\"path\":\"c\",\"model_sha256\":\"11\",\"top_k\":[{}]}\n")); err != nil {
			t.Fatal(err)
		}
		if _, err := l.Write([]byte("{\"path\":\"d\"}")); err == nil {
			t.Errorf("%s: a line without its newline was written", tc.name)
		}
		if err := l.Close(); err != nil {
			t.Fatal(err)
		}
		got, _ := os.ReadFile(path)
		if want := tc.keep + "{\"path\":\"c\",\"model_sha256\":\"11\",\"top_k\":[{}]}\n"; string(got) != want {
			t.Errorf("%s: file %q, want %q", tc.name, got, want)
		}
	}
}

// TestResumeFirstTopK: FirstTopK is the first record with a non-empty
// top_k, with TopK its length; records without one (failed inputs) are
// passed over.
func TestResumeFirstTopK(t *testing.T) {
	for _, tc := range []struct {
		name, content string
		path          string
		n             int
	}{
		{"none", "{\"path\":\"a\",\"model_sha256\":\"11\",\"error\":\"x\"}\n", "", 0},
		{"after a failure", "{\"path\":\"a\",\"model_sha256\":\"11\",\"error\":\"x\"}\n{\"path\":\"b\",\"model_sha256\":\"11\",\"top_k\":[{},{}]}\n{\"path\":\"c\",\"model_sha256\":\"11\",\"top_k\":[{},{}]}\n", "b", 2},
	} {
		path := filepath.Join(t.TempDir(), "out.jsonl")
		os.WriteFile(path, []byte(tc.content), 0o644)
		l, err := Resume(path)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if got := l.FirstTopK(); got.Path != tc.path || got.TopK != tc.n {
			t.Errorf("%s: FirstTopK is %+v, want the record for %q with %d labels", tc.name, got, tc.path, tc.n)
		}
		l.Close()
	}
}

// FuzzScanRecords: any bytes give records or an error, never a panic; the
// complete part ends at a line's end and holds exactly the lines passed on.
func FuzzScanRecords(f *testing.F) {
	f.Add([]byte("{\"path\":\"a\"}\n{\"path\":\"b\"}\n{\"pa"))
	f.Add([]byte("\n\x00{}\n"))
	f.Add([]byte("{\"path\":\"\\u00e9\",\"top_k\":[{\"index\":1}]}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		var got []byte
		complete, err := ScanRecords(bytes.NewReader(data), func(_ Record, line []byte) error {
			got = append(got, line...)
			return nil
		})
		if complete != int64(len(got)) || !bytes.Equal(got, data[:complete]) {
			t.Fatalf("complete %d, lines passed on %q", complete, got)
		}
		if err == nil && complete > 0 && data[complete-1] != '\n' {
			t.Fatalf("complete part %q does not end a line", data[:complete])
		}
	})
}

// TestLogStopsAtError: after a record fails to be written (a full disk,
// which may have taken part of it), no later record is written, even when
// the file takes writes again: appended after a part-written line, it
// made a corrupt line in the middle, which Resume refuses, where a torn
// last line is dropped and its input done again.
func TestLogStopsAtError(t *testing.T) {
	path := filepath.Join(t.TempDir(), "out.jsonl")
	l, err := Resume(path)
	if err != nil {
		t.Fatal(err)
	}
	a := []byte("{\"path\":\"a\",\"model_sha256\":\"11\",\"top_k\":[{}]}\n")
	b := []byte("{\"path\":\"b\",\"model_sha256\":\"11\",\"top_k\":[{}]}\n")
	if _, err := l.Write(a); err != nil {
		t.Fatal(err)
	}
	f := l.f
	l.f, _ = os.Open(path) // read-only: the next write fails
	if _, err := l.Write(b); err == nil {
		t.Fatal("a write to a read-only file succeeded")
	}
	l.f.Close()
	l.f = f // the file takes writes again
	if _, err := l.Write(b); err == nil {
		t.Error("a record after a failed one was written")
	}
	l.Close()
	if got, _ := os.ReadFile(path); !bytes.Equal(got, a) {
		t.Errorf("file holds %q, want only the record before the error", got)
	}
}

// TestDropFailed: DropFailed removes the failed inputs' records (and a
// torn last line) and keeps the others byte for byte, in order, through a
// link to the file too (the link stays one) and with the file's
// permissions; records appended after land in the file. It runs as on
// Unix, the old file open through the rename, and as on Windows, where an
// open file blocks the rename (openBlocksRename), each file closed first
// and the file opened again after: under Wine --retry-failed failed with
// "rename .out.jsonl.123.tmp out.jsonl: Sharing violation". Windows, with
// no Unix permissions and no links for most users, checks neither.
func TestDropFailed(t *testing.T) {
	defer func(was bool) { openBlocksRename = was }(openBlocksRename)
	for _, closeFirst := range []bool{false, true} {
		if runtime.GOOS == "windows" && !closeFirst {
			continue // Windows renames over no open file
		}
		openBlocksRename = closeFirst
		t.Run(fmt.Sprintf("close first %v", closeFirst), testDropFailed)
	}
}

func testDropFailed(t *testing.T) {
	windows := runtime.GOOS == "windows"
	const (
		a    = "{\"path\":\"a\",\"model_sha256\":\"11\",\"top_k\":[{}]}\n"
		b    = "{\"path\":\"b\",\"model_sha256\":\"11\",\"error\":\"permission denied\"}\n"
		c    = "{\"path\":\"c\",\"model_sha256\":\"11\",\"top_k\":[{}]}\n"
		d    = "{\"path\":\"d\",\"model_sha256\":\"11\",\"error\":\"a folder that cannot be read\"}\n"
		more = "{\"path\":\"b\",\"model_sha256\":\"11\",\"top_k\":[{}]}\n"
	)
	for _, tc := range []struct {
		name, content, keep string
		dropped             int
		link                bool
	}{
		{"none failed", a + c, a + c, 0, false},
		{"two failed", a + b + c + d, a + c, 2, false},
		{"all failed", b + d, "", 2, false},
		{"a torn line", b + a + "{\"path\":\"c\",\"mo", a, 1, false},
		{"through a link", a + b + c, a + c, 1, true},
	} {
		if tc.link && windows {
			continue
		}
		dir := t.TempDir()
		path := filepath.Join(dir, "out.jsonl")
		os.WriteFile(path, []byte(tc.content), 0o600)
		name := path
		if tc.link {
			name = filepath.Join(dir, "link.jsonl")
			os.Symlink("out.jsonl", name)
		}
		l, err := Resume(name)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		n, err := l.DropFailed()
		if err != nil || n != tc.dropped {
			t.Fatalf("%s: dropped %d, %v; want %d", tc.name, n, err, tc.dropped)
		}
		if l.Done("b") || l.Failed("b") || l.Done("d") || l.Len() != strings.Count(tc.keep, "\n") {
			t.Errorf("%s: the dropped records are still done: %d records", tc.name, l.Len())
		}
		if _, err := l.Write([]byte(more)); err != nil {
			t.Fatal(err)
		}
		if err := l.Close(); err != nil {
			t.Fatal(err)
		}
		got, _ := os.ReadFile(path)
		if string(got) != tc.keep+more {
			t.Errorf("%s: file %q, want %q", tc.name, got, tc.keep+more)
		}
		if st, err := os.Lstat(name); err != nil || tc.link != (st.Mode()&os.ModeSymlink != 0) {
			t.Errorf("%s: %s is no longer a link", tc.name, name)
		}
		if st, _ := os.Stat(path); st.Mode().Perm() != 0o600 && !windows {
			t.Errorf("%s: mode %v, want 0600", tc.name, st.Mode().Perm())
		}
		if entries, _ := os.ReadDir(dir); len(entries) != 1+btoi(tc.link) {
			t.Errorf("%s: %d entries left in the folder, want no temporary", tc.name, len(entries))
		}
	}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}
