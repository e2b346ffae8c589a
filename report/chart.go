package report

import (
	"bytes"
	"html/template"
	"math"
	"strconv"
	"strings"
)

// The charts are SVG drawn here, without scripts or outside resources: horizontal bars (one
// series, a value at the end of each bar) and lines (up to a few series told apart by dash
// and marker as well as by shade, so that they read in greyscale). Every text in them goes
// through html/template.

type barChart struct {
	Title  string
	Width  int
	Height int
	Bars   []bar
	Unit   string
}

type bar struct {
	Label, Full  string // Full: the whole label, for the tooltip, when Label is cut
	Value        string
	Y, W         float64
	LabelY       float64
	ValueX       float64
	BarH, LabelW float64
}

const (
	chartWidth = 520
	labelWidth = 170
	barHeight  = 18
	barGap     = 6
)

// bars draws a horizontal bar chart of labelled values (at most 30 bars) under its title,
// a caption that says what the bars measure.
func bars(title string, labels []string, values []float64, format func(float64) string) template.HTML {
	if len(labels) > 30 {
		labels, values = labels[:30], values[:30]
	}
	maxV := 0.0
	for _, v := range values {
		maxV = math.Max(maxV, v)
	}
	c := barChart{Title: title, Width: chartWidth, Height: max(len(labels), 1)*(barHeight+barGap) + 10}
	span := float64(chartWidth - labelWidth - 60)
	for i, l := range labels {
		w := 0.0
		if maxV > 0 {
			w = values[i] / maxV * span
		}
		y := float64(5 + i*(barHeight+barGap))
		b := bar{Label: cutLabel(l, 26), Value: format(values[i]), Y: y, W: w, LabelY: y + barHeight*0.72,
			ValueX: labelWidth + w + 4, BarH: barHeight, LabelW: labelWidth - 6}
		if b.Label != l {
			b.Full = l
		}
		c.Bars = append(c.Bars, b)
	}
	return render(barTmpl, c)
}

// xLabels returns the labels of the x axis: about six of x, evenly spread, the first and
// the last always, none running into another or off the chart's width.
func xLabels(x []string, xAt func(int) float64, y, width float64) []axisLabel {
	var labels []axisLabel
	var ends []float64 // where each label kept ends
	step := max(1, len(x)/6)
	for i := 0; i < len(x); i += step {
		if i+step >= len(x) {
			i = len(x) - 1 // the last week is always labelled
		}
		l := axisLabel{Text: x[i], X: xAt(i), Y: y, Anchor: "middle"}
		half := float64(len([]rune(l.Text))) * tickHalfRune
		left, end := l.X-half, l.X+half
		if end > width {
			l.Anchor = "end" // centred, it would run off the right edge
			left, end = l.X-2*half, l.X
		}
		if len(labels) > 0 && left < ends[len(ends)-1]+tickGap && i < len(x)-1 {
			continue
		}
		for len(labels) > 0 && left < ends[len(ends)-1]+tickGap {
			labels, ends = labels[:len(labels)-1], ends[:len(ends)-1] // the last week's label displaces those it would cover
		}
		labels, ends = append(labels, l), append(ends, end)
	}
	return labels
}

// tickGap is the least space between two labels of an axis.
const tickGap = 8

// tickHalfRune is about half the width of a character of an axis label (11px digits and
// dashes), to tell whether a centred label would run off the chart.
const tickHalfRune = 3.5

// cutLabel returns s, or when it is longer than n characters its start and its end with an
// ellipsis between them, n characters in all: names of sites and forms often share a long
// start ("University Hospital ... 101", "... 102") and differ at the end.
func cutLabel(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	head := (n - 1) * 3 / 5
	tail := n - 1 - head
	return strings.TrimRight(string(r[:head]), " ") + "…" + strings.TrimLeft(string(r[len(r)-tail:]), " ")
}

var barTmpl = template.Must(template.New("bars").Parse(`<figcaption>{{.Title}}</figcaption><svg xmlns="http://www.w3.org/2000/svg" role="img" class="chart" width="{{.Width}}" height="{{.Height}}" viewBox="0 0 {{.Width}} {{.Height}}"><title>{{.Title}}</title>
{{- range .Bars}}<text x="{{.LabelW}}" y="{{.LabelY}}" text-anchor="end" class="lbl">{{if .Full}}<title>{{.Full}}</title>{{end}}{{.Label}}</text><rect x="170" y="{{.Y}}" width="{{.W}}" height="{{.BarH}}" class="bar"/><text x="{{.ValueX}}" y="{{.LabelY}}" class="val">{{.Value}}</text>{{end}}</svg>`))

type lineChart struct {
	Title         string
	Width, Height int
	Series        []series
	XLabels       []axisLabel
	YLabels       []axisLabel
	Legend        []legendItem
	Left, Bottom  int
	Top           int // where the plot begins: room for the highest value's label above it
}

type series struct {
	Points string
	Dash   string
	Class  string
	Marks  []point
	Square bool
}

type point struct{ X, Y float64 }

type axisLabel struct {
	Text   string
	X, Y   float64
	Anchor string // text-anchor: middle, or end for a label at the right edge
}

