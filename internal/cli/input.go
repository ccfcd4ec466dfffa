package cli

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/vitctl/vitctl/internal/imageio"
	"github.com/vitctl/vitctl/internal/npy"
	"github.com/vitctl/vitctl/internal/prep"
)

// loadInput reads one model input: a .npy file of float32 pixel values
// shaped (3, H, W) or (1, 3, H, W) is taken as already preprocessed;
// anything else is decoded as an image (at most maxPixels pixels) and
// preprocessed with p. The result is (3, p.Height, p.Width) in CHW order.
// Errors start with the path.
func loadInput(path string, p prep.Params, maxPixels int) ([]float32, error) {
	if strings.EqualFold(filepath.Ext(path), ".npy") {
		return loadNpy(path, p)
	}
	return imageio.LoadImage(path, p, maxPixels)
}

func loadNpy(path string, p prep.Params) ([]float32, error) {
	f, err := os.Open(path)
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) { // its text repeats the path
			err = pe.Err
		}
		return nil, fmt.Errorf("%s: cannot read: %w", path, err)
	}
	defer f.Close()
	a, err := npy.Read(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	want := []int{prep.Channels, p.Height, p.Width}
	shape := a.Shape
	if len(shape) == 4 && shape[0] == 1 {
		shape = shape[1:]
	}
	if !slices.Equal(shape, want) {
		return nil, fmt.Errorf("%s: array shape %v does not fit the model: want preprocessed pixels shaped (%d, %d, %d) or (1, %[3]d, %[4]d, %[5]d)",
			path, a.Shape, prep.Channels, p.Height, p.Width)
	}
	return a.Data, nil
}
