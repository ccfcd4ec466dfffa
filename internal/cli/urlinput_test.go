package cli

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vitctl/vitctl/internal/npy"
)

// photoServer serves testdata/images under /img/, and a web page.
func photoServer(t *testing.T) *httptest.Server {
	mux := http.NewServeMux()
	mux.Handle("/img/", http.StripPrefix("/img/", http.FileServer(http.Dir(imagesDir))))
	mux.HandleFunc("/page", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("<html>hello</html>")) })
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

func TestClassifyURL(t *testing.T) {
	srv := photoServer(t)
	file := filepath.Join(imagesDir, "chelsea.png")
	_, want, _ := run(t, "", "classify", "-o", "csv", file)
	u := srv.URL + "/img/chelsea.png?size=full"
	code, got, errs := run(t, "", "classify", "-o", "csv", u)
	if code != ExitOK || got != strings.ReplaceAll(want, file, u) {
		t.Errorf("URL: exit %d %s\n%s\nwant\n%s", code, errs, got, want)
	}
	// Failures are lines naming the URL, like files'; the run goes on.
	list := strings.Join([]string{srv.URL + "/img/missing.png", srv.URL + "/page", u, "http://127.0.0.1:1/x.png"}, "\n")
	code, out, errs := run(t, list, "classify", "-o", "jsonl", "-")
	if code != ExitFailed || strings.Count(out, "\n") != 4 {
		t.Fatalf("exit %d, stdout:\n%s\nstderr:\n%s", code, out, errs)
	}
	for _, w := range []string{
		srv.URL + "/img/missing.png: server answered 404 Not Found",
		srv.URL + "/page: not a supported image",
		"http://127.0.0.1:1/x.png: cannot download",
	} {
		if !strings.Contains(errs, "vitctl: "+w) {
			t.Errorf("stderr lacks %q:\n%s", w, errs)
		}
	}
}

// TestClassifyNpyURL: a URL whose path ends in .npy is read as
// preprocessed pixels, as a .npy file is.
func TestClassifyNpyURL(t *testing.T) {
	img := filepath.Join(imagesDir, "chelsea.png")
	m, err := loadModel(resolveModel(""), false, &precisionFlags{})
	if err != nil {
		t.Fatal(err)
	}
	px, err := loadInput(context.Background(), img, m.Config.Preprocess, decodeFlags{})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	npy.Write(&buf, &npy.Array{Shape: []int{3, m.Config.ImageSize, m.Config.ImageSize}, Data: px})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write(buf.Bytes()) }))
	defer srv.Close()
	_, want, _ := run(t, "", "classify", "-o", "csv", img)
	u := srv.URL + "/px/chelsea.npy?v=1"
	code, got, errs := run(t, "", "classify", "-o", "csv", u)
	if code != ExitOK || got != strings.ReplaceAll(want, img, u) {
		t.Errorf("exit %d %s\n%s\nwant\n%s", code, errs, got, want)
	}
}

func TestInspectURL(t *testing.T) {
	srv := photoServer(t)
	out := t.TempDir()
	code, _, errs := run(t, "", "inspect-attention", "--out", out, srv.URL+"/img/rocket.jpg?x=1")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if _, err := os.Stat(filepath.Join(out, "rocket", "input.png")); err != nil {
		t.Errorf("no pictures in a folder named after the URL's file: %v", err)
	}
}

// TestResumeNpyURL: --resume counts the images of a .npy URL of several
// as a .npy file's, from its header alone: one whose records are all in
// the file is done without downloading it again (it was downloaded and
// run again, its records then dropped as already there); one missing a
// record is downloaded and that record appended.
func TestResumeNpyURL(t *testing.T) {
	dir := t.TempDir()
	batch := filepath.Join(dir, "batch.npy")
	writeNpy(t, batch, []int{3, 3, 28, 28})
	data, err := os.ReadFile(batch)
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var whole, ranged int
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		if r.Header.Get("Range") == "" {
			whole++
		} else {
			ranged++
		}
		mu.Unlock()
		http.ServeContent(w, r, "batch.npy", time.Time{}, bytes.NewReader(data))
	}))
	defer srv.Close()
	u := srv.URL + "/px/batch.npy"
	img := filepath.Join(imagesDir, "fashion", "0000_ankle_boot.png")
	for _, tc := range []struct {
		name          string
		cut           int // records left before the second run; all when 0
		want          string
		whole, ranged int // requests of the second run
	}{
		{"all there", 0, "all 4 images are already in OUT; nothing to do\n", 0, 1},
		{"one missing", 3, "OUT: 3 records kept, 1 input to do\nclassified 1 of 1 image", 1, 1},
	} {
		out := filepath.Join(t.TempDir(), "out.jsonl")
		args := []string{"classify", "-m", "fashion-vit", "--resume", "--out", out, img, u}
		if code, _, errs := run(t, "", args...); code != ExitOK {
			t.Fatalf("%s: first run: exit %d\n%s", tc.name, code, errs)
		}
		full, _ := os.ReadFile(out)
		if tc.cut > 0 {
			lines := strings.SplitAfter(string(full), "\n")
			os.WriteFile(out, []byte(strings.Join(lines[:tc.cut], "")), 0o644)
		}
		whole, ranged = 0, 0
		code, _, errs := run(t, "", args...)
		want := strings.ReplaceAll(tc.want, "OUT", out)
		if got, _ := os.ReadFile(out); code != ExitOK || !strings.HasPrefix(errs, want) || string(got) != string(full) {
			t.Errorf("%s: second run: exit %d, file the same: %v, stderr\n%s\nwant\n%s", tc.name, code, string(got) == string(full), errs, want)
		}
		if whole != tc.whole || ranged != tc.ranged {
			t.Errorf("%s: second run made %d whole and %d ranged requests, want %d and %d", tc.name, whole, ranged, tc.whole, tc.ranged)
		}
	}
}
