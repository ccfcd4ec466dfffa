// Command _asm generates the amd64 assembly of internal/kernels:
//
//	go run . -out ..
//
// Each file is printed by a Go function that unrolls the tiles, lays out
// the constant tables and encodes the instructions Go's assembler lacks,
// so the .s files are never edited by hand; internal/kernels's
// TestGeneratedAssembly fails when a checked-in file differs from what this
// prints.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
)

// files maps each generated file to the function that prints it.
var files = map[string]func(*asm){
	"tile_amd64.s":      tileFile,
	"bf16_amd64.s":      bf16File,
	"int8_amd64.s":      int8File,
	"int8madd_amd64.s":  int8MaddFile,
	"act_amd64.s":       actFile,
	"act2_amd64.s":      act2File,
	"layernorm_amd64.s": layerNormFile,
	"cpu_amd64.s":       cpuFile,
	"amx_amd64.s":       amxFile,
	"keys_amd64.s":      keysFile,
}

func main() {
	out := flag.String("out", ".", "directory to write the .s files to")
	flag.Parse()
	for name, gen := range files {
		a := newAsm()
		gen(a)
		if err := os.WriteFile(filepath.Join(*out, name), a.bytes(), 0o644); err != nil {
			fmt.Fprintln(os.Stderr, "_asm:", err)
			os.Exit(1)
		}
	}
}
