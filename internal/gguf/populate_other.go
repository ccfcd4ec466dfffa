//go:build !linux

package gguf

func populate([]byte) {}
