package cli

import (
	"errors"
	"fmt"
	"image"
	"image/draw"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"sync"

	"github.com/vitctl/vitctl/internal/attention"
	"github.com/vitctl/vitctl/internal/filelock"
	"github.com/vitctl/vitctl/internal/imageio"
	"github.com/vitctl/vitctl/internal/linkpath"
	"github.com/vitctl/vitctl/internal/model"
	"github.com/vitctl/vitctl/internal/npy"
	"github.com/vitctl/vitctl/internal/prep"
)

// pictures draws maps over the image as the model saw it, and the maps
// through all layers over the whole photo.
type pictures struct {
	o     *inspectOptions
	lo    attention.Layout
	base  *image.RGBA          // the model's input at the display size
	mask  []attention.Artifact // patches drawn as zero (--mask-outliers)
	long  int                  // the longer side of base
	src   *imageio.RGB8        // the photo as decoded; nil for .npy inputs
	box   imageio.Box          // where the model's input lies in src
	photo *image.RGBA          // src at --photo-size
	frame attention.Frame      // box in photo
}

// setPhoto keeps img and box, the model's input in img's pixels, and img
// shrunk to --photo-size if larger, to draw over.
func (p *pictures) setPhoto(img *imageio.RGB8, box imageio.Box) error {
	p.src, p.box = img, box
	long := max(img.W, img.H)
	if s := p.o.photoSize; s == 0 || long <= s {
		p.photo, p.frame = img.RGBA(), attention.Frame(box)
		return nil
	}
	var err error
	p.photo, p.frame, err = scalePhoto(img, box, float64(p.o.photoSize)/float64(long))
	return err
}

// scalePhoto resizes img by s (Pillow's bilinear filter, antialiased when
// shrinking) and box with it.
func scalePhoto(img *imageio.RGB8, box imageio.Box, s float64) (*image.RGBA, attention.Frame, error) {
	w, h := max(1, int(math.Round(float64(img.W)*s))), max(1, int(math.Round(float64(img.H)*s)))
	small, err := imageio.Resize(img, w, h, prep.Bilinear)
	if err != nil {
		return nil, attention.Frame{}, err
	}
	sx, sy := float64(w)/float64(img.W), float64(h)/float64(img.H)
	return small.RGBA(), attention.Frame{X0: box.X0 * sx, Y0: box.Y0 * sy, X1: box.X1 * sx, Y1: box.Y1 * sy}, nil
}

// newPictures prepares the background: the model's (C, h, w) input px
// turned back into an image and scaled so its longer side is --size.
func newPictures(cfg *model.Config, lo attention.Layout, o *inspectOptions, px []float32, h, w int) *pictures {
	p := cfg.Preprocess
	mean, std, scale := p.Mean, p.Std, 1.0
	if !p.DoNormalize {
		mean, std = nil, nil
	}
	if p.DoRescale {
		scale = p.RescaleFactor
	}
	base := attention.Unnormalize(px, cfg.NumChannels, h, w, mean, std, scale)
	long := o.size
	if long == 0 {
		long = max(h, w, 224)
	}
	dh, dw := max(1, h*long/max(h, w)), max(1, w*long/max(h, w))
	if dh != h || dw != w {
		base = attention.Resize(base, dw, dh, attention.Bilinear)
	}
	return &pictures{o: o, lo: lo, base: base, long: long}
}

// render draws a (T, T) map's attention to the patches, scaled by --scale,
// the masked patches set to zero.
func (p *pictures) render(m []float64) *image.RGBA {
	return attention.Render(p.base, p.patches(m), p.lo.GH, p.lo.GW, p.o.resample, p.o.cm, p.o.alpha)
}

// patches is a (T, T) map's attention to the patches, scaled by --scale,
// the masked patches set to zero.
func (p *pictures) patches(m []float64) []float64 {
	pm := p.lo.PatchMap(m)
	for _, a := range p.mask {
		pm[a.Row*p.lo.GW+a.Col] = 0
	}
	return p.o.scale.Apply(pm)
}

// drawOnPhoto writes a (T, T) map over the whole photo as NAME_photo.png,
// when there is a photo.
func (p *pictures) drawOnPhoto(w *pictureWriter, name string, m []float64) {
	if p.photo != nil {
		w.png(name+"_photo.png", attention.RenderIn(p.photo, p.patches(m), p.lo.GH, p.lo.GW, p.frame, p.o.resample, p.o.cm, p.o.alpha))
	}
}

