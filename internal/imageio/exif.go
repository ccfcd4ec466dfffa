package imageio

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"encoding/hex"
	"io"
	"regexp"
	"slices"
	"strings"
)

// orientation returns the EXIF Orientation (1–8) stored in an image file, or
// 1. Hugging Face's load_image calls PIL.ImageOps.exif_transpose, which reads
// the tag from Image.getexif(): the first APP1 "Exif" segment of a JPEG; the
// eXIf chunk of a PNG, else its "Raw profile type exif" text, else
// tiff:Orientation in its XMP; the EXIF chunk of a WebP; a TIFF's own first
// IFD.
func orientation(format string, data []byte) int {
	var o int
	switch format {
	case "jpeg":
		o = ifd0Orientation(jpegExif(data))
	case "png":
		o = pngOrientation(data)
	case "webp":
		o = ifd0Orientation(webpExif(data))
	case "tiff":
		o = ifd0Orientation(data)
	}
	if o < 1 || o > 8 {
		return 1
	}
	return o
}

// jpegExif returns the TIFF structure inside the first APP1 Exif segment.
func jpegExif(d []byte) []byte {
	i := 2
	for i+4 <= len(d) {
		if d[i] != 0xff {
			return nil
		}
		marker := d[i+1]
		if marker == 0xff { // fill byte
			i++
			continue
		}
		if marker == 0xda || marker == 0xd9 { // start of scan, end of image
			return nil
		}
		n := int(binary.BigEndian.Uint16(d[i+2:]))
		if n < 2 || i+2+n > len(d) {
			return nil
		}
		seg := d[i+4 : i+2+n]
		// Pillow checks the first five bytes only ("Exif\0").
		if marker == 0xe1 && bytes.HasPrefix(seg, []byte("Exif\x00")) {
			return bytes.TrimPrefix(seg, []byte("Exif\x00\x00"))
		}
		i += 2 + n
	}
	return nil
}

// pngOrientation reads the orientation from a PNG's metadata chunks, with
// Pillow's precedence; when a key repeats, the last chunk wins as in
// Pillow's info dict.
//
// Only the text chunks of the two keywords it reads are decompressed, the
// last that decompresses: a 1 MB file of a thousand zTXt chunks of other
// keywords, each inflating to Pillow's 1 MB limit, held 1.4 GB.
func pngOrientation(d []byte) int {
	var exif []byte
	type chunk struct {
		kind string
		body []byte
	}
	chunks := map[string][]chunk{} // of the keywords pngTextKeys names, in file order
	for i := 8; i+12 <= len(d); {
		n := int(binary.BigEndian.Uint32(d[i:]))
		if n < 0 || n > len(d)-i-12 {
			break
		}
		body, kind := d[i+8:i+8+n], string(d[i+4:i+8])
		switch kind {
		case "eXIf":
			exif = body
		case "tEXt", "zTXt", "iTXt":
			if k, _, ok := bytes.Cut(body, []byte{0}); ok && slices.Contains(pngTextKeys, string(k)) {
				chunks[string(k)] = append(chunks[string(k)], chunk{kind, body})
			}
		}
		i += 12 + n
	}
	text := map[string][]byte{}
	for k, cs := range chunks {
		for j := len(cs) - 1; j >= 0; j-- { // the last that decodes wins
			if _, v, ok := pngText(cs[j].kind, cs[j].body); ok {
				text[k] = v
				break
			}
		}
	}
	if exif == nil {
		if raw, ok := text["Raw profile type exif"]; ok {
			// "\nexif\n  <length>\n<hex lines>": Pillow joins the lines
			// from the fourth on and decodes them as hex.
			lines := strings.Split(string(raw), "\n")
			if len(lines) > 3 {
				exif, _ = hex.DecodeString(strings.Join(strings.Fields(strings.Join(lines[3:], "")), ""))
			}
		}
	}
	if o := ifd0Orientation(bytes.TrimPrefix(exif, []byte("Exif\x00\x00"))); o != 0 {
		return o
	}
	if m := xmpOrientation.FindSubmatch(text["XML:com.adobe.xmp"]); m != nil {
		return int(m[2][0] - '0')
	}
	return 0
}

// pngTextKeys are the keywords of the text chunks pngOrientation reads.
var pngTextKeys = []string{"Raw profile type exif", "XML:com.adobe.xmp"}

var xmpOrientation = regexp.MustCompile(`tiff:Orientation(="|>)([0-9])`)