// legendItem is a series' entry in the legend under its chart: a sample of its line and
// marker, and its name (Full, when the name was cut, for the tooltip).
type legendItem struct {
	Name, Full string
	Dash       string
	Class      string
	Square     bool
}

// legendName is how long a name in a legend may be before it is cut: the legend is HTML,
// which wraps its entries, so this only keeps one entry to a line.
const legendName = 48

var dashes = []string{"", "6 3", "2 3", "10 3 2 3", "1 1"}

// lines draws series of values over the same x labels (weeks), each with its own dash,
// marker and shade, under its title (a caption) and above a legend of their names; at most
// five series are drawn.
// The legend is HTML rather than SVG text so that the browser lays it out: names of any
// length wrap onto lines of their own instead of running into each other.
func lines(title string, x []string, names []string, values [][]float64) template.HTML {
	if len(names) > len(dashes) {
		names, values = names[:len(dashes)], values[:len(dashes)]
	}
	c := lineChart{Title: title, Width: chartWidth, Height: 240, Left: 44, Top: 10, Bottom: 200}
	maxV := 1.0
	for _, s := range values {
		for _, v := range s {
			maxV = math.Max(maxV, v)
		}
	}
	plotW := float64(c.Width - c.Left - 10)
	plotH := float64(c.Bottom - c.Top)
	xAt := func(i int) float64 {
		if len(x) < 2 {
			return float64(c.Left) + plotW/2
		}
		return float64(c.Left) + float64(i)*plotW/float64(len(x)-1)
	}
	yAt := func(v float64) float64 { return float64(c.Bottom) - v/maxV*plotH }
	for k, s := range values {
		var pts bytes.Buffer
		sr := series{Dash: dashes[k], Class: "s" + strconv.Itoa(k%3), Square: k%2 == 1}
		for i, v := range s {
			p := point{xAt(i), yAt(v)}
			pts.WriteString(strconv.FormatFloat(p.X, 'f', 1, 64) + "," + strconv.FormatFloat(p.Y, 'f', 1, 64) + " ")
			if len(s) <= 60 {
				sr.Marks = append(sr.Marks, p)
			}
		}
		sr.Points = pts.String()
		c.Series = append(c.Series, sr)
		item := legendItem{Name: cutLabel(names[k], legendName), Dash: sr.Dash, Class: sr.Class, Square: sr.Square}
		if item.Name != names[k] {
			item.Full = names[k]
		}
		c.Legend = append(c.Legend, item)
	}
	c.XLabels = xLabels(x, xAt, float64(c.Bottom+16), float64(c.Width))
	for _, f := range []float64{0, 0.5, 1} {
		c.YLabels = append(c.YLabels, axisLabel{Text: strconv.FormatFloat(math.Round(maxV*f), 'f', 0, 64), X: float64(c.Left - 4), Y: yAt(maxV*f) + 4})
	}
	return render(lineTmpl, c)
}

var lineTmpl = template.Must(template.New("lines").Parse(`<figcaption>{{.Title}}</figcaption><svg xmlns="http://www.w3.org/2000/svg" role="img" class="chart" width="{{.Width}}" height="{{.Height}}" viewBox="0 0 {{.Width}} {{.Height}}"><title>{{.Title}}</title>
<line x1="{{.Left}}" y1="{{.Bottom}}" x2="{{.Width}}" y2="{{.Bottom}}" class="axis"/><line x1="{{.Left}}" y1="{{.Top}}" x2="{{.Left}}" y2="{{.Bottom}}" class="axis"/>
{{- range .YLabels}}<text x="{{.X}}" y="{{.Y}}" text-anchor="end" class="tick">{{.Text}}</text>{{end}}
{{- range .XLabels}}<text x="{{.X}}" y="{{.Y}}" text-anchor="{{.Anchor}}" class="tick">{{.Text}}</text>{{end}}
{{- range .Series}}<polyline points="{{.Points}}" class="line {{.Class}}" stroke-dasharray="{{.Dash}}"/>{{$sq := .Square}}{{$cl := .Class}}{{range .Marks}}{{if $sq}}<rect x="{{.X}}" y="{{.Y}}" width="5" height="5" transform="translate(-2.5,-2.5)" class="mark {{$cl}}"/>{{else}}<circle cx="{{.X}}" cy="{{.Y}}" r="2.6" class="mark {{$cl}}"/>{{end}}{{end}}{{end}}</svg>
{{- if .Legend}}<ul class="legend">{{range .Legend}}<li{{if .Full}} title="{{.Full}}"{{end}}><svg class="chart" width="30" height="10" viewBox="0 0 30 10" aria-hidden="true"><polyline points="2,5 28,5" class="line {{.Class}}" stroke-dasharray="{{.Dash}}"/>{{if .Square}}<rect x="12.5" y="2.5" width="5" height="5" class="mark {{.Class}}"/>{{else}}<circle cx="15" cy="5" r="2.6" class="mark {{.Class}}"/>{{end}}</svg>{{.Name}}</li>{{end}}</ul>{{end}}`))

func render(t *template.Template, data any) template.HTML {
	var b bytes.Buffer
	if err := t.Execute(&b, data); err != nil {
		// The templates are fixed and their data plain values: an error is a bug here.
		panic("report: drawing a chart: " + err.Error())
	}
	return template.HTML(b.String()) // produced by html/template: its text is escaped
}
