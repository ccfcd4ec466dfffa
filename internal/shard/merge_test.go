package shard

import (
	"bytes"
	"strings"
	"testing"
)

func TestMerger(t *testing.T) {
	a := "{\"path\":\"x\"}\n{\"path\":\"y\"}\n"
	b := "{\"path\":\"z\",\"top_k\":[]}\n"
	for _, tc := range []struct {
		name  string
		files []string
		out   string
		err   string
	}{
		{"disjoint", []string{a, b}, a + b, ""},
		{"empty shard", []string{a, "", b}, a + b, ""},
		{"twice", []string{a, "{\"path\":\"y\"}\n"}, "", "f1: line 1: a second record for y (the first is in f0)"},
		{"torn", []string{a, b + "{\"path\":\"w"}, "", "f1: ends with a torn line"},
		{"garbage", []string{"oops\n"}, "", "f0: line 1 is not a JSON record"},
		{"one model", []string{"{\"path\":\"x\",\"model\":\"a.gguf\",\"model_sha256\":\"aa\"}\n", "{\"path\":\"y\",\"model\":\"/mnt/a.gguf\",\"model_sha256\":\"aa\"}\n"},
			"{\"path\":\"x\",\"model\":\"a.gguf\",\"model_sha256\":\"aa\"}\n{\"path\":\"y\",\"model\":\"/mnt/a.gguf\",\"model_sha256\":\"aa\"}\n", ""},
		{"two models", []string{a, "{\"path\":\"w\",\"model\":\"a\",\"model_sha256\":\"aa\"}\n", "{\"path\":\"v\",\"model\":\"b\",\"model_sha256\":\"bb\"}\n"}, "",
			"f2: line 1: the record for v is from model b (sha256 bb), but f1 holds records from a (sha256 aa)"},
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
