package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCacheHomeNotAFolder points XDG_CACHE_HOME at a file: -m DIR and
// vitctl models name XDG_CACHE_HOME and say what to do, where -m DIR said
// "model cache: mkdir /dev/null: not a directory" and vitctl models
// "cannot read /dev/null/vitctl, the cache (not a directory); …: make it
// readable, or delete it"; -m ORG/NAME also told it "(no network here?
// …)", a bare errno being a net.Error; the Hugging Face cache under it
// said "config.json: mkdir FILE: not a directory".
func TestCacheHomeNotAFolder(t *testing.T) {
	img := filepath.Join(imagesDir, "fashion", "0000_ankle_boot.png")
	for _, tc := range []struct {
		name   string
		args   []string
		hfHome bool // HF_HOME unset: the Hugging Face cache is under XDG_CACHE_HOME too
		code   int
		want   string // stderr, after the file's name for FILE
	}{
		{"-m DIR", []string{"classify", "-m", filepath.Join(testdataDir, "models", "fashion-vit"), img}, false, ExitFailed,
			"vitctl: model cache FILE/vitctl (XDG_CACHE_HOME=FILE): FILE is not a folder (not a directory): -m DIR and -m ORG/NAME convert the model into it once: point XDG_CACHE_HOME at a folder you can write into; or convert a folder yourself (vitctl convert DIR --out model.gguf) and give -m model.gguf\n"},
		{"-m ORG/NAME", []string{"classify", "-m", "org/fashion", img}, false, ExitFailed,
			"org/fashion@main: model cache FILE/vitctl (XDG_CACHE_HOME=FILE): FILE is not a folder (not a directory): -m DIR and -m ORG/NAME convert the model into it once: point XDG_CACHE_HOME at a folder you can write into; or convert a folder yourself (vitctl convert DIR --out model.gguf) and give -m model.gguf\n"},
		{"-m ORG/NAME, Hugging Face cache", []string{"classify", "-m", "org/fashion", img}, true, ExitFailed,
			"org/fashion@main: config.json: Hugging Face cache FILE/huggingface/hub (XDG_CACHE_HOME=FILE): FILE is not a folder (not a directory): point XDG_CACHE_HOME at a folder you can write into\n"},
		{"models", []string{"models"}, false, ExitOK,
			"vitctl: note: cannot read FILE/vitctl, the cache of converted models (XDG_CACHE_HOME=FILE): FILE is not a folder; none is listed: point XDG_CACHE_HOME at a folder you can write into\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			hubEnv(t)
			file := filepath.Join(t.TempDir(), "cache")
			os.WriteFile(file, nil, 0o644)
			t.Setenv("XDG_CACHE_HOME", file)
			if tc.hfHome {
				t.Setenv("HF_HOME", "")
			}
			code, _, errs := run(t, "", tc.args...)
			if want := strings.ReplaceAll(tc.want, "FILE", file); code != tc.code || !strings.HasSuffix(errs, want) {
				t.Errorf("exit %d, stderr:\n%s\nwant exit %d and\n%s", code, errs, tc.code, want)
			}
		})
	}
}
