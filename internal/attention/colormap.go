package attention

import (
	"encoding/hex"
	"fmt"
	"image/color"
	"math"
)

// Colormap maps a value in [0, 1] to a colour.
type Colormap struct {
	name  string
	stops [][3]float64   // evenly spaced over [0, 1], 0..255
	lut   *[256][3]uint8 // At(i/255), for drawing
}

func (c Colormap) String() string { return c.name }

// At returns the colour of v, clamped to [0, 1], interpolated linearly
// between the map's stops; NaN is the lowest colour.
func (c Colormap) At(v float64) color.RGBA {
	if !(v > 0) {
		v = 0
	}
	s := math.Min(v, 1) * float64(len(c.stops)-1)
	i := min(int(s), len(c.stops)-2)
	f := s - float64(i)
	a, b := c.stops[i], c.stops[i+1]
	var out [3]uint8
	for k := range out {
		out[k] = uint8(math.Round(a[k] + f*(b[k]-a[k])))
	}
	return color.RGBA{out[0], out[1], out[2], 255}
}

// Viridis and magma are matplotlib's perceptually uniform colormaps (by
// Stéfan van der Walt and Nathaniel Smith, released CC0), sampled here at 33
// evenly spaced points and rounded to 8 bits; linear interpolation between
// them stays within 3/255 of the full tables.
const (
	viridisHex = "440154470d6048186a482374472d7b4537814240863e49893b528b375b8d33638d2f6b8e2c728e297a8e26828e23898e21918c1f988b1fa08822a78528ae8032b67a3fbc734ec36b5ec96270cf5784d44b98d83eaddc30c2df23d8e219ece51bfde725"
	magmaHex   = "0000040303120a0822130d341d114729115a36106b440f7651127c5d177f6a1c81762181832681902a819c2e7faa337db73779c43c75d0416fdc4869e75263ef5d5ef56b5cf9795dfc8961fd9869fea772feb67cfec488fed395fde2a3fcf0b2fcfdbf"
)

// Colormaps by name; viridis is the default.
var colormaps = map[string]Colormap{
	"viridis": withLUT(fromHex("viridis", viridisHex)),
	"magma":   withLUT(fromHex("magma", magmaHex)),
	"jet":     withLUT(jet()),
	"gray":    withLUT(Colormap{name: "gray", stops: [][3]float64{{0, 0, 0}, {255, 255, 255}}}),
}

// withLUT tabulates c at 256 levels, as matplotlib draws a colormap.
func withLUT(c Colormap) Colormap {
	c.lut = new([256][3]uint8)
	for i := range c.lut {
		rgb := c.At(float64(i) / 255)
		c.lut[i] = [3]uint8{rgb.R, rgb.G, rgb.B}
	}
	return c
}

// level is v's entry in the table: v clamped to [0, 1] and rounded to the
// nearest of 256 levels; NaN is the lowest.
func level(v float64) int {
	if !(v > 0) {
		return 0
	}
	return int(math.Min(v, 1)*255 + 0.5)
}

// ColormapNames lists the colormaps ParseColormap knows, default first.
var ColormapNames = []string{"viridis", "jet", "magma", "gray"}

// ParseColormap returns the colormap called name.
func ParseColormap(name string) (Colormap, error) {
	c, ok := colormaps[name]
	if !ok {
		return Colormap{}, fmt.Errorf("unknown colormap %q: want viridis, jet, magma or gray", name)
	}
	return c, nil
}

func fromHex(name, s string) Colormap {
	b, err := hex.DecodeString(s)
	if err != nil || len(b)%3 != 0 {
		panic("attention: bad colormap table " + name)
	}
	c := Colormap{name: name}
	for i := 0; i < len(b); i += 3 {
		c.stops = append(c.stops, [3]float64{float64(b[i]), float64(b[i+1]), float64(b[i+2])})
	}
	return c
}

// jet is the classic rainbow: blue, cyan, yellow, red, each channel a
// clamped triangle. Not perceptually uniform; offered because people know it.
func jet() Colormap {
	const n = 33
	c := Colormap{name: "jet"}
	ch := func(v, centre float64) float64 {
		return 255 * math.Max(0, math.Min(1, 1.5-math.Abs(4*v-centre)))
	}
	for i := 0; i < n; i++ {
		v := float64(i) / (n - 1)
		c.stops = append(c.stops, [3]float64{ch(v, 3), ch(v, 2), ch(v, 1)})
	}
	return c
}
