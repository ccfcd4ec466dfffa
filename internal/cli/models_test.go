package cli

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/rivo/uniseg"

	"github.com/vitctl/vitctl/internal/zoo"
)

func TestModelsList(t *testing.T) {
	code, out, errs := run(t, "", "models", "-o", "json")
	var entries []modelEntry
	if code != 0 || json.Unmarshal([]byte(out), &entries) != nil {
		t.Fatalf("exit %d: %s %s", code, out, errs)
	}
	if len(entries) < 2 || entries[0].Name != "vit-tiny-in1k" || !entries[0].Default || entries[0].Labels != 1000 {
		t.Fatalf("first entry should be the default vit-tiny-in1k with 1000 labels: %+v", entries)
	}
	// The checksum models prints is the one classify's records carry.
	_, rec, _ := run(t, "", "classify", "-m", "fashion-vit", "-o", "jsonl", "-k", "1", imagesDir+"/chelsea.png")
	var r record
	json.Unmarshal([]byte(rec), &r)
	if e := entries[1]; e.Name != "fashion-vit" || e.Default || e.Labels != 10 || e.SHA256 != r.ModelSHA256 || r.Model != "fashion-vit" {
		t.Errorf("fashion-vit entry %+v, classify record %+v", e, r)
	}
	code, out, _ = run(t, "", "models")
	if code != 0 || !strings.Contains(out, "vit-tiny-in1k *") || !strings.Contains(out, "fashion-vit") {
		t.Errorf("text listing (exit %d):\n%s", code, out)
	}
	code, out, _ = run(t, "", "models", "--notices")
	if code != 0 || !strings.Contains(out, "Apache License") || !strings.Contains(out, "AugReg") {
		t.Errorf("--notices (exit %d) lacks the Apache-2.0 notice:\n%.300s", code, out)
	}
	// -o json was taken and ignored: the notices came as text.
	code, out, _ = run(t, "", "models", "--notices", "-o", "json")
	var notices []noticeEntry
	if err := json.Unmarshal([]byte(out), &notices); code != 0 || err != nil || len(notices) == 0 ||
		notices[0].Name != "vit-tiny-in1k" || !strings.Contains(notices[0].Notice, "Apache License") {
		t.Errorf("--notices -o json (exit %d): %v, %+v\n%.300s", code, err, notices, out)
	}
	if code, _, errs := run(t, "", "models", "-o", "csv"); code != ExitUsage || !strings.Contains(errs, "-o") {
		t.Errorf("-o csv: exit %d, %s", code, errs)
	}
}

// TestResolveModel: built-in names first, then paths; a name that is
// neither says where to look.
func TestResolveModel(t *testing.T) {
	for _, tc := range []struct{ ref, name, desc string }{
		{"", "vit-tiny-in1k", "built-in model vit-tiny-in1k"},
		{"fashion-vit", "fashion-vit", "built-in model fashion-vit"},
		{"models/x.gguf", "models/x.gguf", "models/x.gguf"},
	} {
		s := resolveModel(tc.ref)
		if s.name != tc.name || s.desc != tc.desc || (s.builtin == nil) != (s.path != "") {
			t.Errorf("resolveModel(%q) = %+v", tc.ref, s)
		}
	}
	code, _, errs := run(t, "", "classify", "-m", "vit-giant", imagesDir+"/chelsea.png")
	if code != ExitFailed || !strings.Contains(errs, "model vit-giant: no such file, and no built-in model of that name") {
		t.Errorf("exit %d: %s", code, errs)
	}
}

// TestModelNameSuggestions: a bare word that is no file and no built-in
// model names the built-in models it may have meant.
func TestModelNameSuggestions(t *testing.T) {
	for _, tc := range []struct{ ref, want string }{
		{"vit-tiny", "; did you mean vit-tiny-in1k? (vitctl models lists them)"},
		{"fashion", "; did you mean fashion-vit?"},
		{"fashon-vit", "; did you mean fashion-vit?"},
		{"VIT_TINY_IN1K", "; did you mean vit-tiny-in1k?"},
		{"vit", "; did you mean vit-tiny-in1k or fashion-vit?"},
		{"resnet50", "no built-in model of that name (vitctl models lists them)"},
		{"vi", "no built-in model of that name (vitctl models lists them)"},
	} {
		code, _, errs := run(t, "", "classify", "-m", tc.ref, imagesDir+"/chelsea.png")
		if code != ExitFailed || !strings.Contains(errs, "model "+tc.ref+": no such file") || !strings.Contains(errs, tc.want) {
			t.Errorf("-m %s: exit %d, stderr %q, want %q", tc.ref, code, errs, tc.want)
		}
	}
}

