package demo

import (
	"bytes"
	"slices"
	"strings"
	"testing"
)

// TestGapminder checks the lookups the Gapminder dashboards rely on: a
// year's countries in order, a country's years in order, nil for what the
// data lacks, and slices a caller cannot grow into its neighbours.
func TestGapminder(t *testing.T) {
	g, err := parseGapminder(bytes.NewReader(gapminderCSV))
	if err != nil {
		t.Fatal(err)
	}
	if len(g.Rows) != 1704 || len(g.Countries) != 142 || len(g.Years) != 12 || !slices.Equal(g.Continents, []string{"Africa", "Americas", "Asia", "Europe", "Oceania"}) {
		t.Fatalf("%d rows, %d countries, %d years, continents %v", len(g.Rows), len(g.Countries), len(g.Years), g.Continents)
	}
	y := g.Year(2007)
	if len(y) != 142 || y[0].Country != "Afghanistan" || y[141].Country != "Zimbabwe" ||
		!slices.IsSortedFunc(y, func(a, b CountryYear) int { return strings.Compare(a.Country, b.Country) }) {
		t.Errorf("Year(2007): %d rows, from %s to %s", len(y), y[0].Country, y[len(y)-1].Country)
	}
	for _, r := range y {
		if r.Year != 2007 {
			t.Fatalf("Year(2007) holds a row of %d", r.Year)
		}
	}
	j := g.Country("Japan")
	if len(j) != 12 || j[0].Year != 1952 || j[11].Year != 2007 || j[11].LifeExp != 82.603 || j[0].Continent != "Asia" {
		t.Errorf("Country(Japan): %+v", j)
	}
	if g.Year(2006) != nil || g.Country("Atlantis") != nil {
		t.Error("a year or country not in the data has rows")
	}
	if cap(j) != len(j) || cap(y) != len(y) {
		t.Error("an append to a returned slice would overwrite the next country's or year's rows")
	}
}
