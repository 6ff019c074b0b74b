package pages

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html/template"
	"strconv"
	"strings"

	"github.com/go-echarts/go-echarts/v2/charts"
	"github.com/go-echarts/go-echarts/v2/opts"
	"github.com/go-echarts/go-echarts/v2/render"
	"github.com/go-echarts/go-echarts/v2/types"
)

// The chart helpers every dashboard uses. Dashboards build their charts with
// go-echarts' own types (charts.NewBar, opts.BarData, ...) through the
// constructors here, which set what dashbox needs of every chart:
//
//   - a fixed chart ID (go-echarts makes a random one otherwise);
//   - a local assets host: dashbox never loads anything from another
//     origin, and the page loads ECharts itself (layout.html);
//   - tooltips drawn on the canvas (renderMode "richText"): ECharts' HTML
//     tooltips write inline style attributes, which the Content-Security-
//     Policy (style-src 'self') forbids;
//   - no fixed colour palette, so ECharts' light or dark theme picks the
//     colours that suit the visitor's system setting;
//   - titles and legends that fit a phone's width.
//
// Options go-echarts has no Go field for are set through WithExtras.

// AssetsHost is where go-echarts would load ECharts from if its own page
// templates were ever used. dashbox renders only the option JSON
// (RenderSnippet().Option) into its own templates, but the default is a
// remote host, and no remote host may appear anywhere: a chart made with
// its own charts.WithInitializationOpts must set this one.
const AssetsHost = "/static/vendor/echarts/"

// EChart is what every go-echarts chart type is (*charts.Bar,
// *charts.Scatter, ...): renderable as a snippet and as an option map.
type EChart interface {
	RenderSnippet() render.ChartSnippet
	Validate()
	JSON() map[string]any
	Accept(charts.ConfigurationVisitor)
}

// Extras are top-level ECharts option fields go-echarts has no Go field
// for, such as a brush with toolbox buttons; each replaces the whole field.
type Extras map[string]any

// NewBar returns a bar chart with dashbox's defaults (see the top of this
// file) and the chart ID id, which must be its Graph's ID.
func NewBar(id string, global ...charts.GlobalOpts) *charts.Bar {
	c := charts.NewBar()
	c.SetGlobalOptions(append([]charts.GlobalOpts{chartInit(id)}, global...)...)
	c.Accept(optionVisitor{})
	return c
}

// NewScatter returns a scatter chart with dashbox's defaults and the chart
// ID id, as NewBar does.
func NewScatter(id string, global ...charts.GlobalOpts) *charts.Scatter {
	c := charts.NewScatter()
	c.SetGlobalOptions(append([]charts.GlobalOpts{chartInit(id)}, global...)...)
	c.Accept(optionVisitor{})
	return c
}

// NewLine returns a line chart with dashbox's defaults and the chart ID
// id, as NewBar does.
func NewLine(id string, global ...charts.GlobalOpts) *charts.Line {
	c := charts.NewLine()
	c.SetGlobalOptions(append([]charts.GlobalOpts{chartInit(id)}, global...)...)
	c.Accept(optionVisitor{})
	return c
}

// WithExtras sets on c option fields go-echarts cannot express.
func WithExtras(c EChart, e Extras) { c.Accept(optionVisitor{extras: e}) }

func chartInit(id string) charts.GlobalOpts {
	return charts.WithInitializationOpts(opts.Initialization{ChartID: id, AssetsHost: AssetsHost})
}

// optionVisitor adjusts every option go-echarts builds (see the top of this
// file).
type optionVisitor struct {
	charts.BaseConfigurationVisitor
	extras Extras
}

// canvasTooltip is go-echarts' tooltip with the render mode it lacks.
type canvasTooltip struct {
	opts.Tooltip
	RenderMode string `json:"renderMode"`
}