// draw writes a (T, T) map as NAME.png and, with --raw, its attention to
// the patches as NAME.npy, float32 (grid rows, grid columns), unscaled.
func (p *pictures) draw(w *pictureWriter, name string, m []float64) *image.RGBA {
	img := p.render(m)
	w.png(name+".png", img)
	if p.o.raw {
		pm := p.lo.PatchMap(m)
		a := &npy.Array{Shape: []int{p.lo.GH, p.lo.GW}, Data: make([]float32, len(pm))}
		for i, v := range pm {
			a.Data[i] = float32(v)
		}
		w.file(name+".npy", func(f io.Writer) error { return npy.Write(f, a) })
	}
	return img
}

// drawLayers writes each selected head of each selected layer, the fused
// map and the layer's grid, rendering up to p.o.threads layers at once
// (PNG encoding is most of an image's time after the forward pass).
func (p *pictures) drawLayers(w *pictureWriter, probs [][]float32, layers, heads []int) {
	sem := make(chan struct{}, p.o.threads.n)
	var wg sync.WaitGroup
	for _, l := range layers {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			p.drawLayer(w, probs[l], l, heads)
		}()
	}
	wg.Wait()
}

func (p *pictures) drawLayer(w *pictureWriter, probs []float32, l int, heads []int) {
	var tiles []attention.Tile
	for _, h := range heads {
		img := p.draw(w, fmt.Sprintf("layer%02d_head%02d", l, h), attention.Head(probs, p.lo.T, h))
		tiles = append(tiles, attention.Tile{Image: img, Label: fmt.Sprintf("head %d", h)})
	}
	fused := p.draw(w, fmt.Sprintf("layer%02d_fused_%s", l, p.o.fusion), attention.Fuse(probs, p.lo.T, heads, p.o.fusion))
	tiles = append(tiles, attention.Tile{Image: fused, Label: p.o.fusion.String() + " of heads"})
	title := fmt.Sprintf("layer %d: %s to patches", l, p.lo.Query())
	cols := int(math.Ceil(math.Sqrt(float64(len(tiles)))))
	w.png(fmt.Sprintf("layer%02d_grid.png", l), attention.Grid(tiles, cols, title, p.o.cm))
}

// drawRollout writes the rollout through all layers and a grid of the
// rollout through each selected layer, and returns the final (T, T) map.
func (p *pictures) drawRollout(w *pictureWriter, probs [][]float32, layers, heads []int) []float64 {
	fused := make([][]float64, len(probs))
	for l := range probs {
		fused[l] = attention.Fuse(probs[l], p.lo.T, heads, p.o.fusion)
	}
	steps := attention.Rollout(fused, p.lo.T, p.o.discard, p.lo.HasCLS)
	p.draw(w, "rollout", steps[len(steps)-1])
	p.drawOnPhoto(w, "rollout", steps[len(steps)-1])
	var tiles []attention.Tile
	for _, l := range layers {
		img := p.render(steps[l])
		tiles = append(tiles, attention.Tile{Image: img, Label: fmt.Sprintf("through layer %d", l)})
	}
	title := fmt.Sprintf("rollout, heads fused by %s, discard ratio %g", p.o.fusion, p.o.discard)
	cols := int(math.Ceil(math.Sqrt(float64(len(tiles)))))
	w.png("rollout_grid.png", attention.Grid(tiles, cols, title, p.o.cm))
	return steps[len(steps)-1]
}

// summaryBars is how many classes summary.png's bar chart shows.
const summaryBars = 5

// shownMap is a map through all layers and its name on summary.png.
type shownMap struct {
	label string
	m     []float64 // (T, T)
}

