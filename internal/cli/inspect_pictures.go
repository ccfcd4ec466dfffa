package cli

import (
	"fmt"
	"image"
	"io"
	"math"
	"path/filepath"
	"sync"

	"github.com/vitctl/vitctl/internal/attention"
	"github.com/vitctl/vitctl/internal/imageio"
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
	photo *image.RGBA          // the photo at --photo-size; nil for .npy inputs
	frame attention.Frame      // where the model's input lies in photo
}

// setPhoto keeps img, shrunk to --photo-size if larger, to draw over, and
// where box, the model's input in img's pixels, lies in it.
func (p *pictures) setPhoto(img *imageio.RGB8, box imageio.Box) error {
	long := max(img.W, img.H)
	if s := p.o.photoSize; s > 0 && long > s {
		w, h := max(1, int(math.Round(float64(img.W*s)/float64(long)))), max(1, int(math.Round(float64(img.H*s)/float64(long))))
		sx, sy := float64(w)/float64(img.W), float64(h)/float64(img.H)
		var err error
		if img, err = imageio.Resize(img, w, h, prep.Bilinear); err != nil {
			return err
		}
		box = imageio.Box{X0: box.X0 * sx, Y0: box.Y0 * sy, X1: box.X1 * sx, Y1: box.Y1 * sy}
	}
	p.photo, p.frame = img.RGBA(), attention.Frame(box)
	return nil
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
	return &pictures{o: o, lo: lo, base: base}
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
// rollout through each selected layer.
func (p *pictures) drawRollout(w *pictureWriter, probs [][]float32, layers, heads []int) {
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
// it.
type pictureWriter struct {
	dir   string
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
	err := writeFileAtomic(filepath.Join(w.dir, name), write)
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
