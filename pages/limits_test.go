package pages

import (
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/dashbox/dashbox/pages/internal/eventtest"
)

// TestOutputLimit: an answer past 1 MiB of JSON is refused with a 413
// saying so, whether its text is too long as it is or only once escaped,
// and never encoded whole when its text alone is too long.
func TestOutputLimit(t *testing.T) {
	p, _ := mustPages(t)
	cases := []struct {
		name   string
		out    Outputs
		status int
	}{
		{"2 MiB of text", Outputs{"a": Text(strings.Repeat("x", 2<<20))}, 413},
		{"200 KiB of text escaped six times over", Outputs{"a": Text(strings.Repeat("<", 200<<10))}, 413},
		{"many outputs", func() Outputs {
			o := Outputs{}
			for i := range 20 {
				o[strconv.Itoa(i)] = Text(strings.Repeat("x", 60<<10))
			}
			return o
		}(), 413},
		{"a table window", Outputs{"v": Output{Rows: &rowWindow{Rows: slices.Repeat([][]string{slices.Repeat([]string{strings.Repeat("x", 100)}, 12)}, 1000)}}}, 413},
		{"just under", Outputs{"a": Text(strings.Repeat("x", MaxCallbackOutput-100))}, 200},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := p.callbackHandler(Callback{Name: "big", Inputs: []string{"x"}, Func: func(Inputs) (Outputs, error) { return c.out, nil }}, nil)
			rec := post(t, h, "/x", form("x", "1"))
			if c.status == 200 {
				if rec.Code != 200 || rec.Body.Len() > MaxCallbackOutput {
					t.Fatalf("%d, %d bytes", rec.Code, rec.Body.Len())
				}
				return
			}
			checkRefused(t, rec, 413, "the answer would be more than the 1 MiB of JSON a callback may send")
		})
	}
}

// TestOutputsEncodeAsJSONMarshal: the bounded encoding writes what
// json.Marshal wrote before it, byte for byte.
func TestOutputsEncodeAsJSONMarshal(t *testing.T) {
	v := "Montréal"
	out := Outputs{
		"b": Text("<b>&</b>"), "a": Choices(OptionsOf("x", "y"), "y"), "é": {Value: &v},
		"t": {HTML: "<td>1</td>"}, "r": {Rows: &rowWindow{Offset: 1, Total: 2, Rows: [][]string{{"1", "2"}}}},
	}
	want, _ := json.Marshal(struct {
		Outputs Outputs `json:"outputs"`
	}{out})
	h := (&Pages{}).callbackHandler(Callback{Name: "x", Inputs: []string{"x"}, Func: func(Inputs) (Outputs, error) { return out, nil }}, nil)
	if got := post(t, h, "/x", nil).Body.String(); got != string(want) {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

// TestCheckEventJSON checks the bounds at their edges.
func TestCheckEventJSON(t *testing.T) {
	for _, c := range []struct {
		json string
		ok   bool
	}{
		{eventtest.DeepJSON(32), true},
		{eventtest.DeepJSON(33), false},
		{`{"a":` + eventtest.DeepJSON(31) + `}`, true},
		{`{"a":` + eventtest.DeepJSON(32) + `}`, false},
		{`"` + strings.Repeat("[", 5000) + `"`, false},           // a long string
		{`["` + strings.Repeat("[", 1000) + `"]`, true},          // brackets in a string do not nest
		{`["\"[[[[` + strings.Repeat(`\\`, 400) + `"]`, true},    // escapes
		{`["\"` + strings.Repeat(",", 5000)[:1020] + `"]`, true}, // commas in a string do not count
		{eventtest.WideJSON(4096), true},
		{eventtest.WideJSON(4097), false},
		{"[" + strings.Repeat(eventtest.WideJSON(4000)+",", 10) + "0]", true}, // the bound is per array
		{strings.Repeat("]", 100) + eventtest.DeepJSON(32), true},             // unbalanced closers do not go below 0
		{`[[` + strings.Repeat(`0,`, 4095) + `0],` + eventtest.WideJSON(2) + `]`, true},
		{`"\`, true},
	} {
		err := checkEventJSON("e", c.json)
		if (err == nil) != c.ok {
			t.Errorf("%.60s (%d bytes): %v", c.json, len(c.json), err)
		}
	}
}

// TestReadCallbackForm checks how a request's inputs are read: body before
// query, unknown names skipped, malformed requests refused.
func TestReadCallbackForm(t *testing.T) {
	limits := inputLimits([]string{"a", "g.hover", "m"}, func(n string) bool { return n == "m" })
	cases := []struct {
		name, method, ct, query, body string
		status                        int
		want                          url.Values
	}{
		{"form", "POST", "application/x-www-form-urlencoded; charset=UTF-8", "", "a=1+2&g.hover=%7B%7D&zz=3&m=x&m=y", 200, url.Values{"a": {"1 2"}, "g.hover": {"{}"}, "m": {"x", "y"}}},
		{"body before query", "POST", "application/x-www-form-urlencoded", "m=q", "m=b", 200, url.Values{"m": {"b", "q"}}},
		{"query", "GET", "", "a=%C3%A9&&b", "", 200, url.Values{"a": {"é"}}},
		{"no body", "POST", "", "a=1", "", 200, url.Values{"a": {"1"}}},
		{"escaped name", "GET", "", "g%2Ehover=x", "", 200, url.Values{"g.hover": {"x"}}},
		{"JSON body", "POST", "application/json", "", `{"a":1}`, 400, nil},
		{"semicolon", "GET", "", "a=1;b=2", "", 400, nil},
		{"bad escape", "GET", "", "a=%zz", "", 400, nil},
		{"bad escape in a name", "GET", "", "%zz=1", "", 400, nil},
		{"repeated", "GET", "", "a=1&a=2", "", 400, nil},
		{"too many choices", "GET", "", strings.Repeat("m=1&", MaxChoices+1), "", 400, nil},
		{"as many choices as allowed", "GET", "", strings.Repeat("m=1&", MaxChoices), "", 200, url.Values{"m": slices.Repeat([]string{"1"}, MaxChoices)}},
		{"longest control value", "GET", "", "a=" + strings.Repeat("%41", MaxControlValue), "", 200, url.Values{"a": {strings.Repeat("A", MaxControlValue)}}},
		{"control value too long", "GET", "", "a=" + strings.Repeat("%41", MaxControlValue+1), "", 413, nil},
		{"a JSON body of a long type", "POST", "application/json; x=" + strings.Repeat("y", 5000), "", `{}`, 400, nil},
		{"event value past the control bound", "GET", "", "g.hover=" + strings.Repeat("x", MaxControlValue+1), "", 200, url.Values{"g.hover": {strings.Repeat("x", MaxControlValue+1)}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			req := httptest.NewRequest(c.method, "/x?"+c.query, strings.NewReader(c.body))
			if c.ct != "" {
				req.Header.Set("Content-Type", c.ct)
			}
			got, err := readCallbackForm(httptest.NewRecorder(), req, limits)
			if status := errorStatusOf(err); status != c.status {
				t.Fatalf("status %d (%v), want %d", status, err, c.status)
			}
			if err != nil && len(err.Error()) > 200 {
				t.Errorf("a %d-byte message: %.100s", len(err.Error()), err)
			}
			if err == nil && fmt.Sprint(got) != fmt.Sprint(c.want) {
				t.Errorf("got %v, want %v", got, c.want)
			}
		})
	}
}

// errorStatusOf is the status a callback answers err with; 200 for nil.
func errorStatusOf(err error) int {
	if err == nil {
		return 200
	}
	return errorStatus[ErrorCode(err)]
}