// drawSummary writes summary.png, one page under title: the photo (the
// part the model did not see dimmed), the bar chart of top (if the model
// classifies) and each of maps over the photo, two tiles a row, each with
// its longer side at --size (more if the bars need it).
func (p *pictures) drawSummary(w *pictureWriter, title string, top []prediction, classes int, maps []shownMap) error {
	pic, frame, err := p.summaryPhoto()
	if err != nil {
		return err
	}
	b := pic.Bounds()
	label := "the model's input"
	if p.src != nil {
		label = fmt.Sprintf("photo %dx%d", p.src.W, p.src.H)
		if p.box != (imageio.Box{X1: float64(p.src.W), Y1: float64(p.src.H)}) {
			label += ", crop dimmed"
		}
	}
	// alpha 0: the photo itself inside the frame, dimmed outside.
	plain := attention.RenderIn(pic, make([]float64, p.lo.GH*p.lo.GW), p.lo.GH, p.lo.GW, frame, p.o.resample, p.o.cm, 0)
	tiles := []attention.Tile{{Image: plain, Label: label}}
	if len(top) > 0 {
		labels, probs := make([]string, len(top)), make([]float64, len(top))
		for i, t := range top {
			labels[i], probs[i] = t.Label, t.Prob
		}
		tiles = append(tiles, attention.Tile{Image: attention.Bars(labels, probs, b.Dx(), b.Dy()), Label: fmt.Sprintf("top %d of %d classes", len(top), classes)})
	}
	for _, m := range maps {
		img := attention.RenderIn(pic, p.patches(m.m), p.lo.GH, p.lo.GW, frame, p.o.resample, p.o.cm, p.o.alpha)
		tiles = append(tiles, attention.Tile{Image: img, Label: m.label})
	}
	w.png("summary.png", attention.Grid(tiles, 2, title, p.o.cm))
	return nil
}

// summaryMaxLong bounds the longer side of summary.png's photo, in
// multiples of --size: growing a strip of a photo (5000×1) until its
// shorter side held the bar chart made a page of 285×522090 pixels, 1.5 GB
// and 11 s to draw; past the bound the photo is letterboxed instead.
const summaryMaxLong = 4

// summaryPhoto is the photo (the model's input for .npy inputs) with its
// longer side at --size, or larger so the shorter side holds the bar
// chart (at most summaryMaxLong times --size, the rest padded), and where
// the model's input lies in it.
func (p *pictures) summaryPhoto() (*image.RGBA, attention.Frame, error) {
	minShort := float64(attention.BarsMinHeight(summaryBars))
	if p.src == nil {
		b := p.base.Bounds()
		W, H := b.Dx(), b.Dy()
		s := p.summaryScale(W, H, 1, minShort)
		w, h := int(math.Round(float64(W)*s)), int(math.Round(float64(H)*s))
		pic := p.base
		if s > 1 {
			pic = attention.Resize(p.base, w, h, attention.Bilinear)
		}
		return letterbox(pic, attention.Frame{X1: float64(w), Y1: float64(h)}, int(minShort))
	}
	W, H := p.src.W, p.src.H
	pic, frame, err := scalePhoto(p.src, p.box, p.summaryScale(W, H, float64(p.long)/float64(max(W, H)), minShort))
	if err != nil {
		return nil, attention.Frame{}, err
	}
	return letterbox(pic, frame, int(minShort))
}

// summaryScale is the scale of a W×H picture on summary.png: s, or more so
// its shorter side is minShort, but its longer side at most summaryMaxLong
// times --size.
func (p *pictures) summaryScale(W, H int, s, minShort float64) float64 {
	s = max(s, minShort/float64(min(W, H)))
	return min(s, float64(summaryMaxLong*p.long)/float64(max(W, H)))
}

// letterbox centres pic on a white page at least short pixels on each side,
// moving frame with it; a pic as large already is returned as it is.
func letterbox(pic *image.RGBA, frame attention.Frame, short int) (*image.RGBA, attention.Frame, error) {
	b := pic.Bounds()
	w, h := max(b.Dx(), short), max(b.Dy(), short)
	if w == b.Dx() && h == b.Dy() {
		return pic, frame, nil
	}
	out := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.Draw(out, out.Bounds(), image.White, image.Point{}, draw.Src)
	dx, dy := (w-b.Dx())/2, (h-b.Dy())/2
	draw.Draw(out, b.Add(image.Pt(dx, dy)).Sub(b.Min), pic, b.Min, draw.Src)
	x, y := float64(dx), float64(dy)
	return out, attention.Frame{X0: frame.X0 + x, Y0: frame.Y0 + y, X1: frame.X1 + x, Y1: frame.Y1 + y}, nil
}

