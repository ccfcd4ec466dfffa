module github.com/vitctl/vitctl/internal/kernels/_asm

go 1.26.0
