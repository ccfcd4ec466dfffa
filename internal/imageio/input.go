package imageio

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/vitctl/vitctl/internal/model"
	"github.com/vitctl/vitctl/internal/npy"
)

// LoadInput reads one model input: a .npy file of float32 pixel values
// shaped (3, H, W) or (1, 3, H, W) is taken as already preprocessed;
// anything else is decoded as an image (at most maxPixels pixels) and
// preprocessed with p. The result is (3, p.Height, p.Width) in CHW order.
// Errors start with the path.
func LoadInput(path string, p model.Preprocess, maxPixels int) ([]float32, error) {
	if strings.EqualFold(filepath.Ext(path), ".npy") {
		return loadNpy(path, p)
	}
	img, err := DecodeFile(path, maxPixels)
	if err != nil {
		return nil, err
	}
	if !p.DoResize && (img.W != p.Width || img.H != p.Height) {
		return nil, fmt.Errorf("%s: image is %d×%d but the model takes %d×%d and its preprocessing does not resize",
			path, img.W, img.H, p.Width, p.Height)
	}
	x, err := Preprocess(img, p)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return x, nil
}

func loadNpy(path string, p model.Preprocess) ([]float32, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("%s: cannot read: %w", path, unwrapPath(err))
	}
	defer f.Close()
	a, err := npy.Read(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	want := []int{3, p.Height, p.Width}
	shape := a.Shape
	if len(shape) == 4 && shape[0] == 1 {
		shape = shape[1:]
	}
	if !slices.Equal(shape, want) {
		return nil, fmt.Errorf("%s: array shape %v does not fit the model: want preprocessed pixels shaped (3, %d, %d) or (1, 3, %d, %d)",
			path, a.Shape, p.Height, p.Width, p.Height, p.Width)
	}
	return a.Data, nil
}
