package main

import (
	"bytes"
	"testing"
)

// TestAMXEncoding checks the AMX encoders against GNU as's bytes for the
// forms the kernels use (as 2.44, `.intel_syntax noprefix`, then objdump -d).
func TestAMXEncoding(t *testing.T) {
	for _, c := range []struct {
		got  func() (string, []byte)
		want []byte
	}{
		{func() (string, []byte) { return ldtilecfg(rax) }, []byte{0xc4, 0xe2, 0x78, 0x49, 0x00}},
		{tilerelease, []byte{0xc4, 0xe2, 0x78, 0x49, 0xc0}},
		{func() (string, []byte) { return tilezero(3) }, []byte{0xc4, 0xe2, 0x7b, 0x49, 0xd8}},
		{func() (string, []byte) { return tilezero(7) }, []byte{0xc4, 0xe2, 0x7b, 0x49, 0xf8}},
		{func() (string, []byte) { return tileMem(true, 0, rdi, rdx, 0) }, []byte{0xc4, 0xe2, 0x7b, 0x4b, 0x04, 0x17}},
		{func() (string, []byte) { return tileMem(true, 3, r9, rdx, 64) }, []byte{0xc4, 0xc2, 0x7b, 0x4b, 0x5c, 0x11, 0x40}},
		{func() (string, []byte) { return tileMem(true, 5, r8, rbx, 0) }, []byte{0xc4, 0xc2, 0x7b, 0x4b, 0x2c, 0x18}},
		{func() (string, []byte) { return tileMem(true, 7, rsi, rcx, 64) }, []byte{0xc4, 0xe2, 0x7b, 0x4b, 0x7c, 0x0e, 0x40}},
		{func() (string, []byte) { return tileMem(false, 1, rdi, rdx, 64) }, []byte{0xc4, 0xe2, 0x7a, 0x4b, 0x4c, 0x17, 0x40}},
		{func() (string, []byte) { return tileMem(false, 2, r9, rdx, 0) }, []byte{0xc4, 0xc2, 0x7a, 0x4b, 0x14, 0x11}},
		{func() (string, []byte) { return tdp(true, 0, 4, 6) }, []byte{0xc4, 0xe2, 0x4a, 0x5c, 0xc4}},
		{func() (string, []byte) { return tdp(true, 3, 5, 7) }, []byte{0xc4, 0xe2, 0x42, 0x5c, 0xdd}},
		{func() (string, []byte) { return tdp(false, 1, 4, 7) }, []byte{0xc4, 0xe2, 0x41, 0x5e, 0xcc}},
		{func() (string, []byte) { return tdp(false, 2, 5, 6) }, []byte{0xc4, 0xe2, 0x49, 0x5e, 0xd5}},
	} {
		mn, got := c.got()
		if !bytes.Equal(got, c.want) {
			t.Errorf("%s: % x, want % x", mn, got, c.want)
		}
	}
}