// TestModelNameAsFile: -m NAME.gguf, a built-in model's name as a file,
// says that built-in models need none (it said "no such file or
// directory").
func TestModelNameAsFile(t *testing.T) {
	code, _, errs := run(t, "", "classify", "-m", "vit-tiny-in1k.gguf", filepath.Join(imagesDir, "chelsea.png"))
	if want := "vitctl: model vit-tiny-in1k.gguf: no such file; vit-tiny-in1k is a built-in model, which needs no file: give -m vit-tiny-in1k\n"; code != ExitFailed || errs != want {
		t.Errorf("exit %d, stderr %q, want %q", code, errs, want)
	}
}

// TestModelNameSuggestsFile: -m NAME, where NAME.gguf is a file (the model
// finetune wrote), asks whether that file was meant.
func TestModelNameSuggestsFile(t *testing.T) {
	img, err := filepath.Abs(filepath.Join(imagesDir, "chelsea.png"))
	if err != nil {
		t.Fatal(err)
	}
	t.Chdir(t.TempDir())
	os.WriteFile("flowers.gguf", nil, 0o644)
	os.WriteFile("fashion.gguf", nil, 0o644)
	for _, tc := range []struct{ ref, want string }{
		{"flowers", "vitctl: model flowers: no such file, and no built-in model of that name; did you mean flowers.gguf? (vitctl models lists them)\n"},
		{"fashion", "vitctl: model fashion: no such file, and no built-in model of that name; did you mean fashion.gguf or fashion-vit? (vitctl models lists them)\n"},
	} {
		code, _, errs := run(t, "", "classify", "-m", tc.ref, img)
		if code != ExitFailed || errs != tc.want {
			t.Errorf("-m %s: exit %d, stderr %q, want %q", tc.ref, code, errs, tc.want)
		}
	}
}

// TestModelsCacheEntries: a cached conversion whose checkpoint folder is
// gone is listed, marked stale with the cache folder to delete; one whose
// model file is gone or unreadable is left out with a note naming it (it
// was left out without a word). The cache is a temporary
// $XDG_CACHE_HOME.
func TestModelsCacheEntries(t *testing.T) {
	files, err := filepath.Glob("../../testdata/models/fashion-vit/*")
	if err != nil || len(files) == 0 {
		t.Fatal(files, err)
	}
	for _, tc := range []struct {
		name   string
		break_ func(src, gg string)
		listed string // a part of the entry's description; "": not listed
		note   string // the note on stderr, after "vitctl: note: SRC in the cache: "; … stands for any text
	}{
		{"intact", func(src, gg string) {}, "f32, converted from this checkpoint folder", ""},
		{"folder gone", func(src, gg string) { os.RemoveAll(src) }, "; stale: the folder is gone (delete ", ""},
		{"model file gone", func(src, gg string) { os.Remove(gg) }, "", "GG is missing; left out (delete DIR)\n"},
		{"model file cut", func(src, gg string) { os.Truncate(gg, 100) }, "", "GG: …(truncated or corrupt file: copy or download it again, or re-run vitctl convert); left out (delete DIR)\n"},
	} {
		t.Setenv("XDG_CACHE_HOME", t.TempDir())
		src := filepath.Join(t.TempDir(), "fv")
		os.Mkdir(src, 0o755)
		for _, f := range files {
			b, _ := os.ReadFile(f)
			os.WriteFile(filepath.Join(src, filepath.Base(f)), b, 0o644)
		}
		if code, _, errs := run(t, "", "classify", "-m", src, imagesDir+"/chelsea.png"); code != 0 {
			t.Fatalf("%s: converting %s: exit %d\n%s", tc.name, src, code, errs)
		}
		ggs, _ := filepath.Glob(filepath.Join(os.Getenv("XDG_CACHE_HOME"), "vitctl", "dirs", "*", "f32.gguf"))
		if len(ggs) != 1 {
			t.Fatalf("%s: cached model files %v, want one", tc.name, ggs)
		}
		gg := ggs[0]
		tc.break_(src, gg)
		code, out, errs := run(t, "", "models", "-o", "json")
		var entries []modelEntry
		if code != 0 || json.Unmarshal([]byte(out), &entries) != nil {
			t.Fatalf("%s: exit %d\n%s%s", tc.name, code, out, errs)
		}
		var got *modelEntry
		for i := range entries {
			if entries[i].Name == src {
				got = &entries[i]
			}
		}
		note := strings.NewReplacer("GG", gg, "DIR", filepath.Dir(gg)).Replace(tc.note)
		switch {
		case tc.listed != "" && (got == nil || !strings.Contains(got.Description, tc.listed) || errs != ""):
			t.Errorf("%s: entry %+v, stderr %q; want it listed with %q, no note", tc.name, got, errs, tc.listed)
		case tc.listed == "" && (got != nil || !matches(errs, "vitctl: note: "+src+" in the cache: "+note)):
			t.Errorf("%s: entry %+v, stderr %q; want it left out, with the note %q", tc.name, got, errs, note)
		}
	}
}

