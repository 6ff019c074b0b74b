package pages

import (
	"bytes"
	_ "embed"
	"encoding/csv"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
)

// Data holds the data sets the dashboards show, parsed or generated once,
// when dashbox starts. data/README.md says where each comes from.
type Data struct {
	// Gapminder is the real Gapminder excerpt the Dash demo used.
	Gapminder *Gapminder
	// Exports is mock US agricultural exports by state (app2).
	Exports []StateExports
	// Passengers is a mock passenger list shaped like the Titanic's (app17).
	Passengers *PassengerList
	// Quality is mock care-gap data by measure and run month (app16).
	Quality *QualityMeasures
	// Random is the generic crossfilter's 30 rows of 6 random columns
	// (app15), as random as the demo's.
	Random [][]float64
}

func loadData() (*Data, error) {
	g, err := parseGapminder(bytes.NewReader(gapminderCSV))
	if err != nil {
		return nil, err
	}
	return &Data{
		Gapminder:  g,
		Exports:    mockExports(),
		Passengers: mockPassengers(),
		Quality:    mockQualityMeasures(),
		Random:     randomColumns(30, 6),
	}, nil
}

// gapminderCSV is plotly.py's gapminder data set; see data/README.md.
//
//go:embed data/gapminder.csv
var gapminderCSV []byte

// Gapminder is life expectancy, GDP per capita and population of 142
// countries every five years from 1952 to 2007.
type Gapminder struct {
	// Rows are all the rows, in the file's order (by country, then year).
	Rows []CountryYear
	// Years, Countries and Continents are sorted.
	Years      []int
	Countries  []string
	Continents []string
	byYear     map[int][]CountryYear
	byCountry  map[string][]CountryYear
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
func (g *Gapminder) Year(year int) []CountryYear { return g.byYear[year] }

// Country returns the rows of country, sorted by year.
func (g *Gapminder) Country(name string) []CountryYear { return g.byCountry[name] }

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
func IndicatorOptions() []Option {
	o := make([]Option, len(Indicators))
	for i, ind := range Indicators {
		o[i] = Option{Label: ind.Name, Value: ind.Name}
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
	g := &Gapminder{byYear: map[int][]CountryYear{}, byCountry: map[string][]CountryYear{}}
	for line := 2; ; line++ {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("pages: gapminder data: %w", err)
		}
		row := CountryYear{Country: rec[col["country"]], Continent: rec[col["continent"]]}
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
		g.byYear[row.Year] = append(g.byYear[row.Year], row)
		g.byCountry[row.Country] = append(g.byCountry[row.Country], row)
	}
	if len(g.Rows) == 0 {
		return nil, fmt.Errorf("pages: gapminder data is empty")
	}
	continents := map[string]bool{}
	for _, row := range g.Rows {
		continents[row.Continent] = true
	}
	for y := range g.byYear {
		g.Years = append(g.Years, y)
	}
	for c, rows := range g.byCountry {
		g.Countries = append(g.Countries, c)
		slices.SortFunc(rows, func(a, b CountryYear) int { return a.Year - b.Year })
	}
	for c := range continents {
		g.Continents = append(g.Continents, c)
	}
	slices.Sort(g.Years)
	slices.Sort(g.Countries)
	slices.Sort(g.Continents)
	for _, rows := range g.byYear {
		slices.SortFunc(rows, func(a, b CountryYear) int { return strings.Compare(a.Country, b.Country) })
	}
	return g, nil
}
