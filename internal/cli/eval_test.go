package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestEvalLabels: a data set whose class folders are not the model's
// labels fails in one line naming them and a few of the model's, and says
// that finetune teaches new labels; folders named by the model's labels
// (letter case and underscores aside) are evaluated.
func TestEvalLabels(t *testing.T) {
	boot, err := os.ReadFile(filepath.Join(imagesDir, "fashion", "0000_ankle_boot.png"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name    string
		classes []string
		want    int
		msg     string
	}{
		{"the model's", []string{"ankle_boot", "Trouser"}, ExitOK, ""},
		{"others", []string{"ankle_boot", "rose", "tulip"}, ExitFailed,
			`2 labels ("rose", "tulip") are not among the 10 labels: "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", … 2 more (eval measures a model on its own labels; vitctl finetune teaches it new ones)`},
	} {
		data := t.TempDir()
		for _, c := range tc.classes {
			os.Mkdir(filepath.Join(data, c), 0o755)
			if err := os.WriteFile(filepath.Join(data, c, "1.png"), boot, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		code, _, errs := run(t, "", "eval", "-m", "fashion-vit", data)
		if code != tc.want || !strings.Contains(errs, tc.msg) {
			t.Errorf("%s: exit %d, want %d; stderr %q should contain %q", tc.name, code, tc.want, errs, tc.msg)
		}
	}
}
