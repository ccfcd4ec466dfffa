package cli

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/vitctl/vitctl/internal/imageio"
)

// convertHint adds to err, when it is about images in a format vitctl
// recognises but cannot decode (an iPhone's HEIC, AVIF, JPEG XL, JPEG 2000,
// a camera's RAW file), the commands that convert them; other errors, and
// nil, are kept.
func convertHint(err error) error {
	var nd *imageio.NoDecoderError
	if err == nil || !errors.As(err, &nd) {
		return err
	}
	return fmt.Errorf("%w: %s", err, convertAdvice(nd))
}

// convertAdvice says how to turn the files nd counts into JPEGs, with the
// converters that read their formats: libheif's heif-convert (HEIC, HEIF,
// AVIF), libjxl's djxl (JPEG XL), OpenJPEG's opj_decompress (JPEG 2000,
// to PNG: it writes no JPEG), darktable's darktable-cli (camera RAW),
// ImageMagick (all, built with those libraries, as distributions ship it)
// and macOS's sips (HEIF family, JPEG 2000, camera RAW).
func convertAdvice(nd *imageio.NoDecoderError) string {
	jxl := slices.Contains(nd.Formats, imageio.JPEGX)
	jp2 := slices.Contains(nd.Formats, imageio.JP2)
	raw := slices.Contains(nd.Formats, imageio.RAW)
	heif := slices.ContainsFunc(nd.Formats, func(f string) bool { return f == imageio.HEIC || f == imageio.HEIF || f == imageio.AVIF })
	var tools []string
	if heif {
		tools = append(tools, "heif-convert IN OUT.jpg")
	}
	if jxl {
		tools = append(tools, "djxl IN OUT.jpg")
	}
	if jp2 {
		tools = append(tools, "opj_decompress -i IN -o OUT.png")
	}
	if raw {
		tools = append(tools, "darktable-cli IN OUT.jpg")
	}
	tools = append(tools, "magick IN OUT.jpg")
	if heif || jp2 || raw {
		tools = append(tools, "on macOS sips -s format jpeg IN --out OUT.jpg")
	}
	to := "JPEG"
	if jp2 {
		to = "JPEG or PNG"
	}
	last := len(tools) - 1
	return fmt.Sprintf("convert %s to %s first (%s, or %s)", verb(max(nd.Files, 1), "it", "them"), to, strings.Join(tools[:last], ", "), tools[last])
}
