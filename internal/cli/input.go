package cli

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/vitctl/vitctl/internal/fetch"
	"github.com/vitctl/vitctl/internal/imageio"
	"github.com/vitctl/vitctl/internal/model"
	"github.com/vitctl/vitctl/internal/npy"
	"github.com/vitctl/vitctl/internal/prep"
)

// loadInput reads one model input, a file or an http(s) URL: a .npy file
// of float32 pixel values shaped (3, H, W) or (N, 3, H, W) is taken as
// N images already preprocessed, returned one after the other; anything
// else is decoded as an image as in says and preprocessed with p. The
// result is (N·3, p.Height, p.Width) in CHW order. Errors start with the
// path; an image vitctl cannot decode (HEIC) says how to convert it.
func loadInput(ctx context.Context, path string, p prep.Params, in decodeFlags) ([]float32, error) {
	px, err := loadInputFormat(ctx, path, p, in)
	return px, convertHint(err)
}

func loadInputFormat(ctx context.Context, path string, p prep.Params, in decodeFlags) ([]float32, error) {
	if fetch.IsURL(path) {
		return loadURL(ctx, path, p, in)
	}
	if strings.EqualFold(filepath.Ext(path), ".npy") {
		f, err := os.Open(path)
		if err != nil { // worded as expand words a missing argument
			return nil, fmt.Errorf("%s: %w", path, statError(err))
		}
		defer f.Close()
		return loadNpy(path, f, p)
	}
	return imageio.LoadImage(path, p, in.maxPixels, in.decoding())
}

// urls fetches inputs named by URLs: each within a minute and 128 MB.
var urls = &fetch.Getter{Timeout: fetch.DefaultTimeout, MaxBytes: fetch.DefaultMaxBytes}

// loadURL is loadInput for a URL: the extension of its path says .npy.
func loadURL(ctx context.Context, u string, p prep.Params, in decodeFlags) ([]float32, error) {
	data, err := urls.Get(ctx, u)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", u, err)
	}
	if strings.EqualFold(path.Ext(baseName(u)), ".npy") {
		return loadNpy(u, bytes.NewReader(data), p)
	}
	return imageio.LoadImageData(u, data, p, in.maxPixels, in.decoding())
}

// baseName is the last element of a file path, or of a URL's path.
func baseName(p string) string {
	if fetch.IsURL(p) {
		if u, err := url.Parse(p); err == nil {
			return path.Base(u.Path)
		}
	}
	return filepath.Base(p)
}

func loadNpy(path string, f io.Reader, p prep.Params) ([]float32, error) {
	a, err := npy.Read(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	want := []int{prep.Channels, p.Height, p.Width}
	shape := a.Shape
	if len(shape) == 4 && shape[0] >= 1 {
		shape = shape[1:]
	}
	if !slices.Equal(shape, want) {
		return nil, fmt.Errorf("%s: array shape %v does not fit the model: want preprocessed pixels shaped (%d, %d, %d), or (N, %[3]d, %[4]d, %[5]d) for N images",
			path, a.Shape, prep.Channels, p.Height, p.Width)
	}
	if err := model.CheckFinite(a.Data); err != nil {
		return nil, fmt.Errorf("%s: the array %w; preprocessed pixels must be finite numbers", path, err)
	}
	return a.Data, nil
}