// rawAttention gathers the selected layers and heads of a B=1 capture into
// one (layers, heads, T, T) array.
func rawAttention(probs [][]float32, layers, heads []int, T int) *npy.Array {
	a := &npy.Array{Shape: []int{len(layers), len(heads), T, T}}
	for _, l := range layers {
		for _, h := range heads {
			a.Data = append(a.Data, probs[l][h*T*T:(h+1)*T*T]...)
		}
	}
	return a
}

// pictureWriter writes files into dir, each through a temporary file in
// the same folder and a rename, so a reader never sees half a file. It is
// safe for concurrent use, keeps the first error and starts no write after
// it. Errors name the files as in shown (dir when empty): dir is the
// temporary folder of a pictureFolder.
type pictureWriter struct {
	dir   string
	shown string
	mu    sync.Mutex
	files []string
	err   error
}

func (w *pictureWriter) png(name string, img image.Image) {
	w.file(name, func(f io.Writer) error { return attention.EncodePNG(f, img) })
}

func (w *pictureWriter) file(name string, write func(io.Writer) error) {
	if w.failed() {
		return
	}
	// createTemp: a new temporary folder holds no killed run's files.
	err := writeThrough(createTemp, filepath.Join(w.dir, name), write)
	if err != nil && w.shown != "" {
		err = fmt.Errorf("writing %s: %w", filepath.Join(w.shown, name), errors.Unwrap(err))
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if err != nil && w.err == nil {
		w.err = err
	}
	if err == nil {
		w.files = append(w.files, name)
	}
}

func (w *pictureWriter) failed() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.err != nil
}

// pictureFolder is one image's folder of pictures, dir, written whole or
// not at all: the pictures go into a temporary folder beside dir
// (".NAME.*.tmp"), which commit puts in place and abort removes. A failed
// image leaves neither a part of its pictures nor a changed dir behind.
type pictureFolder struct {
	dir, tmp string
	unlock   func() // tmp's lock: see removeStaleTempFolders
}

// newPictureFolder makes the temporary folder for dir's pictures, after
// checking that dir, if there, is a folder.
func newPictureFolder(dir string) (*pictureFolder, error) {
	if st, err := os.Stat(dir); err == nil && !st.IsDir() {
		return nil, fmt.Errorf("%s: is a file, where this image's folder of pictures goes; move it or give another --out", dir)
	}
	tmp, err := os.MkdirTemp(filepath.Dir(dir), "."+filepath.Base(dir)+".*.tmp")
	if err == nil {
		err = os.Chmod(tmp, linkpath.NewFolderMode()) // MkdirTemp makes it 0700
	}
	if err != nil {
		if tmp != "" {
			os.RemoveAll(tmp)
		}
		return nil, fmt.Errorf("making %s: %w", dir, statError(err))
	}
	return &pictureFolder{dir: dir, tmp: tmp, unlock: filelock.Hold(tmp)}, nil
}

// writer writes into the temporary folder, naming dir in its errors.
func (f *pictureFolder) writer() *pictureWriter {
	return &pictureWriter{dir: f.tmp, shown: f.dir}
}

// commit puts the pictures (files, in the temporary folder) in place: the
// temporary folder becomes dir or, when dir is there from an earlier run,
// the files move into it and the earlier run's other pictures are removed
// (files of other names stay). Nothing moves if one of files is a folder
// in dir.
func (f *pictureFolder) commit(files []string) error {
	if _, err := os.Stat(f.dir); errors.Is(err, fs.ErrNotExist) {
		if err := os.Rename(f.tmp, f.dir); err != nil {
			return fmt.Errorf("moving the pictures into %s: %w", f.dir, statError(err))
		}
		f.tmp = ""
		return nil
	}
	for _, name := range files {
		if st, err := os.Lstat(filepath.Join(f.dir, name)); err == nil && st.IsDir() {
			return fmt.Errorf("%s: is a folder, where the picture %s goes; move it away", filepath.Join(f.dir, name), name)
		}
	}
	for _, name := range files {
		if err := os.Rename(filepath.Join(f.tmp, name), filepath.Join(f.dir, name)); err != nil {
			return fmt.Errorf("moving %s into %s: %w", name, f.dir, statError(err))
		}
	}
	return removeStale(f.dir, files)
}

// abort removes the temporary folder, unless commit renamed it into place,
// and drops its lock: call it after commit too.
func (f *pictureFolder) abort() {
	if f.tmp != "" {
		os.RemoveAll(f.tmp)
	}
	f.unlock()
}
