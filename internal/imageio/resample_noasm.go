//go:build !amd64 || purego

package imageio

// windowed says whether horizontal lays its taps out for hrow.
func windowed() bool { return false }

func hrow(dst, src []uint8, win windows) { hrowGo(dst, src, win) }

func vrow(dst, src []uint8, stride int, k []int32) { vrowGo(dst, src, stride, k) }
