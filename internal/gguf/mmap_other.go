//go:build !unix

package gguf

import (
	"errors"
	"os"
)

func mmap(*os.File, int64) ([]byte, func() error, error) {
	return nil, nil, errors.New("memory mapping is not supported here")
}
