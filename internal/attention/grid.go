package attention

import (
	"image"
	"image/color"
	"image/draw"

	"golang.org/x/image/font"
	"golang.org/x/image/font/basicfont"
	"golang.org/x/image/math/fixed"
)

// Tile is one picture of a grid with the label printed above it.
type Tile struct {
	Image *image.RGBA
	Label string
}

// Grid layout, in pixels.
const (
	gridPad   = 6  // around and between tiles
	lineH     = 15 // one line of basicfont.Face7x13 with spacing
	legendH   = 10 // height of the colour bar
	legendMax = 256
)

var (
	gridBG   = color.RGBA{255, 255, 255, 255}
	gridText = color.RGBA{20, 20, 20, 255}
)

// Grid lays tiles of equal size out in rows of cols, each under its label
// (a cell is as wide as the tile or its longest label), with title on top and a colour bar for cm ("low … high", each tile
// normalised on its own) at the bottom.
func Grid(tiles []Tile, cols int, title string, cm Colormap) *image.RGBA {
	tb := tiles[0].Image.Bounds()
	tw, th := tb.Dx(), tb.Dy()
	cols = max(1, min(cols, len(tiles)))
	rows := (len(tiles) + cols - 1) / cols
	labelW := 0
	for _, t := range tiles {
		labelW = max(labelW, textWidth(t.Label))
	}
	cellW, cellH := max(tw, labelW)+gridPad, lineH+th+gridPad
	top := gridPad + lineH + gridPad
	w := max(gridPad+cols*cellW, gridPad+textWidth(title)+gridPad)
	h := top + rows*cellH + lineH + gridPad
	out := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.Draw(out, out.Bounds(), image.NewUniform(gridBG), image.Point{}, draw.Src)
	drawText(out, gridPad, gridPad, title)
	for i, t := range tiles {
		x := gridPad + (i%cols)*cellW
		y := top + (i/cols)*cellH
		drawText(out, x, y, t.Label)
		r := image.Rect(x, y+lineH, x+tw, y+lineH+th)
		draw.Draw(out, r, t.Image, t.Image.Bounds().Min, draw.Src)
	}
	drawLegend(out, gridPad, top+rows*cellH, min(legendMax, w-2*gridPad), cm)
	return out
}

// drawLegend draws "low", a colour bar of cm and "high" on the line at
// (x, y), at most w pixels wide.
func drawLegend(dst *image.RGBA, x, y, w int, cm Colormap) {
	lw, hw := textWidth("low"), textWidth("high")
	drawText(dst, x, y, "low")
	bar := max(2, w-lw-hw-2*gridPad)
	x0, y0 := x+lw+gridPad, y+(lineH-legendH)/2
	for i := 0; i < bar; i++ {
		c := cm.At(float64(i) / float64(bar-1))
		for j := 0; j < legendH; j++ {
			dst.SetRGBA(x0+i, y0+j, c)
		}
	}
	drawText(dst, x0+bar+gridPad, y, "high")
}

// drawText writes s with its line's top-left corner at (x, y).
func drawText(dst *image.RGBA, x, y int, s string) {
	d := font.Drawer{
		Dst:  dst,
		Src:  image.NewUniform(gridText),
		Face: basicfont.Face7x13,
		Dot:  fixed.P(x, y+basicfont.Face7x13.Ascent+1),
	}
	d.DrawString(s)
}

func textWidth(s string) int {
	return font.MeasureString(basicfont.Face7x13, s).Ceil()
}
