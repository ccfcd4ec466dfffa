// Command vitctl runs Vision Transformers on the CPU.
package main

import (
	"os"

	"github.com/vitctl/vitctl/internal/cli"
)

func main() {
	os.Exit(cli.Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
