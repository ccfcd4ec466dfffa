package cli

import (
	"encoding/csv"
	"path/filepath"
	"strings"
	"testing"
)

// TestClassifyPrecision runs the built-in fashion-vit model on the 30
// test images in each precision: bf16 and int8 must agree with fp32 on the
// top-1 label of at least 29 (all 30 when measured), and an unknown
// precision is a usage error.
func TestClassifyPrecision(t *testing.T) {
	dir := filepath.Join(imagesDir, "fashion")
	top1 := func(p string) []string {
		code, out, errs := run(t, "", "classify", "-m", "fashion-vit", "--precision", p, "-k", "1", "-o", "csv", dir)
		if code != 0 {
			t.Fatalf("--precision %s: exit %d; stderr:\n%s", p, code, errs)
		}
		recs, err := csv.NewReader(strings.NewReader(out)).ReadAll()
		if err != nil || len(recs) != 31 {
			t.Fatalf("--precision %s: %d CSV records (%v), want a header and 30", p, len(recs), err)
		}
		var labels []string
		for _, r := range recs[1:] {
			labels = append(labels, r[0]+" "+r[5])
		}
		return labels
	}
	want := top1("fp32")
	for _, p := range []string{"bf16", "int8"} {
		agree := 0
		for i, l := range top1(p) {
			if l == want[i] {
				agree++
			}
		}
		if agree < 29 {
			t.Errorf("--precision %s: top-1 agrees with fp32 on %d of 30 images", p, agree)
		}
	}
	if code, _, errs := run(t, "", "classify", "--precision", "fp16", dir); code != ExitUsage || !strings.Contains(errs, "--precision") {
		t.Errorf("--precision fp16: exit %d, stderr %q; want a usage error naming the flag", code, errs)
	}
}
