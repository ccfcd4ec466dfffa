//go:build !purego

package imageio

import "golang.org/x/sys/cpu"

// useAVX2 selects the assembly; tests turn it off to run the Go twins.
var useAVX2 = cpu.X86.HasAVX2

//go:noescape
func hrowAVX2(dst, src *uint8, off, k3 *int32, m, w int)

//go:noescape
func vrowAVX2(dst, src *uint8, stride int, k *int32, n, w int)

// windowed says whether horizontal lays its taps out for hrow.
func windowed() bool { return useAVX2 }

func hrow(dst, src []uint8, win windows) {
	w, m := len(win.off), win.m
	if !useAVX2 || w == 0 {
		hrowGo(dst, src, win)
		return
	}
	_, _, _ = dst[3*w-1], src[win.end-1], win.k3[w*m-1]
	hrowAVX2(&dst[0], &src[0], &win.off[0], &win.k3[0], m, w)
}

// vrow runs the assembly on whole groups of 32 bytes and the Go twin on
// the rest.
func vrow(dst, src []uint8, stride int, k []int32) {
	n, m := len(dst), 0
	if useAVX2 && n >= 32 && len(k) > 0 {
		m = n &^ 31
		_ = src[(len(k)-1)*stride+m-1]
		vrowAVX2(&dst[0], &src[0], stride, &k[0], len(k), m)
	}
	vrowGo(dst[m:], src[m:], stride, k)
}
