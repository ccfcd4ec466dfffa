package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestConvertInfo prints a DeiT folder, a timm folder and the model file
// converted from it, and writes nothing.
func TestConvertInfo(t *testing.T) {
	deit := filepath.Join(testdataDir, "models", "deit-p8-teacher")
	timm := filepath.Join(testdataDir, "models", "timm-p8-reg-ls")
	if _, err := os.Stat(timm); err != nil {
		t.Skip("no family testdata models")
	}
	gguf := filepath.Join(t.TempDir(), "t.gguf")
	if code, _, _ := run(t, "", "convert", timm, "--out", gguf); code != ExitOK {
		t.Fatalf("convert: exit %d", code)
	}
	for _, tc := range []struct {
		src  string
		want []string
	}{
		{deit, []string{"format:        Hugging Face DeiTForImageClassificationWithTeacher",
			"distillation token", "CLS and distillation heads averaged", "tokens 18 (2 prefix + 16 patches)",
			"labels:        10 (goldfish,", "resize 36x36 (bicubic), center crop 32x32", "dtype:         f32"}},
		{timm, []string{"format:        timm VisionTransformer", "4 register tokens", "LayerScale",
			"tokens 21 (5 prefix + 16 patches)", "resize shorter side to 36 (bicubic), center crop 32x32 (crop_pct 0.875)"}},
		{gguf, []string{"vitctl model file (GGUF), converted from timm-p8-reg-ls/model.safetensors",
			"4 register tokens", "crop_pct 0.875", "dtype:         f32"}},
	} {
		code, stdout, stderr := run(t, "", "convert", "--info", tc.src)
		if code != ExitOK {
			t.Fatalf("%s: exit %d: %s", tc.src, code, stderr)
		}
		for _, w := range tc.want {
			if !strings.Contains(stdout, w) {
				t.Errorf("%s: output lacks %q:\n%s", tc.src, w, stdout)
			}
		}
	}
}
