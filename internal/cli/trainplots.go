package cli

import (
	"fmt"
	"image/color"
	"io"
	"math"
	"slices"
	"strconv"

	"golang.org/x/image/font/sfnt"
	"golang.org/x/text/unicode/norm"
	"gonum.org/v1/plot"
	plotfont "gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"

	"github.com/vitctl/vitctl/internal/bytestr"
	"github.com/vitctl/vitctl/internal/train"
)

// plotCurves draws the training loss of every step and each epoch's mean
// loss (left) and validation accuracy (right) as a PNG.
func plotCurves(w io.Writer, hist []train.EpochInfo, steps []train.StepInfo) error {
	if len(hist) == 0 {
		return fmt.Errorf("no epoch to plot")
	}
	loss := plot.New()
	loss.Title.Text, loss.X.Label.Text, loss.Y.Label.Text = "training loss", "epoch", "cross-entropy"
	acc := plot.New()
	acc.Title.Text, acc.X.Label.Text, acc.Y.Label.Text = "validation accuracy", "epoch", "top-1 [%]"
	var sx, ex, ax plotter.XYs
	perEpoch := map[int]int{}
	for _, s := range steps {
		perEpoch[s.Epoch]++
	}
	seen := map[int]int{}
	for _, s := range steps {
		seen[s.Epoch]++
		sx = append(sx, plotter.XY{X: float64(s.Epoch-1) + float64(seen[s.Epoch])/float64(perEpoch[s.Epoch]), Y: s.Loss})
	}
	for _, h := range hist {
		ex = append(ex, plotter.XY{X: float64(h.Epoch), Y: h.TrainLoss})
		if h.ValAcc != nil {
			ax = append(ax, plotter.XY{X: float64(h.Epoch), Y: 100 * *h.ValAcc})
		}
	}
	if len(sx) > 0 {
		l, err := plotter.NewLine(sx)
		if err != nil {
			return err
		}
		l.Color = color.RGBA{R: 160, G: 190, B: 230, A: 255}
		loss.Add(l)
		loss.Legend.Add("step", l)
	}
	for _, c := range []struct {
		p   *plot.Plot
		xys plotter.XYs
		lbl string
	}{{loss, ex, "epoch mean"}, {acc, ax, "validation"}} {
		if len(c.xys) == 0 {
			continue
		}
		l, sc, err := plotter.NewLinePoints(c.xys)
		if err != nil {
			return err
		}
		l.Color, sc.Color = color.RGBA{R: 20, G: 70, B: 160, A: 255}, color.RGBA{R: 20, G: 70, B: 160, A: 255}
		l.Width = vg.Points(1.5)
		c.p.Add(l, sc)
		c.p.Legend.Add(c.lbl, l, sc)
	}
	loss.Legend.Top = true
	loss.Y.Tick.Marker, acc.Y.Tick.Marker = exactTicks{}, exactTicks{}
	return drawPanels(w, []*plot.Plot{loss, acc}, 1100, 420)
}

// exactTicks is plot.DefaultTicks with each label its tick's value in the
// fewest decimals that give it (40, not 4e+01): DefaultTicks labels ticks at
// 1.59, 1.6, 1.61 and 1.62 all "1.6", so a loss curve over a narrow range
// had one number, four times, on its axis.
type exactTicks struct{}

func (exactTicks) Ticks(lo, hi float64) []plot.Tick {
	ts := plot.DefaultTicks{}.Ticks(lo, hi)
	for i, t := range ts {
		if t.Label == "" {
			continue
		}
		for decimals := 0; decimals <= 20; decimals++ {
			ts[i].Label = strconv.FormatFloat(t.Value, 'f', decimals, 64)
			if v, _ := strconv.ParseFloat(ts[i].Label, 64); math.Abs(v-t.Value) <= 1e-9*(hi-lo) {
				break
			}
		}
	}
	return ts
}

// drawPanels draws plots side by side into a width×height PNG.
func drawPanels(w io.Writer, plots []*plot.Plot, width, height int) error {
	cv := vgimg.New(vg.Length(width)*vg.Inch/96, vg.Length(height)*vg.Inch/96)
	dc := draw.New(cv)
	tiles := draw.Tiles{Cols: len(plots), Rows: 1, PadX: vg.Points(16), PadTop: vg.Points(4), PadBottom: vg.Points(4), PadLeft: vg.Points(4), PadRight: vg.Points(8)}
	grid := [][]*plot.Plot{plots}
	for i, c := range plot.Align(grid, tiles, dc)[0] {
		plots[i].Draw(c)
	}
	_, err := vgimg.PngCanvas{Canvas: cv}.WriteTo(w)
	return err
}

// confusionFontSize is the size of plotConfusion's text.
var confusionFontSize = vg.Points(9)

// maxDrawnLabel is the most letters of a label that plotConfusion draws;
// a longer one ends in "…" (-o json has it all).
const maxDrawnLabel = 40

