package shard

import (
	"bytes"
	"strings"
	"testing"
)

func TestMerger(t *testing.T) {
	// Records as classify writes them: a failed input's (an error, no
	// top_k) and a classified one's, of model m (sha256 aa).
	failed := func(path string) string {
		return "{\"path\":\"" + path + "\",\"model\":\"m\",\"model_sha256\":\"aa\",\"error\":\"e\"}\n"
	}
	a := failed("x") + failed("y")
	b := failed("z")
	top2 := "{\"path\":\"u\",\"model_sha256\":\"aa\",\"top_k\":[{\"label\":\"a\"},{\"label\":\"b\"}]}\n"
	top5 := "{\"path\":\"v\",\"model_sha256\":\"aa\",\"top_k\":[1,2,3,4,5]}\n"
	for _, tc := range []struct {
		name  string
		files []string
		out   string
		err   string
	}{
		{"disjoint", []string{a, b}, a + b, ""},
		{"empty shard", []string{a, "", b}, a + b, ""},
		{"twice", []string{a, failed("y")}, "", "f1: line 1: a second record for y (the first is in f0)"},
		{"torn", []string{a, b + "{\"path\":\"w"}, "", "f1: ends with a torn line"},
		{"garbage", []string{"oops\n"}, "", "f0 is not a vitctl JSONL results file (its first line is not a JSON record with a \"path\": \"oops\")"},
		{"text without a newline", []string{a, "oops"}, "", "f1 is not a vitctl JSONL results file (its first line is not a JSON record with a \"path\": \"oops\")"},
		// Files a run's records are turned into say what they are.
		{"a JSON array", []string{"[\n  {\n"}, "", `f0 is not a vitctl JSONL results file (its first line is not a JSON record with a "path": "["; it is one JSON array, as classify -o json writes`},
		{"CSV", []string{"path,model,model_sha256,rank\n"}, "", "; it is CSV, as classify -o csv writes"},
		{"text", []string{"model vit-tiny-in1k (sha256 89d044742132): 1000 labels\n"}, "", "; it is text, as classify writes without -o"},
		{"gzip", []string{"\x1f\x8b\b\b\xbd.\x16k\x00\x03a.jsonl\n"}, "", "f0 is not a vitctl JSONL results file (it is gzip-compressed: gunzip it first (or give <(gunzip -c FILE)))"},
		{"zstd", []string{"\x28\xb5\x2f\xfd\x00\n"}, "", "f0 is not a vitctl JSONL results file (it is zstd-compressed: "},
		{"a byte order mark", []string{"\ufeff" + b}, "", "; it begins with a byte order mark"},
		{"garbage after records", []string{a + "oops"}, "", "f0: line 3 is not a JSON record with a path: \"oops\""},
		{"not results: a path,label list", []string{a, "{\"path\":\"w\",\"label\":\"cat\"}\n"}, "",
			"f1 does not hold classify results (line 1: the record for w has no \"model_sha256\" and no \"top_k\" nor \"error\": \"{\\\"path\\\":\\\"w\\\",\\\"label\\\":\\\"cat\\\"}\")"},
		{"not results: embed's", []string{a + "{\"path\":\"w\",\"model\":\"m\",\"model_sha256\":\"aa\",\"shape\":[2],\"embedding\":[1,2]}\n"}, "",
			"f0 does not hold classify results (line 3: the record for w has no \"top_k\" nor \"error\""},
		{"not results: no model_sha256", []string{"{\"path\":\"w\",\"top_k\":[1]}\n"}, "",
			"f0 does not hold classify results (line 1: the record for w has no \"model_sha256\":"},
		// oneModel lets no record without a model join: Add refuses it first.
		{"not results: a later shard's record without a model", []string{a, "{\"path\":\"w\",\"model\":\"m\",\"top_k\":[1]}\n"}, "",
			"f1 does not hold classify results (line 1: the record for w has no \"model_sha256\":"},
		{"one model", []string{"{\"path\":\"x\",\"model\":\"a.gguf\",\"model_sha256\":\"aa\",\"error\":\"e\"}\n", "{\"path\":\"y\",\"model\":\"/mnt/a.gguf\",\"model_sha256\":\"aa\",\"error\":\"e\"}\n"},
			"{\"path\":\"x\",\"model\":\"a.gguf\",\"model_sha256\":\"aa\",\"error\":\"e\"}\n{\"path\":\"y\",\"model\":\"/mnt/a.gguf\",\"model_sha256\":\"aa\",\"error\":\"e\"}\n", ""},
		{"two models", []string{a, "{\"path\":\"w\",\"model\":\"a\",\"model_sha256\":\"aa\",\"error\":\"e\"}\n", "{\"path\":\"v\",\"model\":\"b\",\"model_sha256\":\"bb\",\"error\":\"e\"}\n"}, "",
			"f2: line 1: the record for v is from model b (sha256 bb), but f0 holds records from m (sha256 aa)"},
		{"one -k, failed inputs without top_k", []string{top2 + a, "{\"path\":\"w\",\"model_sha256\":\"aa\",\"top_k\":[1,2]}\n"}, top2 + a + "{\"path\":\"w\",\"model_sha256\":\"aa\",\"top_k\":[1,2]}\n", ""},
		{"another -k", []string{a, top2, top5}, "",
			"f2: line 1: the record for v holds the top 5 labels, but f1 holds the top 2 labels of each image: were the runs given different -k?"},
		{"another -k in one file", []string{top2 + "{\"path\":\"v\",\"model_sha256\":\"aa\",\"top_k\":[1]}\n"}, "",
			"f0: line 2: the record for v holds the top 1 label, but f0 holds the top 2 labels of each image"},
	} {
		m := NewMerger()
		var out bytes.Buffer
		var err error
		for i, f := range tc.files {
			if err = m.Add("f"+string(rune('0'+i)), strings.NewReader(f), &out); err != nil {
				break
			}
		}
		switch {
		case tc.err == "" && (err != nil || out.String() != tc.out):
			t.Errorf("%s: %q, %v", tc.name, out.String(), err)
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("%s: got %v, want %q", tc.name, err, tc.err)
		}
	}
	m := NewMerger()
	m.Add("a", strings.NewReader(a), &bytes.Buffer{})
	if !m.Has("x") || m.Has("z") || m.Len() != 2 {
		t.Errorf("Has/Len after merging %q", a)
	}
}
