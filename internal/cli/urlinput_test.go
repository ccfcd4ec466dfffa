package cli

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
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
		srv.URL + "/page: a web page (HTML), not an image",
		"http://127.0.0.1:1/x.png: cannot download",
	} {
		if !strings.Contains(errs, "vitctl: "+w) {
			t.Errorf("stderr lacks %q:\n%s", w, errs)
		}
	}
}

// TestURLKinds: a URL answered by a redirect, gzip, a Content-Type that
// lies, or a path without an extension gives the image's record under the
// URL as given; one answered with a web page (HTML with a 200, the page
// that shows the photo), an SVG or a .npy array at a path not ending in
// .npy fails saying what it is and what to do, where each was "not a
// supported image (JPEG, PNG, …)"; so does a web page saved as a photo.
func TestURLKinds(t *testing.T) {
	png, err := os.ReadFile(filepath.Join(imagesDir, "fashion", "0000_ankle_boot.png"))
	if err != nil {
		t.Fatal(err)
	}
	var arr bytes.Buffer
	npy.Write(&arr, &npy.Array{Shape: []int{3, 28, 28}, Data: make([]float32, 3*28*28)})
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(png)
	zw.Close()
	page := "\xef\xbb\xbf\n  <!DOCTYPE html>\n<html><body><img src=\"/photo.png\"></body></html>"
	serve := func(ctype, enc string, body []byte) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", ctype)
			if enc != "" {
				w.Header().Set("Content-Encoding", enc)
			}
			w.Write(body)
		}
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/photo.png", serve("image/png", "", png))
	mux.Handle("/moved", http.RedirectHandler("/photo.png", http.StatusFound))
	mux.HandleFunc("/gz.png", serve("image/png", "gzip", gz.Bytes()))
	mux.HandleFunc("/lie.jpg", serve("image/jpeg", "", png))
	mux.HandleFunc("/get", serve("application/octet-stream", "", png))
	mux.HandleFunc("/view/photo.jpg", serve("text/html; charset=utf-8", "", []byte(page)))
	mux.HandleFunc("/logo.png", serve("image/png", "", []byte(`<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"/>`)))
	mux.HandleFunc("/download", serve("application/octet-stream", "", arr.Bytes()))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	saved := filepath.Join(t.TempDir(), "photo.jpg")
	os.WriteFile(saved, []byte(page), 0o644)

	cases := []struct{ in, want string }{
		{srv.URL + "/moved", ""},
		{srv.URL + "/gz.png", ""},
		{srv.URL + "/lie.jpg", ""},
		{srv.URL + "/get?id=7&size=full", ""},
		{srv.URL + "/view/photo.jpg", "a web page (HTML), not an image"},
		{saved, "a web page (HTML), not an image"},
		{srv.URL + "/logo.png", "an SVG drawing, which vitctl cannot decode: convert it to PNG first"},
		{srv.URL + "/download?id=3", "a NumPy array (.npy) by its content, in a file or URL whose name does not end in .npy"},
	}
	var args []string
	for _, c := range cases {
		args = append(args, c.in)
	}
	code, out, errs := run(t, "", append([]string{"classify", "-m", "fashion-vit", "-o", "jsonl", "-k", "1"}, args...)...)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if code != ExitFailed || len(lines) != len(cases) {
		t.Fatalf("exit %d, %d records:\n%s\n%s", code, len(lines), out, errs)
	}
	for i, c := range cases {
		var r record
		json.Unmarshal([]byte(lines[i]), &r)
		switch {
		case string(r.Path) != c.in:
			t.Errorf("record %d is for %q, want %q", i, r.Path, c.in)
		case c.want == "" && (r.Error != "" || len(r.TopK) != 1 || r.TopK[0].Label != "Ankle boot"):
			t.Errorf("%s: %s", c.in, lines[i])
		case c.want != "" && (!strings.HasPrefix(r.Error, c.want) || !strings.Contains(errs, "vitctl: "+c.in+": "+c.want)):
			t.Errorf("%s: error %q, want %q on stderr too:\n%s", c.in, r.Error, c.want, errs)
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
