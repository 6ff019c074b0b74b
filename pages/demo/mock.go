package demo

import (
	"fmt"
	"math"
)

// Mock data, generated the same way every time, for the demo's data
// sets that no package registry ships (data/README.md). Every page that
// shows it says so.

// rng is splitmix64: a tiny generator whose sequence is fixed by its seed,
// whatever the Go version, so mock data never changes between releases.
type rng struct{ state uint64 }

func (r *rng) next() uint64 {
	r.state += 0x9e3779b97f4a7c15
	z := r.state
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// float returns a number in [0, 1).
func (r *rng) float() float64 { return float64(r.next()>>11) / (1 << 53) }

// between returns a number in [lo, hi).
func (r *rng) between(lo, hi float64) float64 { return lo + (hi-lo)*r.float() }

// intn returns an integer in [0, n).
func (r *rng) intn(n int) int { return int(r.next() % uint64(n)) }

func pick[T any](r *rng, from []T) T { return from[r.intn(len(from))] }

// round1 rounds to one decimal.
func round1(f float64) float64 { return math.Round(f*10) / 10 }

// randomColumns is n rows of cols numbers in [0, 1).
func randomColumns(n, cols int) [][]float64 {
	r := &rng{state: 0}
	rows := make([][]float64, n)
	for i := range rows {
		rows[i] = make([]float64, cols)
		for j := range rows[i] {
			rows[i][j] = r.float()
		}
	}
	return rows
}

// StateExports is one state's (mock) agricultural exports, in millions of
// dollars.
type StateExports struct {
	// State is a real state's name.
	State string
	// The categories' exports, in millions of dollars.
	Beef, Pork, Poultry, Dairy              float64
	Fruits, Vegetables, Corn, Wheat, Cotton float64
}

// Total is the sum of the categories.
func (s StateExports) Total() float64 {
	return round1(s.Beef + s.Pork + s.Poultry + s.Dairy + s.Fruits + s.Vegetables + s.Corn + s.Wheat + s.Cotton)
}

var usStates = []string{
	"Alabama", "Alaska", "Arizona", "Arkansas", "California", "Colorado", "Connecticut", "Delaware", "Florida",
	"Georgia", "Hawaii", "Idaho", "Illinois", "Indiana", "Iowa", "Kansas", "Kentucky", "Louisiana", "Maine",
	"Maryland", "Massachusetts", "Michigan", "Minnesota", "Mississippi", "Missouri", "Montana", "Nebraska",
	"Nevada", "New Hampshire", "New Jersey", "New Mexico", "New York", "North Carolina", "North Dakota", "Ohio",
	"Oklahoma", "Oregon", "Pennsylvania", "Rhode Island", "South Carolina", "South Dakota", "Tennessee", "Texas",
	"Utah", "Vermont", "Virginia", "Washington", "West Virginia", "Wisconsin", "Wyoming",
}

func mockExports() []StateExports {
	r := &rng{state: 2011}
	out := make([]StateExports, len(usStates))
	for i, s := range usStates {
		scale := r.between(0.2, 3) // big and small farm states
		out[i] = StateExports{
			State:      s,
			Beef:       round1(scale * r.between(0, 400)),
			Pork:       round1(scale * r.between(0, 300)),
			Poultry:    round1(scale * r.between(0, 250)),
			Dairy:      round1(scale * r.between(0, 200)),
			Fruits:     round1(scale * r.between(0, 350)),
			Vegetables: round1(scale * r.between(0, 300)),
			Corn:       round1(scale * r.between(0, 600)),
			Wheat:      round1(scale * r.between(0, 400)),
			Cotton:     round1(scale * r.between(0, 250)),
		}
	}
	return out
}

// Passenger is one row of the mock passenger list, with the Titanic list's
// columns.
type Passenger struct {
	// ID is the 1-based row number (PassengerId).
	ID int
	// Survived is the outcome.
	Survived bool
	// Class is the ticket class, 1 to 3 (Pclass).
	Class int
	// Name is "Surname, Title. First name".
	Name string
	// Sex is "male" or "female".
	Sex string
	// Age is 0 when unknown, as it is for a fifth of the real list.
	Age float64
	// SibSp and Parch count siblings and spouses, and parents and
	// children, aboard.
	SibSp, Parch int
	// Ticket, Fare, Cabin ("" for most) and Embarked (the port: S, C or
	// Q) are the rest of the Titanic list's columns.
	Ticket   string
	Fare     float64
	Cabin    string
	Embarked string
}

// PassengerList is the mock passenger list: Count rows, computed from
// their index so that a list of any size costs nothing until read.
type PassengerList struct {
	// Count is the size of the list the Titanic pages show (891, as in the
	// familiar training set).
	Count int
}

func mockPassengers() *PassengerList { return &PassengerList{Count: 891} }

var (
	surnames = []string{
		"Abbott", "Allen", "Andersson", "Baker", "Barkworth", "Brown", "Carter", "Collins", "Davies", "Dean",
		"Evans", "Fortune", "Goldsmith", "Graham", "Harper", "Hewlett", "Hocking", "Jensen", "Johnson", "Kelly",
		"Laroche", "Lindqvist", "Moran", "Murphy", "Nasser", "Nilsson", "O'Brien", "Palsson", "Peters", "Quick",
		"Rice", "Robins", "Sage", "Sandstrom", "Smith", "Thomas", "Turpin", "Vander Planke", "Ward", "Williams",
	}
	maleNames   = []string{"Albert", "Arthur", "Charles", "Edward", "Ernest", "Frederick", "George", "Harry", "James", "John", "Karl", "Owen", "Patrick", "Thomas", "William"}
	femaleNames = []string{"Ada", "Alice", "Anna", "Bertha", "Elizabeth", "Ellen", "Emily", "Florence", "Helen", "Margaret", "Mary", "Nora", "Ruth", "Sarah"}
	ports       = []string{"S", "S", "S", "S", "S", "S", "C", "C", "Q"} // roughly the real mix
)

// Passenger returns passenger i (0-based) of a list of any length.
func (l *PassengerList) Passenger(i int) Passenger {
	r := &rng{state: 1912*1_000_003 + uint64(i)}
	r.next()
	p := Passenger{ID: i + 1, Class: 1 + r.intn(3)}
	if r.float() < 0.35 {
		p.Sex = "female"
	} else {
		p.Sex = "male"
	}
	if r.float() > 0.2 {
		p.Age = round1(r.between(0.5, 75))
		if p.Age > 1 {
			p.Age = math.Floor(p.Age)
		}
	}
	surname := pick(r, surnames)
	child := p.Age > 0 && p.Age < 14
	married := !child && (p.Age == 0 || p.Age >= 18) && r.float() < 0.5
	switch {
	case p.Sex == "male" && child:
		p.Name = fmt.Sprintf("%s, Master. %s", surname, pick(r, maleNames))
	case p.Sex == "male":
		p.Name = fmt.Sprintf("%s, Mr. %s", surname, pick(r, maleNames))
	case married:
		p.Name = fmt.Sprintf("%s, Mrs. %s", surname, pick(r, femaleNames))
	default:
		p.Name = fmt.Sprintf("%s, Miss. %s", surname, pick(r, femaleNames))
	}
	p.SibSp = []int{0, 0, 0, 0, 1, 1, 2, 3}[r.intn(8)]
	p.Parch = []int{0, 0, 0, 0, 0, 1, 1, 2}[r.intn(8)]
	p.Ticket = fmt.Sprint(100000 + r.intn(300000))
	base := []float64{0, 85, 22, 12}[p.Class]
	p.Fare = math.Round(base*r.between(0.5, 2.5)*100) / 100
	if p.Class == 1 || r.float() < 0.05 {
		p.Cabin = fmt.Sprintf("%c%d", "ABCDEFG"[r.intn(7)], 1+r.intn(140))
	}
	p.Embarked = pick(r, ports)
	chance := map[string]float64{"female": 0.74, "male": 0.19}[p.Sex] * []float64{0, 1.3, 1, 0.7}[p.Class]
	p.Survived = r.float() < chance
	return p
}

// QualityMeasures is mock care-gap data: for each measure and monthly run,
// the gaps in care closed and still open.
type QualityMeasures struct {
	// Measures are the measures' names.
	Measures []string
	// Months are the monthly runs, "2024-01" to "2024-12".
	Months []string
	// Closed[m][i] and Open[m][i] are measure m's gaps in month i.
	Closed, Open [][]int
}

func mockQualityMeasures() *QualityMeasures {
	q := &QualityMeasures{
		Measures: []string{
			"Breast Cancer Screening",
			"Colorectal Cancer Screening",
			"Controlling High Blood Pressure",
			"Diabetes Care: HbA1c Control",
			"Childhood Immunization Status",
			"Statin Therapy for Cardiovascular Disease",
		},
	}
	for m := 1; m <= 12; m++ {
		q.Months = append(q.Months, fmt.Sprintf("2024-%02d", m))
	}
	r := &rng{state: 16}
	for range q.Measures {
		population := 800 + r.intn(1200)
		rate := r.between(0.35, 0.55)
		var closed, open []int
		for range q.Months {
			rate = math.Min(0.95, rate+r.between(-0.02, 0.05)) // programmes improve, unevenly
			c := int(float64(population) * rate)
			closed = append(closed, c)
			open = append(open, population-c)
			population += r.intn(40) - 10
		}
		q.Closed = append(q.Closed, closed)
		q.Open = append(q.Open, open)
	}
	return q
}

// Measure returns the index of the measure called name.
func (q *QualityMeasures) Measure(name string) (int, bool) {
	for i, m := range q.Measures {
		if m == name {
			return i, true
		}
	}
	return 0, false
}
