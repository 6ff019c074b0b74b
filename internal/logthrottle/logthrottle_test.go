package logthrottle

import (
	"testing"
	"time"
)

func TestThrottle(t *testing.T) {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	type step struct {
		at    time.Duration // since start
		key   string
		first bool
		ended Window
	}
	for _, c := range []struct {
		name  string
		steps []step
	}{
		{"one key: first logged, repeats counted until the window ends", []step{
			{0, "", true, Window{}},
			{time.Second, "", false, Window{}},
			{59 * time.Second, "", false, Window{}},
			{60 * time.Second, "", true, Window{Start: start, Suppressed: 2, Keys: 1}},
			{121 * time.Second, "", true, Window{Start: start.Add(60 * time.Second)}},
		}},
		{"keys have their own first event", []step{
			{0, "a", true, Window{}},
			{0, "b", true, Window{}},
			{time.Second, "a", false, Window{}},
			{time.Second, "b", false, Window{}},
			{2 * time.Second, "a", false, Window{}},
			{time.Minute, "b", true, Window{Start: start, Suppressed: 3, Keys: 2}},
			{time.Minute, "a", true, Window{}},
		}},
		{"a window starts with the first event after the last one ended", []step{
			{30 * time.Second, "a", true, Window{}},
			{80 * time.Second, "a", false, Window{}},
			{90 * time.Second, "a", true, Window{Start: start.Add(30 * time.Second), Suppressed: 1, Keys: 1}},
			{149 * time.Second, "a", false, Window{}},
		}},
		{"keys past the cap are counted, not logged, until the window ends", []step{
			{0, "a", true, Window{}},
			{0, "b", true, Window{}},
			{0, "c", false, Window{}},
			{time.Second, "c", false, Window{}},
			{time.Second, "a", false, Window{}},
			{time.Minute, "c", true, Window{Start: start, Suppressed: 3, Keys: 1}},
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			th := New(time.Minute, 2)
			for i, s := range c.steps {
				first, ended := th.Event(start.Add(s.at), s.key)
				if first != s.first || ended != s.ended {
					t.Errorf("step %d (%s, %q): first %v, ended %+v; want %v, %+v", i, s.at, s.key, first, ended, s.first, s.ended)
				}
				if len(th.keys) > 2 {
					t.Errorf("step %d: %d keys remembered, want at most the cap 2", i, len(th.keys))
				}
			}
		})
	}
}

// BenchmarkEvent is a flood of one key's events, all counted.
func BenchmarkEvent(b *testing.B) {
	th := New(time.Minute, 1024)
	now := time.Now()
	for b.Loop() {
		th.Event(now, "192.0.2.7")
	}
}
