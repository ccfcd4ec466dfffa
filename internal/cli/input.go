package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"syscall"

	"github.com/vitctl/vitctl/internal/bytestr"
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
	return px, convertHint(causeWorded(path, err, notThere))
}

// causeWorded is err, of reading the local file path, as "path: " and its
// cause (an errno: imageio's error names the path, then the errno alone)
// worded by word (notThere, brokenLink) when word words it; else err.
func causeWorded(path string, err error, word func(string, error) error) error {
	var errno syscall.Errno
	if fetch.IsURL(path) || !errors.As(err, &errno) {
		return err
	}
	if e := word(path, errno); e != errno { // ENOENT and ELOOP only
		return fmt.Errorf("%s: %w", path, e)
	}
	return err
}

// notThere is the error of a path that could not be opened (err): an
// address of a scheme vitctl does not fetch, "help" and a link that leads
// nowhere (brokenLink) say what they are. Other errors are kept.
func notThere(path string, err error) error {
	if errors.Is(err, fs.ErrNotExist) { // not ELOOP, a link's
		if e := otherScheme(path); e != nil {
			return e
		}
		if path == "help" { // vitctl classify help
			return fmt.Errorf("%w (for the command's help, give --help)", err)
		}
	}
	return brokenLink(path, err)
}

// brokenLink is err, of opening path, worded as a link's when path is a
// link whose file is gone (ENOENT: "a link to X, which is not there",
// where it read "no such file or directory" while ls lists it) or one in
// a loop of links (ELOOP: "a link to X, part of a loop of links that
// leads to no file", where it said its file was not there); else err.
// Inputs, the files named for reading (DATA, --from-file, merge's), -m,
// finetune's class folders and the images it skips are worded so.
func brokenLink(path string, err error) error {
	loop := errors.Is(err, syscall.ELOOP)
	if !loop && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	to, lerr := os.Readlink(path)
	if lerr != nil { // no link
		return err
	}
	why := "which is not there"
	if loop {
		why = "part of a loop of links that leads to no file"
	}
	return &linkError{"a link to " + bytestr.Text(to) + ", " + why, err}
}

// linkError is brokenLink's error: its words, and the error they explain
// (errors.Is(err, fs.ErrNotExist) holds) without its text, which they say.
type linkError struct {
	msg string
	err error
}

func (e *linkError) Error() string { return e.msg }
func (e *linkError) Unwrap() error { return e.err }

// otherScheme is the error of a path that is not there and is an address
// of a scheme vitctl does not fetch: file:// (a browser's address of a
// file) says the path to give, s3://, gs:// or ftp:// (or a typo, htp://)
// that vitctl fetches http:// and https:// only; nil for anything else.
// Each said "no such file or directory".
func otherScheme(path string) error {
	scheme, _, ok := strings.Cut(path, "://")
	if !ok || len(scheme) < 2 || strings.TrimLeft(strings.ToLower(scheme), "abcdefghijklmnopqrstuvwxyz0123456789+.-") != "" || fetch.IsURL(path) {
		return nil
	}
	if u, err := url.Parse(path); err == nil && strings.EqualFold(scheme, "file") && (u.Host == "" || u.Host == "localhost") && u.Path != "" {
		return fmt.Errorf("a file:// address, not a path: give the file's path, %s", bytestr.Text(filepath.FromSlash(u.Path)))
	}
	return fmt.Errorf("an address of the scheme %s://, which vitctl does not fetch (it fetches http:// and https://): download the file and give its path, or give its https:// address", strings.ToLower(scheme))
}

func loadInputFormat(ctx context.Context, path string, p prep.Params, in decodeFlags) ([]float32, error) {
	if fetch.IsURL(path) {
		return loadURL(ctx, path, p, in)
	}
	if isNpy(path) {
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
	if isNpy(u) {
		return loadNpy(u, bytes.NewReader(data), p)
	}
	return imageio.LoadImageData(u, data, p, in.maxPixels, in.decoding())
}

// isNpy reports whether the input at path, a file or a URL, is a .npy
// array of preprocessed pixels, by the ending of its name (baseName), as
// loadInput reads it.
func isNpy(path string) bool { return strings.EqualFold(filepath.Ext(baseName(path)), ".npy") }

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
	if de, ok := errors.AsType[*npy.DtypeError](err); ok && de.Integer() {
		return nil, fmt.Errorf("%s: %w; integers are raw pixels, and a .npy input is pixels already preprocessed: give the image file (PNG, JPEG) instead, or resize, rescale and normalise them as the model does and save them as float32", path, err)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if err := fitsModel(a.Shape, p); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if err := model.CheckFinite(a.Data); err != nil {
		return nil, fmt.Errorf("%s: the array %w; preprocessed pixels must be finite numbers", path, err)
	}
	return a.Data, nil
}

// fitsModel checks that a .npy input's shape is (3, H, W) or (N, 3, H, W)
// at the model's H and W, and says what is wrong with one that is not.
func fitsModel(shape []int, p prep.Params) error {
	want := []int{prep.Channels, p.Height, p.Width}
	img := shape
	if len(shape) == 4 {
		img = shape[1:]
	}
	chw := fmt.Sprintf("(%d, %d, %d)", prep.Channels, p.Height, p.Width)
	switch {
	case len(shape) == 4 && shape[0] == 0:
		return fmt.Errorf("the array %s holds no image: want %s, or (N, %d, %d, %d) for N ≥ 1 images", npy.Tuple(shape), chw, prep.Channels, p.Height, p.Width)
	case slices.Equal(img, want):
		return nil
	case len(img) == 3 && slices.Equal(img, []int{p.Height, p.Width, prep.Channels}):
		t := "a.transpose(2, 0, 1)"
		if len(shape) == 4 {
			t = "a.transpose(0, 3, 1, 2)"
		}
		return fmt.Errorf("the array %s is channels last (height, width, channels); the model takes channels first, %s: save %s", npy.Tuple(shape), chw, t)
	case len(img) == 3 && img[1] == p.Height && img[2] == p.Width:
		return fmt.Errorf("the array %s has %s; the model takes %d (RGB), %s", npy.Tuple(shape), nouns(img[0], "channel"), prep.Channels, chw)
	case len(img) == 3 && img[0] == prep.Channels:
		return fmt.Errorf("the array %s is %d×%d pixels; the model takes %d×%d, %s: preprocess to that size, or give the image file, which vitctl resizes, or run the model at the array's size with --image-size %s (sides that are multiples of its patch size)",
			npy.Tuple(shape), img[2], img[1], p.Width, p.Height, chw, sizeFlag(img[2], img[1]))
	}
	return fmt.Errorf("array shape %s does not fit the model: want preprocessed pixels shaped %s, or (N, %d, %d, %d) for N images",
		npy.Tuple(shape), chw, prep.Channels, p.Height, p.Width)
}