// TestModelsWideName: the text listing's columns line up, in a terminal's
// cells, after a cache entry named by a folder of wide characters (猫の模型)
// or an NFD accent (macOS's folder names); text/tabwriter counted runes,
// and the columns after such a name were out of line.
func TestModelsWideName(t *testing.T) {
	files, err := filepath.Glob("../../testdata/models/fashion-vit/*")
	if err != nil || len(files) == 0 {
		t.Fatal(files, err)
	}
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	for _, name := range []string{"猫の模型", "mode\u0300le"} {
		src := filepath.Join(t.TempDir(), name)
		os.Mkdir(src, 0o755)
		for _, f := range files {
			b, _ := os.ReadFile(f)
			os.WriteFile(filepath.Join(src, filepath.Base(f)), b, 0o644)
		}
		if code, _, errs := run(t, "", "classify", "-m", src, imagesDir+"/chelsea.png"); code != 0 {
			t.Fatalf("converting %s: exit %d\n%s", src, code, errs)
		}
	}
	code, out, errs := run(t, "", "models")
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if code != 0 || len(lines) != 5 {
		t.Fatalf("exit %d, %d lines, want 5:\n%s%s", code, len(lines), out, errs)
	}
	second := regexp.MustCompile(`  +(\S)`) // the WHERE column's start
	want := strings.Index(lines[0], "WHERE")
	for _, l := range lines {
		if at := uniseg.StringWidth(l[:second.FindStringSubmatchIndex(l)[2]]); at != want {
			t.Errorf("WHERE column at cell %d in %q, want %d:\n%s", at, l, want, out)
		}
	}
}

// matches says whether s is pattern, each … in it standing for any text.
func matches(s, pattern string) bool {
	parts := strings.Split(pattern, "…")
	re := make([]string, len(parts))
	for i, p := range parts {
		re[i] = regexp.QuoteMeta(p)
	}
	return regexp.MustCompile("^(?s)" + strings.Join(re, ".*") + "$").MatchString(s)
}

// TestModelsCacheJunk: what the cache holds beside vitctl's entries does
// not stop vitctl models: a JSON file naming no repository nor folder is
// not an entry (it was listed with no name, 'note:  in the cache: …'),
// and a folder or entry file that cannot be read is a note, the rest
// listed (it failed the whole listing, built-in models included: 'model
// cache …: open …/dirs/abc: permission denied', exit 1).
func TestModelsCacheJunk(t *testing.T) {
	cache := t.TempDir()
	t.Setenv("XDG_CACHE_HOME", cache)
	dirs := filepath.Join(cache, "vitctl", "dirs")
	for name, body := range map[string]string{"junk.txt": "junk", "a/f32.json": "{", "b/f32.json": `{"folder": "/nope"}`, "b/f32.gguf": "hello", "c/f32.json": "{}"} {
		os.MkdirAll(filepath.Dir(filepath.Join(dirs, name)), 0o755)
		os.WriteFile(filepath.Join(dirs, name), []byte(body), 0o644)
	}
	os.Symlink(filepath.Join(cache, "gone.json"), filepath.Join(dirs, "d.json"))
	var want []string
	want = append(want, "vitctl: note: cannot read "+filepath.Join(dirs, "d.json")+" in the cache (no such file or directory); what it holds is left out: make it readable, or delete it")
	if os.Geteuid() != 0 { // root reads it all the same
		os.Mkdir(filepath.Join(dirs, "e"), 0)
		defer os.Chmod(filepath.Join(dirs, "e"), 0o755)
		want = append(want, "vitctl: note: cannot read "+filepath.Join(dirs, "e")+" in the cache (permission denied); what it holds is left out: make it readable, or delete it")
	}
	code, out, errs := run(t, "", "models")
	if code != ExitOK || errs != strings.Join(want, "\n")+"\n" || strings.Count(out, "\n") != 3 {
		t.Errorf("exit %d, stdout\n%sstderr\n%s\nwant exit 0, the built-in models only and\n%s", code, out, errs, strings.Join(want, "\n"))
	}
}

