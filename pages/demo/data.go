package demo

import (
	"bytes"
	"cmp"
	_ "embed"
	"encoding/csv"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/dashbox/dashbox/pages"
)

// Data gives the dashboards' Build functions the data sets, each parsed or
// generated on its first use (by the first dashboard built that shows it),
// once, and then shared; data/README.md says where each comes from. Its
// methods are safe for concurrent use, as dashboards build in parallel.
// What they return is shared by every dashboard: read it, never change it.
type Data struct {
	once dataSets // each runs its dataSets function once
}

// dataSets are the functions that make each data set.
type dataSets struct {
	gapminder  func() (*Gapminder, error)
	exports    func() []StateExports
	passengers func() *PassengerList
	quality    func() *QualityMeasures
	random     func() [][]float64
}

// embeddedDataSets are dashbox's data sets: data/gapminder.csv and the
// mock data of mock.go.
var embeddedDataSets = dataSets{
	gapminder:  func() (*Gapminder, error) { return parseGapminder(bytes.NewReader(gapminderCSV)) },
	exports:    mockExports,
	passengers: mockPassengers,
	quality:    mockQualityMeasures,
	random:     func() [][]float64 { return randomColumns(30, 6) },
}

func newData(s dataSets) *Data {
	return &Data{once: dataSets{
		gapminder:  sync.OnceValues(s.gapminder),
		exports:    sync.OnceValue(s.exports),
		passengers: sync.OnceValue(s.passengers),
		quality:    sync.OnceValue(s.quality),
		random:     sync.OnceValue(s.random),
	}}
}

// Gapminder is the real Gapminder excerpt the Dash demo used (app3, app7,
// app8, app14). Its only error is a broken data/gapminder.csv.
func (d *Data) Gapminder() (*Gapminder, error) { return d.once.gapminder() }

// Exports is mock US agricultural exports by state (app2).
func (d *Data) Exports() []StateExports { return d.once.exports() }

// Passengers is a mock passenger list shaped like the Titanic's (app17).
func (d *Data) Passengers() *PassengerList { return d.once.passengers() }

// Quality is mock care-gap data by measure and run month (app16).
func (d *Data) Quality() *QualityMeasures { return d.once.quality() }

// Random is the generic crossfilter's 30 rows of 6 random columns (app15),
// as random as the demo's.
func (d *Data) Random() [][]float64 { return d.once.random() }

// gapminderCSV is plotly.py's gapminder data set; see data/README.md.
//
//go:embed data/gapminder.csv
var gapminderCSV []byte

// Gapminder is life expectancy, GDP per capita and population of 142
// countries every five years from 1952 to 2007.
type Gapminder struct {
	// Rows are all the rows, sorted by country, then year (the file's
	// order).
	Rows []CountryYear
	// Years, Countries and Continents are sorted.
	Years      []int
	Countries  []string
	Continents []string
	// countryStart[i] is where the rows of Countries[i] begin in Rows;
	// one more element holds len(Rows).
	countryStart []int
	// byYear is Rows again, sorted by year, then country, so that a year's
	// rows are a subslice too; yearStart indexes it as countryStart does
	// Rows.
	byYear    []CountryYear
	yearStart []int
}

// CountryYear is one row of Gapminder.
type CountryYear struct {
	// Country, Continent and Year say which row this is.
	Country   string
	Continent string
	Year      int
	// LifeExp is life expectancy at birth, in years.
	LifeExp float64
	// Pop is the population.
	Pop float64
	// GDPPerCap is GDP per capita in US dollars, inflation-adjusted.
	GDPPerCap float64
}

// Year returns the rows of year, sorted by country; nil for a year not in
// the data.
func (g *Gapminder) Year(year int) []CountryYear {
	i, ok := slices.BinarySearch(g.Years, year)
	if !ok {
		return nil
	}
	return g.byYear[g.yearStart[i]:g.yearStart[i+1]:g.yearStart[i+1]]
}

// Country returns the rows of country, sorted by year; nil for a country
// not in the data.
func (g *Gapminder) Country(name string) []CountryYear {
	i, ok := slices.BinarySearch(g.Countries, name)
	if !ok {
		return nil
	}
	return g.Rows[g.countryStart[i]:g.countryStart[i+1]:g.countryStart[i+1]]
}

