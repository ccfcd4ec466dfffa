package cli

import (
	"bytes"
	"cmp"
	"encoding/csv"
	"encoding/json"
	"net/http/httptest"
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
	t.Setenv("TRANSFORMERS_OFFLINE", "")
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
	want = withoutModelName(t, want, "org/fashion@")
	code, got, errs := run(t, "", "classify", "-o", "csv", "-m", "../../testdata/models/fashion-vit", img)
	if got = withoutModelName(t, got, "../../testdata/models/fashion-vit"); code != ExitOK || got != want {
		t.Errorf("-m DIR: exit %d, %s\n%s\nwant\n%s", code, errs, got, want)
	}
	h.Close()
	t.Setenv("HF_HUB_OFFLINE", "1")
	code, got, errs = run(t, "", "classify", "-o", "csv", "-m", "org/fashion@main", img)
	if got = withoutModelName(t, got, "org/fashion@"); code != ExitOK || got != want || strings.Contains(errs, "converting") {
		t.Errorf("offline: exit %d, %s\n%s\nwant\n%s", code, errs, got, want)
	}
	// vitctl models lists both conversions, with the checksum the records carry.
	_, out, _ := run(t, "", "models", "-o", "json")
	var entries []modelEntry
	json.Unmarshal([]byte(out), &entries)
	var cached, hub []string
	for _, e := range entries {
		if e.Where == "cache" && e.Labels == 10 && strings.Contains(want, ","+e.SHA256+",") {
			cached = append(cached, e.Name)
			if strings.HasPrefix(e.Name, "org/fashion@") {
				hub = append(hub, e.Name)
			}
		}
	}
	if len(cached) != 2 || len(hub) != 1 {
		t.Errorf("vitctl models lists %v from the cache, want org/fashion@… and the folder:\n%s", cached, out)
	}
}

// withoutModelName blanks the model column of classify's CSV rows, which
// must all start with prefix: the same weights reached two ways answer
// the same, model_sha256 included.
func withoutModelName(t *testing.T, csvOut, prefix string) string {
	t.Helper()
	rows, err := csv.NewReader(strings.NewReader(csvOut)).ReadAll()
	if err != nil || len(rows) < 2 {
		t.Fatalf("csv: %v:\n%s", err, csvOut)
	}
	var b strings.Builder
	w := csv.NewWriter(&b)
	for i, r := range rows {
		if i > 0 && !strings.HasPrefix(r[1], prefix) {
			t.Errorf("row %d: model %q, want %s…", i, r[1], prefix)
		}
		if i > 0 {
			r[1] = ""
		}
		w.Write(r)
	}
	w.Flush()
	return b.String()
}