// TestModelsArgument: vitctl models NAME says what describes that model
// and what selects it (it said "it lists the built-in models" of a model
// it had listed); another word gets the general hint.
func TestModelsArgument(t *testing.T) {
	for _, tc := range []struct{ arg, want string }{
		{"vit-tiny-in1k", "vitctl: models: unexpected argument \"vit-tiny-in1k\": it lists every model at once: vitctl convert --info vit-tiny-in1k describes that one, and -m vit-tiny-in1k selects it in other commands (see vitctl models --help)\n"},
		{"../zoo/fashion-vit.gguf", "vitctl convert --info ../zoo/fashion-vit.gguf describes that one, and -m ../zoo/fashion-vit.gguf selects it"},
		{"list", "vitctl: models: unexpected argument \"list\": it lists the built-in models and those in vitctl's cache; -m NAME selects one in other commands (see vitctl models --help)\n"},
	} {
		code, _, errs := run(t, "", "models", tc.arg)
		if code != ExitUsage || !strings.Contains(errs, tc.want) {
			t.Errorf("models %s: exit %d, stderr %q, want %q", tc.arg, code, errs, tc.want)
		}
	}
}

// TestListingWriteError: models and convert --info, whose stdout cannot
// be written (a full disk), say so and exit 1: convert --info > /dev/full
// printed nothing and exited 0, and models said "write /dev/stdout: …"
// of no output.
func TestListingWriteError(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	for _, args := range [][]string{
		{"convert", "--info", "fashion-vit"},
		{"convert", "--info", "../../testdata/models/vit-p16-gelu"},
		{"models"},
		{"models", "-o", "json"},
		{"models", "--notices"},
	} {
		var errb bytes.Buffer
		code := Main(args, strings.NewReader(""), failWriter{}, &errb)
		if want := "vitctl: writing output: no space left on device\n"; code != ExitFailed || errb.String() != want {
			t.Errorf("%q: exit %d, stderr %q; want 1 and %q", args, code, errb.String(), want)
		}
	}
}

// TestModelNotThere: a model that is not there — a file, a misspelt
// built-in name, an ORG/NAME the Hub (here: an empty cache, offline) does
// not have — is one line naming it, exit 1 as any file that is not there
// (an image, DATA, a --from-file list), in every command that takes a
// model, and nothing on stdout. A missing file said the system's "no such
// file or directory", where convert's SRC and -m ORG/NAME say "no such
// file or folder" (-m takes a folder too).
func TestModelNotThere(t *testing.T) {
	t.Setenv("HF_HUB_OFFLINE", "1")
	t.Setenv("HF_HUB_CACHE", t.TempDir())
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	tmp, data, img := t.TempDir(), fashionTree(t), filepath.Join(imagesDir, "chelsea.png")
	missing := filepath.Join(tmp, "nope.gguf")
	commands := map[string]func(m string) []string{
		"classify": func(m string) []string { return []string{"classify", "-m", m, img} },
		"embed":    func(m string) []string { return []string{"embed", "-m", m, img} },
		"eval":     func(m string) []string { return []string{"eval", "-m", m, data} },
		"inspect-attention": func(m string) []string {
			return []string{"inspect-attention", "-m", m, "--out", filepath.Join(tmp, "attn"), img}
		},
		"benchmark": func(m string) []string { return []string{"benchmark", "-m", m, "--time", "1ms"} },
		"finetune": func(m string) []string {
			return []string{"finetune", "-m", m, data, "--out", filepath.Join(tmp, "ft.gguf")}
		},
		"export": func(m string) []string { return []string{"export", m, "--out", filepath.Join(tmp, "hf")} },
	}
	for _, tc := range []struct{ model, want, exportWant string }{
		{missing, "model " + missing + ": no such file or folder", ""},
		{"vit-tiny", "model vit-tiny: no such file, and no built-in model of that name; did you mean vit-tiny-in1k? (vitctl models lists them)", ""},
		{"org/nope", "-m org/nope: no such file or folder, so looked for on the Hugging Face Hub: org/nope@main: config.json: not in the Hugging Face cache and HF_HUB_OFFLINE=1 forbids downloading",
			"org/nope: no such file or folder, so looked for on the Hugging Face Hub"},
	} {
		for name, args := range commands {
			want := tc.want
			if name == "export" && tc.exportWant != "" {
				want = tc.exportWant // MODEL, an argument, is not named as -m
			}
			code, out, errs := run(t, "", args(tc.model)...)
			if code != ExitFailed || out != "" || strings.Count(errs, "\n") != 1 || !strings.HasPrefix(errs, "vitctl: "+want) {
				t.Errorf("%s -m %s: exit %d, stdout %q, stderr %q; want exit 1, nothing, and %q", name, tc.model, code, out, errs, want)
			}
		}
	}
	if _, err := os.Stat(filepath.Join(tmp, "attn")); !os.IsNotExist(err) {
		t.Errorf("inspect-attention made its --out: %v", err)
	}
}

