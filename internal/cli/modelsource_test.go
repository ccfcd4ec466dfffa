package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vitctl/vitctl/internal/hub/hubtest"
)

// hubEnv points vitctl at a fake Hub serving the committed Fashion-MNIST
// checkpoint as org/fashion, with empty caches and no token.
func hubEnv(t *testing.T) *hubtest.Hub {
	t.Helper()
	dir := "../../testdata/models/fashion-vit"
	repo := &hubtest.Repo{Commit: strings.Repeat("ab", 20), Files: map[string][]byte{}, LFS: map[string]bool{"model.safetensors": true}}
	for _, f := range []string{"config.json", "preprocessor_config.json", "model.safetensors"} {
		b, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		repo.Files[f] = b
	}
	h := hubtest.New(map[string]*hubtest.Repo{"org/fashion": repo})
	t.Cleanup(h.Close)
	home := t.TempDir()
	t.Setenv("HF_ENDPOINT", h.URL())
	t.Setenv("HF_HOME", filepath.Join(home, "hf"))
	t.Setenv("HF_HUB_CACHE", "")
	t.Setenv("HF_TOKEN", "")
	t.Setenv("HF_HUB_OFFLINE", "")
	t.Setenv("XDG_CACHE_HOME", filepath.Join(home, "cache"))
	return h
}

// TestModelFromHub classifies with -m ORG/NAME, then with the checkpoint
// folder, then offline with the Hub gone: the same answers each time.
func TestModelFromHub(t *testing.T) {
	h := hubEnv(t)
	img := filepath.Join(imagesDir, "fashion")
	code, want, errs := run(t, "", "classify", "-o", "csv", "-m", "org/fashion", img)
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if !strings.Contains(errs, "converting org/fashion") {
		t.Errorf("first use says nothing of the conversion:\n%s", errs)
	}
	if _, err := os.Stat(filepath.Join(os.Getenv("HF_HOME"), "hub", "models--org--fashion", "refs", "main")); err != nil {
		t.Errorf("not in the Hugging Face cache: %v", err)
	}
	code, got, errs := run(t, "", "classify", "-o", "csv", "-m", "../../testdata/models/fashion-vit", img)
	if code != ExitOK || got != want {
		t.Errorf("-m DIR: exit %d, %s\n%s\nwant\n%s", code, errs, got, want)
	}
	h.Close()
	t.Setenv("HF_HUB_OFFLINE", "1")
	code, got, errs = run(t, "", "classify", "-o", "csv", "-m", "org/fashion@main", img)
	if code != ExitOK || got != want || strings.Contains(errs, "converting") {
		t.Errorf("offline: exit %d, %s\n%s\nwant\n%s", code, errs, got, want)
	}
}

func TestModelFromHubErrors(t *testing.T) {
	hubEnv(t)
	img := filepath.Join(imagesDir, "fashion")
	tests := []struct {
		model, offline string
		want           []string
	}{
		{"org/private", "", []string{"-m org/private", "org/private@main: config.json", "401", "set HF_TOKEN or run huggingface-cli login"}},
		{"org/fashion@v2", "", []string{"org/fashion@v2: config.json", "404", `revision "v2" not found`}},
		{"org/other", "1", []string{"org/other@main: config.json", "HF_HUB_OFFLINE=1"}},
		{"models/missing.gguf", "", []string{"models/missing.gguf"}},
	}
	for _, tt := range tests {
		t.Setenv("HF_HUB_OFFLINE", tt.offline)
		code, out, errs := run(t, "", "classify", "-m", tt.model, img)
		lines := strings.Split(strings.TrimSpace(errs), "\n")
		last := lines[len(lines)-1]
		if code != ExitFailed || out != "" || len(lines) > 2 {
			t.Errorf("-m %s: exit %d, stdout %q, stderr %q; want exit 1 and an error line", tt.model, code, out, errs)
		}
		for _, w := range tt.want {
			if !strings.Contains(last, w) {
				t.Errorf("-m %s: %q lacks %q", tt.model, last, w)
			}
		}
	}
}