func TestModelFromHubErrors(t *testing.T) {
	h := hubEnv(t)
	img := filepath.Join(imagesDir, "fashion")
	closed := httptest.NewServer(nil)
	closed.Close() // nothing answers at its address
	tests := []struct {
		model, offline string
		transformers   string // TRANSFORMERS_OFFLINE, HF_HUB_OFFLINE's alias
		endpoint       string // HF_ENDPOINT; the test Hub when empty
		want           []string
	}{
		{"org/private", "", "", "", []string{"-m org/private", "org/private@main: config.json", "401", "set HF_TOKEN or run huggingface-cli login"}},
		{"org/fashion@v2", "", "", "", []string{"org/fashion@v2: config.json", "404", `revision "v2" not found`}},
		{"org/other", "1", "", "", []string{"org/other@main: config.json", "HF_HUB_OFFLINE=1 forbids downloading"}},
		// TRANSFORMERS_OFFLINE was not read: the run went to the Hub.
		{"org/other", "", "1", "", []string{"org/other@main: config.json", "TRANSFORMERS_OFFLINE=1 forbids downloading"}},
		{"org/other", "", "yes", closed.URL, []string{"org/other@main: config.json", "TRANSFORMERS_OFFLINE=yes forbids downloading"}},
		{"org/other", "0", "1", closed.URL, []string{"cannot reach " + closed.URL}}, // HF_HUB_OFFLINE decides, as in huggingface_hub
		{"models/missing.gguf", "", "", "", []string{"models/missing.gguf"}},
		{"org/fashion", "", "", closed.URL, []string{"org/fashion@main: config.json: cannot reach " + closed.URL,
			"(no network here? Bring the model: a model file from vitctl convert, or the checkpoint folder, as -m FILE or -m DIR; or point HF_ENDPOINT at a mirror)"}},
	}
	for _, tt := range tests {
		t.Setenv("HF_HUB_OFFLINE", tt.offline)
		t.Setenv("TRANSFORMERS_OFFLINE", tt.transformers)
		t.Setenv("HF_ENDPOINT", cmp.Or(tt.endpoint, h.URL()))
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

// TestModelRefMalformed: -m naming no file or folder, with an @ or a slash
// but not ORG/NAME[@REVISION], says both and what is wrong with the name;
// it was a bare "no such file or directory". Paths that exist, relative
// ones with a slash or an @ among them, are still model files, and a
// missing .gguf or ./path is still just missing.
func TestModelRefMalformed(t *testing.T) {
	hubEnv(t)
	img, err := filepath.Abs(filepath.Join(imagesDir, "fashion", "0000_ankle_boot.png"))
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(fashionGGUF(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Chdir(t.TempDir())
	for _, f := range []string{"models/x.gguf", "org/name@v1"} {
		os.MkdirAll(filepath.Dir(f), 0o755)
		os.WriteFile(f, b, 0o644)
	}
	const notFound = "no such file or folder, and not a Hugging Face name: "
	for _, tt := range []struct {
		model string
		code  int
		want  string // the whole of stderr when code is 1
	}{
		{"org/name@", ExitFailed, "vitctl: -m org/name@: " + notFound + "empty revision after @ (a branch, tag or commit; ORG/NAME alone is @main)\n"},
		{"a/b/c", ExitFailed, "vitctl: -m a/b/c: " + notFound + "want ORG/NAME or ORG/NAME@REVISION\n"},
		{"name@", ExitFailed, "vitctl: -m name@: " + notFound + "want ORG/NAME or ORG/NAME@REVISION\n"},
		{"org/name@v1..2", ExitFailed, "vitctl: -m org/name@v1..2: " + notFound + "revision \"v1..2\" is not a branch, tag or commit name\n"},
		{"org/na me", ExitFailed, "vitctl: -m org/na me: " + notFound + "ORG and NAME are letters, digits, '.', '_' and '-', starting with a letter or digit, without \"..\" or \"--\"\n"},
		// A pasted address said "want ORG/NAME or ORG/NAME@REVISION" of
		// itself: it names the name to give.
		{"https://huggingface.co/google/vit-base-patch16-224", ExitFailed, "vitctl: -m https://huggingface.co/google/vit-base-patch16-224: no such file or folder, and not a Hugging Face name as it is written: give -m google/vit-base-patch16-224\n"},
		{"hf.co/facebook/deit-tiny-patch16-224/tree/v2", ExitFailed, "vitctl: -m hf.co/facebook/deit-tiny-patch16-224/tree/v2: no such file or folder, and not a Hugging Face name as it is written: give -m facebook/deit-tiny-patch16-224@v2\n"},
		{"org/name/", ExitFailed, "vitctl: -m org/name/: no such file or folder, and not a Hugging Face name as it is written: give -m org/name\n"},
		{"models/y.gguf", ExitFailed, "vitctl: model models/y.gguf: no such file or folder\n"},
		{"./a/b/c", ExitFailed, "vitctl: model ./a/b/c: no such file or folder\n"},
		{"models/x.gguf", ExitOK, ""},
		{"org/name@v1", ExitOK, ""},
	} {
		code, _, errs := run(t, "", "classify", "-m", tt.model, img)
		if code != tt.code || code != ExitOK && errs != tt.want {
			t.Errorf("-m %s: exit %d, stderr %q; want exit %d and %q", tt.model, code, errs, tt.code, tt.want)
		}
	}
}

// TestModelFolderWithoutCheckpoint: -m naming a folder of images (or an
// empty one) is one line naming the folder once, saying what it lacks and
// what -m takes, before any "converting" note or cache folder.
func TestModelFolderWithoutCheckpoint(t *testing.T) {
	hubEnv(t)
	dir := t.TempDir()
	img := filepath.Join(imagesDir, "chelsea.png")
	b, err := os.ReadFile(img)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "cat.png"), b, 0o644)
	code, out, errs := run(t, "", "classify", "-m", dir, img)
	if code != ExitFailed || out != "" || strings.Count(errs, "\n") != 1 || strings.Count(errs, dir) != 1 ||
		!strings.Contains(errs, "no checkpoint found (want one of model.safetensors") || !strings.Contains(errs, "-m takes a checkpoint folder, a .gguf file") {
		t.Errorf("exit %d, stdout %q, stderr %q", code, out, errs)
	}
	if ents, _ := os.ReadDir(filepath.Join(os.Getenv("XDG_CACHE_HOME"), "vitctl", "dirs")); len(ents) != 0 {
		t.Errorf("cache folders made for a folder with no checkpoint: %v", ents)
	}
}

// TestModelFolderFailedConversion: -m naming a checkpoint folder that
// cannot be converted (config.json broken or of another model type,
// weights cut short or of another model) fails with the error naming the
// folder's file and what is wrong, with no "converting" note before it
// and no folder left in the cache.
func TestModelFolderFailedConversion(t *testing.T) {
	hubEnv(t)
	src := "../../testdata/models/vit-p16-gelu"
	config, _ := os.ReadFile(filepath.Join(src, "config.json"))
	weights, _ := os.ReadFile(filepath.Join(src, "model.safetensors"))
	other, _ := os.ReadFile("../../testdata/models/deit-p8-distilled/model.safetensors")
	img := filepath.Join(imagesDir, "chelsea.png")
	for _, tc := range []struct {
		name            string
		config, weights []byte
		file, want      string
	}{
		{"config not JSON", []byte("{broken"), weights, "config.json", "not valid JSON at line 1, column 2: invalid character 'b'"},
		{"model_type bert", []byte(`{"model_type":"bert"}`), weights, "config.json", `model_type "bert" is not supported`},
		{"weights cut short", config, weights[:1000], "model.safetensors", "does not fit the file's 1000 bytes"},
		{"weights of another model", config, other, "model.safetensors", "does not match config.json"},
	} {
		dir := t.TempDir()
		os.WriteFile(filepath.Join(dir, "config.json"), tc.config, 0o644)
		os.WriteFile(filepath.Join(dir, "model.safetensors"), tc.weights, 0o644)
		code, out, errs := run(t, "", "classify", "-m", dir, img)
		if code != ExitFailed || out != "" || strings.Contains(errs, "converting") ||
			!strings.Contains(errs, filepath.Join(dir, tc.file)) || !strings.Contains(errs, tc.want) {
			t.Errorf("%s: exit %d, stdout %q, stderr %q, want exit 1 and only %q", tc.name, code, out, errs, tc.want)
		}
		if ents, _ := os.ReadDir(filepath.Join(os.Getenv("XDG_CACHE_HOME"), "vitctl", "dirs")); len(ents) != 0 {
			t.Errorf("%s: cache folders left by a failed conversion: %v", tc.name, ents)
		}
	}
}

// TestDamagedCachedConversion: a model file in vitctl's cache that cannot
// be loaded (cut short, of another GGUF version, without a metadata key a
// model needs) is converted again, with a note, by -m ORG/NAME (online or
// offline) and -m DIR alike, and the run answers as the first did. It
// failed every run, saying to "re-run vitctl convert", which neither
// asked of anyone.
func TestDamagedCachedConversion(t *testing.T) {
	img := filepath.Join(imagesDir, "fashion", "0000_ankle_boot.png")
	for _, tc := range []struct {
		name   string
		damage func(b []byte) []byte
	}{
		{"cut short", func(b []byte) []byte { return b[:5000] }},
		{"empty", func(b []byte) []byte { return nil }},
		{"version 4", func(b []byte) []byte { b[4] = 4; return b }},
		{"no labels", func(b []byte) []byte { return bytes.Replace(b, []byte("vit.labels"), []byte("vit.labelz"), 1) }},
	} {
		for _, ref := range []string{"org/fashion", "../../testdata/models/fashion-vit"} {
			hubEnv(t)
			code, want, errs := run(t, "", "classify", "-o", "csv", "-m", ref, img)
			if code != ExitOK {
				t.Fatalf("-m %s: exit %d: %s", ref, code, errs)
			}
			ggufs, _ := filepath.Glob(filepath.Join(os.Getenv("XDG_CACHE_HOME"), "vitctl", "*", "*", "*.gguf"))
			ggufs2, _ := filepath.Glob(filepath.Join(os.Getenv("XDG_CACHE_HOME"), "vitctl", "*", "*", "*", "*.gguf"))
			if ggufs = append(ggufs, ggufs2...); len(ggufs) != 1 {
				t.Fatalf("-m %s: cached model files %v, want one", ref, ggufs)
			}
			b, _ := os.ReadFile(ggufs[0])
			os.WriteFile(ggufs[0], tc.damage(b), 0o644)
			if ref == "org/fashion" {
				t.Setenv("HF_HUB_OFFLINE", "1")
			}
			code, got, errs := run(t, "", "classify", "-o", "csv", "-m", ref, img)
			note := "vitctl: note: the cached model file cannot be used (" + ggufs[0] + ": "
			if code != ExitOK || got != want || !strings.Contains(errs, note) || !strings.Contains(errs, "); converting it again\n") {
				t.Errorf("%s, -m %s: exit %d, stdout\n%s\nstderr\n%s\nwant the first run's stdout and a note %q…", tc.name, ref, code, got, errs, note)
			}
			if code, _, errs = run(t, "", "classify", "-m", ref, img); code != ExitOK || strings.Contains(errs, "convert") {
				t.Errorf("%s, -m %s: the run after: exit %d, stderr\n%s\nwant it to load the new file", tc.name, ref, code, errs)
			}
		}
	}
}

// TestDanglingLinkNotHub: a relative path of one slash that is a link to
// nothing (snap/model.safetensors of a Hugging Face snapshot copied with
// cp -r, snap/model.gguf) is a link to nothing, not Hugging Face's ORG/NAME:
// -m looked it up on the Hub ("no such file or folder, so looked for on
// the Hugging Face Hub"), and convert said to download the "repository".
func TestDanglingLinkNotHub(t *testing.T) {
	h := hubEnv(t)
	t.Chdir(t.TempDir())
	os.Mkdir("snap", 0o755)
	for _, l := range []string{"model.safetensors", "model.gguf"} {
		if err := os.Symlink("../../blobs/0123abcd", filepath.Join("snap", l)); err != nil {
			t.Skip(err)
		}
	}
	img := filepath.Join(imagesDir, "fashion")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"classify", "-m", "snap/model.gguf", img}, "vitctl: -m snap/model.gguf: a link to ../../blobs/0123abcd, which is not there\n"},
		{[]string{"classify", "-m", "snap/model.safetensors", img}, "vitctl: -m snap/model.safetensors: a link to ../../blobs/0123abcd, which is not there\n"},
		{[]string{"export", "snap/model.gguf", "--out", "hf"}, "vitctl: snap/model.gguf: a link to ../../blobs/0123abcd, which is not there\n"},
		{[]string{"convert", "snap/model.safetensors", "--out", "m.gguf"}, "vitctl: snap/model.safetensors is a link to ../../blobs/0123abcd, which is not there: a Hugging Face cache snapshot's files are links to its blobs"},
	} {
		code, _, errs := run(t, "", tc.args...)
		if code != ExitFailed || !strings.HasPrefix(errs, tc.want) {
			t.Errorf("%q: exit %d\n%s\nwant 1 and\n%s", tc.args, code, errs, tc.want)
		}
	}
	if n := len(h.Requests()); n != 0 {
		t.Errorf("%d requests to the Hub", n)
	}
}
