package bytestr

import (
	"encoding/json"
	"os/exec"
	"strings"
	"testing"
)

var names = []struct{ name, json string }{
	{"plain.png", `"plain.png"`},
	{"a,b \"q\"\n\t.png", `"a,b \"q\"\n\t.png"`},
	{"café.png", `"café.png"`},
	{"bad\xff.png", `"bad\udcff.png"`},
	{"\x80\xc3(\xe9t\xe9.jpg", `"\udc80\udcc3(\udce9t\udce9.jpg"`},
	{"x\xed\xb3\xbfy", `"x\udced\udcb3\udcbfy"`}, // an encoded surrogate is no UTF-8
	{"😀\xfe", `"😀\udcfe"`},
}

func TestRoundTrip(t *testing.T) {
	for _, c := range names {
		b, err := json.Marshal(struct {
			P String `json:"path"`
		}{String(c.name)})
		if err != nil {
			t.Fatalf("%q: %v", c.name, err)
		}
		if want := `{"path":` + c.json + `}`; string(b) != want {
			t.Errorf("%q: wrote %s, want %s", c.name, b, want)
		}
		if !json.Valid(b) {
			t.Errorf("%q: %s is not valid JSON", c.name, b)
		}
		var back struct {
			P String `json:"path"`
		}
		if err := json.Unmarshal(b, &back); err != nil || string(back.P) != c.name {
			t.Errorf("%q: read back %q, %v", c.name, back.P, err)
		}
	}
}

func TestReadOthers(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{`"\ud83d\ude00\/\\\u00e9"`, "😀/\\é"},
		{`"\uDCFF"`, "\xff"},
		{`"\udc7f"`, "\uFFFD"}, // not a byte's escape: what encoding/json reads
		{`"\ud800x"`, "\uFFFDx"},
		{`"\ud800\udcff"`, "\U000100FF"},
	} {
		var s String
		if err := json.Unmarshal([]byte(c.in), &s); err != nil || string(s) != c.want {
			t.Errorf("%s: read %q, %v; want %q", c.in, s, err, c.want)
		}
	}
	var s String
	if err := json.Unmarshal([]byte(`3`), &s); err == nil {
		t.Error("a number read as a String")
	}
}

// TestPython checks that Python reads the names as os.fsdecode gives them:
// the str that os.listdir gives for the file.
func TestPython(t *testing.T) {
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("no python3")
	}
	var lines []string
	for _, c := range names {
		b, _ := json.Marshal(String(c.name))
		lines = append(lines, string(b))
	}
	script := `import json, os, sys
for l in sys.stdin.read().split("\n"): sys.stdout.buffer.write(os.fsencode(json.loads(l)) + b"\0")`
	cmd := exec.Command(py, "-c", script)
	cmd.Stdin = strings.NewReader(strings.Join(lines, "\n"))
	cmd.Env = []string{"LC_ALL=C.UTF-8", "PYTHONUTF8=1"}
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("python3: %v", err)
	}
	got := strings.Split(strings.TrimSuffix(string(out), "\x00"), "\x00")
	for i, c := range names {
		if i >= len(got) || got[i] != c.name {
			t.Errorf("python3 read %s as the bytes %q, want %q", lines[i], got[min(i, len(got)-1)], c.name)
		}
	}
}

// TestNoHTMLEscapes: with an encoder that escapes no HTML (the records'),
// &, < and > are written as they are, in UTF-8 names and others alike,
// so that grep finds "R&D" in a JSONL file; they read back the same.
func TestNoHTMLEscapes(t *testing.T) {
	for _, c := range []struct{ name, json string }{
		{"R&D<1>.png", `"R&D<1>.png"`},
		{"R&D\xff<1>.png", `"R&D\udcff<1>.png"`},
	} {
		var b strings.Builder
		e := json.NewEncoder(&b)
		e.SetEscapeHTML(false)
		if err := e.Encode(String(c.name)); err != nil || b.String() != c.json+"\n" {
			t.Errorf("%q: wrote %s (%v), want %s", c.name, b.String(), err, c.json)
		}
		var back String
		if err := json.Unmarshal([]byte(b.String()), &back); err != nil || string(back) != c.name {
			t.Errorf("%q: read back %q, %v", c.name, back, err)
		}
	}
}

// TestText: a name is written as it is unless it would not read back as
// one name on one line.
func TestText(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"a b.png", "a b.png"}, {"café.png", "café.png"}, {`a"b.png`, `a"b.png`}, {"a,b.png", "a,b.png"},
		{"new\nline.png", `"new\nline.png"`}, {"cr\rx.png", `"cr\rx.png"`}, {"tab\t.png", `"tab\t.png"`},
		{"bad\xff.png", `"bad\xff.png"`}, {" a.png", `" a.png"`}, {"a.png ", `"a.png "`}, {`"a".png`, `"\"a\".png"`},
	} {
		if got := Text(c.in); got != c.want {
			t.Errorf("Text(%q) = %s, want %s", c.in, got, c.want)
		}
	}
}