// TestModelDash: - as the model (-m -, export's MODEL, convert's SRC, as
// classify takes - for stdin) is refused, exit 2, saying that a model is
// read from a file; it was "model -: no such file, and no built-in model
// of that name" (exit 1), and convert's "-: no such file or folder".
func TestModelDash(t *testing.T) {
	tmp, img := t.TempDir(), filepath.Join(imagesDir, "chelsea.png")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"classify", "-m", "-", img}, "-m -: a model is read from a file, not from stdin: give a model file, a built-in name (vitctl models), a checkpoint folder or ORG/NAME (./- names a file called -)"},
		{[]string{"embed", "-m", "-", img}, "-m -: a model is read from a file"},
		{[]string{"benchmark", "-m", "-"}, "-m -: a model is read from a file"},
		{[]string{"finetune", "-m", "-", tmp, "--out", filepath.Join(tmp, "m.gguf")}, "-m -: a model is read from a file"},
		{[]string{"export", "-", "--out", filepath.Join(tmp, "hf")}, "MODEL -: a model is read from a file, not from stdin: give a model file"},
		{[]string{"convert", "-", "--out", filepath.Join(tmp, "m.gguf")}, "SRC -: a model is read from a file, not from stdin: give a checkpoint folder or file, a .gguf model file or a built-in name (./- names a file called -)"},
		{[]string{"convert", "--info", "-"}, "SRC -: a model is read from a file"},
	} {
		code, out, errs := run(t, "", tc.args...)
		if code != ExitUsage || out != "" || !strings.HasPrefix(errs, "vitctl: "+tc.want) || strings.Count(errs, "\n") != 1 {
			t.Errorf("%q: exit %d, stdout %q, stderr %q; want exit 2 and %q", tc.args, code, out, errs, tc.want)
		}
	}
}

// TestModelsCacheSorted: the cache's conversions are listed by name, where
// they came in the cache's order, by hash, one folder's strewn down the
// list.
func TestModelsCacheSorted(t *testing.T) {
	cache := t.TempDir()
	t.Setenv("XDG_CACHE_HOME", cache)
	z, _ := zoo.Lookup("fashion-vit")
	gone := t.TempDir()
	for key, name := range map[string]string{"0a": "zz", "1b": "aa", "2c": "mm"} {
		dir := filepath.Join(cache, "vitctl", "dirs", key)
		os.MkdirAll(dir, 0o755)
		os.WriteFile(filepath.Join(dir, "f32.gguf"), z.GGUF, 0o644)
		os.WriteFile(filepath.Join(dir, "f32.json"), []byte(`{"source": "`+filepath.Join(gone, name)+`", "dtype": "f32"}`), 0o644)
	}
	code, out, errs := run(t, "", "models", "-o", "json")
	var entries []modelEntry
	if code != ExitOK || json.Unmarshal([]byte(out), &entries) != nil {
		t.Fatalf("exit %d\n%s%s", code, out, errs)
	}
	var names []string
	for _, e := range entries[2:] {
		names = append(names, filepath.Base(e.Name))
	}
	if want := []string{"aa", "mm", "zz"}; !slices.Equal(names, want) {
		t.Errorf("cache listed as %q, want %q", names, want)
	}
}
