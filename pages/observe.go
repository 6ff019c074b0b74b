package pages

import (
	"errors"
	"time"
)

// observed returns cb with its Func timed for Options.OnCallback, or cb
// itself when nothing observes callbacks. Only the calls browsers make are
// timed: build runs the initial call with the original cb.
func (p *Pages) observed(dashboard string, cb Callback) Callback {
	on, f := p.onCallback, cb.Func
	if on == nil || f == nil {
		return cb
	}
	cb.Func = func(in Inputs) (out Outputs, err error) {
		start := time.Now()
		defer func() {
			if v := recover(); v != nil {
				// Counted as an error; runCallback recovers it again.
				on(dashboard, cb.Name, time.Since(start), errCallbackPanic)
				panic(v)
			}
			on(dashboard, cb.Name, time.Since(start), err)
		}()
		return f(in)
	}
	return cb
}

// errCallbackPanic is the error OnCallback is told of for a panic.
var errCallbackPanic = errors.New("callback panicked")
