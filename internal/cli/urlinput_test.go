package cli

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

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