// Indicator is a column of Gapminder that the indicator dashboards (app8,
// app14) can put on an axis.
type Indicator struct {
	// Name is the indicator's label and option value.
	Name string
	// Value reads the indicator from a row.
	Value func(CountryYear) float64
	// Log is whether the axis reads better on a log scale by default.
	Log bool
}

// Indicators are Gapminder's three indicators, by option value.
var Indicators = []Indicator{
	{"GDP per capita (US$, inflation-adjusted)", func(r CountryYear) float64 { return r.GDPPerCap }, true},
	{"Life expectancy at birth (years)", func(r CountryYear) float64 { return r.LifeExp }, false},
	{"Population", func(r CountryYear) float64 { return r.Pop }, true},
}

// IndicatorOptions are the Indicators as dropdown options.
func IndicatorOptions() []pages.Option {
	o := make([]pages.Option, len(Indicators))
	for i, ind := range Indicators {
		o[i] = pages.Option{Label: ind.Name, Value: ind.Name}
	}
	return o
}

// IndicatorByName returns the indicator called name.
func IndicatorByName(name string) (Indicator, bool) {
	for _, ind := range Indicators {
		if ind.Name == name {
			return ind, true
		}
	}
	return Indicator{}, false
}

func parseGapminder(r io.Reader) (*Gapminder, error) {
	cr := csv.NewReader(r)
	cr.ReuseRecord = true
	header, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("pages: gapminder data: %w", err)
	}
	col := map[string]int{}
	for i, h := range header {
		col[h] = i
	}
	for _, name := range []string{"country", "continent", "year", "lifeExp", "pop", "gdpPercap"} {
		if _, ok := col[name]; !ok {
			return nil, fmt.Errorf("pages: gapminder data has no %q column", name)
		}
	}
	// Each row's strings would otherwise keep its whole CSV record alive:
	// one copy of each name serves all its rows.
	names := map[string]string{}
	intern := func(s string) string {
		if n, ok := names[s]; ok {
			return n
		}
		s = strings.Clone(s)
		names[s] = s
		return s
	}
	g := &Gapminder{}
	for line := 2; ; line++ {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("pages: gapminder data: %w", err)
		}
		row := CountryYear{Country: intern(rec[col["country"]]), Continent: intern(rec[col["continent"]])}
		if row.Year, err = strconv.Atoi(rec[col["year"]]); err == nil {
			if row.LifeExp, err = strconv.ParseFloat(rec[col["lifeExp"]], 64); err == nil {
				if row.Pop, err = strconv.ParseFloat(rec[col["pop"]], 64); err == nil {
					row.GDPPerCap, err = strconv.ParseFloat(rec[col["gdpPercap"]], 64)
				}
			}
		}
		if err != nil {
			return nil, fmt.Errorf("pages: gapminder data, line %d: %w", line, err)
		}
		g.Rows = append(g.Rows, row)
	}
	if len(g.Rows) == 0 {
		return nil, fmt.Errorf("pages: gapminder data is empty")
	}
	g.Rows = slices.Clip(g.Rows)
	byCountry := func(a, b CountryYear) int {
		return cmp.Or(strings.Compare(a.Country, b.Country), cmp.Compare(a.Year, b.Year))
	}
	byYear := func(a, b CountryYear) int {
		return cmp.Or(cmp.Compare(a.Year, b.Year), strings.Compare(a.Country, b.Country))
	}
	slices.SortStableFunc(g.Rows, byCountry)
	g.byYear = slices.Clone(g.Rows)
	slices.SortStableFunc(g.byYear, byYear)
	for i, row := range g.Rows {
		if i == 0 || row.Country != g.Rows[i-1].Country {
			g.Countries = append(g.Countries, row.Country)
			g.countryStart = append(g.countryStart, i)
		}
		if !slices.Contains(g.Continents, row.Continent) {
			g.Continents = append(g.Continents, row.Continent)
		}
	}
	for i, row := range g.byYear {
		if i == 0 || row.Year != g.byYear[i-1].Year {
			g.Years = append(g.Years, row.Year)
			g.yearStart = append(g.yearStart, i)
		}
	}
	g.countryStart = append(g.countryStart, len(g.Rows))
	g.yearStart = append(g.yearStart, len(g.byYear))
	slices.Sort(g.Continents)
	return g, nil
}
