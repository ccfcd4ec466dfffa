package bench

import (
	"fmt"
	"image"
	"image/color"
	imgdraw "image/draw"
	"image/png"
	"io"
	"math"
	"slices"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// chartDPI sets the size of text and lines relative to the pixels.
const chartDPI = 96

// WriteChart draws rows as a PNG of width×height pixels: p50 latency per
// image and throughput against tokens per image, both on log scales, one
// line per architecture, thread count and batch size (colour = architecture,
// dashes = threads, marker = batch), with a legend on the right, in as many
// columns as its lines need (CheckChart).
func WriteChart(w io.Writer, rows []Row, title string, width, height int) error {
	if err := CheckChart(rows, width, height); err != nil {
		return err
	}
	ss := seriesOf(rows)
	lat, thr := newPanel("latency per image, p50 [ms]"), newPanel("throughput, mean [images/s]")
	ticks := tokenTicks(rows)
	lat.X.Tick.Marker, thr.X.Tick.Marker = ticks, ticks
	entries := make([][]plot.Thumbnailer, len(ss))
	for i, s := range ss {
		var latXY, thrXY plotter.XYs
		for _, r := range s.rows {
			latXY = append(latXY, plotter.XY{X: float64(r.Tokens), Y: r.ImageP50ms})
			thrXY = append(thrXY, plotter.XY{X: float64(r.Tokens), Y: r.ImagesPerSec})
		}
		for _, pan := range []struct {
			p   *plot.Plot
			xys plotter.XYs
		}{{lat, latXY}, {thr, thrXY}} {
			l, sc, err := plotter.NewLinePoints(pan.xys)
			if err != nil {
				return err
			}
			l.Color, sc.Color = s.color, s.color
			l.Width = vg.Points(1.5)
			l.Dashes = s.dashes
			sc.Shape, sc.Radius = s.shape, vg.Points(3)
			pan.p.Add(l, sc)
			entries[i] = []plot.Thumbnailer{l, sc}
		}
	}
	for _, p := range []*plot.Plot{lat, thr} {
		widenLog(&p.X)
		widenLog(&p.Y)
		snapLog(&p.Y)
	}
	img := image.NewRGBA(image.Rect(0, 0, width, height))
	imgdraw.Draw(img, img.Bounds(), image.NewUniform(color.White), image.Point{}, imgdraw.Src)
	cv := vgimg.NewWith(vgimg.UseImage(img), vgimg.UseDPI(chartDPI))
	dc := draw.New(cv)
	legs, legW := legendColumns(ss, entries, dc.Max.Y-dc.Min.Y)
	plots := draw.Crop(dc, 0, -legW, 0, 0)
	plots = draw.Crop(plots, 0, 0, 0, -chartHead)
	tiles := draw.Tiles{Cols: 2, Rows: 1, PadX: vg.Points(24), PadTop: vg.Points(4), PadBottom: vg.Points(4), PadLeft: vg.Points(4)}
	grid := [][]*plot.Plot{{lat, thr}}
	for i, c := range plot.Align(grid, tiles, plots)[0] {
		grid[0][i].Draw(c)
	}
	ts := lat.Title.TextStyle
	ts.Font.Size = vg.Points(13)
	ts.XAlign, ts.YAlign = text.XLeft, text.YCenter
	dc.FillText(ts, vg.Point{X: dc.Min.X + vg.Points(8), Y: dc.Max.Y - chartHead/2}, title)
	x := dc.Max.X - dc.Min.X - legW
	for _, l := range legs {
		colW := legendWidth(&l, dc)
		l.Draw(draw.Crop(dc, x, -(dc.Max.X - dc.Min.X - x - colW), 0, -chartHead-vg.Points(12)))
		x += colW
	}
	return png.Encode(w, cv.Image())
}

// chartHead is the height of the title line.
var chartHead = vg.Points(20)

// CheckChart says whether rows can be charted at width×height pixels: the
// legend's lines, one per architecture, thread count and batch size, go
// into as many columns as the height needs, and those may take at most
// half the width. The rows need only Arch, Threads and Batch set, so a run
// can be checked before it measures anything.
func CheckChart(rows []Row, width, height int) error {
	if width < 300 || height < 200 {
		return fmt.Errorf("chart size %dx%d: want at least 300x200 pixels", width, height)
	}
	ss := seriesOf(rows)
	if len(ss) == 0 {
		return fmt.Errorf("no measured rows to chart")
	}
	px := func(n int) vg.Length { return vg.Length(n) * vg.Inch / chartDPI }
	_, legW := legendColumns(ss, make([][]plot.Thumbnailer, len(ss)), px(height))
	if legW > px(width)/2 {
		return fmt.Errorf("a %dx%d chart's legend has room for about %d lines, and these rows make %d (one per architecture, thread count and batch size)",
			width, height, len(ss)*int(px(width)/2)/int(legW), len(ss))
	}
	return nil
}

// legendColumns lays the series' legend entries out in columns, top to
// bottom and then left to right, each as tall as a chart of height allows,
// and returns them with their total width.
func legendColumns(ss []series, thumbs [][]plot.Thumbnailer, height vg.Length) ([]plot.Legend, vg.Length) {
	newLeg := func() plot.Legend {
		l := plot.NewLegend()
		l.Top, l.Left = true, true
		l.Padding = vg.Points(3)
		return l
	}
	probe := newLeg()
	var lineH vg.Length
	for _, s := range ss {
		lineH = max(lineH, probe.TextStyle.Rectangle(s.label).Max.Y)
	}
	perCol := max(1, int((height-chartHead-vg.Points(12)+probe.Padding)/(lineH+probe.Padding)))
	var legs []plot.Legend
	var total vg.Length
	for i := 0; i < len(ss); i += perCol {
		l := newLeg()
		for j := i; j < min(i+perCol, len(ss)); j++ {
			l.Add(ss[j].label, thumbs[j]...)
		}
		legs = append(legs, l)
		total += legendWidth(&l, draw.Canvas{})
	}
	return legs, total
}

// newPanel is a log–log plot of ylabel against tokens.
func newPanel(ylabel string) *plot.Plot {
	p := plot.New()
	p.X.Label.Text = "tokens per image (patches + CLS)"
	p.Y.Label.Text = ylabel
	p.X.Scale, p.Y.Scale = plot.LogScale{}, plot.LogScale{}
	p.Y.Tick.Marker = logTicks{}
	p.Add(plotter.NewGrid())
	return p
}

// widenLog gives an axis whose data is one value (one row, or rows that
// all took as long) a range from half to twice it: plot pads such a range
// by ±1, which on a log scale starts at 0 (at 1 image/s: a tick loop
// that never ended) or below (under 1 image/s: a panic).
func widenLog(a *plot.Axis) {
	if a.Min == a.Max && a.Min > 0 {
		a.Min, a.Max = a.Min/2, a.Max*2
	}
}

// snapLog widens an axis out to the 1…9×10^k marks at or around its data,
// so that logTicks has a labelled tick at each end: a small model's two
// batch sizes at 0.137 and 0.171 ms fell between the marks 0.1 and 0.2,
// and the axis had no tick, nor any value, at all.
func snapLog(a *plot.Axis) {
	if a.Min > 0 && a.Max >= a.Min {
		a.Min, a.Max = logMark(a.Min, math.Floor), logMark(a.Max, math.Ceil)
	}
}

// logMark is v rounded by round to a mark m×10^k (m = 1…10), computed as
// logTicks computes its ticks; v within 1e-9 of a mark is that mark.
func logMark(v float64, round func(float64) float64) float64 {
	dec := math.Pow(10, math.Floor(math.Log10(v)))
	m := v / dec
	if r := math.Round(m); math.Abs(m-r) < 1e-9 {
		m = r
	}
	return round(m) * dec
}

// logTicks marks 1…9 of every decade and labels 1, 2 and 5 (all of them
// when the axis spans less than a decade), so a log axis can be read
// without counting gridlines.
type logTicks struct{}

func (logTicks) Ticks(lo, hi float64) []plot.Tick {
	var ts []plot.Tick
	if !(lo > 0) {
		return nil
	}
	labelled := 0
	for dec := math.Pow(10, math.Floor(math.Log10(lo))); dec <= hi; dec *= 10 {
		for m := 1; m <= 9; m++ {
			if v := float64(m) * dec; v >= lo*(1-1e-9) && v <= hi*(1+1e-9) {
				ts = append(ts, plot.Tick{Value: v})
				if m == 1 || m == 2 || m == 5 {
					ts[len(ts)-1].Label = strconv.FormatFloat(v, 'g', 4, 64)
					labelled++
				}
			}
		}
	}
	for i := range ts {
		if labelled < 3 {
			ts[i].Label = strconv.FormatFloat(ts[i].Value, 'g', 4, 64)
		}
	}
	return ts
}

// tokenTicks marks each token count that occurs.
func tokenTicks(rows []Row) plot.ConstantTicks {
	var ts []int
	for _, r := range rows {
		if !slices.Contains(ts, r.Tokens) {
			ts = append(ts, r.Tokens)
		}
	}
	slices.Sort(ts)
	ticks := make(plot.ConstantTicks, len(ts))
	for i, t := range ts {
		ticks[i] = plot.Tick{Value: float64(t), Label: strconv.Itoa(t)}
	}
	return ticks
}

// legendWidth is the width the legend needs, plus a margin.
func legendWidth(l *plot.Legend, c draw.Canvas) vg.Length {
	r := l.Rectangle(c)
	return r.Max.X - r.Min.X + vg.Points(16)
}

// series is one line of the chart.
type series struct {
	label  string
	rows   []Row // by tokens
	color  color.Color
	dashes []vg.Length
	shape  draw.GlyphDrawer
}

// seriesOf groups rows by architecture, threads and batch, in first-seen
// order, and gives each group its style.
func seriesOf(rows []Row) []series {
	type key struct {
		arch           string
		threads, batch int
	}
	var keys []key
	groups := map[key][]Row{}
	var archs []string
	var threads, batches []int
	for _, r := range rows {
		k := key{r.Arch, r.Threads, r.Batch}
		if _, ok := groups[k]; !ok {
			keys = append(keys, k)
		}
		groups[k] = append(groups[k], r)
		archs = appendNew(archs, r.Arch)
		threads = appendNew(threads, r.Threads)
		batches = appendNew(batches, r.Batch)
	}
	out := make([]series, len(keys))
	for i, k := range keys {
		g := groups[k]
		slices.SortStableFunc(g, func(a, b Row) int { return a.Tokens - b.Tokens })
		out[i] = series{
			label:  fmt.Sprintf("%s, %d thr, batch %d", k.arch, k.threads, k.batch),
			rows:   g,
			color:  plotutil.DarkColors[slices.Index(archs, k.arch)%len(plotutil.DarkColors)],
			dashes: plotutil.Dashes(slices.Index(threads, k.threads)),
			shape:  plotutil.Shape(slices.Index(batches, k.batch)),
		}
	}
	return out
}

func appendNew[T comparable](s []T, v T) []T {
	if slices.Contains(s, v) {
		return s
	}
	return append(s, v)
}
