// Command _asm generates the amd64 assembly of internal/imageio and
// internal/imageio/jpeg:
//
//	go run . -out ..
//
// Each file is printed by a Go function that lays out the constant tables
// and unrolls the steps, so the .s files are never edited by hand;
// internal/imageio's TestGeneratedAssembly fails when a checked-in file
// differs from what this prints.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
)

// files maps each generated file, relative to internal/imageio, to the
// function that prints it.
var files = map[string]func(*asm){
	"resample_amd64.s":   resampleFile,
	"jpeg/idct_amd64.s":  idctFile,
	"jpeg/color_amd64.s": colorFile,
}

func main() {
	out := flag.String("out", ".", "the internal/imageio directory to write the .s files under")
	flag.Parse()
	for name, gen := range files {
		a := newAsm()
		gen(a)
		if err := os.WriteFile(filepath.Join(*out, filepath.FromSlash(name)), a.bytes(), 0o644); err != nil {
			fmt.Fprintln(os.Stderr, "_asm:", err)
			os.Exit(1)
		}
	}
}
