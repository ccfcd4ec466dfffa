package cli

import (
	"fmt"
	"strconv"
	"strings"
)

// imageSize is a --image-size value: "N" for N×N or "WxH" (width ×
// height); zero until set, meaning the model's own size. text is the
// value as given, which errors echo (20x20 was echoed as 20); "" for a
// size not from a flag.
type imageSize struct {
	h, w int
	text string
}

func (s *imageSize) Set(v string) error {
	h, w, err := parseImageSize(v)
	if err != nil {
		return err
	}
	s.h, s.w, s.text = h, w, v
	return nil
}

// given is the value as --image-size was given, or as it takes it.
func (s imageSize) given() string {
	if s.text != "" {
		return s.text
	}
	return s.String()
}

// String is the value as --image-size takes it; "" when unset. A value
// receiver: fmt prints an imageSize so too (benchmark's notes).
func (s imageSize) String() string {
	if s.h == 0 {
		return ""
	}
	return sizeFlag(s.w, s.h)
}

// sizeFlag is --image-size's value for width×height: N when square.
func sizeFlag(w, h int) string {
	if w == h {
		return strconv.Itoa(w)
	}
	return fmt.Sprintf("%dx%d", w, h)
}

func (s *imageSize) Type() string { return "N|WxH" }

// or returns the size set, or def×def.
func (s *imageSize) or(def int) (h, w int) {
	if s.h == 0 {
		return def, def
	}
	return s.h, s.w
}

// parseImageSize reads "N" or "WxH" and returns height and width.
func parseImageSize(v string) (h, w int, err error) {
	ws, hs, found := strings.Cut(strings.ToLower(v), "x")
	if !found {
		hs = ws
	}
	w, err1 := strconv.Atoi(ws)
	h, err2 := strconv.Atoi(hs)
	if err1 != nil || err2 != nil || w <= 0 || h <= 0 {
		return 0, 0, fmt.Errorf("want N or WIDTHxHEIGHT in pixels, e.g. 384 or 320x240")
	}
	return h, w, nil
}

// imageSizeList is a list of --image-size values, comma-separated or
// given by repeating the flag; the first one given replaces the default.
type imageSizeList struct {
	sizes   []imageSize
	changed bool
}

func (l *imageSizeList) Set(v string) error {
	if !l.changed {
		l.sizes, l.changed = nil, true
	}
	for _, part := range strings.Split(v, ",") {
		var s imageSize
		if err := s.Set(strings.TrimSpace(part)); err != nil {
			if strings.Contains(v, ",") { // name the bad one of the list
				return fmt.Errorf("%q: %w", part, err)
			}
			return err
		}
		for _, prev := range l.sizes {
			if prev.h == s.h && prev.w == s.w {
				s = prev // 20 and 20x20 are one size, given more than once
			}
		}
		l.sizes = append(l.sizes, s)
	}
	return nil
}

func (l *imageSizeList) String() string {
	parts := make([]string, len(l.sizes))
	for i := range l.sizes {
		parts[i] = l.sizes[i].String()
	}
	return strings.Join(parts, ",")
}

func (l *imageSizeList) Type() string { return "N|WxH,..." }

// nearestFit names the sizes nearest sz whose sides are multiples of the
// patch size p, below and above: "224 or 240", "224x160 or 240x176".
func nearestFit(sz imageSize, p int) string {
	down := func(n int) int { return max(p, n/p*p) }
	up := func(n int) int { return (n + p - 1) / p * p }
	lo := imageSize{h: down(sz.h), w: down(sz.w)}
	hi := imageSize{h: up(sz.h), w: up(sz.w)}
	if lo == hi {
		return lo.String()
	}
	return lo.String() + " or " + hi.String()
}

// checkPatchMultiple refuses --image-size sz for a model of patch size p
// unless both sides are multiples of p, naming the nearest sizes that are.
func checkPatchMultiple(sz imageSize, p int) error {
	if sz.h%p == 0 && sz.w%p == 0 {
		return nil
	}
	return usagef("--image-size %s: %s of the model's patch size %d; try %s", sz.given(), notMultiple(sz, p), p, nearestFit(sz, p))
}

// notMultiple says which side of sz (or the size, when square) is not a
// multiple of p: "100 is not a multiple", "neither 230 nor 100 is a
// multiple", "the width 230 is not a multiple".
func notMultiple(sz imageSize, p int) string {
	switch {
	case sz.h == sz.w:
		return fmt.Sprintf("%d is not a multiple", sz.h)
	case sz.w%p != 0 && sz.h%p != 0:
		return fmt.Sprintf("neither %d nor %d is a multiple", sz.w, sz.h)
	case sz.w%p != 0:
		return fmt.Sprintf("the width %d is not a multiple", sz.w)
	}
	return fmt.Sprintf("the height %d is not a multiple", sz.h)
}
