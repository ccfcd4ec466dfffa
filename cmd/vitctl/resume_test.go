package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestResumeAfterKill kills a --resume run with SIGKILL at random moments
// (after a random number of records, plus a random few milliseconds), runs
// it again until it finishes, and expects the records of an uninterrupted
// run: every input exactly once.
func TestResumeAfterKill(t *testing.T) {
	src, err := os.ReadFile("../../testdata/images/fashion/0000_ankle_boot.png")
	if err != nil {
		t.Fatal(err)
	}
	const n = 120
	dir := t.TempDir()
	for i := range n {
		os.WriteFile(filepath.Join(dir, fmt.Sprintf("%03d.png", i)), src, 0o644)
	}
	os.WriteFile(filepath.Join(dir, "broken.png"), []byte("not a png"), 0o644) // failures are records too
	out := t.TempDir()
	args := func(file string) []string {
		return []string{"classify", "-o", "jsonl", "--batch", "1", "--decoders", "1", "--threads", "1", "--resume", "--out", file, dir}
	}
	if b, err := exec.Command(vitctl, args(filepath.Join(out, "whole.jsonl"))...).CombinedOutput(); exitCode(err) != 1 {
		t.Fatalf("uninterrupted run: %v\n%s", err, b)
	}
	want, _ := os.ReadFile(filepath.Join(out, "whole.jsonl"))

	seed := time.Now().UnixNano()
	rng := rand.New(rand.NewSource(seed))
	t.Logf("seed %d", seed)
	file := filepath.Join(out, "killed.jsonl")
	kills := 0
	for try := 0; ; try++ {
		if try == 40 {
			t.Fatalf("no run finished in 40 tries")
		}
		cmd := exec.Command(vitctl, args(file)...)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		if kills < 6 {
			target := countLines(file) + 1 + rng.Intn(n/8)
			if killAt(cmd, done, file, target, time.Duration(rng.Intn(3000))*time.Microsecond) {
				kills++
				<-done
				continue
			}
		}
		if code := exitCode(<-done); code != 1 { // broken.png failed
			t.Fatalf("try %d: exit %d\n%s", try, code, stderr.String())
		}
		break
	}
	got, _ := os.ReadFile(file)
	t.Logf("%d kills", kills)
	if kills == 0 {
		t.Error("no run was killed")
	}
	compareRecords(t, got, want, n+1)
}

// killAt waits until file has target lines, waits d more and sends SIGKILL,
// unless the run ends first (then it reports false and leaves done unread).
func killAt(cmd *exec.Cmd, done chan error, file string, target int, d time.Duration) bool {
	for countLines(file) < target {
		select {
		case err := <-done:
			done <- err
			return false
		case <-time.After(time.Millisecond):
		}
	}
	time.Sleep(d)
	return cmd.Process.Kill() == nil
}

func countLines(path string) int {
	b, _ := os.ReadFile(path)
	return bytes.Count(b, []byte("\n"))
}

// compareRecords checks that got holds the lines of want, in any order,
// and one record for each of n inputs.
func compareRecords(t *testing.T, got, want []byte, n int) {
	t.Helper()
	g := strings.SplitAfter(string(got), "\n")
	w := strings.SplitAfter(string(want), "\n")
	seen := map[string]int{}
	for _, line := range g[:len(g)-1] {
		var rec struct{ Path string }
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("not a record: %q", line)
		}
		if seen[rec.Path]++; seen[rec.Path] > 1 {
			t.Errorf("%s has %d records", rec.Path, seen[rec.Path])
		}
	}
	if len(seen) != n || g[len(g)-1] != "" {
		t.Errorf("%d inputs with records, want %d; last line %q", len(seen), n, g[len(g)-1])
	}
	slices.Sort(g)
	slices.Sort(w)
	if !slices.Equal(g, w) {
		t.Errorf("the resumed run's records differ from the uninterrupted run's")
	}
}