// pngText returns the keyword and text of a tEXt, zTXt or iTXt chunk.
func pngText(kind string, b []byte) (string, []byte, bool) {
	k, rest, ok := bytes.Cut(b, []byte{0})
	if !ok {
		return "", nil, false
	}
	compressed := kind == "zTXt"
	switch kind {
	case "zTXt":
		if len(rest) < 1 {
			return "", nil, false
		}
		rest = rest[1:]
	case "iTXt":
		if len(rest) < 2 {
			return "", nil, false
		}
		compressed = rest[0] == 1
		rest = rest[2:]
		for range 2 { // language tag, translated keyword
			if _, rest, ok = bytes.Cut(rest, []byte{0}); !ok {
				return "", nil, false
			}
		}
	}
	if compressed {
		zr, err := zlib.NewReader(bytes.NewReader(rest))
		if err != nil {
			return "", nil, false
		}
		// Pillow's limit on decompressed text (ImageFile.SAFEBLOCK).
		if rest, err = io.ReadAll(io.LimitReader(zr, 1<<20)); err != nil {
			return "", nil, false
		}
	}
	return string(k), rest, true
}

// webpExif returns the payload of the RIFF EXIF chunk.
func webpExif(d []byte) []byte {
	for i := 12; i+8 <= len(d); {
		n := int(binary.LittleEndian.Uint32(d[i+4:]))
		if n < 0 || n > len(d)-i-8 {
			return nil
		}
		if string(d[i:i+4]) == "EXIF" {
			return bytes.TrimPrefix(d[i+8:i+8+n], []byte("Exif\x00\x00"))
		}
		i += 8 + n + n&1
	}
	return nil
}

// ifd0Orientation reads tag 0x0112 from the first IFD of a TIFF structure,
// or returns 0.
func ifd0Orientation(t []byte) int {
	bo := tiffOrder(t)
	if len(t) < 8 || bo == nil {
		return 0
	}
	off := int64(bo.Uint32(t[4:]))
	if off+2 > int64(len(t)) {
		return 0
	}
	n := int64(bo.Uint16(t[off:]))
	for e := off + 2; e+12 <= int64(len(t)) && n > 0; e, n = e+12, n-1 {
		if bo.Uint16(t[e:]) != 0x0112 {
			continue
		}
		switch bo.Uint16(t[e+2:]) { // type
		case 3: // SHORT
			return int(bo.Uint16(t[e+8:]))
		case 4: // LONG
			return int(bo.Uint32(t[e+8:]))
		}
		return 0
	}
	return 0
}

// tiffOrder is the byte order that the header of a TIFF structure (a TIFF
// file, an EXIF block) declares: "II*\0" little-endian, "MM\0*"
// big-endian; nil for no such header.
func tiffOrder(t []byte) binary.ByteOrder {
	switch string(t[:min(len(t), 4)]) {
	case "II*\x00":
		return binary.LittleEndian
	case "MM\x00*":
		return binary.BigEndian
	}
	return nil
}

// orient applies an EXIF orientation as exif_transpose does: 2 mirror,
// 3 rotate 180°, 4 flip, 5 transpose, 6 rotate 90° clockwise,
// 7 transverse, 8 rotate 90° counter-clockwise.
func orient(m *RGB8, o int) *RGB8 {
	if o <= 1 || o > 8 {
		return m
	}
	w, h := m.W, m.H
	ow, oh := w, h
	if o >= 5 {
		ow, oh = h, w
	}
	// The source pixel of output (x, y) starts at Pix[first + x*dx + y*dy].
	right, down, last := 3, 3*w, 3*(w-1) // steps in the source; last column
	bottom := 3 * (h - 1) * w            // first pixel of the last row
	var first, dx, dy int
	switch o {
	case 2: // (w-1-x, y)
		first, dx, dy = last, -right, down
	case 3: // (w-1-x, h-1-y)
		first, dx, dy = bottom+last, -right, -down
	case 4: // (x, h-1-y)
		first, dx, dy = bottom, right, -down
	case 5: // (y, x)
		first, dx, dy = 0, down, right
	case 6: // (y, h-1-x)
		first, dx, dy = bottom, -down, right
	case 7: // (w-1-y, h-1-x)
		first, dx, dy = bottom+last, -down, -right
	case 8: // (w-1-y, x)
		first, dx, dy = last, down, -right
	}
	out := NewRGB8(ow, oh)
	for y := range oh {
		src := first + y*dy
		dst := out.Pix[3*y*ow:][:3*ow]
		for x := 0; x < len(dst); x += 3 {
			copy(dst[x:x+3], m.Pix[src:src+3])
			src += dx
		}
	}
	return out
}
