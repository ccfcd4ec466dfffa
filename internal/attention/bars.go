package attention

import (
	"fmt"
	"image"
	"image/color"
	"image/draw"
)

// barColour fills the bars of Bars.
var barColour = color.RGBA{70, 110, 170, 255}

// BarsMinHeight is the least height Bars needs for n bars: a line of text
// each.
func BarsMinHeight(n int) int { return n*lineH + 2*gridPad }

// Bars draws a horizontal bar chart of probabilities in [0, 1] on a w×h
// white picture: one row per label, top to bottom, the label on the left
// (cut to fit, ".." marking the cut), a bar as long as the probability
// makes of the room left and the percentage after it. h should be at least
// BarsMinHeight(len(labels)); rows share what is there.
func Bars(labels []string, probs []float64, w, h int) *image.RGBA {
	out := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.Draw(out, out.Bounds(), image.NewUniform(gridBG), image.Point{}, draw.Src)
	if len(labels) == 0 {
		return out
	}
	labelW := (w - 2*gridPad) * 9 / 20
	pctW := textWidth("100.0%")
	barX := gridPad + labelW + gridPad
	room := max(1, w-barX-gridPad-pctW-gridPad)
	rowH := max(lineH, (h-2*gridPad)/len(labels))
	for i, l := range labels {
		y := gridPad + i*rowH + (rowH-lineH)/2
		drawText(out, gridPad, y, fitText(l, labelW))
		n := int(min(1, max(0, probs[i]))*float64(room) + 0.5)
		bar := image.Rect(barX, y+2, barX+n, y+lineH-2)
		draw.Draw(out, bar, image.NewUniform(barColour), image.Point{}, draw.Src)
		drawText(out, barX+n+gridPad/2, y, fmt.Sprintf("%.1f%%", 100*probs[i]))
	}
	return out
}

// fitText cuts s so it is at most w pixels wide, ending the cut with "..".
func fitText(s string, w int) string {
	if textWidth(s) <= w {
		return s
	}
	r := []rune(s)
	for len(r) > 0 && textWidth(string(r)+"..") > w {
		r = r[:len(r)-1]
	}
	return string(r) + ".."
}
