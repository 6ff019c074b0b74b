package pages

import (
	"encoding/json"
)

// Chart events: the JSON dashbox.js sends for a chart's hover, click,
// selection or zoom, decoded only after checkEventJSON has bounded its
// shape, and only into the narrow structs a dashboard needs (such as the
// demo's chartEvent, selection and interaction), never into `any`.

// Event decodes the JSON a chart event input carries into v, a struct of
// the fields the dashboard needs. It reports false when no event has
// happened yet (the value is empty or "null"). JSON nested deeper than
// MaxEventDepth, with an array or object of more than MaxEventElements, or
// a string longer than MaxEventString is refused before it is decoded.
func (in Inputs) Event(name string, v any) (bool, error) {
	s := in.v.Get(name)
	if s == "" || s == "null" {
		return false, nil
	}
	if err := checkEventJSON(name, s); err != nil {
		return false, err
	}
	if err := json.Unmarshal([]byte(s), v); err != nil {
		return false, Errorf(EINVALID, "%s must be the JSON of a chart event: %v", name, err)
	}
	return true, nil
}

// checkEventJSON bounds the shape of the chart event JSON s, input name,
// in one pass over its bytes and without allocating: its nesting, the
// elements of each array and members of each object, and the length of
// each string. It does not check that s is JSON; json.Unmarshal does, once
// s is known to be cheap to decode.
func checkEventJSON(name, s string) error {
	// commas[d] counts the commas of the array or object open at depth d.
	var commas [MaxEventDepth + 1]int
	depth := 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '"':
			start := i + 1
			for i++; i < len(s) && s[i] != '"'; i++ {
				if s[i] == '\\' {
					i++
				}
			}
			if i-start > MaxEventString {
				return Errorf(EINVALID, "%s holds a string longer than %d bytes, more than a chart event has", name, MaxEventString)
			}
		case '[', '{':
			if depth++; depth > MaxEventDepth {
				return Errorf(EINVALID, "%s is JSON nested deeper than %d levels, more than a chart event has", name, MaxEventDepth)
			}
			commas[depth] = 0
		case ']', '}':
			if depth > 0 {
				depth--
			}
		case ',':
			if depth > 0 {
				if commas[depth]++; commas[depth] >= MaxEventElements {
					return Errorf(EINVALID, "%s holds an array or object of more than %d elements, more than a chart event has", name, MaxEventElements)
				}
			}
		}
	}
	return nil
}
