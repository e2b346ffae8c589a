package report

import (
	"bytes"
	"html/template"
	"math"
	"strconv"
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
	Label        string
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

// bars draws a horizontal bar chart of labelled values (at most 30 bars).
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
		c.Bars = append(c.Bars, bar{Label: cutLabel(l, 26), Value: format(values[i]), Y: y, W: w, LabelY: y + barHeight*0.72,
			ValueX: labelWidth + w + 4, BarH: barHeight, LabelW: labelWidth - 6})
	}
	return render(barTmpl, c)
}

func cutLabel(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

var barTmpl = template.Must(template.New("bars").Parse(`<svg xmlns="http://www.w3.org/2000/svg" role="img" class="chart" width="{{.Width}}" height="{{.Height}}" viewBox="0 0 {{.Width}} {{.Height}}"><title>{{.Title}}</title>
{{- range .Bars}}<text x="{{.LabelW}}" y="{{.LabelY}}" text-anchor="end" class="lbl">{{.Label}}</text><rect x="170" y="{{.Y}}" width="{{.W}}" height="{{.BarH}}" class="bar"/><text x="{{.ValueX}}" y="{{.LabelY}}" class="val">{{.Value}}</text>{{end}}</svg>`))

type lineChart struct {
	Title         string
	Width, Height int
	Series        []series
	XLabels       []axisLabel
	YLabels       []axisLabel
	Legend        []legendItem
	Left, Bottom  int
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
	Text string
	X, Y float64
}

type legendItem struct {
	Name   string
	X, Y   float64
	Dash   string
	Class  string
	Square bool
}

var dashes = []string{"", "6 3", "2 3", "10 3 2 3", "1 1"}

// lines draws series of values over the same x labels (weeks), each with its own dash,
// marker and shade; at most five series are drawn.
func lines(title string, x []string, names []string, values [][]float64) template.HTML {
	if len(names) > len(dashes) {
		names, values = names[:len(dashes)], values[:len(dashes)]
	}
	c := lineChart{Title: title, Width: chartWidth, Height: 240, Left: 44, Bottom: 200}
	maxV := 1.0
	for _, s := range values {
		for _, v := range s {
			maxV = math.Max(maxV, v)
		}
	}
	plotW := float64(c.Width - c.Left - 10)
	plotH := float64(c.Bottom - 30)
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
		c.Legend = append(c.Legend, legendItem{Name: cutLabel(names[k], 22), X: float64(c.Left + 10 + (k%3)*150), Y: float64(12 + (k/3)*14),
			Dash: sr.Dash, Class: sr.Class, Square: sr.Square})
	}
	step := max(1, len(x)/6)
	for i := 0; i < len(x); i += step {
		c.XLabels = append(c.XLabels, axisLabel{Text: x[i], X: xAt(i), Y: float64(c.Bottom + 16)})
	}
	for _, f := range []float64{0, 0.5, 1} {
		c.YLabels = append(c.YLabels, axisLabel{Text: strconv.FormatFloat(math.Round(maxV*f), 'f', 0, 64), X: float64(c.Left - 4), Y: yAt(maxV*f) + 4})
	}
	return render(lineTmpl, c)
}

var lineTmpl = template.Must(template.New("lines").Parse(`<svg xmlns="http://www.w3.org/2000/svg" role="img" class="chart" width="{{.Width}}" height="{{.Height}}" viewBox="0 0 {{.Width}} {{.Height}}"><title>{{.Title}}</title>
<line x1="{{.Left}}" y1="{{.Bottom}}" x2="{{.Width}}" y2="{{.Bottom}}" class="axis"/><line x1="{{.Left}}" y1="30" x2="{{.Left}}" y2="{{.Bottom}}" class="axis"/>
{{- range .YLabels}}<text x="{{.X}}" y="{{.Y}}" text-anchor="end" class="tick">{{.Text}}</text>{{end}}
{{- range .XLabels}}<text x="{{.X}}" y="{{.Y}}" text-anchor="middle" class="tick">{{.Text}}</text>{{end}}
{{- range .Series}}<polyline points="{{.Points}}" class="line {{.Class}}" stroke-dasharray="{{.Dash}}"/>{{$sq := .Square}}{{$cl := .Class}}{{range .Marks}}{{if $sq}}<rect x="{{.X}}" y="{{.Y}}" width="5" height="5" transform="translate(-2.5,-2.5)" class="mark {{$cl}}"/>{{else}}<circle cx="{{.X}}" cy="{{.Y}}" r="2.6" class="mark {{$cl}}"/>{{end}}{{end}}{{end}}
{{- range .Legend}}<polyline points="0,0 24,0" transform="translate({{.X}},{{.Y}}) translate(0,-4)" class="line {{.Class}}" stroke-dasharray="{{.Dash}}"/><text x="{{.X}}" y="{{.Y}}" dx="28" class="tick">{{.Name}}</text>{{end}}</svg>`))

func render(t *template.Template, data any) template.HTML {
	var b bytes.Buffer
	if err := t.Execute(&b, data); err != nil {
		// The templates are fixed and their data plain values: an error is a bug here.
		panic("report: drawing a chart: " + err.Error())
	}
	return template.HTML(b.String()) // produced by html/template: its text is escaped
}
