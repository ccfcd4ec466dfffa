package cli

import (
	"bufio"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// input is one item to classify: a path, or the reason it cannot be used.
type input struct {
	path string
	err  error
}

// imageExts are the file names a folder walk picks up; files named on the
// command line are tried whatever their extension.
var imageExts = map[string]bool{
	".jpg": true, ".jpeg": true, ".png": true, ".gif": true, ".bmp": true,
	".tif": true, ".tiff": true, ".webp": true, ".npy": true,
}

// expandInputs turns arguments into the ordered list of inputs: files as
// given, folders as their image files in name order (recursively with
// recursive), and "-" as newline-separated paths read from stdin.
func expandInputs(args []string, recursive bool, stdin io.Reader) []input {
	var out []input
	for _, a := range args {
		if a == "-" {
			out = append(out, readList(stdin)...)
			continue
		}
		out = append(out, expandPath(a, recursive)...)
	}
	return out
}

func readList(r io.Reader) []input {
	var out []input
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	for sc.Scan() {
		if p := strings.TrimSpace(sc.Text()); p != "" {
			out = append(out, input{path: p})
		}
	}
	if err := sc.Err(); err != nil {
		out = append(out, input{path: "-", err: fmt.Errorf("reading paths from stdin: %w", err)})
	}
	return out
}

func expandPath(p string, recursive bool) []input {
	st, err := os.Stat(p)
	if err != nil {
		return []input{{path: p, err: statError(err)}}
	}
	if !st.IsDir() {
		return []input{{path: p}}
	}
	if !recursive {
		return listDir(p)
	}
	var out []input
	err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			out = append(out, input{path: path, err: statError(err)})
			return nil
		}
		if !d.IsDir() && imageExts[strings.ToLower(filepath.Ext(path))] {
			out = append(out, input{path: path})
		}
		return nil
	})
	if err != nil {
		out = append(out, input{path: p, err: err})
	}
	return out
}

// listDir lists the image files directly inside dir, sorted by name.
func listDir(dir string) []input {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return []input{{path: dir, err: statError(err)}}
	}
	var names []string
	for _, e := range entries {
		if imageExts[strings.ToLower(filepath.Ext(e.Name()))] && !e.IsDir() {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	out := make([]input, len(names))
	for i, n := range names {
		out[i] = input{path: filepath.Join(dir, n)}
	}
	return out
}

// statError shortens os errors to their reason; the path is printed beside it.
func statError(err error) error {
	var pe *fs.PathError
	if ok := asPathError(err, &pe); ok {
		return pe.Err
	}
	return err
}
