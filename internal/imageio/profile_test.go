package imageio

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"hash/crc32"
	"testing"
)

// TestColourProfilesNotApplied: an ICC profile (a camera's Adobe RGB, a
// phone's Display P3; one of 200 KB spans four APP2 segments) and a PNG's
// gAMA, cHRM and sRGB chunks leave the pixels as stored, as Pillow's
// convert("RGB") and the Hugging Face reference leave them (checked
// against Pillow 9.4 on such files): the same file without them gives the
// same pixels. The README says so.
func TestColourProfilesNotApplied(t *testing.T) {
	profile := bytes.Repeat([]byte("not really a profile "), 200_000/21)

	jpg := readImage(t, "formats/jpeg_444.jpg")
	var app2 []byte
	const chunk = 65519 - 14 // segment length: 2 + "ICC_PROFILE\0" + seq + count + data
	n := (len(profile) + chunk - 1) / chunk
	for i := range n {
		part := profile[i*chunk : min(len(profile), (i+1)*chunk)]
		app2 = append(app2, 0xff, 0xe2)
		app2 = binary.BigEndian.AppendUint16(app2, uint16(2+12+2+len(part)))
		app2 = append(app2, "ICC_PROFILE\x00"...)
		app2 = append(app2, byte(i+1), byte(n))
		app2 = append(app2, part...)
	}
	withICC := append(append(append([]byte{}, jpg[:2]...), app2...), jpg[2:]...)

	png := readImage(t, "formats/png_rgb.png")
	pngChunk := func(typ string, body []byte) []byte {
		c := binary.BigEndian.AppendUint32(nil, uint32(len(body)))
		c = append(append(c, typ...), body...)
		return binary.BigEndian.AppendUint32(c, crc32.ChecksumIEEE(c[4:]))
	}
	var z bytes.Buffer
	zw := zlib.NewWriter(&z)
	zw.Write(profile)
	zw.Close()
	ihdrEnd := 8 + 8 + 13 + 4
	extra := bytes.Join([][]byte{
		pngChunk("gAMA", binary.BigEndian.AppendUint32(nil, 100000)), // gamma 1.0, against sRGB's 1/2.2
		pngChunk("cHRM", make([]byte, 32)),
		pngChunk("iCCP", append([]byte("Display P3\x00\x00"), z.Bytes()...)),
	}, nil)
	withChunks := append(append(append([]byte{}, png[:ihdrEnd]...), extra...), png[ihdrEnd:]...)

	for _, c := range []struct {
		name        string
		plain, with []byte
	}{
		{"JPEG with a 200 KB ICC profile", jpg, withICC},
		{"PNG with gAMA, cHRM and iCCP", png, withChunks},
	} {
		want, err := DecodeData("plain", c.plain, 0)
		if err != nil {
			t.Fatal(err)
		}
		got, err := DecodeData("with", c.with, 0)
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if got.W != want.W || got.H != want.H || !bytes.Equal(got.Pix, want.Pix) {
			t.Errorf("%s: pixels differ from the same file without them", c.name)
		}
	}
}
