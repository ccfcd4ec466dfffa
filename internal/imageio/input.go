package imageio

import (
	"fmt"

	"github.com/vitctl/vitctl/internal/prep"
)

// LoadImage decodes the image at path (at most maxPixels pixels) and
// preprocesses it with p into a (3, p.Height, p.Width) tensor in CHW order.
// Errors start with the path.
func LoadImage(path string, p prep.Params, maxPixels int) ([]float32, error) {
	img, err := DecodeFile(path, maxPixels)
	if err != nil {
		return nil, err
	}
	return preprocessImage(path, img, p)
}

// LoadImageData is LoadImage for bytes already read, such as a download
// named by a URL; errors start with name.
func LoadImageData(name string, data []byte, p prep.Params, maxPixels int) ([]float32, error) {
	img, err := DecodeData(name, data, maxPixels)
	if err != nil {
		return nil, err
	}
	return preprocessImage(name, img, p)
}

// preprocessImage checks img against p and preprocesses it.
func preprocessImage(path string, img *RGB8, p prep.Params) ([]float32, error) {
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
