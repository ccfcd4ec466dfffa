module github.com/vitctl/vitctl/internal/imageio/_asm

go 1.26.0