func (v optionVisitor) Visit(o map[string]any) {
	if t, ok := o["tooltip"].(opts.Tooltip); ok {
		o["tooltip"] = canvasTooltip{t, "richText"}
	}
	// Titles small enough for a phone's width, and legends that scroll on
	// one line rather than wrap onto the axis below.
	if t, ok := o["title"].(opts.Title); ok && t.TitleStyle == nil {
		t.TitleStyle = &opts.TextStyle{FontSize: 15}
		o["title"] = t
	}
	if l, ok := o["legend"].(opts.Legend); ok && l.Type == "" {
		l.Type = "scroll"
		o["legend"] = l
	}
	delete(o, "color")
	for k, e := range v.extras {
		o[k] = e
	}
}

// chartOption is a chart as an Output or a Chart component holds it; it is
// turned into JSON only when sent.
type chartOption struct{ c EChart }

// ChartOf is an Output that replaces a chart's option.
func ChartOf(c EChart) Output { return Output{Chart: &chartOption{c}} }

// MarshalJSON encodes the option for a callback response. It does what
// RenderSnippet does (Validate, then the option map) without parsing
// go-echarts' three templates on every call, which costs about half a
// millisecond per chart.
func (o *chartOption) MarshalJSON() ([]byte, error) {
	o.c.Validate()
	return json.Marshal(o.c.JSON())
}

// snippetJSON renders the option through go-echarts' RenderSnippet for a
// page (done once, when its dashboard is built) and checks that go-echarts used the expected
// chart ID. The result is compact and safe inside a <script> element.
func (o *chartOption) snippetJSON(id string) (js template.JS, err error) {
	defer func() {
		// RenderSnippet panics on a template error.
		if v := recover(); v != nil {
			err = fmt.Errorf("chart %s: go-echarts: %v", id, v)
		}
	}()
	s := o.c.RenderSnippet()
	if !strings.Contains(s.Element, `id="`+id+`"`) {
		return "", fmt.Errorf("chart %s: its go-echarts ChartID differs; build it with NewBar/NewScatter/NewLine(%q)", id, id)
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, []byte(strings.TrimSpace(s.Option))); err != nil {
		return "", fmt.Errorf("chart %s: go-echarts rendered invalid JSON: %w", id, err)
	}
	var safe bytes.Buffer
	json.HTMLEscape(&safe, buf.Bytes()) // no "</script>" can end the block early
	return template.JS(safe.String()), nil
}

// BarData turns numbers into go-echarts' bar data items.
func BarData(values ...float64) []opts.BarData {
	d := make([]opts.BarData, len(values))
	for i, v := range values {
		d[i] = opts.BarData{Value: v}
	}
	return d
}

// LineData turns numbers into go-echarts' line data items.
func LineData(values ...float64) []opts.LineData {
	d := make([]opts.LineData, len(values))
	for i, v := range values {
		d[i] = opts.LineData{Value: v}
	}
	return d
}

// Point is a scatter data item with the per-item style go-echarts'
// opts.ScatterData has no field for (app15 fades the unselected points).
type Point struct {
	// Name is the point's label, in tooltips and events.
	Name string `json:"name,omitempty"`
	// Value is its coordinates, x then y.
	Value []float64 `json:"value"`
	// SymbolSize is its diameter in pixels; 0 is the series' size.
	SymbolSize int `json:"symbolSize,omitempty"`
	// ItemStyle styles this point alone; nil is the series' style.
	ItemStyle *opts.ItemStyle `json:"itemStyle,omitempty"`
}

// AddPoints adds a scatter series of points, as Scatter.AddSeries does for
// opts.ScatterData.
func AddPoints(c *charts.Scatter, name string, points []Point, options ...charts.SeriesOpts) {
	s := charts.SingleSeries{Name: name, Type: types.ChartScatter, Data: points}
	s.ConfigureSeriesOpts(options...)
	c.MultiSeries = append(c.MultiSeries, s)
}

func itoa(i int) string { return strconv.Itoa(i) }
