package prep

import "fmt"

// Resample is one of Pillow's filter ids (PIL.Image.Resampling), the
// number Hugging Face's preprocessor_config.json and the model file store.
type Resample int

// Pillow's filter ids.
const (
	Nearest  Resample = 0
	Lanczos  Resample = 1
	Bilinear Resample = 2
	Bicubic  Resample = 3
	Box      Resample = 4
	Hamming  Resample = 5
)

// resampleNames are Pillow's names (and timm's interpolation strings), by id.
var resampleNames = [...]string{"nearest", "lanczos", "bilinear", "bicubic", "box", "hamming"}

// String is the filter's name, or its number when it is not one of Pillow's.
func (r Resample) String() string {
	if r.Check() != nil {
		return fmt.Sprintf("filter %d", int(r))
	}
	return resampleNames[r]
}

// Check fails for a number that is not one of Pillow's filters.
func (r Resample) Check() error {
	if r < 0 || int(r) >= len(resampleNames) {
		return fmt.Errorf("unknown resample filter %d (want 0 nearest, 1 lanczos, 2 bilinear, 3 bicubic, 4 box or 5 hamming)", int(r))
	}
	return nil
}

// ParseResample reads a filter by its name (timm's pretrained_cfg.interpolation).
func ParseResample(name string) (Resample, error) {
	for i, n := range resampleNames {
		if n == name {
			return Resample(i), nil
		}
	}
	return 0, fmt.Errorf("unknown resample filter %q (want nearest, lanczos, bilinear, bicubic, box or hamming)", name)
}
