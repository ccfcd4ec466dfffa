package cli

import (
	"strconv"
	"strings"
)

// parseImageSize reads --image-size: "" (the model's own size), "N" for
// N×N, or "WxH" (width × height). It returns height and width.
func parseImageSize(s string, defaultSize int) (h, w int, err error) {
	if s == "" {
		return defaultSize, defaultSize, nil
	}
	ws, hs, found := strings.Cut(strings.ToLower(s), "x")
	if !found {
		hs = ws
	}
	w, err1 := strconv.Atoi(ws)
	h, err2 := strconv.Atoi(hs)
	if err1 != nil || err2 != nil || w <= 0 || h <= 0 {
		return 0, 0, usagef("--image-size %q: want N or WIDTHxHEIGHT in pixels, e.g. 384 or 320x240", s)
	}
	return h, w, nil
}