// drawnLabels is v with its labels as plotConfusion can draw them: in NFC,
// since the font drew the combining accent of an NFD "rosé" (macOS's
// folder names) apart from its letter, and as "#ID", the class's number,
// where the font has no glyph for a letter of it (Chinese, Japanese,
// emoji): such a row or column was drawn without a name; a label of more
// than maxDrawnLabel letters is cut short. numbered says
// which label each number stands for ("#2 外套").
func drawnLabels(v evalView) (drawn evalView, numbered []string) {
	face := plotfont.DefaultCache.Lookup(plot.DefaultFont, confusionFontSize)
	var buf sfnt.Buffer
	drawable := func(label string) bool {
		for _, r := range label {
			if g, err := face.Face.GlyphIndex(&buf, r); err != nil || g == 0 {
				return false
			}
		}
		return true
	}
	drawn = v
	drawn.rows, drawn.cols = slices.Clone(v.rows), slices.Clone(v.cols)
	for i, label := range v.rows {
		l := norm.NFC.String(label)
		if !drawable(l) {
			l = "#" + strconv.Itoa(v.ids[i])
			numbered = append(numbered, l+" "+bytestr.Text(label))
		}
		if r := []rune(l); len(r) > maxDrawnLabel {
			l = string(r[:maxDrawnLabel-1]) + "…"
		}
		drawn.rows[i], drawn.cols[i] = l, l // the columns are the rows, then "other"
	}
	return drawn, numbered
}

// plotConfusion draws the confusion matrix as a heat map: rows true
// classes, columns predicted, each row shaded by its share of the row.
func plotConfusion(w io.Writer, v evalView, top1 float64) error {
	R, C := len(v.rows), len(v.cols)
	cell := max(24, min(60, 900/max(R, C, 1)))
	// Room for the widest label left of the rows and above the columns
	// (with the title over them): 140 pixels cut "American Staffordshire
	// terrier" at the picture's edge and over the title.
	face := plotfont.DefaultCache.Lookup(plot.DefaultFont, confusionFontSize)
	widest := 0
	for _, l := range v.cols {
		widest = max(widest, int(math.Ceil(face.Width(l).Points()*96/72)))
	}
	margin, head := max(140, widest+12), max(140, widest+40)
	width, height := margin+cell*C+20, head+cell*R+20
	cv := vgimg.New(vg.Length(width)*vg.Inch/96, vg.Length(height)*vg.Inch/96)
	dc := draw.New(cv)
	pt := func(px int) vg.Length { return vg.Length(px) * vg.Inch / 96 }
	top := dc.Max.Y - pt(head)
	font := plot.DefaultFont
	font.Size = confusionFontSize
	sty := draw.TextStyle{Color: color.Black, Font: font, Handler: plot.DefaultTextHandler}
	for i, row := range v.confusion {
		total := 0
		for _, n := range row {
			total += n
		}
		for j, n := range row {
			share := 0.0
			if total > 0 {
				share = float64(n) / float64(total)
			}
			g := uint8(255 - 200*share)
			x0, y0 := dc.Min.X+pt(margin+j*cell), top-pt((i+1)*cell)
			dc.SetColor(color.RGBA{R: g, G: g, B: 255, A: 255})
			dc.Fill(vg.Path{{Type: vg.MoveComp, Pos: vg.Point{X: x0, Y: y0}}, {Type: vg.LineComp, Pos: vg.Point{X: x0 + pt(cell), Y: y0}},
				{Type: vg.LineComp, Pos: vg.Point{X: x0 + pt(cell), Y: y0 + pt(cell)}}, {Type: vg.LineComp, Pos: vg.Point{X: x0, Y: y0 + pt(cell)}}, {Type: vg.CloseComp}})
			s := sty
			s.XAlign, s.YAlign = draw.XCenter, draw.YCenter
			dc.FillText(s, vg.Point{X: x0 + pt(cell)/2, Y: y0 + pt(cell)/2}, fmt.Sprint(n))
		}
		s := sty
		s.XAlign, s.YAlign = draw.XRight, draw.YCenter
		dc.FillText(s, vg.Point{X: dc.Min.X + pt(margin-6), Y: top - pt(i*cell+cell/2)}, v.rows[i])
	}
	for j, label := range v.cols {
		s := sty
		s.Rotation, s.XAlign, s.YAlign = 1.5708, draw.XLeft, draw.YCenter
		dc.FillText(s, vg.Point{X: dc.Min.X + pt(margin+j*cell+cell/2), Y: top + pt(6)}, label)
	}
	s := sty
	s.XAlign = draw.XLeft
	dc.FillText(s, vg.Point{X: dc.Min.X + pt(6), Y: dc.Max.Y - pt(16)}, fmt.Sprintf("rows: true, columns: predicted; top-1 %.1f %%", 100*top1))
	_, err := vgimg.PngCanvas{Canvas: cv}.WriteTo(w)
	return err
}
